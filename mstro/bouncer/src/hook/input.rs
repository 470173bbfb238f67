//! The PreToolUse event Claude Code writes to the hook's stdin. Unknown fields are
//! ignored: Claude Code adds new ones in patch releases.

use std::io::Read;

use serde::Deserialize;
use serde_json::Value;

/// Largest hook input read; anything longer is denied, not truncated.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// The fields of a hook event the bouncer uses.
#[derive(Debug, Clone, Deserialize)]
pub struct HookInput {
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub transcript_path: Option<String>,
    #[serde(default)]
    pub cwd: Option<String>,
    #[serde(default)]
    pub hook_event_name: Option<String>,
    pub tool_name: String,
    #[serde(default)]
    pub tool_input: Value,
}

/// Why the input could not be used.
#[derive(Debug, PartialEq, Eq)]
pub enum InputProblem {
    Empty,
    TooLarge,
    Unreadable(String),
    Malformed(String),
}

impl InputProblem {
    pub fn describe(&self) -> String {
        match self {
            InputProblem::Empty => "the hook received no input".into(),
            InputProblem::TooLarge => {
                format!("the hook input is larger than {} bytes", MAX_INPUT_BYTES)
            }
            InputProblem::Unreadable(e) => format!("the hook input could not be read: {e}"),
            InputProblem::Malformed(e) => {
                format!("the hook input is not a valid PreToolUse event: {e}")
            }
        }
    }
}

/// Read and parse one event from `reader`, reading at most one byte past the limit.
pub fn read(reader: impl Read) -> Result<HookInput, InputProblem> {
    let mut buf = Vec::new();
    reader
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| InputProblem::Unreadable(e.to_string()))?;
    if buf.len() > MAX_INPUT_BYTES {
        return Err(InputProblem::TooLarge);
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Err(InputProblem::Empty);
    }
    let value: serde_json::Value =
        serde_json::from_slice(&buf).map_err(|e| InputProblem::Malformed(e.to_string()))?;
    if !value.is_object() {
        return Err(InputProblem::Malformed("it must be a JSON object".into()));
    }
    serde_json::from_value(value).map_err(|e| InputProblem::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_unknown_fields() {
        let json = r#"{"session_id":"s","transcript_path":"/t","cwd":"/p","prompt_id":"x","permission_mode":"default","effort":{"level":"high"},"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls","description":"d"},"tool_use_id":"t","brand_new":1}"#;
        let input = read(json.as_bytes()).unwrap();
        assert_eq!(input.tool_name, "Bash");
        assert_eq!(input.cwd.as_deref(), Some("/p"));
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(read(&b""[..]).unwrap_err(), InputProblem::Empty);
        assert_eq!(read(&b"  \n"[..]).unwrap_err(), InputProblem::Empty);
        assert!(matches!(
            read(&b"{"[..]).unwrap_err(),
            InputProblem::Malformed(_)
        ));
        assert!(matches!(
            read(&b"[]"[..]).unwrap_err(),
            InputProblem::Malformed(_)
        ));
        assert!(matches!(
            read(&br#"{"tool_input":{}}"#[..]).unwrap_err(),
            InputProblem::Malformed(_)
        ));
        let big = vec![b' '; MAX_INPUT_BYTES + 10];
        assert_eq!(read(&big[..]).unwrap_err(), InputProblem::TooLarge);
    }
}
