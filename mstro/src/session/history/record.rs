//! The history file format (docs/sessions.md, "History"): one JSON object per session,
//! `{version, id, title, createdAt, updatedAt, claudeSessionId, movements:[…]}`.
//!
//! Reading is tolerant of fields it does not know (serde's default), so an older mstro
//! can list a file a newer one added fields to; it is strict about the rest, because the
//! files may come from a cloned repository: the version, the id (it must match the file
//! name) and the Claude Code session id (it reaches `claude --resume`) are checked.

use serde::Deserialize;

use crate::session::ids;
pub use mstro_protocol::history::{
    FORMAT_VERSION, MovementRecord, SessionRecord, SessionSummary, TITLE_MAX_CHARS, UNTITLED, cut,
    one_line,
};

/// The longest Claude Code session id accepted (theirs are 36-character UUIDs).
const CLAUDE_SESSION_ID_MAX: usize = 128;

/// Is this record fit to be written? The id is checked by the store (it names the
/// file); here the rest of what [`from_file`] would refuse, so a save never writes a
/// file that then lists as a problem.
pub(super) fn check(record: &SessionRecord) -> Result<(), String> {
    if record.version != FORMAT_VERSION {
        return Err(format!(
            "format version {} is not one this mstro reads (it reads {FORMAT_VERSION}); \
             it was probably written by a newer mstro",
            record.version
        ));
    }
    if let Some(claude) = &record.claude_session_id
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
    check(&record)?;
    if record.id != expected_id {
        return Err(format!(
            "it holds session {:?}, but is named {expected_id}.json",
            cut(&record.id, 70)
        ));
    }
    Ok(record)
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
    use serde_json::json;

    #[test]
    fn reading_tolerates_unknown_fields_and_checks_the_rest() {
        let ok = json!({
            "version": 1, "id": "s1", "title": "t", "createdAt": "a", "updatedAt": "b",
            "claudeSessionId": "0b6c6f1e-5d2a-4f7e-9a3b-1c2d3e4f5a6b", "future": [1, 2],
            "movements": [{"movementId": "m", "msgId": "g", "prompt": "p",
                           "startedAt": "a", "extra": true, "events": []}]
        });
        let bytes = serde_json::to_vec(&ok).unwrap();
        let r = from_file(&bytes, "s1").unwrap();
        assert_eq!(r.movements.len(), 1);
        let e = from_file(&bytes, "s2").unwrap_err();
        assert!(e.contains("named s2.json"), "{e}");

        let mut v2 = ok.clone();
        v2["version"] = json!(2);
        v2["movements"] = json!("another shape");
        let e = from_file(&serde_json::to_vec(&v2).unwrap(), "s1").unwrap_err();
        assert!(e.contains("format version 2"), "{e}");

        let mut hostile = ok.clone();
        hostile["claudeSessionId"] = json!("--dangerously-skip-permissions");
        let e = from_file(&serde_json::to_vec(&hostile).unwrap(), "s1").unwrap_err();
        assert!(e.contains("claudeSessionId"), "{e}");

        let e = from_file(b"{not json", "s1").unwrap_err();
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
