//! Generated commands (the fuzzer's bytes drive the grammar-based generator) run by real
//! bash in the oracle's sandbox, against the shell model: any exec the engine did not
//! see, or saw with other arguments, is a crash with the whole story.
//!
//! Needs bubblewrap and the `oracle-stub` binary, named by `MSTRO_ORACLE_STUB` (see
//! README.md).
#![no_main]

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use mstro_shell_oracle::{ByteChoices, STUB_ENV, Sandbox, check, generate};

fn sandbox() -> &'static Mutex<Sandbox> {
    static S: OnceLock<Mutex<Sandbox>> = OnceLock::new();
    S.get_or_init(|| {
        let stub = std::env::var_os(STUB_ENV).map(PathBuf::from).unwrap_or_else(|| {
            panic!("set {STUB_ENV} to the oracle-stub binary (cargo build -p mstro-shell-oracle)")
        });
        Mutex::new(Sandbox::start(&stub).unwrap_or_else(|e| panic!("{e}")))
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let command = generate::command(&mut ByteChoices::new(data));
    let mut sandbox = sandbox().lock().unwrap_or_else(|e| e.into_inner());
    let checked = check(&mut sandbox, &command, false).unwrap_or_else(|e| panic!("{e}"));
    if !checked.divergences().is_empty() {
        panic!("bash and the shell model diverge:\n{}", checked.report());
    }
});
