//! What a tab streams to browsers (MSTRO.md §5, docs/sessions.md): one [`TabEvent`] per
//! thing that happened in a movement (one prompt's run), stamped with the machine's
//! `epoch` and the tab's `seq` when it enters the tab's event log.
//!
//! The same values are stored in history (without the stamp), so a browser renders a
//! live run, a replay and a past session with one reducer.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::approval::{ApprovalRequest, ApprovalResolved};
use crate::tab_settings::TabSettings;

/// One event of a tab, serialised as `{"type": <camelCase variant>, "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
pub enum TabEvent {
    /// A prompt started running.
    MovementStart(MovementStart),
    /// Assistant text, coalesced from the model's deltas.
    Output(TextChunk),
    /// Thinking text, coalesced like output.
    Thinking(TextChunk),
    /// A tool call: its start, its complete input, its result; each once per id.
    ToolUse(ToolUse),
    /// What the bouncer decided about a tool call.
    BouncerDecision(BouncerDecision),
    /// The model's output tokens so far in this movement.
    StreamingTokens(StreamingTokens),
    /// The watchdog's warning: no output for a while.
    MovementWarning(MovementWarning),
    /// The movement ended: completed, or cancelled by a person.
    MovementComplete(MovementComplete),
    /// The movement failed: `claude` missing, crashed, exited non-zero, an API error,
    /// or killed by the watchdog.
    MovementError(MovementError),
    /// The tab became idle or running (or was removed).
    TabStateChanged(TabStateChanged),
    /// A call waits for the owner's approval.
    ApprovalRequest(ApprovalRequest),
    /// An approval request ended: answered, expired, or its run ended.
    ApprovalResolved(ApprovalResolved),
    /// The owner changed the tab's settings: these are its settings now (they apply
    /// from its next run on).
    TabSettingsChanged(TabSettings),
}

impl TabEvent {
    /// The end of a movement that failed before Claude Code reported anything (no
    /// usage, no session to resume).
    pub fn failed_early(movement_id: &str, kind: MovementErrorKind, message: String) -> TabEvent {
        TabEvent::MovementError(MovementError {
            movement_id: movement_id.to_owned(),
            kind,
            message,
            exit_code: None,
            usage: None,
            claude_session_id: None,
            finished_at: crate::timestamp::now(),
        })
    }

    /// The end of a movement stopped before Claude Code started.
    pub fn cancelled_early(movement_id: &str) -> TabEvent {
        TabEvent::MovementComplete(MovementComplete {
            movement_id: movement_id.to_owned(),
            status: MovementStatus::Cancelled,
            result: None,
            usage: None,
            claude_session_id: None,
            finished_at: crate::timestamp::now(),
        })
    }

    /// The browser-facing `type` of this event.
    pub fn kind(&self) -> &'static str {
        match self {
            TabEvent::MovementStart(_) => "movementStart",
            TabEvent::Output(_) => "output",
            TabEvent::Thinking(_) => "thinking",
            TabEvent::ToolUse(_) => "toolUse",
            TabEvent::BouncerDecision(_) => "bouncerDecision",
            TabEvent::StreamingTokens(_) => "streamingTokens",
            TabEvent::MovementWarning(_) => "movementWarning",
            TabEvent::MovementComplete(_) => "movementComplete",
            TabEvent::MovementError(_) => "movementError",
            TabEvent::TabStateChanged(_) => "tabStateChanged",
            TabEvent::ApprovalRequest(_) => "approvalRequest",
            TabEvent::ApprovalResolved(_) => "approvalResolved",
            TabEvent::TabSettingsChanged(_) => "tabSettingsChanged",
        }
    }

    /// The movement this event belongs to (`tabStateChanged` and `tabSettingsChanged`
    /// belong to none).
    pub fn movement_id(&self) -> Option<&str> {
        match self {
            TabEvent::MovementStart(e) => Some(&e.movement_id),
            TabEvent::Output(e) | TabEvent::Thinking(e) => Some(&e.movement_id),
            TabEvent::ToolUse(e) => Some(&e.movement_id),
            TabEvent::BouncerDecision(e) => Some(&e.movement_id),
            TabEvent::StreamingTokens(e) => Some(&e.movement_id),
            TabEvent::MovementWarning(e) => Some(&e.movement_id),
            TabEvent::MovementComplete(e) => Some(&e.movement_id),
            TabEvent::MovementError(e) => Some(&e.movement_id),
            TabEvent::ApprovalRequest(e) => Some(&e.movement_id),
            TabEvent::ApprovalResolved(e) => Some(&e.movement_id),
            TabEvent::TabStateChanged(_) | TabEvent::TabSettingsChanged(_) => None,
        }
    }

    /// Does this event end its movement?
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TabEvent::MovementComplete(_) | TabEvent::MovementError(_)
        )
    }

    /// The event's `data` object.
    pub fn data(&self) -> Value {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut o)) => o.remove("data").unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }
}

/// `movementStart`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct MovementStart {
    pub movement_id: String,
    /// The browser's id for the prompt (de-duplication).
    pub msg_id: String,
    pub prompt: String,
    /// RFC 3339.
    pub started_at: String,
    /// The Claude Code session resumed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<String>,
    /// Where the prompt's attached files were saved, relative to the workspace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(as = "Option<Vec<String>>"))]
    pub attachments: Vec<String>,
}

/// `output` and `thinking`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct TextChunk {
    pub movement_id: String,
    pub text: String,
    /// Set for a sub-agent's text: the `Task`/`Agent` tool call it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_tool_use_id: Option<String>,
}

/// Which step of a tool call a [`ToolUse`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ToolPhase {
    Start,
    Input,
    Result,
}

/// `toolUse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct ToolUse {
    pub movement_id: String,
    pub phase: ToolPhase,
    pub tool_use_id: String,
    /// The tool's name (`Bash`, `Read`, `mcp__srv__tool`); empty on a result whose
    /// start was never seen.
    pub name: String,
    /// `input` phase: the complete input object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(type = "unknown"))]
    pub input: Option<Value>,
    /// `result` phase: the result text (cut to a bound; see `truncated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    /// The result text was longer than what is sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(test, ts(as = "Option<bool>"))]
    pub truncated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_tool_use_id: Option<String>,
}

/// `bouncerDecision`: one decision of `mstro-bouncer mcp` for this movement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct BouncerDecision {
    pub movement_id: String,
    #[serde(flatten)]
    pub decision: Decision,
}

/// What the bouncer decided about one tool call, as `mstro-bouncer mcp` reports it
/// (`mstro_bouncer::run_channel`) and browsers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// The tool call decided, when Claude Code said which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    pub tool: String,
    /// The operation judged (a command, `write <path>`, a URL...), secrets redacted.
    pub operation: String,
    /// The engine's verdict: `allow`, `review` or `deny`.
    pub verdict: String,
    /// What the session was told: `allow` or `deny`.
    pub outcome: String,
    /// Why, as the model was told (with the excerpt, the rules and the safer way).
    pub reason: String,
    /// The rules' own reason, without the wording for the model: what a person reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_reason: Option<String>,
    pub rule_ids: Vec<String>,
    /// Which layer decided: `rule`, `default`, `cache`, `ai`, `ai-error`, `budget`,
    /// `person`.
    pub layer: String,
    pub latency_ms: f64,
    /// The AI reviewer's own reasoning, when it decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_reason: Option<String>,
    /// The safer way to get the same done, when the rule knows one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
    /// Who approved or denied it from the browser, when a person decided (layer
    /// `person`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// `streamingTokens`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct StreamingTokens {
    pub movement_id: String,
    /// Output tokens of this movement so far (all turns, sub-agents included).
    pub output_tokens: u64,
}

/// `movementWarning`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct MovementWarning {
    pub movement_id: String,
    pub message: String,
    /// Seconds without output when the warning was raised.
    pub silent_secs: u64,
}

/// How a movement that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum MovementStatus {
    Completed,
    Cancelled,
}

/// Token counts and cost, from Claude Code's `result` line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(default)]
    pub cache_read_input_tokens: u64,
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
    pub cost_usd: f64,
    pub duration_ms: u64,
    #[serde(default)]
    pub num_turns: u64,
}

/// `movementComplete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct MovementComplete {
    pub movement_id: String,
    pub status: MovementStatus,
    /// The final answer text (Claude Code's `result.result`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Absent when the run ended before Claude Code reported (a cancel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Claude Code's session id, to `--resume` next time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claude_session_id: Option<String>,
    pub finished_at: String,
}

/// Why a movement failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MovementErrorKind {
    /// `claude` could not be started (not installed, not executable).
    ClaudeMissing,
    /// Claude Code reported an error (`is_error: true`): API errors, max turns...
    ClaudeError,
    /// `claude` exited without a `result` line, or non-zero, or on a signal.
    Crashed,
    /// The watchdog killed a run that produced no output for too long.
    Stalled,
    /// mstro could not prepare the run (MCP config, bouncer binary).
    Setup,
    /// mstro itself failed during the run (a bug); the run was stopped.
    Internal,
}

/// `movementError`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct MovementError {
    pub movement_id: String,
    pub kind: MovementErrorKind,
    /// What happened and what to do, for a person.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claude_session_id: Option<String>,
    pub finished_at: String,
}

/// A tab's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum TabState {
    Idle,
    Running,
    Removed,
}

/// `tabStateChanged`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct TabStateChanged {
    pub state: TabState,
    /// The history session the tab shows (absent before its first prompt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_serialise_as_type_and_data() {
        let e = TabEvent::Output(TextChunk {
            movement_id: "m1".into(),
            text: "hi".into(),
            parent_tool_use_id: None,
        });
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"type": "output", "data": {"movementId": "m1", "text": "hi"}})
        );
        assert_eq!(e.kind(), "output");
        assert_eq!(e.data(), json!({"movementId": "m1", "text": "hi"}));
        let back: TabEvent = serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }
}
