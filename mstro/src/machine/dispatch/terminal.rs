//! Terminal requests (docs/terminal.md). Keystrokes, resizes, acknowledgements and
//! detaches are answered in the order they arrive, on the dispatcher's own loop
//! ([`Dispatcher::answer_in_order`]): requests are otherwise served concurrently, and
//! typed characters must not overtake each other.

use super::Dispatcher;
use crate::terminal::TerminalError;
use mstro_protocol::request::Request;
use mstro_protocol::terminal::TerminalOk;
use mstro_protocol::{BROWSER_LEFT, Envelope};

/// Request types answered in arrival order.
const IN_ORDER: &[&str] = &[
    "terminalInput",
    "terminalResize",
    "terminalAck",
    "terminalDetach",
];

impl Dispatcher {
    /// The answer to `frame` if it is one that must be answered in arrival order (or
    /// `Some(None)`: it needs none), else `None`: serve it as any other.
    pub fn answer_in_order(&self, frame: &Envelope) -> Option<Option<String>> {
        if frame.kind == BROWSER_LEFT {
            if let Some(browser) = &frame.from {
                self.terminals.browser_left(browser);
                self.files.browser_left(browser);
            }
            return Some(None);
        }
        if !IN_ORDER.contains(&frame.kind.as_str()) {
            return None;
        }
        let reply = match Self::admit(frame) {
            Ok(request) => self.terminal_now(frame, request),
            Err(refused) => *refused,
        };
        Some(Some(reply.to_text()))
    }

    /// The requests that never wait.
    fn terminal_now(&self, frame: &Envelope, request: Request) -> Envelope {
        let browser = frame.from.clone().unwrap_or_default();
        let done = match request {
            Request::TerminalInput(arg) => self.terminals.input(&arg.terminal_id, &arg.data),
            Request::TerminalResize(arg) => {
                self.terminals.resize(&arg.terminal_id, arg.cols, arg.rows)
            }
            Request::TerminalAck(arg) => self.terminals.ack(&arg.terminal_id, &browser, arg.offset),
            Request::TerminalDetach(arg) => self.terminals.detach(&arg.terminal_id, &browser),
            other => {
                return frame.error_reply(
                    mstro_protocol::ErrorCode::Internal,
                    format!("`{:?}` is not answered in order", other.kind()),
                );
            }
        };
        reply(frame, done.map(|()| TerminalOk::REPLY))
    }

    /// The other terminal requests.
    pub(super) async fn terminal_request(&self, frame: &Envelope, request: Request) -> Envelope {
        let browser = frame.from.clone().unwrap_or_default();
        match request {
            Request::TerminalCreate(arg) => {
                let terminals = self.terminals.clone();
                let created = tokio::task::spawn_blocking(move || {
                    terminals.create(arg.cols, arg.rows, arg.title)
                })
                .await
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
                reply(frame, created)
            }
            Request::TerminalList {} => frame.reply_with(&self.terminals.list()),
            Request::TerminalAttach(arg) => reply(
                frame,
                self.terminals
                    .attach(&arg.terminal_id, &browser, arg.from_offset)
                    .await,
            ),
            Request::TerminalClose(arg) => {
                let terminals = self.terminals.clone();
                let closed = tokio::task::spawn_blocking(move || terminals.close(&arg.terminal_id))
                    .await
                    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
                reply(frame, closed.map(|()| TerminalOk::REPLY))
            }
            in_order => self.terminal_now(frame, in_order),
        }
    }
}

fn reply<T: serde::Serialize>(frame: &Envelope, result: Result<T, TerminalError>) -> Envelope {
    match result {
        Ok(value) => frame.reply_with(&value),
        Err(e) => frame.error_reply(e.code(), e.to_string()),
    }
}
