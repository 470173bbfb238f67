//! From tree-sitter word nodes to [`Piece`]s: quote removal, escapes, and the
//! variables the scope knows. Command and process substitutions are collected for the
//! walker, which decides whether their output is data or code.

use tree_sitter::Node;

use super::scope::{Scope, Value};
use super::word::{Piece, ansi_c_text, double_quoted_text, unquoted_text_pieces};

pub(crate) fn text<'a>(node: Node, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

/// The pieces of the word `node`; substitutions found inside are pushed to `subs`.
pub(crate) fn pieces<'t>(
    node: Node<'t>,
    src: &str,
    scope: &Scope,
    subs: &mut Vec<Node<'t>>,
) -> Vec<Piece> {
    let mut out = Vec::new();
    push(node, src, scope, subs, false, &mut out);
    out
}

fn push<'t>(
    node: Node<'t>,
    src: &str,
    scope: &Scope,
    subs: &mut Vec<Node<'t>>,
    quoted: bool,
    out: &mut Vec<Piece>,
) {
    let raw = text(node, src);
    match node.kind() {
        "word"
        | "number"
        | "extglob_pattern"
        | "brace_expression"
        | "regex"
        | "special_variable_name"
            if node.named_child_count() == 0 =>
        {
            if quoted {
                out.push(Piece::Text {
                    text: double_quoted_text(raw),
                    quoted: true,
                    expansion: false,
                });
            } else {
                unquoted_text_pieces(raw, out);
            }
        }
        "raw_string" => {
            let inner = raw
                .strip_prefix('\'')
                .and_then(|r| r.strip_suffix('\''))
                .unwrap_or(raw);
            out.push(Piece::Text {
                text: inner.to_owned(),
                quoted: true,
                expansion: false,
            });
        }
        "ansi_c_string" => {
            let inner = raw
                .strip_prefix("$'")
                .and_then(|r| r.strip_suffix('\''))
                .unwrap_or(raw);
            out.push(Piece::Text {
                text: ansi_c_text(inner),
                quoted: true,
                expansion: false,
            });
        }
        "string" => double_quoted(node, src, scope, subs, out),
        "command_name" => with_gaps(node, src, scope, subs, quoted, out),
        "translated_string" => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                push(child, src, scope, subs, true, out);
            }
        }
        "string_content" => out.push(Piece::Text {
            text: double_quoted_text(raw),
            quoted: true,
            expansion: false,
        }),
        "simple_expansion" => {
            let name = raw.trim_start_matches('$');
            out.push(variable(name, raw, scope, quoted));
        }
        "expansion" => out.push(braced_expansion(node, src, scope, subs, quoted)),
        "command_substitution" | "process_substitution" => {
            subs.push(node);
            out.push(Piece::Unknown {
                raw: raw.to_owned(),
            });
        }
        _ if node.named_child_count() > 0
            && matches!(node.kind(), "concatenation" | "word" | "number") =>
        {
            with_gaps(node, src, scope, subs, quoted, out)
        }
        _ => {
            collect_substitutions(node, subs);
            out.push(Piece::Unknown {
                raw: raw.to_owned(),
            });
        }
    }
}

/// A double-quoted string: its named children plus any text between them.
fn double_quoted<'t>(
    node: Node<'t>,
    src: &str,
    scope: &Scope,
    subs: &mut Vec<Node<'t>>,
    out: &mut Vec<Piece>,
) {
    let raw = text(node, src);
    let (start, end) = (
        node.start_byte() + 1,
        node.end_byte().saturating_sub(1).max(node.start_byte() + 1),
    );
    let start = if raw.starts_with('"') {
        start
    } else {
        node.start_byte()
    };
    let mut pos = start;
    let mut cursor = node.walk();
    let mut any = false;
    for child in node.named_children(&mut cursor) {
        if child.start_byte() > pos {
            let gap = src.get(pos..child.start_byte()).unwrap_or("");
            out.push(Piece::Text {
                text: double_quoted_text(gap),
                quoted: true,
                expansion: false,
            });
        }
        push(child, src, scope, subs, true, out);
        pos = child.end_byte();
        any = true;
    }
    if end > pos {
        let gap = src.get(pos..end).unwrap_or("");
        out.push(Piece::Text {
            text: double_quoted_text(gap),
            quoted: true,
            expansion: false,
        });
    } else if !any {
        out.push(Piece::Text {
            text: String::new(),
            quoted: true,
            expansion: false,
        });
    }
}

/// A node whose children may not cover all of its text (unquoted parts in between).
fn with_gaps<'t>(
    node: Node<'t>,
    src: &str,
    scope: &Scope,
    subs: &mut Vec<Node<'t>>,
    quoted: bool,
    out: &mut Vec<Piece>,
) {
    let mut pos = node.start_byte();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if child.start_byte() > pos {
            gap_pieces(
                src.get(pos..child.start_byte()).unwrap_or(""),
                child.kind() == "string",
                out,
            );
        }
        push(child, src, scope, subs, quoted, out);
        pos = child.end_byte();
    }
    if node.end_byte() > pos {
        gap_pieces(src.get(pos..node.end_byte()).unwrap_or(""), false, out);
    }
}

/// Text between the parts of a word that tree-sitter keeps as bare tokens: an empty
/// substitution (`` r``m ``) is nothing, and the `$` of a `$"..."` string is not text.
fn gap_pieces(gap: &str, before_string: bool, out: &mut Vec<Piece>) {
    let mut gap = gap.replace("``", "");
    if before_string && gap.ends_with('$') {
        gap.pop();
    }
    unquoted_text_pieces(&gap, out);
}

/// `$NAME`: what the scope knows of it.
fn variable(name: &str, raw: &str, scope: &Scope, quoted: bool) -> Piece {
    match scope.lookup(name) {
        Some(Value {
            known,
            maybe_unknown: false,
        }) if known.len() == 1 => Piece::Text {
            text: known.into_iter().next().unwrap_or_default(),
            quoted,
            expansion: true,
        },
        Some(Value {
            known,
            maybe_unknown,
        }) if !known.is_empty() => {
            let mut options: Vec<Option<String>> = known.into_iter().map(Some).collect();
            if maybe_unknown {
                options.push(None);
            }
            Piece::Choice {
                options,
                quoted,
                raw: raw.to_owned(),
            }
        }
        _ => Piece::Unknown {
            raw: raw.to_owned(),
        },
    }
}

/// `${NAME}`, `${NAME:-default}`; anything fancier is unknown.
fn braced_expansion<'t>(
    node: Node<'t>,
    src: &str,
    scope: &Scope,
    subs: &mut Vec<Node<'t>>,
    quoted: bool,
) -> Piece {
    collect_substitutions(node, subs);
    let raw = text(node, src);
    let inner = raw
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or("");
    let name_end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, rest) = inner.split_at(name_end);
    if name.is_empty() {
        return Piece::Unknown {
            raw: raw.to_owned(),
        };
    }
    let known = scope.lookup(name);
    match (rest, known) {
        ("", _) => variable(name, raw, scope, quoted),
        // `${X:-d}` / `${X-d}` with X known: its value; otherwise possibly the default.
        (r, Some(_)) if r.starts_with(":-") || r.starts_with('-') => {
            variable(name, raw, scope, quoted)
        }
        _ => Piece::Unknown {
            raw: raw.to_owned(),
        },
    }
}

/// Every command or process substitution inside `node`.
pub(crate) fn collect_substitutions<'t>(node: Node<'t>, subs: &mut Vec<Node<'t>>) {
    if matches!(node.kind(), "command_substitution" | "process_substitution") {
        subs.push(node);
        return;
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        collect_substitutions(child, subs);
    }
}
