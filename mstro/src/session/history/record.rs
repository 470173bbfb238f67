//! The history file format (docs/sessions.md, "History"): one JSON object per session,
//! `{version, id, title, createdAt, updatedAt, claudeSessionId, movements:[…]}`.
//!
//! Reading is tolerant of fields it does not know (serde's default), so an older mstro
//! can list a file a newer one added fields to; it is strict about the rest, because the
//! files may come from a cloned repository: the version, the id (it must match the file
//! name) and the Claude Code session id (it reaches `claude --resume`) are checked.

use serde::{Deserialize, Serialize};

use crate::session::ids;
use mstro_protocol::event::{MovementStatus, TabEvent, TextChunk};

/// The `version` written, and the only one read.
pub const FORMAT_VERSION: u32 = 1;

/// The longest title, in characters (the `…` included).
pub const TITLE_MAX_CHARS: usize = 80;

/// The title of a session whose first prompt has no visible text.
pub const UNTITLED: &str = "Untitled session";

/// The longest Claude Code session id accepted (theirs are 36-character UUIDs).
const CLAUDE_SESSION_ID_MAX: usize = 128;

/// One session: every movement (prompt run) of a tab's conversation, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The session id; the file is `<id>.json`.
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
    pub attachments: Vec<String>,
    /// The movement's events, adjacent text chunks merged (see [`MovementRecord::push`]).
    #[serde(default)]
    pub events: Vec<TabEvent>,
}

/// What the session list shows of a session (`getSessions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    /// Is this record fit to be written? The id is checked by the store (it names the
    /// file); here the rest of what [`SessionRecord::from_file`] would refuse, so a
    /// save never writes a file that then lists as a problem.
    pub(super) fn check(&self) -> Result<(), String> {
        if self.version != FORMAT_VERSION {
            return Err(format!(
                "format version {} is not one this mstro reads (it reads {FORMAT_VERSION}); \
                 it was probably written by a newer mstro",
                self.version
            ));
        }
        if let Some(claude) = &self.claude_session_id
            && !is_claude_session_id(claude)
        {
            // It becomes an argument of `claude --resume`: something like
            // `--dangerously-skip-permissions` must never get there.
            return Err(format!(
                "claudeSessionId {:?} is not a Claude Code session id",
                cut(claude, 70)
            ));
        }
        Ok(())
    }

    /// Parses the content of `<expected_id>.json`, or says in words why it cannot.
    pub(super) fn from_file(bytes: &[u8], expected_id: &str) -> Result<SessionRecord, String> {
        let record: SessionRecord = serde_json::from_slice(bytes).map_err(|e| {
            // A file of another version may fail on its shape; saying which version it
            // is helps more than the shape error.
            #[derive(Deserialize)]
            struct Probe {
                version: serde_json::Value,
            }
            match serde_json::from_slice::<Probe>(bytes) {
                Ok(p) if p.version != FORMAT_VERSION => format!(
                    "format version {} is not one this mstro reads (it reads {FORMAT_VERSION})",
                    cut(&p.version.to_string(), 30)
                ),
                _ => format!("not a session file: {e}"),
            }
        })?;
        record.check()?;
        if record.id != expected_id {
            return Err(format!(
                "it holds session {:?}, but is named {expected_id}.json",
                cut(&record.id, 70)
            ));
        }
        Ok(record)
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
    pub(super) fn status(&self) -> &'static str {
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
pub(super) fn one_line(text: &str) -> String {
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
pub(super) fn cut(text: &str, max: usize) -> String {
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

/// Is `id` shaped like a Claude Code session id: 1–128 of `A-Z a-z 0-9 _ -`, starting
/// with a letter or digit (never an option of `claude`)?
pub fn is_claude_session_id(id: &str) -> bool {
    id.len() <= CLAUDE_SESSION_ID_MAX
        && id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Is `name` `<valid session id>.json`? Returns the id. Anything else in the history
/// directory (`.gitignore`, `write_atomic`'s temporary files, stray files) is not a
/// session.
pub(super) fn session_id_of(name: &str) -> Option<&str> {
    name.strip_suffix(".json").filter(|id| ids::is_valid(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstro_protocol::event::{
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

    #[test]
    fn reading_tolerates_unknown_fields_and_checks_the_rest() {
        let ok = json!({
            "version": 1, "id": "s1", "title": "t", "createdAt": "a", "updatedAt": "b",
            "claudeSessionId": "0b6c6f1e-5d2a-4f7e-9a3b-1c2d3e4f5a6b", "future": [1, 2],
            "movements": [{"movementId": "m", "msgId": "g", "prompt": "p",
                           "startedAt": "a", "extra": true, "events": []}]
        });
        let bytes = serde_json::to_vec(&ok).unwrap();
        let r = SessionRecord::from_file(&bytes, "s1").unwrap();
        assert_eq!(r.movements.len(), 1);
        let e = SessionRecord::from_file(&bytes, "s2").unwrap_err();
        assert!(e.contains("named s2.json"), "{e}");

        let mut v2 = ok.clone();
        v2["version"] = json!(2);
        v2["movements"] = json!("another shape");
        let e = SessionRecord::from_file(&serde_json::to_vec(&v2).unwrap(), "s1").unwrap_err();
        assert!(e.contains("format version 2"), "{e}");

        let mut hostile = ok.clone();
        hostile["claudeSessionId"] = json!("--dangerously-skip-permissions");
        let e = SessionRecord::from_file(&serde_json::to_vec(&hostile).unwrap(), "s1").unwrap_err();
        assert!(e.contains("claudeSessionId"), "{e}");

        let e = SessionRecord::from_file(b"{not json", "s1").unwrap_err();
        assert!(e.starts_with("not a session file"), "{e}");
    }

    #[test]
    fn cut_and_names() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
        assert_eq!(cut("abcd", 0), "");
        assert_eq!(session_id_of("s-1.json"), Some("s-1"));
        for name in [
            ".gitignore",
            ".tmp-x.part",
            "a.json.part",
            "..json",
            "a b.json",
            "x.JSON",
        ] {
            assert_eq!(session_id_of(name), None, "{name}");
        }
        assert!(is_claude_session_id("0b6c6f1e-5d2a-4f7e-9a3b-1c2d3e4f5a6b"));
        for bad in ["", "-x", "_x", "a b", "a;b", &"a".repeat(129)] {
            assert!(!is_claude_session_id(bad), "{bad:?}");
        }
    }
}
