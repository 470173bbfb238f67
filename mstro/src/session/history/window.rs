//! What of a session goes into one frame: a tab's snapshot (`initTab`) and
//! `getSessionById` send the newest movements that fit in [`MAX_WINDOW_BYTES`], and say
//! how many older ones they left out, so a browser can ask for those next
//! (`getSessionById {before}`).
//!
//! A session file may hold up to 32 MiB, a relay frame only 8: without a window a long
//! session could be saved but never opened again, and a tab holding it could not be
//! re-opened after a reconnect.

use super::record::{self, MovementRecord, SessionRecord};
use mstro_protocol::event::{MovementWarning, TabEvent};

/// The most JSON one window holds, well inside one relay frame.
pub const MAX_WINDOW_BYTES: usize = 4 * 1024 * 1024;

/// A run of a session's movements, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// How many movements come before the first one here: the `before` that asks for
    /// the next older window.
    pub omitted: usize,
    pub movements: Vec<MovementRecord>,
}

/// The newest movements before index `end` (all of them when `end` is past the last)
/// whose JSON fits in `budget` bytes. It is never empty while there is a movement
/// before `end`: a newest movement bigger than the budget alone comes cut
/// ([`cut_to`]).
pub fn newest(movements: &[MovementRecord], end: usize, budget: usize) -> Window {
    let end = end.min(movements.len());
    let mut first = end;
    let mut bytes = 0;
    while first > 0 {
        let size = json_len(&movements[first - 1]);
        if bytes + size > budget {
            break;
        }
        bytes += size;
        first -= 1;
    }
    if first == end && end > 0 {
        return Window {
            omitted: end - 1,
            movements: vec![cut_to(&movements[end - 1], budget)],
        };
    }
    Window {
        omitted: first,
        movements: movements[first..end].to_vec(),
    }
}

/// `record` with only the window of its movements that ends before index `end` (see
/// [`newest`]), and the window's `omitted`. The title is cut as the session list cuts
/// it: a hand-made file could carry a huge one.
pub fn of_session(record: &SessionRecord, end: usize, budget: usize) -> (SessionRecord, usize) {
    let window = newest(&record.movements, end, budget);
    let session = SessionRecord {
        version: record.version,
        id: record.id.clone(),
        title: record.shown_title(),
        created_at: record.created_at.clone(),
        updated_at: record.updated_at.clone(),
        claude_session_id: record.claude_session_id.clone(),
        movements: window.movements,
    };
    (session, window.omitted)
}

/// `movement` with as many of its events, in order, as fit in `budget` bytes; the
/// rest are replaced by one `movementWarning` that says how many, and the movement's
/// end (if it has one) is kept, so its status stays what it was. Its prompt and the
/// end's text are cut too when very long (only a hand-made file has them so).
pub fn cut_to(movement: &MovementRecord, budget: usize) -> MovementRecord {
    // A character is at most 6 bytes of JSON (`\u001f`): the prompt and the end take at
    // most 3/8 of the budget together.
    let max_chars = budget / 32;
    let end_at = movement.events.iter().rposition(TabEvent::is_terminal);
    let end = end_at.map(|i| shortened(&movement.events[i], max_chars));
    let mut cut = MovementRecord::new(
        movement.movement_id.clone(),
        movement.msg_id.clone(),
        record::cut(&movement.prompt, max_chars),
        movement.started_at.clone(),
    );
    // mstro writes at most 10 short paths; a hand-made file could hold megabytes.
    cut.attachments = movement
        .attachments
        .iter()
        .take(crate::session::attachments::MAX_FILES)
        .map(|a| record::cut(a, 256))
        .collect();
    // What is kept whatever happens: the movement without events, its end, and the
    // warning (a few hundred bytes at most).
    let mut bytes = json_len(&cut) + end.as_ref().map_or(0, json_len) + 512;
    let events = movement
        .events
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != end_at)
        .map(|(_, e)| e);
    let mut dropped = 0;
    for event in events {
        let size = json_len(event) + 1;
        if dropped > 0 || bytes + size > budget {
            dropped += 1;
            continue;
        }
        bytes += size;
        cut.events.push(event.clone());
    }
    if dropped > 0 {
        cut.events.push(TabEvent::MovementWarning(MovementWarning {
            movement_id: movement.movement_id.clone(),
            message: format!(
                "{dropped} later {} of this prompt's run {} not shown: the run is too large \
                 to load at once",
                if dropped == 1 { "event" } else { "events" },
                if dropped == 1 { "is" } else { "are" },
            ),
            silent_secs: 0,
        }));
    }
    cut.events.extend(end);
    cut
}

/// A movement's end with its text cut to `max_chars` characters.
fn shortened(end: &TabEvent, max_chars: usize) -> TabEvent {
    let mut end = end.clone();
    match &mut end {
        TabEvent::MovementComplete(c) => {
            if let Some(result) = &mut c.result {
                *result = record::cut(result, max_chars);
            }
        }
        TabEvent::MovementError(e) => e.message = record::cut(&e.message, max_chars),
        _ => {}
    }
    end
}

fn json_len(value: &impl serde::Serialize) -> usize {
    // Serialising into a counter, not a buffer: this runs over whole sessions.
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Our own types always serialise; a failure would only make the estimate small.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstro_protocol::event::{MovementComplete, MovementStatus, TextChunk};

    fn movement(id: &str, chunks: &[usize], ended: bool) -> MovementRecord {
        let mut m = MovementRecord::new(id.into(), format!("msg-{id}"), "p".into(), "t".into());
        for (i, &len) in chunks.iter().enumerate() {
            // Tool results, not text: adjacent text chunks would merge into one event.
            m.events.push(TabEvent::Output(TextChunk {
                movement_id: id.into(),
                text: format!("{i}{}", "x".repeat(len)),
                parent_tool_use_id: Some(format!("toolu_{i}")),
            }));
            if i % 2 == 0 {
                m.events.push(TabEvent::Thinking(TextChunk {
                    movement_id: id.into(),
                    text: "t".into(),
                    parent_tool_use_id: None,
                }));
            }
        }
        if ended {
            m.events.push(TabEvent::MovementComplete(MovementComplete {
                movement_id: id.into(),
                status: MovementStatus::Completed,
                result: None,
                usage: None,
                claude_session_id: None,
                finished_at: "t".into(),
            }));
        }
        m
    }

    fn ids(w: &Window) -> Vec<&str> {
        w.movements.iter().map(|m| m.movement_id.as_str()).collect()
    }

    #[test]
    fn everything_fits_or_the_newest_that_do_with_the_count_of_the_rest() {
        let all: Vec<_> = (0..5)
            .map(|i| movement(&format!("m{i}"), &[1000], true))
            .collect();
        let w = newest(&all, usize::MAX, MAX_WINDOW_BYTES);
        assert_eq!((w.omitted, w.movements.len()), (0, 5));
        assert_eq!(w.movements, all);

        let one = json_len(&all[0]);
        let w = newest(&all, usize::MAX, one * 2 + one / 2);
        assert_eq!((w.omitted, ids(&w)), (3, vec!["m3", "m4"]));
        // The next older window ends where this one began, and so on to the first.
        let w = newest(&all, 3, one * 2 + one / 2);
        assert_eq!((w.omitted, ids(&w)), (1, vec!["m1", "m2"]));
        let w = newest(&all, 1, one * 2 + one / 2);
        assert_eq!((w.omitted, ids(&w)), (0, vec!["m0"]));
        assert!(newest(&all, 0, MAX_WINDOW_BYTES).movements.is_empty());
        assert!(newest(&[], 7, MAX_WINDOW_BYTES).movements.is_empty());
    }

    #[test]
    fn a_window_is_contiguous_even_when_an_older_movement_would_fit() {
        let all = vec![
            movement("small-old", &[10], true),
            movement("big", &[50_000], true),
            movement("small-new", &[10], true),
        ];
        let w = newest(&all, usize::MAX, json_len(&all[2]) + 1000);
        assert_eq!((w.omitted, ids(&w)), (2, vec!["small-new"]));
    }

    #[test]
    fn a_movement_bigger_than_the_window_is_cut_and_keeps_its_end() {
        let all = vec![
            movement("old", &[10], true),
            movement("huge", &[40_000; 10], true),
        ];
        let budget = 100_000;
        let w = newest(&all, usize::MAX, budget);
        assert_eq!((w.omitted, ids(&w)), (1, vec!["huge"]));
        let cut = &w.movements[0];
        assert!(json_len(cut) <= budget, "{} > {budget}", json_len(cut));
        assert!(cut.events.len() < all[1].events.len());
        // In order: a prefix of the original events, then the warning, then the end.
        let n = cut.events.len();
        assert_eq!(cut.events[..n - 2], all[1].events[..n - 2]);
        let TabEvent::MovementWarning(w) = &cut.events[n - 2] else {
            panic!("{:?}", cut.events[n - 2]);
        };
        let dropped = all[1].events.len() - 1 - (n - 2);
        assert!(
            w.message.starts_with(&format!("{dropped} later events")),
            "{}",
            w.message
        );
        assert_eq!(cut.events[n - 1], *all[1].events.last().unwrap());
        assert_eq!(cut.status(), "completed");

        // A running movement has no end to keep, and is still cut.
        let running = movement("running", &[40_000; 10], false);
        let cut = cut_to(&running, budget);
        assert!(json_len(&cut) <= budget);
        assert!(matches!(
            cut.events.last(),
            Some(TabEvent::MovementWarning(_))
        ));
        assert_eq!(cut.status(), "running");
    }

    #[test]
    fn a_hand_made_movement_with_a_huge_prompt_and_result_still_fits() {
        let mut m = movement("huge", &[10, 10], true);
        m.prompt = "\u{1}".repeat(3 << 20);
        if let Some(TabEvent::MovementComplete(c)) = m.events.last_mut() {
            c.result = Some("r".repeat(5 << 20));
        }
        // An event after the end (only a hand-made file has one) does not lose the end.
        m.events.push(m.events[0].clone());
        let budget = MAX_WINDOW_BYTES;
        let w = newest(std::slice::from_ref(&m), usize::MAX, budget);
        let cut = &w.movements[0];
        assert!(json_len(cut) <= budget, "{} > {budget}", json_len(cut));
        assert!(cut.prompt.ends_with('…'));
        assert_eq!(cut.status(), "completed");

        let mut record = crate::session::history::SessionRecord::new("s-1".into(), "p", "t".into());
        record.title = "t".repeat(10_000);
        record.movements = vec![m];
        let (session, omitted) = of_session(&record, usize::MAX, budget);
        assert_eq!(omitted, 0);
        assert_eq!(
            session.title.chars().count(),
            super::super::record::TITLE_MAX_CHARS
        );
        assert!(json_len(&session) <= budget + 1024);
    }

    #[test]
    fn json_len_is_the_serialised_length() {
        let m = movement("m", &[3, 5], true);
        assert_eq!(json_len(&m), serde_json::to_string(&m).unwrap().len());
    }
}
