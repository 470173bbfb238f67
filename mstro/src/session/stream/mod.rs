//! Claude Code's headless output (`claude -p --output-format stream-json --verbose
//! --include-partial-messages`), parsed and turned into the browser's [`TabEvent`]s.
//!
//! - [`line`]: serde types for one stream-json line, tolerant of fields and line types
//!   added in later Claude Code releases.
//! - [`translate`]: the [`Translator`], which turns the lines of one movement into
//!   `output`, `thinking`, `toolUse` and `streamingTokens` events, each tool phase once
//!   per id, and keeps the `result` line and Claude Code's session id for the runner.
//!
//! [`TabEvent`]: mstro_protocol::event::TabEvent

pub mod line;
pub mod translate;

pub use translate::Translator;
