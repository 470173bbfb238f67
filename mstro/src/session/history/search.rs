//! `searchHistory`: which sessions mention a query, with a snippet to show where.
//!
//! Matching is a case-insensitive substring test (Unicode lower case, character by
//! character) over the title, the prompts, the output text, and each tool call's name
//! and input. Thinking and tool results are not searched: they are the bulk of a file
//! and rarely what a person remembers.

use super::record::{SessionRecord, cut, one_line};
use mstro_protocol::event::TabEvent;
pub use mstro_protocol::history::SearchHit;

/// About how many characters of text a snippet shows around the match.
pub const SNIPPET_CHARS: usize = 120;

/// The most results one search returns.
pub const MAX_RESULTS: usize = 100;

/// A query, lower-cased once. `None` for a blank query: it would match everything,
/// which is the session list's job.
pub(super) struct Query(String);

impl Query {
    pub(super) fn new(query: &str) -> Option<Query> {
        let folded = fold(query.trim());
        (!folded.is_empty()).then_some(Query(folded))
    }

    /// The first match in `text`, as a byte range of `text` (on character boundaries).
    fn find(&self, text: &str) -> Option<(usize, usize)> {
        let pos = fold(text).find(&self.0)?;
        Some(original_range(text, pos, pos + self.0.len()))
    }
}

/// The most text of one session kept in memory for searching (prompts, output and
/// tool calls; thinking and tool results are not searched at all). A session with
/// more is searched from its file beyond this ([`SearchDoc::complete`]).
pub const MAX_DOC_BYTES: usize = 1024 * 1024;

/// What a search looks at in one session, kept in memory beside its summary so that a
/// search reads no file that did not change (`HistoryStore`'s cache).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    session_id: String,
    title: String,
    updated_at: String,
    first_prompt: Option<String>,
    /// Prompts and output text, in the order they happened.
    said: Vec<String>,
    /// Each tool call as `name input`.
    tools: Vec<String>,
    /// Whether `said` and `tools` hold all of the session's text (else they stop at
    /// [`MAX_DOC_BYTES`]).
    pub complete: bool,
}

impl SearchDoc {
    /// The searchable text of `record`, at most about [`MAX_DOC_BYTES`].
    pub fn of(record: &SessionRecord) -> SearchDoc {
        SearchDoc::within(record, MAX_DOC_BYTES)
    }

    fn within(record: &SessionRecord, limit: usize) -> SearchDoc {
        let mut doc = SearchDoc {
            session_id: record.id.clone(),
            title: record.title.clone(),
            updated_at: record.updated_at.clone(),
            first_prompt: record.movements.first().map(|m| m.prompt.clone()),
            said: Vec::new(),
            tools: Vec::new(),
            complete: true,
        };
        let mut room = limit;
        let mut keep = |list: &mut Vec<String>, text: String, complete: &mut bool| {
            if text.len() > room {
                *complete = false;
                room = 0;
            } else {
                room -= text.len();
                list.push(text);
            }
        };
        for movement in &record.movements {
            keep(&mut doc.said, movement.prompt.clone(), &mut doc.complete);
            for event in &movement.events {
                if let TabEvent::Output(chunk) = event {
                    keep(&mut doc.said, chunk.text.clone(), &mut doc.complete);
                }
            }
        }
        for event in record.movements.iter().flat_map(|m| &m.events) {
            if let TabEvent::ToolUse(tool) = event {
                keep(&mut doc.tools, tool_text(tool), &mut doc.complete);
            }
        }
        doc
    }

    /// This session as a hit if it matches `query`.
    pub(super) fn search(&self, query: &Query) -> Option<SearchHit> {
        let snippet = self.find_snippet(query)?;
        Some(SearchHit {
            session_id: self.session_id.clone(),
            title: cut(&self.title, super::record::TITLE_MAX_CHARS),
            updated_at: self.updated_at.clone(),
            snippet,
        })
    }

    /// The snippet of the first match, in the order of [`SearchHit::snippet`].
    fn find_snippet(&self, query: &Query) -> Option<String> {
        for text in self.said.iter().chain(&self.tools) {
            if let Some(range) = query.find(text) {
                return Some(snippet(text, range));
            }
        }
        query.find(&self.title).map(|_| {
            let first = self.first_prompt.as_ref().unwrap_or(&self.title);
            cut(&one_line(first), SNIPPET_CHARS)
        })
    }
}

/// A tool call's searchable text: its name and input.
fn tool_text(tool: &mstro_protocol::event::ToolUse) -> String {
    match &tool.input {
        Some(input) => format!("{} {input}", tool.name),
        None => tool.name.clone(),
    }
}

/// `record`, all of it, as a hit if it matches `query`.
pub(super) fn search_record(record: &SessionRecord, query: &Query) -> Option<SearchHit> {
    SearchDoc::within(record, usize::MAX).search(query)
}

/// `text` lower-cased character by character, so that a position in it maps back to
/// `text` with [`original_range`] (`str::to_lowercase` has context rules that would not).
fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// The byte range of `text` whose folded form covers `start..end` of `fold(text)`,
/// widened to whole characters.
fn original_range(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut folded = 0;
    let mut from = None;
    for (i, c) in text.char_indices() {
        let len: usize = c.to_lowercase().map(char::len_utf8).sum();
        if from.is_none() && folded + len > start {
            from = Some(i);
        }
        if folded >= end {
            return (from.unwrap_or(i), i);
        }
        folded += len;
    }
    (from.unwrap_or(text.len()), text.len())
}

/// About [`SNIPPET_CHARS`] characters of `text` on one line, the match `range` in the
/// middle.
fn snippet(text: &str, (start, end): (usize, usize)) -> String {
    let room = SNIPPET_CHARS.saturating_sub(text[start..end].chars().count());
    let from = text[..start]
        .char_indices()
        .rev()
        .take(room / 2)
        .last()
        .map_or(start, |(i, _)| i);
    let after = room - text[from..start].chars().count();
    let to = text[end..]
        .char_indices()
        .nth(after)
        .map_or(text.len(), |(i, _)| end + i);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(&one_line(&text[from..to]));
    if to < text.len() {
        out.push('…');
    }
    // A query longer than the room leaves the match itself to cut.
    cut(&out, SNIPPET_CHARS + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(q: &str, text: &str) -> Option<String> {
        let (a, b) = Query::new(q).unwrap().find(text)?;
        Some(text[a..b].to_owned())
    }

    #[test]
    fn finds_case_insensitively_and_maps_back_to_the_original_text() {
        assert_eq!(find("HELLO", "say Hello there").as_deref(), Some("Hello"));
        assert_eq!(find("ÉTÉ", "un été chaud").as_deref(), Some("été"));
        assert_eq!(
            find("straße", "die STRASSE, die Straße").as_deref(),
            Some("Straße")
        );
        // 'İ' lower-cases to two characters: offsets after it must still line up.
        assert_eq!(find("x", "İİ yx").as_deref(), Some("x"));
        assert_eq!(find("σ", "ΟΔΟΣ").as_deref(), Some("Σ"));
        assert_eq!(find("zz", "abc"), None);
        assert!(Query::new("  \t").is_none());
    }

    #[test]
    fn snippets_are_bounded_and_cut_between_characters() {
        let text = format!("{}needle{}", "日本".repeat(200), "ü".repeat(200));
        let (a, b) = Query::new("NEEDLE").unwrap().find(&text).unwrap();
        let s = snippet(&text, (a, b));
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("needle"));
        let n = s.chars().count();
        assert!((SNIPPET_CHARS..=SNIPPET_CHARS + 2).contains(&n), "{n}");
        assert_eq!(snippet("a\n\nneedle  b", (3, 9)), "a needle b");
        let long = "q".repeat(500);
        assert_eq!(snippet(&long, (0, 500)).chars().count(), SNIPPET_CHARS + 2);
    }
}
