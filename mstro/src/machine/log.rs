//! `-v`: what the machine side says about its connection, on stderr.

use std::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);

pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

/// Print `message` when `-v` was given.
pub fn debug(message: &str) {
    if VERBOSE.load(Ordering::Relaxed) {
        eprintln!("mstro: {message}");
    }
}
