//! The `mstro` crate: the bouncer's command line ([`bouncer`]) and, on top of it, the
//! remote workspace.

pub mod bouncer;
pub mod commands;
pub mod home;
pub mod machine;
pub mod process_tree;
pub mod session;

/// Entry points of the fuzz targets in `fuzz/`, also run on their findings by the test
/// suite (`mstro/tests/fuzz_regressions.rs`). Not an API.
#[doc(hidden)]
pub mod fuzzing;
