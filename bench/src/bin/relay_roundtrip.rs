//! The browser → relay → machine → relay → browser round trip, on loopback in one
//! process: a real relay (axum, SQLite), a real machine (relay client, dispatcher),
//! and a WebSocket client with a session cookie standing in for the browser.
//!
//! `cargo run --release -p mstro-bench --bin relay_roundtrip [N]` prints percentiles
//! for `ping` and for `readFile` of a 4 KiB file, N round trips each (default 2000),
//! one at a time.

use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use mstro_bench::loopback::{self, quantile};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(dir.path().join("work")).unwrap();
    std::fs::write(dir.path().join("work/file.txt"), "x".repeat(4096)).unwrap();
    let loopback::Loopback {
        relay,
        machine,
        socket: mut ws,
    } = loopback::start(dir.path()).await;
    for (kind, data) in [
        ("ping", json!({})),
        ("readFile", json!({"path": "file.txt"})),
    ] {
        let mut times = Vec::with_capacity(n);
        for i in 0..n + n / 10 {
            let frame = json!({"type": kind, "id": i, "data": data}).to_string();
            let start = Instant::now();
            ws.send(Message::Text(frame.into())).await.unwrap();
            loop {
                let Some(Ok(Message::Text(t))) = ws.next().await else {
                    panic!("socket closed")
                };
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["id"] == i {
                    assert_eq!(v["type"], kind, "{v}");
                    break;
                }
            }
            if i >= n / 10 {
                times.push(start.elapsed()); // the first tenth warms up
            }
        }
        times.sort();
        let p = |q: f64| quantile(&times, q);
        println!(
            "{kind:>9}: n={n} p50={:?} p90={:?} p99={:?} max={:?}",
            p(0.5),
            p(0.9),
            p(0.99),
            times[times.len() - 1]
        );
    }
    machine.stop().await;
    relay.stop();
}
