//! Terminals in the browser (docs/terminal.md): the requests' data, the replies and the
//! events. A terminal is a pseudo-terminal on the machine running the person's shell;
//! its output is one byte stream, numbered by `offset` (the bytes before it since the
//! terminal started), so a browser that comes back asks for what it has not seen, and
//! a browser that reads slowly is sent no more than it acknowledged plus a window.
//!
//! Bytes travel as base64: a terminal's output is not necessarily UTF-8 (a program may
//! print anything, and a read may end inside a character).

use serde::{Deserialize, Serialize};

/// Columns and rows a terminal may have.
pub const MAX_COLS: u16 = 1000;
/// See [`MAX_COLS`].
pub const MAX_ROWS: u16 = 500;
/// The most input bytes one `terminalInput` carries (a paste is split by the browser).
pub const MAX_INPUT_BYTES: usize = 64 * 1024;
/// The longest title.
pub const MAX_TITLE_CHARS: usize = 100;

/// `terminalCreate {cols, rows, title?}` (owner).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct TerminalCreateArg {
    pub cols: u16,
    pub rows: u16,
    pub title: Option<String>,
}

/// `{terminalId}`: `terminalClose` (owner), `terminalDetach` (anyone who can see it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TerminalArg {
    pub terminal_id: String,
}

/// `terminalAttach {terminalId, fromOffset?}`: start receiving a terminal's output,
/// from `fromOffset` (what this browser already has) or, without it or when those
/// bytes are no longer kept, from the oldest byte of the scrollback.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct TerminalAttachArg {
    pub terminal_id: String,
    pub from_offset: Option<u64>,
}

/// `terminalInput {terminalId, data}` (owner): keystrokes or a paste, as typed (UTF-8).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TerminalInputArg {
    pub terminal_id: String,
    pub data: String,
}

/// `terminalResize {terminalId, cols, rows}` (owner).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TerminalResizeArg {
    pub terminal_id: String,
    pub cols: u16,
    pub rows: u16,
}

/// `terminalAck {terminalId, offset}`: this browser has taken the output up to
/// `offset`; the machine sends it at most a window beyond.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TerminalAckArg {
    pub terminal_id: String,
    #[cfg_attr(test, ts(type = "number"))]
    pub offset: u64,
}

/// What runs a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum TerminalBackend {
    /// A pseudo-terminal of `mstro` itself: it ends when `mstro` stops.
    Pty,
    /// A session of mstro's private tmux server: it outlives a restart of `mstro`.
    Tmux,
}

/// One terminal, as lists and replies show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TerminalInfo {
    pub terminal_id: String,
    pub title: String,
    pub cols: u16,
    pub rows: u16,
    pub backend: TerminalBackend,
    /// RFC 3339.
    pub created_at: String,
    /// How it ended, once it has; `null` while it runs.
    pub exit: Option<TerminalExit>,
}

/// `{terminals}`: `terminalList`'s answer, and the `terminals` event every browser on
/// the machine gets when one is created, renamed, resized, ends or is closed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TerminalList {
    pub terminals: Vec<TerminalInfo>,
}

/// How a terminal's shell ended: its exit code, or the signal that killed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TerminalExit {
    pub code: Option<i32>,
    pub signal: Option<String>,
    /// Why, in words ("closed from the browser", "the shell exited", "idle for 24 h").
    pub reason: String,
}

/// `terminalAttach`'s answer: the kept output from `offset` on, then live
/// `terminalOutput` events continue from `offset + len(data)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TerminalAttached {
    pub terminal: TerminalInfo,
    /// The offset of the first byte of `data`.
    #[cfg_attr(test, ts(type = "number"))]
    pub offset: u64,
    /// Base64.
    pub data: String,
    /// True when the browser's `fromOffset` could not be continued (those bytes are no
    /// longer kept, or it gave none): it should clear its screen before writing `data`.
    pub reset: bool,
}

/// A terminal's reply to input, resize, ack, detach and close: `{ok: true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TerminalOk {
    pub ok: bool,
}

impl TerminalOk {
    /// The one value.
    pub const REPLY: TerminalOk = TerminalOk { ok: true };
}

/// `terminalOutput {terminalId, offset, data}`: the next bytes for one browser (the
/// frame's `to`), after what it was sent before.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TerminalOutput {
    pub terminal_id: String,
    #[cfg_attr(test, ts(type = "number"))]
    pub offset: u64,
    /// Base64.
    pub data: String,
    /// True when this browser fell further behind than the scrollback keeps: the bytes
    /// between what it was sent and `offset` are lost to it, so it should clear its
    /// screen before writing `data`.
    pub reset: bool,
}

/// `terminalExit {terminalId, exit}`: to every browser on the machine.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TerminalExited {
    pub terminal_id: String,
    pub exit: TerminalExit,
}

/// The event types.
pub const TERMINAL_OUTPUT: &str = "terminalOutput";
/// See [`TERMINAL_OUTPUT`].
pub const TERMINAL_EXIT: &str = "terminalExit";
/// See [`TERMINAL_OUTPUT`].
pub const TERMINALS: &str = "terminals";
