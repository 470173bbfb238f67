//! The history of a tab's sessions as the machine keeps it and browsers are sent it
//! (docs/sessions.md, "History"): a [`SessionRecord`] per session, one
//! [`MovementRecord`] per prompt run with the events it streamed, and what the session
//! list ([`Page`], [`SessionSummary`]) and a search ([`SearchHit`]) show of them.
//!
//! The machine stores a record as one JSON file and checks what it reads back
//! (`mstro/src/session/history/`); here is the shape, and the rules that build a record
//! (its title, merged text chunks), which depend on nothing but the data.

use serde::{Deserialize, Serialize};

use crate::event::{MovementStatus, TabEvent, TextChunk};

/// The `version` written, and the only one read.
pub const FORMAT_VERSION: u32 = 1;

/// The longest title, in characters (the `…` included).
pub const TITLE_MAX_CHARS: usize = 80;

/// The title of a session whose first prompt has no visible text.
pub const UNTITLED: &str = "Untitled session";

/// One session: every movement (prompt run) of a tab's conversation, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The session id; the machine stores it as `<id>.json`.
    pub id: String,
    /// From the first prompt (see [`SessionRecord::new`]).
    pub title: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; the list is ordered by it, newest first.
    pub updated_at: String,
    /// Claude Code's session id, to continue with `claude --resume`. Written as `null`
    /// when unknown so the field is always present, as the format says.
    #[serde(default)]
    pub claude_session_id: Option<String>,
    #[serde(default)]
    pub movements: Vec<MovementRecord>,
}

/// One prompt's run and what it streamed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct MovementRecord {
    pub movement_id: String,
    /// The browser's id for the prompt, remembered to refuse a duplicate `execute`.
    pub msg_id: String,
    pub prompt: String,
    /// RFC 3339.
    pub started_at: String,
    /// Where the prompt's attached files were saved, relative to the workspace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(as = "Option<Vec<String>>"))]
    pub attachments: Vec<String>,
    /// The movement's events, adjacent text chunks merged (see [`MovementRecord::push`]).
    #[serde(default)]
    pub events: Vec<TabEvent>,
}

/// What the session list shows of a session (`getSessions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    pub id: String,
    pub title: String,
    pub created_at: String,
    pub updated_at: String,
    pub claude_session_id: Option<String>,
    pub movement_count: usize,
    /// How the last movement ended: `completed`, `cancelled`, `error`, or `running` when
    /// it has no end event (it was saved mid-run, or mstro died during it); `None`
    /// without movements.
    pub last_status: Option<String>,
}

/// One page of the session list: the reply to `getSessions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// Newest first (by `updatedAt`, then id).
    pub sessions: Vec<SessionSummary>,
    /// How many sessions there are in all.
    pub total: usize,
    /// Files in the history directory that could not be listed, by file name.
    pub problems: Vec<Problem>,
}

/// A history file left out of the list, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Problem {
    /// The file's name (not its path).
    pub file: String,
    /// What is wrong and what to do, for a person.
    pub error: String,
}

/// One session that matched (`searchHistory`'s `results`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub session_id: String,
    pub title: String,
    pub updated_at: String,
    /// About 120 characters on one line around the first match in a prompt
    /// or output (else in a tool call), `…` where text was left out; the start of the
    /// first prompt when only the title matched.
    pub snippet: String,
}

impl SessionRecord {
    /// A session without movements yet, titled after `first_prompt`: its first line
    /// with visible text, control characters and runs of whitespace turned into single
    /// spaces, cut to [`TITLE_MAX_CHARS`] characters (ending in `…` when cut);
    /// [`UNTITLED`] when there is no such line.
    pub fn new(id: String, first_prompt: &str, now: String) -> SessionRecord {
        SessionRecord {
            version: FORMAT_VERSION,
            id,
            title: title_of(first_prompt),
            created_at: now.clone(),
            updated_at: now,
            claude_session_id: None,
            movements: Vec::new(),
        }
    }

    /// The list entry for this session. The title is cut again to [`TITLE_MAX_CHARS`]:
    /// a hand-made file could carry a huge one, and the list goes to every browser.
    pub fn summary(&self) -> SessionSummary {
        SessionSummary {
            id: self.id.clone(),
            title: self.shown_title(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            claude_session_id: self.claude_session_id.clone(),
            movement_count: self.movements.len(),
            last_status: self.movements.last().map(|m| m.status().to_owned()),
        }
    }

    /// The title as browsers are sent it: cut again to [`TITLE_MAX_CHARS`].
    pub fn shown_title(&self) -> String {
        cut(&self.title, TITLE_MAX_CHARS)
    }

    /// The `msgId` of every movement, oldest first.
    pub fn msg_ids(&self) -> impl Iterator<Item = &str> {
        self.movements.iter().map(|m| m.msg_id.as_str())
    }
}

impl MovementRecord {
    /// A movement without events yet.
    pub fn new(
        movement_id: String,
        msg_id: String,
        prompt: String,
        started_at: String,
    ) -> MovementRecord {
        MovementRecord {
            movement_id,
            msg_id,
            prompt,
            started_at,
            attachments: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Appends an event, merging it into the previous one when both are `output` (or both
    /// `thinking`) with the same movement and `parentToolUseId` (their texts
    /// concatenated), so stored files stay small.
    ///
    /// For the same reason `streamingTokens`, a running count of which only the latest
    /// matters, is kept at most once at the end: a new count replaces a count that ends
    /// the list, and a text chunk arriving after a count merges into the chunk before
    /// it. Without that, counts interleaved with text (as they arrive) would keep every
    /// chunk apart.
    pub fn push(&mut self, event: TabEvent) {
        if let TabEvent::StreamingTokens(new) = &event
            && let Some(TabEvent::StreamingTokens(last)) = self.events.last_mut()
            && last.movement_id == new.movement_id
        {
            *last = new.clone();
            return;
        }
        if let Some(chunk) = text_of(&event) {
            let (target, tokens_after) = match self.events.as_mut_slice() {
                [.., prev, TabEvent::StreamingTokens(t)] => (Some(prev), Some(&t.movement_id)),
                [.., prev] => (Some(prev), None),
                [] => (None, None),
            };
            if let Some(prev) = target
                && tokens_after.is_none_or(|m| *m == chunk.movement_id)
                && merge_text(prev, &event)
            {
                return;
            }
        }
        self.events.push(event);
    }

    /// `completed`, `cancelled`, `error`, or `running` without an end event.
    pub fn status(&self) -> &'static str {
        for event in self.events.iter().rev() {
            match event {
                TabEvent::MovementComplete(c) => {
                    return match c.status {
                        MovementStatus::Completed => "completed",
                        MovementStatus::Cancelled => "cancelled",
                    };
                }
                TabEvent::MovementError(_) => return "error",
                _ => {}
            }
        }
        "running"
    }
}

/// The text chunk of an `output` or `thinking` event.
fn text_of(event: &TabEvent) -> Option<&TextChunk> {
    match event {
        TabEvent::Output(c) | TabEvent::Thinking(c) => Some(c),
        _ => None,
    }
}

/// Appends `next`'s text to `into` when they are the same kind of text of the same
/// movement and sub-agent; says whether it did.
fn merge_text(into: &mut TabEvent, next: &TabEvent) -> bool {
    match (into, next) {
        (TabEvent::Output(a), TabEvent::Output(b))
        | (TabEvent::Thinking(a), TabEvent::Thinking(b))
            if a.movement_id == b.movement_id && a.parent_tool_use_id == b.parent_tool_use_id =>
        {
            a.text.push_str(&b.text);
            true
        }
        _ => false,
    }
}

/// The title rule of [`SessionRecord::new`].
fn title_of(prompt: &str) -> String {
    prompt
        .lines()
        .map(one_line)
        .find(|line| !line.is_empty())
        .map_or_else(|| UNTITLED.to_owned(), |line| cut(&line, TITLE_MAX_CHARS))
}

/// `text` with control characters made spaces and whitespace runs collapsed to one
/// space, trimmed: what a one-line display (a title, a snippet) can show.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `text` cut to at most `max` characters, the last one `…` when it was cut. Cuts
/// between characters, never inside one.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) if max == 0 => String::new(),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{
        MovementComplete, MovementError, MovementErrorKind, StreamingTokens, ToolPhase, ToolUse,
    };
    use serde_json::json;

    fn text(kind: &str, movement: &str, parent: Option<&str>, t: &str) -> TabEvent {
        let chunk = TextChunk {
            movement_id: movement.into(),
            text: t.into(),
            parent_tool_use_id: parent.map(Into::into),
        };
        match kind {
            "output" => TabEvent::Output(chunk),
            _ => TabEvent::Thinking(chunk),
        }
    }

    fn tokens(n: u64) -> TabEvent {
        TabEvent::StreamingTokens(StreamingTokens {
            movement_id: "m1".into(),
            output_tokens: n,
        })
    }

    fn tool(id: &str) -> TabEvent {
        TabEvent::ToolUse(ToolUse {
            movement_id: "m1".into(),
            phase: ToolPhase::Start,
            tool_use_id: id.into(),
            name: "Bash".into(),
            input: None,
            result: None,
            is_error: None,
            truncated: false,
            parent_tool_use_id: None,
        })
    }

    fn movement() -> MovementRecord {
        MovementRecord::new("m1".into(), "g1".into(), "p".into(), "t".into())
    }

    #[test]
    fn push_merges_adjacent_chunks_of_the_same_kind_and_parent() {
        let mut m = movement();
        m.push(text("output", "m1", None, "Hel"));
        m.push(text("output", "m1", None, "lo"));
        m.push(text("thinking", "m1", None, "hmm"));
        m.push(text("thinking", "m1", None, "…"));
        m.push(text("output", "m1", None, " again"));
        assert_eq!(
            m.events,
            vec![
                text("output", "m1", None, "Hello"),
                text("thinking", "m1", None, "hmm…"),
                text("output", "m1", None, " again"),
            ]
        );
    }

    #[test]
    fn push_does_not_merge_across_a_tool_event_or_another_parent() {
        let mut m = movement();
        m.push(text("output", "m1", None, "a"));
        m.push(tool("t1"));
        m.push(text("output", "m1", None, "b"));
        m.push(text("output", "m1", Some("t1"), "c"));
        m.push(text("output", "m1", Some("t2"), "d"));
        m.push(text("output", "m2", Some("t2"), "e"));
        assert_eq!(m.events.len(), 6, "{:?}", m.events);
        assert_eq!(m.events[2], text("output", "m1", None, "b"));
    }

    #[test]
    fn push_keeps_one_token_count_at_the_end_and_merges_text_around_it() {
        let mut m = movement();
        m.push(text("output", "m1", None, "a"));
        m.push(tokens(1));
        m.push(text("output", "m1", None, "b"));
        m.push(tokens(2));
        m.push(tokens(3));
        m.push(text("output", "m1", None, "c"));
        assert_eq!(m.events, vec![text("output", "m1", None, "abc"), tokens(3)]);
        m.push(tool("t1"));
        m.push(tokens(4));
        m.push(text("output", "m1", None, "d"));
        assert_eq!(
            m.events,
            vec![
                text("output", "m1", None, "abc"),
                tokens(3),
                tool("t1"),
                tokens(4),
                text("output", "m1", None, "d"),
            ]
        );
    }

    #[test]
    fn title_is_the_first_visible_line_collapsed_and_cut() {
        let t = |p: &str| SessionRecord::new("s".into(), p, "now".into()).title;
        assert_eq!(t("\n  \n\t fix   the\tbug \r\nsecond line"), "fix the bug");
        assert_eq!(t("a\u{1b}[31mb"), "a [31mb");
        assert_eq!(t(" \n\t"), UNTITLED);
        assert_eq!(t(""), UNTITLED);
        let exact = "x".repeat(80);
        assert_eq!(t(&exact), exact);
        let long = "é".repeat(81);
        let title = t(&long);
        assert_eq!(title.chars().count(), 80);
        assert!(title.ends_with('…'));
        assert_eq!(title, format!("{}…", "é".repeat(79)));
        let emoji = "🦀".repeat(100);
        assert_eq!(t(&emoji), format!("{}…", "🦀".repeat(79)));
    }

    #[test]
    fn new_record_and_summary() {
        let mut r = SessionRecord::new("s1".into(), "hello", "2026-01-01T00:00:00Z".into());
        assert_eq!(r.version, FORMAT_VERSION);
        assert_eq!(r.created_at, r.updated_at);
        assert_eq!(r.summary().last_status, None);
        let mut m = movement();
        m.push(text("output", "m1", None, "x"));
        r.movements.push(m.clone());
        assert_eq!(r.summary().last_status.as_deref(), Some("running"));
        m.push(TabEvent::MovementError(MovementError {
            movement_id: "m1".into(),
            kind: MovementErrorKind::Crashed,
            message: "boom".into(),
            exit_code: Some(1),
            usage: None,
            claude_session_id: None,
            finished_at: "t".into(),
        }));
        r.movements.push(m.clone());
        assert_eq!(r.summary().last_status.as_deref(), Some("error"));
        let mut done = movement();
        done.msg_id = "g2".into();
        done.push(TabEvent::MovementComplete(MovementComplete {
            movement_id: "m1".into(),
            status: MovementStatus::Cancelled,
            result: None,
            usage: None,
            claude_session_id: None,
            finished_at: "t".into(),
        }));
        r.movements.push(done);
        let s = r.summary();
        assert_eq!(s.last_status.as_deref(), Some("cancelled"));
        assert_eq!(s.movement_count, 3);
        assert_eq!(r.msg_ids().collect::<Vec<_>>(), ["g1", "g1", "g2"]);
        assert_eq!(
            serde_json::to_value(&s).unwrap()["movementCount"],
            json!(3),
            "camelCase on the wire"
        );
    }
}
