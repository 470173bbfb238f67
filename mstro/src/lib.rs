//! The `mstro` crate: the remote workspace's binary. The machine client ([`machine`]),
//! the sessions it runs ([`session`]), the person's `~/.mstro` ([`home`]) and the
//! command line ([`commands`]), on top of `mstro-bouncer`, `mstro-relay` and
//! `mstro-protocol`.

pub mod commands;
pub mod home;
pub mod machine;
pub mod process_tree;
pub mod session;

/// Entry points of the fuzz targets in `fuzz/` that reach the machine. Not an API.
#[doc(hidden)]
pub mod fuzzing;
