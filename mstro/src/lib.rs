//! The `mstro` crate: the bouncer's command line ([`bouncer`]) and, on top of it, the
//! remote workspace.

pub mod bouncer;
