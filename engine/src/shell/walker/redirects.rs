//! Redirections and the data heredocs and here-strings feed a command.

use tree_sitter::Node;

use super::traversal::field_children;
use super::{At, Executed, Frame, RunsIn, Walker, origin};
use crate::shell::expand::{self, text};
use crate::shell::invocation::{Context, FindingKind, Redirect, RedirectOp};
use crate::shell::scope::Scope;
use crate::shell::word::{Piece, Word, finish, finish_value};

/// Data fed to a command's standard input by a redirection.
#[derive(Debug, Clone)]
pub(super) enum RedirectSpec {
    File(Redirect),
    Stdin {
        redirect: Redirect,
        data: Option<String>,
        /// Part of `data` is only known at run time (a heredoc expanding `$X`).
        partly_unknown: bool,
    },
}

impl RedirectSpec {
    /// Does it open descriptor 0 (`<file`, `<<EOF`, `<<<word`, `<>file`, `0>file`)?
    fn opens_stdin(&self) -> bool {
        match self {
            RedirectSpec::Stdin { redirect, .. } => redirect.fd.unwrap_or(0) == 0,
            RedirectSpec::File(r) => match r.op {
                RedirectOp::Read | RedirectOp::ReadWrite => r.fd.unwrap_or(0) == 0,
                _ => r.fd == Some(0),
            },
        }
    }
}

/// Whether a redirection may fail, so that the command does not run. Opening any file
/// may fail, and the text does not tell when: a name only known at run time, an empty
/// one (`&>$X` with `X` unset), a directory (`{ ...; } &>src`), a file that does not
/// exist or cannot be written. Only `/dev/null` always opens, and duplicating a
/// standard descriptor (`2>&1`) or closing one always works.
pub(super) fn may_fail(specs: &[RedirectSpec]) -> bool {
    specs.iter().any(|s| match s {
        RedirectSpec::File(r) if r.op == RedirectOp::Duplicate => {
            !matches!(r.target.text.as_str(), "0" | "1" | "2" | "-") || r.target.unresolved
        }
        RedirectSpec::File(r) => r.target.unresolved || r.target.text != "/dev/null",
        RedirectSpec::Stdin { .. } => false,
    })
}

/// The redirection that decides what a command reads on standard input: bash applies
/// them in order, so the last one to open descriptor 0 wins (`read l <<< x <a.txt`
/// reads a.txt). Its index in `specs`.
pub(super) fn stdin_spec(specs: &[RedirectSpec]) -> Option<usize> {
    specs.iter().rposition(RedirectSpec::opens_stdin)
}

/// What a command reads on standard input after its redirections: `None` when they
/// leave it alone (a pipe, the terminal), `Some(None)` for a file or text the engine
/// does not know, `Some(Some(text))` for a heredoc or here-string it knows.
pub(super) fn stdin_data(specs: &[RedirectSpec]) -> Option<Option<&String>> {
    stdin_spec(specs).map(|i| match &specs[i] {
        RedirectSpec::Stdin { data, .. } => data.as_ref(),
        RedirectSpec::File(_) => None,
    })
}

impl Walker<'_> {
    /// Attach redirections; feed heredoc and here-string data to the command (only the
    /// one it reads: see [`stdin_spec`]).
    pub(super) fn apply_specs(
        &mut self,
        idx: usize,
        specs: &[RedirectSpec],
        frame: &Frame,
        scope: &mut Scope,
    ) {
        let stdin = stdin_spec(specs);
        self.side[idx].stdin_redirected |= stdin.is_some();
        for (i, spec) in specs.iter().enumerate() {
            match spec {
                RedirectSpec::File(r) => self.out[idx].redirects.push(r.clone()),
                RedirectSpec::Stdin {
                    redirect,
                    data,
                    partly_unknown,
                } => {
                    self.out[idx].redirects.push(redirect.clone());
                    if stdin != Some(i) {
                        continue;
                    }
                    match (self.side[idx].reads_code.take(), data) {
                        (Some(kind), Some(code)) => {
                            let code = code.clone();
                            self.run_stdin_code(idx, kind, code, *partly_unknown, frame, scope)
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
    pub(super) fn redirect_specs(
        &mut self,
        nodes: &[Node],
        at: At,
        scope: &mut Scope,
    ) -> Vec<RedirectSpec> {
        let mut specs = Vec::new();
        for &node in nodes {
            let fd = node
                .child_by_field_name("descriptor")
                .and_then(|d| text(d, at.src.text).parse().ok());
            match node.kind() {
                "file_redirect" => {
                    let mut op_text = operator_text(node, at.src.text);
                    if reads_and_writes(node, at.src.text) {
                        op_text = "<>".to_owned();
                    }
                    let op = match op_text.as_str() {
                        "<" => RedirectOp::Read,
                        ">>" | "&>>" => RedirectOp::Append,
                        "<>" => RedirectOp::ReadWrite,
                        ">&" | "<&" | ">&-" | "<&-" => RedirectOp::Duplicate,
                        _ => RedirectOp::Write,
                    };
                    let mut subs = Vec::new();
                    let dests = target_nodes(node);
                    let target = match (dests.first(), dests.last()) {
                        (Some(d), Some(last)) => {
                            let span = self.span(*d, at).cover(self.span(*last, at));
                            let mut pieces = Vec::new();
                            for n in &dests {
                                pieces.extend(expand::pieces(*n, at.src.text, scope, &mut subs));
                            }
                            if dests.len() > 1 {
                                pieces = expand::rejoin_dollar_names(pieces, scope);
                            }
                            let env_x = scope.expand_env();
                            let w = finish(pieces, span, origin(*d).cover(origin(*last)), &env_x);
                            w.into_iter()
                                .next()
                                .and_then(|v| v.into_iter().next())
                                .unwrap_or_else(|| Word::placeholder("", span))
                        }
                        _ => Word::placeholder("", self.span(node, at)),
                    };
                    // `>&2` duplicates a descriptor; `>& file` writes the file.
                    let op = if op == RedirectOp::Duplicate
                        && !target.text.chars().all(|c| c.is_ascii_digit() || c == '-')
                    {
                        RedirectOp::Write
                    } else {
                        op
                    };
                    self.walk_substitution_nodes(&subs, &[], at, scope);
                    specs.push(RedirectSpec::File(Redirect { op, fd, target }));
                }
                "heredoc_redirect" => {
                    let start = node
                        .named_children(&mut node.walk())
                        .find(|c| c.kind() == "heredoc_start");
                    let body = node
                        .named_children(&mut node.walk())
                        .find(|c| c.kind() == "heredoc_body");
                    let delim = start.map(|s| text(s, at.src.text)).unwrap_or("");
                    let quoted = delim.contains(['\'', '"', '\\']);
                    let strip_tabs = operator_text(node, at.src.text) == "<<-";
                    let (data, partly_unknown) = body
                        .map(|b| self.heredoc_text(b, quoted, strip_tabs, at, scope))
                        .unwrap_or_default();
                    let span = self.span(node, at);
                    let target = Word::literal(delim.trim_matches(['\'', '"', '\\']), span);
                    specs.push(RedirectSpec::Stdin {
                        redirect: Redirect {
                            op: RedirectOp::Heredoc,
                            fd,
                            target,
                        },
                        data: Some(data),
                        partly_unknown,
                    });
                    // Redirects on the heredoc's start line (`cat <<EOF > out`).
                    let inner: Vec<Node> = field_children(node, "redirect");
                    specs.extend(self.redirect_specs(&inner, at, scope));
                }
                "herestring_redirect" => {
                    let mut subs = Vec::new();
                    let span = self.span(node, at);
                    let mut cursor = node.walk();
                    let value = node
                        .named_children(&mut cursor)
                        .find(|c| c.kind() != "file_descriptor");
                    // A here-string is expanded like an assignment's value: no brace
                    // expansion, field splitting or globbing.
                    let word = value
                        .map(|v| {
                            finish_value(
                                expand::pieces(v, at.src.text, scope, &mut subs),
                                span,
                                origin(v),
                                &scope.expand_env(),
                            )
                        })
                        .and_then(|variants| {
                            let several = variants.len() > 1;
                            variants.into_iter().next().map(|w| Word {
                                span,
                                glob: false,
                                quoted: true,
                                origin: origin(node),
                                unresolved: w.unresolved || several,
                                ..w
                            })
                        })
                        .unwrap_or_else(|| Word::literal("", span));
                    // Its substitutions run before the command; whether their output is
                    // code depends on the command, which is not known yet: be safe.
                    let executed = [Executed {
                        span: origin(node),
                        runs_in: RunsIn::Copy,
                    }];
                    self.walk_substitution_nodes(
                        &subs,
                        if subs.is_empty() { &[] } else { &executed },
                        at,
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
                        partly_unknown: false,
                    });
                }
                _ => {}
            }
        }
        specs
    }

    /// The text of a heredoc body: literal when the delimiter is quoted, otherwise with
    /// escapes removed and variables expanded (its substitutions run as data); and
    /// whether part of it is only known at run time (an expansion the engine could not
    /// resolve is kept as its source text there).
    pub(super) fn heredoc_text(
        &mut self,
        body: Node,
        quoted: bool,
        strip_tabs: bool,
        at: At,
        scope: &mut Scope,
    ) -> (String, bool) {
        let raw = text(body, at.src.text);
        let mut unknown = false;
        let mut out = if quoted {
            raw.to_owned()
        } else {
            let mut subs = Vec::new();
            let mut backquoted = Vec::new();
            let mut s = String::new();
            let mut pos = body.start_byte();
            let mut cursor = body.walk();
            for child in body.named_children(&mut cursor) {
                if child.kind() == "heredoc_content" {
                    continue;
                }
                let gap = at.src.text.get(pos..child.start_byte()).unwrap_or("");
                unknown |= push_heredoc_text(gap, scope, &mut s, &mut backquoted);
                pos = child.end_byte();
                // tree-sitter reads `$((1 + 2))` in a heredoc as a substitution of a
                // subshell: it is arithmetic, whose value the engine does not compute.
                if text(child, at.src.text).starts_with("$((") {
                    unknown = true;
                    s.push_str(text(child, at.src.text));
                    continue;
                }
                let pieces = expand::pieces(child, at.src.text, scope, &mut subs);
                for p in pieces {
                    match p {
                        Piece::Text { text, .. } => s.push_str(&text),
                        Piece::List { items, .. } => s.push_str(&items.join(" ")),
                        Piece::Unknown { raw } => {
                            unknown = true;
                            s.push_str(&raw)
                        }
                        Piece::Partial { text, .. } => {
                            unknown = true;
                            s.push_str(&text)
                        }
                        Piece::Choice { .. } => {
                            unknown = true;
                            s.push_str(text(child, at.src.text))
                        }
                    }
                }
            }
            let rest = at.src.text.get(pos..body.end_byte()).unwrap_or("");
            unknown |= push_heredoc_text(rest, scope, &mut s, &mut backquoted);
            self.walk_substitution_nodes(&subs, &[], at, scope);
            // `` `cmd` `` in the text, which tree-sitter leaves as text: it runs, and
            // what it prints is only known at run time (kept as written).
            let span = self.span(body, at);
            for code in backquoted {
                let mut f = at.frame.nested(Context::Substitution, span);
                f.conditional = at.frame.conditional;
                self.walk_code(&code, &f, &mut scope.clone());
            }
            s
        };
        if strip_tabs {
            out = out
                .lines()
                .map(|l| l.trim_start_matches('\t'))
                .collect::<Vec<_>>()
                .join("\n");
        }
        (out, unknown)
    }
}

/// The nodes of a file redirection's target. tree-sitter ends a destination at a `$`
/// after quotes (`>/''$HOME/x` is `/''$` and `HOME/x`) and reads the rest as the next
/// destination; bash reads one word, so the destinations that touch the first are
/// part of it.
fn target_nodes(redirect: Node) -> Vec<Node> {
    let mut dests = field_children(redirect, "destination");
    let joined = dests
        .windows(2)
        .take_while(|w| w[0].end_byte() == w[1].start_byte())
        .count();
    dests.truncate(joined + 1);
    dests
}

/// The operator token of a redirect (`>`, `>>`, `<<-`, ...).
pub(super) fn operator_text(node: Node, src: &str) -> String {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .filter(|c| !c.is_named())
        .map(|c| text(c, src).to_owned())
        .next()
        .unwrap_or_default()
}

/// tree-sitter-bash has no `<>` operator: it reads `<>file` as a `<` redirection with
/// an error node holding `>`, or (after a command) as an error node holding `<` before a
/// `>` redirection. This is that error node, which is valid bash.
pub(super) fn is_read_write_half(error: Node, src: &str) -> bool {
    if !error.is_error() {
        return false;
    }
    match text(error, src) {
        ">" => {
            error.parent().is_some_and(|p| p.kind() == "file_redirect")
                && error.prev_sibling().is_some_and(|op| {
                    !op.is_named() && text(op, src) == "<" && op.end_byte() == error.start_byte()
                })
        }
        "<" => error.next_sibling().is_some_and(|r| {
            r.kind() == "file_redirect"
                && r.start_byte() == error.end_byte()
                && operator_text(r, src) == ">"
        }),
        _ => false,
    }
}

/// Is this redirection the `<>` that tree-sitter split (see [`is_read_write_half`])?
fn reads_and_writes(redirect: Node, src: &str) -> bool {
    let mut cursor = redirect.walk();
    let inner = redirect
        .children(&mut cursor)
        .any(|c| is_read_write_half(c, src));
    inner
        || redirect
            .prev_sibling()
            .is_some_and(|e| is_read_write_half(e, src))
}

/// Literal heredoc text: its escapes (`\$`, `` \` ``, `\\`, `\<newline>`) removed and the
/// parameters tree-sitter leaves in it expanded (`$1`, `$#`, `$@`, `$?`, `$$`, `$!`,
/// `$-`, `$*`: it only reads named variables there). Returns whether one was only
/// known at run time (kept as written). A `` `...` `` substitution, also left as text
/// by tree-sitter, is kept as written too, its code added to `backquoted`.
fn push_heredoc_text(
    text: &str,
    scope: &Scope,
    out: &mut String,
    backquoted: &mut Vec<String>,
) -> bool {
    let mut unknown = false;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '`' {
            unknown = true;
            out.push(c);
            let mut code = String::new();
            while let Some((_, c)) = chars.next() {
                out.push(c);
                match c {
                    '`' => break,
                    '\\' => match chars.next() {
                        Some((_, e)) => {
                            out.push(e);
                            if !matches!(e, '`' | '\\' | '$') {
                                code.push('\\');
                            }
                            code.push(e);
                        }
                        None => code.push('\\'),
                    },
                    c => code.push(c),
                }
            }
            backquoted.push(code);
            continue;
        }
        if c == '\\'
            && let Some(&(_, e)) = chars.peek()
            && matches!(e, '$' | '`' | '\\' | '\n')
        {
            chars.next();
            if e != '\n' {
                out.push(e);
            }
            continue;
        }
        let special = chars
            .peek()
            .map(|&(_, n)| n)
            .filter(|n| c == '$' && (n.is_ascii_digit() || "@*#?$!-".contains(*n)));
        let Some(name) = special else {
            out.push(c);
            continue;
        };
        chars.next();
        match scope
            .lookup(&name.to_string())
            .as_ref()
            .and_then(|v| v.single())
        {
            Some(value) => out.push_str(value),
            None => {
                unknown = true;
                out.push('$');
                out.push(name);
            }
        }
    }
    unknown
}
