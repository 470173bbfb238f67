//! The relay's two WebSocket endpoints: machines (`/ws/client`) and browsers
//! (`/ws/web`).

pub mod browser;
pub mod machine;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;

use super::hub::{Link, Outbound};
use mstro_protocol::MAX_FRAME_BYTES;

/// The largest WebSocket message accepted (a little over a frame, for the envelope).
pub const MAX_MESSAGE_BYTES: usize = MAX_FRAME_BYTES + 4096;

/// How long one write may take before the peer is taken for gone: a socket whose
/// peer stopped reading must not hold its task and its queue forever.
pub const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Write what the hub queued for a socket; whether the socket lives on (a Close, a
/// failed or timed-out write or a dropped queue end it).
pub async fn write(
    sink: &mut SplitSink<WebSocket, Message>,
    out: Option<Outbound>,
    link: &Link,
) -> bool {
    match out {
        Some(Outbound::Text(text)) => {
            let len = text.len();
            let sent = tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Text(text))).await;
            link.sent(len);
            matches!(sent, Ok(Ok(())))
        }
        Some(Outbound::Close(code, reason)) => {
            let _ = tokio::time::timeout(WRITE_TIMEOUT, close(sink, code, &reason)).await;
            false
        }
        None => false,
    }
}

/// Close a socket with a code and a reason.
pub async fn close(sink: &mut SplitSink<WebSocket, Message>, code: u16, reason: &str) {
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.to_owned().into(),
        })))
        .await;
    let _ = sink.close().await;
}
