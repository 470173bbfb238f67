//! Statements in order: blocks, lists, pipelines, conditionals and loops, and the
//! branches whose effects on the scope may or may not happen.

use tree_sitter::Node;

use std::rc::Rc;

use super::command::{self, Outer};
use super::redirects::{may_fail, stdin_data};
use super::{At, Frame, Walker, origin};
use crate::shell::expand::{self, text};
use crate::shell::input::Input;
use crate::shell::invocation::{Context, FindingKind};
use crate::shell::scope::{Scope, Value};
use crate::shell::word::{Word, finish};
use crate::span::Span;

/// A stage of a pipeline: a syntax node, or a redirected statement whose heredoc
/// carried the rest of the pipeline (tree-sitter nests `| bash` inside `cat <<EOF`).
pub(super) enum Stage<'t> {
    Node(Node<'t>),
    Head {
        body: Option<Node<'t>>,
        redirects: Vec<Node<'t>>,
        whole: Node<'t>,
    },
}

impl Walker<'_> {
    /// A sequence of statements (a program, a group, a loop body).
    pub(super) fn walk_block(&mut self, node: Node, at: At, scope: &mut Scope) -> Vec<usize> {
        let mut targets = Vec::new();
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        let statement = |c: &Node| {
            c.is_named()
                && !matches!(
                    c.kind(),
                    "comment" | "heredoc_body" | "heredoc_start" | "heredoc_end"
                )
        };
        // `{ cd nope; ls; } && x`, `f && x`, `eval "..." && x`: only the last
        // statement's success is checked; one before it may fail and the block go on.
        let last = children.iter().rposition(statement);
        let unchecked = Frame {
            checked: false,
            ..at.frame.clone()
        };
        for (i, child) in children.iter().enumerate() {
            if !statement(child) {
                continue;
            }
            let at = if Some(i) == last {
                at
            } else {
                at.with(&unchecked)
            };
            let before = self.out.len();
            let background = children.get(i + 1).is_some_and(|n| n.kind() == "&");
            // In the background it runs in a subshell: its `cd` and assignments stay there.
            let t = if background {
                let mut copy = scope.clone();
                copy.take_exit_traps();
                let t = self.walk_statement(*child, at, &mut copy);
                self.run_exit_traps(&mut copy);
                t
            } else {
                self.walk_statement(*child, at, scope)
            };
            if background {
                for inv in &mut self.out[before..] {
                    if inv.depth == at.frame.depth {
                        inv.background = true;
                    }
                }
            }
            targets.extend(t);
        }
        targets
    }

    pub(super) fn walk_statement(&mut self, node: Node, at: At, scope: &mut Scope) -> Vec<usize> {
        if self.stopped {
            return Vec::new();
        }
        if self.started.elapsed() > self.limits.deadline {
            let span = self.span(node, at);
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
            "command" => self.walk_command(node, at, scope),
            "redirected_statement" => self.walk_redirected(node, at, scope),
            "pipeline" => self.walk_stages(statement_children(node), at, scope),
            "list" => self.walk_list(node, at, scope),
            "subshell" => {
                let mut inner = scope.clone();
                inner.take_exit_traps();
                let targets = self.walk_block(node, at, &mut inner);
                self.run_exit_traps(&mut inner);
                targets
            }
            // `(( n++ ))`
            "compound_statement" if node.child(0).is_some_and(|c| c.kind() == "((") => {
                self.walk_arithmetic(node, at, scope);
                Vec::new()
            }
            "compound_statement" | "do_group" => self.walk_block(node, at, scope),
            "negated_command" => {
                let mut targets = Vec::new();
                for child in statement_children(node) {
                    targets.extend(self.walk_statement(child, at, scope));
                }
                targets
            }
            "if_statement" => self.walk_if(node, at, scope),
            "while_statement" => {
                let first_new = self.out.len();
                let mut targets = Vec::new();
                if let Some(cond) = node.child_by_field_name("condition") {
                    targets.extend(self.walk_statement(cond, at, scope));
                }
                for child in field_children(node, "condition") {
                    if Some(child) != node.child_by_field_name("condition") {
                        targets.extend(self.walk_statement(child, at, scope));
                    }
                }
                if let Some(body) = node.child_by_field_name("body") {
                    let conditions = field_children(node, "condition");
                    targets.extend(self.walk_loop(at, scope, None, &mut |this, at, scope| {
                        let mut t = this.walk_statement(body, at, scope);
                        for c in &conditions {
                            t.extend(this.walk_statement(*c, at, scope));
                        }
                        t
                    }));
                }
                self.read_at_end_of_input(first_new, scope);
                targets
            }
            "for_statement" => self.walk_for(node, at, scope),
            "c_style_for_statement" => {
                for field in ["initializer", "condition", "update"] {
                    for part in field_children(node, field) {
                        self.walk_arithmetic(part, at, scope);
                    }
                }
                let update = field_children(node, "update");
                match node.child_by_field_name("body") {
                    Some(body) => self.walk_loop(at, scope, None, &mut |this, at, scope| {
                        let t = this.walk_statement(body, at, scope);
                        for part in &update {
                            this.walk_arithmetic(*part, at, scope);
                        }
                        t
                    }),
                    None => Vec::new(),
                }
            }
            "case_statement" => {
                if let Some(value) = node.child_by_field_name("value") {
                    self.walk_substitutions_of(value, at, scope);
                }
                let mut targets = Vec::new();
                let mut cursor = node.walk();
                for item in node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() == "case_item")
                {
                    let mut branch = scope.clone();
                    let f = at.frame.conditional();
                    // Patterns are expanded (their substitutions run) but never run.
                    let patterns = field_children(item, "value");
                    for p in &patterns {
                        self.walk_substitutions_of(*p, at.with(&f), &mut branch);
                    }
                    for child in statement_children(item) {
                        if !patterns.contains(&child) {
                            targets.extend(self.walk_statement(child, at.with(&f), &mut branch));
                        }
                    }
                    scope.join_branch(branch);
                }
                targets
            }
            "function_definition" => {
                let name = node
                    .child_by_field_name("name")
                    .map(|n| text(n, at.src.text).to_owned());
                if let (Some(n), Some(body)) = (&name, node.child_by_field_name("body")) {
                    scope.define_function(n, text(body, at.src.text));
                }
                let mut f = at.frame.clone();
                f.context = Context::Function;
                f.contexts |= Context::Function.bit();
                f.function = name;
                // Judged once as written, with the traps it sets.
                let mut inner = scope.clone();
                inner.take_exit_traps();
                match node.child_by_field_name("body") {
                    Some(body) => {
                        self.walk_statement(body, at.with(&f), &mut inner);
                    }
                    None => self.walk_block(node, at.with(&f), &mut inner).truncate(0),
                }
                self.run_exit_traps(&mut inner);
                Vec::new()
            }
            "test_command" => {
                self.walk_substitutions_in(node, at, scope, &[]);
                self.walk_test_arithmetic(node, at, scope);
                Vec::new()
            }
            // `$(<file)`, or a redirection on its own line.
            "file_redirect" | "heredoc_redirect" | "herestring_redirect" => {
                self.walk_head(None, vec![node], node, at, scope)
            }
            "variable_assignment" => {
                self.assign(node, at, scope);
                Vec::new()
            }
            "variable_assignments" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.assign(child, at, scope);
                }
                Vec::new()
            }
            "declaration_command" => self.walk_declaration(node, at, scope),
            "unset_command" => {
                // The keyword is not a named child: every named child is an operand
                // (`unset X` unsets X). `-f` names functions, which stay (judged as
                // if they might still run).
                let mut cursor = node.walk();
                let operands: Vec<&str> = node
                    .named_children(&mut cursor)
                    .map(|c| text(c, at.src.text))
                    .collect();
                let functions = operands
                    .iter()
                    .any(|o| o.starts_with('-') && o.contains('f'));
                for name in operands.into_iter().filter(|o| !o.starts_with('-')) {
                    if functions {
                        continue;
                    }
                    if name.contains(['$', '`']) {
                        // A name only known at run time: any variable may be unset.
                        scope.assign_unknown_name();
                    } else {
                        scope.unset(&name.replace(['\'', '"', '\\'], ""));
                    }
                }
                Vec::new()
            }
            "ERROR" => {
                // Already a finding; still judge whatever parsed inside it.
                let mut targets = Vec::new();
                for child in statement_children(node) {
                    targets.extend(self.walk_statement(child, at, scope));
                }
                targets
            }
            "comment" | "heredoc_body" => Vec::new(),
            other => {
                let span = self.span(node, at);
                self.finding(
                    FindingKind::ParseError,
                    span,
                    format!("unsupported shell construct `{other}`"),
                );
                self.walk_substitutions_in(node, at, scope, &[]);
                Vec::new()
            }
        }
    }

    /// `a && b || c`: within an `&&` chain each command runs only if the ones before it
    /// succeeded, so their effects (`cd`, assignments) hold for the rest of the chain;
    /// after the chain they may or may not have happened. `||` runs on failure only.
    pub(super) fn walk_list(&mut self, node: Node, at: At, scope: &mut Scope) -> Vec<usize> {
        self.walk_list_with_tail(node, None, Vec::new(), Vec::new(), at, scope)
    }

    /// A list whose first command is the last stage of a pipeline of `lead` stages.
    fn walk_list_after(
        &mut self,
        node: Node,
        lead: Vec<Node>,
        at: At,
        scope: &mut Scope,
    ) -> Vec<usize> {
        self.walk_list_with_tail(node, None, lead, Vec::new(), at, scope)
    }

    /// A list whose last command has redirections tree-sitter filed under the whole
    /// list (`true && rm >out a`: bash gives `>out a` to `rm`).
    fn walk_list_with_tail<'t>(
        &mut self,
        node: Node<'t>,
        tail: Option<(Vec<Node<'t>>, Node<'t>)>,
        lead: Vec<Node<'t>>,
        trail: Vec<Node<'t>>,
        at: At,
        scope: &mut Scope,
    ) -> Vec<usize> {
        let mut chain = Vec::new();
        flatten_list(node, None, &mut chain);
        let mut targets = Vec::new();
        // After `a && b`, `a` may have failed: its effects (`cd dir && make`) hold in
        // the chain, and after it only perhaps.
        let mut before_rest: Option<Scope> =
            matches!(chain.get(1), Some((Some("&&"), _))).then(|| scope.clone());
        // What an `||` element may start from: any prefix of the chain ran before it
        // failed (`cat x && cd ~ || ls` lists here when `cat` fails).
        let mut any_prefix: Option<Scope> = chain
            .iter()
            .any(|(op, _)| matches!(op, Some(o) if *o != "&&"))
            .then(|| scope.clone());
        let last = chain.len().saturating_sub(1);
        let mut tail = tail;
        // What each element is followed by: `&&`, or `||` with an exit.
        let checked: Vec<bool> = (0..chain.len())
            .map(|k| match chain.get(k + 1) {
                Some((Some("&&"), _)) => true,
                Some((Some(_), next)) => exits(*next, at.src.text),
                _ => false,
            })
            .collect();
        for (k, (op, child)) in chain.into_iter().enumerate() {
            let tail_here = if k == last { tail.take() } else { None };
            let mut frame = at.frame.clone();
            frame.checked = checked[k];
            let at = at.with(&frame);
            let lead_here = if k == 0 { lead.clone() } else { Vec::new() };
            let trail_here = if k == last { trail.clone() } else { Vec::new() };
            let walk = |this: &mut Self, at: At, scope: &mut Scope| match &tail_here {
                _ if !trail_here.is_empty() => {
                    let mut stages = match (&tail_here, child.kind()) {
                        (Some((redirects, whole)), _) => vec![Stage::Head {
                            body: Some(child),
                            redirects: redirects.clone(),
                            whole: *whole,
                        }],
                        (None, "pipeline") => statement_children(child)
                            .into_iter()
                            .map(Stage::Node)
                            .collect(),
                        (None, _) => vec![Stage::Node(child)],
                    };
                    stages.extend(trail_here.iter().map(|n| Stage::Node(*n)));
                    this.walk_pipeline(stages, at, scope)
                }
                _ if !lead_here.is_empty() => {
                    let mut stages = lead_here.clone();
                    match child.kind() {
                        "pipeline" => stages.extend(statement_children(child)),
                        _ => stages.push(child),
                    }
                    this.walk_stages(stages, at, scope)
                }
                Some((redirects, whole)) => {
                    this.walk_head(Some(child), redirects.clone(), *whole, at, scope)
                }
                None => this.walk_statement(child, at, scope),
            };
            match op {
                None => targets.extend(walk(self, at, scope)),
                Some("&&") => {
                    before_rest.get_or_insert_with(|| scope.clone());
                    targets.extend(walk(self, at, scope));
                }
                Some(_) => {
                    before_rest.get_or_insert_with(|| scope.clone());
                    let mut branch = any_prefix.clone().unwrap_or_else(|| scope.clone());
                    let mut f = at.frame.conditional();
                    f.checked = checked[k];
                    targets.extend(walk(self, at.with(&f), &mut branch));
                    scope.join_branch(branch);
                }
            }
            if let Some(any) = &mut any_prefix {
                any.join_branch(scope.clone());
            }
        }
        if let Some(mut certain) = before_rest {
            certain.join_branch(scope.clone());
            *scope = certain;
        }
        targets
    }

    /// A branch that may or may not run: walked on a copy of the scope, then joined.
    pub(super) fn walk_branch(
        &mut self,
        node: Node,
        at: At,
        scope: &mut Scope,
        init: Option<(&str, Value)>,
    ) -> Vec<usize> {
        let mut branch = scope.clone();
        if let Some((name, value)) = init {
            branch.assign(name, value, false);
        }
        let targets = self.walk_statement(node, at.with(&at.frame.conditional()), &mut branch);
        scope.join_branch(branch);
        targets
    }

    /// A loop's body (and condition), which may run any number of times: walked once to
    /// learn what a round changes, then, if it changes anything, again from a scope
    /// where those changes may already have happened (`for f in a b; do rm $x; x=/;
    /// done` removes `/` in its second round). `init` is set at every round.
    /// `while read x; do ...; done`: the loop ends when `read` finds no more input,
    /// and that last `read` leaves its variables empty. After the loop, each variable
    /// a `read` of it sets may be empty as well as any value it read.
    fn read_at_end_of_input(&mut self, first_new: usize, scope: &mut Scope) {
        let mut ended = scope.clone();
        let mut any = false;
        for inv in &self.out[first_new..] {
            if inv.program != "read" {
                continue;
            }
            let none = crate::shell::input::Input::Text(String::new());
            for (name, value) in super::read::assigned(inv.args(), Some(&none), Some(" ")) {
                any = true;
                match value {
                    super::read::Assigned::Scalar(v) => ended.assign(&name, v, false),
                    super::read::Assigned::Array(items) => {
                        ended.assign_array(&name, items.as_deref(), false)
                    }
                }
            }
        }
        if any {
            scope.join_branch(ended);
        }
    }

    pub(super) fn walk_loop(
        &mut self,
        at: At,
        scope: &mut Scope,
        init: Option<(&str, Value)>,
        round: &mut dyn FnMut(&mut Self, At, &mut Scope) -> Vec<usize>,
    ) -> Vec<usize> {
        let f = at.frame.conditional();
        let at = at.with(&f);
        let start = |s: &Scope| {
            let mut s = s.clone();
            if let Some((name, value)) = &init {
                s.assign(name, value.clone(), false);
            }
            s
        };
        let mark = (self.out.len(), self.findings.len(), self.stopped);
        let mut first = start(scope);
        let targets = round(self, at, &mut first);
        let mut again = scope.clone();
        again.join_branch(first.clone());
        if again == *scope || self.stopped {
            scope.join_branch(first);
            return targets;
        }
        // Walk the round again from where a later round may start.
        self.out.truncate(mark.0);
        self.side.truncate(mark.0);
        self.findings.truncate(mark.1);
        self.stopped = mark.2;
        let mut later = start(&again);
        let targets = round(self, at, &mut later);
        scope.join_branch(later);
        targets
    }

    pub(super) fn walk_if(&mut self, node: Node, at: At, scope: &mut Scope) -> Vec<usize> {
        let mut targets = Vec::new();
        let conditions: Vec<Node> = field_children(node, "condition");
        for cond in &conditions {
            targets.extend(self.walk_statement(*cond, at, scope));
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            if conditions.contains(&child) || child.kind() == "comment" {
                continue;
            }
            if matches!(child.kind(), "elif_clause" | "else_clause") {
                let mut branch = scope.clone();
                targets.extend(self.walk_block(
                    child,
                    at.with(&at.frame.conditional()),
                    &mut branch,
                ));
                scope.join_branch(branch);
            } else {
                targets.extend(self.walk_branch(child, at, scope, None));
            }
        }
        targets
    }

    pub(super) fn walk_for(&mut self, node: Node, at: At, scope: &mut Scope) -> Vec<usize> {
        let var = node
            .child_by_field_name("variable")
            .map(|n| text(n, at.src.text).to_owned());
        let values: Vec<Node> = field_children(node, "value");
        // Without a list, `for x; do` walks the positional parameters.
        let mut options = Vec::new();
        if values.is_empty() {
            options.push(Value::unknown());
        }
        // Values that touch are one word (see `touching_pieces`).
        for word in values.chunk_by(|a, b| a.end_byte() == b.start_byte()) {
            let mut subs = Vec::new();
            let pieces = expand::touching_pieces(word, at.src.text, scope, &mut subs);
            self.walk_substitution_nodes(&subs, &[], at, scope);
            let origin = origin(word[0]).cover(origin(word[word.len() - 1]));
            for variant in finish(pieces, Span::default(), origin, &self.expand_env(scope)) {
                for w in variant {
                    options.push(if w.glob {
                        Value::unknown()
                    } else {
                        Value::of_word(&w)
                    });
                }
            }
        }
        let value = Value::any_of(options);
        let mut targets = Vec::new();
        if let Some(body) = node.child_by_field_name("body") {
            let init = var.as_deref().map(|v| (v, value));
            targets.extend(self.walk_loop(at, scope, init, &mut |this, at, scope| {
                this.walk_statement(body, at, scope)
            }));
        }
        targets
    }

    /// The stages of a pipeline node. tree-sitter reads `a | b | c && d` as
    /// `a | (b | c && d)`; `|` binds tighter in bash: `(a | b | c) && d`, with `d` run
    /// in this shell.
    fn walk_stages(&mut self, mut stages: Vec<Node>, at: At, scope: &mut Scope) -> Vec<usize> {
        if stages.len() > 1
            && let Some(list) = stages.pop_if(|s| s.kind() == "list")
        {
            return self.walk_list_after(list, stages, at, scope);
        }
        // And `a && b >x | c` as `(a && b >x) | c`: bash runs `a && (b >x | c)`, `a`
        // in this shell and the pipeline where it leaves the shell.
        if stages.len() > 1 {
            let first = stages[0];
            let (list, redirects) = match first.kind() {
                "list" => (Some(first), None),
                "redirected_statement" => match first.child_by_field_name("body") {
                    Some(b) if b.kind() == "list" => {
                        let mut cursor = first.walk();
                        let redirects: Vec<Node> = first
                            .children(&mut cursor)
                            .enumerate()
                            .filter(|(i, c)| {
                                *c != b
                                    && c.is_named()
                                    && matches!(
                                        first.field_name_for_child(*i as u32),
                                        Some("redirect") | None
                                    )
                            })
                            .map(|(_, c)| c)
                            .collect();
                        (Some(b), Some((redirects, first)))
                    }
                    _ => (None, None),
                },
                _ => (None, None),
            };
            if let Some(list) = list {
                let trail = stages.split_off(1);
                return self.walk_list_with_tail(list, redirects, Vec::new(), trail, at, scope);
            }
        }
        self.walk_pipeline(stages.into_iter().map(Stage::Node).collect(), at, scope)
    }

    pub(super) fn walk_pipeline(
        &mut self,
        stages: Vec<Stage>,
        at: At,
        scope: &mut Scope,
    ) -> Vec<usize> {
        let pipeline = self.next_pipeline;
        self.next_pipeline += 1;
        let mut results: Vec<Vec<usize>> = Vec::new();
        for (k, stage) in stages.into_iter().enumerate() {
            // Every stage runs in its own subshell, reading what the one before prints.
            let mut stage_scope = scope.clone();
            stage_scope.take_exit_traps();
            let mut frame = at.frame.clone();
            if k > 0 {
                frame.stdin = match results[k - 1].as_slice() {
                    [up] => Input::printed_by(&self.out[*up], self.side[*up].emits.as_deref())
                        .map(Rc::new),
                    _ => None,
                };
            }
            let at = at.with(&frame);
            // tree-sitter reads `a || b > x | c` as `(a || b > x) | c`; bash runs `a` in
            // this shell, so what it sets may hold afterwards.
            // (Also nested: `a && b >x |& c 2>y | d` reads as `((a && b >x) |& c 2>y) | d`.)
            let misread_list = match stage {
                Stage::Node(node) => k == 0 && starts_with_list(node),
                Stage::Head { body, .. } => k == 0 && body.is_some_and(starts_with_list),
            };
            let targets = match stage {
                Stage::Node(node) => self.walk_statement(node, at, &mut stage_scope),
                Stage::Head {
                    body,
                    redirects,
                    whole,
                } => self.walk_head(body, redirects, whole, at, &mut stage_scope),
            };
            if misread_list {
                scope.join_branch(stage_scope);
            } else {
                self.run_exit_traps(&mut stage_scope);
            }
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
                    [single] => self.side[*single]
                        .emits
                        .clone()
                        .map(|e| (e, self.side[*single].emits_partly_unknown)),
                    _ => None,
                };
                for &up in &results[k - 1] {
                    self.out[up].output_executed = true;
                }
                match emitted {
                    Some((code, unknown)) => {
                        self.run_stdin_code(idx, kind, code, unknown, at.frame, scope)
                    }
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

    pub(super) fn walk_redirected(&mut self, node: Node, at: At, scope: &mut Scope) -> Vec<usize> {
        self.walk_redirected_with(node, Vec::new(), node, at, scope)
    }

    /// [`Self::walk_redirected`] with the redirections `outer` of an enclosing statement
    /// whose body it is, `whole` that statement.
    fn walk_redirected_with<'t>(
        &mut self,
        node: Node<'t>,
        outer: Vec<Node<'t>>,
        whole: Node<'t>,
        at: At,
        scope: &mut Scope,
    ) -> Vec<usize> {
        let mut body = node.child_by_field_name("body");
        let mut redirects = outer;
        let mut holder = node;
        loop {
            let mut cursor = holder.walk();
            for (i, child) in holder.children(&mut cursor).enumerate() {
                if Some(child) != body
                    && child.is_named()
                    && matches!(
                        holder.field_name_for_child(i as u32),
                        Some("redirect") | None
                    )
                {
                    redirects.push(child);
                }
            }
            // `done <<< x <a.txt` is one statement with two redirections, which
            // tree-sitter nests (bash has no nesting without braces): read them as one.
            match body {
                Some(b) if b.kind() == "redirected_statement" => {
                    holder = b;
                    body = b.child_by_field_name("body");
                }
                _ => break,
            }
        }
        // Bash applies redirections in the order written (the last one to open a
        // descriptor wins).
        redirects.sort_by_key(|r| r.start_byte());
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
                    whole,
                }];
                stages.extend(statement_children(p).into_iter().map(Stage::Node));
                self.walk_pipeline(stages, at, scope)
            }
            None => self.walk_head(body, redirects, whole, at, scope),
        };
        if let Some(right) = tail_list {
            targets.extend(self.walk_statement(right, at.with(&at.frame.conditional()), scope));
        }
        targets
    }

    /// A statement with its redirections.
    pub(super) fn walk_head(
        &mut self,
        body: Option<Node>,
        redirects: Vec<Node>,
        whole: Node,
        at: At,
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
                return self.walk_pipeline(stages, at, scope);
            }
            return Vec::new();
        }
        match body {
            // `a && while ...; done <<< x <a.txt`: tree-sitter nests the loop's
            // redirections inside the list's; bash applies them all to the loop, in
            // order (the last one to open standard input wins).
            Some(b) if b.kind() == "redirected_statement" => {
                self.walk_redirected_with(b, redirects, whole, at, scope)
            }
            Some(b) if b.kind() == "list" => self.walk_list_with_tail(
                b,
                Some((redirects, whole)),
                Vec::new(),
                Vec::new(),
                at,
                scope,
            ),
            Some(b) if b.kind() == "negated_command" => {
                let children = statement_children(b);
                let mut targets = Vec::new();
                let last = children.len().saturating_sub(1);
                let mut redirects = Some(redirects);
                for (k, child) in children.into_iter().enumerate() {
                    let tail = if k == last { redirects.take() } else { None };
                    targets.extend(match tail {
                        Some(r) => self.walk_head(Some(child), r, whole, at, scope),
                        None => self.walk_statement(child, at, scope),
                    });
                }
                targets
            }
            // `A=1 >out rm -rf ~`: tree-sitter files the command under the redirection.
            Some(b)
                if matches!(b.kind(), "variable_assignment" | "variable_assignments")
                    && redirects.iter().any(|r| command::has_words(*r)) =>
            {
                let outer = Outer {
                    redirects,
                    recovered: Vec::new(),
                    end: Some(whole.end_byte()),
                };
                self.walk_command_with(b, outer, at, scope)
            }
            Some(b) if b.kind() == "command" => {
                // tree-sitter drops some words between a command and its redirects
                // (`python3 - <<EOF` loses the `-`): recover them from the gap.
                let gap_end = redirects
                    .iter()
                    .map(|r| r.start_byte())
                    .min()
                    .unwrap_or(b.end_byte());
                let gap = at.src.text.get(b.end_byte()..gap_end).unwrap_or("");
                let recovered = self
                    .gap_words(gap, b.end_byte(), at)
                    .into_iter()
                    .map(|w| (b.end_byte(), w))
                    .collect();
                let outer = Outer {
                    redirects,
                    recovered,
                    end: Some(whole.end_byte()),
                };
                self.walk_command_with(b, outer, at, scope)
            }
            Some(b) => {
                let specs = self.redirect_specs(&redirects, at, scope);
                // `while read l; do ...; done <<< word`: what the loop reads is the
                // redirection's, not the pipe's.
                let mut frame = at.frame.clone();
                if let Some(data) = stdin_data(&specs) {
                    frame.stdin = data.map(|d| Rc::new(Input::Text(d.clone())));
                }
                // A redirection that fails keeps the whole from running (`{ X=1; } >$F`
                // with `F` empty): what it changes holds only perhaps.
                let targets = if may_fail(&specs) {
                    frame.conditional = true;
                    let mut branch = scope.clone();
                    let t = self.walk_statement(b, at.with(&frame), &mut branch);
                    scope.join_branch(branch);
                    t
                } else {
                    self.walk_statement(b, at.with(&frame), scope)
                };
                for &idx in &targets {
                    self.apply_specs(idx, &specs, at.frame, scope);
                }
                targets
            }
            None => {
                let specs = self.redirect_specs(&redirects, at, scope);
                // A redirect alone (`> file`) truncates or creates the file, like `: > file`.
                let span = self.span(whole, at);
                let argv = vec![Word::literal(":", span)];
                self.emit(argv, Vec::new(), &specs, at.frame, scope, &[])
                    .map(|(i, _)| vec![i])
                    .unwrap_or_default()
            }
        }
    }
}

/// Whether tree-sitter's reading of a pipeline's first stage starts with a list (a
/// list, perhaps redirected, perhaps the first stage of a pipeline itself).
fn starts_with_list(node: Node) -> bool {
    match node.kind() {
        "list" => true,
        "redirected_statement" => node
            .child_by_field_name("body")
            .is_some_and(starts_with_list),
        "pipeline" => statement_children(node)
            .first()
            .is_some_and(|n| starts_with_list(*n)),
        _ => false,
    }
}

/// The commands of a (left-nested) `&&`/`||` list, each with the operator before it.
pub(super) fn flatten_list<'t>(
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
pub(super) fn statement_children(node: Node) -> Vec<Node> {
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
pub(super) fn field_children<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_name(field, &mut cursor)
        .filter(|c| c.is_named())
        .collect()
}

/// `exit` or `return` (the right side of `cd dir || exit 1`).
fn exits(node: Node, src: &str) -> bool {
    let t = text(node, src).trim_start();
    ["exit", "return"].iter().any(|k| {
        t.strip_prefix(k)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', ';', '\n']))
    })
}
