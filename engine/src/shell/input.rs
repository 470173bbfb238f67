//! What a command reads on its standard input, when the engine knows anything about it:
//! the text an earlier stage of a pipeline prints (`echo / | xargs rm -rf`), or the paths
//! `find` lists (`find build -name '*.o' | xargs rm`). `xargs`, `parallel` and
//! `while read` turn it into words.

use super::invocation::Invocation;
use super::word::Word;
use crate::span::Span;

/// A command's standard input, as far as the engine knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Input {
    /// Exactly this text.
    Text(String),
    /// Paths, one per line, each under one of these starting points; each is a glob
    /// word `ROOT/**` (or `ROOT/**/NAME` with `find -name NAME`).
    Paths(Vec<Word>),
}

impl Input {
    /// What `inv` prints, given the text the engine knows it prints (`emits`).
    pub fn printed_by(inv: &Invocation, emits: Option<&str>) -> Option<Input> {
        if let Some(text) = emits {
            return Some(Input::Text(text.to_owned()));
        }
        match inv.program.as_str() {
            "find" => super::derived::find_printed(&inv.argv).map(Input::Paths),
            _ => None,
        }
    }
}

/// The items `xargs` reads from `text`: blank-separated words with its own quoting
/// (`'..'`, `".."`, `\x`), or, with a delimiter (`-d`, `-0`), the pieces between them.
pub(crate) fn xargs_items(text: &str, delimiter: Option<char>, span: Span) -> Vec<Word> {
    if let Some(d) = delimiter {
        let mut items: Vec<&str> = text.split(d).collect();
        // A trailing delimiter (or newline, with `-d`) ends the last item.
        if items.last().is_some_and(|l| l.is_empty() || *l == "\n") {
            items.pop();
        }
        return items.into_iter().map(|i| Word::literal(i, span)).collect();
    }
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut in_item = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_item {
                    items.push(Word::literal(std::mem::take(&mut cur), span));
                    in_item = false;
                }
            }
            '\'' | '"' => {
                in_item = true;
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    cur.push(q);
                }
            }
            '\\' => {
                in_item = true;
                cur.extend(chars.next());
            }
            c => {
                in_item = true;
                cur.push(c);
            }
        }
    }
    if in_item {
        items.push(Word::literal(cur, span));
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, d: Option<char>) -> Vec<String> {
        xargs_items(text, d, Span::default())
            .into_iter()
            .map(|w| w.text)
            .collect()
    }

    #[test]
    fn xargs_splits_like_xargs() {
        assert_eq!(texts("a b\n c\n", None), ["a", "b", "c"]);
        assert_eq!(texts("'a b' \"c d\" e\\ f", None), ["a b", "c d", "e f"]);
        assert_eq!(texts("a,b,/", Some(',')), ["a", "b", "/"]);
        assert_eq!(texts("a\0b\0", Some('\0')), ["a", "b"]);
        assert_eq!(texts("''", None), [""]);
        assert!(texts("  \n", None).is_empty());
    }
}
