//! What mstro adds before `claude` starts for a prompt (budget: < 50 ms): the tab's
//! bookkeeping, the history write, the run's private directory, the decision socket,
//! the MCP configuration, and the spawn into a new process group.
//!
//! The "claude" started is this same binary in a stand-in mode: the first thing it does
//! is write the wall-clock time to a file, then it prints a `result` line and exits.
//! The overhead of one prompt is that time minus the time just before `execute`. The
//! baseline is the same stand-in spawned directly (what any launcher pays), so the
//! difference is mstro's own share.
//!
//! `cargo run --release -p mstro-bench --bin session_overhead [RUNS]`

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mstro::machine::relay_client::Outbox;
use mstro::session::event_log::LogLimits;
use mstro::session::runner::RunnerConfig;
use mstro::session::runner::command::Binaries;
use mstro::session::tabs::Tabs;
use mstro::session::watchdog::WatchdogConfig;
use mstro_protocol::event::TabState;

const STAMP_ENV: &str = "MSTRO_BENCH_STAMP";
const RESULT: &str = r#"{"type":"result","subtype":"success","is_error":false,"result":"ok","session_id":"bench-session","total_cost_usd":0,"duration_ms":1,"num_turns":1,"usage":{"input_tokens":1,"output_tokens":1}}"#;

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

/// The stand-in `claude`.
fn stand_in(stamp: &Path) {
    let started = now_ns();
    std::fs::write(stamp, started.to_string()).expect("write the stamp");
    println!("{RESULT}");
}

fn main() {
    if let Some(stamp) = std::env::var_os(STAMP_ENV) {
        stand_in(Path::new(&stamp));
        return;
    }
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("a temp dir");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let stamp = dir.path().join("stamp");
    // SAFETY: no other thread exists yet; the stand-in inherits the variable.
    unsafe { std::env::set_var(STAMP_ENV, &stamp) };
    let exe = std::env::current_exe().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (overhead, baseline) = runtime.block_on(measure(runs, work, exe, stamp));
    report("mstro execute → claude running", &overhead);
    report("bare spawn → claude running (baseline)", &baseline);
    let (o, b) = (median(&overhead), median(&baseline));
    println!(
        "mstro's own share (median difference): {:.2} ms",
        (o - b).as_secs_f64() * 1e3
    );
}

async fn measure(
    runs: usize,
    work: PathBuf,
    exe: PathBuf,
    stamp: PathBuf,
) -> (Vec<Duration>, Vec<Duration>) {
    let config = RunnerConfig {
        binaries: Binaries {
            claude: exe.clone(),
            // Must exist (a run never starts without it); the stand-in never starts it.
            bouncer: exe.clone(),
        },
        watchdog: WatchdogConfig::default(),
        cancel_grace: Duration::from_secs(3),
        ask_person: mstro::session::runner::AskPerson::Never,
        approval_timeout: Duration::from_secs(60),
        claude_env: Vec::new(),
    };
    let sessions = Tabs::new(
        work,
        config,
        Arc::new(Outbox::default()),
        LogLimits::default(),
    );
    let tab = sessions.create_tab(None, None).await.unwrap().tab_id;
    let warmup = 10;
    let mut overhead = Vec::new();
    for i in 0..runs + warmup {
        let _ = std::fs::remove_file(&stamp);
        let before = now_ns();
        sessions
            .execute(
                tab.clone(),
                "Say hello".into(),
                format!("m{i}"),
                None,
                Vec::new(),
            )
            .expect("execute");
        let started = wait_stamp(&stamp).await;
        if i >= warmup {
            overhead.push(Duration::from_nanos((started - before) as u64));
        }
        while sessions.active_tabs().tabs[0].state != TabState::Idle {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    let mut baseline = Vec::new();
    for i in 0..runs + warmup {
        let _ = std::fs::remove_file(&stamp);
        let before = now_ns();
        let mut child = tokio::process::Command::new(&exe)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let started = wait_stamp(&stamp).await;
        let _ = child.wait().await;
        if i >= warmup {
            baseline.push(Duration::from_nanos((started - before) as u64));
        }
    }
    (overhead, baseline)
}

async fn wait_stamp(stamp: &Path) -> u128 {
    loop {
        if let Ok(text) = std::fs::read_to_string(stamp)
            && let Ok(ns) = text.trim().parse()
        {
            return ns;
        }
        tokio::time::sleep(Duration::from_micros(100)).await;
    }
}

fn median(v: &[Duration]) -> Duration {
    let mut s = v.to_vec();
    s.sort();
    s[s.len() / 2]
}

fn report(what: &str, v: &[Duration]) {
    let mut s = v.to_vec();
    s.sort();
    let at = |q: f64| s[((s.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "{what}: median {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} runs)",
        at(0.5),
        at(0.95),
        at(1.0),
        s.len()
    );
}
