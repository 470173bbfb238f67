//! The shell model on arbitrary text, within its limits.
#![no_main]

use mstro_engine::PathEnv;
use mstro_engine::shell::{Limits, model};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let m = model(text, &PathEnv::fixture(), Some("/home/dev/project"), &Limits::default());
        for inv in &m.invocations {
            assert!(inv.span.end <= text.len() && inv.span.start <= inv.span.end);
        }
    }
});
