//! `mstro-bouncer`: the engine's command line. `hook` for Claude Code's PreToolUse
//! hook, `check` for CI and evaluation harnesses, `scan` for the commands files will
//! run, `explain` for people, `mcp` for the sessions `mstro` runs (it reports what it
//! decided, and asks the owner to approve, through [`run_channel`]).

mod audit;
mod cache_dir;
mod call_digest;
mod check;
pub mod cli;
mod configured;
mod explain;
pub mod hook;
pub mod install;
mod mcp;
mod overrides;
pub mod packs;
pub(crate) mod review;
pub mod run_channel;
pub(crate) mod scan;

/// Entry points of the fuzz targets in `fuzz/`, also run on their findings by the test
/// suite (`mstro/bouncer/tests/suite/fuzz_regressions.rs`). Not an API.
#[doc(hidden)]
pub mod fuzzing;

use clap::Parser;

pub use cli::{Cli, Command};

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // The hook must answer Claude Code even when invoked wrongly.
            if std::env::args().nth(1).as_deref() == Some("hook") {
                return hook::fail_closed(&format!(
                    "mstro-bouncer hook was called with bad arguments: {}",
                    e.kind()
                ));
            }
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Hook(args) => hook::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Packs(command) => packs::run(&command),
        Command::Install(args) => install::install(&args),
        Command::Uninstall(args) => install::uninstall(&args),
        Command::Doctor => install::doctor::run(),
        Command::Scan(args) => scan::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Mcp(args) => mcp::run(&args),
    }
}
