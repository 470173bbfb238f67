//! Unicode that only looks like a command: fullwidth or Cyrillic letters in a program
//! name (`ｒｍ`, `сurl`), Unicode dashes where a flag should be (`rm —rf`), and
//! invisible characters (`r\u{200b}m`).
//!
//! The policy is deliberately simple and strict: a program name with any non-ASCII
//! character, a Unicode dash starting an argument, or an invisible character anywhere
//! in the command's words is `review`. Real program names are ASCII; a person can
//! approve the rare exception.

use super::word::Word;

/// Characters that render as a dash but are not `-`.
fn is_dash_like(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{2E3A}'
                | '\u{2E3B}'
                | '\u{30FC}'
    )
}

/// Characters that render as nothing.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{034F}' | '\u{180E}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Why `argv` looks like something it is not, if it does.
pub(crate) fn check(argv: &[Word]) -> Option<String> {
    let program = argv.first()?;
    let base = program.text.rsplit('/').next().unwrap_or(&program.text);
    if !base.is_ascii() {
        let shown: String = base
            .chars()
            .map(|c| if is_invisible(c) { '\u{FFFD}' } else { c })
            .collect();
        return Some(format!(
            "program name `{shown}` contains non-ASCII characters"
        ));
    }
    // Quoted words are data (`git commit -m "— fixed"`); look-alike flags are unquoted.
    for arg in argv[1..].iter().filter(|a| !a.quoted) {
        if arg.text.chars().next().is_some_and(is_dash_like) {
            return Some(format!(
                "argument `{}` starts with a Unicode dash, not `-`",
                arg.text
            ));
        }
        if arg.text.chars().any(is_invisible) {
            return Some("an argument contains invisible Unicode characters".to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn argv(words: &[&str]) -> Vec<Word> {
        words
            .iter()
            .map(|w| Word::literal(*w, Span::default()))
            .collect()
    }

    #[test]
    fn flags_look_alikes() {
        assert!(check(&argv(&["ｒｍ", "-rf", "/"])).is_some());
        assert!(check(&argv(&["сurl", "x"])).is_some(), "Cyrillic с");
        assert!(check(&argv(&["r\u{200b}m", "x"])).is_some());
        assert!(
            check(&argv(&["rm", "\u{2014}rf", "/"])).is_some(),
            "em dash"
        );
        assert!(
            check(&argv(&["rm", "\u{2013}rf", "/"])).is_some(),
            "en dash"
        );
        assert!(check(&argv(&["rm", "a\u{200b}", "/"])).is_some());
    }

    #[test]
    fn leaves_plain_commands_and_data_alone() {
        assert!(check(&argv(&["rm", "-rf", "./build"])).is_none());
        assert!(
            check(&argv(&["echo", "héllo — wörld"])).is_none(),
            "non-ASCII data is data"
        );
        assert!(check(&argv(&["git", "commit", "-m", "naïve café"])).is_none());
        let mut quoted = argv(&["git", "commit", "-m", "\u{2014} fixed"]);
        quoted[3].quoted = true;
        assert!(check(&quoted).is_none(), "a quoted message is data");
    }
}
