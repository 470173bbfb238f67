//! The audit log: every decision the hook and the MCP permission tool make, one JSON
//! line each in `~/.mstro/logs/bouncer-audit.jsonl`, and `mstro-bouncer audit` to read
//! it.

mod log;
mod record;
mod redact;
mod view;

pub use log::AuditLog;
pub use record::AuditRecord;
pub use view::run;
