//! One audit record: the fields ENGINE.md ("Audit") lists.

use mstro_engine::{Layer, Mode, Outcome, Verdict};
use serde::{Deserialize, Serialize};

use super::redact::redact;

/// The longest operation kept, after redaction.
pub const MAX_OPERATION_CHARS: usize = 2000;

/// One decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// RFC 3339, UTC, microseconds.
    pub time: String,
    /// Which consumer decided: `hook` or `mcp`.
    pub source: String,
    pub session: Option<String>,
    pub cwd: Option<String>,
    pub tool: String,
    /// The operation, secrets redacted, length capped.
    pub operation: String,
    /// The engine's verdict.
    pub verdict: Verdict,
    /// What finally happened.
    pub outcome: Outcome,
    pub layer: Layer,
    pub rule_ids: Vec<String>,
    /// `critical` rules switched off by `critical_overrides` that would have fired.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overridden: Vec<String>,
    pub reason: String,
    /// The reviewer's confidence, when a reviewer answered.
    pub confidence: Option<u8>,
    /// The reviewer that took part, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    pub latency_us: u64,
    pub mode: Mode,
}

impl AuditRecord {
    /// The operation as it may be stored: secrets out, then cut to size.
    pub fn operation_for_log(text: &str) -> String {
        let redacted = redact(text);
        if redacted.chars().count() > MAX_OPERATION_CHARS {
            let kept: String = redacted.chars().take(MAX_OPERATION_CHARS).collect();
            format!("{kept}… [{} chars]", redacted.chars().count())
        } else {
            redacted.into_owned()
        }
    }

    /// The current time in the record's format.
    pub fn now() -> String {
        humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string()
    }
}
