//! The hook's stdin: anything at all must get one decision.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mstro::fuzzing::hook_stdin(data);
});
