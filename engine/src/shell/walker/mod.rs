//! The walk from tree-sitter's syntax tree to the flat list of invocations.
//!
//! Statements are walked in order with a [`Scope`] (variables, aliases, cwd) and a
//! [`Frame`] (context, nesting depth, whether the code only runs on some paths).
//! Nested code (`bash -c`, `eval`, executed heredocs, interpreter code) is parsed again
//! and walked in a deeper frame; every span inside it maps to the outer word it came from.

mod arithmetic;
mod assignments;
mod command;
mod emit;
mod nested;
mod output;
mod parser;
mod read;
mod redirects;
mod traversal;

use std::borrow::Cow;
use std::rc::Rc;

use tree_sitter::{Node, Tree};

use self::parser::BashParser;
use super::expand::text;
use super::input::Input;
use super::invocation::{Context, ContextSet, Finding, FindingKind, Invocation, Language};
use super::repair;
use super::scope::Scope;
use super::source::{Cuts, has_continuation, join_continuations, protected_ranges};
use super::wrappers::EnvRemoved;
use super::{Limits, ShellModel};
use crate::path::PathEnv;
use crate::shell::word::ExpandEnv;
use crate::span::Span;

/// Where in the nesting of code the walk is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    context: Context,
    contexts: ContextSet,
    depth: u8,
    /// For nested code: the span in the original input every node maps to.
    span: Option<Span>,
    /// Code that only runs on some paths (branches, loop bodies, after `&&`).
    conditional: bool,
    /// The shell function whose body this is.
    function: Option<String>,
    /// Wrappers of the command that runs this code (`sudo bash -c ...`).
    wrappers: Vec<String>,
    /// The output of this code is executed (a substitution in code position).
    output_executed: bool,
    /// What its commands read on standard input, when known (a pipeline's earlier stage).
    stdin: Option<Rc<Input>>,
    /// What follows this command runs only if it succeeds (`cd dir && ...`,
    /// `cd dir || exit`), so its effects may be counted on.
    checked: bool,
}

impl Frame {
    pub fn top(context: Context) -> Self {
        Frame {
            context,
            contexts: context.bit(),
            depth: 0,
            span: None,
            conditional: false,
            function: None,
            wrappers: Vec::new(),
            output_executed: false,
            stdin: None,
            checked: false,
        }
    }

    fn nested(&self, context: Context, span: Span) -> Frame {
        Frame {
            context,
            contexts: self.contexts | context.bit(),
            depth: self.depth.saturating_add(1),
            span: Some(self.span.unwrap_or(span)),
            conditional: false,
            ..self.clone()
        }
    }

    /// The frame of code a new shell runs (`bash -c`, a script): no function of this
    /// shell encloses it.
    fn new_shell(&self) -> Frame {
        Frame {
            function: None,
            ..self.clone()
        }
    }

    fn conditional(&self) -> Frame {
        Frame {
            conditional: true,
            ..self.clone()
        }
    }
}

/// Where the walk is: the text its nodes come from and the nesting of code around it.
/// Every function that reads syntax nodes takes one.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    src: &'a Src<'a>,
    frame: &'a Frame,
}

impl<'a> At<'a> {
    /// The same text, read in another frame (a branch, a subshell's context).
    fn with(self, frame: &'a Frame) -> At<'a> {
        At { frame, ..self }
    }
}

/// The text a tree was parsed from, with its offset map.
struct Src<'s> {
    text: &'s str,
    cuts: &'s Cuts,
}

/// A word of an invocation whose text runs as code, and where the code runs: a
/// substitution in it (`source <(echo ...)`, `bash <(echo ...)`) runs its output there.
#[derive(Debug, Clone, Copy)]
pub(super) struct Executed {
    /// The word's byte range in the current source text (its origin).
    pub span: Span,
    pub runs_in: RunsIn,
}

/// Where code from a word's substitutions runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RunsIn {
    /// Judged in a copy of the scope, nothing required of it: the program's name, a
    /// here-string (whose command may not read code), an interpreter's script.
    Copy,
    /// The shell itself (`source`, `eval`): what it assigns or `cd`s holds afterwards.
    ThisShell,
    /// A new shell the invocation `idx` starts (`bash <(...) a b`, `bash -c "$(...)" a`):
    /// it sees exported variables only, `$0` is the word `zero` of its argv (unknown
    /// when `None`) and the words from `args` on are its positional parameters.
    NewShell {
        idx: usize,
        zero: Option<usize>,
        args: usize,
    },
}

/// A variable a command's environment gets (`X=1 cmd`, `env X=1 cmd`): its name, its
/// value, and whether the value is only known at run time (the text is then its source).
pub(super) type EnvVar = (String, String, bool);

/// How a program reads code from standard input.
#[derive(Debug, Clone, Copy)]
enum StdinCode {
    Shell,
    Interpreter(Language),
}

/// Walk state kept beside each invocation.
#[derive(Debug, Default, Clone)]
struct Side {
    /// `(pipeline, stage)` memberships.
    pipes: Vec<(u32, u16)>,
    /// Reads code from stdin and no heredoc supplied it yet.
    reads_code: Option<StdinCode>,
    /// The text it writes, when the engine knows it (`echo`, `printf`, `cat <<EOF`).
    emits: Option<String>,
    /// Part of what it prints is only known at run time.
    emits_partly_unknown: bool,
    /// What `env -u`/`env -i` took out of its environment.
    env_removed: EnvRemoved,
    /// The names its environment gives a value only known at run time
    /// (`X=$U bash -c ...`).
    env_unknown: Vec<String>,
    /// A redirection gave it its standard input (not the pipe before it).
    stdin_redirected: bool,
}

pub(crate) struct Walker<'e> {
    env: &'e PathEnv,
    limits: &'e Limits,
    parser: BashParser,
    out: Vec<Invocation>,
    side: Vec<Side>,
    findings: Vec<Finding>,
    next_pipeline: u32,
    stopped: bool,
    /// Emitting the copy of a command as it reaches a link's target.
    following_links: bool,
    /// How many walks of code only partly known (`eval "$x ..."`) enclose this one. A
    /// parse error there is most likely a hole read as text (`${${name}[i]}`), so it is
    /// reported as unreadable code, which is judged the same way, not as bad syntax.
    in_unreadable_code: u32,
    /// When the walk started, for [`Limits::deadline`].
    started: std::time::Instant,
}

impl<'e> Walker<'e> {
    pub fn new(env: &'e PathEnv, limits: &'e Limits) -> Self {
        Walker {
            env,
            limits,
            parser: BashParser::take(),
            out: Vec::new(),
            side: Vec::new(),
            findings: Vec::new(),
            next_pipeline: 0,
            stopped: false,
            following_links: false,
            in_unreadable_code: 0,
            started: std::time::Instant::now(),
        }
    }

    fn finding(&mut self, kind: FindingKind, span: Span, detail: impl Into<String>) {
        let kind = match kind {
            FindingKind::ParseError if self.in_unreadable_code > 0 => FindingKind::UnreadableCode,
            other => other,
        };
        if self.findings.len() < 64
            && !self
                .findings
                .iter()
                .any(|f| f.kind == kind && f.span == span)
        {
            self.findings.push(Finding {
                kind,
                span,
                detail: detail.into(),
            });
        }
    }

    fn span(&self, node: Node, at: At) -> Span {
        at.frame.span.unwrap_or_else(|| {
            Span::new(
                at.src.cuts.original(node.start_byte()),
                at.src.cuts.original(node.end_byte()),
            )
        })
    }

    /// Parse `code` and walk it; returns the invocations a redirect of the whole would reach.
    pub fn walk_code(&mut self, code: &str, frame: &Frame, scope: &mut Scope) -> Vec<usize> {
        if frame.depth > self.limits.max_depth {
            let span = frame.span.unwrap_or(Span::new(0, code.len()));
            self.finding(
                FindingKind::TooDeep,
                span,
                format!("more than {} levels of nested code", self.limits.max_depth),
            );
            return Vec::new();
        }
        let Some((tree, text, cuts)) = self.parse(code) else {
            let span = frame.span.unwrap_or(Span::new(0, code.len()));
            self.finding(FindingKind::ParseError, span, "the parser gave up");
            return Vec::new();
        };
        let src = Src {
            text: &text,
            cuts: &cuts,
        };
        let at = At { src: &src, frame };
        let root = tree.root_node();
        if root.has_error() {
            self.parse_errors(root, at);
        }
        self.walk_block(root, at, scope)
    }

    fn parse<'c>(&mut self, code: &'c str) -> Option<(Tree, Cow<'c, str>, Cuts)> {
        let tree = self.parser.parse(code, None)?;
        let (mut tree, text, cuts) = if has_continuation(code) {
            let protected = protected_ranges(tree.root_node(), code);
            let (joined, cuts) = join_continuations(code, &protected);
            (self.parser.parse(&joined, None)?, Cow::Owned(joined), cuts)
        } else {
            (tree, Cow::Borrowed(code), Cuts::default())
        };
        // Repairs change the tree's shape, never the text words are read from.
        let mut repaired: Option<String> = None;
        for _ in 0..repair::MAX_ROUNDS {
            let current = repaired.as_deref().unwrap_or(&text);
            let Some(fixed) = repair::repaired(&tree, current) else {
                break;
            };
            tree = self.parser.parse(&fixed, None)?;
            repaired = Some(fixed);
        }
        if !tree.root_node().has_error() {
            return Some((tree, text, cuts));
        }
        // A known grammar gap: redirects then a pipe after a heredoc's start.
        let mut errors = Vec::new();
        collect_errors(tree.root_node(), &mut errors);
        let in_heredocs: Vec<_> = errors
            .iter()
            .filter_map(|e| {
                let mut up = e.parent();
                while let Some(p) = up {
                    if p.kind() == "heredoc_redirect" {
                        let start = p
                            .named_children(&mut p.walk())
                            .find(|c| c.kind() == "heredoc_start")?;
                        return Some((e.byte_range(), p.start_byte()..start.end_byte()));
                    }
                    up = p.parent();
                }
                None
            })
            .collect();
        match super::source::reorder_heredoc_redirects(&text, &in_heredocs) {
            Some(fixed) => {
                let retry = self.parser.parse(&fixed, None)?;
                if retry.root_node().has_error() {
                    Some((tree, text, cuts))
                } else {
                    Some((retry, Cow::Owned(fixed), cuts))
                }
            }
            None => Some((tree, text, cuts)),
        }
    }

    fn parse_errors(&mut self, root: Node, at: At) {
        let mut errors = Vec::new();
        collect_errors(root, &mut errors);
        errors.retain(|e| !redirects::is_read_write_half(*e, at.src.text));
        for node in errors.into_iter().take(4) {
            let span = self.span(node, at);
            let snippet: String = text(node, at.src.text).chars().take(40).collect();
            let detail = if node.is_missing() {
                format!("missing `{}`", node.kind())
            } else {
                format!("cannot parse `{snippet}`")
            };
            self.finding(FindingKind::ParseError, span, detail);
        }
    }

    fn expand_env<'s>(&self, scope: &'s Scope) -> ExpandEnv<'s> {
        scope.expand_env()
    }

    /// Pipeline neighbours, and execution flowing back up pipelines.
    pub fn finish(mut self) -> ShellModel {
        let mut by_pipeline: std::collections::HashMap<u32, Vec<(u16, usize)>> =
            std::collections::HashMap::new();
        for (idx, side) in self.side.iter().enumerate() {
            for &(p, stage) in &side.pipes {
                by_pipeline.entry(p).or_default().push((stage, idx));
            }
        }
        for members in by_pipeline.values() {
            for &(stage, idx) in members {
                for &(other_stage, other) in members {
                    if other_stage < stage && !self.out[idx].upstream.contains(&other) {
                        self.out[idx].upstream.push(other);
                    }
                    if other_stage > stage && !self.out[idx].downstream.contains(&other) {
                        self.out[idx].downstream.push(other);
                    }
                }
            }
        }
        let mut work: Vec<usize> = (0..self.out.len())
            .filter(|&i| self.out[i].output_executed)
            .collect();
        while let Some(i) = work.pop() {
            for up in self.out[i].upstream.clone() {
                if !self.out[up].output_executed {
                    self.out[up].output_executed = true;
                    work.push(up);
                }
            }
        }
        ShellModel {
            invocations: self.out,
            findings: self.findings,
        }
    }
}

fn collect_errors<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
    if node.is_error() || node.is_missing() {
        out.push(node);
        return;
    }
    if !node.has_error() {
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        collect_errors(child, out);
    }
}

/// A node's byte range in the text being parsed.
fn origin(node: Node) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}
