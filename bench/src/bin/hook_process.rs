//! The hook as Claude Code runs it: a new `mstro-bouncer hook` process per tool call.
//! Runs it on fast-path inputs and `/bin/true` in the same loop, alternating, and
//! prints both medians, their ratio (budget: ≤ 3) and the hook's peak RSS (budget:
//! ≤ 20 MiB).
//!
//! With `files`, the inputs are commands that run a small project's files instead
//! (`mstro_bench::RUNS_A_FILE`), in one home kept across the runs as a person's is, so
//! that all but the first run of each find the judgement the hook keeps.
//!
//! `cargo build --release --bin mstro-bouncer && cargo run --release -p mstro-bench --bin hook_process [RUNS] [files]`

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Commands no rule reviews or denies: the hook's everyday path.
const FAST_PATH: &[&str] = &[
    "git status",
    "ls -la",
    "cargo test -p engine",
    "npm run build && npm test",
    "grep -rn TODO src | head -50",
];

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(400);
    let bouncer = std::env::var_os("MSTRO_BOUNCER")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/release/mstro-bouncer"));
    assert!(
        bouncer.is_file(),
        "build it first: cargo build --release --bin mstro-bouncer"
    );
    // A home without configuration: the default path.
    let home = std::env::temp_dir().join(format!("mstro-bench-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let files = std::env::args().nth(2).as_deref() == Some("files");
    let project = home.join("project");
    let (commands, cwd) = if files {
        std::fs::create_dir_all(&project).unwrap();
        mstro_bench::write_small_project(&project);
        (mstro_bench::RUNS_A_FILE, project.display().to_string())
    } else {
        (FAST_PATH, "/home/dev/project".to_owned())
    };

    let mut hook = Vec::with_capacity(runs);
    let mut truth = Vec::with_capacity(runs);
    let mut peak_kib = 0u64;
    for i in 0..runs {
        let event = serde_json::json!({
            "session_id": "bench",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": commands[i % commands.len()]},
            "cwd": cwd,
        })
        .to_string();
        let (t, _) = run(&PathBuf::from("/bin/true"), &[], &event, &home);
        truth.push(t);
        let (t, rss) = run(&bouncer, &["hook"], &event, &home);
        hook.push(t);
        peak_kib = peak_kib.max(rss);
    }
    let _ = std::fs::remove_dir_all(&home);
    hook.sort();
    truth.sort();
    let median = |v: &[Duration]| v[v.len() / 2];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("{runs} runs each, alternating");
    println!("/bin/true            median {:.3} ms", ms(median(&truth)));
    println!(
        "mstro-bouncer hook   median {:.3} ms   p90 {:.3} ms",
        ms(median(&hook)),
        ms(hook[hook.len() * 9 / 10])
    );
    println!(
        "ratio                {:.2}",
        median(&hook).as_secs_f64() / median(&truth).as_secs_f64()
    );
    println!("peak RSS             {:.1} MiB", peak_kib as f64 / 1024.0);
}

/// Run a program with `stdin`, returning its wall time and peak RSS in KiB.
fn run(program: &PathBuf, args: &[&str], stdin: &str, home: &PathBuf) -> (Duration, u64) {
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .env("HOME", home)
        .env_remove("MSTRO_HOME")
        .env_remove("CLAUDE_PROJECT_DIR")
        .current_dir(home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    if let Some(mut s) = child.stdin.take() {
        let _ = s.write_all(stdin.as_bytes());
    }
    let rss = wait_rss(&mut child);
    (start.elapsed(), rss)
}

#[cfg(unix)]
fn wait_rss(child: &mut std::process::Child) -> u64 {
    let mut status = 0;
    // SAFETY: a zeroed rusage filled in by wait4 for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe {
        libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage);
    }
    usage.ru_maxrss as u64
}

#[cfg(not(unix))]
fn wait_rss(child: &mut std::process::Child) -> u64 {
    let _ = child.wait();
    0
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
