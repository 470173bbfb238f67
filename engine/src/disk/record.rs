//! Recording the probes taken while the engine judges, on this thread.

use std::cell::RefCell;
use std::collections::HashSet;

use super::probe::{Observation, Probe};

/// Most observations one recording keeps; a judgement that looked more often than
/// this is not [`Recorded::complete`] (and must not be reused).
const MAX_OBSERVATIONS: usize = 4096;

/// What a [`recording`] saw.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// Every look, in order, without repeats.
    pub observations: Vec<Observation>,
    /// False when there were more looks than could be kept: the list is then not all
    /// the judgement depended on.
    pub complete: bool,
    seen: HashSet<Observation>,
}

impl Recorded {
    fn new() -> Recorded {
        Recorded {
            complete: true,
            ..Recorded::default()
        }
    }

    fn add(&mut self, o: Observation) {
        if self.seen.contains(&o) {
            return;
        }
        if self.observations.len() >= MAX_OBSERVATIONS {
            self.complete = false;
            return;
        }
        self.seen.insert(o.clone());
        self.observations.push(o);
    }
}

thread_local! {
    static RECORDING: RefCell<Option<Recorded>> = const { RefCell::new(None) };
}

/// Run `f`, recording every probe the engine takes on this thread meanwhile. A
/// recording inside another one is recorded by both.
pub fn recording<T>(f: impl FnOnce() -> T) -> (T, Recorded) {
    /// Puts the outer recording back when `f` returns or panics, with what the inner
    /// one saw added to it.
    struct Restore(Option<Recorded>);
    impl Drop for Restore {
        fn drop(&mut self) {
            RECORDING.with(|r| {
                let mut r = r.borrow_mut();
                let inner = std::mem::replace(&mut *r, self.0.take());
                if let (Some(inner), Some(outer)) = (inner, r.as_mut()) {
                    for o in inner.observations {
                        outer.add(o);
                    }
                    outer.complete &= inner.complete;
                }
            });
        }
    }
    let restore = Restore(RECORDING.with(|r| r.borrow_mut().replace(Recorded::new())));
    let value = f();
    let recorded = RECORDING.with(|r| r.borrow().clone()).unwrap_or_default();
    drop(restore);
    (value, recorded)
}

/// Note a probe and what it saw, if a recording is running (the closures are only
/// called then).
pub(super) fn note(probe: impl FnOnce() -> Probe, saw: impl FnOnce() -> String) {
    RECORDING.with(|r| {
        if let Some(recorded) = r.borrow_mut().as_mut() {
            recorded.add(Observation {
                probe: probe(),
                saw: saw(),
            });
        }
    });
}

/// Whether every probe sees now what it saw then.
pub fn still_holds(observations: &[Observation]) -> bool {
    observations.iter().all(|o| o.probe.look() == o.saw)
}
