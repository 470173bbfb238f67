//! The `code` of an `error` frame.

use serde::Serialize;

/// Why a request got an `error` frame instead of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The machine does not know this `type`.
    UnknownType,
    /// Not an envelope, or `data` does not fit the type.
    Malformed,
    /// The sender's permission does not allow this type.
    Forbidden,
    /// The machine is not connected to the relay.
    MachineOffline,
    /// The machine cannot take more frames right now.
    Busy,
    /// The tab is running a prompt; it takes one at a time.
    TabBusy,
    OutsideWorkspace,
    NotFound,
    NotADirectory,
    IsADirectory,
    TooLarge,
    Io,
    Internal,
}
