//! The one vocabulary of error codes: the `code` of an `error` frame (relay, machine and
//! tabs) and of the relay API's `{"error": {"code", "message"}}` answers. Each code's
//! meaning is documented here and tabled in docs/relay-api.md. The wire string is the
//! variant's name in snake_case; the test below pins every one.
//!
//! Not in this vocabulary: the device-login poll's RFC 8628 answers (`authorization_pending`,
//! `slow_down`, `expired_token`, `access_denied`, `invalid_grant`), whose shape is the
//! RFC's `{"error": code}`, and the browser's own `timeout`/`closed` (never on the wire).

use serde::{Deserialize, Serialize};

/// Why a request got an error answer instead of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // Frames (relay and machine).
    /// The machine does not know this `type`.
    UnknownType,
    /// Not an envelope, `data` does not fit the type, an invalid path or id; on the API, a
    /// body that does not parse (400).
    Malformed,
    /// The sender's permission does not allow this type; on the API, the signed-in user may
    /// not do this (403).
    Forbidden,
    /// The machine is not connected to the relay.
    MachineOffline,
    /// The machine cannot take more frames right now; try again.
    Busy,
    /// The tab is running a prompt; it takes one at a time.
    TabBusy,
    /// The path leaves the machine's workspace.
    OutsideWorkspace,
    /// No such file, directory, tab or past session; on the API, no such record (404).
    NotFound,
    /// `listDirectory` of something that is not a directory.
    NotADirectory,
    /// `readFile` of a directory.
    IsADirectory,
    /// The answer is larger than the relay carries.
    TooLarge,
    /// Something is already at the path a new file, directory, move, copy or restore
    /// would take.
    AlreadyExists,
    /// A limit of the machine is reached (terminals open at once, ...); the message says
    /// which, and what to do.
    LimitReached,
    /// A filesystem error on the machine (permission denied, ...).
    Io,
    /// A bug or an unexpected failure (machine, or the relay's store: 500).
    Internal,

    // Relay API answers (docs/relay-api.md).
    /// Over an abuse limit; `Retry-After` says when to try again (429).
    RateLimited,
    /// Not signed in, or no `Bearer` token (401).
    Unauthenticated,
    /// A user name or password the relay does not accept (400).
    Invalid,
    /// The name is taken (409); `writeFile`: the file changed since the version the
    /// writer edited (the error's data also carries `currentHash`).
    Conflict,
    /// No user by that name (404).
    UnknownUser,
    /// A state-changing request or WebSocket from another origin (403).
    CrossOrigin,
    /// A request body that is not `application/json` (415).
    JsonRequired,
    /// Wrong name or password at sign-in (401).
    BadCredentials,
    /// A sign-in link already used or expired (401).
    InvalidLink,
    /// A device token revoked or replaced, or its user gone (401).
    InvalidToken,
    /// No device waits with this user code (404).
    UnknownCode,
    /// The device code has expired or was already used (410).
    Expired,
    /// The device code was already approved or denied (409).
    AlreadyDecided,
    /// `Host` names neither the relay nor a loopback name or IP address (421). Its body is
    /// `{"error": "unknown_host", "message"}`, the code not nested (a historical shape).
    UnknownHost,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 29] = [
        ErrorCode::UnknownType,
        ErrorCode::Malformed,
        ErrorCode::Forbidden,
        ErrorCode::MachineOffline,
        ErrorCode::Busy,
        ErrorCode::TabBusy,
        ErrorCode::OutsideWorkspace,
        ErrorCode::NotFound,
        ErrorCode::NotADirectory,
        ErrorCode::IsADirectory,
        ErrorCode::TooLarge,
        ErrorCode::AlreadyExists,
        ErrorCode::LimitReached,
        ErrorCode::Io,
        ErrorCode::Internal,
        ErrorCode::RateLimited,
        ErrorCode::Unauthenticated,
        ErrorCode::Invalid,
        ErrorCode::Conflict,
        ErrorCode::UnknownUser,
        ErrorCode::CrossOrigin,
        ErrorCode::JsonRequired,
        ErrorCode::BadCredentials,
        ErrorCode::InvalidLink,
        ErrorCode::InvalidToken,
        ErrorCode::UnknownCode,
        ErrorCode::Expired,
        ErrorCode::AlreadyDecided,
        ErrorCode::UnknownHost,
    ];

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnknownType => "unknown_type",
            ErrorCode::Malformed => "malformed",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::MachineOffline => "machine_offline",
            ErrorCode::Busy => "busy",
            ErrorCode::TabBusy => "tab_busy",
            ErrorCode::OutsideWorkspace => "outside_workspace",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NotADirectory => "not_a_directory",
            ErrorCode::IsADirectory => "is_a_directory",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::LimitReached => "limit_reached",
            ErrorCode::Io => "io",
            ErrorCode::Internal => "internal",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Invalid => "invalid",
            ErrorCode::Conflict => "conflict",
            ErrorCode::UnknownUser => "unknown_user",
            ErrorCode::CrossOrigin => "cross_origin",
            ErrorCode::JsonRequired => "json_required",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::InvalidLink => "invalid_link",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::UnknownCode => "unknown_code",
            ErrorCode::Expired => "expired",
            ErrorCode::AlreadyDecided => "already_decided",
            ErrorCode::UnknownHost => "unknown_host",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn wire_strings_are_serde_strings_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
            assert!(seen.insert(code.as_str()), "{code} twice");
        }
    }
}
