//! Extractors: the commands a runnable definition holds, with where each byte came from.
//! The engine reads executed files with them (`make clean` runs the recipes of a
//! Makefile), and `scan` reads a repository's files with the same ones.
//!
//! - [`MappedText`]: text that remembers, for each byte, its offset in the file.
//! - [`makefile`]: recipes, variables and target selection of a Makefile.

pub mod makefile;
mod mapped;

pub use mapped::MappedText;
