//! How `mstro-bouncer mcp`, started by Claude Code for a session that `mstro` runs,
//! talks to that run: one JSON line per message on a Unix socket the run listens on
//! (0600, in a 0700 directory), each carrying a per-run token.
//!
//! - a [`Decision`](mstro_protocol::event::Decision) is reported for the person
//!   watching; reporting never changes a decision (a report that cannot be sent is
//!   logged by the bouncer and the decision stands);
//! - an [`ApprovalAsk`] asks the run's owner to approve a call the bouncer would
//!   otherwise deny; the run answers on the same connection with an [`ApprovalReply`]
//!   by its deadline at the latest. Anything but an approving reply denies.
//!
//! A line without the run's token is dropped by the run.
//!
//! - [`message`]: the lines.
//! - [`reporter`]: the bouncer's side.
//! - [`listener`]: the run's side.

pub mod listener;
pub mod message;
pub mod reporter;

pub use listener::{FromBouncer, PendingApproval, RunListener};
pub use message::{ApprovalAsk, ApprovalReply, Line};
pub use reporter::{AskError, Reporter};

/// The socket's path, for the bouncer.
pub const SOCKET_ENV: &str = "MSTRO_DECISION_SOCKET";
/// The run's token, for the bouncer.
pub const TOKEN_ENV: &str = "MSTRO_DECISION_TOKEN";
/// The longest line read, either way; longer ones end the connection.
pub const MAX_LINE: usize = 64 * 1024;
