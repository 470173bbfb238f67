//! Where the generator's decisions come from: a seeded RNG for the test suite, a byte
//! string for the fuzzer. Both are deterministic, so a failing command can always be
//! produced again from its seed or its bytes.

/// A source of decisions.
pub trait Choices {
    /// A number in `0..n` (`0` when `n` is 0 or 1). Option `0` of every decision is the
    /// one that ends generation soonest, so a source that runs dry (picks `0` forever)
    /// still produces a short, finished command.
    fn pick(&mut self, n: usize) -> usize;
}

/// splitmix64: small, fast, and good enough to spread the generator's choices.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Choices for Rng {
    fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }
}

/// Decisions read from fuzzer input: one byte per decision (two when there are more
/// than 256 options), then `0` once the bytes run out.
#[derive(Debug, Clone)]
pub struct ByteChoices<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> ByteChoices<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        ByteChoices { bytes, pos: 0 }
    }
}

impl Choices for ByteChoices<'_> {
    fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let width = if n <= 256 { 1 } else { 2 };
        let mut v = 0usize;
        for _ in 0..width {
            let Some(&b) = self.bytes.get(self.pos) else {
                return 0;
            };
            self.pos += 1;
            v = (v << 8) | b as usize;
        }
        v % n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_run_dry_into_zero() {
        let mut c = ByteChoices::new(&[7, 255]);
        assert_eq!(c.pick(5), 2);
        assert_eq!(c.pick(256), 255);
        assert_eq!(c.pick(5), 0);
        assert_eq!(c.pick(1000), 0);
    }

    #[test]
    fn the_rng_is_deterministic_and_in_range() {
        let (mut a, mut b) = (Rng::new(3), Rng::new(3));
        for n in 1..200 {
            let x = a.pick(n);
            assert_eq!(x, b.pick(n));
            assert!(x < n.max(1));
        }
    }
}
