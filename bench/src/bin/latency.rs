//! Per-command latency in process: each operation judged many times, its median taken,
//! and the distribution of those medians across the workload reported (the budget is
//! about the typical command: median ≤ 20 µs, p99 ≤ 100 µs; 64 KiB heredoc ≤ 2 ms).
//!
//! `cargo run --release -p mstro-bench --bin latency [typical|realistic|pathological|files]`
//! (an argument runs only that part, e.g. to profile it with `perf record`). `files` are
//! commands that run a small file of the project (`python3 tidy.py`, `npm test`, `make
//! build`, `cargo test` with a build script): the engine reads the file from disk and
//! judges its code too, so each judgement includes the read.

use std::time::{Duration, Instant};

use mstro_bench::{Op, pathological, realistic, typical};
use mstro_engine::{Engine, Mode, PathEnv};

const RUNS: usize = 201;

fn median_of(engine: &Engine, env: &PathEnv, op: &Op) -> Duration {
    for _ in 0..10 {
        let _ = std::hint::black_box(engine.judge(&op.call, env, Mode::Repl));
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let _ = std::hint::black_box(engine.judge(&op.call, env, Mode::Repl));
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{name:<16} n={:<4} p50 {:>8.1} µs   p90 {:>8.1} µs   p99 {:>8.1} µs   max {:>8.1} µs",
        times.len(),
        us(percentile(&times, 0.5)),
        us(percentile(&times, 0.9)),
        us(percentile(&times, 0.99)),
        us(*times.last().unwrap()),
    );
}

/// The small project's commands, made in `dir`.
fn runs_a_file(dir: &std::path::Path) -> Vec<Op> {
    mstro_bench::write_small_project(dir);
    let cwd = dir
        .to_str()
        .expect("a UTF-8 temporary directory")
        .to_owned();
    mstro_bench::RUNS_A_FILE
        .iter()
        .map(|c| Op {
            kind: "files".into(),
            call: mstro_engine::ToolCall::bash(*c).with_cwd(&cwd),
        })
        .collect()
}

fn main() {
    let only = std::env::args().nth(1);
    let runs = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let engine = Engine::builtin().expect("built-in packs load");
    let env = PathEnv::fixture();
    println!("median of {RUNS} runs per operation; distribution across operations");
    if runs("typical") {
        report(
            "typical",
            typical()
                .iter()
                .map(|o| median_of(&engine, &env, o))
                .collect(),
        );
    }
    if runs("realistic") {
        let all = realistic();
        report(
            "all realistic",
            all.iter().map(|o| median_of(&engine, &env, o)).collect(),
        );
    }
    if runs("files") {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ops = runs_a_file(dir.path());
        for op in &ops {
            let verdict = engine
                .judge(&op.call, &env, Mode::Repl)
                .expect("a Bash call is valid input")
                .judgement
                .verdict;
            let command = op.call.tool_input["command"].as_str().unwrap_or("");
            println!(
                "{command:<16} {verdict:?} median {:>9.1} µs",
                median_of(&engine, &env, op).as_secs_f64() * 1e6
            );
        }
    }
    for op in pathological().into_iter().filter(|_| runs("pathological")) {
        let t = median_of(&engine, &env, &op);
        let len = op.call.tool_input["command"].as_str().map_or(0, str::len);
        println!(
            "{:<16} {:>7} bytes   median {:>9.1} µs",
            op.kind,
            len,
            t.as_secs_f64() * 1e6
        );
    }
}
