//! The workspace's binaries, as cargo built them for this test run.
//!
//! Cargo builds a package's own binaries, with the features of the very same build,
//! before it runs that package's integration tests: they sit in `<target>/<profile>/`,
//! beside the `deps/` folder the test executable runs from (the files `CARGO_BIN_EXE_*`
//! name). So a test of the `mstro-bouncer` package gets a fresh `mstro-bouncer`, and a
//! test of the `mstro` package a fresh `mstro`.
//!
//! The `mstro` end-to-end tests also need `mstro-bouncer` (every session runs it), which
//! cargo builds for them only when the whole workspace is built (`cargo nextest run
//! --workspace`, as `scripts/test` does). Otherwise (`-p mstro`) it may be missing or
//! older than its library: then it is built here, once, with `cargo build -p
//! mstro-bouncer` into the same target directory, rather than testing a stale one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// Binaries a program outside the test suite (the bench's soak) chose: see [`use_dir`].
static CHOSEN: OnceLock<PathBuf> = OnceLock::new();

/// Take `mstro` and `mstro-bouncer` from `dir` rather than from beside the test
/// executable. For a program that is not an integration test (`bench/src/bin/soak.rs`):
/// cargo does not build the binaries for it, so it must be built together with them
/// (`cargo build -p mstro -p mstro-bouncer -p mstro-bench --bin mstro --bin
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

/// The package that defines each binary (both name their binary after themselves).
fn package_of(bin: &str) -> &str {
    match bin {
        "mstro" | "mstro-bouncer" => bin,
        other => panic!("no package builds a binary `{other}`"),
    }
}

fn built(bin: &str) -> PathBuf {
    if let Some(dir) = CHOSEN.get() {
        let path = dir.join(bin);
        assert!(path.is_file(), "{} is missing", path.display());
        return path;
    }
    // The test executable lives in <target>/<profile>/deps/.
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from <target>/<profile>/deps");
    let path = profile_dir.join(bin);
    // Cargo and nextest name the package whose test runs: its own binaries are fresh.
    let package = package_of(bin);
    if std::env::var("CARGO_PKG_NAME").is_ok_and(|p| p != package) && !fresh(&path, package) {
        build(package, bin, profile_dir);
    }
    assert!(
        path.is_file(),
        "{} is missing: only integration tests may run the binaries (cargo builds them for \
         those)",
        path.display()
    );
    path
}

/// Is `bin` there and built after the newest build of its package's library in this
/// profile (`deps/lib<package>-<hash>.rlib`)? Cargo rebuilds that library whenever it or
/// anything it depends on changed, and when it builds the binary too, it links the
/// binary after it.
fn fresh(bin: &Path, package: &str) -> bool {
    let Ok(built) = bin.metadata().and_then(|m| m.modified()) else {
        return false;
    };
    let Some(deps) = bin.parent().map(|d| d.join("deps")) else {
        return false;
    };
    let prefix = format!("lib{}-", package.replace('-', "_"));
    let newest_library = std::fs::read_dir(deps)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".rlib")
        })
        .filter_map(|e| e.metadata().and_then(|m| m.modified()).ok())
        .max();
    newest_library.is_some_and(|library: SystemTime| library <= built)
}

/// `cargo build -p <package> --bin <bin>` into the target directory and profile of this
/// test run.
fn build(package: &str, bin: &str, profile_dir: &Path) {
    let target_dir = profile_dir
        .parent()
        .expect("<target>/<profile> has a parent");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(other) => other,
        None => "dev",
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace");
    eprintln!("building {bin} (package {package}) for this test run");
    let status = Command::new(cargo)
        .current_dir(workspace)
        .args([
            "build",
            "--quiet",
            "-p",
            package,
            "--bin",
            bin,
            "--profile",
            profile,
        ])
        .env("CARGO_TARGET_DIR", target_dir)
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build {bin}: {e}"));
    assert!(status.success(), "cargo could not build {bin}");
}
