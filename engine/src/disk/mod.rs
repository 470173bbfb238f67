//! What the engine reads of the filesystem while it judges, through one door.
//!
//! A judgement is a function of the call, the configuration, and the files the engine
//! looks at on the way: the script a command runs, the Makefile its target is in, the
//! manifests of a cargo workspace, where a symbolic link leads. Every such look goes
//! through this module, which can record it as a [`Probe`] and what it saw
//! ([`recording`]); [`still_holds`] looks again. A consumer that keeps a judgement
//! between processes (the hook's judgement cache) reuses it only while every probe
//! sees what it saw then, which is exactly what judging again would see.
//!
//! A new way for the engine to look at the disk must be added here, as a probe:
//! anything read around this module would make a kept judgement stale without
//! anyone noticing.

mod probe;
mod record;

pub use probe::{Observation, Probe};
pub use record::{Recorded, recording, still_holds};

pub(crate) use probe::{exists, glob, is_compiled, is_file, read_text, real_path};
