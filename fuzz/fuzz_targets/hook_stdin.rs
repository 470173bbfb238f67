//! The hook's stdin: anything at all must get one decision.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mstro_bouncer::fuzzing::hook_stdin(data);
});
