//! Which files a scan reads: the paths given, with directories walked by ripgrep's
//! walker (the `ignore` crate), so that what git ignores (build output) is skipped.
//! But every file git tracks is read, ignored or not, and `.ignore` files are not
//! honoured: a change under review must not be able to hide a file from the scan by
//! listing it. Hidden files are walked (`.github/`, `.gitlab-ci.yml` are hidden);
//! `.git` and `node_modules` never are.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use super::sources::SourceKind;

/// A file found on disk.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    /// Its kind by name; `None` when only its first line can tell.
    pub kind: Option<SourceKind>,
    /// Named on the command line (so it is scanned even if ignored, and an
    /// unrecognised kind is an error rather than skipped).
    pub explicit: bool,
}

/// A path that could not be walked.
#[derive(Debug, Clone)]
pub struct WalkError {
    pub path: Option<PathBuf>,
    pub message: String,
}

/// Directories never entered: git's own, and installed dependencies.
const SKIPPED_DIRS: [&str; 2] = [".git", "node_modules"];

/// Every file under `paths`, in a stable order.
pub fn walk(paths: &[PathBuf]) -> (Vec<Found>, Vec<WalkError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        if root.is_file() {
            found.push(Found {
                path: root.clone(),
                kind: SourceKind::from_path(root),
                explicit: true,
            });
            continue;
        }
        let walker = WalkBuilder::new(root)
            .hidden(false)
            .ignore(false)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && e.file_name()
                        .to_str()
                        .is_some_and(|n| SKIPPED_DIRS.contains(&n)))
            })
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    let path = e.into_path();
                    found.push(Found {
                        kind: SourceKind::from_path(&path),
                        path,
                        explicit: false,
                    });
                }
                Ok(_) => {}
                Err(e) => errors.push(WalkError {
                    path: error_path(&e).map(Path::to_owned),
                    message: e.to_string(),
                }),
            }
        }
        for path in tracked(root) {
            if !found.iter().any(|f| f.path == path) {
                found.push(Found {
                    kind: SourceKind::from_path(&path),
                    path,
                    explicit: false,
                });
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    (found, errors)
}

/// The files git tracks under `root`, as paths joined to `root` (none outside a
/// repository, or without git).
fn tracked(root: &Path) -> Vec<PathBuf> {
    let Ok(out) = std::process::Command::new("git")
        .args(["ls-files", "-z", "--"])
        .current_dir(root)
        .stderr(std::process::Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    if !out.status.success() {
        return Vec::new();
    }
    out.stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .filter_map(|p| std::str::from_utf8(p).ok())
        .map(|p| root.join(p))
        .filter(|p| {
            p.components().all(|c| {
                !c.as_os_str()
                    .to_str()
                    .is_some_and(|n| SKIPPED_DIRS.contains(&n))
            }) && std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file())
        })
        .collect()
}

fn error_path(e: &ignore::Error) -> Option<&Path> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// Is this path (as git or the walker names it) inside a skipped directory?
pub fn in_skipped_dir(path: &str) -> bool {
    path.split('/')
        .rev()
        .skip(1)
        .any(|c| SKIPPED_DIRS.contains(&c))
}
