//! What a command prints, when the engine knows it without running anything.

use super::redirects::{RedirectSpec, stdin_data};
use crate::shell::invocation::Invocation;
use crate::shell::word::Word;

/// The text a program writes to stdout when the engine knows it.
pub(super) fn emitted_text(inv: &Invocation, specs: &[RedirectSpec]) -> Option<String> {
    // Bytes that are not UTF-8 (`printf '\xff'`) are U+FFFD in the text, which is not
    // what the command prints: the output is not known.
    known_text(inv, specs).filter(|t| !t.contains(char::REPLACEMENT_CHARACTER))
}

fn known_text(inv: &Invocation, specs: &[RedirectSpec]) -> Option<String> {
    let args = inv.args();
    // A glob prints what it matches, which only the filesystem knows.
    if args.iter().any(|w| w.unresolved || w.glob) {
        return None;
    }
    match inv.program.as_str() {
        "echo" => {
            let mut escapes = false;
            let mut newline = true;
            let mut rest = args;
            while let Some(first) = rest
                .first()
                .filter(|w| matches!(w.text.as_str(), "-n" | "-e" | "-E" | "-ne" | "-en"))
            {
                escapes |= first.text.contains('e');
                newline &= !first.text.contains('n');
                rest = &rest[1..];
            }
            let mut text = rest
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            if escapes {
                text = crate::shell::word::ansi_c_text(&text);
            }
            // `echo` ends its line; `xargs -d,` and `read -d` see that newline.
            if newline {
                text.push('\n');
            }
            Some(text)
        }
        "printf" => {
            let (format, values) = args.split_first()?;
            Some(printf(&format.text, values))
        }
        "cat" if args.is_empty() || args.iter().all(|w| w.text == "-") => {
            stdin_data(specs).flatten().cloned()
        }
        _ => None,
    }
}

/// Enough of `printf` to know what it prints: `%s`, `%b`, `%d`, escapes (`\n`, `\x72`,
/// `\162`), and reuse of the format while arguments remain.
pub(super) fn printf(format: &str, values: &[Word]) -> String {
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
            out.push_str(&crate::shell::word::ansi_c_text(&std::mem::take(
                &mut literal,
            )));
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
                    out.push_str(&crate::shell::word::ansi_c_text(
                        values.next().unwrap_or(""),
                    ));
                    used = true;
                }
                Some(_) => {
                    out.push_str(values.next().unwrap_or(""));
                    used = true;
                }
                None => out.push('%'),
            }
        }
        out.push_str(&crate::shell::word::ansi_c_text(&literal));
        if !used || values.len() == 0 {
            break;
        }
    }
    out
}
