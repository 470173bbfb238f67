//! A hostile browser frame on the machine: envelope, permission, request, and the
//! workspace confinement of its path.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mstro::fuzzing::machine_frame(data);
});
