//! A small JSON reader that keeps where every string character came from.
//!
//! `serde_json` has no source positions, and the crates that do give a token's range
//! at best; a finding inside `"scripts": {"x": "a \"b\" && rm -rf ~"}` needs the column
//! of each decoded character, through escapes. JSON's grammar is small enough that
//! reading it here is less code than adapting a general parser. Used for `package.json`
//! and the exec form of Dockerfile instructions.

use crate::scan::location::MappedText;

/// A JSON value; strings keep their origins, other scalars are not needed.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    String(MappedText),
    Array(Vec<Json>),
    /// Members in document order (duplicates kept, as npm reads the last one).
    Object(Vec<(String, Json)>),
    /// A number, `true`, `false` or `null`.
    Scalar,
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Why the text is not JSON: the byte offset in the input and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub offset: usize,
    pub message: String,
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 128;

/// Parse one JSON document that makes up all of `input`.
pub fn parse(input: &MappedText) -> Result<Json, JsonError> {
    let mut r = Reader {
        input,
        bytes: input.as_str().as_bytes(),
        at: 0,
    };
    r.skip_ws();
    let value = r.value(0)?;
    r.skip_ws();
    if r.at < r.bytes.len() {
        return Err(r.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Reader<'a> {
    input: &'a MappedText,
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, message: &str) -> JsonError {
        JsonError {
            offset: self.input.origin(self.at),
            message: message.to_owned(),
        }
    }

    fn skip_ws(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.bytes.get(self.at) == Some(&b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        match self.bytes.get(self.at) {
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.eat(b']') {
                    return Ok(Json::Array(items));
                }
                loop {
                    self.skip_ws();
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    if self.eat(b']') {
                        return Ok(Json::Array(items));
                    }
                    if !self.eat(b',') {
                        return Err(self.error("expected `,` or `]`"));
                    }
                }
            }
            Some(b'{') => {
                self.at += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.eat(b'}') {
                    return Ok(Json::Object(members));
                }
                loop {
                    self.skip_ws();
                    if self.bytes.get(self.at) != Some(&b'"') {
                        return Err(self.error("expected a string key"));
                    }
                    let key = self.string()?.as_str().to_owned();
                    self.skip_ws();
                    if !self.eat(b':') {
                        return Err(self.error("expected `:`"));
                    }
                    self.skip_ws();
                    members.push((key, self.value(depth + 1)?));
                    self.skip_ws();
                    if self.eat(b'}') {
                        return Ok(Json::Object(members));
                    }
                    if !self.eat(b',') {
                        return Err(self.error("expected `,` or `}`"));
                    }
                }
            }
            Some(b't') => self.keyword("true"),
            Some(b'f') => self.keyword("false"),
            Some(b'n') => self.keyword("null"),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.at;
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| b.is_ascii_digit() || b"+-.eE".contains(b))
                {
                    self.at += 1;
                }
                let text = &self.input.as_str()[start..self.at];
                if text.parse::<f64>().is_err() {
                    self.at = start;
                    return Err(self.error("not a JSON number"));
                }
                Ok(Json::Scalar)
            }
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("unexpected end of JSON")),
        }
    }

    fn keyword(&mut self, word: &str) -> Result<Json, JsonError> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(Json::Scalar)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    /// A string, decoded; each character maps to the start of its source text (the
    /// backslash of an escape).
    fn string(&mut self) -> Result<MappedText, JsonError> {
        let text = self.input.as_str();
        self.at += 1; // opening quote
        let mut out = MappedText::new();
        loop {
            let Some(c) = text[self.at..].chars().next() else {
                return Err(self.error("unterminated string"));
            };
            let here = self.at;
            let origin = self.input.origin(here);
            match c {
                '"' => {
                    self.at += 1;
                    return Ok(out);
                }
                '\\' => {
                    let Some(&e) = self.bytes.get(self.at + 1) else {
                        return Err(self.error("unterminated string"));
                    };
                    self.at += 2;
                    let decoded = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => {
                            self.at = here;
                            return Err(self.error("invalid escape in string"));
                        }
                    };
                    out.push_char(origin, decoded);
                }
                c if (c as u32) < 0x20 => {
                    return Err(self.error("control character in string"));
                }
                c => {
                    self.at += c.len_utf8();
                    out.push_slice(self.input, here..self.at);
                }
            }
        }
    }

    /// The four hex digits after `\u` (and a low surrogate after a high one).
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let hex = |r: &mut Self| -> Result<u32, JsonError> {
            let digits = r
                .input
                .as_str()
                .get(r.at..r.at + 4)
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .ok_or_else(|| r.error("invalid \\u escape"))?;
            r.at += 4;
            Ok(digits)
        };
        let high = hex(self)?;
        if (0xD800..0xDC00).contains(&high) && self.bytes[self.at..].starts_with(b"\\u") {
            self.at += 2;
            let low = hex(self)?;
            let c = 0x10000 + ((high - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
            return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
        }
        Ok(char::from_u32(high).unwrap_or('\u{FFFD}'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Json, JsonError> {
        parse(&MappedText::verbatim(0, s))
    }

    #[test]
    fn strings_keep_origins_through_escapes() {
        let src = r#"{"a": [1, true, null], "s": "x \"y\" \u00e9z"}"#;
        let v = parse_str(src).unwrap();
        let Some(Json::String(s)) = v.get("s") else {
            panic!("{v:?}")
        };
        assert_eq!(s.as_str(), "x \"y\" éz");
        let z = s.as_str().find('z').unwrap();
        assert_eq!(&src[s.origin(z)..s.origin(z) + 1], "z");
        let y = s.as_str().find('y').unwrap();
        assert_eq!(&src[s.origin(y)..s.origin(y) + 1], "y");
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse_str("{\"a\": 1,\n \"b\" 2}").unwrap_err();
        assert_eq!((e.offset, e.message.as_str()), (14, "expected `:`"));
        assert!(parse_str("[1, 2").is_err());
        assert!(parse_str("\"unterminated").is_err());
        assert!(parse_str("[1] x").is_err());
        assert!(parse_str(&"[".repeat(1000)).is_err());
    }
}
