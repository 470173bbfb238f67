//! The fake Anthropic Messages API the tests start (crate `mstro-fake-api`, shared with
//! `mstro up --demo`).

pub use mstro_fake_api::*;
