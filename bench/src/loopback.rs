//! A relay, a machine and a browser socket in one process on loopback, for the
//! benchmarks of the relay path ([`relay_roundtrip`](../bin/relay_roundtrip.rs)) and of
//! terminals (`terminal.rs`): a real relay (axum, SQLite), a real machine (relay
//! client, dispatcher, terminals), and a WebSocket client with a session cookie
//! standing in for the browser.

use futures_util::StreamExt;
use mstro::home::MstroHome;
use mstro::machine::{Machine, MachineConfig};
use mstro_relay::store::{DeviceInfo, PollOutcome};
use mstro_relay::{RelayConfig, RunningRelay, state::now};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The browser's socket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Everything running; `dir/work` is the machine's workspace.
pub struct Loopback {
    pub relay: RunningRelay,
    pub machine: Machine,
    pub socket: Socket,
}

/// Start a relay and a machine serving `dir/work` (which must exist), sign a browser
/// in, and wait until the machine is online on its socket.
pub async fn start(dir: &std::path::Path) -> Loopback {
    let relay = mstro_relay::start(RelayConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        dir.join("relay"),
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
        working_dir: dir.join("work"),
        port: Some(0),
        home: MstroHome::at(dir.join("home")),
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
    // TCP_NODELAY, as browsers have it.
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .expect("the browser socket");
    loop {
        let Some(Ok(Message::Text(t))) = socket.next().await else {
            panic!("socket closed")
        };
        let v: Value = serde_json::from_str(&t).unwrap();
        if v["type"] == "machineStatus" && v["data"]["online"] == true {
            break;
        }
    }
    Loopback {
        relay,
        machine,
        socket,
    }
}

/// The `p`-quantile of sorted `times`.
pub fn quantile(times: &[std::time::Duration], p: f64) -> std::time::Duration {
    times[((times.len() - 1) as f64 * p) as usize]
}
