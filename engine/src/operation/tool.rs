//! Claude Code's tool names, matched case-insensitively, with aliases.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The tools the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ToolKind {
    Bash,
    Write,
    Edit,
    MultiEdit,
    Read,
    Glob,
    Grep,
    NotebookEdit,
    WebFetch,
    WebSearch,
    /// `Agent`, also called `Task`.
    Agent,
    TodoWrite,
    /// Any `mcp__server__tool`.
    #[serde(rename = "mcp")]
    Mcp,
    /// Any tool the engine has no model for.
    #[serde(rename = "other")]
    Other,
}

impl ToolKind {
    pub const ALL: [ToolKind; 14] = [
        ToolKind::Bash,
        ToolKind::Write,
        ToolKind::Edit,
        ToolKind::MultiEdit,
        ToolKind::Read,
        ToolKind::Glob,
        ToolKind::Grep,
        ToolKind::NotebookEdit,
        ToolKind::WebFetch,
        ToolKind::WebSearch,
        ToolKind::Agent,
        ToolKind::TodoWrite,
        ToolKind::Mcp,
        ToolKind::Other,
    ];

    /// The kind of a tool by its name as Claude Code sends it.
    pub fn from_name(name: &str) -> ToolKind {
        if name.len() > 5 && name[..5].eq_ignore_ascii_case("mcp__") {
            return ToolKind::Mcp;
        }
        match name.to_ascii_lowercase().as_str() {
            "bash" => ToolKind::Bash,
            "write" => ToolKind::Write,
            "edit" => ToolKind::Edit,
            "multiedit" => ToolKind::MultiEdit,
            "read" => ToolKind::Read,
            "glob" => ToolKind::Glob,
            "grep" => ToolKind::Grep,
            "notebookedit" => ToolKind::NotebookEdit,
            "webfetch" => ToolKind::WebFetch,
            "websearch" => ToolKind::WebSearch,
            "agent" | "task" => ToolKind::Agent,
            "todowrite" => ToolKind::TodoWrite,
            _ => ToolKind::Other,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ToolKind::Bash => "Bash",
            ToolKind::Write => "Write",
            ToolKind::Edit => "Edit",
            ToolKind::MultiEdit => "MultiEdit",
            ToolKind::Read => "Read",
            ToolKind::Glob => "Glob",
            ToolKind::Grep => "Grep",
            ToolKind::NotebookEdit => "NotebookEdit",
            ToolKind::WebFetch => "WebFetch",
            ToolKind::WebSearch => "WebSearch",
            ToolKind::Agent => "Agent",
            ToolKind::TodoWrite => "TodoWrite",
            ToolKind::Mcp => "mcp",
            ToolKind::Other => "other",
        }
    }
}

impl fmt::Display for ToolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ToolKind {
    type Err = String;
    /// Parse a tool name in a rule pack; unlike [`ToolKind::from_name`], unknown names are errors.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match ToolKind::from_name(s) {
            ToolKind::Other if !s.eq_ignore_ascii_case("other") => {
                if s.eq_ignore_ascii_case("mcp") {
                    Ok(ToolKind::Mcp)
                } else {
                    let names: Vec<&str> = ToolKind::ALL.iter().map(|k| k.name()).collect();
                    Err(format!(
                        "unknown tool `{s}` (expected one of {})",
                        names.join(", ")
                    ))
                }
            }
            kind => Ok(kind),
        }
    }
}

/// `mcp__server__tool` into `(server, tool)`. Server names may not contain `__`;
/// tool names may.
pub(crate) fn split_mcp_name(name: &str) -> Option<(String, String)> {
    let rest = name.get(5..)?;
    let (server, tool) = rest.split_once("__")?;
    (!server.is_empty() && !tool.is_empty()).then(|| (server.to_owned(), tool.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_with_aliases() {
        assert_eq!(ToolKind::from_name("BASH"), ToolKind::Bash);
        assert_eq!(ToolKind::from_name("task"), ToolKind::Agent);
        assert_eq!(ToolKind::from_name("MCP__x__y"), ToolKind::Mcp);
        assert_eq!(ToolKind::from_name("Skill"), ToolKind::Other);
        assert!("Writ".parse::<ToolKind>().is_err());
        assert_eq!("mcp".parse::<ToolKind>(), Ok(ToolKind::Mcp));
    }

    #[test]
    fn mcp_names_split_at_the_first_double_underscore() {
        assert_eq!(
            split_mcp_name("mcp__github__create_issue"),
            Some(("github".into(), "create_issue".into()))
        );
        assert_eq!(
            split_mcp_name("mcp__a__b__c"),
            Some(("a".into(), "b__c".into()))
        );
        assert_eq!(split_mcp_name("mcp__a"), None);
    }
}
