//! In-process cost of judging typical commands (the full workload is issue 4's).

use criterion::{Criterion, criterion_group, criterion_main};
use mstro_bench::TYPICAL;
use mstro_engine::{Engine, Mode, PathEnv, ToolCall};

fn judge(c: &mut Criterion) {
    let engine = Engine::builtin().expect("built-in packs load");
    let env = PathEnv::fixture();
    let calls: Vec<ToolCall> = TYPICAL
        .iter()
        .map(|cmd| ToolCall::bash(*cmd).with_cwd("/home/dev/project"))
        .collect();
    c.bench_function("judge/typical", |b| {
        b.iter(|| {
            for call in &calls {
                std::hint::black_box(engine.judge(call, &env, Mode::Repl).expect("valid call"));
            }
        })
    });
    c.bench_function("engine/load", |b| {
        b.iter(|| std::hint::black_box(Engine::builtin().expect("loads")))
    });
}

criterion_group!(benches, judge);
criterion_main!(benches);
