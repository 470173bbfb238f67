//! Tool calls as the engine sees them: one [`Operation`] per call, whatever tool made it.

mod mcp;
mod tool;

pub use mcp::{Derived, MAX_DERIVED, derived as mcp_derived};
pub use tool::ToolKind;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::path::{PathEnv, absolutize, expand_home_prefix, resolve_dotdot};

/// A tool call as Claude Code reports it (hook stdin, permission-prompt tool, `check --jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub tool_name: String,
    #[serde(default)]
    pub tool_input: Value,
    /// The session's working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

impl ToolCall {
    pub fn bash(command: impl Into<String>) -> Self {
        ToolCall {
            tool_name: "Bash".into(),
            tool_input: serde_json::json!({ "command": command.into() }),
            cwd: None,
        }
    }

    pub fn with_cwd(mut self, cwd: impl Into<String>) -> Self {
        self.cwd = Some(cwd.into());
        self
    }
}

/// What a tool call does, normalised. Paths are absolute and lexically resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Operation {
    Bash {
        command: String,
    },
    Write {
        path: String,
        content: String,
    },
    /// `Edit` and the older `MultiEdit`: the replacement texts, and the texts they
    /// replace (what the edit removes).
    Edit {
        path: String,
        new_text: String,
        old_text: String,
        multi: bool,
        /// Each replacement: `(old, new, replace_all)`, in order; what the file holds
        /// after them is what the edit leaves.
        #[serde(skip)]
        edits: Vec<(String, String, bool)>,
    },
    Read {
        path: String,
    },
    NotebookEdit {
        path: String,
        source: String,
        /// The cell holds code the kernel runs: not a `markdown` cell, not a delete.
        #[serde(skip)]
        code: bool,
    },
    Glob {
        pattern: String,
        path: Option<String>,
    },
    Grep {
        pattern: String,
        path: Option<String>,
        glob: Option<String>,
    },
    WebFetch {
        url: String,
        /// What to ask of the page; sent along with it.
        prompt: String,
    },
    WebSearch {
        query: String,
    },
    /// A sub-agent (`Agent`, alias `Task`); its own tool calls are judged one by one.
    Agent {
        prompt: String,
    },
    TodoWrite,
    /// `mcp__server__tool`. A `command` string in the input is also judged as shell.
    Mcp {
        server: String,
        tool: String,
        input: Value,
        command: Option<String>,
    },
    /// A tool the engine has no model for.
    Other {
        tool: String,
        input: Value,
    },
}

/// A tool call whose input does not have the shape its tool requires.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{tool} input: {problem}")]
pub struct InputError {
    pub tool: String,
    pub problem: String,
}

impl Operation {
    /// Normalise a tool call. `cwd` resolves relative paths; `~` and `$HOME` resolve
    /// against `env.home`.
    pub fn from_call(call: &ToolCall, env: &PathEnv) -> Result<Operation, InputError> {
        let input = &call.tool_input;
        let kind = ToolKind::from_name(&call.tool_name);
        let err = |problem: &str| InputError {
            tool: call.tool_name.clone(),
            problem: problem.to_owned(),
        };
        let string = |field: &str| -> Result<String, InputError> {
            match input.get(field) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(err(&format!("`{field}` must be a string"))),
                None => Err(err(&format!("`{field}` is required"))),
            }
        };
        let optional = |field: &str| -> Result<Option<String>, InputError> {
            match input.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(err(&format!("`{field}` must be a string"))),
            }
        };
        let cwd = call.cwd.as_deref();
        let path = |raw: String| resolve_path(&raw, env, cwd);
        if !matches!(kind, ToolKind::Other | ToolKind::Mcp) && !input.is_object() {
            return Err(err("tool_input must be an object"));
        }
        Ok(match kind {
            ToolKind::Bash => Operation::Bash {
                command: string("command")?,
            },
            ToolKind::Write => Operation::Write {
                path: path(string("file_path")?),
                content: string("content")?,
            },
            ToolKind::Edit => {
                let new_text = string("new_string")?;
                let old_text = optional("old_string")?.unwrap_or_default();
                let all = input.get("replace_all").and_then(Value::as_bool) == Some(true);
                Operation::Edit {
                    path: path(string("file_path")?),
                    edits: vec![(old_text.clone(), new_text.clone(), all)],
                    new_text,
                    old_text,
                    multi: false,
                }
            }
            ToolKind::MultiEdit => {
                let edits = input
                    .get("edits")
                    .and_then(Value::as_array)
                    .ok_or_else(|| err("`edits` must be a list"))?;
                let mut new_text = String::new();
                let mut old_text = String::new();
                let mut each = Vec::new();
                for e in edits {
                    let s = e
                        .get("new_string")
                        .and_then(Value::as_str)
                        .ok_or_else(|| err("every edit needs a string `new_string`"))?;
                    new_text.push_str(s);
                    new_text.push('\n');
                    if let Some(old) = e.get("old_string").and_then(Value::as_str) {
                        old_text.push_str(old);
                        old_text.push('\n');
                    }
                    let old = e.get("old_string").and_then(Value::as_str).unwrap_or("");
                    let all = e.get("replace_all").and_then(Value::as_bool) == Some(true);
                    each.push((old.to_owned(), s.to_owned(), all));
                }
                Operation::Edit {
                    path: path(string("file_path")?),
                    new_text,
                    old_text,
                    multi: true,
                    edits: each,
                }
            }
            ToolKind::Read => Operation::Read {
                path: path(string("file_path")?),
            },
            ToolKind::NotebookEdit => Operation::NotebookEdit {
                path: path(string("notebook_path")?),
                source: optional("new_source")?.unwrap_or_default(),
                code: optional("cell_type")?.as_deref() != Some("markdown")
                    && optional("edit_mode")?.as_deref() != Some("delete"),
            },
            ToolKind::Glob => Operation::Glob {
                pattern: string("pattern")?,
                path: optional("path")?.map(path),
            },
            ToolKind::Grep => Operation::Grep {
                pattern: string("pattern")?,
                path: optional("path")?.map(path),
                glob: optional("glob")?,
            },
            ToolKind::WebFetch => Operation::WebFetch {
                url: string("url")?,
                prompt: optional("prompt")?.unwrap_or_default(),
            },
            ToolKind::WebSearch => Operation::WebSearch {
                query: string("query")?,
            },
            ToolKind::Agent => Operation::Agent {
                prompt: optional("prompt")?.unwrap_or_default(),
            },
            ToolKind::TodoWrite => Operation::TodoWrite,
            ToolKind::Mcp => {
                let (server, tool) = tool::split_mcp_name(&call.tool_name)
                    .ok_or_else(|| err("MCP tool names have the form mcp__server__tool"))?;
                let command = ["command", "cmd"]
                    .iter()
                    .find_map(|k| input.get(*k).and_then(Value::as_str))
                    .map(str::to_owned);
                Operation::Mcp {
                    server,
                    tool,
                    input: input.clone(),
                    command,
                }
            }
            ToolKind::Other => Operation::Other {
                tool: call.tool_name.clone(),
                input: input.clone(),
            },
        })
    }

    pub fn kind(&self) -> ToolKind {
        match self {
            Operation::Bash { .. } => ToolKind::Bash,
            Operation::Write { .. } => ToolKind::Write,
            Operation::Edit { multi: false, .. } => ToolKind::Edit,
            Operation::Edit { multi: true, .. } => ToolKind::MultiEdit,
            Operation::Read { .. } => ToolKind::Read,
            Operation::NotebookEdit { .. } => ToolKind::NotebookEdit,
            Operation::Glob { .. } => ToolKind::Glob,
            Operation::Grep { .. } => ToolKind::Grep,
            Operation::WebFetch { .. } => ToolKind::WebFetch,
            Operation::WebSearch { .. } => ToolKind::WebSearch,
            Operation::Agent { .. } => ToolKind::Agent,
            Operation::TodoWrite => ToolKind::TodoWrite,
            Operation::Mcp { .. } => ToolKind::Mcp,
            Operation::Other { .. } => ToolKind::Other,
        }
    }

    /// The text a verdict's span points into: the command, the path, the URL, ...
    pub fn primary_text(&self) -> &str {
        match self {
            Operation::Bash { command } => command,
            Operation::Write { path, .. }
            | Operation::Edit { path, .. }
            | Operation::Read { path }
            | Operation::NotebookEdit { path, .. } => path,
            Operation::Glob { pattern, .. } | Operation::Grep { pattern, .. } => pattern,
            Operation::WebFetch { url, .. } => url,
            Operation::WebSearch { query } => query,
            Operation::Agent { prompt } => prompt,
            Operation::Mcp {
                command: Some(c), ..
            } => c,
            Operation::Mcp { tool, .. } => tool,
            Operation::TodoWrite => "",
            Operation::Other { tool, .. } => tool,
        }
    }

    /// Paths the operation touches, as `(path, is_glob)`.
    pub fn paths(&self) -> Vec<(String, bool)> {
        match self {
            Operation::Write { path, .. }
            | Operation::Edit { path, .. }
            | Operation::Read { path }
            | Operation::NotebookEdit { path, .. } => vec![(path.clone(), false)],
            Operation::Glob { pattern, path } => vec![(under(path.as_deref(), pattern), true)],
            Operation::Grep { path, glob, .. } => {
                let mut out = vec![(path.clone().unwrap_or_else(|| ".".into()), false)];
                if let Some(g) = glob {
                    out.push((under(path.as_deref(), g), true));
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// Text the operation sends off the machine: a WebFetch's URL and prompt, a
    /// WebSearch's query, every string in an MCP call's arguments.
    pub fn outgoing(&self) -> Vec<&str> {
        match self {
            Operation::WebFetch { url, prompt } => vec![url, prompt],
            Operation::WebSearch { query } => vec![query],
            Operation::Mcp { input, .. } => strings_in(input).map(|(_, s)| s).collect(),
            _ => Vec::new(),
        }
    }

    /// Text the operation writes.
    pub fn content(&self) -> Option<&str> {
        match self {
            Operation::Write { content, .. } => Some(content),
            Operation::Edit { new_text, .. } => Some(new_text),
            Operation::NotebookEdit { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Every string in a JSON value, with the key it is the value of (the nearest one, for
/// a string in a list), depth first. Iterative: no input nests deep enough to
/// overflow the stack.
pub fn strings_in(value: &Value) -> impl Iterator<Item = (Option<&str>, &str)> {
    let mut stack: Vec<(Option<&str>, &Value)> = vec![(None, value)];
    std::iter::from_fn(move || {
        while let Some((key, v)) = stack.pop() {
            match v {
                Value::String(s) => return Some((key, s.as_str())),
                Value::Array(items) => stack.extend(items.iter().rev().map(|i| (key, i))),
                Value::Object(map) => {
                    stack.extend(map.iter().rev().map(|(k, v)| (Some(k.as_str()), v)));
                }
                _ => {}
            }
        }
        None
    })
}

/// `pattern` inside `base` (the working directory when there is none).
fn under(base: Option<&str>, pattern: &str) -> String {
    match base {
        _ if pattern.starts_with('/') => pattern.to_owned(),
        Some(b) => format!("{}/{pattern}", b.trim_end_matches('/')),
        None => pattern.to_owned(),
    }
}

/// Resolve a tool's path argument: `~`/`$HOME`, then against cwd, then `..`.
/// A relative path with no cwd stays relative (and so classifies as unknown).
/// With `env.follow_links`, a `..` that follows a symbolic link goes where the kernel
/// takes it, to the parent of the link's target (see [`resolve_dotdot`]).
fn resolve_path(raw: &str, env: &PathEnv, cwd: Option<&str>) -> String {
    let expanded = expand_home_prefix(raw, &env.home);
    if env.follow_links && expanded.split('/').any(|c| c == "..") {
        let joined = match cwd {
            _ if expanded.starts_with('/') => expanded,
            Some(cwd) if cwd.starts_with('/') => format!("{cwd}/{expanded}"),
            _ => return expanded,
        };
        return resolve_dotdot(&joined);
    }
    absolutize(&expanded, cwd).unwrap_or(expanded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(tool: &str, input: Value) -> Result<Operation, InputError> {
        let call = ToolCall {
            tool_name: tool.into(),
            tool_input: input,
            cwd: Some("/home/dev/project".into()),
        };
        Operation::from_call(&call, &PathEnv::fixture())
    }

    #[test]
    fn every_tool() {
        assert_eq!(
            op("bash", json!({"command": "ls"})).unwrap(),
            Operation::Bash {
                command: "ls".into()
            }
        );
        assert_eq!(
            op(
                "Write",
                json!({"file_path": "~/x/../.bashrc", "content": "a"})
            )
            .unwrap(),
            Operation::Write {
                path: "/home/dev/.bashrc".into(),
                content: "a".into()
            }
        );
        assert_eq!(
            op(
                "Edit",
                json!({"file_path": "src/a.rs", "old_string": "a", "new_string": "b"})
            )
            .unwrap()
            .paths()[0]
                .0,
            "/home/dev/project/src/a.rs"
        );
        assert!(matches!(
            op(
                "MultiEdit",
                json!({"file_path": "/a", "edits": [{"old_string": "x", "new_string": "y"}]})
            )
            .unwrap(),
            Operation::Edit { multi: true, .. }
        ));
        assert_eq!(
            op("READ", json!({"file_path": "$HOME/.ssh/id_rsa"})).unwrap(),
            Operation::Read {
                path: "/home/dev/.ssh/id_rsa".into()
            }
        );
        assert!(matches!(
            op(
                "NotebookEdit",
                json!({"notebook_path": "nb.ipynb", "new_source": "x"})
            )
            .unwrap(),
            Operation::NotebookEdit { .. }
        ));
        assert!(matches!(
            op("Glob", json!({"pattern": "**/*.rs"})).unwrap(),
            Operation::Glob { .. }
        ));
        assert!(matches!(
            op("Grep", json!({"pattern": "x", "glob": ".env*"})).unwrap(),
            Operation::Grep { .. }
        ));
        assert!(matches!(
            op("WebFetch", json!({"url": "https://x", "prompt": "p"})).unwrap(),
            Operation::WebFetch { .. }
        ));
        assert!(matches!(
            op("WebSearch", json!({"query": "q"})).unwrap(),
            Operation::WebSearch { .. }
        ));
        assert_eq!(
            op("Task", json!({"description": "d", "prompt": "p"}))
                .unwrap()
                .kind(),
            ToolKind::Agent
        );
        assert_eq!(
            op("Agent", json!({"description": "d", "prompt": "p"}))
                .unwrap()
                .kind(),
            ToolKind::Agent
        );
        assert_eq!(
            op("TodoWrite", json!({"todos": []})).unwrap(),
            Operation::TodoWrite
        );
        match op("mcp__shell__run", json!({"command": "rm -rf /"})).unwrap() {
            Operation::Mcp {
                server,
                tool,
                command,
                ..
            } => {
                assert_eq!(
                    (server.as_str(), tool.as_str(), command.as_deref()),
                    ("shell", "run", Some("rm -rf /"))
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(op("CronCreate", json!({})).unwrap().kind(), ToolKind::Other);
    }

    #[test]
    fn malformed_inputs_are_errors() {
        assert!(op("Bash", json!({})).is_err());
        assert!(op("Bash", json!({"command": 1})).is_err());
        assert!(op("Write", json!({"file_path": "/x"})).is_err());
        assert!(op("Read", json!("x")).is_err());
        assert!(op("mcp__bad", json!({})).is_err());
    }
}
