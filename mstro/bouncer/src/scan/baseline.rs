//! Baselines: known findings, by fingerprint, that a scan does not report again.
//!
//! A fingerprint is the SHA-256 of the file's path (relative to the scan root), the
//! explaining rule id and the command text that decided, with whitespace collapsed. No
//! line number: a finding keeps its fingerprint when lines are added above it or its
//! YAML is re-indented, and loses it when the command itself changes. Two identical
//! commands under the same rule in one file share a fingerprint.
//!
//! The file is JSON, sorted, so that it diffs well in review:
//! `{"version": 1, "findings": [{"fingerprint", "file", "rule_id", "command"}]}`; only
//! `fingerprint` is read back, the rest is there for people.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::finding::Finding;

const VERSION: u32 = 1;

#[derive(Debug, Error)]
pub enum BaselineError {
    #[error("cannot read baseline {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("baseline {} is not a baseline file: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("baseline {} has version {found}; this mstro-bouncer reads version {VERSION}", path.display())]
    Version { path: PathBuf, found: u32 },
    #[error("cannot write baseline {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} exists and is not a baseline; not replacing it (give a new file, or remove it first)", path.display())]
    NotABaseline { path: PathBuf },
}

#[derive(Debug, Serialize, Deserialize)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    fingerprint: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    rule_id: String,
    #[serde(default)]
    command: String,
}

/// The fingerprint of a finding (see the module documentation).
pub fn fingerprint(file: &str, rule_id: &str, command: &str) -> String {
    let normalised = command.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut h = Sha256::new();
    for part in [file, rule_id, &normalised] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprints in a baseline file.
pub fn load(path: &Path) -> Result<HashSet<String>, BaselineError> {
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
        path: path.to_owned(),
        source,
    })?;
    let file: File = serde_json::from_str(&text).map_err(|source| BaselineError::Parse {
        path: path.to_owned(),
        source,
    })?;
    if file.version != VERSION {
        return Err(BaselineError::Version {
            path: path.to_owned(),
            found: file.version,
        });
    }
    Ok(file.findings.into_iter().map(|e| e.fingerprint).collect())
}

/// Write the findings' fingerprints, atomically (a temporary file renamed over). An
/// existing file is only replaced when it is a baseline itself: a mistyped path must
/// not clobber, say, `~/.claude/settings.json`.
pub fn write(path: &Path, findings: &[Finding]) -> Result<(), BaselineError> {
    if std::fs::symlink_metadata(path).is_ok() && load(path).is_err() {
        return Err(BaselineError::NotABaseline {
            path: path.to_owned(),
        });
    }
    let mut entries: Vec<Entry> = findings
        .iter()
        .map(|f| Entry {
            fingerprint: f.fingerprint.clone(),
            file: f.file.clone(),
            rule_id: f.rule_id.clone(),
            command: f.command.clone(),
        })
        .collect();
    entries.sort_by(|a, b| {
        (&a.file, &a.rule_id, &a.fingerprint).cmp(&(&b.file, &b.rule_id, &b.fingerprint))
    });
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let file = File {
        version: VERSION,
        findings: entries,
    };
    let err = |source| BaselineError::Write {
        path: path.to_owned(),
        source,
    };
    let mut json = serde_json::to_string_pretty(&file).map_err(|e| err(e.into()))?;
    json.push('\n');
    // A baseline is committed with the project: readable like its other files.
    mstro_fs::write_atomic(path, json.as_bytes(), 0o644).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_spacing_but_not_content() {
        let a = fingerprint("Dockerfile", "r", "rm  -rf\n ~");
        assert_eq!(a, fingerprint("Dockerfile", "r", "rm -rf ~"));
        assert_ne!(a, fingerprint("Dockerfile", "r", "rm -rf /"));
        assert_ne!(a, fingerprint("Makefile", "r", "rm -rf ~"));
        assert_ne!(a, fingerprint("Dockerfile", "s", "rm -rf ~"));
        assert_eq!(a.len(), 64);
        // Stable across releases: a known value.
        assert_eq!(
            fingerprint("a", "b", "c"),
            "13e228567e8249fce53337f25d7970de3bd68ab2653424c7b8f9fd05e33caedf"
        );
    }
}
