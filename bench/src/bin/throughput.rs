//! `check --jsonl` throughput on one core: the realistic workload repeated to N lines,
//! fed to one `mstro-bouncer check --jsonl -` process pinned to CPU 0 with `taskset`
//! (budget: ≥ 20 000 operations per second).
//!
//! `cargo build --release --bin mstro-bouncer && cargo run --release -p mstro-bench --bin throughput [LINES]`

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let lines: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let bouncer = std::env::var_os("MSTRO_BOUNCER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/mstro-bouncer")
        });
    assert!(
        bouncer.is_file(),
        "build it first: cargo build --release --bin mstro-bouncer"
    );
    let workload: Vec<&str> = include_str!("../../workload.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let mut input = String::new();
    for i in 0..lines {
        input.push_str(workload[i % workload.len()]);
        input.push('\n');
    }
    let home = std::env::temp_dir().join(format!("mstro-bench-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let pinned = Command::new("taskset").arg("--version").output().is_ok();
    let mut cmd = if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(&bouncer);
        c
    } else {
        Command::new(&bouncer)
    };
    let start = Instant::now();
    let mut child = cmd
        .args(["check", "--jsonl", "-", "--fail-on", "never"])
        .env("HOME", &home)
        .env_remove("MSTRO_HOME")
        .current_dir(&home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("wait");
    writer.join().unwrap().unwrap();
    let elapsed = start.elapsed();
    let _ = std::fs::remove_dir_all(&home);
    let got = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert_eq!(got, lines, "one output line per input line");
    println!(
        "{lines} operations in {:.3} s{}: {:.0} operations/s",
        elapsed.as_secs_f64(),
        if pinned {
            " on CPU 0"
        } else {
            " (taskset not found: not pinned)"
        },
        lines as f64 / elapsed.as_secs_f64()
    );
}
