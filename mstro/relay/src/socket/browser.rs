//! `/ws/web?machine=ID`: a signed-in browser's socket to one machine. The relay checks
//! the user may see the machine before the upgrade, stamps every frame with `from`,
//! the user's `permission` and name (overwriting whatever the browser put there), and
//! answers for an offline machine itself.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::{MAX_MESSAGE_BYTES, write};
use crate::http::error::ApiError;
use crate::http::session::SignedInSession;
use crate::hub::{BrowserIdentity, Link, SOCKET_QUEUE, SendError, close};
use crate::state::RelayState;
use mstro_protocol::{Envelope, ErrorCode, Permission};

/// How often an open browser socket checks that its session still exists.
const SESSION_RECHECK: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Deserialize)]
pub struct Target {
    machine: String,
}

pub async fn upgrade(
    State(state): State<RelayState>,
    SignedInSession(session): SignedInSession,
    Query(target): Query<Target>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    if !crate::http::origin::same_origin(&headers, &state.public_url) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::CrossOrigin,
            "WebSocket from another origin",
        ));
    }
    if target.machine.len() > 64 {
        return Err(ApiError::not_found("machine"));
    }
    let identity = BrowserIdentity {
        machine_id: target.machine.clone(),
        user_id: session.user.id.clone(),
        session: session.key.clone(),
    };
    let user_id = session.user.id.clone();
    let permission = state
        .db(move |s| s.permission(&user_id, &target.machine))
        .await?
        .ok_or_else(|| ApiError::not_found("machine"))?;
    let expires_at = session.expires_at;
    let sender = Sender {
        permission,
        name: session.user.name.clone(),
    };
    Ok(ws
        .max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| run(socket, state, identity, sender, expires_at)))
}

/// Who the frames of one browser socket come from, as the relay stamps them.
struct Sender {
    permission: Permission,
    /// The signed-in person's name.
    name: String,
}

async fn run(
    socket: WebSocket,
    state: RelayState,
    identity: BrowserIdentity,
    sender: Sender,
    expires_at: i64,
) {
    let (mut sink, mut stream) = socket.split();
    let browser_id = uuid::Uuid::new_v4().to_string();
    let machine_id = identity.machine_id.clone();
    let session = identity.session.clone();
    let (tx, mut rx) = mpsc::channel(SOCKET_QUEUE);
    let link = Link::new(tx.clone());
    let kill = link.kill.clone();
    if let Err(refused) = state
        .hub
        .attach_browser(&browser_id, identity, link.clone())
    {
        super::close(&mut sink, close::TOO_MANY, refused.0).await;
        return;
    }
    let status = Envelope::machine_status(state.hub.is_online(&machine_id));
    link.deliver(&status.to_text().into());
    // The session's end closes its sockets (logout closes them at once, through the hub).
    let left = u64::try_from(expires_at.saturating_sub(crate::state::now())).unwrap_or(0);
    let expiry = tokio::time::sleep(std::time::Duration::from_secs(left));
    tokio::pin!(expiry);
    // A session ended where the hub cannot see it (`mstro relay sign-out`, another
    // relay instance) is noticed within a minute.
    let mut recheck = tokio::time::interval_at(
        tokio::time::Instant::now() + SESSION_RECHECK,
        SESSION_RECHECK,
    );

    loop {
        tokio::select! {
            _ = kill.notified() => break,
            _ = &mut expiry => {
                super::close(&mut sink, close::SIGNED_OUT, "the session has expired; sign in again").await;
                break;
            }
            _ = recheck.tick() => {
                let key = session.clone();
                if let Ok(false) = state.db(move |s| s.session_alive(&key, crate::state::now())).await {
                    super::close(&mut sink, close::SIGNED_OUT, "signed out").await;
                    break;
                }
            }
            incoming = stream.next() => {
                let message = match incoming {
                    Some(Ok(m)) => m,
                    _ => break,
                };
                let reply = match message {
                    Message::Text(text) => forward(&state, &machine_id, &browser_id, &sender, &text),
                    Message::Binary(_) => Some(Envelope::error(ErrorCode::Malformed, "binary frames are not part of the protocol")),
                    Message::Close(_) => break,
                    _ => None,
                };
                if let Some(reply) = reply {
                    link.deliver(&reply.to_text().into());
                }
            }
            out = rx.recv() => {
                if !write(&mut sink, out, &link).await {
                    break;
                }
            }
        }
    }
    state.hub.detach_browser(&browser_id);
    let mut left = Envelope::new(mstro_protocol::BROWSER_LEFT, serde_json::json!({}));
    left.from = Some(browser_id);
    // Best effort: an offline machine has nothing to stop sending.
    let _ = state.hub.to_machine(&machine_id, left.to_text());
}

/// Stamp a browser frame and send it to the machine; the error frame to answer with,
/// if it could not go.
fn forward(
    state: &RelayState,
    machine_id: &str,
    browser_id: &str,
    sender: &Sender,
    text: &str,
) -> Option<Envelope> {
    let permission = sender.permission;
    let mut envelope = match Envelope::parse(text) {
        Ok(e) => e,
        Err(e) => return Some(Envelope::error(ErrorCode::Malformed, e.to_string())),
    };
    if envelope.kind == mstro_protocol::BROWSER_LEFT {
        return Some(
            envelope.error_reply(ErrorCode::Malformed, "`browserLeft` is the relay's to send"),
        );
    }
    envelope.from = Some(browser_id.to_owned());
    envelope.permission = Some(permission);
    envelope.user = Some(sender.name.clone());
    envelope.to = None;
    let urgent = permission == Permission::Owner
        && crate::hub::URGENT_KINDS.contains(&envelope.kind.as_str());
    let sent = if urgent {
        state.hub.to_machine_urgent(machine_id, envelope.to_text())
    } else {
        state.hub.to_machine(machine_id, envelope.to_text())
    };
    let failed = match sent {
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
