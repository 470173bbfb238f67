//! Configuration layers: the built-in packs, then the user's (`~/.mstro`, or
//! `$MSTRO_HOME`), then the project's (`<project>/.mstro`).
//!
//! Each scope has a `bouncer.yaml` ([`ConfigFile`]) and a `rules/` directory of packs.
//! A project may only tighten: it can add `review` and `deny` rules, nothing else.
//! Switching a rule off is a user decision, and a `critical` rule only goes off by an
//! explicit `critical_overrides` entry whose every use is reported.
//!
//! Loading never half-succeeds: any problem is a [`ConfigError`] naming the file and
//! line, and the hook then fails closed with that message.

mod file;
mod load;
mod relevance;

pub use file::{ConfigFile, ReviewerConfig, ReviewerProvider};
pub use load::{Config, ConfigError, ConfigPaths, LoadedFile, RuleSwitch, SwitchKind};
pub use relevance::relevance_of;
