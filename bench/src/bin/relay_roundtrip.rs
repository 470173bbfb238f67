//! The browser → relay → machine → relay → browser round trip, on loopback in one
//! process: a real relay (axum, SQLite), a real machine (relay client, dispatcher),
//! and a WebSocket client with a session cookie standing in for the browser.
//!
//! `cargo run --release -p mstro-bench --bin relay_roundtrip [N]` prints percentiles
//! for `ping` and for `readFile` of a 4 KiB file, N round trips each (default 2000),
//! one at a time.

use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use mstro::home::MstroHome;
use mstro::machine::{Machine, MachineConfig};
use mstro_relay::store::{DeviceInfo, PollOutcome};
use mstro_relay::{RelayConfig, state::now};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(dir.path().join("work")).unwrap();
    std::fs::write(dir.path().join("work/file.txt"), "x".repeat(4096)).unwrap();

    let relay = mstro_relay::start(RelayConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("relay"),
    ))
    .await
    .expect("the relay starts");
    let store = relay.store.clone();
    let user = store.create_user("bench").unwrap();
    let info = DeviceInfo {
        client_id: "bench".into(),
        hostname: "bench".into(),
        os_type: "linux".into(),
        cpu_arch: "x86_64".into(),
        cli_version: "0".into(),
    };
    let (device_code, user_code) = store
        .create_device_request(&info, false, now(), 60, 0)
        .unwrap();
    store
        .approve_device_request(&user_code, &user.id, now())
        .unwrap();
    let PollOutcome::Approved { token, .. } =
        store.poll_device_request(&device_code, now()).unwrap()
    else {
        panic!("no token");
    };
    let cookie = store.create_session(&user.id, now(), 3600).unwrap();
    let machine = Machine::start(MachineConfig {
        relay_url: relay.public_url.clone(),
        token,
        client_id: "bench".into(),
        working_dir: dir.path().join("work"),
        port: Some(0),
        home: MstroHome::at(dir.path().join("home")),
        runner: None,
    })
    .await
    .expect("the machine starts");
    let machine_id = store.machines_for_user(&user.id).unwrap()[0]
        .machine
        .id
        .clone();

    let url = format!(
        "{}/ws/web?machine={machine_id}",
        relay.public_url.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", format!("mstro_session={cookie}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the browser socket");
    // Wait for the machine to be online.
    loop {
        let Some(Ok(Message::Text(t))) = ws.next().await else {
            panic!("socket closed")
        };
        let v: Value = serde_json::from_str(&t).unwrap();
        if v["type"] == "machineStatus" && v["data"]["online"] == true {
            break;
        }
    }
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
        let p = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
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
