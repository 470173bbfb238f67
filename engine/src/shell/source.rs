//! The text a parse runs on, and how its offsets map back to the input.
//!
//! tree-sitter-bash treats `\<newline>` as whitespace, so `r\<newline>m` parses as two
//! words where bash sees `rm`. Continuations are therefore joined before parsing, except
//! where bash does not honour them (see [`protected_ranges`]).

use std::ops::Range;

use tree_sitter::Node;

/// Byte offsets in the joined text where a `\<newline>` was removed.
#[derive(Debug, Default, Clone)]
pub(crate) struct Cuts(Vec<usize>);

impl Cuts {
    /// The input offset of `pos` in the joined text.
    pub fn original(&self, pos: usize) -> usize {
        pos + 2 * self.0.partition_point(|&c| c <= pos)
    }
}

/// Does `text` contain a line continuation (a newline after an odd run of backslashes)?
pub(crate) fn has_continuation(text: &str) -> bool {
    continuations(text).next().is_some()
}

fn continuations(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().filter_map(move |(i, &b)| {
        if b != b'\n' || i == 0 {
            return None;
        }
        let run = bytes[..i].iter().rev().take_while(|&&c| c == b'\\').count();
        (run % 2 == 1).then_some(i - 1)
    })
}

/// Where in the text parsed as `root` a `\<newline>` is no continuation: comments (joining
/// would hide the next line inside the comment), single-quoted and ANSI-C strings
/// (`sh -c 'rm \<newline>x'` passes both characters, and `$'a\<newline>b'` keeps them),
/// and the bodies of heredocs whose delimiter is quoted (read as written: a joined line
/// could swallow the delimiter and with it the commands after the heredoc). An unquoted
/// heredoc's body does join lines, before its delimiter is looked for, as bash does.
pub(crate) fn protected_ranges(root: Node, text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    protect(root, text, &mut out);
    out
}

fn protect(node: Node, text: &str, out: &mut Vec<Range<usize>>) {
    if matches!(node.kind(), "comment" | "raw_string" | "ansi_c_string") {
        out.push(node.byte_range());
        return;
    }
    let mut cursor = node.walk();
    // The delimiter of the heredoc whose body comes next: `'EOF'`, `"EOF"`, `\EOF`.
    let mut quoted_delimiter = false;
    for child in node.children(&mut cursor) {
        match child.kind() {
            "heredoc_start" => {
                quoted_delimiter = text
                    .get(child.byte_range())
                    .is_some_and(|d| d.contains(['\'', '"', '\\']));
            }
            "heredoc_body" if quoted_delimiter => out.push(child.byte_range()),
            _ => protect(child, text, out),
        }
    }
}

/// Remove every continuation outside `protected` ranges.
pub(crate) fn join_continuations(text: &str, protected: &[Range<usize>]) -> (String, Cuts) {
    let mut out = String::with_capacity(text.len());
    let mut cuts = Vec::new();
    let mut last = 0;
    for at in continuations(text) {
        if protected.iter().any(|r| r.contains(&at)) {
            continue;
        }
        out.push_str(&text[last..at]);
        cuts.push(out.len());
        last = at + 2;
    }
    out.push_str(&text[last..]);
    (out, Cuts(cuts))
}

/// tree-sitter-bash cannot parse a redirect followed by a pipe on a heredoc's start
/// line (`python3 - <<'PY' 2>&1 | tail`). Bash applies the heredoc to fd 0 wherever it
/// stands among the line's redirects, so moving it after them changes nothing; the
/// permutation keeps the text's length and every offset outside that line.
///
/// `errors` are the byte ranges of error nodes inside heredoc redirects, each with the
/// range of its heredoc operator-and-delimiter (`<<'PY'`).
pub(crate) fn reorder_heredoc_redirects(
    text: &str,
    errors: &[(Range<usize>, Range<usize>)],
) -> Option<String> {
    let mut out = text.to_owned();
    let mut changed = false;
    for (error, heredoc) in errors {
        if heredoc.end > error.start
            || !text
                .get(error.clone())
                .is_some_and(|e| e.trim_start().starts_with('|'))
        {
            continue;
        }
        let head = text.get(heredoc.clone())?;
        let rest = text.get(heredoc.end..error.start)?;
        let trimmed = rest.trim_start();
        if !only_redirects(trimmed.trim_end()) {
            continue;
        }
        let core = trimmed.trim_end();
        let (lead, trail) = (rest.len() - trimmed.len(), trimmed.len() - core.len());
        let moved = format!("{core}{}{head}{}", " ".repeat(lead), " ".repeat(trail));
        debug_assert_eq!(moved.len(), heredoc.len() + rest.len());
        out.replace_range(heredoc.start..error.start, &moved);
        changed = true;
    }
    changed.then_some(out)
}

/// `2>&1`, `> out.log`, `2>/dev/null`: nothing but redirect tokens.
fn only_redirects(s: &str) -> bool {
    let mut tokens = s.split_whitespace().peekable();
    if tokens.peek().is_none() {
        return false;
    }
    while let Some(tok) = tokens.next() {
        let op = tok.trim_start_matches(|c: char| c.is_ascii_digit());
        let Some(target) = [">>", ">&", "<&", "&>>", "&>", ">|", ">", "<"]
            .iter()
            .find_map(|o| op.strip_prefix(o))
        else {
            return false;
        };
        if target.contains(['|', ';', '&', '<', '>', '`', '$', '(']) {
            return false;
        }
        if target.is_empty() && !op.ends_with('&') {
            // `> file`: the target is the next token.
            let Some(next) = tokens.next() else {
                return false;
            };
            if next.contains(['|', ';', '&', '<', '>', '`', '$', '(']) {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_continuations_and_maps_offsets_back() {
        let (joined, cuts) = join_continuations("r\\\nm -rf /", &[]);
        assert_eq!(joined, "rm -rf /");
        assert_eq!(cuts.original(0), 0);
        assert_eq!(cuts.original(1), 3, "`m` was after the continuation");
        assert_eq!(cuts.original(joined.len()), 10);
    }

    #[test]
    fn an_escaped_backslash_is_not_a_continuation() {
        assert!(!has_continuation("echo a\\\\\nls"));
        assert!(has_continuation("echo a\\\\\\\nls"));
    }

    #[test]
    fn heredoc_is_moved_after_the_redirects_on_its_line() {
        let text = "python3 - <<'PY' 2>&1 | tail\nimport os\nPY";
        let heredoc = 10..16;
        let error = 22..23;
        let fixed = reorder_heredoc_redirects(text, &[(error, heredoc)]).unwrap();
        assert_eq!(fixed, "python3 - 2>&1 <<'PY' | tail\nimport os\nPY");
        assert_eq!(fixed.len(), text.len());
    }

    #[test]
    fn only_plain_redirects_are_moved() {
        assert!(only_redirects("2>&1"));
        assert!(only_redirects("2>/dev/null > out.log"));
        assert!(!only_redirects("2>&1 && echo"));
        assert!(!only_redirects("x"));
        assert!(!only_redirects(""));
    }

    /// `text` with the continuations bash would join joined.
    fn joined(text: &str) -> String {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_bash::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(text, None).unwrap();
        join_continuations(text, &protected_ranges(tree.root_node(), text)).0
    }

    #[test]
    fn quoted_text_keeps_its_backslash_newlines() {
        // Single quotes and `$'...'` keep both characters; double quotes do not.
        assert_eq!(joined("sh -c 'rm \\\na'"), "sh -c 'rm \\\na'");
        assert_eq!(joined("rm $'a\\\nb'"), "rm $'a\\\nb'");
        assert_eq!(joined("rm \"a\\\nb\""), "rm \"ab\"");
        assert_eq!(joined("rm 'a' \\\n'b'"), "rm 'a' 'b'");
        // A heredoc with a quoted delimiter is read as written, so the line after
        // `x\` is still its delimiter; an unquoted one joins first, as bash does.
        let quoted = "cat <<'EOF'\nx\\\nEOF\nrm y\nEOF\n";
        assert_eq!(joined(quoted), quoted);
        let quoted = "cat <<\\EOF\nx\\\nEOF\n";
        assert_eq!(joined(quoted), quoted);
        assert_eq!(
            joined("cat <<EOF\nx\\\nEOF\nrm y\nEOF\n"),
            "cat <<EOF\nxEOF\nrm y\nEOF\n"
        );
    }

    #[test]
    fn comments_are_protected() {
        let text = "# note \\\nrm -rf /";
        let comment = 0..8;
        let (joined, _) = join_continuations(text, std::slice::from_ref(&comment));
        assert_eq!(joined, text);
    }
}
