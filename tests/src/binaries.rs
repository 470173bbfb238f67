//! The workspace's binaries, built once per test process in the same profile as the
//! tests themselves, so a test never runs a stale binary. They are built in their own
//! target directory (`<target>/e2e-bins`): the workspace build unifies features across
//! all packages, so sharing its directory would rebuild the bouncer inside every test
//! run and queue each test behind cargo's lock on it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `mstro-bouncer`, freshly built.
pub fn mstro_bouncer() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| build("mstro", "mstro-bouncer"))
}

/// `mstro`, freshly built.
pub fn mstro() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| build("mstro", "mstro"))
}

fn build(package: &str, bin: &str) -> PathBuf {
    // The test executable lives in <target>/<profile>/deps/.
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from <target>/<profile>/deps");
    let target_dir = profile_dir
        .parent()
        .expect("a target directory")
        .join("e2e-bins");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            package,
            "--bin",
            bin,
            "--profile",
            profile,
            "--target-dir",
        ])
        .arg(&target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building {bin} failed");
    let path = target_dir
        .join(profile_dir.file_name().expect("a profile"))
        .join(bin);
    assert!(path.exists(), "{} was not built", path.display());
    path
}
