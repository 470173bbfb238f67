//! The shell model: a Bash command parsed once with tree-sitter-bash into a flat list
//! of [`Invocation`]s, each one simple command after normalisation (quotes removed,
//! variables substituted, wrappers stripped, nested code unfolded), plus the
//! [`Finding`]s the model could not follow.
//!
//! Rules judge invocations, never the raw string, so that a safe part of a command
//! line can never vouch for a dangerous part.

mod carriers;
mod confusables;
mod derived;
mod embedded;
pub(crate) mod execution;
mod expand;
pub(crate) mod inline;
mod input;
mod invocation;
mod links;
mod parameter;
mod repair;
mod scope;
mod source;
mod walker;
mod word;
mod wrappers;

pub use invocation::{
    Context, ContextSet, Finding, FindingKind, InlineCode, Invocation, Language, Redirect,
    RedirectOp,
};
pub use word::Word;

use crate::path::PathEnv;
use crate::span::Span;

/// The invocations of one command line and what could not be modelled.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ShellModel {
    pub invocations: Vec<Invocation>,
    pub findings: Vec<Finding>,
}

/// Caps that keep hostile input from costing unbounded time. Each one, when hit, is a
/// [`Finding`] (and so a `review`), never a silent allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest command the engine reads, in bytes.
    pub max_input_bytes: usize,
    /// Deepest nesting of substitutions, `-c` strings, `eval` and executed heredocs.
    pub max_depth: u8,
    /// Most invocations evaluated for one command line.
    pub max_invocations: usize,
    /// Longest the whole judgement may take, from parsing to the last rule.
    pub deadline: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 512 * 1024,
            max_depth: 8,
            max_invocations: 1000,
            deadline: std::time::Duration::from_millis(50),
        }
    }
}

/// Model a Bash command line run in `cwd` (when known).
pub fn model(command: &str, env: &PathEnv, cwd: Option<&str>, limits: &Limits) -> ShellModel {
    model_in(command, env, cwd, limits, Context::Top)
}

/// Model a command line found in `context` (e.g. an MCP tool's `command` argument).
pub fn model_in(
    command: &str,
    env: &PathEnv,
    cwd: Option<&str>,
    limits: &Limits,
    context: Context,
) -> ShellModel {
    if command.len() > limits.max_input_bytes {
        return ShellModel {
            invocations: Vec::new(),
            findings: vec![Finding {
                kind: FindingKind::TooLarge,
                span: Span::new(0, command.len()),
                detail: format!(
                    "{} bytes; the limit is {}",
                    command.len(),
                    limits.max_input_bytes
                ),
            }],
        };
    }
    let mut walker = walker::Walker::new(env, limits);
    let mut scope = scope::Scope::new(env, cwd);
    walker.walk_code(command, &walker::Frame::top(context), &mut scope);
    walker.run_exit_traps(&mut scope);
    walker.finish()
}

/// The name a program is known by: basename, without `.exe`, lower-cased (macOS file
/// systems are case-insensitive, so `RM` runs `rm` there).
pub(crate) fn program_name(text: &str) -> String {
    let base = text.rsplit('/').next().unwrap_or(text);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    if base.is_ascii() {
        // The same result, without the Unicode tables.
        return base.to_ascii_lowercase();
    }
    base.to_lowercase()
}
