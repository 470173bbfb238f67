//! The relay client's state machine (MSTRO.md §3):
//!
//! ```text
//! Connecting ──socket open──▶ Authenticating ──paired──▶ Paired
//!     ▲                            │ 4001/401/403            │ lost
//!     └──────── Backoff ◀──────────┴─────── lost ────────────┘
//!                                  ▼
//!                             AuthFailed (stops: no retry can fix a bad token)
//!
//! A socket replaced by another process of the same machine (4000) ends in Replaced.
//! ```

use std::time::Duration;

/// Where the relay client is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting {
        attempt: u32,
    },
    Authenticating,
    Paired {
        connection_id: String,
    },
    Backoff {
        attempt: u32,
        delay: Duration,
    },
    /// The relay refused the token. Terminal.
    AuthFailed {
        reason: String,
    },
    /// Another process signed in as this machine connected and the relay closed this
    /// socket (4000). Terminal.
    Replaced,
    /// Shut down on request. Terminal.
    Stopped,
}

impl ConnectionState {
    pub fn is_paired(&self) -> bool {
        matches!(self, ConnectionState::Paired { .. })
    }
}
