//! The AI reviewer's contract: a second opinion on `review` verdicts.
//!
//! What a reviewer is shown ([`ReviewRequest`]), the [`Reviewer`] trait, the prompt
//! ([`prompt`]), which marks every piece of the operation as untrusted data, and the
//! strict parser every answer goes through ([`answer`]): anything but the exact JSON
//! object asked for is a [`ReviewError`], and what a consumer does with an error is the
//! policy's business (`crate::policy`), never an allow.
//!
//! The backends that talk to a model (the Anthropic Messages API, the `claude -p` CLI,
//! OpenAI-compatible endpoints) live in the `mstro-review` crate (`engine/review`), so
//! that the engine has no network code.

pub mod answer;
pub mod prompt;

pub use answer::{ReviewAnswer, ReviewDecision, ThreatLevel};

use std::time::Duration;

use thiserror::Error;

/// What the reviewer is shown. Every field except `escalation` comes from the agent, the
/// repository or the person's transcript: untrusted.
#[derive(Debug, Clone, Default)]
pub struct ReviewRequest {
    /// The tool the agent wants to use (`Bash`, `Write`, `mcp__github__create_issue`).
    pub tool: String,
    /// The operation: the command, or the path and content, or the tool input as JSON.
    pub operation: String,
    /// Why the engine escalated it: the rule ids that fired and the engine's reason.
    pub escalation: Escalation,
    /// The working directory of the call.
    pub cwd: String,
    /// What the person last asked the agent for, when known.
    pub user_request: Option<String>,
}

/// The engine's case for a second opinion.
#[derive(Debug, Clone, Default)]
pub struct Escalation {
    pub rule_ids: Vec<String>,
    pub reason: String,
}

/// A reviewer backend. Implementations are blocking and bounded in time: each call
/// returns within about `2 × timeout` (one retry), whatever the other side does.
pub trait Reviewer: Send + Sync {
    /// A short name for logs and audit records, e.g. `anthropic:claude-haiku-4-5`.
    fn name(&self) -> String;
    /// Ask for a decision. Every way of not getting a well-formed answer is an error.
    fn review(&self, request: &ReviewRequest) -> Result<ReviewAnswer, ReviewError>;
}

/// Why a reviewer gave no usable answer. Every one of these is a reviewer failure:
/// the policy turns it into `ask` or `deny`, never `allow`.
#[derive(Debug, Error)]
pub enum ReviewError {
    #[error("the reviewer did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the reviewer endpoint answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("the reviewer could not be reached: {0}")]
    Transport(String),
    #[error("the reviewer refused to answer")]
    Refusal,
    #[error("the reviewer's answer was cut off (max_tokens)")]
    Truncated,
    #[error("the reviewer's answer is not a single text block (first block: {0})")]
    NotText(String),
    #[error("the reviewer's answer is not the JSON asked for: {0}")]
    Malformed(String),
    #[error("no reviewer is available: {0}")]
    Unavailable(String),
    #[error("the reviewer process failed: {0}")]
    Process(String),
}

impl ReviewError {
    /// Worth one more try: the other side may answer next time.
    pub fn is_transient(&self) -> bool {
        match self {
            ReviewError::Timeout(_) => true,
            ReviewError::Http { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}
