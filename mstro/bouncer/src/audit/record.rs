//! One audit record: the fields ENGINE.md ("Audit") lists.

use mstro_engine::{Evaluation, Layer, Mode, Outcome, Resolution, ToolCall, Verdict};
use serde::{Deserialize, Serialize};

use super::redact::redact;
use crate::review::operation_text;

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
    /// The person who approved or denied it from the browser (layer `person`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    pub latency_us: u64,
    pub mode: Mode,
}

impl AuditRecord {
    /// The record of one resolved call. Session, reviewer and latency are the caller's
    /// to add.
    pub fn new(
        source: &str,
        call: &ToolCall,
        evaluation: &Evaluation,
        resolution: &Resolution,
        reason: String,
        mode: Mode,
    ) -> AuditRecord {
        let j = &evaluation.judgement;
        AuditRecord {
            time: AuditRecord::now(),
            source: source.to_owned(),
            session: None,
            cwd: call.cwd.clone(),
            tool: call.tool_name.clone(),
            operation: AuditRecord::operation_for_log(&operation_text(call)),
            verdict: j.verdict,
            outcome: resolution.outcome,
            layer: resolution.layer,
            rule_ids: j.rule_ids.iter().map(|r| r.to_string()).collect(),
            overridden: evaluation
                .overridden
                .iter()
                .map(|r| r.to_string())
                .collect(),
            reason,
            confidence: resolution.confidence(),
            reviewer: None,
            decided_by: None,
            latency_us: 0,
            mode,
        }
    }

    /// The operation as it may be stored: secrets out, then cut to size.
    pub fn operation_for_log(text: &str) -> String {
        AuditRecord::operation_capped(text, MAX_OPERATION_CHARS)
    }

    /// The operation with secrets out, cut to `max` characters with a note of the
    /// whole length.
    pub fn operation_capped(text: &str, max: usize) -> String {
        let redacted = redact(text);
        if redacted.chars().count() > max {
            let kept: String = redacted.chars().take(max).collect();
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
