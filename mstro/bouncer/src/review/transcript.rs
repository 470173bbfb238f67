//! The person's recent request, from the Claude Code transcript the hook is given
//! (`transcript_path`, JSONL). Only the tail of the file is read, only user records
//! with text are taken, and any record shape we do not know is skipped.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::Value;

/// How much of the end of the transcript is read.
const TAIL_BYTES: u64 = 256 * 1024;
/// How many of the last user messages are kept, and their combined size.
const MESSAGES: usize = 3;
const MAX_CHARS: usize = 4000;

/// The last user messages, oldest first, joined; `None` when there are none.
pub fn recent_request(path: &Path) -> Option<String> {
    if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
        return None;
    }
    let mut file = File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let start = meta.len().saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    if start > 0 {
        lines.next(); // cut mid-record
    }
    let mut found: Vec<String> = lines.rev().filter_map(user_text).take(MESSAGES).collect();
    found.reverse();
    if found.is_empty() {
        return None;
    }
    let joined = found.join("\n---\n");
    Some(if joined.chars().count() > MAX_CHARS {
        // Keep the end: the latest request matters most.
        let skip = joined.chars().count() - MAX_CHARS;
        format!("…{}", joined.chars().skip(skip).collect::<String>())
    } else {
        joined
    })
}

/// The text a person typed, if this line is such a record.
fn user_text(line: &str) -> Option<String> {
    let record: Value = serde_json::from_str(line).ok()?;
    if record["type"] != "user" || record["isMeta"] == true || record["message"]["role"] != "user" {
        return None;
    }
    let text = match &record["message"]["content"] {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter(|b| b["type"] == "text")
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => return None,
    };
    let text = text.trim();
    // Tool results come back as user records without text; command wrappers are not requests.
    (!text.is_empty() && !text.starts_with("<command-") && !text.starts_with("<local-command"))
        .then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_user_texts_are_found_among_unknown_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let lines = [
            r#"{"type":"summary","summary":"x"}"#,
            r#"{"type":"user","message":{"role":"user","content":"first request"}}"#,
            r#"not json at all"#,
            r#"{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"ok"}]}}"#,
            r#"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"out"}]}}"#,
            r#"{"type":"user","isMeta":true,"message":{"role":"user","content":"Caveat: meta"}}"#,
            r#"{"type":"user","message":{"role":"user","content":[{"type":"text","text":"please clean the build dir"}]}}"#,
            r#"{"type":"future-kind","whatever":[1,2,3]}"#,
        ];
        std::fs::write(&path, lines.join("\n")).unwrap();
        assert_eq!(
            recent_request(&path).unwrap(),
            "first request\n---\nplease clean the build dir"
        );
    }

    #[test]
    fn only_the_tail_of_a_big_transcript_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let old = r#"{"type":"user","message":{"role":"user","content":"ancient"}}"#;
        let filler = r#"{"type":"assistant","message":{"content":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}"#;
        let mut text = format!("{old}\n");
        for _ in 0..10_000 {
            text.push_str(filler);
            text.push('\n');
        }
        text.push_str(r#"{"type":"user","message":{"role":"user","content":"latest"}}"#);
        std::fs::write(&path, text).unwrap();
        assert_eq!(recent_request(&path).unwrap(), "latest");
    }

    #[test]
    fn other_files_give_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("id_rsa");
        std::fs::write(&key, "-----BEGIN OPENSSH PRIVATE KEY-----").unwrap();
        assert!(recent_request(&key).is_none());
        assert!(recent_request(&dir.path().join("missing.jsonl")).is_none());
        assert!(recent_request(dir.path()).is_none());
    }
}
