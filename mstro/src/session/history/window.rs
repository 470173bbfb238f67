//! What of a session goes into one frame: a tab's snapshot (`initTab`) and
//! `getSessionById` send the newest movements that fit in [`MAX_WINDOW_BYTES`], and say
//! how many older ones they left out, so a browser can ask for those next
//! (`getSessionById {before}`).
//!
//! A session file may hold up to 32 MiB, a relay frame only 8: without a window a long
//! session could be saved but never opened again, and a tab holding it could not be
//! re-opened after a reconnect.

use super::record::MovementRecord;
use crate::session::event::{MovementWarning, TabEvent};

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

/// `movement` with as many of its events, in order, as fit in `budget` bytes; the
/// rest are replaced by one `movementWarning` that says how many, and the movement's
/// end (if it has one) is kept, so its status stays what it was.
pub fn cut_to(movement: &MovementRecord, budget: usize) -> MovementRecord {
    let mut cut = MovementRecord {
        events: Vec::new(),
        ..movement.clone()
    };
    let (events, end) = match movement.events.split_last() {
        Some((last, rest)) if last.is_terminal() => (rest, Some(last)),
        _ => (&movement.events[..], None),
    };
    // What is kept whatever happens: the movement without events, its end, and the
    // warning (a few hundred bytes at most).
    let mut bytes = json_len(&cut) + end.map_or(0, json_len) + 512;
    let mut kept = 0;
    for event in events {
        let size = json_len(event) + 1;
        if bytes + size > budget {
            break;
        }
        bytes += size;
        cut.events.push(event.clone());
        kept += 1;
    }
    let dropped = events.len() - kept;
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
    cut.events.extend(end.cloned());
    cut
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
    use crate::session::event::{MovementComplete, MovementStatus, TextChunk};

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
    fn json_len_is_the_serialised_length() {
        let m = movement("m", &[3, 5], true);
        assert_eq!(json_len(&m), serde_json::to_string(&m).unwrap().len());
    }
}
