//! Simple commands: their words, prefix assignments and redirections, assembled into
//! the argv bash would pass (every variant when a variable has several values).

use tree_sitter::Node;

use super::{At, Walker, origin};

use crate::shell::expand::{self, text};
use crate::shell::invocation::FindingKind;
use crate::shell::scope::{Scope, Value};
use crate::shell::word::{Word, finish, finish_value};
use crate::shell::wrappers::is_assignment;
use crate::span::Span;

/// What a redirected statement adds to the simple command it wraps.
#[derive(Default)]
pub(super) struct Outer<'t> {
    /// Redirections written after the command (`rm -rf 2>/dev/null /`).
    pub redirects: Vec<Node<'t>>,
    /// Words tree-sitter skipped, with their position in the text.
    pub recovered: Vec<(usize, Word)>,
    /// Where the whole statement ends, for an alias re-read as text.
    pub end: Option<usize>,
}

/// Where a word of a simple command comes from.
enum WordSource<'t> {
    Node(Node<'t>),
    /// Recovered from text tree-sitter skipped (see [`Walker::gap_words`]).
    Recovered(Word),
}

/// Word sources grouped into the words bash reads.
enum Grouped {
    /// Nodes with nothing between them: one word (tree-sitter splits `'r'\m` in two),
    /// a range of the nodes [`adjacent_groups`] returns.
    Nodes(std::ops::Range<usize>),
    Recovered(Word),
}

/// Group nodes that touch (no blank between them) into one word, as bash reads them.
fn adjacent_groups<'t>(
    sources: impl Iterator<Item = WordSource<'t>>,
) -> (Vec<Node<'t>>, Vec<Grouped>) {
    let mut nodes: Vec<Node> = Vec::new();
    let mut out: Vec<Grouped> = Vec::new();
    for source in sources {
        match source {
            WordSource::Node(n) => {
                match out.last_mut() {
                    Some(Grouped::Nodes(group))
                        if nodes[group.end - 1].end_byte() == n.start_byte() =>
                    {
                        group.end += 1
                    }
                    _ => out.push(Grouped::Nodes(nodes.len()..nodes.len() + 1)),
                }
                nodes.push(n);
            }
            WordSource::Recovered(w) => out.push(Grouped::Recovered(w)),
        }
    }
    (nodes, out)
}

/// Words tree-sitter files under a redirection that bash reads as arguments: the words
/// after a file redirection's target, and those after a heredoc's delimiter.
fn words_in_redirect(redirect: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut cursor = redirect.walk();
    let mut target_end = None;
    for (i, child) in redirect.children(&mut cursor).enumerate() {
        match redirect.field_name_for_child(i as u32) {
            Some("destination") if child.is_named() => match target_end {
                // The target may be several nodes that touch (see `target_nodes`).
                None => target_end = Some(child.end_byte()),
                Some(end) if end == child.start_byte() && out.is_empty() => {
                    target_end = Some(child.end_byte())
                }
                Some(_) => out.push(child),
            },
            Some("argument") if child.is_named() => out.push(child),
            Some("redirect") => out.extend(words_in_redirect(child)),
            _ => {}
        }
    }
    out
}

/// Does this redirection carry words that are arguments (see [`words_in_redirect`])?
pub(super) fn has_words(redirect: Node) -> bool {
    !words_in_redirect(redirect).is_empty()
}

/// `{fd}` or a number written directly before a redirection: a descriptor (or a variable
/// that receives the one bash opens), not an argument. tree-sitter reads `0<a.txt` so.
fn names_a_descriptor(word: Node, redirects: &[Node], src: &str) -> bool {
    let t = text(word, src);
    let is_name = t
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .is_some_and(|n| {
            n.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    let is_number = !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    (is_name || is_number)
        && redirects.iter().any(|r| {
            r.kind() == "file_redirect"
                && r.start_byte() == word.end_byte()
                && r.child_by_field_name("descriptor").is_none()
        })
}

/// Most argv variants one command expands to.
const MAX_ARGV_VARIANTS: usize = 8;

impl Walker<'_> {
    /// Words in text tree-sitter skipped; anything not plainly a word is a finding.
    pub(super) fn gap_words(&mut self, gap: &str, offset: usize, at: At) -> Vec<Word> {
        let trimmed = gap.trim();
        if trimmed.is_empty() {
            return Vec::new();
        }
        let span = at.frame.span.unwrap_or_else(|| {
            Span::new(
                at.src.cuts.original(offset),
                at.src.cuts.original(offset + gap.len()),
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

    /// A simple command on its own (`rm -rf x`, `2>/dev/null rm x`).
    pub(super) fn walk_command(&mut self, node: Node, at: At, scope: &mut Scope) -> Vec<usize> {
        self.walk_command_with(node, Outer::default(), at, scope)
    }

    /// `${X=d}` and `${X:=d}` in a command's words assign X as they are expanded: the
    /// words after them, and a function the command calls, see it (`unset P; cmd
    /// ${P=a} "$P"`). X may now hold the default (the engine does not tell an unset
    /// variable from an empty one).
    fn default_assignments(&mut self, node: Node, at: At, scope: &mut Scope) {
        if !text(node, at.src.text).contains("${") {
            return;
        }
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            match n.kind() {
                // They run in a subshell: nothing they assign is seen here.
                "command_substitution" | "process_substitution" | "subshell" => continue,
                "expansion" => {
                    let inner = text(n, at.src.text)
                        .strip_prefix("${")
                        .and_then(|r| r.strip_suffix('}'))
                        .unwrap_or("");
                    let end = inner
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(inner.len());
                    let (name, rest) = inner.split_at(end);
                    let colon = rest.starts_with(":=");
                    let default = rest.strip_prefix(":=").or_else(|| rest.strip_prefix('='));
                    if let Some(default) = default
                        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    {
                        let value = if default.contains(['$', '`', '\\', '\'', '"', '~']) {
                            Value::unknown()
                        } else {
                            Value::known(default.to_owned())
                        };
                        match scope.lookup(name).filter(Value::certain) {
                            // Set and not empty: it keeps its value.
                            Some(v) if v.known.iter().all(|k| !k.is_empty()) => {}
                            // Empty (or unset): `:=` assigns it.
                            Some(v) if colon && v.single() == Some("") => {
                                scope.assign(name, value, false)
                            }
                            _ => scope.assign(name, value, true),
                        }
                    }
                }
                _ => {}
            }
            let mut cursor = n.walk();
            stack.extend(n.children(&mut cursor));
        }
    }

    /// A simple command, with what its statement adds after it.
    pub(super) fn walk_command_with(
        &mut self,
        node: Node,
        outer: Outer,
        at: At,
        scope: &mut Scope,
    ) -> Vec<usize> {
        self.default_assignments(node, at, scope);
        // The words tree-sitter files under a redirection after the command
        // (`mkdir >t ${X=a} $X`) assign too.
        for r in &outer.redirects {
            self.default_assignments(*r, at, scope);
        }
        let mut words: Vec<(usize, WordSource)> = Vec::new();
        let mut assignments = Vec::new();
        let mut redirect_nodes = outer.redirects;
        if node.kind() == "variable_assignment" {
            assignments.push(node);
        }
        let mut cursor = node.walk();
        for (i, child) in node.children(&mut cursor).enumerate() {
            if node.kind() == "variable_assignment" {
                break;
            }
            match (node.field_name_for_child(i as u32), child.kind()) {
                (Some("name"), _) => words.push((child.start_byte(), WordSource::Node(child))),
                (Some("argument"), _) => words.push((child.start_byte(), WordSource::Node(child))),
                (Some("redirect"), _)
                | (_, "file_redirect" | "heredoc_redirect" | "herestring_redirect") => {
                    redirect_nodes.push(child)
                }
                (_, "variable_assignment") => assignments.push(child),
                (_, "subshell") => {
                    self.walk_statement(child, at, scope);
                }
                _ => {}
            }
        }
        redirect_nodes.sort_by_key(|r| r.start_byte());
        // Bash reads every word that is not part of a redirection as an argument, wherever
        // it stands: `rm -rf 2>/dev/null /` removes `/`. tree-sitter files the words after
        // a redirection's target under the redirection.
        for r in &redirect_nodes {
            for w in words_in_redirect(*r) {
                words.push((w.start_byte(), WordSource::Node(w)));
            }
        }
        // `{fd}>file` opens a descriptor and stores its number in `fd`: not a word.
        let named_fds: Vec<Node> = words
            .iter()
            .filter_map(|(_, w)| match w {
                WordSource::Node(n) => Some(*n),
                WordSource::Recovered(_) => None,
            })
            .filter(|n| names_a_descriptor(*n, &redirect_nodes, at.src.text))
            .collect();
        words.retain(|(_, w)| !matches!(w, WordSource::Node(n) if named_fds.contains(n)));
        for n in named_fds {
            // Bash gives it a free descriptor from 10 up: which one does not matter,
            // only that `>&$fd` duplicates a descriptor rather than naming a file.
            if let Some(var) = text(n, at.src.text)
                .strip_prefix('{')
                .and_then(|v| v.strip_suffix('}'))
            {
                scope.assign(var, Value::known("10".into()), at.frame.conditional);
            }
        }
        words.extend(
            outer
                .recovered
                .into_iter()
                .map(|(pos, w)| (pos, WordSource::Recovered(w))),
        );
        words.sort_by_key(|(pos, _)| *pos);
        let specs = self.redirect_specs(&redirect_nodes, at, scope);
        // Before the program, `NAME=value` words are assignments wherever tree-sitter
        // put them (`<in X=1 cmd` files `X=1 cmd` under the redirection).
        let mut late_assignments = Vec::new();
        while let Some((_, WordSource::Node(n))) = words.first()
            && is_assignment(text(*n, at.src.text))
        {
            late_assignments.push(*n);
            words.remove(0);
        }

        // `X=a`cmd``: tree-sitter ends the assignment's value before a backquoted
        // substitution and reads that as the next word; bash reads one word. Its value is
        // not read here (unknown), and the substitution still runs.
        let mut glued: Vec<Node> = Vec::new();
        while let Some((_, WordSource::Node(n))) = words.first()
            && assignments.iter().any(|a| a.end_byte() == n.start_byte())
        {
            glued.push(*n);
            words.remove(0);
        }
        let glued_to: Vec<String> = assignments
            .iter()
            .filter(|a| glued.iter().any(|g| g.start_byte() == a.end_byte()))
            .filter_map(|a| a.child_by_field_name("name"))
            .map(|n| text(n, at.src.text).to_owned())
            .collect();
        for g in glued {
            self.walk_substitutions_of(g, at, scope);
        }

        // The program is the first word, wherever tree-sitter put it.
        let name = match words.is_empty() {
            false => words.remove(0).1,
            true => {
                for a in assignments {
                    self.assign(a, at, scope);
                }
                for name in &glued_to {
                    scope.assign(name, Value::unknown(), at.frame.conditional);
                }
                if specs.is_empty() {
                    return Vec::new();
                }
                let argv = vec![Word::literal(":", self.span(node, at))];
                return self
                    .emit(argv, Vec::new(), &specs, at.frame, scope, &[])
                    .map(|(i, _)| vec![i])
                    .unwrap_or_default();
            }
        };

        // Bash's `time` keyword prefixes a whole simple command, its assignments
        // included: `time A=$(x) cmd` assigns `A` (no field splitting) and runs `cmd`.
        let mut name = name;
        let mut keyword_wrappers: Vec<String> = Vec::new();
        if let WordSource::Node(n) = name
            && text(n, at.src.text) == "time"
        {
            let options = words
                .iter()
                .take_while(|(_, w)| matches!(w, WordSource::Node(o) if matches!(text(*o, at.src.text), "-p" | "--")))
                .count();
            let assigns = words[options..]
                .iter()
                .take_while(|(_, w)| matches!(w, WordSource::Node(a) if is_assignment(text(*a, at.src.text))))
                .count();
            if assigns > 0 && words.len() > options + assigns {
                for (_, w) in words.drain(..options + assigns).skip(options) {
                    if let WordSource::Node(a) = w {
                        late_assignments.push(a);
                    }
                }
                name = words.remove(0).1;
                keyword_wrappers.push("time".to_owned());
            }
        }

        // Prefix assignments: the command's environment (not the shell's variables).
        let mut env = Vec::new();
        let mut subs = Vec::new();
        for a in &assignments {
            env.extend(self.assignment_text(*a, at.src, scope, &mut subs));
        }
        let env_x = self.expand_env(scope);
        for n in late_assignments {
            let pieces = expand::pieces(n, at.src.text, scope, &mut subs);
            let span = self.span(n, at);
            let variants = finish_value(pieces, span, origin(n), &env_x);
            let several = variants.len() > 1;
            for w in variants.into_iter().take(1) {
                if let Some((k, v)) = w.text.split_once('=') {
                    let unknown = several || w.unresolved;
                    env.push((k.trim_end_matches('+').to_owned(), v.to_owned(), unknown));
                }
            }
        }

        // An alias is re-read as source text: `alias g='git'; g reset --hard`.
        if let WordSource::Node(name) = name
            && let Some(value) = scope.alias(text(name, at.src.text)).map(str::to_owned)
            && name.named_child(0).is_some_and(|c| c.kind() == "word")
        {
            let end = outer.end.unwrap_or(node.end_byte()).max(node.end_byte());
            let rest = at.src.text.get(name.end_byte()..end).unwrap_or("");
            let expanded = format!("{value}{rest}");
            let span = self.span(node, at);
            let f = at.frame.nested(at.frame.context, span);
            return self.walk_code(&expanded, &f, scope);
        }

        // Words, each possibly several variants (multi-valued variables) and fields.
        let env_x = self.expand_env(scope);
        let mut word_variants: Vec<Vec<Vec<Word>>> = Vec::new();
        let sources = std::iter::once(name).chain(words.into_iter().map(|(_, w)| w));
        let (all_nodes, groups) = adjacent_groups(sources);
        for group in groups {
            match group {
                Grouped::Nodes(range) => {
                    let nodes = &all_nodes[range];
                    let (first, last) = (nodes[0], nodes[nodes.len() - 1]);
                    let span = self.span(first, at).cover(self.span(last, at));
                    let mut pieces = Vec::new();
                    for w in nodes {
                        expand::pieces_into(*w, at.src.text, scope, &mut subs, &mut pieces);
                    }
                    let pieces = expand::rejoin_dollar_names(pieces, scope);
                    let origin = origin(first).cover(origin(last));
                    word_variants.push(finish(pieces, span, origin, &env_x));
                }
                Grouped::Recovered(w) => word_variants.push(vec![vec![w]]),
            }
        }
        let argvs = product(word_variants);

        // The substitutions in the words run before the command (`f <(ls)` lists the
        // directory `f` starts in, whatever `cd` it does).
        let before = (!subs.is_empty()).then(|| scope.clone());
        let mut emitted = Vec::new();
        let mut executed_words = Vec::new();
        // One of the variants runs: what each changes (`set -- $X`) holds only perhaps.
        let either = at.frame.conditional();
        let frame = if argvs.len() > 1 { &either } else { at.frame };
        for argv in argvs {
            if argv.is_empty() {
                continue;
            }
            if let Some((idx, spans)) =
                self.emit(argv, env.clone(), &specs, frame, scope, &keyword_wrappers)
            {
                emitted.push(idx);
                executed_words.extend(spans);
            }
        }
        self.walk_substitutions_before(&subs, &executed_words, at, scope, before.as_ref());
        emitted
    }
}

/// The combinations of each word's variants, each flattened into one argv.
pub(super) fn product(words: Vec<Vec<Vec<Word>>>) -> Vec<Vec<Word>> {
    let mut argvs: Vec<Vec<Word>> = vec![Vec::new()];
    for variants in words {
        if variants.len() == 1 || argvs.len() * variants.len() > MAX_ARGV_VARIANTS {
            // Too many combinations: keep the first variant, marked unresolved if it had
            // rivals. A variant that expands to no word (`$X` empty) cannot stand for
            // the others, which may be words: the first that is one does.
            let rivals = variants.len() > 1;
            let mut fields = if rivals {
                variants
                    .into_iter()
                    .find(|v| !v.is_empty())
                    .unwrap_or_default()
            } else {
                variants.into_iter().next().unwrap_or_default()
            };
            if rivals {
                fields.iter_mut().for_each(Word::forget);
            }
            match argvs.as_mut_slice() {
                // The usual case: one argv, and the fields can move into it.
                [only] => only.extend(fields),
                many => many
                    .iter_mut()
                    .for_each(|a| a.extend(fields.iter().cloned())),
            }
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
