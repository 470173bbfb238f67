//! `scan`'s extractors: the first byte picks the kind of file, the rest is the file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mstro_bouncer::fuzzing::scan_extract(data);
});
