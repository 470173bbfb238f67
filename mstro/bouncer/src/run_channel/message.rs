//! The lines on the run's socket.

use serde::{Deserialize, Serialize};

use mstro_protocol::approval::ApprovalOutcome;
use mstro_protocol::event::Decision;

/// One line from the bouncer: the run's token and one message (exactly one of
/// `decision` and `approval`; a line with neither or both is dropped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalAsk>,
}

/// A call the bouncer asks the owner to approve: what the approval card shows, and
/// what "the same operation" means for an approval for the whole session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalAsk {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    pub tool: String,
    /// The operation in full, secrets redacted (see [`crate::mcp`]).
    pub operation: String,
    /// SHA-256 of the tool and its exact input, unredacted: two calls are the same
    /// operation only when this matches (two commands that differ only in a redacted
    /// secret are not).
    pub fingerprint: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
    pub rule_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_reason: Option<String>,
}

/// The run's answer to an [`ApprovalAsk`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalReply {
    pub outcome: ApprovalOutcome,
    /// Who answered, when a person did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The answer is one a person gave earlier in the session for the same operation.
    #[serde(default)]
    pub remembered: bool,
    /// How long the run waited for a person, in seconds (for the reason text).
    #[serde(default)]
    pub waited_secs: u64,
}
