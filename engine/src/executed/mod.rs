//! What a command runs from disk. `python3 tidy.py`, `./deploy.sh`, `source env.sh` and
//! `npm test` run code the command line does not show; the engine reads that code
//! (bounded, never running anything) and judges it like the command itself, so that a
//! script written in one step and run in the next is judged when it runs.
//!
//! - [`target`]: which file an invocation runs, and as what.
//! - [`package`]: the scripts `npm`/`pnpm`/`yarn`/`bun` run from `package.json`.
//! - [`tasks`]: the file and targets `make`, `just` and `task` run; [`make`] judges a
//!   Makefile's recipes, [`just`] a justfile's, [`taskfile`] a Taskfile's.
//! - [`cargo`]: the build scripts `cargo build`/`test`/`run` compile and run.
//! - [`local_package`]: the `bin` of a package run by its path (`npx ./tool`).
//! - [`read`]: reading a file with a size bound, refusing what is not a regular file.
//! - [`judge`]: the file's code judged by the engine, as the verdict of the command.
//! - [`written`]: the same for code a Write or Edit leaves in a file: scripts, sources,
//!   `package.json` scripts, and every recipe of a Makefile, justfile or Taskfile, a
//!   cargo build script, the tasks of a `.vscode/tasks.json` ([`vscode`]).

mod cargo;
mod judge;
mod just;
mod local_package;
mod make;
mod notebook;
mod package;
mod pipeline;
pub(crate) mod read;
mod target;
mod taskfile;
mod tasks;
mod vscode;
mod written;

pub(crate) use judge::{FileVerdict, judge_files};
pub(crate) use notebook::{judge_edited_cell, judge_notebook};
pub(crate) use pipeline::{is_pipeline, judge_pipeline};
pub(crate) use written::{after_edit, judge_written};

/// Whether `inv` runs a file that is there to be read, whose code any rule may be
/// about. One that cannot be located or read is reviewed without any rule.
pub(crate) fn runs_a_file(inv: &crate::shell::Invocation) -> bool {
    matches!(target::runs(inv), Some(Ok(r)) if crate::disk::exists(&r.path))
}

/// Whether a file at `path` holding `text` is code the engine judges when it is written.
pub(crate) fn is_code(path: &str, text: &str) -> bool {
    written::runs_as(path, text).is_some()
}
