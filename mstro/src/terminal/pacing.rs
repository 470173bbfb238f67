//! Pacing a terminal's output per browser: each attached browser is sent at most
//! [`WINDOW`] bytes beyond what it acknowledged (`terminalAck`). A `yes` in the
//! terminal therefore never queues more than a window per browser in the machine's
//! outbox or the relay, and a slow phone does not slow the owner's desktop: the
//! terminal keeps being read while any browser can take more, and a browser that fell
//! further behind than the scrollback keeps is moved forward with a `reset`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Unacknowledged bytes one browser may have in flight.
pub const WINDOW: u64 = 256 * 1024;
/// Unacknowledged frames one browser may have in flight: the relay cuts off a socket
/// with 256 frames queued, and trickling output must not come near that.
pub const MAX_FRAMES_IN_FLIGHT: usize = 16;
/// The most bytes one `terminalOutput` frame carries.
pub const MAX_FRAME_DATA: usize = 64 * 1024;
/// A browser that acknowledges nothing for this long while its window is full has
/// gone (the relay also says when a browser leaves; this is for when it cannot).
pub const SILENT_LIMIT: Duration = Duration::from_secs(20);

/// One browser attached to a terminal.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The relay's connection id of the browser (the frames' `to`).
    pub browser: String,
    /// The next offset to send it.
    pub sent: u64,
    /// What it acknowledged having taken.
    pub acked: u64,
    /// When it last acknowledged (or attached).
    pub heard: Instant,
    /// The end offsets of the frames sent and not yet acknowledged.
    in_flight: VecDeque<u64>,
}

impl Attachment {
    /// A browser that has everything before `offset`.
    pub fn new(browser: String, offset: u64, now: Instant) -> Attachment {
        Attachment {
            browser,
            sent: offset,
            acked: offset,
            heard: now,
            in_flight: VecDeque::new(),
        }
    }

    /// How many more bytes it may be sent now.
    pub fn credit(&self) -> u64 {
        if self.in_flight.len() >= MAX_FRAMES_IN_FLIGHT {
            return 0;
        }
        (self.acked + WINDOW).saturating_sub(self.sent)
    }

    /// A frame ending at `end` was sent to it.
    pub fn sent_frame(&mut self, end: u64) {
        self.sent = end;
        self.in_flight.push_back(end);
    }

    /// It says it has taken everything before `offset`. An offset beyond what it was
    /// sent is a confused or hostile browser: it counts as what it was sent, no more.
    pub fn ack(&mut self, offset: u64, now: Instant) {
        self.acked = self.acked.max(offset.min(self.sent));
        self.heard = now;
        while self.in_flight.front().is_some_and(|&end| end <= self.acked) {
            self.in_flight.pop_front();
        }
    }

    /// Gone: its window is full and it has been silent for [`SILENT_LIMIT`].
    pub fn is_silent(&self, now: Instant) -> bool {
        self.credit() == 0 && now.duration_since(self.heard) >= SILENT_LIMIT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_is_the_window_beyond_the_ack() {
        let now = Instant::now();
        let mut a = Attachment::new("b".into(), 100, now);
        assert_eq!(a.credit(), WINDOW);
        a.sent += WINDOW;
        assert_eq!(a.credit(), 0);
        assert!(!a.is_silent(now));
        assert!(a.is_silent(now + SILENT_LIMIT));
        a.ack(100 + 1000, now);
        assert_eq!(a.credit(), 1000);
        // Acks never go back, nor beyond what was sent.
        a.ack(50, now);
        assert_eq!(a.acked, 1100);
        a.ack(u64::MAX, now);
        assert_eq!(a.acked, a.sent);
        assert_eq!(a.credit(), WINDOW);
    }

    #[test]
    fn small_frames_are_counted_too() {
        let now = Instant::now();
        let mut a = Attachment::new("b".into(), 0, now);
        for end in 1..=MAX_FRAMES_IN_FLIGHT as u64 {
            assert!(a.credit() > 0);
            a.sent_frame(end);
        }
        assert_eq!(a.credit(), 0, "a window of bytes, but too many frames");
        a.ack(2, now);
        assert!(a.credit() > 0);
    }
}
