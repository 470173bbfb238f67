//! The engine's integration tests, one module per concern, in one test binary (one
//! link of the engine instead of one per file). Each module's own documentation says
//! what it covers.

mod any_case;
mod budgets;
mod config_layers;
mod disk_probes;
mod evasions;
mod executed_files;
mod exfiltration;
mod explain;
mod fuzz_regressions;
mod mcp_arguments;
mod pack_examples;
mod pack_format;
mod parser_crashes;
mod payloads;
mod properties;
mod real_paths;
mod relevance;
mod shell_constructs;
mod soundness;
mod valid_bash;
