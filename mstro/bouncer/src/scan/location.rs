//! Positions in scanned files. Text that remembers where each of its bytes came from,
//! [`MappedText`], is the engine's (`mstro_engine::extract`), shared with the extractors
//! the engine itself reads executed files with.

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

pub use mstro_engine::extract::MappedText;

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
}
