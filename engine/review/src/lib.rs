//! `mstro-review`: the AI reviewer, a second opinion on `review` verdicts.
//!
//! Three backends sit behind [`Reviewer`]: the Anthropic Messages API
//! ([`AnthropicReviewer`]), the `claude -p` CLI with the person's own login
//! ([`ClaudeCliReviewer`]) and any OpenAI-compatible chat endpoint such as a local model
//! ([`OpenAiReviewer`]). All of them get the same prompt ([`prompt`]), which marks every
//! piece of the operation as untrusted data, and all of their answers go through the same
//! strict parser ([`answer`]): anything but the exact JSON object asked for is a
//! [`ReviewError`], and what a consumer does with an error is the policy's business
//! (`mstro_engine::policy`), never an allow.
//!
//! The contract (request, trait, prompt, answer, errors) is the engine's
//! (`mstro_engine::review`), re-exported here; this crate holds the network and process
//! code, so the engine has none.

mod anthropic;
mod claude_cli;
mod openai;
mod retry;
mod select;

pub use mstro_engine::review::{
    Escalation, ReviewAnswer, ReviewDecision, ReviewError, ReviewRequest, Reviewer, ThreatLevel,
    answer, prompt,
};

pub use anthropic::{AnthropicReviewer, Credential};
pub use claude_cli::ClaudeCliReviewer;
pub use openai::OpenAiReviewer;
pub use select::{
    Availability, DEFAULT_CONFIDENCE_THRESHOLD, DEFAULT_TIMEOUT, confidence_threshold,
    select_reviewer,
};
