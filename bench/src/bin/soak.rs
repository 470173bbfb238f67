//! A bounded soak of `mstro up` (relay and machine in one process) on loopback under
//! hostile viewers, while the owner runs prompts with large outputs and cancels them
//! (issue 15). It checks two things in every round: the process's resident memory
//! stays under [`RSS_BOUND`], and the owner's `cancel` is answered within
//! [`CANCEL_REPLY_BOUND`] (and the run has ended within [`CANCEL_END_BOUND`]).
//!
//! The hostile side, two view-only users sharing the machine:
//! - silent sockets: as many as the caps allow (a user 32, a machine 64), on a 4 KiB
//!   receive buffer, never read after their first frame; the ones the relay cuts off
//!   are replaced at the start of each round;
//! - a `searchHistory` flood (64 requests in flight, half of them for a word that is
//!   in no session, which makes the machine read every long history file);
//! - a malformed-frame flood (64 in flight: not JSON, bad envelopes, binary frames,
//!   owner requests, bad data, frames just over 1 MiB, and now and then one over the
//!   socket's limit, which closes it; the flood reconnects).
//!
//! The Claude Code CLI is the real one (pinned, as the end-to-end tests run it)
//! against a fake Messages API that streams 4 MiB of text per prompt over about 3 s.
//!
//! Build the binaries with it (cargo does not build `mstro` for a bench binary):
//!
//! ```sh
//! cargo build -p mstro -p mstro-bouncer -p mstro-bench --bin mstro --bin mstro-bouncer --bin soak
//! ./target/debug/soak [--rounds N] [--cancel-after-ms MS]
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use mstro_tests::fake_api::{FakeApi, Reply};
use mstro_tests::mstro_up::{MstroUp, UpConfig, claude_env};
use mstro_tests::relay::{BrowserSocket, Session};
use mstro_tests::{binaries, claude};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const MIB: u64 = 1024 * 1024;

/// Resident memory of the `mstro up` process (relay and machine), at any sample. The
/// measured peak is about a quarter of it (132–160 MiB, bench/README.md): the headroom
/// is for a slower or differently loaded machine, not for growth; a leak of a few MiB
/// a round would show in the per-round column long before it reached this.
const RSS_BOUND: u64 = 512 * MIB;
/// From sending `cancel` to its reply. The owner's `cancel` needs no request slot and
/// the reply is sent before the run is torn down, so it costs a round trip behind the
/// floods' frames: measured at 1–40 ms, 0.8 s at worst on a machine with a load of 5.
/// Two seconds is a person's patience with a Stop button.
const CANCEL_REPLY_BOUND: Duration = Duration::from_secs(2);
/// From sending `cancel` to `movementComplete`: the run's whole process tree ends first.
/// `claude_env` sets the grace period to 1.5 s (SIGTERM, then SIGKILL); Claude Code
/// exits on SIGTERM well within it, and the rest is slack for a loaded machine.
const CANCEL_END_BOUND: Duration = Duration::from_secs(5);
/// The whole soak is bounded: setup, plus this much per round (a round takes about
/// 10 s on a loaded two-core machine; the shutdown has its own 20 s). The default 10
/// rounds stay under three minutes.
const SETUP_LIMIT: Duration = Duration::from_secs(30);
const ROUND_LIMIT: Duration = Duration::from_secs(13);
/// One round's wait for the run's first output (the CLI starts, under the floods).
const FIRST_OUTPUT_LIMIT: Duration = Duration::from_secs(60);

/// Each prompt's reply: 64 chunks of 64 KiB, one every 50 ms (about 3.2 s).
const CHUNKS: usize = 64;
const CHUNK_BYTES: usize = 64 * 1024;
const CHUNK_EVERY: Duration = Duration::from_millis(50);

/// The caps the relay enforces (`mstro/relay/src/hub.rs`), as the soak fills them.
const PER_USER: usize = mstro_relay::hub::MAX_SOCKETS_PER_USER;
const PER_MACHINE: usize = mstro_relay::hub::MAX_BROWSERS_PER_MACHINE;
/// Requests each flood keeps in flight.
const WINDOW: u64 = 64;

fn main() -> ExitCode {
    let mut rounds = 10usize;
    let mut cancel_after = Duration::from_millis(1000);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (a.as_str(), value) {
            ("--rounds", Some(n)) if n > 0 => rounds = n as usize,
            ("--cancel-after-ms", Some(ms)) => cancel_after = Duration::from_millis(ms),
            _ => {
                eprintln!("usage: soak [--rounds N] [--cancel-after-ms MS]");
                return ExitCode::from(2);
            }
        }
    }
    // This binary runs from <target>/<profile>/, beside `mstro` and `mstro-bouncer`.
    let exe = std::env::current_exe().expect("the soak knows its own path");
    let profile_dir = exe.parent().expect("a directory").to_path_buf();
    binaries::use_dir(profile_dir.clone());
    if std::env::var_os("MSTRO_CLAUDE_CODE_DIR").is_none() {
        // Where the end-to-end tests keep it in the same target directory.
        let dir = profile_dir
            .parent()
            .expect("<target>/<profile>")
            .join("test-deps")
            .join(format!("claude-code-{}", claude::VERSION));
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("MSTRO_CLAUDE_CODE_DIR", dir) };
    }
    let claude = match claude::executable() {
        Ok(c) => c,
        Err(why) => {
            eprintln!("the Claude Code CLI is unavailable: {why}");
            return ExitCode::FAILURE;
        }
    };

    let text = big_text();
    let api = FakeApi::start(move |_| Reply::Dribble {
        chunks: text.clone(),
        every: CHUNK_EVERY,
    });
    let dir = tempfile::tempdir().expect("a temporary directory");
    for d in ["work", "home", "mstro-home"] {
        std::fs::create_dir_all(dir.path().join(d)).unwrap();
    }
    let mut up = MstroUp::start(&UpConfig {
        home: &dir.path().join("mstro-home"),
        work: &dir.path().join("work"),
        user: "owner",
        env: claude_env(claude, api.url(), &dir.path().join("home")),
    });
    let pid = up.child.id();
    println!(
        "mstro up: pid {pid}, {} (binaries from {})",
        up.relay_url(),
        binaries::mstro().parent().unwrap().display()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let limit = SETUP_LIMIT + ROUND_LIMIT * rounds as u32;
    let outcome = runtime.block_on(async {
        match tokio::time::timeout(limit, soak(&up, dir.path(), pid, rounds, cancel_after)).await {
            Ok(r) => r,
            Err(_) => Err(format!("the soak did not finish within {limit:?}")),
        }
    });
    // Close every client socket (the floods' tasks end with the runtime), then stop
    // `mstro up` as Ctrl-C would: it cancels its runs and waits for them.
    runtime.shutdown_timeout(Duration::from_secs(2));
    let stopped = stop(&mut up, dir.path());
    drop(api);
    println!("total time: {:.1} s", started.elapsed().as_secs_f64());

    let mut failed = false;
    match outcome {
        Ok(summary) => {
            for f in &summary.failures {
                println!("FAILED: {f}");
            }
            failed |= !summary.failures.is_empty();
        }
        Err(e) => {
            println!("FAILED: {e}");
            failed = true;
        }
    }
    if let Err(e) = stopped {
        println!("FAILED: {e}");
        failed = true;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        println!("PASSED");
        ExitCode::SUCCESS
    }
}

/// 4 MiB of text in [`CHUNKS`] chunks, with words a history search can find.
fn big_text() -> Vec<String> {
    (0..CHUNKS)
        .map(|c| {
            let mut chunk = String::with_capacity(CHUNK_BYTES + 100);
            let mut n = 0;
            while chunk.len() < CHUNK_BYTES {
                chunk.push_str(&format!(
                    "chunk {c} line {n}: the quick brown fox jumps over the lazy dog\n"
                ));
                n += 1;
            }
            chunk
        })
        .collect()
}

/// SIGTERM, then wait (a run's process tree ends first); kill -9 after 15 s. Then no
/// process may be left working in the soak's directory (a leaked `claude`).
fn stop(up: &mut MstroUp, dir: &Path) -> Result<(), String> {
    let pid = up.child.id() as libc::pid_t;
    // SAFETY: a plain signal to our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut clean = false;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = up.child.try_wait() {
            clean = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    up.kill();
    // The movement supervisor ends a run whose mstro is gone within 200 ms.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut left = leftovers(dir);
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left = leftovers(dir);
    }
    match (clean, left.is_empty()) {
        (true, true) => Ok(()),
        (false, _) => Err("mstro up did not stop within 15 s of SIGTERM".into()),
        (true, false) => Err(format!("processes left behind: {left:?}")),
    }
}

/// Processes whose working directory is inside `dir`: (pid, command line).
fn leftovers(dir: &Path) -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cwd = std::fs::read_link(e.path().join("cwd")).ok()?;
            cwd.starts_with(dir).then(|| {
                let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
                (pid, String::from_utf8_lossy(&cmd).replace('\0', " "))
            })
        })
        .collect()
}

/// A `/proc/<pid>/status` field in bytes (`VmRSS`, `VmHWM`).
fn status_bytes(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

struct Summary {
    failures: Vec<String>,
}

/// Counters of one flood, by what answered.
#[derive(Default)]
struct FloodStats {
    sent: AtomicU64,
    /// Connections the flood had to open again (the relay closed one).
    reconnects: AtomicU64,
    /// Requests without a reply within 10 s (the window is then reset): none expected.
    unanswered: AtomicU64,
    replies: Mutex<BTreeMap<String, u64>>,
}

impl FloodStats {
    fn snapshot(&self) -> (u64, BTreeMap<String, u64>) {
        let replies = self.replies.lock().unwrap().clone();
        (self.sent.load(Ordering::Relaxed), replies)
    }
}

async fn soak(
    up: &MstroUp,
    dir: &Path,
    pid: u32,
    rounds: usize,
    cancel_after: Duration,
) -> Result<Summary, String> {
    let relay = up.relay_url();
    let relay_port: u16 = relay
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .ok_or(format!("no port in {relay}"))?;
    let (owner, machine, mut socket) = up.browser().await;
    // Two viewers: one user may hold 32 sockets, a machine 64.
    let mut viewers = Vec::new();
    for name in ["vera", "vic"] {
        let token = add_user(dir, &relay, name)?;
        let session = Session::sign_in(&relay, &token).await;
        let (status, body) = owner
            .post(
                &format!("/api/machines/{machine}/shares"),
                json!({"user": name, "permission": "view"}),
            )
            .await;
        if status != 204 {
            return Err(format!("sharing with {name}: {status} {body}"));
        }
        viewers.push(session);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let search = Arc::new(FloodStats::default());
    let malformed = Arc::new(FloodStats::default());
    let vera = viewers[0].clone();
    tokio::spawn(flood(
        vera.clone(),
        machine.clone(),
        search_frame,
        search.clone(),
        stop.clone(),
    ));
    tokio::spawn(flood(
        vera.clone(),
        machine.clone(),
        malformed_frame,
        malformed.clone(),
        stop.clone(),
    ));
    // Let both floods attach before the silent sockets take the rest of the caps.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // vera: 32 minus her two floods; vic: the machine's 64 minus the owner and vera.
    let targets = [PER_USER - 2, PER_MACHINE - 1 - PER_USER];
    let mut silent: Vec<Vec<Silent>> = vec![Vec::new(), Vec::new()];
    for (i, v) in viewers.iter().enumerate() {
        top_up(v, &machine, &mut silent[i], targets[i]).await?;
    }
    // The caps hold: one more socket for either viewer is refused.
    let mut failures = Vec::new();
    for (v, which) in viewers.iter().zip(["user", "machine"]) {
        match open_silent(v, &machine).await? {
            Opened::Refused(4029, reason) => println!("cap ({which}): 4029 {reason}"),
            Opened::Refused(code, reason) => {
                failures.push(format!("the {which} cap closed with {code} {reason}"))
            }
            Opened::Attached(_) => failures.push(format!("the {which} cap let a socket in")),
        }
    }

    let reply = socket.request("createTab", json!({})).await;
    let tab = reply["data"]["tabId"]
        .as_str()
        .ok_or(format!("createTab: {reply}"))?
        .to_owned();

    println!(
        "\n{:>5} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8}",
        "round",
        "silent",
        "cut",
        "cancel",
        "ended",
        "RSS max",
        "HWM",
        "out",
        "events",
        "search",
        "s.busy",
        "bad",
        "bad.rec"
    );
    println!(
        "{:>5} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8}",
        "", "open", "off", "reply ms", "ms", "MiB", "MiB", "MiB", "", "sent", "", "sent", "conn"
    );
    let mut max_rss = 0u64;
    let mut max_reply = Duration::ZERO;
    let mut max_end = Duration::ZERO;
    let mut last = (search.snapshot(), malformed.snapshot());
    let mut last_reconnects = 0;
    for round in 1..=rounds {
        for (i, v) in viewers.iter().enumerate() {
            top_up(v, &machine, &mut silent[i], targets[i]).await?;
        }
        let sampling = Arc::new(AtomicBool::new(true));
        let sampler = tokio::spawn(sample_rss(pid, sampling.clone()));

        let r = run_round(&mut socket, &tab, round, cancel_after).await;
        sampling.store(false, Ordering::Relaxed);
        let rss = sampler.await.unwrap_or(0);
        let hwm = status_bytes(pid, "VmHWM").unwrap_or(0);
        let r = r?;
        let cut: usize = silent.iter_mut().map(|l| prune(l, relay_port)).sum();
        let now = (search.snapshot(), malformed.snapshot());
        let busy = |s: &(u64, BTreeMap<String, u64>)| s.1.get("busy").copied().unwrap_or(0);
        println!(
            "{:>5} {:>7} {:>7} {:>9.1} {:>9.1} {:>8.1} {:>8.1} {:>7.2} {:>7} {:>8} {:>8} {:>8} {:>8}",
            round,
            silent.iter().map(Vec::len).sum::<usize>() + cut,
            cut,
            r.reply.as_secs_f64() * 1e3,
            r.ended.as_secs_f64() * 1e3,
            rss as f64 / MIB as f64,
            hwm as f64 / MIB as f64,
            r.output_bytes as f64 / MIB as f64,
            r.events,
            now.0.0 - last.0.0,
            busy(&now.0) - busy(&last.0),
            now.1.0 - last.1.0,
            malformed.reconnects.load(Ordering::Relaxed) - last_reconnects,
        );
        last_reconnects = malformed.reconnects.load(Ordering::Relaxed);
        last = now;
        max_rss = max_rss.max(rss).max(hwm);
        max_reply = max_reply.max(r.reply);
        max_end = max_end.max(r.ended);
        if rss.max(hwm) > RSS_BOUND {
            failures.push(format!(
                "round {round}: resident memory {} MiB > {} MiB",
                rss.max(hwm) / MIB,
                RSS_BOUND / MIB
            ));
        }
        if r.reply > CANCEL_REPLY_BOUND {
            failures.push(format!(
                "round {round}: cancel answered after {:?} > {CANCEL_REPLY_BOUND:?}",
                r.reply
            ));
        }
        if r.ended > CANCEL_END_BOUND {
            failures.push(format!(
                "round {round}: the run ended {:?} after cancel > {CANCEL_END_BOUND:?}",
                r.ended
            ));
        }
        failures.extend(
            r.problems
                .into_iter()
                .map(|p| format!("round {round}: {p}")),
        );
    }
    stop.store(true, Ordering::Relaxed);

    let (s_sent, s_replies) = search.snapshot();
    let (m_sent, m_replies) = malformed.snapshot();
    println!(
        "\nmax resident memory (VmRSS samples and VmHWM): {:.1} MiB (bound {} MiB)",
        max_rss as f64 / MIB as f64,
        RSS_BOUND / MIB
    );
    println!(
        "max cancel reply: {:.1} ms (bound {:?}); max cancel to movementComplete: {:.1} ms (bound {:?})",
        max_reply.as_secs_f64() * 1e3,
        CANCEL_REPLY_BOUND,
        max_end.as_secs_f64() * 1e3,
        CANCEL_END_BOUND
    );
    println!(
        "searchHistory flood: {s_sent} sent, replies {s_replies:?}, {} unanswered, {} reconnects",
        search.unanswered.load(Ordering::Relaxed),
        search.reconnects.load(Ordering::Relaxed)
    );
    println!(
        "malformed flood: {m_sent} sent, replies {m_replies:?}, {} unanswered, {} reconnects",
        malformed.unanswered.load(Ordering::Relaxed),
        malformed.reconnects.load(Ordering::Relaxed)
    );
    for (name, stats) in [("searchHistory", &search), ("malformed", &malformed)] {
        if stats.unanswered.load(Ordering::Relaxed) > 0 {
            failures.push(format!("the {name} flood had requests never answered"));
        }
    }
    Ok(Summary { failures })
}

/// `mstro relay add-user NAME` against `mstro up`'s store: the sign-in link's token.
fn add_user(dir: &Path, relay: &str, name: &str) -> Result<String, String> {
    let out = std::process::Command::new(binaries::mstro())
        .args(["relay", "add-user", name, "--data"])
        .arg(dir.join("mstro-home/relay"))
        .args(["--public-url", relay])
        .env("MSTRO_HOME", dir.join("mstro-home"))
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "add-user {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    mstro_tests::relay::link_token(&stdout).ok_or(format!("no sign-in link in {stdout}"))
}

/// The largest VmRSS seen, sampled every 20 ms while `on`.
async fn sample_rss(pid: u32, on: Arc<AtomicBool>) -> u64 {
    let mut max = 0;
    while on.load(Ordering::Relaxed) {
        max = max.max(status_bytes(pid, "VmRSS").unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    max
}

struct Round {
    /// `cancel` sent → its reply.
    reply: Duration,
    /// `cancel` sent → `movementComplete`.
    ended: Duration,
    output_bytes: usize,
    events: usize,
    problems: Vec<String>,
}

/// One prompt: start it, let it stream for `cancel_after` after its first output,
/// cancel, and time the reply and the end.
async fn run_round(
    socket: &mut BrowserSocket,
    tab: &str,
    round: usize,
    cancel_after: Duration,
) -> Result<Round, String> {
    let mut problems = Vec::new();
    let mut others = Vec::new();
    if round > 1 {
        // Each prompt a new session: a new history file for the search flood.
        let reply = socket.request_tab("new", tab, json!({}), &mut others).await;
        if reply["type"] != "new" {
            return Err(format!("new: {reply}"));
        }
    }
    let ack = socket
        .request_tab(
            "execute",
            tab,
            json!({"prompt": format!("soak round {round}: print a lot"), "msgId": format!("soak-{round}")}),
            &mut others,
        )
        .await;
    if ack["type"] != "executeAck" {
        return Err(format!("execute: {ack}"));
    }
    let mut output_bytes = 0;
    let mut events = 0;
    let mut count = |frame: &Value| {
        if frame["tabId"] == tab {
            events += 1;
            if frame["type"] == "output" {
                output_bytes += frame["data"]["text"].as_str().map_or(0, str::len);
            }
        }
    };
    let mut first = None;
    for f in &others {
        count(f);
        if f["type"] == "output" && f["tabId"] == tab {
            first.get_or_insert_with(Instant::now);
        }
    }
    // Stream until the first output, then for `cancel_after`.
    let deadline = Instant::now() + FIRST_OUTPUT_LIMIT;
    loop {
        let until = match first {
            Some(t) => t + cancel_after,
            None => deadline,
        };
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            if first.is_none() {
                return Err(format!("no output within {FIRST_OUTPUT_LIMIT:?}"));
            }
            break;
        }
        let Some(frame) = socket.next_within(left).await else {
            continue;
        };
        count(&frame);
        if frame["tabId"] == tab {
            match frame["type"].as_str() {
                Some("output") => {
                    first.get_or_insert_with(Instant::now);
                }
                Some("movementComplete" | "movementError") => {
                    return Err(format!("the run ended before the cancel: {frame}"));
                }
                _ => {}
            }
        }
    }
    let id = format!("cancel-{round}");
    let sent = Instant::now();
    socket
        .send(json!({"type": "cancel", "id": id, "tabId": tab, "data": {}}))
        .await;
    let (mut reply, mut ended) = (None, None);
    let deadline = sent + Duration::from_secs(30);
    while reply.is_none() || ended.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(frame) = socket.next_within(left).await else {
            return Err(format!(
                "30 s after cancel: reply {reply:?}, movementComplete {ended:?}"
            ));
        };
        if frame["id"] == id.as_str() {
            reply = Some(sent.elapsed());
            if frame["data"]["cancelled"] != true {
                problems.push(format!("cancel answered {frame}"));
            }
            continue;
        }
        count(&frame);
        if frame["tabId"] == tab {
            match frame["type"].as_str() {
                Some("movementComplete") => {
                    ended = Some(sent.elapsed());
                    if frame["data"]["status"] != "cancelled" {
                        problems.push(format!("the run ended {}", frame["data"]["status"]));
                    }
                }
                Some("movementError") => {
                    ended = Some(sent.elapsed());
                    problems.push(format!("the run failed: {frame}"));
                }
                _ => {}
            }
        }
    }
    // The tab goes idle right after.
    loop {
        let Some(frame) = socket.next_within(Duration::from_secs(10)).await else {
            return Err("the tab did not go idle after the run".into());
        };
        count(&frame);
        if frame["tabId"] == tab
            && frame["type"] == "tabStateChanged"
            && frame["data"]["state"] == "idle"
        {
            break;
        }
    }
    Ok(Round {
        reply: reply.unwrap_or_default(),
        ended: ended.unwrap_or_default(),
        output_bytes,
        events,
        problems,
    })
}

type Silent = WebSocketStream<TcpStream>;

enum Opened {
    Attached(Box<Silent>),
    Refused(u16, String),
}

/// The request for a browser socket of `session` to `machine`.
fn ws_request(
    session: &Session,
    machine: &str,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let url = format!(
        "{}/ws/web?machine={machine}",
        session.relay.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().expect("a valid URL");
    request
        .headers_mut()
        .insert("cookie", session.cookie.parse().expect("a cookie header"));
    request
}

/// Open a socket that will never be read after its first frame, on a 4 KiB receive
/// buffer so that the relay's writes to it back up at once.
async fn open_silent(session: &Session, machine: &str) -> Result<Opened, String> {
    let addr: std::net::SocketAddr = session
        .relay
        .trim_start_matches("http://")
        .parse()
        .map_err(|e| format!("relay address: {e}"))?;
    let tcp = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    tcp.set_recv_buffer_size(4096).map_err(|e| e.to_string())?;
    let stream = tcp.connect(addr).await.map_err(|e| e.to_string())?;
    let (mut ws, _) = tokio_tungstenite::client_async(ws_request(session, machine), stream)
        .await
        .map_err(|e| format!("a silent socket: {e}"))?;
    match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        Ok(Some(Ok(Message::Text(_)))) => Ok(Opened::Attached(Box::new(ws))),
        Ok(Some(Ok(Message::Close(Some(f))))) => {
            Ok(Opened::Refused(f.code.into(), f.reason.to_string()))
        }
        other => Err(format!("a silent socket's first frame: {other:?}")),
    }
}

/// Open silent sockets until `list` holds `target`: how many were opened. A refusal
/// (the relay has not yet noticed a closed socket) is retried for a while.
async fn top_up(
    session: &Session,
    machine: &str,
    list: &mut Vec<Silent>,
    target: usize,
) -> Result<usize, String> {
    let mut opened = 0;
    let deadline = Instant::now() + Duration::from_secs(5);
    while list.len() < target {
        match open_silent(session, machine).await? {
            Opened::Attached(ws) => {
                list.push(*ws);
                opened += 1;
            }
            Opened::Refused(code, reason) => {
                if Instant::now() > deadline {
                    return Err(format!(
                        "only {} of {target} silent sockets could open: {code} {reason}",
                        list.len()
                    ));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    Ok(opened)
}

/// Drop the silent sockets the relay has let go of (cut off, or timed out writing);
/// how many. Reading would tell, but these sockets are never read, and the relay's
/// FIN waits behind the bytes it could not deliver; on loopback the relay's own end
/// of each connection is in `/proc/net/tcp`, and it is no longer `ESTABLISHED`.
fn prune(list: &mut Vec<Silent>, relay_port: u16) -> usize {
    let established = relay_connections(relay_port);
    let before = list.len();
    list.retain(|ws| {
        ws.get_ref()
            .local_addr()
            .is_ok_and(|a| established.contains(&a.port()))
    });
    before - list.len()
}

/// The client ports of the relay's ESTABLISHED connections (its end: local port
/// `relay_port`), from `/proc/net/tcp` (`sl local rem st ...`, addresses `HEXIP:HEXPORT`).
fn relay_connections(relay_port: u16) -> std::collections::HashSet<u16> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let port = |addr: &str| {
        addr.rsplit_once(':')
            .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
    };
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.split_whitespace().skip(1);
            let (local, remote, state) = (f.next()?, f.next()?, f.next()?);
            (port(local)? == relay_port && state == "01").then(|| port(remote))?
        })
        .collect()
}

/// A flood: keep [`WINDOW`] frames in flight from one of `session`'s sockets, read
/// everything (replies and the machine's events), reconnect when the relay closes it.
async fn flood(
    session: Session,
    machine: String,
    frame: fn(u64) -> Message,
    stats: Arc<FloodStats>,
    stop: Arc<AtomicBool>,
) {
    let mut n = 0u64;
    let mut first = true;
    while !stop.load(Ordering::Relaxed) {
        let Ok((ws, _)) = tokio_tungstenite::connect_async(ws_request(&session, &machine)).await
        else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if !first {
            stats.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        first = false;
        let (mut sink, mut stream) = ws.split();
        let mut in_flight = 0u64;
        'socket: while !stop.load(Ordering::Relaxed) {
            while in_flight < WINDOW {
                n += 1;
                if sink.send(frame(n)).await.is_err() {
                    break 'socket;
                }
                stats.sent.fetch_add(1, Ordering::Relaxed);
                in_flight += 1;
            }
            match tokio::time::timeout(Duration::from_secs(10), stream.next()).await {
                Err(_) => {
                    stats.unanswered.fetch_add(in_flight, Ordering::Relaxed);
                    in_flight = 0;
                }
                Ok(Some(Ok(Message::Text(t)))) => {
                    let Ok(v) = serde_json::from_str::<Value>(&t) else {
                        continue;
                    };
                    // A reply has an id, or is an error (the relay's answer to a
                    // frame it could not read has none); events have neither.
                    if v.get("id").is_some() || v["type"] == "error" {
                        in_flight = in_flight.saturating_sub(1);
                        let kind = if v["type"] == "error" {
                            v["data"]["code"].as_str().unwrap_or("error").to_owned()
                        } else {
                            v["type"].as_str().unwrap_or("?").to_owned()
                        };
                        *stats.replies.lock().unwrap().entry(kind).or_default() += 1;
                    }
                }
                Ok(Some(Ok(Message::Close(_))) | None | Some(Err(_))) => break,
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

/// Half the searches are for a word in every session; half for one in none, which
/// reads each long session's file past its indexed first MiB.
fn search_frame(n: u64) -> Message {
    let query = if n.is_multiple_of(2) {
        "quick brown fox".to_owned()
    } else {
        format!("absent-{n}")
    };
    let frame = json!({"type": "searchHistory", "id": n, "data": {"query": query, "limit": 100}});
    Message::Text(frame.to_string().into())
}

/// Frames no browser should send, in turn.
fn malformed_frame(n: u64) -> Message {
    // Now and then one over the socket's limit: the relay closes the socket (1009).
    if n.is_multiple_of(1000) {
        return Message::Text(
            "x".repeat(mstro_relay::socket::MAX_MESSAGE_BYTES + 1)
                .into(),
        );
    }
    let text = match n % 10 {
        0 => "not json at all".to_owned(),
        1 => "[1, 2, 3]".to_owned(),
        2 => json!({"type": 5, "id": n}).to_string(),
        3 => json!({"type": "ping", "id": "i".repeat(200)}).to_string(),
        4 => return Message::Binary(vec![0u8; 1024].into()),
        // Owner-only requests from a viewer: the machine refuses them.
        5 => json!({"type": "execute", "id": n, "tabId": "t", "data": {"prompt": "rm -rf /", "msgId": "m"}}).to_string(),
        6 => json!({"type": "searchHistory", "id": n, "data": "not an object"}).to_string(),
        7 => json!({"type": "noSuchType", "id": n, "data": {}}).to_string(),
        // Just over a frame's 1 MiB, under the socket's limit: answered malformed.
        8 if n % 100 == 8 => {
            let pad = "p".repeat(mstro_protocol::MAX_FRAME_BYTES);
            json!({"type": "ping", "id": n, "data": pad}).to_string()
        }
        _ => json!({"type": "cancel", "id": n, "tabId": "t", "data": {}}).to_string(),
    };
    Message::Text(text.into())
}
