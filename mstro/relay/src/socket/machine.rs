//! `/ws/client`: a machine's socket. The first frame authenticates it (MSTRO.md §3);
//! then frames flow both ways through the [`Hub`](crate::hub::Hub).

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;

use super::{close, write};
use crate::http::error::ApiError;
use crate::hub::{Link, SOCKET_QUEUE, URGENT_QUEUE};
use crate::state::{RelayState, now};
use crate::store::MachineInfo;
use mstro_protocol::handshake::{Auth, CLOSE_UNAUTHORIZED, MachineHello, Paired};
use mstro_protocol::{Envelope, MAX_MACHINE_FRAME_BYTES};

/// How long a machine has to send its `auth` frame.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// The machine pings every 25 s; silence this long means the connection is dead.
const IDLE_TIMEOUT: Duration = Duration::from_secs(75);

pub async fn upgrade(
    State(state): State<RelayState>,
    Query(hello): Query<MachineHello>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let fields = [
        &hello.name,
        &hello.machine_hostname,
        &hello.client_id,
        &hello.os_type,
        &hello.cpu_arch,
        &hello.cli_version,
    ];
    if fields.iter().any(|f| f.len() > 256) || hello.working_dir.len() > 4096 {
        return Err(ApiError::bad_request("a machine field is too long"));
    }
    if hello.protocol_version != mstro_protocol::PROTOCOL_VERSION {
        return Err(ApiError::bad_request(format!(
            "protocol version {} is not supported (this relay speaks {}); update mstro",
            hello.protocol_version,
            mstro_protocol::PROTOCOL_VERSION
        )));
    }
    Ok(ws
        .max_message_size(MAX_MACHINE_FRAME_BYTES + 4096)
        .on_upgrade(move |socket| run(socket, state, hello)))
}

async fn run(socket: WebSocket, state: RelayState, hello: MachineHello) {
    let (mut sink, mut stream) = socket.split();

    // The token comes in the first frame, never in the URL (which proxies log).
    let first = tokio::time::timeout(AUTH_TIMEOUT, stream.next()).await;
    let token = match first {
        Ok(Some(Ok(Message::Text(text)))) => {
            serde_json::from_str::<Auth>(&text).ok().map(|a| a.token)
        }
        _ => None,
    };
    let device = match token.filter(|t| t.len() <= 128) {
        Some(token) => state.db(move |s| s.device_by_token(&token)).await,
        None => Ok(None),
    };
    let device = match device {
        Ok(Some(d)) => d,
        Ok(None) => {
            close(&mut sink, CLOSE_UNAUTHORIZED, "unauthorized").await;
            return;
        }
        // Our failure, not the token's: the machine must retry, not give up (4001
        // would tell it to log in again).
        Err(e) => {
            eprintln!("mstro relay: cannot check a machine token: {e}");
            close(&mut sink, 1011, "the relay's store failed; try again").await;
            return;
        }
    };
    let machine_id = device.machine_id.clone();
    let info = MachineInfo {
        name: if hello.name.is_empty() {
            hello.machine_hostname.clone()
        } else {
            hello.name.clone()
        },
        hostname: hello.machine_hostname.clone(),
        os_type: hello.os_type.clone(),
        cpu_arch: hello.cpu_arch.clone(),
        working_dir: hello.working_dir.clone(),
    };
    let id = machine_id.clone();
    if let Err(e) = state.db(move |s| s.update_machine(&id, &info, now())).await {
        eprintln!("mstro relay: cannot record machine {machine_id}: {e}");
    }

    let connection_id = uuid::Uuid::new_v4().to_string();
    let paired = serde_json::to_string(&Paired {
        connection_id: connection_id.clone(),
    })
    .expect("serialisable");
    if sink.send(Message::Text(paired.into())).await.is_err() {
        return;
    }
    let (tx, mut rx) = mpsc::channel(SOCKET_QUEUE);
    let (urgent_tx, mut urgent_rx) = mpsc::channel(URGENT_QUEUE);
    let link = Link::with_urgent(tx, urgent_tx);
    let kill = link.kill.clone();
    state
        .hub
        .attach_machine(&machine_id, &connection_id, link.clone());

    // Only what the machine sends keeps it alive (its pings every 25 s at least).
    let idle = tokio::time::sleep(IDLE_TIMEOUT);
    tokio::pin!(idle);
    loop {
        tokio::select! {
            // Urgent frames (an owner's cancel) go out before anything queued.
            biased;
            _ = kill.notified() => break,
            out = urgent_rx.recv() => {
                if !write(&mut sink, out, &link).await {
                    break;
                }
            }
            _ = &mut idle => break,
            incoming = stream.next() => {
                let message = match incoming {
                    Some(Ok(m)) => m,
                    _ => break, // closed or broken
                };
                idle.as_mut().reset(tokio::time::Instant::now() + IDLE_TIMEOUT);
                match message {
                    Message::Text(text) => match Envelope::parse_within(&text, MAX_MACHINE_FRAME_BYTES) {
                        Ok(mut envelope) => {
                            let to = envelope.to.take();
                            envelope.from = None;
                            envelope.permission = None;
                            envelope.user = None;
                            state.hub.from_machine(&machine_id, to.as_deref(), envelope.to_text().into());
                        }
                        Err(e) => eprintln!("mstro relay: machine {machine_id} sent a bad frame: {e}"),
                    },
                    Message::Close(_) => break,
                    // Pings are answered by the WebSocket layer; anything counts as alive.
                    _ => {}
                }
            }
            out = rx.recv() => {
                if !write(&mut sink, out, &link).await {
                    break;
                }
            }
        }
    }
    state.hub.detach_machine(&machine_id, &connection_id);
    let _ = state.db(move |s| s.touch_machine(&machine_id, now())).await;
}
