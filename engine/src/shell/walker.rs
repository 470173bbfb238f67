//! The walk from tree-sitter's syntax tree to the flat list of invocations.
//!
//! Statements are walked in order with a [`Scope`] (variables, aliases, cwd) and a
//! [`Frame`] (context, nesting depth, whether the code only runs on some paths).
//! Nested code (`bash -c`, `eval`, executed heredocs, interpreter code) is parsed again
//! and walked in a deeper frame; every span inside it maps to the outer word it came from.

use std::borrow::Cow;

use tree_sitter::{Node, Parser, Tree};

use super::derived;
use super::embedded;
use super::execution::{self, CodeSource};
use super::expand::{self, collect_substitutions, text};
use super::inline;
use super::invocation::{
    Context, ContextSet, Finding, FindingKind, InlineCode, Invocation, Language, Redirect,
    RedirectOp,
};
use super::links;
use super::scope::{Scope, Value};
use super::source::{Cuts, has_continuation, join_continuations};
use super::word::{ExpandEnv, Piece, Word, finish};
use super::wrappers::{self, is_assignment};
use super::{Limits, ShellModel, confusables, program_name};
use crate::path::PathEnv;
use crate::span::Span;

/// Where in the nesting of code the walk is.
#[derive(Debug, Clone)]
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

    fn conditional(&self) -> Frame {
        Frame {
            conditional: true,
            ..self.clone()
        }
    }
}

/// The text a tree was parsed from, with its offset map.
struct Src<'s> {
    text: &'s str,
    cuts: &'s Cuts,
}

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
}

/// Data fed to a command's standard input by a redirection.
#[derive(Debug, Clone)]
enum RedirectSpec {
    File(Redirect),
    Stdin {
        redirect: Redirect,
        data: Option<String>,
    },
}

/// A stage of a pipeline: a syntax node, or a redirected statement whose heredoc
/// carried the rest of the pipeline (tree-sitter nests `| bash` inside `cat <<EOF`).
enum Stage<'t> {
    Node(Node<'t>),
    Head {
        body: Option<Node<'t>>,
        redirects: Vec<Node<'t>>,
        whole: Node<'t>,
    },
}

pub(crate) struct Walker<'e> {
    env: &'e PathEnv,
    limits: &'e Limits,
    parser: Parser,
    out: Vec<Invocation>,
    side: Vec<Side>,
    findings: Vec<Finding>,
    next_pipeline: u32,
    stopped: bool,
    /// Emitting the copy of a command as it reaches a link's target.
    following_links: bool,
    /// When the walk started, for [`Limits::deadline`].
    started: std::time::Instant,
}

impl<'e> Walker<'e> {
    pub fn new(env: &'e PathEnv, limits: &'e Limits) -> Self {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_bash::LANGUAGE.into())
            .expect("the bundled tree-sitter-bash grammar matches the tree-sitter version");
        Walker {
            env,
            limits,
            parser,
            out: Vec::new(),
            side: Vec::new(),
            findings: Vec::new(),
            next_pipeline: 0,
            stopped: false,
            following_links: false,
            started: std::time::Instant::now(),
        }
    }

    fn finding(&mut self, kind: FindingKind, span: Span, detail: impl Into<String>) {
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

    fn span(&self, node: Node, src: &Src, frame: &Frame) -> Span {
        frame.span.unwrap_or_else(|| {
            Span::new(
                src.cuts.original(node.start_byte()),
                src.cuts.original(node.end_byte()),
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
        let root = tree.root_node();
        if root.has_error() {
            self.parse_errors(root, &src, frame);
        }
        self.walk_block(root, &src, frame, scope)
    }

    fn parse<'c>(&mut self, code: &'c str) -> Option<(Tree, Cow<'c, str>, Cuts)> {
        let tree = self.parser.parse(code, None)?;
        let (tree, text, cuts) = if has_continuation(code) {
            let mut comments = Vec::new();
            collect_kind(tree.root_node(), "comment", &mut comments);
            let protected: Vec<_> = comments.iter().map(|n| n.byte_range()).collect();
            let (joined, cuts) = join_continuations(code, &protected);
            (self.parser.parse(&joined, None)?, Cow::Owned(joined), cuts)
        } else {
            (tree, Cow::Borrowed(code), Cuts::default())
        };
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

    fn parse_errors(&mut self, root: Node, src: &Src, frame: &Frame) {
        let mut errors = Vec::new();
        collect_errors(root, &mut errors);
        for node in errors.into_iter().take(4) {
            let span = self.span(node, src, frame);
            let snippet: String = text(node, src.text).chars().take(40).collect();
            let detail = if node.is_missing() {
                format!("missing `{}`", node.kind())
            } else {
                format!("cannot parse `{snippet}`")
            };
            self.finding(FindingKind::ParseError, span, detail);
        }
    }

    /// A sequence of statements (a program, a group, a loop body).
    fn walk_block(
        &mut self,
        node: Node,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) -> Vec<usize> {
        let mut targets = Vec::new();
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        for (i, child) in children.iter().enumerate() {
            if !child.is_named()
                || matches!(
                    child.kind(),
                    "comment" | "heredoc_body" | "heredoc_start" | "heredoc_end"
                )
            {
                continue;
            }
            let before = self.out.len();
            let t = self.walk_statement(*child, src, frame, scope);
            if children.get(i + 1).is_some_and(|n| n.kind() == "&") {
                for inv in &mut self.out[before..] {
                    if inv.depth == frame.depth {
                        inv.background = true;
                    }
                }
            }
            targets.extend(t);
        }
        targets
    }

    fn walk_statement(
        &mut self,
        node: Node,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) -> Vec<usize> {
        if self.stopped {
            return Vec::new();
        }
        if self.started.elapsed() > self.limits.deadline {
            let span = self.span(node, src, frame);
            self.finding(
                FindingKind::TooSlow,
                span,
                format!(
                    "the model took over {} ms",
                    self.limits.deadline.as_millis()
                ),
            );
            self.stopped = true;
            return Vec::new();
        }
        match node.kind() {
            "command" => self.walk_command(node, Vec::new(), src, frame, scope),
            "redirected_statement" => self.walk_redirected(node, src, frame, scope),
            "pipeline" => {
                let stages = statement_children(node)
                    .into_iter()
                    .map(Stage::Node)
                    .collect();
                self.walk_pipeline(stages, src, frame, scope)
            }
            "list" => self.walk_list(node, src, frame, scope),
            "subshell" => {
                let mut inner = scope.clone();
                self.walk_block(node, src, frame, &mut inner)
            }
            "compound_statement" | "do_group" => self.walk_block(node, src, frame, scope),
            "negated_command" => {
                let mut targets = Vec::new();
                for child in statement_children(node) {
                    targets.extend(self.walk_statement(child, src, frame, scope));
                }
                targets
            }
            "if_statement" => self.walk_if(node, src, frame, scope),
            "while_statement" => {
                let mut targets = Vec::new();
                if let Some(cond) = node.child_by_field_name("condition") {
                    targets.extend(self.walk_statement(cond, src, frame, scope));
                }
                for child in field_children(node, "condition") {
                    if Some(child) != node.child_by_field_name("condition") {
                        targets.extend(self.walk_statement(child, src, frame, scope));
                    }
                }
                if let Some(body) = node.child_by_field_name("body") {
                    targets.extend(self.walk_branch(body, src, frame, scope, None));
                }
                targets
            }
            "for_statement" => self.walk_for(node, src, frame, scope),
            "c_style_for_statement" => {
                self.walk_substitutions_in(node, src, frame, scope, &["body"]);
                match node.child_by_field_name("body") {
                    Some(body) => self.walk_branch(body, src, frame, scope, None),
                    None => Vec::new(),
                }
            }
            "case_statement" => {
                if let Some(value) = node.child_by_field_name("value") {
                    self.walk_substitutions_in(value, src, frame, scope, &[]);
                }
                let mut targets = Vec::new();
                let mut cursor = node.walk();
                for item in node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() == "case_item")
                {
                    let mut branch = scope.clone();
                    let f = frame.conditional();
                    for child in statement_children(item) {
                        if item.child_by_field_name("value") != Some(child) {
                            targets.extend(self.walk_statement(child, src, &f, &mut branch));
                        }
                    }
                    scope.join_branch(branch);
                }
                targets
            }
            "function_definition" => {
                let name = node
                    .child_by_field_name("name")
                    .map(|n| text(n, src.text).to_owned());
                if let (Some(n), Some(body)) = (&name, node.child_by_field_name("body")) {
                    scope.define_function(n, text(body, src.text));
                }
                let mut f = frame.clone();
                f.context = Context::Function;
                f.contexts |= Context::Function.bit();
                f.function = name;
                let mut inner = scope.clone();
                match node.child_by_field_name("body") {
                    Some(body) => {
                        self.walk_statement(body, src, &f, &mut inner);
                    }
                    None => self.walk_block(node, src, &f, &mut inner).truncate(0),
                }
                Vec::new()
            }
            "test_command" => {
                self.walk_substitutions_in(node, src, frame, scope, &[]);
                Vec::new()
            }
            "variable_assignment" => {
                self.assign(node, src, frame, scope);
                Vec::new()
            }
            "variable_assignments" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.assign(child, src, frame, scope);
                }
                Vec::new()
            }
            "declaration_command" => self.walk_declaration(node, src, frame, scope),
            "unset_command" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor).skip(1) {
                    scope.unset(text(child, src.text));
                }
                Vec::new()
            }
            "ERROR" => {
                // Already a finding; still judge whatever parsed inside it.
                let mut targets = Vec::new();
                for child in statement_children(node) {
                    targets.extend(self.walk_statement(child, src, frame, scope));
                }
                targets
            }
            "comment" | "heredoc_body" => Vec::new(),
            other => {
                let span = self.span(node, src, frame);
                self.finding(
                    FindingKind::ParseError,
                    span,
                    format!("unsupported shell construct `{other}`"),
                );
                self.walk_substitutions_in(node, src, frame, scope, &[]);
                Vec::new()
            }
        }
    }

    /// `a && b || c`: within an `&&` chain each command runs only if the ones before it
    /// succeeded, so their effects (`cd`, assignments) hold for the rest of the chain;
    /// after the chain they may or may not have happened. `||` runs on failure only.
    fn walk_list(&mut self, node: Node, src: &Src, frame: &Frame, scope: &mut Scope) -> Vec<usize> {
        let mut chain = Vec::new();
        flatten_list(node, None, &mut chain);
        let mut targets = Vec::new();
        let mut before_rest: Option<Scope> = None;
        for (op, child) in chain {
            match op {
                None => targets.extend(self.walk_statement(child, src, frame, scope)),
                Some("&&") => {
                    before_rest.get_or_insert_with(|| scope.clone());
                    targets.extend(self.walk_statement(child, src, frame, scope));
                }
                Some(_) => {
                    before_rest.get_or_insert_with(|| scope.clone());
                    let mut branch = scope.clone();
                    targets.extend(self.walk_statement(
                        child,
                        src,
                        &frame.conditional(),
                        &mut branch,
                    ));
                    scope.join_branch(branch);
                }
            }
        }
        if let Some(mut certain) = before_rest {
            certain.join_branch(scope.clone());
            *scope = certain;
        }
        targets
    }

    /// A branch that may or may not run: walked on a copy of the scope, then joined.
    fn walk_branch(
        &mut self,
        node: Node,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
        init: Option<(&str, Value)>,
    ) -> Vec<usize> {
        let mut branch = scope.clone();
        if let Some((name, value)) = init {
            branch.assign(name, value, false);
        }
        let targets = self.walk_statement(node, src, &frame.conditional(), &mut branch);
        scope.join_branch(branch);
        targets
    }

    fn walk_if(&mut self, node: Node, src: &Src, frame: &Frame, scope: &mut Scope) -> Vec<usize> {
        let mut targets = Vec::new();
        let conditions: Vec<Node> = field_children(node, "condition");
        for cond in &conditions {
            targets.extend(self.walk_statement(*cond, src, frame, scope));
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            if conditions.contains(&child) || child.kind() == "comment" {
                continue;
            }
            if matches!(child.kind(), "elif_clause" | "else_clause") {
                let mut branch = scope.clone();
                targets.extend(self.walk_block(child, src, &frame.conditional(), &mut branch));
                scope.join_branch(branch);
            } else {
                targets.extend(self.walk_branch(child, src, frame, scope, None));
            }
        }
        targets
    }

    fn walk_for(&mut self, node: Node, src: &Src, frame: &Frame, scope: &mut Scope) -> Vec<usize> {
        let var = node
            .child_by_field_name("variable")
            .map(|n| text(n, src.text).to_owned());
        let values: Vec<Node> = field_children(node, "value");
        let mut known = Vec::new();
        let mut unknown = values.is_empty();
        for value in values {
            let mut subs = Vec::new();
            let pieces = expand::pieces(value, src.text, scope, &mut subs);
            self.walk_substitution_nodes(&subs, &[], src, frame, scope);
            for variant in finish(
                pieces,
                Span::default(),
                origin(value),
                &self.expand_env(scope),
            ) {
                for w in variant {
                    if w.unresolved || w.glob {
                        unknown = true;
                    } else {
                        known.push(w.text);
                    }
                }
            }
        }
        let value = Value {
            known,
            maybe_unknown: unknown,
        };
        let mut targets = Vec::new();
        if let Some(body) = node.child_by_field_name("body") {
            let init = var.as_deref().map(|v| (v, value));
            targets.extend(self.walk_branch(body, src, frame, scope, init));
        }
        targets
    }

    fn walk_pipeline(
        &mut self,
        stages: Vec<Stage>,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) -> Vec<usize> {
        let pipeline = self.next_pipeline;
        self.next_pipeline += 1;
        let mut results: Vec<Vec<usize>> = Vec::new();
        for (k, stage) in stages.into_iter().enumerate() {
            // Every stage runs in its own subshell.
            let mut stage_scope = scope.clone();
            let targets = match stage {
                Stage::Node(node) => self.walk_statement(node, src, frame, &mut stage_scope),
                Stage::Head {
                    body,
                    redirects,
                    whole,
                } => self.walk_head(body, redirects, whole, src, frame, &mut stage_scope),
            };
            for &idx in &targets {
                self.side[idx].pipes.push((pipeline, k as u16));
                self.out[idx].piped = true;
            }
            results.push(targets);
        }
        // A shell or interpreter reading code from the previous stage runs that stage's output.
        for k in 1..results.len() {
            for idx in results[k].clone() {
                let Some(kind) = self.side[idx].reads_code.take() else {
                    continue;
                };
                let emitted = match results[k - 1].as_slice() {
                    [single] => self.side[*single].emits.clone(),
                    _ => None,
                };
                for &up in &results[k - 1] {
                    self.out[up].output_executed = true;
                }
                match emitted {
                    Some(code) => self.run_stdin_code(idx, kind, code, frame, scope),
                    None => {
                        let span = self.out[idx].span;
                        let program = self.out[idx].program.clone();
                        self.finding(
                            FindingKind::CodeFromPipe,
                            span,
                            format!("`{program}` runs whatever the previous command prints"),
                        );
                    }
                }
            }
        }
        results.pop().unwrap_or_default()
    }

    fn walk_redirected(
        &mut self,
        node: Node,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) -> Vec<usize> {
        let body = node.child_by_field_name("body");
        let mut redirects = Vec::new();
        let mut cursor = node.walk();
        for (i, child) in node.children(&mut cursor).enumerate() {
            if Some(child) != body
                && child.is_named()
                && matches!(node.field_name_for_child(i as u32), Some("redirect") | None)
            {
                redirects.push(child);
            }
        }
        // tree-sitter puts what follows a heredoc's start line inside the heredoc node.
        let mut tail_pipeline = None;
        let mut tail_list = None;
        for r in redirects.iter().filter(|r| r.kind() == "heredoc_redirect") {
            let mut c = r.walk();
            for child in r.named_children(&mut c) {
                if child.kind() == "pipeline" {
                    tail_pipeline = Some(child);
                }
            }
            if let Some(right) = r.child_by_field_name("right") {
                tail_list = Some(right);
            }
        }
        let mut targets = match tail_pipeline {
            Some(p) => {
                let mut stages = vec![Stage::Head {
                    body,
                    redirects,
                    whole: node,
                }];
                stages.extend(statement_children(p).into_iter().map(Stage::Node));
                self.walk_pipeline(stages, src, frame, scope)
            }
            None => self.walk_head(body, redirects, node, src, frame, scope),
        };
        if let Some(right) = tail_list {
            targets.extend(self.walk_statement(right, src, &frame.conditional(), scope));
        }
        targets
    }

    /// A statement with its redirections.
    fn walk_head(
        &mut self,
        body: Option<Node>,
        redirects: Vec<Node>,
        whole: Node,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) -> Vec<usize> {
        // `a | b <<EOF`: bash attaches the redirections to the last command of the
        // pipeline (tree-sitter to the whole of it), so the heredoc, not the pipe, is
        // what `b` reads.
        if let Some(b) = body
            && b.kind() == "pipeline"
            && !redirects.is_empty()
        {
            let mut stages: Vec<Stage> =
                statement_children(b).into_iter().map(Stage::Node).collect();
            if let Some(Stage::Node(last)) = stages.pop() {
                stages.push(Stage::Head {
                    body: Some(last),
                    redirects,
                    whole,
                });
                return self.walk_pipeline(stages, src, frame, scope);
            }
            return Vec::new();
        }
        let specs = self.redirect_specs(&redirects, src, frame, scope);
        match body {
            Some(b) if b.kind() == "command" => {
                // tree-sitter drops some words between a command and its redirects
                // (`python3 - <<EOF` loses the `-`): recover them from the gap.
                let gap_end = redirects
                    .iter()
                    .map(|r| r.start_byte())
                    .min()
                    .unwrap_or(b.end_byte());
                let gap = src.text.get(b.end_byte()..gap_end).unwrap_or("");
                let extra = self.gap_words(gap, b.end_byte(), src, frame);
                self.walk_command_with(b, specs, extra, src, frame, scope)
            }
            Some(b) => {
                let targets = self.walk_statement(b, src, frame, scope);
                for &idx in &targets {
                    self.apply_specs(idx, &specs, frame, scope);
                }
                targets
            }
            None => {
                // A redirect alone (`> file`) truncates or creates the file, like `: > file`.
                let span = self.span(whole, src, frame);
                let argv = vec![Word::literal(":", span)];
                self.emit(argv, Vec::new(), &specs, frame, scope, &[])
                    .map(|(i, _)| vec![i])
                    .unwrap_or_default()
            }
        }
    }

    /// Words in text tree-sitter skipped; anything not plainly a word is a finding.
    fn gap_words(&mut self, gap: &str, offset: usize, src: &Src, frame: &Frame) -> Vec<Word> {
        let trimmed = gap.trim();
        if trimmed.is_empty() {
            return Vec::new();
        }
        let span = frame.span.unwrap_or_else(|| {
            Span::new(
                src.cuts.original(offset),
                src.cuts.original(offset + gap.len()),
            )
        });
        if trimmed.chars().any(|c| {
            matches!(
                c,
                '\'' | '"' | '$' | '`' | '\\' | '(' | ')' | ';' | '&' | '|' | '<' | '>'
            )
        }) {
            self.finding(
                FindingKind::ParseError,
                span,
                format!("cannot parse `{trimmed}`"),
            );
            return Vec::new();
        }
        let raw = Span::new(offset, offset + gap.len());
        trimmed
            .split_whitespace()
            .map(|w| Word {
                origin: raw,
                ..Word::literal(w, span)
            })
            .collect()
    }

    fn walk_command(
        &mut self,
        node: Node,
        specs: Vec<RedirectSpec>,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) -> Vec<usize> {
        self.walk_command_with(node, specs, Vec::new(), src, frame, scope)
    }

    fn walk_command_with(
        &mut self,
        node: Node,
        mut specs: Vec<RedirectSpec>,
        extra: Vec<Word>,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) -> Vec<usize> {
        let mut name = None;
        let mut args = Vec::new();
        let mut assignments = Vec::new();
        let mut redirect_nodes = Vec::new();
        let mut cursor = node.walk();
        for (i, child) in node.children(&mut cursor).enumerate() {
            match (node.field_name_for_child(i as u32), child.kind()) {
                (Some("name"), _) => name = Some(child),
                (Some("argument"), _) => args.push(child),
                (Some("redirect"), _)
                | (_, "file_redirect" | "heredoc_redirect" | "herestring_redirect") => {
                    redirect_nodes.push(child)
                }
                (_, "variable_assignment") => assignments.push(child),
                (_, "subshell") => {
                    self.walk_statement(child, src, frame, scope);
                }
                _ => {}
            }
        }
        specs.extend(self.redirect_specs(&redirect_nodes, src, frame, scope));

        let Some(name) = name else {
            for a in assignments {
                self.assign(a, src, frame, scope);
            }
            if specs.is_empty() {
                return Vec::new();
            }
            let argv = vec![Word::literal(":", self.span(node, src, frame))];
            return self
                .emit(argv, Vec::new(), &specs, frame, scope, &[])
                .map(|(i, _)| vec![i])
                .unwrap_or_default();
        };

        // Prefix assignments: the command's environment (not the shell's variables).
        let mut env = Vec::new();
        let mut subs = Vec::new();
        for a in &assignments {
            if let Some((k, v)) = self.assignment_text(*a, src, scope, &mut subs) {
                env.push((k, v));
            }
        }

        // An alias is re-read as source text: `alias g='git'; g reset --hard`.
        let name_text = text(name, src.text);
        if let Some(value) = scope.alias(name_text).map(str::to_owned)
            && name.named_child(0).is_some_and(|c| c.kind() == "word")
        {
            let rest = src.text.get(name.end_byte()..node.end_byte()).unwrap_or("");
            let expanded = format!("{value}{rest}");
            let span = self.span(node, src, frame);
            let f = frame.nested(frame.context, span);
            return self.walk_code(&expanded, &f, scope);
        }

        // Words, each possibly several variants (multi-valued variables) and fields.
        let env_x = self.expand_env(scope);
        let mut word_variants: Vec<Vec<Vec<Word>>> = Vec::new();
        for w in std::iter::once(name).chain(args.iter().copied()) {
            let span = self.span(w, src, frame);
            let pieces = expand::pieces(w, src.text, scope, &mut subs);
            word_variants.push(finish(pieces, span, origin(w), &env_x));
        }
        if !extra.is_empty() {
            word_variants.push(vec![extra]);
        }
        let argvs = product(word_variants);

        let mut emitted = Vec::new();
        let mut executed_spans: Vec<Span> = Vec::new();
        for argv in argvs {
            if argv.is_empty() {
                continue;
            }
            if let Some((idx, spans)) = self.emit(argv, env.clone(), &specs, frame, scope, &[]) {
                emitted.push(idx);
                executed_spans.extend(spans);
            }
        }
        self.walk_substitution_nodes(&subs, &executed_spans, src, frame, scope);
        emitted
    }

    /// Substitutions found in words: walked in their own context; those in a word that is
    /// executed (program name, `bash -c` string, `eval` argument, script) feed execution.
    /// `executed` holds byte ranges in the current source text (word origins).
    fn walk_substitution_nodes(
        &mut self,
        subs: &[Node],
        executed: &[Span],
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) {
        for sub in subs {
            let span = self.span(*sub, src, frame);
            let (start, end) = (sub.start_byte(), sub.end_byte());
            let is_executed = executed.iter().any(|e| e.start <= start && end <= e.end);
            if matches!(sub.kind(), "word" | "expansion") {
                let codes = match sub.kind() {
                    "word" => embedded::substitutions(text(*sub, src.text)),
                    _ => self.prompt_expansion_code(*sub, src, span, scope),
                };
                let mut f = frame.nested(Context::Substitution, span);
                f.conditional = frame.conditional;
                f.output_executed = frame.output_executed || is_executed;
                for code in codes {
                    self.walk_code(&code, &f, &mut scope.clone());
                }
                continue;
            }
            let context = if sub.kind() == "process_substitution" {
                Context::ProcessSubstitution
            } else {
                Context::Substitution
            };
            let mut f = frame.clone();
            f.context = context;
            f.contexts |= context.bit();
            f.depth = frame.depth.saturating_add(1);
            f.output_executed = frame.output_executed || is_executed;
            if f.depth > self.limits.max_depth {
                self.finding(
                    FindingKind::TooDeep,
                    span,
                    format!("more than {} levels of nested code", self.limits.max_depth),
                );
                continue;
            }
            // A substitution runs in a subshell: its assignments do not leak out.
            let mut inner = scope.clone();
            let before = self.out.len();
            let targets = self.walk_block(*sub, src, &f, &mut inner);
            if f.output_executed {
                for inv in &mut self.out[before..] {
                    inv.output_executed = true;
                }
            }
            // `tee >(sh)`: whatever the outer command writes is the code.
            if text(*sub, src.text).starts_with(">(") {
                for &idx in &targets {
                    if self.side[idx].reads_code.take().is_some() {
                        let program = self.out[idx].program.clone();
                        self.finding(
                            FindingKind::CodeFromPipe,
                            span,
                            format!("`{program}` runs whatever is written to it"),
                        );
                    }
                }
            }
            // Output that runs as code and that the engine knows (`source <(echo ...)`,
            // `eval "$(printf ...)"`): judge that code too.
            if is_executed
                && let [only] = targets.as_slice()
                && let Some(code) = self.side[*only].emits.clone()
            {
                let nested = frame.nested(Context::Heredoc, span);
                self.walk_code(&code, &nested, &mut inner);
            }
        }
    }

    /// `${x@P}` expands prompt escapes in x's value, running any substitution in it.
    fn prompt_expansion_code(
        &mut self,
        node: Node,
        src: &Src,
        span: Span,
        scope: &Scope,
    ) -> Vec<String> {
        let raw = text(node, src.text);
        let name = raw
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix("@P}"))
            .unwrap_or("");
        match scope.lookup(name) {
            Some(Value {
                known,
                maybe_unknown: false,
            }) => known
                .iter()
                .flat_map(|v| embedded::substitutions(v))
                .collect(),
            _ => {
                self.finding(
                    FindingKind::UnreadableCode,
                    span,
                    format!(
                        "`{raw}` runs any command substitution in a value only known at run time"
                    ),
                );
                Vec::new()
            }
        }
    }

    /// Walk the substitutions anywhere inside `node` (skipping the named fields), as data.
    fn walk_substitutions_in(
        &mut self,
        node: Node,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
        skip_fields: &[&str],
    ) {
        let mut subs = Vec::new();
        let mut cursor = node.walk();
        for (i, child) in node.children(&mut cursor).enumerate() {
            if node
                .field_name_for_child(i as u32)
                .is_some_and(|f| skip_fields.contains(&f))
            {
                continue;
            }
            collect_substitutions(child, src.text, &mut subs);
        }
        self.walk_substitution_nodes(&subs, &[], src, frame, scope);
    }

    /// Build, strip and record one invocation, then walk everything it runs.
    /// Returns its index and the spans of its executed words.
    fn emit(
        &mut self,
        argv: Vec<Word>,
        mut env: Vec<(String, String)>,
        specs: &[RedirectSpec],
        frame: &Frame,
        scope: &mut Scope,
        extra_wrappers: &[String],
    ) -> Option<(usize, Vec<Span>)> {
        if self.out.len() >= self.limits.max_invocations {
            if !self.stopped {
                let span = argv.first().map(|w| w.span).unwrap_or_default();
                self.finding(
                    FindingKind::TooManyInvocations,
                    span,
                    format!("more than {} commands", self.limits.max_invocations),
                );
                self.stopped = true;
            }
            return None;
        }
        let stripped = wrappers::strip(argv);
        let mut wrappers: Vec<String> = frame
            .wrappers
            .iter()
            .chain(extra_wrappers)
            .cloned()
            .collect();
        wrappers.extend(stripped.wrappers.iter().cloned());
        env.extend(stripped.env.iter().cloned());
        let argv = stripped.argv;
        let first = argv.first()?.clone();
        let program = program_name(&first.text);

        // Programs that build commands: their command is the invocation.
        match program.as_str() {
            "xargs" => {
                if let Some(cmd) = derived::xargs(&argv) {
                    wrappers.push("xargs".into());
                    return self.emit_with_wrappers(
                        cmd,
                        env,
                        specs,
                        frame,
                        scope,
                        wrappers,
                        stripped.shell_strings,
                    );
                }
            }
            "parallel" => {
                let jobs = derived::parallel(&argv);
                wrappers.push("parallel".into());
                let mut first_emitted = None;
                for cmd in jobs.commands {
                    let r = self.emit_with_wrappers(
                        cmd,
                        env.clone(),
                        specs,
                        frame,
                        scope,
                        wrappers.clone(),
                        Vec::new(),
                    );
                    first_emitted = first_emitted.or(r);
                }
                for s in jobs.shell_strings {
                    self.nested_shell(&s, Context::ShellString, frame, scope, &wrappers);
                }
                if first_emitted.is_some() {
                    return first_emitted;
                }
            }
            _ => {}
        }
        self.record(
            argv,
            program,
            env,
            specs,
            frame,
            scope,
            wrappers,
            stripped.shell_strings,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn emit_with_wrappers(
        &mut self,
        argv: Vec<Word>,
        env: Vec<(String, String)>,
        specs: &[RedirectSpec],
        frame: &Frame,
        scope: &mut Scope,
        wrappers: Vec<String>,
        shell_strings: Vec<Word>,
    ) -> Option<(usize, Vec<Span>)> {
        let mut f = frame.clone();
        f.wrappers = wrappers;
        let r = self.emit(argv, env, specs, &f, scope, &[]);
        for s in shell_strings {
            self.nested_shell(&s, Context::ShellString, &f, scope, &f.wrappers.clone());
        }
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        argv: Vec<Word>,
        program: String,
        env: Vec<(String, String)>,
        specs: &[RedirectSpec],
        frame: &Frame,
        scope: &mut Scope,
        wrappers: Vec<String>,
        shell_strings: Vec<Word>,
    ) -> Option<(usize, Vec<Span>)> {
        let first = argv[0].clone();
        let span = frame
            .span
            .unwrap_or_else(|| argv.iter().fold(first.span, |s, w| s.cover(w.span)));
        if first.glob {
            self.finding(
                FindingKind::UnresolvedProgram,
                first.span,
                format!(
                    "`{}` is a pattern; the shell runs whatever file it matches",
                    first.text
                ),
            );
        }
        if first.unresolved {
            self.finding(
                FindingKind::UnresolvedProgram,
                first.span,
                format!("`{}` is only known at run time", first.text),
            );
        }
        if let Some(why) = confusables::check(&argv) {
            self.finding(FindingKind::Confusable, first.span, why);
        }
        let code = execution::code_source(&program, &argv);
        let self_call = frame.function.as_deref() == Some(program.as_str());
        let idx = self.out.len();
        self.out.push(Invocation {
            program: program.clone(),
            argv,
            wrappers: wrappers.clone(),
            env,
            redirects: Vec::new(),
            context: frame.context,
            contexts: frame.contexts,
            span,
            cwd: scope.cwd().map(str::to_owned),
            upstream: Vec::new(),
            downstream: Vec::new(),
            output_executed: frame.output_executed,
            background: false,
            piped: false,
            self_call,
            stdin: None,
            code: None,
            depth: frame.depth,
        });
        self.side.push(Side::default());

        for s in &shell_strings {
            self.nested_shell(s, Context::ShellString, frame, scope, &wrappers);
        }
        self.run_code_source(idx, &code, frame, scope, &wrappers);
        self.run_carried(idx, frame, scope, &wrappers);
        if code.reads_stdin() {
            self.side[idx].reads_code = Some(match &code {
                CodeSource::Interpreter(i) => StdinCode::Interpreter(i.language),
                _ => StdinCode::Shell,
            });
        }
        self.side[idx].emits = emitted_text(&self.out[idx], specs);
        self.apply_specs(idx, specs, frame, scope);
        if frame.span.is_none() {
            // The redirects are part of the command a person reads (`bash -i >& /dev/tcp/...`).
            let inv = &mut self.out[idx];
            inv.span = inv
                .redirects
                .iter()
                .fold(inv.span, |s, r| s.cover(r.target.span));
        }

        if program == "find" {
            let argv = self.out[idx].argv.clone();
            for cmd in derived::find_exec(&argv) {
                let mut w = wrappers.clone();
                w.push("find".into());
                self.emit_with_wrappers(cmd, Vec::new(), &[], frame, scope, w, Vec::new());
            }
        }
        self.scope_effects(idx, frame, scope);
        if wrappers.iter().any(|w| w == "coproc") && code.reads_stdin() {
            self.finding(
                FindingKind::CodeFromPipe,
                span,
                format!("`{program}` runs as a coprocess whatever is later written to it"),
            );
        }
        self.reevaluated_text(idx, frame, scope);
        self.call_function(idx, frame, scope, &wrappers);
        self.through_links(idx, frame, scope, &wrappers);

        let argv = &self.out[idx].argv;
        let mut executed: Vec<Span> = vec![argv[0].origin];
        executed.extend(
            code.executed_words(argv.len())
                .into_iter()
                .filter_map(|i| argv.get(i).map(|w| w.origin)),
        );
        Some((idx, executed))
    }

    /// Builtins that evaluate an array subscript in their argument text run any
    /// substitution in it: `declare 'a[$(cmd)]=1'`, `printf -v 'a[$(cmd)]'`, `let`.
    fn reevaluated_text(&mut self, idx: usize, frame: &Frame, scope: &mut Scope) {
        let inv = &self.out[idx];
        let program = inv.program.as_str();
        if !matches!(
            program,
            "let"
                | "declare"
                | "typeset"
                | "local"
                | "export"
                | "readonly"
                | "printf"
                | "read"
                | "unset"
                | "test"
                | "["
                | "mapfile"
                | "readarray"
        ) {
            return;
        }
        let mut codes = Vec::new();
        for w in inv.args() {
            if !w.unresolved && (program == "let" || w.text.contains('[')) {
                codes.extend(
                    embedded::substitutions(&w.text)
                        .into_iter()
                        .map(|c| (c, w.span)),
                );
            }
        }
        for (code, span) in codes {
            let mut f = frame.nested(Context::Substitution, span);
            f.conditional = frame.conditional;
            self.walk_code(&code, &f, &mut scope.clone());
        }
    }

    /// A call to a shell function defined earlier runs its body with these arguments.
    fn call_function(&mut self, idx: usize, frame: &Frame, scope: &mut Scope, wrappers: &[String]) {
        let program = self.out[idx].program.clone();
        // Recursion is judged once, at the definition.
        if frame.function.as_deref() == Some(program.as_str()) {
            return;
        }
        let Some(body) = scope.function(&program).map(str::to_owned) else {
            return;
        };
        let args: Vec<Option<String>> = self.out[idx]
            .args()
            .iter()
            .map(|w| (!w.unresolved && !w.glob).then(|| w.text.clone()))
            .collect();
        let saved = scope.positional();
        scope.set_positional(&args, false);
        let mut f = frame.nested(Context::Function, self.out[idx].span);
        f.conditional = frame.conditional;
        f.function = Some(program);
        f.wrappers = wrappers.to_vec();
        self.walk_code(&body, &f, scope);
        scope.restore_positional(saved);
    }

    /// A command that names a path through a link made earlier in the input
    /// (`ln -s ~ dist; rm -rf dist/`) is judged a second time as it reaches the target.
    fn through_links(&mut self, idx: usize, frame: &Frame, scope: &mut Scope, wrappers: &[String]) {
        if scope.links().is_empty() || self.following_links {
            return;
        }
        let inv = &self.out[idx];
        let cwd = inv.cwd.as_deref();
        // Removing the link itself does not touch what it points at; `dist/` does.
        let removes = matches!(
            inv.program.as_str(),
            "rm" | "unlink" | "rmdir" | "mv" | "rimraf"
        );
        let mut changed = false;
        let mut argv = inv.argv.clone();
        for w in argv.iter_mut().skip(1) {
            if let Some(text) = links::follow(&w.text, cwd, scope.links(), removes) {
                w.text = text;
                changed = true;
            }
        }
        let mut specs = Vec::new();
        for r in &inv.redirects {
            let mut r = r.clone();
            if let Some(text) = links::follow(&r.target.text, cwd, scope.links(), false) {
                r.target.text = text;
                changed = true;
            }
            specs.push(RedirectSpec::File(r));
        }
        if !changed {
            return;
        }
        let env = inv.env.clone();
        let mut f = frame.clone();
        f.wrappers = wrappers.to_vec();
        self.following_links = true;
        self.emit(argv, env, &specs, &f, scope, &[]);
        self.following_links = false;
    }

    /// Walk the code an invocation runs from its own arguments.
    fn run_code_source(
        &mut self,
        idx: usize,
        code: &CodeSource,
        frame: &Frame,
        scope: &mut Scope,
        wrappers: &[String],
    ) {
        let argv = self.out[idx].argv.clone();
        match code {
            CodeSource::ShellString { word } => {
                self.nested_shell(&argv[*word], Context::ShellString, frame, scope, wrappers)
            }
            CodeSource::Eval { from } => {
                // `eval` runs in this shell: its `cd` and assignments hold afterwards.
                if let Some(joined) = Word::joined(&argv[*from..]) {
                    if joined.unresolved {
                        self.finding(
                            FindingKind::UnreadableCode,
                            joined.span,
                            "the command string depends on values only known at run time",
                        );
                    }
                    let mut f = frame.nested(Context::Eval, joined.span);
                    f.wrappers = wrappers.to_vec();
                    self.walk_code(&joined.text, &f, scope);
                }
            }
            CodeSource::Interpreter(interp) => {
                let mut code_text = String::new();
                let mut readable = true;
                for cw in &interp.code_words {
                    let Some(word) = cw.text(&argv) else { continue };
                    if word.unresolved {
                        readable = false;
                        self.finding(
                            FindingKind::UnreadableCode,
                            word.span,
                            format!(
                                "`{}` code depends on values only known at run time",
                                self.out[idx].program
                            ),
                        );
                    }
                    if !code_text.is_empty() {
                        code_text.push('\n');
                    }
                    code_text.push_str(word.text.get(cw.offset..).unwrap_or(""));
                }
                if !interp.code_words.is_empty() {
                    let text = readable.then(|| code_text.clone());
                    self.out[idx].code = Some(InlineCode {
                        language: interp.language,
                        text,
                    });
                    if readable {
                        self.inline_commands(idx, interp.language, &code_text, frame, scope);
                    }
                }
                if let Some(m) = interp.module {
                    let derived: Vec<Word> = argv[m..].to_vec();
                    if !derived.is_empty() {
                        let mut w = wrappers.to_vec();
                        w.push(format!("{} -m", self.out[idx].program));
                        self.emit_with_wrappers(
                            derived,
                            Vec::new(),
                            &[],
                            frame,
                            scope,
                            w,
                            Vec::new(),
                        );
                    }
                }
            }
            CodeSource::None
            | CodeSource::ShellScript { .. }
            | CodeSource::ShellStdin
            | CodeSource::Source { .. } => {}
        }
    }

    /// Commands other programs carry in their arguments (`tar --to-command`, `ssh host CMD`)
    /// or environment (`GIT_SSH_COMMAND=...`).
    fn run_carried(&mut self, idx: usize, frame: &Frame, scope: &mut Scope, wrappers: &[String]) {
        let program = self.out[idx].program.clone();
        let argv = self.out[idx].argv.clone();
        let span = self.out[idx].span;
        let env_commands: Vec<String> = self.out[idx]
            .env
            .iter()
            .filter(|(k, v)| super::carriers::carried_by_env(k) && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect();
        for line in env_commands {
            let word = Word::literal(line, span);
            self.nested_shell(&word, Context::ShellString, frame, scope, wrappers);
        }
        for carried in super::carriers::carried(&program, &argv) {
            match carried {
                super::carriers::Carried::Line(word, context) => {
                    self.nested_shell(&word, context, frame, scope, wrappers)
                }
                super::carriers::Carried::Argv(words, context) => {
                    let span = words[0].span.cover(words[words.len() - 1].span);
                    let mut f = frame.nested(context, span);
                    f.wrappers = wrappers.to_vec();
                    self.emit(words, Vec::new(), &[], &f, scope, &[]);
                }
                super::carriers::Carried::Unreadable(word, why) => {
                    self.finding(FindingKind::UnreadableCode, word.span, why)
                }
            }
        }
    }

    /// The shell commands inline interpreter code runs.
    fn inline_commands(
        &mut self,
        idx: usize,
        language: Language,
        code: &str,
        frame: &Frame,
        scope: &mut Scope,
    ) {
        let extraction = inline::shell_commands(language, code);
        let span = self.out[idx].span;
        if extraction.unreadable {
            self.finding(
                FindingKind::UnreadableCode,
                span,
                format!(
                    "{} code runs a command the bouncer cannot read",
                    language.name()
                ),
            );
        }
        let wrappers = self.out[idx].wrappers.clone();
        let mut f = frame.nested(Context::InlineCode, span);
        f.wrappers = wrappers;
        for command in extraction.commands {
            self.walk_code(&command, &f, &mut scope.clone());
        }
    }

    /// Code a shell runs from a string.
    fn nested_shell(
        &mut self,
        word: &Word,
        context: Context,
        frame: &Frame,
        scope: &mut Scope,
        wrappers: &[String],
    ) {
        if word.unresolved {
            self.finding(
                FindingKind::UnreadableCode,
                word.span,
                "the command string depends on values only known at run time",
            );
        }
        let mut f = frame.nested(context, word.span);
        f.wrappers = wrappers.to_vec();
        self.walk_code(&word.text, &f, &mut scope.clone());
    }

    /// Code read from stdin, now that its text is known.
    fn run_stdin_code(
        &mut self,
        idx: usize,
        kind: StdinCode,
        code: String,
        frame: &Frame,
        scope: &mut Scope,
    ) {
        let span = self.out[idx].span;
        match kind {
            StdinCode::Shell => {
                let mut f = frame.nested(Context::Heredoc, span);
                f.wrappers = self.out[idx].wrappers.clone();
                self.walk_code(&code, &f, &mut scope.clone());
            }
            StdinCode::Interpreter(language) => {
                self.out[idx].code = Some(InlineCode {
                    language,
                    text: Some(code.clone()),
                });
                let f = frame.nested(Context::Heredoc, span);
                self.inline_commands(idx, language, &code, &f, scope);
            }
        }
    }

    /// Attach redirections; feed heredoc and here-string data to the command.
    fn apply_specs(
        &mut self,
        idx: usize,
        specs: &[RedirectSpec],
        frame: &Frame,
        scope: &mut Scope,
    ) {
        for spec in specs {
            match spec {
                RedirectSpec::File(r) => self.out[idx].redirects.push(r.clone()),
                RedirectSpec::Stdin { redirect, data } => {
                    self.out[idx].redirects.push(redirect.clone());
                    match (self.side[idx].reads_code.take(), data) {
                        (Some(kind), Some(code)) => {
                            self.run_stdin_code(idx, kind, code.clone(), frame, scope)
                        }
                        (Some(_), None) => {
                            let span = redirect.target.span;
                            self.finding(
                                FindingKind::UnreadableCode,
                                span,
                                "code fed from a here-string the bouncer cannot read",
                            );
                        }
                        (None, Some(d)) => self.out[idx].stdin = Some(d.clone()),
                        (None, None) => {}
                    }
                }
            }
        }
    }

    /// The redirections of a command or statement, with heredoc and here-string data.
    fn redirect_specs(
        &mut self,
        nodes: &[Node],
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) -> Vec<RedirectSpec> {
        let mut specs = Vec::new();
        let env_x = self.expand_env(scope);
        for &node in nodes {
            let fd = node
                .child_by_field_name("descriptor")
                .and_then(|d| text(d, src.text).parse().ok());
            match node.kind() {
                "file_redirect" => {
                    let op_text = operator_text(node, src.text);
                    let op = match op_text.as_str() {
                        "<" => RedirectOp::Read,
                        ">>" | "&>>" => RedirectOp::Append,
                        "<>" => RedirectOp::ReadWrite,
                        ">&" | "<&" | ">&-" | "<&-" => RedirectOp::Duplicate,
                        _ => RedirectOp::Write,
                    };
                    let mut subs = Vec::new();
                    let dests = field_children(node, "destination");
                    let target = match dests.first() {
                        Some(d) => {
                            let span = self.span(*d, src, frame);
                            let w = finish(
                                expand::pieces(*d, src.text, scope, &mut subs),
                                span,
                                origin(*d),
                                &env_x,
                            );
                            w.into_iter()
                                .next()
                                .and_then(|v| v.into_iter().next())
                                .unwrap_or_else(|| Word::placeholder("", span))
                        }
                        None => Word::placeholder("", self.span(node, src, frame)),
                    };
                    // `>&2` duplicates a descriptor; `>& file` writes the file.
                    let op = if op == RedirectOp::Duplicate
                        && !target.text.chars().all(|c| c.is_ascii_digit() || c == '-')
                    {
                        RedirectOp::Write
                    } else {
                        op
                    };
                    self.walk_substitution_nodes(&subs, &[], src, frame, scope);
                    specs.push(RedirectSpec::File(Redirect { op, fd, target }));
                }
                "heredoc_redirect" => {
                    let start = node
                        .named_children(&mut node.walk())
                        .find(|c| c.kind() == "heredoc_start");
                    let body = node
                        .named_children(&mut node.walk())
                        .find(|c| c.kind() == "heredoc_body");
                    let delim = start.map(|s| text(s, src.text)).unwrap_or("");
                    let quoted = delim.contains(['\'', '"', '\\']);
                    let strip_tabs = operator_text(node, src.text) == "<<-";
                    let data =
                        body.map(|b| self.heredoc_text(b, quoted, strip_tabs, src, frame, scope));
                    let span = self.span(node, src, frame);
                    let target = Word::literal(delim.trim_matches(['\'', '"', '\\']), span);
                    specs.push(RedirectSpec::Stdin {
                        redirect: Redirect {
                            op: RedirectOp::Heredoc,
                            fd,
                            target,
                        },
                        data: Some(data.unwrap_or_default()),
                    });
                    // Redirects on the heredoc's start line (`cat <<EOF > out`).
                    let inner: Vec<Node> = field_children(node, "redirect");
                    specs.extend(self.redirect_specs(&inner, src, frame, scope));
                }
                "herestring_redirect" => {
                    let mut subs = Vec::new();
                    let span = self.span(node, src, frame);
                    let mut cursor = node.walk();
                    let value = node
                        .named_children(&mut cursor)
                        .find(|c| c.kind() != "file_descriptor");
                    let word = value
                        .map(|v| {
                            finish(
                                expand::pieces(v, src.text, scope, &mut subs),
                                span,
                                origin(v),
                                &env_x,
                            )
                        })
                        .and_then(|v| v.into_iter().next())
                        .map(|fields| {
                            let unresolved = fields.iter().any(|w| w.unresolved);
                            let text = fields
                                .into_iter()
                                .map(|w| w.text)
                                .collect::<Vec<_>>()
                                .join(" ");
                            Word {
                                text,
                                span,
                                unresolved,
                                glob: false,
                                quoted: true,
                                origin: origin(node),
                            }
                        })
                        .unwrap_or_else(|| Word::literal("", span));
                    // Its substitutions run before the command; whether their output is
                    // code depends on the command, which is not known yet: be safe.
                    let executed = [origin(node)];
                    self.walk_substitution_nodes(
                        &subs,
                        if subs.is_empty() { &[] } else { &executed },
                        src,
                        frame,
                        scope,
                    );
                    let data = (!word.unresolved).then(|| format!("{}\n", word.text));
                    specs.push(RedirectSpec::Stdin {
                        redirect: Redirect {
                            op: RedirectOp::Herestring,
                            fd,
                            target: word,
                        },
                        data,
                    });
                }
                _ => {}
            }
        }
        specs
    }

    /// The text of a heredoc body: literal when the delimiter is quoted, otherwise with
    /// escapes removed and variables expanded (its substitutions run as data).
    fn heredoc_text(
        &mut self,
        body: Node,
        quoted: bool,
        strip_tabs: bool,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) -> String {
        let raw = text(body, src.text);
        let mut out = if quoted {
            raw.to_owned()
        } else {
            let mut subs = Vec::new();
            let mut s = String::new();
            let mut pos = body.start_byte();
            let mut cursor = body.walk();
            for child in body.named_children(&mut cursor) {
                if child.kind() == "heredoc_content" {
                    continue;
                }
                s.push_str(&heredoc_unescape(
                    src.text.get(pos..child.start_byte()).unwrap_or(""),
                ));
                let pieces = expand::pieces(child, src.text, scope, &mut subs);
                for p in pieces {
                    match p {
                        Piece::Text { text, .. } => s.push_str(&text),
                        Piece::Unknown { raw } => s.push_str(&raw),
                        Piece::Choice { .. } => s.push_str(text(child, src.text)),
                    }
                }
                pos = child.end_byte();
            }
            s.push_str(&heredoc_unescape(
                src.text.get(pos..body.end_byte()).unwrap_or(""),
            ));
            self.walk_substitution_nodes(&subs, &[], src, frame, scope);
            s
        };
        if strip_tabs {
            out = out
                .lines()
                .map(|l| l.trim_start_matches('\t'))
                .collect::<Vec<_>>()
                .join("\n");
        }
        out
    }

    fn assign(&mut self, node: Node, src: &Src, frame: &Frame, scope: &mut Scope) {
        let mut subs = Vec::new();
        // `a[$(cmd)]=1`: bash runs substitutions in a subscript.
        if let Some(name) = node
            .child_by_field_name("name")
            .filter(|n| n.kind() == "subscript")
        {
            collect_substitutions(name, src.text, &mut subs);
        }
        let Some(name) = node
            .child_by_field_name("name")
            .map(|n| text(n, src.text).to_owned())
        else {
            return;
        };
        let value = match node.child_by_field_name("value") {
            None => Value::known(String::new()),
            Some(v) if v.kind() == "array" => {
                let appends = text(node, src.text).contains("+=");
                let items = (!appends)
                    .then(|| self.array_items(v, src, scope, &mut subs))
                    .flatten();
                self.walk_substitution_nodes(&subs, &[], src, frame, scope);
                scope.assign_array(&name, items.as_deref(), frame.conditional);
                return;
            }
            Some(_) if text(node, src.text).contains("+=") => Value::unknown(),
            Some(v) => {
                let pieces = expand::pieces(v, src.text, scope, &mut subs);
                let variants = finish(pieces, Span::default(), origin(v), &self.expand_env(scope));
                let mut known = Vec::new();
                let mut unknown = false;
                for fields in variants {
                    if fields.iter().any(|w| w.unresolved) {
                        unknown = true;
                    } else {
                        known.push(
                            fields
                                .into_iter()
                                .map(|w| w.text)
                                .collect::<Vec<_>>()
                                .join(" "),
                        );
                    }
                }
                Value {
                    known,
                    maybe_unknown: unknown,
                }
            }
        };
        self.walk_substitution_nodes(&subs, &[], src, frame, scope);
        scope.assign(&name, value, frame.conditional);
    }

    /// The items of `(a b c)`, each `None` when unknown; `None` when they cannot be
    /// told apart (an unknown expansion may be any number of items).
    fn array_items<'t>(
        &self,
        array: Node<'t>,
        src: &Src,
        scope: &Scope,
        subs: &mut Vec<Node<'t>>,
    ) -> Option<Vec<Option<String>>> {
        let env = self.expand_env(scope);
        let mut items = Vec::new();
        let mut cursor = array.walk();
        for element in array.named_children(&mut cursor) {
            if element.kind() == "comment" {
                continue;
            }
            let pieces = expand::pieces(element, src.text, scope, subs);
            let mut variants = finish(pieces, Span::default(), origin(element), &env);
            if variants.len() != 1 {
                return None;
            }
            for w in variants.pop().unwrap_or_default() {
                if w.unresolved {
                    return None;
                }
                items.push((!w.glob).then_some(w.text));
            }
        }
        Some(items)
    }

    /// `NAME=value` of a prefix assignment or declaration, as text.
    fn assignment_text<'t>(
        &self,
        node: Node<'t>,
        src: &Src,
        scope: &Scope,
        subs: &mut Vec<Node<'t>>,
    ) -> Option<(String, String)> {
        let name = text(node.child_by_field_name("name")?, src.text).to_owned();
        let value = match node.child_by_field_name("value") {
            Some(v) => {
                let pieces = expand::pieces(v, src.text, scope, subs);
                finish(pieces, Span::default(), origin(v), &self.expand_env(scope))
                    .into_iter()
                    .next()
                    .map(|f| f.into_iter().map(|w| w.text).collect::<Vec<_>>().join(" "))
                    .unwrap_or_default()
            }
            None => String::new(),
        };
        Some((name, value))
    }

    /// `export`, `declare`, `local`, `readonly`, `typeset`: assignments and an invocation.
    fn walk_declaration(
        &mut self,
        node: Node,
        src: &Src,
        frame: &Frame,
        scope: &mut Scope,
    ) -> Vec<usize> {
        let span = self.span(node, src, frame);
        let keyword = node
            .child(0)
            .map(|k| text(k, src.text).to_owned())
            .unwrap_or_default();
        let mut argv = vec![Word::literal(keyword, span)];
        let mut env = Vec::new();
        let mut subs = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() == "variable_assignment" {
                if let Some((k, v)) = self.assignment_text(child, src, scope, &mut subs) {
                    argv.push(Word::literal(
                        format!("{k}={v}"),
                        self.span(child, src, frame),
                    ));
                    env.push((k, v));
                }
                self.assign(child, src, frame, scope);
            } else {
                let span = self.span(child, src, frame);
                let pieces = expand::pieces(child, src.text, scope, &mut subs);
                let env_x = self.expand_env(scope);
                match finish(pieces, span, origin(child), &env_x)
                    .into_iter()
                    .next()
                {
                    Some(fields) => argv.extend(fields),
                    None => argv.push(Word::placeholder(text(child, src.text), span)),
                }
            }
        }
        self.walk_substitution_nodes(&subs, &[], src, frame, scope);
        let program = program_name(&argv[0].text);
        self.record(
            argv,
            program,
            env,
            &[],
            frame,
            scope,
            frame.wrappers.clone(),
            Vec::new(),
        )
        .map(|(i, _)| vec![i])
        .unwrap_or_default()
    }

    /// `cd`, `pushd`, `alias`: what the rest of the input sees.
    fn scope_effects(&mut self, idx: usize, frame: &Frame, scope: &mut Scope) {
        let inv = &self.out[idx];
        match inv.program.as_str() {
            "cd" | "pushd" => {
                let target = inv
                    .args()
                    .iter()
                    .find(|w| !w.text.starts_with('-') || w.text == "-");
                match target {
                    None => scope.change_dir(Some(&self.env.home), frame.conditional),
                    Some(w) if w.unresolved || w.text == "-" => {
                        scope.change_dir(None, frame.conditional)
                    }
                    Some(w) => {
                        let t = w.text.clone();
                        scope.change_dir(Some(&t), frame.conditional)
                    }
                }
            }
            "popd" => scope.change_dir(None, frame.conditional),
            "set" => {
                let args = inv.args();
                let positional = match args.iter().position(|w| w.text == "--") {
                    Some(i) => Some(&args[i + 1..]),
                    None if args
                        .first()
                        .is_some_and(|w| !w.text.starts_with(['-', '+'])) =>
                    {
                        Some(args)
                    }
                    None => None,
                };
                if let Some(words) = positional {
                    let values: Vec<Option<String>> = words
                        .iter()
                        .map(|w| (!w.unresolved && !w.glob).then(|| w.text.clone()))
                        .collect();
                    scope.set_positional(&values, frame.conditional);
                }
            }
            "shift" => {
                let n = match inv.args().first() {
                    None => Some(1),
                    Some(w) => w.text.parse::<usize>().ok(),
                };
                let count = scope
                    .lookup("#")
                    .filter(|v| !v.maybe_unknown && v.known.len() == 1)
                    .and_then(|v| v.known[0].parse::<usize>().ok());
                let values = match (n, count) {
                    (Some(n), Some(count)) if count <= 9 => (n + 1..=count)
                        .map(|i| {
                            scope
                                .lookup(&i.to_string())
                                .filter(|v| !v.maybe_unknown && v.known.len() == 1)
                                .map(|v| v.known[0].clone())
                        })
                        .collect(),
                    _ => vec![None],
                };
                scope.set_positional(&values, frame.conditional);
            }
            "ln" => {
                for (link, target) in links::made_by_ln(&inv.argv, inv.cwd.as_deref()) {
                    scope.add_link(link, target);
                }
            }
            "alias" => {
                let defs: Vec<(String, String)> = inv
                    .args()
                    .iter()
                    .filter(|w| is_assignment(&w.text) || w.text.contains('='))
                    .filter_map(|w| {
                        w.text
                            .split_once('=')
                            .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    })
                    .collect();
                for (k, v) in defs {
                    scope.define_alias(&k, &v);
                }
            }
            _ => {}
        }
    }

    fn expand_env(&self, scope: &Scope) -> ExpandEnv {
        ExpandEnv {
            home: scope.home().to_owned(),
            cwd: scope.cwd().map(str::to_owned),
        }
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

/// The text a program writes to stdout when the engine knows it.
fn emitted_text(inv: &Invocation, specs: &[RedirectSpec]) -> Option<String> {
    let args = inv.args();
    if args.iter().any(|w| w.unresolved) {
        return None;
    }
    match inv.program.as_str() {
        "echo" => {
            let mut escapes = false;
            let mut rest = args;
            while let Some(first) = rest
                .first()
                .filter(|w| matches!(w.text.as_str(), "-n" | "-e" | "-E" | "-ne" | "-en"))
            {
                escapes |= first.text.contains('e');
                rest = &rest[1..];
            }
            let text = rest
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            Some(if escapes {
                super::word::ansi_c_text(&text)
            } else {
                text
            })
        }
        "printf" => {
            let (format, values) = args.split_first()?;
            Some(printf(&format.text, values))
        }
        "cat" if args.is_empty() || args.iter().all(|w| w.text == "-") => {
            specs.iter().find_map(|s| match s {
                RedirectSpec::Stdin { data, .. } => data.clone(),
                RedirectSpec::File(_) => None,
            })
        }
        _ => None,
    }
}

/// Enough of `printf` to know what it prints: `%s`, `%b`, `%d`, escapes (`\n`, `\x72`,
/// `\162`), and reuse of the format while arguments remain.
fn printf(format: &str, values: &[Word]) -> String {
    let mut out = String::new();
    let mut values = values.iter().map(|w| w.text.as_str());
    for _round in 0..16 {
        let mut literal = String::new();
        let mut used = false;
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            out.push_str(&super::word::ansi_c_text(&std::mem::take(&mut literal)));
            // Skip flags, width and precision: `%-10s`, `%.3s`.
            while chars
                .peek()
                .is_some_and(|c| matches!(c, '-' | '+' | ' ' | '#' | '0'..='9' | '.'))
            {
                chars.next();
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some('b') => {
                    out.push_str(&super::word::ansi_c_text(values.next().unwrap_or("")));
                    used = true;
                }
                Some(_) => {
                    out.push_str(values.next().unwrap_or(""));
                    used = true;
                }
                None => out.push('%'),
            }
        }
        out.push_str(&super::word::ansi_c_text(&literal));
        if !used || values.len() == 0 {
            break;
        }
    }
    out
}

fn heredoc_unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && matches!(chars.peek(), Some('$' | '`' | '\\' | '\n')) {
            let e = chars.next().unwrap_or('\\');
            if e != '\n' {
                out.push(e);
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The operator token of a redirect (`>`, `>>`, `<<-`, ...).
fn operator_text(node: Node, src: &str) -> String {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .filter(|c| !c.is_named())
        .map(|c| text(c, src).to_owned())
        .next()
        .unwrap_or_default()
}

/// The commands of a (left-nested) `&&`/`||` list, each with the operator before it.
fn flatten_list<'t>(
    node: Node<'t>,
    op: Option<&'static str>,
    out: &mut Vec<(Option<&'static str>, Node<'t>)>,
) {
    let mut next_op = op;
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "&&" => next_op = Some("&&"),
            "||" => next_op = Some("||"),
            "comment" => {}
            _ if !child.is_named() => {}
            "list"
                if out.is_empty()
                    || next_op.is_some() && child.start_byte() == node.start_byte() =>
            {
                flatten_list(child, next_op, out);
                next_op = None;
            }
            _ => {
                out.push((next_op, child));
                next_op = None;
            }
        }
    }
}

/// Named children that are statements.
fn statement_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|c| {
            !matches!(
                c.kind(),
                "comment" | "heredoc_body" | "heredoc_start" | "heredoc_end" | "file_descriptor"
            )
        })
        .collect()
}

/// The named children in a field (tree-sitter also lists tokens such as `;` there).
fn field_children<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_name(field, &mut cursor)
        .filter(|c| c.is_named())
        .collect()
}

fn collect_kind<'t>(node: Node<'t>, kind: &str, out: &mut Vec<Node<'t>>) {
    if node.kind() == kind {
        out.push(node);
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        collect_kind(child, kind, out);
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

/// Most argv variants one command expands to.
const MAX_ARGV_VARIANTS: usize = 8;

/// The combinations of each word's variants, each flattened into one argv.
fn product(words: Vec<Vec<Vec<Word>>>) -> Vec<Vec<Word>> {
    let mut argvs: Vec<Vec<Word>> = vec![Vec::new()];
    for variants in words {
        if variants.len() == 1 || argvs.len() * variants.len() > MAX_ARGV_VARIANTS {
            // Too many combinations: keep the first variant, marked unresolved if it had rivals.
            let rivals = variants.len() > 1;
            let mut fields = variants.into_iter().next().unwrap_or_default();
            if rivals {
                fields.iter_mut().for_each(|w| w.unresolved = true);
            }
            argvs
                .iter_mut()
                .for_each(|a| a.extend(fields.iter().cloned()));
            continue;
        }
        let mut next = Vec::with_capacity(argvs.len() * variants.len());
        for a in &argvs {
            for v in &variants {
                let mut a = a.clone();
                a.extend(v.iter().cloned());
                next.push(a);
            }
        }
        argvs = next;
    }
    argvs
}
