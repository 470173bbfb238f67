//! Support for the end-to-end tests: the real `claude` CLI (pinned, installed with
//! npm on first use), a fake Anthropic Messages API on loopback, and the workspace's
//! own binaries.

pub mod binaries;
pub mod claude;
pub mod fake_api;
pub mod mstro_up;
pub mod relay;
pub mod webdriver;

/// Are we in CI, where a missing dependency is a failure rather than a skip?
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Skip the calling test (with the reason on stderr), or fail it in CI.
#[macro_export]
macro_rules! require {
    ($dep:expr) => {
        match $dep {
            Ok(v) => v,
            Err(why) => {
                if $crate::in_ci() {
                    panic!("a required test dependency is missing in CI: {why}");
                }
                eprintln!("SKIPPED {}: {why}", module_path!());
                return;
            }
        }
    };
}
