//! `mstro-engine`: decides whether a tool call an AI coding agent wants to make may run.
//!
//! A tool call becomes an [`Operation`](operation::Operation). A Bash command is parsed
//! once into [invocations](shell::Invocation) by the [shell model](shell). Each
//! invocation, and each other operation, is judged by [compiled rules](rules) from the
//! [rule packs](pack) into a [`Judgement`](verdict::Judgement): `allow`, `review` or
//! `deny`, with the rules, reason, safer alternative, severity and span behind it.
//! [`policy`] turns a judgement into what a consumer does in its mode.
//!
//! The engine never fails open: what it cannot read, it does not allow.

pub mod config;
pub mod disk;
mod engine;
mod executed;
pub mod explain;
pub mod extract;
mod help_only;
pub mod operation;
pub mod pack;
pub mod path;
pub mod policy;
pub mod review;
pub mod rules;
pub mod secrets;
pub mod shell;
pub mod span;
pub mod verdict;

pub use config::{Config, ConfigError, ConfigPaths};
pub use engine::{Engine, EngineError, Evaluation};
pub use operation::{Operation, ToolCall, ToolKind};
pub use path::PathEnv;
pub use policy::{Layer, Mode, Outcome, Policy, Resolution, Reviewed};
pub use verdict::{Basis, Judgement, Severity, Verdict};
