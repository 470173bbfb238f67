//! A tab's event log: the events browsers may still need after a reconnect, stamped
//! `{epoch, seq}` and capped by count, bytes and age (MSTRO.md §6). What the log no
//! longer holds is answered with a snapshot instead.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use mstro_protocol::Envelope;
use mstro_protocol::event::TabEvent;

/// The most a replay sends in one reply; more is answered with a snapshot.
const MAX_REPLAY_BYTES: usize = 4 * 1024 * 1024;

/// How much one tab's log keeps.
#[derive(Debug, Clone, Copy)]
pub struct LogLimits {
    pub max_events: usize,
    pub max_bytes: usize,
    pub max_age: Duration,
}

impl Default for LogLimits {
    fn default() -> Self {
        LogLimits {
            max_events: 5_000,
            max_bytes: 8 * 1024 * 1024,
            max_age: Duration::from_secs(30 * 60),
        }
    }
}

/// One logged event, already serialised: it is sent once per browser and replayed as is.
#[derive(Debug, Clone)]
pub struct Stamped {
    pub seq: u64,
    pub at: Instant,
    pub frame: Envelope,
    bytes: usize,
}

/// What a reconnecting browser gets.
#[derive(Debug, PartialEq)]
pub enum Catchup {
    /// Exactly the events after the browser's `lastSeenSeq`, in order.
    Replay(Vec<Envelope>),
    /// The log cannot say what was missed: the epoch differs, or the gap was evicted.
    Snapshot,
}

/// The log of one tab.
#[derive(Debug)]
pub struct EventLog {
    epoch: String,
    tab_id: String,
    limits: LogLimits,
    events: VecDeque<Stamped>,
    bytes: usize,
    /// The last seq given out; the log may have evicted it since.
    last_seq: u64,
}

impl EventLog {
    pub fn new(epoch: &str, tab_id: &str, limits: LogLimits) -> EventLog {
        EventLog {
            epoch: epoch.to_owned(),
            tab_id: tab_id.to_owned(),
            limits,
            events: VecDeque::new(),
            bytes: 0,
            last_seq: 0,
        }
    }

    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Stamp `event` with the next seq, keep it, and return the frame to broadcast.
    pub fn append(&mut self, event: &TabEvent) -> Envelope {
        self.append_at(event, Instant::now())
    }

    fn append_at(&mut self, event: &TabEvent, now: Instant) -> Envelope {
        self.last_seq += 1;
        let mut data = event.data();
        if let Value::Object(o) = &mut data {
            o.insert("epoch".into(), json!(self.epoch));
            o.insert("seq".into(), json!(self.last_seq));
        }
        let mut frame = Envelope::new(event.kind(), data);
        frame.tab_id = Some(self.tab_id.clone());
        let bytes = frame.to_text().len();
        self.events.push_back(Stamped {
            seq: self.last_seq,
            at: now,
            frame: frame.clone(),
            bytes,
        });
        self.bytes += bytes;
        self.evict(now);
        frame
    }

    /// Drop what is over the limits, oldest first. The newest event always stays, so
    /// a browser one event behind is never sent a snapshot for it.
    fn evict(&mut self, now: Instant) {
        while self.events.len() > 1 {
            let oldest = &self.events[0];
            let over = self.events.len() > self.limits.max_events
                || self.bytes > self.limits.max_bytes
                || now.duration_since(oldest.at) > self.limits.max_age;
            if !over {
                break;
            }
            self.bytes -= oldest.bytes;
            self.events.pop_front();
        }
    }

    /// What a browser that saw everything up to `last_seen` in `epoch` has missed.
    pub fn catch_up(&mut self, epoch: Option<&str>, last_seen: Option<u64>) -> Catchup {
        self.evict(Instant::now());
        let (Some(epoch), Some(last_seen)) = (epoch, last_seen) else {
            return Catchup::Snapshot;
        };
        if epoch != self.epoch || last_seen > self.last_seq {
            return Catchup::Snapshot;
        }
        if last_seen == self.last_seq {
            return Catchup::Replay(Vec::new());
        }
        // The first missed event must still be here, and the replay must fit in one
        // reply (a snapshot merges text and is bounded).
        let missed = || self.events.iter().filter(|e| e.seq > last_seen);
        match self.events.front() {
            Some(first)
                if first.seq <= last_seen + 1
                    && missed().map(|e| e.bytes).sum::<usize>() <= MAX_REPLAY_BYTES =>
            {
                Catchup::Replay(missed().map(|e| e.frame.clone()).collect())
            }
            _ => Catchup::Snapshot,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstro_protocol::event::TextChunk;

    fn output(text: &str) -> TabEvent {
        TabEvent::Output(TextChunk {
            movement_id: "m".into(),
            text: text.into(),
            parent_tool_use_id: None,
        })
    }

    fn seqs(c: &Catchup) -> Vec<u64> {
        match c {
            Catchup::Replay(frames) => frames
                .iter()
                .map(|f| f.data["seq"].as_u64().unwrap())
                .collect(),
            Catchup::Snapshot => panic!("snapshot"),
        }
    }

    #[test]
    fn frames_carry_epoch_seq_and_tab() {
        let mut log = EventLog::new("e1", "t1", LogLimits::default());
        let f = log.append(&output("a"));
        assert_eq!(f.kind, "output");
        assert_eq!(f.tab_id.as_deref(), Some("t1"));
        assert_eq!(f.data["epoch"], "e1");
        assert_eq!(f.data["seq"], 1);
        assert_eq!(f.data["text"], "a");
        assert_eq!(log.append(&output("b")).data["seq"], 2);
    }

    #[test]
    fn replays_exactly_what_was_missed() {
        let mut log = EventLog::new("e1", "t1", LogLimits::default());
        for i in 0..10 {
            log.append(&output(&i.to_string()));
        }
        assert_eq!(seqs(&log.catch_up(Some("e1"), Some(7))), [8, 9, 10]);
        assert_eq!(seqs(&log.catch_up(Some("e1"), Some(10))), Vec::<u64>::new());
        assert_eq!(seqs(&log.catch_up(Some("e1"), Some(0))).len(), 10);
    }

    #[test]
    fn another_epoch_a_future_seq_or_nothing_known_is_a_snapshot() {
        let mut log = EventLog::new("e2", "t1", LogLimits::default());
        log.append(&output("a"));
        assert_eq!(log.catch_up(Some("e1"), Some(1)), Catchup::Snapshot);
        assert_eq!(log.catch_up(Some("e2"), Some(5)), Catchup::Snapshot);
        assert_eq!(log.catch_up(None, None), Catchup::Snapshot);
    }

    #[test]
    fn an_evicted_gap_is_a_snapshot_by_count_bytes_and_age() {
        let limits = LogLimits {
            max_events: 3,
            ..LogLimits::default()
        };
        let mut log = EventLog::new("e", "t", limits);
        for _ in 0..5 {
            log.append(&output("x"));
        }
        assert_eq!(seqs(&log.catch_up(Some("e"), Some(2))), [3, 4, 5]);
        assert_eq!(log.catch_up(Some("e"), Some(1)), Catchup::Snapshot);

        let limits = LogLimits {
            max_bytes: 300,
            ..LogLimits::default()
        };
        let mut log = EventLog::new("e", "t", limits);
        for _ in 0..10 {
            log.append(&output(&"y".repeat(100)));
        }
        assert!(log.bytes <= 300, "{}", log.bytes);
        assert_eq!(log.catch_up(Some("e"), Some(1)), Catchup::Snapshot);
        assert_eq!(seqs(&log.catch_up(Some("e"), Some(9))), [10]);

        let limits = LogLimits {
            max_age: Duration::from_secs(60),
            ..LogLimits::default()
        };
        let mut log = EventLog::new("e", "t", limits);
        let t0 = Instant::now();
        log.append_at(&output("old"), t0);
        log.append_at(&output("new"), t0 + Duration::from_secs(120));
        assert_eq!(log.events.len(), 1);
        assert_eq!(log.catch_up(Some("e"), Some(0)), Catchup::Snapshot);
    }

    #[test]
    fn the_newest_event_is_kept_even_when_it_alone_is_over_the_limit() {
        let limits = LogLimits {
            max_bytes: 10,
            ..LogLimits::default()
        };
        let mut log = EventLog::new("e", "t", limits);
        log.append(&output("a long chunk of text"));
        log.append(&output("another long chunk"));
        assert_eq!(seqs(&log.catch_up(Some("e"), Some(1))), [2]);
    }
}
