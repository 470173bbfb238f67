//! How long to wait before reconnecting: 1 s doubling to 30 s, each delay drawn from
//! its upper half so that many machines cut off together do not come back together.

use std::time::Duration;

const FIRST: Duration = Duration::from_secs(1);
const CAP: Duration = Duration::from_secs(30);

/// Capped, jittered exponential backoff.
#[derive(Debug, Default)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = FIRST.saturating_mul(1u32 << self.attempt.min(16)).min(CAP);
        self.attempt = self.attempt.saturating_add(1);
        let half = ceiling / 2;
        half + half.mul_f64(rand::random::<f64>())
    }

    /// After a connection that paired: start again from 1 s.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_cap_with_jitter_and_resets() {
        let mut b = Backoff::default();
        let ceilings = [1, 2, 4, 8, 16, 30, 30, 30, 30];
        for ceiling in ceilings {
            let d = b.next_delay();
            let ceiling = Duration::from_secs(ceiling);
            assert!(d >= ceiling / 2 && d <= ceiling, "{d:?} for {ceiling:?}");
        }
        for _ in 0..100 {
            assert!(b.next_delay() <= CAP);
        }
        b.reset();
        assert!(b.next_delay() <= FIRST);
    }

    #[test]
    fn jitter_spreads_delays() {
        let delays: std::collections::HashSet<Duration> = (0..20)
            .map(|_| Backoff { attempt: 5 }.next_delay())
            .collect();
        assert!(delays.len() > 10);
    }
}
