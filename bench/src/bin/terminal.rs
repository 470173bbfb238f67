//! Terminals through the relay and the machine on loopback, in one process
//! ([`mstro_bench::loopback`]): a real pseudo-terminal running `cat` (the kernel's line
//! discipline echoes each key), a real relay, and a WebSocket client standing in for
//! the browser.
//!
//! - keystroke to echo: one key sent (`terminalInput`), until its echo arrives
//!   (`terminalOutput`), one at a time, N times (default 2000);
//! - output throughput: `head -c 256M /dev/zero | tr '\0' x` into a reading socket
//!   that acknowledges what it got, as the web app does; bytes of terminal output per
//!   second of wall time, decoded.
//!
//! `cargo run --release -p mstro-bench --bin terminal [N]`
//!
//! The binary also answers `movement-reaper` (the supervisor a terminal's shell runs
//! under, which the machine starts as its own executable), as `mstro` does.

use std::time::{Duration, Instant};

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use mstro_bench::loopback::{self, Socket, quantile};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const THROUGHPUT_BYTES: u64 = 256 * 1024 * 1024;

fn main() {
    // A terminal's shell runs under mstro's supervisor, which the machine starts as
    // this executable with `movement-reaper ...`: answer as `mstro` would, before any
    // thread exists (the supervisor's signal handling relies on it).
    if std::env::args().nth(1).as_deref() == Some("movement-reaper") {
        std::process::exit(mstro::commands::main());
    }
    // SAFETY: no other thread exists yet.
    unsafe {
        std::env::set_var("MSTRO_TERMINAL_BACKEND", "pty");
        std::env::set_var("SHELL", "/bin/sh");
    }
    bench();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn bench() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(dir.path().join("work")).unwrap();
    let loopback::Loopback {
        relay,
        machine,
        mut socket,
    } = loopback::start(dir.path()).await;
    let mut t = Term {
        socket: &mut socket,
        id: String::new(),
        end: 0,
        next: 0,
    };
    let created = t
        .call("terminalCreate", json!({"cols": 120, "rows": 40}))
        .await;
    t.id = created["data"]["terminalId"].as_str().unwrap().to_owned();
    t.call("terminalAttach", json!({"terminalId": t.id})).await;

    // Keystroke to echo, through `cat` on a cooked terminal.
    t.input("exec cat\r").await;
    t.until_quiet().await;
    let mut times = Vec::with_capacity(n);
    for i in 0..n + n / 10 {
        let key = if i % 2 == 0 { "a" } else { "b" };
        let start = Instant::now();
        t.input(key).await;
        t.until_output(key).await;
        if i >= n / 10 {
            times.push(start.elapsed());
        }
    }
    times.sort();
    println!(
        "keystroke to echo: n={n} p50={:?} p90={:?} p99={:?} max={:?}",
        quantile(&times, 0.5),
        quantile(&times, 0.9),
        quantile(&times, 0.99),
        times[times.len() - 1]
    );

    // Output throughput: a new terminal printing 256 MiB as fast as it can.
    t.call("terminalClose", json!({"terminalId": t.id})).await;
    let created = t
        .call("terminalCreate", json!({"cols": 120, "rows": 40}))
        .await;
    t.id = created["data"]["terminalId"].as_str().unwrap().to_owned();
    t.end = 0;
    t.call("terminalAttach", json!({"terminalId": t.id})).await;
    t.until_quiet().await;
    let before = t.end;
    let start = Instant::now();
    t.input(&format!(
        "head -c {THROUGHPUT_BYTES} /dev/zero | tr '\\0' x; exit\r"
    ))
    .await;
    while t.end - before < THROUGHPUT_BYTES {
        if !t.take(Duration::from_secs(30)).await {
            panic!("the output stopped at {} bytes", t.end - before);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "output throughput: {} MiB in {secs:.2} s = {:.1} MB/s into a reading socket",
        THROUGHPUT_BYTES / (1024 * 1024),
        (t.end - before) as f64 / secs / 1e6
    );
    machine.stop().await;
    relay.stop();
}

/// The browser's side of one terminal.
struct Term<'a> {
    socket: &'a mut Socket,
    id: String,
    /// Output bytes received so far.
    end: u64,
    next: u64,
}

impl Term<'_> {
    async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
    }

    /// Read one frame (within `wait`): output is counted and acknowledged.
    async fn frame(&mut self, wait: Duration) -> Option<Value> {
        let Ok(Some(Ok(Message::Text(text)))) =
            tokio::time::timeout(wait, self.socket.next()).await
        else {
            return None;
        };
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["type"] == "terminalOutput" {
            let data = base64::engine::general_purpose::STANDARD
                .decode(v["data"]["data"].as_str().unwrap())
                .unwrap();
            self.end = v["data"]["offset"].as_u64().unwrap() + data.len() as u64;
            let ack =
                json!({"type": "terminalAck", "data": {"terminalId": self.id, "offset": self.end}});
            self.send(ack).await;
        }
        Some(v)
    }

    /// Read one frame; false when none came within `wait`.
    async fn take(&mut self, wait: Duration) -> bool {
        self.frame(wait).await.is_some()
    }

    async fn call(&mut self, kind: &str, data: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(json!({"type": kind, "id": id, "data": data}))
            .await;
        loop {
            let v = self
                .frame(Duration::from_secs(30))
                .await
                .expect("an answer");
            if v["id"] == id {
                assert_ne!(v["type"], "error", "{v}");
                return v;
            }
        }
    }

    /// Type `text`; its answer comes back among the output and is not waited for.
    async fn input(&mut self, text: &str) {
        self.next += 1;
        let frame = json!({"type": "terminalInput", "id": self.next,
            "data": {"terminalId": self.id, "data": text}});
        self.send(frame).await;
    }

    /// Until output holding `text` arrives.
    async fn until_output(&mut self, text: &str) {
        loop {
            let v = self.frame(Duration::from_secs(30)).await.expect("the echo");
            if v["type"] == "terminalOutput" {
                let data = base64::engine::general_purpose::STANDARD
                    .decode(v["data"]["data"].as_str().unwrap())
                    .unwrap();
                if String::from_utf8_lossy(&data).contains(text) {
                    return;
                }
            }
        }
    }

    /// Until nothing arrives for 300 ms (the shell's start-up and prompt are over).
    async fn until_quiet(&mut self) {
        while self.frame(Duration::from_millis(300)).await.is_some() {}
    }
}
