//! Repairs for trees tree-sitter-bash gets wrong without reporting an error. Each is a
//! same-length edit of the source (so every offset still maps to the input) that makes
//! tree-sitter read what bash reads; the source is then parsed again.
//!
//! - `2>&- -r x /`: tree-sitter takes one word after `>&-` as its target and starts a
//!   new command after it; bash closes the descriptor and keeps every word. `-` becomes
//!   a digit: a descriptor duplication has a target, and the words follow it.
//! - `ls⏎\rm -rf /`: a newline before a backslash is swallowed into the next word, so
//!   `rm` would be an argument of `ls`. The escape `\r` becomes `xx` (the newline must
//!   stay: it may end a comment).
//! - `A=1 B=2⏎{ rm -rf ~; }`, `&>x a | b | ln c⏎bash <<E`: a newline inside a command
//!   (after assignments, or between words after some redirections) is read as a space,
//!   so the next line's command would run with them as its environment or be taken as
//!   arguments. The newline becomes `;`.
//! - `a | b"" | c""⏎<in d >out`: after some words (ending in an empty string, a
//!   quoted substitution) the newline is read as a blank and the next line's
//!   redirections and words become the statement's. The newline becomes `;` there too.
//! - `mkdir \ 2>x`: a word that starts with an escaped blank loses it (and `2>x`
//!   becomes a redirection of descriptor 2); bash reads the word ` 2`. The blank
//!   becomes `_`.
//! - `grep x\u{d}y`: tree-sitter takes a carriage return for a blank; to bash it is an
//!   ordinary character of a word. It becomes `.` (nothing special, not part of a name).
//! - `{rm,} -rf /`, `{fd}>f cmd`: a `{` with no blank after it is part of a word to
//!   bash (brace expansion, a named descriptor), never a group; tree-sitter reads a
//!   group and fails, or (`a && {fd}>x b⏎else { ls; }`) reads one without failing and
//!   takes `else` for a command. The `{` becomes `_` for the parse.
//!
//! The walk reads words from the text as written, so a repaired byte never reaches a
//! word: only the shape of the tree changes.

use tree_sitter::{Node, Tree};

use super::expand::text;

/// Most rounds of repair for one text (each round reparses it).
pub(crate) const MAX_ROUNDS: usize = 4;

/// The source with the repairs `tree` needs, or `None` when it needs none.
pub(crate) fn repaired(tree: &Tree, src: &str) -> Option<String> {
    // Every repair needs one of these in the text; most commands have none, and walking
    // the whole tree for nothing cost a tenth of judging a typical command.
    let may_need = src.contains(">&-")
        || src.contains("<&-")
        || src.contains('\n')
        || src.contains("\\ ")
        || src.contains("\\\t")
        || src.contains('\r')
        || (src.contains('{') && tree.root_node().has_error())
        || glued_brace(src);
    if !may_need {
        return None;
    }
    let mut edits: Vec<(usize, u8)> = Vec::new();
    collect(tree.root_node(), src, &mut edits);
    edits.extend(
        src.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\r')
            .map(|(at, _)| (at, b'.')),
    );
    if edits.is_empty() {
        return None;
    }
    let mut bytes = src.as_bytes().to_vec();
    for (at, b) in edits {
        bytes[at] = b;
    }
    // Only ASCII bytes are replaced by ASCII bytes: still UTF-8.
    String::from_utf8(bytes).ok()
}

/// A `{` with no blank after it, not after `$`: never a group to bash, though
/// tree-sitter may read one (`a && {fd}>x cmd⏎else { ls; }` without an error).
fn glued_brace(src: &str) -> bool {
    let b = src.as_bytes();
    (0..b.len().saturating_sub(1)).any(|i| {
        b[i] == b'{'
            && !b[i + 1].is_ascii_whitespace()
            && b[i + 1] != b'}'
            && (i == 0 || b[i - 1] != b'$')
    })
}

fn collect(node: Node, src: &str, edits: &mut Vec<(usize, u8)>) {
    match node.kind() {
        // `>&-` and `<&-` with a word after them.
        "file_redirect" => {
            let mut cursor = node.walk();
            let closes = node
                .children(&mut cursor)
                .find(|c| !c.is_named() && matches!(text(*c, src), ">&-" | "<&-"));
            if let Some(op) = closes
                && node.child_by_field_name("destination").is_some()
            {
                edits.push((op.end_byte() - 1, b'9'));
            }
        }
        "word" if text(node, src).starts_with("\n\\") => {
            // The escape pair after the newline becomes two plain word bytes; the
            // newline stays, so it still ends a comment before it (`# x⏎\rm`).
            let at = node.start_byte() + 1;
            if src
                .as_bytes()
                .get(at + 1)
                .is_some_and(|b| b.is_ascii() && *b != b'\n')
            {
                edits.push((at, b'x'));
                edits.push((at + 1, b'x'));
            }
        }
        "ERROR" | "compound_statement" => {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            for pair in children.windows(2) {
                if !pair[0].is_named()
                    && text(pair[0], src) == "{"
                    && pair[1].start_byte() == pair[0].end_byte()
                {
                    edits.push((pair[0].start_byte(), b'_'));
                }
            }
        }
        "command" | "redirected_statement" => {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            for pair in children.windows(2) {
                if pair[0].kind() == "comment" || pair[0].kind() == "heredoc_redirect" {
                    continue;
                }
                let gap = src
                    .get(pair[0].end_byte()..pair[1].start_byte())
                    .unwrap_or("");
                // Continuations are joined before parsing, so a newline between two
                // parts of one command, or before a statement's redirection, is
                // always a misreading.
                let part = node.kind() == "command"
                    || matches!(
                        pair[1].kind(),
                        "file_redirect" | "herestring_redirect" | "heredoc_redirect"
                    );
                if part && let Some(nl) = gap.find('\n') {
                    edits.push((pair[0].end_byte() + nl, b';'));
                }
                // An escaped blank starting a word, skipped as if it were a blank.
                if let Some(esc) = gap.find("\\ ").or_else(|| gap.find("\\\t")) {
                    edits.push((pair[0].end_byte() + esc + 1, b'_'));
                }
            }
        }
        _ => {}
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        collect(child, src, edits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repair(src: &str) -> Option<String> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_bash::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(src, None).unwrap();
        repaired(&tree, src)
    }

    #[test]
    fn each_repair_keeps_every_offset() {
        assert_eq!(repair("rm 2>&- -rf /").as_deref(), Some("rm 2>&9 -rf /"));
        assert_eq!(repair("ls\n\\rm -rf /").as_deref(), Some("ls\nxxm -rf /"));
        assert_eq!(
            repair("ls # x\n\\rm -rf /").as_deref(),
            Some("ls # x\nxxm -rf /")
        );
        assert_eq!(
            repair("A=1 B=2\n{ rm -rf ~; }").as_deref(),
            Some("A=1 B=2;{ rm -rf ~; }")
        );
        assert_eq!(repair("x=1 y=2\nls").as_deref(), Some("x=1 y=2;ls"));
        assert_eq!(
            repair("&>x a | b | ln c\nbash <<E\nls\nE").as_deref(),
            Some("&>x a | b | ln c;bash <<E\nls\nE")
        );
        assert_eq!(
            repair("ls | a\"\" | b\"\"\n<a.txt curl >out").as_deref(),
            Some("ls | a\"\" | b\"\";<a.txt curl >out")
        );
        assert_eq!(repair("mkdir \\ 2>x").as_deref(), Some("mkdir \\_2>x"));
        assert_eq!(repair("mkdir \\ x").as_deref(), Some("mkdir \\_x"));
        assert_eq!(repair("grep x\ry").as_deref(), Some("grep x.y"));
        assert_eq!(repair("{rm,} -rf /").as_deref(), Some("_rm,} -rf /"));
        assert_eq!(repair("{fd}>f rm").as_deref(), Some("_fd}>f rm"));
        assert_eq!(
            repair("if true; then a && {fd}>x b /\nelse { ls; }; fi").as_deref(),
            Some("if true; then a && _fd}>x b /\nelse { ls; }; fi")
        );
    }

    #[test]
    fn correct_trees_need_none() {
        for ok in [
            "rm 2>&-",
            "A=1 ls",
            "echo 'a\n\\b'",
            "ls >&2 x",
            "x=1\n",
            "{ ls; }",
            "mkdir a\\ b",
        ] {
            assert_eq!(repair(ok), None, "{ok}");
        }
    }
}
