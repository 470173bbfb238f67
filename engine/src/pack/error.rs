//! Errors in rule packs, located by file, line and rule.

use std::fmt;

use thiserror::Error;

/// Something wrong with a rule pack. A pack that loads wrong never runs silently.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct PackError {
    /// The pack file, as the person knows it (`rules/git.yaml`, `~/.mstro/rules/x.yaml`).
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The rule it is about, when it is about one.
    pub rule: Option<String>,
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(rule) = &self.rule {
            write!(f, ": rule {rule}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A parser's message made fit to show: without the location it appends (reported
/// separately), with any quoted piece of the input cut short, and bounded. The message
/// may reach the model, and the input it quotes may be anything (a symlinked `.env`).
pub fn parser_message(message: &str) -> String {
    const QUOTE_CHARS: usize = 24;
    const MESSAGE_CHARS: usize = 300;
    let message = message.split(" at line ").next().unwrap_or(message);
    let mut out = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '"' || c == '`' {
            let quoted: String = chars.by_ref().take_while(|&q| q != c).collect();
            if quoted.chars().count() > QUOTE_CHARS {
                out.extend(quoted.chars().take(QUOTE_CHARS));
                out.push('…');
            } else {
                out.push_str(&quoted);
            }
            out.push(c);
        }
    }
    if out.chars().count() > MESSAGE_CHARS {
        out = out.chars().take(MESSAGE_CHARS).collect::<String>() + "…";
    }
    out
}

impl PackError {
    pub fn new(file: &str, message: impl Into<String>) -> Self {
        PackError {
            file: file.to_owned(),
            line: None,
            column: None,
            rule: None,
            message: message.into(),
        }
    }

    pub fn for_rule(file: &str, rule: &str, message: impl Into<String>) -> Self {
        PackError {
            rule: Some(rule.to_owned()),
            ..PackError::new(file, message)
        }
    }

    /// Fill in the line from the pack's text when the error names a rule.
    pub fn locate(mut self, text: Option<&str>) -> Self {
        if self.line.is_none()
            && let (Some(text), Some(rule)) = (text, &self.rule)
        {
            self.line = line_of_rule(text, rule);
        }
        self
    }
}

/// The line (1-based) where rule `id` is declared.
pub fn line_of_rule(text: &str, id: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim_start();
            l.strip_prefix("id:")
                .is_some_and(|rest| rest.trim().trim_matches(['"', '\'']) == id)
        })
        .map(|i| i + 1)
}

/// The id of the rule declared at or before `line` (1-based), for errors the YAML
/// parser reports by position only.
pub fn rule_at_line(text: &str, line: usize) -> Option<String> {
    text.lines()
        .take(line)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find_map(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim_start();
            l.strip_prefix("id:")
                .map(|rest| rest.trim().trim_matches(['"', '\'']).to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rule_lines_both_ways() {
        let text =
            "pack: x\nrules:\n  - id: x.one\n    verdict: deny\n  - id: \"x.two\"\n    when: {}\n";
        assert_eq!(line_of_rule(text, "x.two"), Some(5));
        assert_eq!(rule_at_line(text, 6).as_deref(), Some("x.two"));
        assert_eq!(rule_at_line(text, 2), None);
        let e = PackError::for_rule("x.yaml", "x.one", "bad").locate(Some(text));
        assert_eq!(e.to_string(), "x.yaml:3: rule x.one: bad");
    }
}
