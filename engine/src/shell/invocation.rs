//! An invocation: one simple command after normalisation, with everything a rule
//! may ask about it.

use std::fmt;

use bitflags::bitflags;
use serde::{Deserialize, Serialize};

use super::word::Word;
use crate::span::Span;

/// Where an invocation's code came from. Rules can restrict themselves to some
/// contexts (`context: [substitution]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    /// The command line itself (including subshells, groups, loops and conditionals).
    Top,
    /// Inside `$(...)` or backticks.
    Substitution,
    /// Inside `<(...)` or `>(...)`.
    ProcessSubstitution,
    /// A string run by a shell: `bash -c`, `su -c`, `watch`, `sudo -s`, `env -S`, `find -exec sh -c`.
    ShellString,
    /// The arguments of `eval`.
    Eval,
    /// A heredoc, here-string or piped text that a shell or interpreter executes.
    Heredoc,
    /// A shell command found in interpreter code (`os.system`, `child_process.exec`, ...).
    InlineCode,
    /// The body of a shell function.
    Function,
    /// A command given to a non-shell tool call (an MCP tool's `command` argument).
    ToolInput,
    /// A command run on another machine or in a container (`ssh host CMD`, `docker exec`).
    Remote,
}

impl Context {
    pub const ALL: [Context; 10] = [
        Context::Top,
        Context::Substitution,
        Context::ProcessSubstitution,
        Context::ShellString,
        Context::Eval,
        Context::Heredoc,
        Context::InlineCode,
        Context::Function,
        Context::ToolInput,
        Context::Remote,
    ];

    pub fn bit(self) -> ContextSet {
        ContextSet::from_bits_retain(1 << (self as u16))
    }

    pub fn name(self) -> &'static str {
        match self {
            Context::Top => "top",
            Context::Substitution => "substitution",
            Context::ProcessSubstitution => "process-substitution",
            Context::ShellString => "shell-string",
            Context::Eval => "eval",
            Context::Heredoc => "heredoc",
            Context::InlineCode => "inline-code",
            Context::Function => "function",
            Context::ToolInput => "tool-input",
            Context::Remote => "remote",
        }
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

bitflags! {
    /// Every context enclosing an invocation (a `bash -c` inside `$(...)` has both).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ContextSet: u16 {
        const _ = !0;
    }
}

impl ContextSet {
    pub fn names(self) -> Vec<&'static str> {
        Context::ALL
            .iter()
            .filter(|c| self.contains(c.bit()))
            .map(|c| c.name())
            .collect()
    }
}

impl Serialize for ContextSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

/// What a redirection does with its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RedirectOp {
    /// `<`
    Read,
    /// `>`, `>|`, `&>`
    Write,
    /// `>>`, `&>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `>&N`, `<&N`: duplicates a descriptor.
    Duplicate,
    /// `<<`, `<<-`
    Heredoc,
    /// `<<<`
    Herestring,
}

impl RedirectOp {
    pub fn writes(self) -> bool {
        matches!(
            self,
            RedirectOp::Write | RedirectOp::Append | RedirectOp::ReadWrite
        )
    }
}

/// One redirection of an invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirect {
    pub op: RedirectOp,
    /// The file descriptor written before the operator, if any.
    pub fd: Option<u32>,
    /// The target file (for heredocs and here-strings: the delimiter or the text).
    pub target: Word,
}

/// A language whose inline code the engine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    /// Node, Deno and Bun.
    Javascript,
    Ruby,
    Perl,
    Php,
    /// awk programs (`system()`, pipes to commands, `print > "file"`).
    Awk,
    /// Lua, Tcl, R, Julia, Erlang/Elixir, AppleScript and other languages the engine does
    /// not read: their code is reviewed when it may run commands.
    Other,
}

impl Language {
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Javascript => "javascript",
            Language::Ruby => "ruby",
            Language::Perl => "perl",
            Language::Php => "php",
            Language::Awk => "awk",
            Language::Other => "other",
        }
    }
}

/// Code an interpreter runs from its command line, a heredoc or a pipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InlineCode {
    pub language: Language,
    /// The code, or `None` when it could not be read (an unresolved expansion).
    pub text: Option<String>,
}

/// One simple command after normalisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invocation {
    /// The program's basename as the engine identifies it (`/usr/bin/rm`, `\rm` and
    /// `rm.exe` are all `rm`).
    pub program: String,
    /// The words after wrappers were stripped; `argv[0]` is the program as written.
    pub argv: Vec<Word>,
    /// Wrappers that were stripped, outermost first (`sudo`, `env`, `timeout`, `xargs`, ...).
    pub wrappers: Vec<String>,
    /// The values the stripped wrappers' options took, `(wrapper, option, value)`:
    /// `npx -p ./tool run` runs `run` from the local package `./tool`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wrapper_options: Vec<(String, String, Word)>,
    /// Environment assignments for this command (`A=1 cmd`, `env A=1`, `export A=1`).
    pub env: Vec<(String, String)>,
    /// The names in `env` whose values are only known at run time (their text is
    /// then a rendering such as `$X`, or empty for `${X:-}`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_unknown: Vec<String>,
    pub redirects: Vec<Redirect>,
    /// The innermost context.
    pub context: Context,
    /// Every enclosing context.
    pub contexts: ContextSet,
    /// The part of the original input this invocation came from.
    pub span: Span,
    /// The working directory it runs in, when known (`cd` earlier in the same input moves it).
    pub cwd: Option<String>,
    /// Indexes of invocations whose output feeds this one's input (same pipeline).
    pub upstream: Vec<usize>,
    /// Indexes of invocations this one's output feeds.
    pub downstream: Vec<usize>,
    /// Its output is run as code (piped into a shell, `eval "$(...)"`, `bash <(...)`).
    pub output_executed: bool,
    /// Run in the background with `&`.
    pub background: bool,
    /// Part of a pipeline.
    pub piped: bool,
    /// Calls the shell function it is defined in.
    pub self_call: bool,
    /// Data fed to its standard input by a heredoc or here-string, when not executed.
    pub stdin: Option<String>,
    /// Interpreter code it runs inline.
    pub code: Option<InlineCode>,
    /// How many levels of nested code (`bash -c`, `eval`, ...) it is inside.
    pub depth: u8,
}

impl Invocation {
    /// The arguments after the program.
    pub fn args(&self) -> &[Word] {
        self.argv.get(1..).unwrap_or(&[])
    }

    /// Program and arguments joined by spaces: what `text:` predicates match.
    pub fn normalized_text(&self) -> String {
        let mut s = String::with_capacity(self.argv.iter().map(|w| w.text.len() + 1).sum());
        for (i, w) in self.argv.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&w.text);
        }
        s
    }
}

/// Something the shell model could not follow. Each becomes a `review`: the engine
/// never allows what it could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub span: Span,
    /// What exactly, for the reason text.
    pub detail: String,
}

/// The kinds of [`Finding`], each with a stable rule id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// tree-sitter could not parse a region.
    ParseError,
    /// A program name that stays unknown (`$X`, `$(...)`).
    UnresolvedProgram,
    /// An argument only known at run time, of a program whose command lines some rule
    /// tightens (`git $(x) --hard` may be `git reset --hard`).
    UnknownArgument,
    /// Code passed to a shell, `eval` or an interpreter that cannot be read.
    UnreadableCode,
    /// A shell or interpreter reading code from a pipe whose content is unknown.
    CodeFromPipe,
    /// A command word that only looks like a known command (Unicode confusables).
    Confusable,
    /// Nesting deeper than the engine follows.
    TooDeep,
    /// More invocations than the engine evaluates.
    TooManyInvocations,
    /// Input larger than the engine reads.
    TooLarge,
    /// Judging took longer than the time budget.
    TooSlow,
}

impl FindingKind {
    pub fn rule_id(self) -> &'static str {
        match self {
            FindingKind::ParseError => "shell.parse-error",
            FindingKind::UnresolvedProgram => "shell.unresolved-program",
            FindingKind::UnknownArgument => "shell.unknown-argument",
            FindingKind::UnreadableCode => "shell.unreadable-code",
            FindingKind::CodeFromPipe => "shell.code-from-pipe",
            FindingKind::Confusable => "shell.confusable-command",
            FindingKind::TooDeep => "budget.nesting-depth",
            FindingKind::TooManyInvocations => "budget.invocation-count",
            FindingKind::TooLarge => "budget.input-size",
            FindingKind::TooSlow => "budget.deadline",
        }
    }

    /// Why the engine will not allow it, for the reason text.
    pub fn reason(self) -> &'static str {
        match self {
            FindingKind::ParseError => {
                "the shell parser could not read part of this command, so it cannot be judged safe"
            }
            FindingKind::UnresolvedProgram => "the program to run is only known at run time",
            FindingKind::UnknownArgument => {
                "an argument is only known at run time, and some forms of this command are not safe"
            }
            FindingKind::UnreadableCode => "it runs code the bouncer cannot read",
            FindingKind::CodeFromPipe => {
                "a shell or interpreter runs code piped in from another program"
            }
            FindingKind::Confusable => "a command word uses look-alike Unicode characters",
            FindingKind::TooDeep => "code is nested deeper than the bouncer follows",
            FindingKind::TooManyInvocations => {
                "the command has more parts than the bouncer evaluates"
            }
            FindingKind::TooLarge => "the input is larger than the bouncer reads",
            FindingKind::TooSlow => "judging it took longer than the bouncer's time budget",
        }
    }
}
