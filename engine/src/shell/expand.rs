//! From tree-sitter word nodes to [`Piece`]s: quote removal, escapes, and the
//! variables the scope knows. Command and process substitutions are collected for the
//! walker, which decides whether their output is data or code.

use tree_sitter::Node;

use super::parameter::Operator;
use super::scope::{Scope, Value};
use super::word::{Piece, ansi_c_word, double_quoted_text, finish, unquoted_text_pieces};
use crate::span::Span;

pub(crate) fn text<'a>(node: Node, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

/// Where an expansion's own text starts. tree-sitter folds the blanks between two
/// expansions in a double-quoted string into the second one (`"$x $y"` has the
/// children `$x` and ` $y`); those blanks are the string's text, and an expansion never
/// starts with a blank.
fn own_start(node: Node, src: &str) -> usize {
    let raw = text(node, src);
    match node.kind() {
        "simple_expansion"
        | "expansion"
        | "command_substitution"
        | "process_substitution"
        | "arithmetic_expansion" => node.start_byte() + (raw.len() - raw.trim_start().len()),
        _ => node.start_byte(),
    }
}

/// The text of `node` from [`own_start`].
fn own_text<'a>(node: Node, src: &'a str) -> &'a str {
    src.get(own_start(node, src)..node.end_byte()).unwrap_or("")
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

/// [`pieces`], added to `out`.
pub(crate) fn pieces_into<'t>(
    node: Node<'t>,
    src: &str,
    scope: &Scope,
    subs: &mut Vec<Node<'t>>,
    out: &mut Vec<Piece>,
) {
    push(node, src, scope, subs, false, out);
}

fn push<'t>(
    node: Node<'t>,
    src: &str,
    scope: &Scope,
    subs: &mut Vec<Node<'t>>,
    quoted: bool,
    out: &mut Vec<Piece>,
) {
    let raw = own_text(node, src);
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
            let (text, holes) = ansi_c_word(inner);
            // `\u`/`\U` give a character in the locale's encoding, or the escape as
            // text where it has none (the C locale of `env -i`).
            if scope.locale_unknown() && !text.is_ascii() && inner.contains(['u', 'U']) {
                out.push(Piece::Unknown {
                    raw: raw.to_owned(),
                });
                return;
            }
            out.push(if holes.is_empty() {
                Piece::Text {
                    text,
                    quoted: true,
                    expansion: false,
                }
            } else {
                // Bytes that are not UTF-8: known to bash, not representable here.
                Piece::Partial {
                    text,
                    holes,
                    quoted: true,
                }
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
        "command_substitution" => {
            subs.push(node);
            out.push(match static_output(node, src, scope) {
                Some(text) => Piece::Text {
                    text,
                    quoted,
                    expansion: true,
                },
                None => Piece::Unknown {
                    raw: raw.to_owned(),
                },
            });
        }
        "process_substitution" => {
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
            collect_substitutions(node, src, subs);
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
        let child_start = own_start(child, src);
        if child_start > pos {
            let gap = src.get(pos..child_start).unwrap_or("");
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

/// The pieces of a word tree-sitter read as several nodes that touch (it cuts a word
/// at a `$` after quotes: `/""$HOME.txt` is `/""$` and `HOME.txt`).
pub(crate) fn touching_pieces<'t>(
    nodes: &[Node<'t>],
    src: &str,
    scope: &Scope,
    subs: &mut Vec<Node<'t>>,
) -> Vec<Piece> {
    let mut out = Vec::new();
    for node in nodes {
        push(*node, src, scope, subs, false, &mut out);
    }
    if nodes.len() > 1 {
        out = rejoin_dollar_names(out, scope);
    }
    out
}

/// tree-sitter splits `x""$HOME.txt` into `x""$` and `HOME.txt`: a bare `$` at the end
/// of one piece of a word, followed by a name at the start of the next, is `$NAME`.
pub(crate) fn rejoin_dollar_names(pieces: Vec<Piece>, scope: &Scope) -> Vec<Piece> {
    // Only a literal ending in `$` starts a name (the usual word has none).
    let dangles = |p: &Piece| matches!(p, Piece::Text { text, quoted: false, expansion: false } if text.ends_with('$'));
    if !pieces.iter().any(dangles) {
        return pieces;
    }
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        let dangling = matches!(
            out.last(),
            Some(Piece::Text { text, quoted: false, expansion: false }) if text.ends_with('$')
        );
        match piece {
            Piece::Text {
                text,
                quoted: false,
                expansion: false,
            } if dangling => {
                // `$1x` is `$1` and `x`; `$NAME` takes every name character.
                let name_len = if text.starts_with(|c: char| c.is_ascii_digit()) {
                    1
                } else {
                    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(text.len())
                };
                if name_len == 0 {
                    out.push(Piece::Text {
                        text,
                        quoted: false,
                        expansion: false,
                    });
                    continue;
                }
                if let Some(Piece::Text { text: before, .. }) = out.last_mut() {
                    before.pop();
                }
                let name = &text[..name_len];
                out.push(variable(name, &format!("${name}"), scope, false));
                if name_len < text.len() {
                    out.push(Piece::Text {
                        text: text[name_len..].to_owned(),
                        quoted: false,
                        expansion: false,
                    });
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `$NAME`: what the scope knows of it.
fn variable(name: &str, raw: &str, scope: &Scope, quoted: bool) -> Piece {
    let Some(value) = scope.lookup(name) else {
        return Piece::Unknown {
            raw: raw.to_owned(),
        };
    };
    // `"$@"` and `"${a[@]}"` are each item as its own word, empty ones too; `"$*"` is
    // the items joined by the first character of IFS; unquoted, each item is split.
    if splits(name)
        && let Some(items) = value.list.clone()
        && value.certain()
    {
        let joined = quoted && (name == "*" || name.ends_with("[*]"));
        if joined {
            let sep = match scope.expand_env().ifs {
                Some(ifs) => ifs.chars().next().map(String::from).unwrap_or_default(),
                None => {
                    return Piece::Unknown {
                        raw: raw.to_owned(),
                    };
                }
            };
            return Piece::Text {
                text: items.join(&sep),
                quoted: true,
                expansion: true,
            };
        }
        return Piece::List { items, quoted };
    }
    // A list the engine does not know for certain (set on some paths, or after a
    // change it could not follow): its items' bounds are lost in the joined values
    // (`"$@"` of `src 'a b.txt'` is not `src a b.txt`).
    if splits(name) {
        return Piece::Unknown {
            raw: raw.to_owned(),
        };
    }
    if let Some(only) = value.single() {
        return Piece::Text {
            text: only.to_owned(),
            quoted,
            expansion: true,
        };
    }
    match value {
        // Known in part: `D=$(cd ~ && pwd)/.mstro` keeps its `/.mstro`.
        Value {
            known,
            mut partial,
            maybe_unknown: false,
            ..
        } if known.is_empty() && partial.len() == 1 => {
            let (text, holes) = partial.remove(0);
            Piece::Partial {
                text,
                holes,
                quoted,
            }
        }
        Value {
            known,
            partial,
            maybe_unknown,
            ..
        } if !known.is_empty() => {
            let mut options: Vec<Option<String>> = known.into_iter().map(Some).collect();
            if maybe_unknown || !partial.is_empty() {
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

/// `${NAME}`, defaults, array elements, indirection and the value operators of
/// [`Operator`]; anything else is unknown.
fn braced_expansion<'t>(
    node: Node<'t>,
    src: &str,
    scope: &Scope,
    subs: &mut Vec<Node<'t>>,
    quoted: bool,
) -> Piece {
    collect_substitutions(node, src, subs);
    let raw = own_text(node, src);
    let unknown = || Piece::Unknown {
        raw: raw.to_owned(),
    };
    let inner = raw
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or("");
    // `${!ref}`: the variable whose name `ref` holds.
    let (indirect, inner) = match inner.strip_prefix('!') {
        Some(r) if !r.is_empty() => (true, r),
        _ => (false, inner),
    };
    let name_end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (mut name, mut rest) = inner.split_at(name_end);
    if name.is_empty() && !indirect && matches!(rest.chars().next(), Some('@' | '*')) {
        // `${@}`, `${*}`, `${@:2}`.
        (name, rest) = rest.split_at(1);
    }
    if name.is_empty() {
        return unknown();
    }
    let mut key = name.to_owned();
    if let Some(r) = rest.strip_prefix('[') {
        let Some((index, after)) = r.split_once(']') else {
            return unknown();
        };
        key = format!("{name}[{index}]");
        rest = after;
    }
    if indirect {
        if !rest.is_empty() {
            return unknown();
        }
        return match scope.lookup(&key).as_ref().and_then(Value::single) {
            Some(target) => variable(target, raw, scope, quoted),
            None => unknown(),
        };
    }
    if rest == "@P" {
        // Prompt expansion runs the substitutions inside the value: the walker reads it.
        subs.push(node);
        return unknown();
    }
    let known = scope.lookup(&key);
    if rest.is_empty() {
        return variable(&key, raw, scope, quoted);
    }
    // `${X:-d}`, `${X-d}`, `${X:=d}`: X's value if it has one, else possibly the default.
    if let Some((op, default)) = ["-", ":-", "=", ":="]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|d| (*op, d)))
    {
        let default = if default.contains(['$', '`', '\\', '\'', '"']) {
            None
        } else {
            match default.strip_prefix('~') {
                Some(r) if r.is_empty() || r.starts_with('/') => {
                    scope.expand_env().home.map(|home| format!("{home}{r}"))
                }
                _ => Some(default.to_owned()),
            }
        };
        let Some(value) = known else {
            return match default {
                Some(d) => Piece::Choice {
                    options: vec![Some(d), None],
                    quoted,
                    raw: raw.to_owned(),
                },
                None => unknown(),
            };
        };
        if !value.known.iter().any(String::is_empty) {
            return variable(&key, raw, scope, quoted);
        }
        // An empty value takes the default with `:-`, and may be an unset variable
        // (which takes it too) with `-`: the engine does not tell the two apart.
        let mut options: Vec<Option<String>> = Vec::new();
        for v in &value.known {
            if !v.is_empty() || !op.starts_with(':') {
                options.push(Some(v.clone()));
            }
            if v.is_empty() {
                options.push(default.clone());
            }
        }
        if value.maybe_unknown || !value.partial.is_empty() {
            options.push(None);
        }
        options.dedup();
        return match options.as_slice() {
            [Some(only)] => Piece::Text {
                text: only.clone(),
                quoted,
                expansion: true,
            },
            _ => Piece::Choice {
                options,
                quoted,
                raw: raw.to_owned(),
            },
        };
    }
    let (Some(op), Some(value)) = (Operator::parse(rest), known) else {
        return unknown();
    };
    let mut options: Vec<Option<String>> = Vec::new();
    for v in &value.known {
        match op.apply(v) {
            Some(out) => options.push(Some(out)),
            None => return unknown(),
        }
    }
    if value.maybe_unknown || !value.partial.is_empty() {
        options.push(None);
    }
    let quoted = quoted && !splits(&key);
    match options.as_slice() {
        [Some(only)] => Piece::Text {
            text: only.clone(),
            quoted,
            expansion: true,
        },
        [] => unknown(),
        _ => Piece::Choice {
            options,
            quoted,
            raw: raw.to_owned(),
        },
    }
}

/// `$@`, `${x[@]}`: each item is its own word, even inside double quotes.
fn splits(name: &str) -> bool {
    matches!(name, "@" | "*") || name.ends_with("[@]") || name.ends_with("[*]")
}

/// What a command substitution prints, for the few commands whose output the engine
/// knows without running anything: `$(echo ~)`, `$(pwd)`.
fn static_output(node: Node, src: &str, scope: &Scope) -> Option<String> {
    let mut cursor = node.walk();
    let mut named = node.named_children(&mut cursor);
    let command = named.next().filter(|c| c.kind() == "command")?;
    if named.next().is_some() {
        return None;
    }
    let mut words = Vec::new();
    let mut cursor = command.walk();
    for (i, child) in command.children(&mut cursor).enumerate() {
        match command.field_name_for_child(i as u32) {
            Some("name") | Some("argument") => {
                let mut subs = Vec::new();
                let pieces = pieces(child, src, scope, &mut subs);
                if !subs.is_empty() {
                    return None;
                }
                let env = scope.expand_env();
                let mut variants = finish(pieces, Span::default(), Span::default(), &env);
                if variants.len() != 1 {
                    return None;
                }
                for w in variants.pop().unwrap_or_default() {
                    if w.unresolved || w.glob {
                        return None;
                    }
                    words.push(w.text);
                }
            }
            _ if child.is_named() => return None,
            _ => {}
        }
    }
    let (program, args) = words.split_first()?;
    match program.as_str() {
        "echo" if args.first().is_none_or(|a| !a.starts_with('-')) => Some(args.join(" ")),
        "pwd" if args.is_empty() => scope.cwd().map(str::to_owned),
        _ => None,
    }
}

/// tree-sitter reads `` ${x:-`cmd`} ``'s default as a plain word; bash runs the backticks.
pub(crate) fn is_backtick_word(node: Node, src: &str) -> bool {
    node.kind() == "word"
        && node.parent().is_some_and(|p| p.kind() == "expansion")
        && text(node, src).contains('`')
}

/// Every command or process substitution inside `node`.
pub(crate) fn collect_substitutions<'t>(node: Node<'t>, src: &str, subs: &mut Vec<Node<'t>>) {
    if matches!(
        node.kind(),
        "command_substitution" | "process_substitution" | "arithmetic_expansion"
    ) || is_backtick_word(node, src)
    {
        subs.push(node);
        return;
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        collect_substitutions(child, src, subs);
    }
}

#[cfg(test)]
mod tests {
    use crate::path::PathEnv;
    use crate::shell::{Limits, model};

    /// Every invocation of `program` in `command`: its arguments, `?` before an
    /// unresolved one.
    fn args(command: &str, program: &str) -> Vec<Vec<String>> {
        let m = model(
            command,
            &PathEnv::fixture(),
            Some("/home/dev/project"),
            &Limits::default(),
        );
        assert!(m.findings.is_empty(), "{command}: {:?}", m.findings);
        m.invocations
            .iter()
            .filter(|i| i.program == program)
            .map(|i| {
                i.argv[1..]
                    .iter()
                    .map(|w| {
                        let mark = if w.unresolved { "?" } else { "" };
                        format!("{mark}{}", w.text)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn blanks_between_expansions_in_a_string_are_text() {
        // tree-sitter folds them into the next expansion's node.
        assert_eq!(args(r#"rm "$(echo a) $(echo b)""#, "rm"), [["a b"]]);
        assert_eq!(args(r#"x=a; y=b; rm "$x $y""#, "rm"), [["a b"]]);
        assert_eq!(args("x=a; y=b; rm \"${x} \t${y}\"", "rm"), [["a \tb"]]);
        assert_eq!(args(r#"x=a; rm "$x `echo b`""#, "rm"), [["a b"]]);
    }

    #[test]
    fn ansi_c_strings_pass_bytes() {
        assert_eq!(args(r"rm $'\xc3\xa9' $'\303\251'", "rm"), [["é", "é"]]);
        assert_eq!(args(r"rm $'a\xffb'", "rm"), [[r"?a\xffb"]]);
    }

    #[test]
    fn a_quoted_nothing_ends_a_tilde_prefix() {
        assert_eq!(
            args(r#"rm ~""/x ""~/x ~'/x' ~/x"#, "rm"),
            [["~/x", "~/x", "~/x", "/home/dev/x"]]
        );
    }

    /// The vendored grammar's fixes (see vendor/README.md): an escape after a string or
    /// an expansion continues the word, wherever the word stands.
    #[test]
    fn an_escape_after_quotes_continues_the_word() {
        assert_eq!(args(r"rm 'a'\ b", "rm"), [["a b"]]);
        assert_eq!(args(r#"rm "a"\b c"#, "rm"), [["ab", "c"]]);
        assert_eq!(args(r"x=a; rm ${x}\b $x\ c", "rm"), [["ab", "a c"]]);
        assert_eq!(args(r"X='a'\b; rm $X", "rm"), [["ab"]]);
        assert_eq!(args(r"for x in 'a'\b; do rm $x; done", "rm"), [["ab"]]);
        assert_eq!(args(r"a=('a'\b c); rm ${a[@]}", "rm"), [["ab", "c"]]);
        assert_eq!(args(r"rm >'a'\b x", "rm"), [["x"]]);
        assert_eq!(args(r"case 'a'\b in 'a'\b) rm x;; esac", "rm"), [["x"]]);
    }

    /// A backtick after a word closes the substitution it is in.
    #[test]
    fn backtick_substitutions_side_by_side() {
        assert_eq!(args("rm `echo a` `echo b`", "rm"), [["a", "b"]]);
        assert_eq!(args("rm \"`echo a` `echo b`\"", "rm"), [["a b"]]);
        assert_eq!(args("rm x`echo a` `echo b`y", "rm"), [["xa", "by"]]);
        assert_eq!(args("r``m a", "rm"), [["a"]]);
    }
}
