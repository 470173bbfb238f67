//! The looks the engine takes at the filesystem, each a [`Probe`] that can be taken
//! again, and the functions the engine calls to take them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::record::note;
use crate::executed::read::{self, ReadError};

/// One look at the filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "probe", content = "at", rename_all = "camelCase")]
pub enum Probe {
    /// Whether something is at the path (links followed).
    Exists(PathBuf),
    /// Whether a regular file is at the path (links followed).
    IsFile(PathBuf),
    /// The text of a file the engine judges (bounded, see `executed::read`).
    Text(PathBuf),
    /// Whether the file is a compiled program, by its first bytes.
    Compiled(PathBuf),
    /// Where an absolute path really leads, its symbolic links followed.
    RealPath(String),
    /// The paths a glob pattern matches, in order, at most a bound of them.
    Glob { pattern: String, limit: usize },
}

/// A probe and what it saw: a short text, or a SHA-256 of a file's text (so that a
/// file cannot be swapped for another that merely collides in a weaker hash).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Observation {
    pub probe: Probe,
    pub saw: String,
}

impl Probe {
    /// Take this look now, and say what it sees (in [`Observation::saw`]'s form).
    pub fn look(&self) -> String {
        match self {
            Probe::Exists(p) => p.exists().to_string(),
            Probe::IsFile(p) => p.is_file().to_string(),
            Probe::Text(p) => text_seen(&read::read_bounded(p)),
            Probe::Compiled(p) => format!("{:?}", read::is_compiled(p)),
            Probe::RealPath(p) => format!("{:?}", crate::path::links::walk(p)),
            Probe::Glob { pattern, limit } => format!("{:?}", glob_now(pattern, *limit)),
        }
    }
}

fn text_seen(result: &Result<Option<String>, ReadError>) -> String {
    match result {
        Ok(Some(text)) => {
            let digest = Sha256::digest(text.as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            format!("text {hex}")
        }
        Ok(None) => "absent".to_owned(),
        Err(e) => format!("error {e:?}"),
    }
}

fn glob_now(pattern: &str, limit: usize) -> Option<Vec<PathBuf>> {
    let paths = ::glob::glob(pattern).ok()?;
    Some(paths.flatten().take(limit).collect())
}

/// `path.exists()`, recorded.
pub(crate) fn exists(path: &Path) -> bool {
    let seen = path.exists();
    note(|| Probe::Exists(path.to_owned()), || seen.to_string());
    seen
}

/// `path.is_file()`, recorded.
pub(crate) fn is_file(path: &Path) -> bool {
    let seen = path.is_file();
    note(|| Probe::IsFile(path.to_owned()), || seen.to_string());
    seen
}

/// The text of a file the engine judges ([`read::read_bounded`]), recorded.
pub(crate) fn read_text(path: &Path) -> Result<Option<String>, ReadError> {
    let seen = read::read_bounded(path);
    note(|| Probe::Text(path.to_owned()), || text_seen(&seen));
    seen
}

/// Whether the file is a compiled program ([`read::is_compiled`]), recorded.
pub(crate) fn is_compiled(path: &Path) -> Result<bool, ReadError> {
    let seen = read::is_compiled(path);
    note(|| Probe::Compiled(path.to_owned()), || format!("{seen:?}"));
    seen
}

/// Where `abs` really leads ([`crate::path::real_path`]), recorded.
pub(crate) fn real_path(abs: &str) -> Option<String> {
    let seen = crate::path::links::walk(abs);
    note(|| Probe::RealPath(abs.to_owned()), || format!("{seen:?}"));
    seen
}

/// The first `limit` paths `pattern` matches; `None` when it is no valid pattern.
/// Recorded.
pub(crate) fn glob(pattern: &str, limit: usize) -> Option<Vec<PathBuf>> {
    let seen = glob_now(pattern, limit);
    note(
        || Probe::Glob {
            pattern: pattern.to_owned(),
            limit,
        },
        || format!("{seen:?}"),
    );
    seen
}
