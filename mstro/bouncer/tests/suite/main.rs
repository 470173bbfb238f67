//! The bouncer's integration tests, one module per contract, in one test binary:
//! each `tests/*.rs` used to be its own binary linking the whole crate, which made the
//! suite slow to build. Each module's own documentation says what it covers.

mod common;

mod audit_cli;
mod check_contract;
mod claude_hook;
mod claude_review;
mod fuzz_regressions;
mod hook_config;
mod hook_golden;
mod hook_in_mstro_run;
mod hook_properties;
mod install_doctor;
mod judgement_cache;
mod mcp_audit;
mod packs_cli;
mod reviewer_policy;
mod scan_contract;
mod scan_corpus;
mod scan_review;
