//! `mstro-protocol`: what the browser, the relay and the machine say to each other
//! (MSTRO.md §2–5, docs/relay-api.md): the frame envelope, the machine's handshake, the
//! device-login bodies, a person's approval of a tool call ([`approval`]), the bodies of the relay's HTTP API the web app reads ([`http`]),
//! the error codes, the requests a browser sends the machine and who may send each
//! ([`request`]), the machine's replies ([`reply`]), a tab's own settings
//! ([`tab_settings`]), terminals ([`terminal`]), changing and watching files ([`files`]), the events a tab streams to
//! browsers ([`event`]) and the history of them it keeps ([`history`]), and the
//! timestamps they carry ([`timestamp`]). Data only: no I/O.

pub mod approval;
pub mod device;
pub mod envelope;
pub mod error;
pub mod event;
pub mod files;
pub mod handshake;
pub mod history;
pub mod http;
pub mod reply;
pub mod request;
pub mod tab_settings;
pub mod terminal;
pub mod timestamp;
#[cfg(test)]
mod typescript;

pub use envelope::{
    BROWSER_LEFT, Envelope, ErrorData, GAP, Gap, MACHINE_STATUS, MAX_FRAME_BYTES,
    MAX_MACHINE_FRAME_BYTES, MachineStatus, Permission,
};
pub use error::ErrorCode;

/// The machine ⇄ relay protocol version this build speaks (`protocolVersion=`).
pub const PROTOCOL_VERSION: u32 = 1;
