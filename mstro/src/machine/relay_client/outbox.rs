//! Frames waiting to go to the relay. Bounded; while the relay is unreachable they
//! wait here and are sent, in order, after pairing. A frame leaves only once the
//! socket has taken it. Overflow drops the oldest frames, and the number dropped goes
//! out first as a `gap` frame, so nothing disappears without a trace.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

use mstro_protocol::Envelope;

/// At most this many frames wait.
pub const MAX_FRAMES: usize = 10_000;
/// And at most this many bytes.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

#[derive(Default)]
struct Queue {
    /// Each frame with its sequence number, so that [`Outbox::sent`] removes exactly
    /// the frame that went out even if overflow moved the queue meanwhile.
    frames: VecDeque<(u64, String)>,
    bytes: usize,
    dropped: u64,
    next_seq: u64,
}

/// A frame to send, and the number that acknowledges it ([`Outbox::sent`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub seq: u64,
    pub text: String,
}

/// The bounded outbound queue.
pub struct Outbox {
    queue: Mutex<Queue>,
    notify: Notify,
    max_frames: usize,
    max_bytes: usize,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox::with_limits(MAX_FRAMES, MAX_BYTES)
    }
}

impl Outbox {
    pub fn with_limits(max_frames: usize, max_bytes: usize) -> Outbox {
        Outbox {
            queue: Mutex::new(Queue::default()),
            notify: Notify::new(),
            max_frames,
            max_bytes,
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue a frame for the relay.
    pub fn push(&self, envelope: &Envelope) {
        self.push_text(envelope.to_text());
    }

    pub fn push_text(&self, text: String) {
        {
            let mut q = self.queue();
            q.bytes += text.len();
            let seq = q.next_seq;
            q.next_seq += 1;
            q.frames.push_back((seq, text));
            while q.frames.len() > self.max_frames
                || (q.bytes > self.max_bytes && q.frames.len() > 1)
            {
                let Some((_, old)) = q.frames.pop_front() else {
                    break;
                };
                q.bytes -= old.len();
                q.dropped += 1;
            }
        }
        self.notify.notify_one();
    }

    /// The next frame to send, without taking it (see [`Outbox::sent`]). A `gap` frame
    /// comes first when frames were dropped.
    pub fn next(&self) -> Option<Pending> {
        let mut q = self.queue();
        if q.dropped > 0 {
            let gap = Envelope::gap(q.dropped).to_text();
            eprintln!(
                "mstro: the relay was unreachable too long; {} frame(s) dropped",
                q.dropped
            );
            q.dropped = 0;
            q.bytes += gap.len();
            let seq = q.next_seq;
            q.next_seq += 1;
            q.frames.push_front((seq, gap));
        }
        q.frames.front().map(|(seq, text)| Pending {
            seq: *seq,
            text: text.clone(),
        })
    }

    /// The frame numbered `seq` was sent: forget it (unless overflow already did).
    pub fn sent(&self, seq: u64) {
        let mut q = self.queue();
        if let Some(i) = q.frames.iter().position(|(s, _)| *s == seq)
            && let Some((_, f)) = q.frames.remove(i)
        {
            q.bytes -= f.len();
        }
    }

    /// Wait until something is pushed.
    pub async fn changed(&self) {
        self.notify.notified().await;
    }

    pub fn len(&self) -> usize {
        self.queue().frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: usize) -> Envelope {
        Envelope::new("event", serde_json::json!({ "n": n }))
    }

    #[test]
    fn keeps_order_and_only_forgets_what_was_sent() {
        let o = Outbox::default();
        for n in 0..3 {
            o.push(&frame(n));
        }
        let first = o.next().unwrap();
        assert_eq!(o.next().unwrap(), first, "not taken until sent");
        o.sent(first.seq);
        assert!(o.next().unwrap().text.contains(r#""n":1"#));
        assert_eq!(o.len(), 2);
    }

    #[test]
    fn overflow_drops_the_oldest_and_reports_a_gap() {
        let o = Outbox::with_limits(3, usize::MAX);
        for n in 0..5 {
            o.push(&frame(n));
        }
        let gap = o.next().unwrap();
        assert!(
            gap.text.contains(r#""type":"gap""#) && gap.text.contains(r#""dropped":2"#),
            "{gap:?}"
        );
        o.sent(gap.seq);
        assert!(o.next().unwrap().text.contains(r#""n":2"#));
    }

    #[test]
    fn overflow_while_a_frame_is_in_flight_removes_nothing_else() {
        let o = Outbox::with_limits(2, usize::MAX);
        o.push(&frame(0));
        o.push(&frame(1));
        let in_flight = o.next().unwrap();
        // Frame 0 is dropped by overflow while it is being sent...
        o.push(&frame(2));
        // ...and acknowledging it must not remove frame 1, which was never sent.
        o.sent(in_flight.seq);
        let rest: Vec<String> = std::iter::from_fn(|| {
            let p = o.next()?;
            o.sent(p.seq);
            Some(p.text)
        })
        .collect();
        assert_eq!(rest.len(), 3, "gap, 1, 2: {rest:?}");
        assert!(rest[1].contains(r#""n":1"#) && rest[2].contains(r#""n":2"#));
    }
}
