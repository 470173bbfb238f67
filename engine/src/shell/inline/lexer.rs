//! Just enough lexing of Python, JavaScript, Ruby, Perl and PHP to find string
//! literals and the calls they are passed to, without being fooled by comments or
//! strings that contain call-like text.

use crate::shell::invocation::Language;

/// A token of inline interpreter code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    Ident(String),
    /// A string literal; `None` when it interpolates values (f-strings, `"#{x}"`, `"$x"`).
    Str(Option<String>),
    /// A command run by the language's own syntax: backticks, `%x{}`, `qx{}`.
    Command(Option<String>),
    /// A list of words: Perl's `qw(a b c)`.
    List(Vec<String>),
    Punct(char),
    /// End of a line, which ends a call without parentheses in Ruby and Perl.
    Newline,
}

/// Split `code` into tokens.
pub(crate) fn tokenize(lang: Language, code: &str) -> Vec<Token> {
    Lexer {
        lang,
        chars: code.chars().collect(),
        pos: 0,
        out: Vec::new(),
    }
    .run()
}

struct Lexer {
    lang: Language,
    chars: Vec<char>,
    pos: usize,
    out: Vec<Token>,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn run(mut self) -> Vec<Token> {
        use Language::*;
        while let Some(c) = self.peek(0) {
            match c {
                '\n' => {
                    self.out.push(Token::Newline);
                    self.pos += 1;
                }
                c if c.is_whitespace() => self.pos += 1,
                '#' if matches!(self.lang, Python | Ruby | Perl | Php | Awk) => self.skip_line(),
                '/' if self.peek(1) == Some('/') && matches!(self.lang, Javascript | Php) => {
                    self.skip_line()
                }
                '/' if self.peek(1) == Some('*') && matches!(self.lang, Javascript | Php) => {
                    self.skip_block_comment()
                }
                '\'' | '"' => {
                    let s = self.string(c, StrFlags::default());
                    self.out.push(Token::Str(s));
                }
                '`' => {
                    let s = self.string('`', StrFlags::default());
                    self.out.push(if self.lang == Javascript {
                        Token::Str(s)
                    } else {
                        Token::Command(s)
                    });
                }
                // Ruby symbols (`send(:system, ...)`) name methods; `::` is a scope.
                ':' if self.lang == Ruby
                    && self.peek(1).is_some_and(|c| c.is_alphabetic() || c == '_')
                    && self.out.last() != Some(&Token::Punct(':')) =>
                {
                    let start = self.pos + 1;
                    self.pos += 1;
                    while self
                        .peek(0)
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    {
                        self.pos += 1;
                    }
                    let name: String = self.chars[start..self.pos].iter().collect();
                    self.out.push(Token::Str(Some(name)));
                }
                '%' if self.lang == Ruby
                    && self.peek(1) == Some('x')
                    && self.peek(2).is_some_and(is_delimiter) =>
                {
                    self.pos += 2;
                    let s = self.delimited();
                    self.out.push(Token::Command(s));
                }
                c if c.is_alphabetic()
                    || c == '_'
                    || (c == '$' && matches!(self.lang, Javascript | Php | Perl))
                    || (c == '@' && self.lang == Perl) =>
                {
                    self.ident()
                }
                c if c.is_ascii_digit() => {
                    while self
                        .peek(0)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                    {
                        self.pos += 1;
                    }
                }
                c => {
                    self.out.push(Token::Punct(c));
                    self.pos += 1;
                }
            }
        }
        self.out
    }

    fn skip_line(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.pos += 1;
        }
    }

    fn skip_block_comment(&mut self) {
        self.pos += 2;
        while self.pos < self.chars.len()
            && !(self.peek(0) == Some('*') && self.peek(1) == Some('/'))
        {
            self.pos += 1;
        }
        self.pos += 2;
    }

    fn ident(&mut self) {
        let start = self.pos;
        self.pos += 1;
        while self.peek(0).is_some_and(|c| {
            c.is_alphanumeric() || c == '_' || (c == '$' && self.lang == Language::Javascript)
        }) {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        // Python string prefixes: r"..", f"..", rb'..' ...
        if self.lang == Language::Python
            && matches!(self.peek(0), Some('\'' | '"'))
            && name.len() <= 2
            && name.chars().all(|c| "rRbBuUfF".contains(c))
        {
            let flags = StrFlags {
                raw: name.contains(['r', 'R']),
                format: name.contains(['f', 'F']),
            };
            let quote = self.peek(0).unwrap_or('"');
            let s = self.string(quote, flags);
            self.out.push(Token::Str(s));
            return;
        }
        // Perl `qx{...}`, `q{...}`, `qq{...}`.
        if self.lang == Language::Perl
            && matches!(name.as_str(), "qx" | "q" | "qq" | "qw")
            && self.peek(0).is_some_and(is_delimiter)
        {
            let s = self.delimited();
            self.out.push(match name.as_str() {
                "qx" => Token::Command(s),
                "qw" => Token::List(
                    s.unwrap_or_default()
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                ),
                _ => Token::Str(s),
            });
            return;
        }
        self.out.push(Token::Ident(name));
    }

    /// A quoted string starting at the current quote character.
    fn string(&mut self, quote: char, flags: StrFlags) -> Option<String> {
        let triple = self.lang == Language::Python
            && self.peek(1) == Some(quote)
            && self.peek(2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        let interpolating = match self.lang {
            Language::Python => flags.format,
            Language::Javascript => quote == '`',
            Language::Ruby | Language::Perl | Language::Php => quote != '\'',
            Language::Other | Language::Awk => false,
        };
        // Single quotes in Ruby, Perl and PHP only escape the quote and the backslash.
        let single_quoted_literal =
            quote == '\'' && matches!(self.lang, Language::Ruby | Language::Perl | Language::Php);
        let escapes = !(flags.raw || single_quoted_literal);
        let mut text = String::new();
        let mut dynamic = false;
        while let Some(c) = self.peek(0) {
            if triple {
                if c == quote && self.peek(1) == Some(quote) && self.peek(2) == Some(quote) {
                    self.pos += 3;
                    break;
                }
            } else if c == quote {
                self.pos += 1;
                break;
            }
            if c == '\\' {
                let next = self.peek(1);
                self.pos += 2;
                match (escapes, next) {
                    (true, Some('n')) => text.push('\n'),
                    (true, Some('t')) => text.push('\t'),
                    (true, Some('r')) => text.push('\r'),
                    (true, Some(e @ ('x' | 'u' | 'U' | '0'..='7'))) => {
                        // `\x72`, `\u0072`, `\162`: decoded so `"\x72\x6d"` reads as `rm`.
                        let digits: usize = match e {
                            'x' => 2,
                            'u' => 4,
                            'U' => 8,
                            _ => 2,
                        };
                        let radix = if e.is_ascii_digit() { 8 } else { 16 };
                        let mut value = String::new();
                        if e.is_ascii_digit() {
                            value.push(e);
                        }
                        while value.len() < digits + usize::from(e.is_ascii_digit())
                            && self.peek(0).is_some_and(|d| d.is_digit(radix))
                        {
                            value.push(self.peek(0).unwrap_or('0'));
                            self.pos += 1;
                        }
                        match u32::from_str_radix(&value, radix)
                            .ok()
                            .and_then(char::from_u32)
                        {
                            Some(c) => text.push(c),
                            None => text.push(e),
                        }
                    }
                    (true, Some(e)) => text.push(e),
                    (false, Some(e)) if e == quote || e == '\\' => text.push(e),
                    (false, Some(e)) => {
                        text.push('\\');
                        text.push(e);
                    }
                    (_, None) => {}
                }
                continue;
            }
            // `{{` in an f-string is a literal brace.
            if flags.format && matches!(c, '{' | '}') && self.peek(1) == Some(c) {
                text.push(c);
                text.push(c);
                self.pos += 2;
                continue;
            }
            if interpolating && self.interpolates_at(quote) {
                dynamic = true;
            }
            text.push(c);
            self.pos += 1;
        }
        if dynamic { None } else { Some(text) }
    }

    /// Does the string interpolate a value at the current position?
    fn interpolates_at(&self, quote: char) -> bool {
        let (c, next) = (self.peek(0), self.peek(1));
        match self.lang {
            Language::Other | Language::Awk => false,
            Language::Python => c == Some('{') && next != Some('{'),
            Language::Javascript => quote == '`' && c == Some('$') && next == Some('{'),
            Language::Ruby => c == Some('#') && next == Some('{'),
            Language::Perl => {
                matches!(c, Some('$' | '@'))
                    && next.is_some_and(|n| n.is_alphanumeric() || n == '_' || n == '{')
            }
            Language::Php => {
                c == Some('$') && next.is_some_and(|n| n.is_alphabetic() || n == '_' || n == '{')
            }
        }
    }

    /// `%x{...}`, `qx(...)`, `qx/.../`: balanced brackets or a repeated delimiter.
    fn delimited(&mut self) -> Option<String> {
        let open = self.peek(0)?;
        let close = match open {
            '{' => '}',
            '(' => ')',
            '[' => ']',
            '<' => '>',
            c => c,
        };
        self.pos += 1;
        let mut depth = 1;
        let mut text = String::new();
        let mut dynamic = false;
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if c == close && open != close {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            } else if c == close {
                break;
            } else if c == open && open != close {
                depth += 1;
            }
            if (c == '#' && self.peek(0) == Some('{'))
                || (c == '$'
                    && self
                        .peek(0)
                        .is_some_and(|n| n.is_alphanumeric() || n == '{'))
            {
                dynamic = true;
            }
            text.push(c);
        }
        if dynamic { None } else { Some(text) }
    }
}

#[derive(Default, Clone, Copy)]
struct StrFlags {
    raw: bool,
    format: bool,
}

fn is_delimiter(c: char) -> bool {
    matches!(c, '{' | '(' | '[' | '<' | '/' | '|' | '!' | '\'' | '"')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(lang: Language, code: &str) -> Vec<Option<String>> {
        tokenize(lang, code)
            .into_iter()
            .filter_map(|t| match t {
                Token::Str(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn python_strings_and_comments() {
        assert_eq!(
            strs(Language::Python, r#"a = "x\ty" # "no""#),
            vec![Some("x\ty".into())]
        );
        assert_eq!(strs(Language::Python, r#"f"rm {p}""#), vec![None]);
        assert_eq!(
            strs(Language::Python, r#"f"{{literal}}""#),
            vec![Some("{{literal}}".into())]
        );
        assert_eq!(
            strs(Language::Python, r#"r"a\n""#),
            vec![Some("a\\n".into())]
        );
        assert_eq!(
            strs(Language::Python, "'''multi\nline'''"),
            vec![Some("multi\nline".into())]
        );
    }

    #[test]
    fn interpolation_is_dynamic() {
        assert_eq!(strs(Language::Ruby, r#""rm #{x}""#), vec![None]);
        assert_eq!(
            strs(Language::Ruby, r#"'rm #{x}'"#),
            vec![Some("rm #{x}".into())]
        );
        assert_eq!(strs(Language::Perl, r#""rm $x""#), vec![None]);
        assert_eq!(
            strs(Language::Php, r#""cost: $5""#),
            vec![Some("cost: $5".into())]
        );
        assert_eq!(strs(Language::Javascript, "`rm ${x}`"), vec![None]);
        assert_eq!(
            strs(Language::Javascript, "`plain`"),
            vec![Some("plain".into())]
        );
    }

    #[test]
    fn command_syntax() {
        let t = tokenize(Language::Ruby, "x = `ls -la`; %x{rm -rf /}");
        assert!(t.contains(&Token::Command(Some("ls -la".into()))));
        assert!(t.contains(&Token::Command(Some("rm -rf /".into()))));
        let t = tokenize(Language::Perl, "print qx(whoami); q{data}");
        assert!(t.contains(&Token::Command(Some("whoami".into()))));
        assert!(t.contains(&Token::Str(Some("data".into()))));
        let t = tokenize(Language::Javascript, "// system('rm -rf /')\nx()");
        assert!(!t.iter().any(|t| matches!(t, Token::Str(_))));
    }
}
