//! A fake of the Anthropic Messages API on loopback, for the real Claude Code CLI
//! (protocol reference §4) and mstro-bouncer's AI reviewer (§5). It is the only part
//! of a session that is not real: the hosted API cannot be reached from the tests, and
//! `mstro up --demo` lets a person try mstro without an API key.
//!
//! - [`reply`]: what a script answers ([`Reply`], [`Block`]).
//! - [`request`]: reading a request (the reviewer's, a sub-agent's, the person's text).
//! - [`server`]: the loopback server ([`FakeApi`]), which records every request.
//! - [`demo`]: the script of `mstro up --demo`.
//!
//! A test scripts the replies and reads the recorded requests back (tool results carry
//! the bouncer's reasons); reviewer requests go to a script of their own, which can
//! answer with any text, any HTTP error, or slowly.

pub mod demo;
pub mod reply;
pub mod request;
pub mod server;
mod sse;

pub use reply::{Block, Reply};
pub use request::{
    AGENT_TOOL, is_review, is_subagent, last_user_text, result_text, review, review_text,
    tool_results,
};
pub use server::FakeApi;
