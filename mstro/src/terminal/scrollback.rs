//! A terminal's scrollback: the last bytes of its output, numbered from the start of
//! the terminal, so that a browser coming back asks for "everything after offset N"
//! and learns whether that is still kept.

use std::collections::VecDeque;

/// The most recent output of one terminal, at most `capacity` bytes.
#[derive(Debug)]
pub struct Scrollback {
    bytes: VecDeque<u8>,
    capacity: usize,
    /// The offset one past the newest byte: every byte the terminal ever printed.
    end: u64,
}

impl Scrollback {
    /// An empty scrollback that keeps at most `capacity` bytes (at least one).
    pub fn new(capacity: usize) -> Scrollback {
        Scrollback {
            bytes: VecDeque::new(),
            capacity: capacity.max(1),
            end: 0,
        }
    }

    /// Append output; the oldest bytes go when it is full.
    pub fn push(&mut self, data: &[u8]) {
        self.end += data.len() as u64;
        let data = &data[data.len().saturating_sub(self.capacity)..];
        let over = (self.bytes.len() + data.len()).saturating_sub(self.capacity);
        self.bytes.drain(..over);
        self.bytes.extend(data);
    }

    /// The offset of the oldest byte kept.
    pub fn start(&self) -> u64 {
        self.end - self.bytes.len() as u64
    }

    /// The offset one past the newest byte.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// At most `max` bytes from `offset` on, and the offset they start at: `offset`
    /// itself, or the oldest byte kept when `offset` is older than that (the caller
    /// compares to see whether bytes were lost). Empty at or past the end.
    pub fn read_from(&self, offset: u64, max: usize) -> (u64, Vec<u8>) {
        let from = offset.clamp(self.start(), self.end);
        let skip = (from - self.start()) as usize;
        let take = (self.bytes.len() - skip).min(max);
        (from, self.bytes.range(skip..skip + take).copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_the_newest_bytes_with_their_offsets() {
        let mut s = Scrollback::new(5);
        s.push(b"abc");
        assert_eq!((s.start(), s.end()), (0, 3));
        s.push(b"defg");
        assert_eq!((s.start(), s.end()), (2, 7));
        assert_eq!(s.read_from(0, 100), (2, b"cdefg".to_vec()));
        assert_eq!(s.read_from(4, 2), (4, b"ef".to_vec()));
        assert_eq!(s.read_from(7, 100), (7, Vec::new()));
        assert_eq!(s.read_from(99, 100), (7, Vec::new()));
        // One push larger than the whole capacity.
        s.push(b"0123456789");
        assert_eq!(s.read_from(0, 100), (12, b"56789".to_vec()));
    }

    proptest! {
        /// Against a model that keeps everything: the scrollback holds exactly the last
        /// `capacity` bytes, at the right offsets, whatever the pushes.
        #[test]
        fn matches_a_model(
            capacity in 1usize..64,
            pushes in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..20),
            from in 0u64..900,
            max in 0usize..80,
        ) {
            let mut s = Scrollback::new(capacity);
            let mut all = Vec::new();
            for p in &pushes {
                s.push(p);
                all.extend_from_slice(p);
            }
            let end = all.len() as u64;
            let start = end.saturating_sub(capacity as u64);
            prop_assert_eq!((s.start(), s.end()), (start, end));
            let (at, got) = s.read_from(from, max);
            let expect_at = from.clamp(start, end);
            prop_assert_eq!(at, expect_at);
            let lo = expect_at as usize;
            let hi = (lo + max).min(all.len());
            prop_assert_eq!(got, all[lo..hi].to_vec());
        }
    }
}
