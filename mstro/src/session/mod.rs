//! Sessions (MSTRO.md §6, docs/sessions.md): Claude Code run from a browser, one
//! prompt at a time per tab, every tool call judged by `mstro-bouncer mcp`.
//!
//! - [`tabs`]: the tabs of a machine, their requests, and the run of each prompt.
//! - [`runner`]: one movement: `claude -p` with the bouncer in the loop, to one end.
//! - [`stream`]: Claude Code's stream-json lines, parsed and turned into events.
//! - `mstro_protocol::event`: what a tab streams to browsers; [`coalesce`] batches text
//!   deltas.
//! - [`event_log`]: a tab's recent events, for reconnecting browsers.
//! - `mstro_bouncer::run_channel`: how the bouncer tells the run what it decided and asks the owner to approve.
//! - [`watchdog`]: warn about, then stop, a run that went silent.
//! - [`history`]: one JSON file per session under `<project>/.mstro/history/`.
//! - [`ids`]: tab, session and prompt ids, checked.
//! - [`tab_settings`]: each tab's model and when to ask the owner, kept on disk.

pub mod attachments;
pub mod coalesce;
pub mod event_log;
pub mod history;
pub mod ids;
pub mod runner;
pub mod stream;
pub mod tab_settings;
pub mod tabs;
pub mod watchdog;
