//! `/ws/web?machine=ID`: a signed-in browser's socket to one machine. The relay checks
//! the user may see the machine before the upgrade, stamps every frame with `from`
//! and the user's `permission` (overwriting whatever the browser put there), and
//! answers for an offline machine itself.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::{MAX_MESSAGE_BYTES, write};
use crate::protocol::{Envelope, ErrorCode, Permission};
use crate::relay::http::error::ApiError;
use crate::relay::http::session::SignedIn;
use crate::relay::hub::{Link, Outbound, SOCKET_QUEUE, SendError};
use crate::relay::state::RelayState;

#[derive(Deserialize)]
pub struct Target {
    machine: String,
}

pub async fn upgrade(
    State(state): State<RelayState>,
    SignedIn(user): SignedIn,
    Query(target): Query<Target>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    if !same_origin(&headers, &state.public_url) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "WebSocket from another origin",
        ));
    }
    if target.machine.len() > 64 {
        return Err(ApiError::not_found("machine"));
    }
    let machine_id = target.machine.clone();
    let permission = state
        .db(move |s| s.permission(&user.id, &target.machine))
        .await?
        .ok_or_else(|| ApiError::not_found("machine"))?;
    Ok(ws
        .max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| run(socket, state, machine_id, permission)))
}

/// A page of another site must not ride on the person's cookie (SameSite=Strict
/// already stops that; this is the second lock). The Origin must be the relay's public
/// URL, or name the Host asked for (a proxy may rewrite Host). Non-browser clients send
/// no Origin.
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    if origin
        .to_str()
        .is_ok_and(|o| o.eq_ignore_ascii_case(public_url.trim_end_matches('/')))
    {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest);
    matches!((host, origin_host), (Some(h), Some(o)) if h.eq_ignore_ascii_case(o))
}

async fn run(socket: WebSocket, state: RelayState, machine_id: String, permission: Permission) {
    let (mut sink, mut stream) = socket.split();
    let browser_id = uuid::Uuid::new_v4().to_string();
    let (tx, mut rx) = mpsc::channel(SOCKET_QUEUE);
    let link = Link::new(tx.clone());
    let kill = link.kill.clone();
    state.hub.attach_browser(&browser_id, &machine_id, link);
    let status = Envelope::new(
        "machineStatus",
        serde_json::json!({ "online": state.hub.is_online(&machine_id) }),
    );
    let _ = tx.try_send(Outbound::Text(status.to_text()));

    loop {
        tokio::select! {
            _ = kill.notified() => break,
            incoming = stream.next() => {
                let message = match incoming {
                    Some(Ok(m)) => m,
                    _ => break,
                };
                let reply = match message {
                    Message::Text(text) => forward(&state, &machine_id, &browser_id, permission, &text),
                    Message::Binary(_) => Some(Envelope::error(ErrorCode::Malformed, "binary frames are not part of the protocol")),
                    Message::Close(_) => break,
                    _ => None,
                };
                if let Some(reply) = reply {
                    let _ = tx.try_send(Outbound::Text(reply.to_text()));
                }
            }
            out = rx.recv() => {
                if !write(&mut sink, out).await {
                    break;
                }
            }
        }
    }
    state.hub.detach_browser(&browser_id);
}

/// Stamp a browser frame and send it to the machine; the error frame to answer with,
/// if it could not go.
fn forward(
    state: &RelayState,
    machine_id: &str,
    browser_id: &str,
    permission: Permission,
    text: &str,
) -> Option<Envelope> {
    let mut envelope = match Envelope::parse(text) {
        Ok(e) => e,
        Err(e) => return Some(Envelope::error(ErrorCode::Malformed, e.to_string())),
    };
    envelope.from = Some(browser_id.to_owned());
    envelope.permission = Some(permission);
    envelope.to = None;
    let failed = match state.hub.to_machine(machine_id, envelope.to_text()) {
        Ok(()) => return None,
        Err(SendError::Offline) => Some(envelope.error_reply(
            ErrorCode::MachineOffline,
            "the machine is offline; start `mstro` on it",
        )),
        Err(SendError::Busy) => {
            Some(envelope.error_reply(ErrorCode::Busy, "the machine is busy; try again"))
        }
    };
    failed.map(|e| Envelope { to: None, ..e })
}
