//! YAML with source positions, for GitHub Actions, GitLab CI and compose files.
//!
//! `serde_yaml` forgets where values were; `saphyr` (the maintained successor of
//! `yaml-rust`, YAML 1.2) keeps a span for every node. This module turns its tree into
//! a small one of our own and, for scalars, maps each character of the value back to
//! the file: a block scalar (`run: |`) starts on the line after its indicator and loses
//! its indentation, a quoted scalar its quotes and escapes, a folded one its line breaks.

use std::ops::Range;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::SourceError;
use crate::scan::location::{LineIndex, MappedText};

/// A YAML node; scalars keep their text and where it is in the file.
#[derive(Debug, Clone)]
pub enum Node {
    Scalar {
        value: String,
        /// Byte range of the scalar's source text (quotes and indentation included).
        raw: Range<usize>,
    },
    Sequence(Vec<Node>),
    Mapping(Vec<(String, Node)>),
    /// Tagged nodes (GitLab's `!reference`), nulls of odd kinds, bad values.
    Other,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Mapping(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Mapping(entries) => entries,
            _ => &[],
        }
    }

    /// A scalar's value with each byte mapped to where it is in `text`.
    pub fn mapped(&self, text: &str) -> Option<MappedText> {
        match self {
            Node::Scalar { value, raw } => Some(align(value, text, raw.clone())),
            _ => None,
        }
    }
}

/// Parse every document in `text`.
pub fn load(text: &str) -> Result<Vec<Node>, SourceError> {
    let index = LineIndex::yaml(text);
    let docs = MarkedYaml::load_from_str(text).map_err(|e| {
        let m = e.marker();
        SourceError::at(
            index.offset_of(m.line(), m.col()),
            format!("invalid YAML: {}", e.info()),
        )
    })?;
    Ok(docs.iter().map(|d| convert(d, text, &index)).collect())
}

fn convert(node: &MarkedYaml, text: &str, index: &LineIndex) -> Node {
    let offset = |m: &saphyr::Marker| index.offset_of(m.line(), m.col());
    let raw = || offset(&node.span.start)..offset(&node.span.end).max(offset(&node.span.start));
    match &node.data {
        YamlData::Value(scalar) => {
            let value = match scalar {
                Scalar::String(s) => s.to_string(),
                // `run: true`, `command: 42`: the text as written.
                _ => text[raw()].trim().to_owned(),
            };
            Node::Scalar { value, raw: raw() }
        }
        YamlData::Representation(s, _, _) => Node::Scalar {
            value: s.to_string(),
            raw: raw(),
        },
        YamlData::Sequence(items) => {
            Node::Sequence(items.iter().map(|n| convert(n, text, index)).collect())
        }
        YamlData::Mapping(entries) => Node::Mapping(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match convert(k, text, index) {
                        Node::Scalar { value, .. } => value,
                        _ => String::new(),
                    };
                    (key, convert(v, text, index))
                })
                .collect(),
        ),
        _ => Node::Other,
    }
}

/// Map each character of a scalar's `value` to its place in `text[raw]`.
///
/// Walks both in step. What the value does not contain (indentation, quotes, the
/// backslash of an escape, the line break of a fold) is skipped in the source; a
/// character that differs anyway (the `t` of `\t`) is taken as its stand-in. The
/// mapping is exact for plain, literal-block and simply quoted scalars, and at worst a
/// few columns off after a `\u` escape.
fn align(value: &str, text: &str, raw: Range<usize>) -> MappedText {
    let src = &text[raw.clone()];
    let mut out = MappedText::new();
    let mut i = 0;
    for c in value.chars() {
        while let Some(r) = src[i..].chars().next() {
            let same = r == c || (c.is_whitespace() && r.is_whitespace());
            if same || !matches!(r, ' ' | '\t' | '\n' | '\r' | '"' | '\'' | '\\') {
                break;
            }
            i += r.len_utf8();
        }
        // Never past the file's last byte, even for a scalar the parser placed at its end.
        let at = (raw.start + i.min(src.len().saturating_sub(1))).min(text.len().saturating_sub(1));
        out.push_char(at, c);
        if let Some(r) = src[i..].chars().next() {
            i += r.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (line, column) in `src` of `needle` inside the scalar at `key`.
    fn locate(src: &str, key: &str, needle: &str) -> (u32, u32) {
        let docs = load(src).unwrap();
        let node = docs[0].get(key).unwrap();
        let m = node.mapped(src).unwrap();
        let at = m.as_str().find(needle).unwrap();
        let p = LineIndex::new(src).position(m.origin(at));
        (p.line, p.column)
    }

    #[test]
    fn scalars_map_back_to_their_source() {
        let src = "a: echo plain\nb: |\n  echo one\n    rm -rf ~\nc: >-\n  folded\n  cat x\nd: \"dq \\\"q\\\" \\t cat y\"\ne: 'it''s cat z'\nf: plain\n  continued cat w\n";
        assert_eq!(locate(src, "a", "plain"), (1, 9));
        assert_eq!(locate(src, "b", "echo"), (3, 3));
        assert_eq!(locate(src, "b", "rm"), (4, 5));
        assert_eq!(locate(src, "c", "cat"), (7, 3));
        assert_eq!(locate(src, "d", "\"q"), (8, 9));
        assert_eq!(locate(src, "d", "cat"), (8, 17));
        assert_eq!(locate(src, "e", "cat"), (9, 11));
        assert_eq!(locate(src, "f", "cat"), (11, 13));
    }

    #[test]
    fn non_string_scalars_keep_their_text() {
        let docs = load("run: true\nn: 42\n").unwrap();
        assert_eq!(docs[0].get("run").unwrap().as_str(), Some("true"));
        assert_eq!(docs[0].get("n").unwrap().as_str(), Some("42"));
    }

    #[test]
    fn errors_have_positions() {
        let src = "a: [1, 2\nb: c\n";
        let e = load(src).unwrap_err();
        assert!(e.message.starts_with("invalid YAML"), "{e:?}");
        assert!(e.offset.is_some());
    }

    /// An alias runs its anchor's value where the alias is: that is where it points.
    #[test]
    fn aliases_point_where_they_are_used() {
        let src = "x: &s rm -rf ~\ny: *s\n";
        let docs = load(src).unwrap();
        let m = docs[0].get("y").unwrap().mapped(src).unwrap();
        assert_eq!(m.as_str(), "rm -rf ~");
        assert!((18..20).contains(&m.start()), "{}", m.start());
        assert!((18..20).contains(&m.origin(m.len() - 1)));
    }
}
