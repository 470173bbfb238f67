//! In-process cost of the engine on the workload, by kind: parsing (the shell model
//! alone), judging (parsing and evaluation), and building the engine. The per-command
//! latency distribution is `src/bin/latency.rs`; whole processes are
//! `src/bin/hook_process.rs` and `src/bin/throughput.rs`.

use std::collections::BTreeMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mstro_bench::{Op, pathological, realistic};
use mstro_engine::config::{Config, ConfigPaths, relevance_of};
use mstro_engine::shell::{Limits, model};
use mstro_engine::{Engine, Mode, PathEnv, ToolCall};

fn by_kind() -> BTreeMap<String, Vec<Op>> {
    let mut kinds: BTreeMap<String, Vec<Op>> = BTreeMap::new();
    for op in realistic().into_iter().chain(pathological()) {
        kinds.entry(op.kind.clone()).or_default().push(op);
    }
    kinds
}

fn parse(c: &mut Criterion) {
    let env = PathEnv::fixture();
    let limits = Limits::default();
    let mut group = c.benchmark_group("parse");
    for (kind, ops) in by_kind() {
        let commands: Vec<String> = ops
            .iter()
            .filter(|o| o.call.tool_name == "Bash")
            .filter_map(|o| o.call.tool_input["command"].as_str().map(str::to_owned))
            .collect();
        if commands.is_empty() {
            continue;
        }
        group.throughput(Throughput::Elements(commands.len() as u64));
        group.bench_function(&kind, |b| {
            b.iter(|| {
                for c in &commands {
                    std::hint::black_box(model(c, &env, Some("/home/dev/project"), &limits));
                }
            })
        });
    }
    group.finish();
}

fn judge(c: &mut Criterion) {
    let engine = Engine::builtin().expect("built-in packs load");
    let env = PathEnv::fixture();
    let mut group = c.benchmark_group("judge");
    for (kind, ops) in by_kind() {
        group.throughput(Throughput::Elements(ops.len() as u64));
        group.bench_function(&kind, |b| {
            b.iter(|| {
                for op in &ops {
                    let _ = std::hint::black_box(engine.judge(&op.call, &env, Mode::Repl));
                }
            })
        });
    }
    group.finish();
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.bench_function("engine-builtin", |b| {
        b.iter(|| std::hint::black_box(Engine::builtin().expect("loads")))
    });
    // What the hook does first: read the (here absent) configuration and build the engine.
    let paths = ConfigPaths {
        user_dir: "/nonexistent/.mstro".into(),
        project_dirs: Vec::new(),
    };
    group.bench_function("configured", |b| {
        b.iter(|| {
            let config = Config::load(&paths, false).expect("loads");
            std::hint::black_box(Engine::from_config(&config).expect("builds"))
        })
    });
    // What the hook actually builds: only the rules `git status` can need.
    let call = ToolCall::bash("git status").with_cwd("/home/dev/project");
    let relevance = relevance_of(&call, &PathEnv::new("/home/dev", Some("/home/dev/project")));
    group.bench_function("relevant-to-git-status", |b| {
        b.iter(|| {
            let config = Config::load_for(&paths, &relevance).expect("loads");
            std::hint::black_box(Engine::from_config(&config).expect("builds"))
        })
    });
    group.finish();
}

criterion_group!(benches, load, parse, judge);
criterion_main!(benches);
