//! Positions in scanned files, and text that remembers where each of its bytes came from.
//!
//! Extractors rarely hand the engine a file's bytes verbatim: YAML block scalars lose
//! their indentation, JSON strings their escapes, Dockerfile continuations their
//! backslashes, and `${{ ... }}` or `$(VAR)` become placeholders. A [`MappedText`] keeps,
//! for every byte of the text the engine judges, the byte offset in the file it came
//! from, so that the engine's spans turn back into exact lines and columns.

use serde::Serialize;

/// A 1-based line and column in a file. Columns count Unicode scalar values (what SARIF
/// calls `unicodeCodePoints`), so a line with `é` is not off by one after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Where each line of a file starts, to turn byte offsets into [`Position`]s.
#[derive(Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the first byte of each line.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// Lines as YAML counts them: a lone `\r` breaks a line too (YAML 1.2, 5.4), so a
    /// YAML parser's line numbers must be read with this index.
    pub fn yaml(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let starts = std::iter::once(0)
            .chain(bytes.iter().enumerate().filter_map(|(i, &b)| match b {
                b'\n' => Some(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => Some(i + 1),
                _ => None,
            }))
            .collect();
        LineIndex { text, starts }
    }

    /// The text the index is over.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The position of the character at (or containing) byte `offset`; offsets past the
    /// end are clamped to it.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[start..end].chars().count() + 1;
        Position {
            line: (line + 1) as u32,
            column: column as u32,
        }
    }

    /// The byte offset of `(line, column)` as a YAML parser reports it: 1-based line,
    /// 0-based column in characters.
    pub fn offset_of(&self, line: usize, char_column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .nth(char_column)
            .map_or(self.text.len(), |(i, _)| start + i)
    }
}

/// Text plus, for each of its bytes, the byte offset in the source file it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappedText {
    text: String,
    origins: Vec<usize>,
}

impl MappedText {
    pub fn new() -> Self {
        MappedText::default()
    }

    /// A verbatim piece of the file: `source[start..start + piece.len()]`.
    pub fn verbatim(source_offset: usize, piece: &str) -> Self {
        let mut t = MappedText::new();
        t.push_verbatim(source_offset, piece);
        t
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Append text copied from the file at `source_offset`.
    pub fn push_verbatim(&mut self, source_offset: usize, piece: &str) {
        self.text.push_str(piece);
        self.origins
            .extend((0..piece.len()).map(|i| source_offset + i));
    }

    /// Append text that stands for the source at `source_offset` without being a copy of
    /// it: a decoded escape, a placeholder, a separator.
    pub fn push_synthetic(&mut self, source_offset: usize, piece: &str) {
        self.text.push_str(piece);
        self.origins
            .extend(std::iter::repeat_n(source_offset, piece.len()));
    }

    /// Append text that replaces `source` (a placeholder for `${{ ... }}`, a variable's
    /// value for `$(VAR)`): its last byte maps to the end of what it replaces, so that a
    /// span ending in it ends where the original does.
    pub fn push_replacement(&mut self, source: std::ops::Range<usize>, piece: &str) {
        let last = source.end.saturating_sub(1).max(source.start);
        self.text.push_str(piece);
        self.origins.extend((0..piece.len()).map(|i| {
            if i + 1 == piece.len() {
                last
            } else {
                source.start
            }
        }));
    }

    /// Append one character that came from `source_offset`.
    pub fn push_char(&mut self, source_offset: usize, c: char) {
        let mut buf = [0; 4];
        self.push_synthetic(source_offset, c.encode_utf8(&mut buf));
    }

    pub fn push_mapped(&mut self, other: &MappedText) {
        self.text.push_str(&other.text);
        self.origins.extend_from_slice(&other.origins);
    }

    /// Append part of another mapped text.
    pub fn push_slice(&mut self, other: &MappedText, range: std::ops::Range<usize>) {
        self.text.push_str(&other.text[range.clone()]);
        self.origins.extend_from_slice(&other.origins[range]);
    }

    /// The source offset of the byte at `offset` (the end maps just past the last byte).
    pub fn origin(&self, offset: usize) -> usize {
        match self.origins.get(offset) {
            Some(&o) => o,
            None => self.origins.last().map_or(0, |&o| o + 1),
        }
    }

    /// The source offset where the text starts.
    pub fn start(&self) -> usize {
        self.origin(0)
    }

    /// Iterate characters with their byte offsets in this text.
    pub fn char_indices(&self) -> std::str::CharIndices<'_> {
        self.text.char_indices()
    }

    /// This text with surrounding whitespace removed.
    pub fn trim(&self) -> MappedText {
        let start = self.text.len() - self.text.trim_start().len();
        let end = self.text.trim_end().len().max(start);
        let mut t = MappedText::new();
        t.push_slice(self, start..end);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_from_one() {
        let idx = LineIndex::new("ab\né x\n\nlast");
        assert_eq!(idx.position(0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(3), Position { line: 2, column: 1 });
        // `x` is byte 6 (é is two bytes) but the third character.
        assert_eq!(idx.position(6), Position { line: 2, column: 3 });
        assert_eq!(idx.position(9), Position { line: 4, column: 1 });
        assert_eq!(idx.position(999), Position { line: 4, column: 5 });
        assert_eq!(idx.offset_of(2, 2), 6);
    }

    #[test]
    fn mapped_text_remembers_origins() {
        let mut t = MappedText::verbatim(10, "ab");
        t.push_synthetic(20, "XYZ");
        t.push_char(30, 'é');
        assert_eq!(t.as_str(), "abXYZé");
        assert_eq!(t.origin(1), 11);
        assert_eq!(t.origin(4), 20);
        assert_eq!(t.origin(6), 30);
        assert_eq!(t.origin(t.len()), 31);
        let mut r = MappedText::new();
        r.push_replacement(40..46, "abc");
        assert_eq!((r.origin(0), r.origin(1), r.origin(2)), (40, 40, 45));
        let trimmed = MappedText::verbatim(5, "  hi ").trim();
        assert_eq!((trimmed.as_str(), trimmed.start()), ("hi", 7));
    }
}
