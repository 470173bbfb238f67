//! The `mstro` crate: the remote workspace's binary. The machine client ([`machine`]),
//! the workspace's files as the browser changes and watches them ([`files`]),
//! the sessions it runs ([`session`]), its terminals ([`terminal`]), the person's `~/.mstro` ([`home`]) and the
//! command line ([`commands`]), on top of `mstro-bouncer`, `mstro-relay` and
//! `mstro-protocol`.

pub mod commands;
pub mod files;
pub mod home;
pub mod machine;
pub mod process_tree;
pub mod session;
pub mod terminal;
