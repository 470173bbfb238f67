//! One line of Claude Code's `--output-format stream-json --verbose` output, parsed.
//!
//! The format is NDJSON: one object per line, tagged by `type`
//! (`/work/shared/reference/claude-code-protocols.md` §3). Claude Code adds fields and
//! whole line types in patch releases, so every type here is tolerant:
//!
//! - no `deny_unknown_fields` anywhere;
//! - line types we do not read become [`Line::Other`];
//! - content blocks are parsed one by one, and a block that does not fit becomes
//!   [`ContentBlock::Unknown`] instead of failing its whole line;
//! - every field of the [`ResultLine`] (the one line the run's outcome depends on) falls
//!   back to its default when its value has an unexpected shape.
//!
//! Only lines that are not JSON objects, have no string `type`, or miss what a known type
//! cannot do without (an `assistant` line without `message`) fail to parse.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

/// One stream-json line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    /// `system/*`: `init`, `status`, `api_retry`, hook events, task events, and more.
    System(SystemLine),
    /// One content block of a model reply (one line per block, shared `message.id`).
    Assistant(MessageLine),
    /// Tool results (and, with stream-json input, echoed prompts).
    User(MessageLine),
    /// A raw Anthropic SSE event (only with `--include-partial-messages`).
    StreamEvent(StreamEventLine),
    /// The run's outcome, always the last line of a prompt's cycle.
    Result(ResultLine),
    /// Any other `type` (`rate_limit_event`, `tool_progress`, `control_request`, ...).
    #[serde(other)]
    Other,
}

impl Line {
    /// Parses one line (without its newline).
    pub fn parse(line: &str) -> Result<Line, serde_json::Error> {
        serde_json::from_str(line)
    }

    /// Parses an already decoded JSON value.
    pub fn from_value(value: Value) -> Result<Line, serde_json::Error> {
        Line::deserialize(value)
    }
}

/// A `system` line, kept generic: there are many subtypes and they change often.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SystemLine {
    /// `init`, `status`, `api_retry`, `hook_started`... (empty if absent).
    #[serde(default, deserialize_with = "lenient")]
    pub subtype: String,
    /// Every other field (`session_id`, `cwd`, `tools`, `model`...), `type` excepted.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl SystemLine {
    /// The line's `session_id`, if it has a non-empty one.
    pub fn session_id(&self) -> Option<&str> {
        self.fields
            .get("session_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// An `assistant` or `user` line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MessageLine {
    pub message: Message,
    /// Set on a sub-agent's lines: the `Task`/`Agent` tool call that started it.
    #[serde(default, deserialize_with = "lenient")]
    pub parent_tool_use_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub session_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub uuid: Option<String>,
    /// `assistant` only: set on the synthetic message Claude Code writes for an API error
    /// (`"unknown"`, `"server_error"`, `"authentication_failed"`...).
    #[serde(default, deserialize_with = "lenient")]
    pub error: Option<String>,
    /// `user` only: the structured, tool-specific result (Bash `{stdout, stderr, ...}`, or
    /// the string `"Error: ..."`).
    #[serde(default)]
    pub tool_use_result: Option<Value>,
    /// `user` only, with `--replay-user-messages`: an echo of a prompt read from stdin.
    #[serde(default, rename = "isReplay", deserialize_with = "lenient")]
    pub is_replay: bool,
}

/// The `message` of an `assistant` or `user` line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Message {
    /// The API message id (`msg_...`); absent on `user` messages.
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub role: Option<String>,
    /// `<synthetic>` on the message Claude Code makes up for an API error.
    #[serde(default, deserialize_with = "lenient")]
    pub model: Option<String>,
    /// The blocks; a plain string content (a prompt) is read as one text block.
    #[serde(default, deserialize_with = "content_blocks")]
    pub content: Vec<ContentBlock>,
    #[serde(default, deserialize_with = "lenient")]
    pub stop_reason: Option<String>,
    /// On `assistant` lines this is the `message_start` usage (`output_tokens: 1`), not
    /// the reply's total: take totals from `result.usage`.
    #[serde(default, deserialize_with = "lenient")]
    pub usage: Option<TokenUsage>,
}

/// One content block of a message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    Text {
        #[serde(default)]
        text: String,
    },
    Thinking {
        #[serde(default)]
        thinking: String,
    },
    /// A client tool call. (Server tools such as web search come as `server_tool_use`,
    /// answered inside the same message, and are [`ContentBlock::Unknown`] here.)
    ToolUse {
        id: String,
        #[serde(default)]
        name: String,
        /// The complete input on `assistant` lines; `{}` in `content_block_start`.
        #[serde(default)]
        input: Value,
    },
    ToolResult {
        tool_use_id: String,
        #[serde(default)]
        content: ToolResultContent,
        #[serde(default, deserialize_with = "lenient")]
        is_error: bool,
    },
    /// Any other block (`redacted_thinking`, `image`, `server_tool_use`...) or a known one
    /// that does not fit.
    #[serde(other)]
    Unknown,
}

/// A `tool_result`'s `content`: a string, or an array of blocks (a notebook `Read`, an
/// image, an MCP tool's several results).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ToolResultContent {
    Text(String),
    /// The blocks as sent; see [`ToolResultContent::to_text`].
    Blocks(Vec<Value>),
    /// Absent or `null`.
    #[default]
    Empty,
}

impl ToolResultContent {
    /// The result as one text: text blocks joined with `"\n"`, an image as `[image]`,
    /// any other block as `[<its type>]`.
    pub fn to_text(&self) -> String {
        match self {
            ToolResultContent::Text(s) => s.clone(),
            ToolResultContent::Empty => String::new(),
            ToolResultContent::Blocks(blocks) => {
                let parts: Vec<String> = blocks
                    .iter()
                    .filter_map(|b| match b.get("type").and_then(Value::as_str) {
                        Some("text") => Some(
                            b.get("text")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                        ),
                        Some(kind) => Some(format!("[{kind}]")),
                        None => b.as_str().map(str::to_owned),
                    })
                    .collect();
                parts.join("\n")
            }
        }
    }
}

impl<'de> Deserialize<'de> for ToolResultContent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => ToolResultContent::Empty,
            Value::String(s) => ToolResultContent::Text(s),
            Value::Array(a) => ToolResultContent::Blocks(a),
            // Not seen; keep whatever it is rather than losing the result.
            other => ToolResultContent::Text(other.to_string()),
        })
    }
}

/// Token counts as the API reports them (`message_start`, `message_delta`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
pub struct TokenUsage {
    #[serde(default, deserialize_with = "opt_count")]
    pub input_tokens: Option<u64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub output_tokens: Option<u64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub cache_creation_input_tokens: Option<u64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub cache_read_input_tokens: Option<u64>,
}

/// A `stream_event` line: `{"type":"stream_event","event":<SSE data>,...}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StreamEventLine {
    pub event: StreamEvent,
    #[serde(default, deserialize_with = "lenient")]
    pub parent_tool_use_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub session_id: Option<String>,
}

/// The raw Anthropic Messages API streaming event inside a `stream_event` line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    MessageStart {
        message: StreamMessage,
    },
    ContentBlockStart {
        #[serde(default, deserialize_with = "lenient")]
        index: u64,
        #[serde(deserialize_with = "content_block")]
        content_block: ContentBlock,
    },
    ContentBlockDelta {
        #[serde(default, deserialize_with = "lenient")]
        index: u64,
        delta: Delta,
    },
    ContentBlockStop {
        #[serde(default, deserialize_with = "lenient")]
        index: u64,
    },
    /// The reply's end: stop reason and its running `usage.output_tokens`.
    MessageDelta {
        #[serde(default, deserialize_with = "lenient")]
        usage: Option<TokenUsage>,
    },
    MessageStop,
    Ping,
    #[serde(other)]
    Other,
}

/// The `message` of a `message_start` event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StreamMessage {
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub usage: Option<TokenUsage>,
}

/// The `delta` of a `content_block_delta` event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delta {
    TextDelta {
        #[serde(default)]
        text: String,
    },
    ThinkingDelta {
        #[serde(default)]
        thinking: String,
    },
    /// A piece of a tool call's input JSON (the complete input comes on the `assistant`
    /// line).
    InputJsonDelta {
        #[serde(default)]
        partial_json: String,
    },
    SignatureDelta {
        #[serde(default)]
        signature: String,
    },
    #[serde(other)]
    Other,
}

/// The `result` line. Every field is tolerant: a value of an unexpected shape reads as
/// absent, because losing this line would turn a finished run into a crash.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ResultLine {
    /// `success`, `error_during_execution`, `error_max_turns`, `error_max_budget_usd`,
    /// `error_max_structured_output_retries`. API errors are `success` + `is_error`.
    #[serde(default, deserialize_with = "lenient")]
    pub subtype: String,
    #[serde(default, deserialize_with = "lenient")]
    pub is_error: bool,
    /// The final answer text; absent on the `error_*` subtypes.
    #[serde(default, deserialize_with = "lenient")]
    pub result: Option<String>,
    /// The `error_*` subtypes' messages.
    #[serde(default, deserialize_with = "strings")]
    pub errors: Vec<String>,
    /// The HTTP status of an API error.
    #[serde(default, deserialize_with = "opt_count")]
    pub api_error_status: Option<u64>,
    /// `completed`, `max_turns`, `aborted_tools`, `prompt_too_long`, `model_error`...
    #[serde(default, deserialize_with = "lenient")]
    pub terminal_reason: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub stop_reason: Option<String>,
    /// The movement's totals.
    #[serde(default, deserialize_with = "lenient")]
    pub usage: Option<TokenUsage>,
    #[serde(default, deserialize_with = "lenient")]
    pub total_cost_usd: Option<f64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub num_turns: Option<u64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub duration_ms: Option<u64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub duration_api_ms: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    pub session_id: Option<String>,
    /// Tool calls refused during the run (`{tool_name, tool_use_id, tool_input}`).
    #[serde(default, deserialize_with = "lenient")]
    pub permission_denials: Vec<Value>,
    /// Every other field (`modelUsage`, `structured_output`, `uuid`...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResultLine {
    /// A person-readable summary of what went wrong: the `result` text if there is one,
    /// else the `errors` joined with `"; "`, else the subtype.
    pub fn error_message(&self) -> String {
        match &self.result {
            Some(r) if !r.is_empty() => r.clone(),
            _ if !self.errors.is_empty() => self.errors.join("; "),
            _ => self.subtype.clone(),
        }
    }
}

/// Reads any value, and falls back to `T::default()` when it does not fit `T`.
fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let v = Value::deserialize(d)?;
    Ok(T::deserialize(v).unwrap_or_default())
}

/// A count: a non-negative integer, or a float rounded; anything else is `None`.
fn opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                // Saturating float-to-int cast; fine for counts.
                .map(|f| f.round() as u64)
        }),
        _ => None,
    })
}

/// A list of strings; a non-string item is kept as its JSON text.
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
        Value::String(s) => vec![s],
        _ => Vec::new(),
    })
}

/// One block, [`ContentBlock::Unknown`] if it does not fit.
fn block_from_value(v: Value) -> ContentBlock {
    ContentBlock::deserialize(v).unwrap_or(ContentBlock::Unknown)
}

fn content_block<'de, D: Deserializer<'de>>(d: D) -> Result<ContentBlock, D::Error> {
    Ok(block_from_value(Value::deserialize(d)?))
}

/// A message's `content`: an array of blocks parsed one by one, or a plain string.
fn content_blocks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ContentBlock>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.into_iter().map(block_from_value).collect(),
        Value::String(text) => vec![ContentBlock::Text { text }],
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unit_variants_accept_extra_fields() {
        let l = Line::parse(
            r#"{"type":"stream_event","event":{"type":"message_stop","x":1},"session_id":"s"}"#,
        )
        .unwrap();
        assert!(matches!(
            l,
            Line::StreamEvent(StreamEventLine {
                event: StreamEvent::MessageStop,
                ..
            })
        ));
        let l =
            Line::parse(r#"{"type":"rate_limit_event","rate_limit_info":{"status":"allowed"}}"#)
                .unwrap();
        assert_eq!(l, Line::Other);
    }

    #[test]
    fn bad_blocks_do_not_fail_the_line() {
        let l = Line::from_value(json!({
            "type": "assistant",
            "message": {"id": "m", "content": [
                {"type": "tool_use", "name": "Bash"},
                {"type": "redacted_thinking", "data": "x"},
                {"type": "text", "text": "hi"},
                7
            ]}
        }))
        .unwrap();
        let Line::Assistant(m) = l else { panic!() };
        assert_eq!(
            m.message.content,
            vec![
                ContentBlock::Unknown,
                ContentBlock::Unknown,
                ContentBlock::Text { text: "hi".into() },
                ContentBlock::Unknown
            ]
        );
    }

    #[test]
    fn result_fields_are_tolerant() {
        let l = Line::from_value(json!({
            "type": "result", "subtype": 3, "is_error": "yes", "errors": ["a", {"b": 1}],
            "duration_ms": 12.6, "num_turns": -1, "usage": "?", "total_cost_usd": 1,
            "modelUsage": {}
        }))
        .unwrap();
        let Line::Result(r) = l else { panic!() };
        assert_eq!(r.subtype, "");
        assert!(!r.is_error);
        assert_eq!(r.errors, vec!["a".to_string(), r#"{"b":1}"#.to_string()]);
        assert_eq!(r.duration_ms, Some(13));
        assert_eq!(r.num_turns, None);
        assert_eq!(r.usage, None);
        assert_eq!(r.total_cost_usd, Some(1.0));
        assert!(r.extra.contains_key("modelUsage"));
        assert!(!r.extra.contains_key("type"));
    }
}
