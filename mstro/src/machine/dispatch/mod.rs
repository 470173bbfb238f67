//! Serving the browser's requests on the machine: permission first (deny by default),
//! then the typed request, then its handler. Every frame gets exactly one answer, a
//! reply or an `error`, addressed to the browser that sent it.

pub mod files;
pub mod permission;
pub mod request;

use std::sync::Arc;

use serde_json::json;

use self::files::FileError;
use self::request::{KNOWN, Request};
use super::workspace::Workspace;
use crate::protocol::{Envelope, ErrorCode};

/// The largest reply sent: the relay takes machine frames up to
/// [`MAX_MACHINE_FRAME_BYTES`](crate::protocol::MAX_MACHINE_FRAME_BYTES); leave room.
const MAX_REPLY_BYTES: usize = crate::protocol::MAX_MACHINE_FRAME_BYTES - 64 * 1024;

/// The machine's request handlers.
pub struct Dispatcher {
    workspace: Arc<Workspace>,
}

impl Dispatcher {
    pub fn new(workspace: Arc<Workspace>) -> Dispatcher {
        Dispatcher { workspace }
    }

    /// The answer to one frame from the relay, never larger than the relay accepts.
    /// Serialised once, here: the size check needs the text, and so does the relay.
    pub async fn handle(&self, frame: &Envelope) -> String {
        let reply = self.answer(frame).await.to_text();
        if reply.len() > MAX_REPLY_BYTES {
            return frame
                .error_reply(
                    ErrorCode::TooLarge,
                    "the answer is too large to send through the relay",
                )
                .to_text();
        }
        reply
    }

    async fn answer(&self, frame: &Envelope) -> Envelope {
        if !permission::allows(frame.permission, &frame.kind) {
            return frame.error_reply(
                ErrorCode::Forbidden,
                format!("`{}` needs the owner's permission", frame.kind),
            );
        }
        if !KNOWN.contains(&frame.kind.as_str()) {
            return frame.error_reply(
                ErrorCode::UnknownType,
                format!("this machine does not know `{}`", frame.kind),
            );
        }
        let request = match Request::parse(&frame.kind, &frame.data) {
            Ok(r) => r,
            Err(e) => {
                return frame.error_reply(
                    ErrorCode::Malformed,
                    format!("bad `{}` data: {e}", frame.kind),
                );
            }
        };
        match request {
            Request::Ping {} => frame.reply(json!({ "pong": true })),
            Request::GetActiveTabs {} => frame.reply(json!({ "tabs": [] })),
            Request::ListDirectory(arg) => {
                let ws = self.workspace.clone();
                let result = blocking(move || files::list_directory(&ws, &arg.path)).await;
                answer(frame, result)
            }
            Request::ReadFile(arg) => {
                let ws = self.workspace.clone();
                let result = blocking(move || files::read_file(&ws, &arg.path)).await;
                answer(frame, result)
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, FileError> + Send + 'static,
) -> Result<T, FileError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

fn answer<T: serde::Serialize>(frame: &Envelope, result: Result<T, FileError>) -> Envelope {
    match result {
        Ok(value) => frame.reply(serde_json::to_value(value).unwrap_or_default()),
        Err(e) => frame.error_reply(error_code(e.code()), e.to_string()),
    }
}

fn error_code(code: &str) -> ErrorCode {
    match code {
        "outside_workspace" => ErrorCode::OutsideWorkspace,
        "not_found" => ErrorCode::NotFound,
        "not_a_directory" => ErrorCode::NotADirectory,
        "is_a_directory" => ErrorCode::IsADirectory,
        "too_large" => ErrorCode::TooLarge,
        "malformed" => ErrorCode::Malformed,
        _ => ErrorCode::Io,
    }
}
