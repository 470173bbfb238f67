//! The workspace's binaries, as cargo built them for this test run.
//!
//! The end-to-end tests are integration tests of the `mstro` package, so cargo builds
//! that package's binaries, with the features of the very same build, before it runs
//! them: they sit in `<target>/<profile>/`, beside the `deps/` folder the test
//! executable runs from (the files `CARGO_BIN_EXE_*` name). Building them again from
//! here would need a second target directory (the workspace build unifies features,
//! so a plain `cargo build -p mstro` would rebuild and then fight the test build), and
//! that doubled the disk and minutes CI spends.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Binaries a program outside the test suite (the bench's soak) chose: see [`use_dir`].
static CHOSEN: OnceLock<PathBuf> = OnceLock::new();

/// Take `mstro` and `mstro-bouncer` from `dir` rather than from beside the test
/// executable. For a program that is not an integration test of the mstro package
/// (`bench/src/bin/soak.rs`): cargo does not build the binaries for it, so it must be
/// built together with them (`cargo build -p mstro -p mstro-bench --bin mstro --bin
/// mstro-bouncer --bin soak`), which its README says. Call it before anything here.
pub fn use_dir(dir: PathBuf) {
    let _ = CHOSEN.set(dir);
}

/// `mstro-bouncer`, as built for this test run.
pub fn mstro_bouncer() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| built("mstro-bouncer"))
}

/// `mstro`, as built for this test run.
pub fn mstro() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| built("mstro"))
}

fn built(bin: &str) -> PathBuf {
    if let Some(dir) = CHOSEN.get() {
        let path = dir.join(bin);
        assert!(path.is_file(), "{} is missing", path.display());
        return path;
    }
    // Cargo and nextest name the package whose test runs. Another package's tests would
    // get whatever binary an earlier build left: refuse rather than test a stale one.
    if let Ok(package) = std::env::var("CARGO_PKG_NAME") {
        assert_eq!(
            package, "mstro",
            "only integration tests of the mstro package may run the binaries (cargo \
             builds them fresh for those); move this test to mstro/tests/"
        );
    }
    // The test executable lives in <target>/<profile>/deps/.
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from <target>/<profile>/deps");
    let path = profile_dir.join(bin);
    assert!(
        path.is_file(),
        "{} is missing: only integration tests of the mstro package may run the binaries \
         (cargo builds them for those)",
        path.display()
    );
    path
}
