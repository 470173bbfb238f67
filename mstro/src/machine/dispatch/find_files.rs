//! `findFiles`: the workspace's files whose paths match what a person typed after `@`
//! in the prompt, best first ([`fuzzy`](super::fuzzy) ranks them).
//!
//! The walk is the `ignore` crate's, as ripgrep's: `.gitignore` (also outside a git
//! repository, and those of the directories above the workspace, which can only leave
//! more out), `.ignore` and git's exclude files are honoured, hidden files and
//! directories are skipped (`.git`, `.mstro`, `.env`), and symbolic links are never
//! followed: a link is listed only when it leads to somewhere inside the workspace
//! ([`Workspace::resolve`]), and a directory reached only through a link is not
//! entered. It is bounded: at most [`MAX_WALKED`] entries and [`TIME_BUDGET`] of
//! walking, after which the answer says `truncated`.

use std::path::Path;
use std::time::{Duration, Instant};

use mstro_fs::Workspace;
use mstro_protocol::reply::{EntryKind, FoundFile, FoundFiles};

use super::fuzzy::{self, Query, Rank};

/// The longest query taken, in bytes.
pub const MAX_QUERY_BYTES: usize = 256;
/// Files answered by default, and at most.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;
/// The most directory entries one search looks at.
pub const MAX_WALKED: usize = 100_000;
/// The longest one search walks.
pub const TIME_BUDGET: Duration = Duration::from_secs(2);

/// How far one search may go.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub max_walked: usize,
    pub time: Duration,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds {
            max_walked: MAX_WALKED,
            time: TIME_BUDGET,
        }
    }
}

/// Why a query was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FindError {
    #[error("the query is longer than {MAX_QUERY_BYTES} bytes")]
    QueryTooLong,
}

/// `findFiles {query, limit?}`: up to `limit` (clamped to 1..=[`MAX_LIMIT`]) files
/// matching `query`, best first; ties by path.
pub fn find_files(
    ws: &Workspace,
    query: &str,
    limit: Option<usize>,
    bounds: Bounds,
) -> Result<FoundFiles, FindError> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(FindError::QueryTooLong);
    }
    let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let query = Query::new(query.trim());
    let root = ws.root();
    let started = Instant::now();
    let mut walked = 0usize;
    let mut truncated = false;
    let mut hits: Vec<(Rank, String, EntryKind)> = Vec::new();
    let walk = ignore::WalkBuilder::new(root)
        .hidden(true)
        .follow_links(false)
        .require_git(false)
        .build();
    for entry in walk {
        // An unreadable directory or a broken ignore file: the rest is still searched.
        let Ok(entry) = entry else { continue };
        if entry.depth() == 0 {
            continue;
        }
        walked += 1;
        if walked > bounds.max_walked || started.elapsed() >= bounds.time {
            truncated = true;
            break;
        }
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let kind = if file_type.is_file() {
            EntryKind::File
        } else if file_type.is_symlink() {
            EntryKind::Symlink
        } else {
            continue;
        };
        let Some(path) = relative(root, entry.path()) else {
            continue;
        };
        let Some(rank) = fuzzy::rank(&path, &query) else {
            continue;
        };
        // A link is offered only when it stays inside: the workspace's one
        // confinement function says where it leads.
        if kind == EntryKind::Symlink && ws.resolve(&path).is_err() {
            continue;
        }
        hits.push((rank, path, kind));
    }
    hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    hits.truncate(limit);
    Ok(FoundFiles {
        files: hits
            .into_iter()
            .map(|(_, path, kind)| FoundFile { path, kind })
            .collect(),
        truncated,
    })
}

/// `path` relative to `root`, `/`-separated, if it is UTF-8 (a name that is not
/// could not be typed after `@` anyway).
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    struct Tree {
        _tmp: tempfile::TempDir,
        ws: Workspace,
    }

    fn tree(files: &[&str]) -> Tree {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        fs::create_dir(&root).unwrap();
        for f in files {
            let path = root.join(f);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        let ws = Workspace::new(&root).unwrap();
        Tree { _tmp: tmp, ws }
    }

    fn paths(found: &FoundFiles) -> Vec<&str> {
        found.files.iter().map(|f| f.path.as_str()).collect()
    }

    fn find(t: &Tree, query: &str) -> FoundFiles {
        find_files(&t.ws, query, None, Bounds::default()).unwrap()
    }

    #[test]
    fn finds_across_the_tree_best_first() {
        let t = tree(&[
            "README.md",
            "src/deep/main.rs",
            "src/domain.rs",
            "docs/manual.txt",
            "Cargo.toml",
        ]);
        let found = find(&t, "ma");
        assert_eq!(
            paths(&found),
            ["docs/manual.txt", "src/deep/main.rs", "src/domain.rs"]
        );
        assert!(!found.truncated);
        assert_eq!(found.files[0].kind, EntryKind::File);
        assert_eq!(paths(&find(&t, "deep/MA")), ["src/deep/main.rs"]);
        assert!(find(&t, "zzz").files.is_empty());
    }

    #[test]
    fn gitignored_and_hidden_files_are_left_out() {
        let t = tree(&[
            ".gitignore",
            "target/debug/main.o",
            "logs/main.log",
            "src/main.rs",
            ".git/main",
            ".mstro/history/main.json",
            ".env.main",
            "src/.hidden/main.rs",
        ]);
        fs::write(t.ws.root().join(".gitignore"), "target/\n*.log\n").unwrap();
        assert_eq!(
            paths(&find(&t, "main")),
            ["src/main.rs"],
            "no git repository needed"
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_are_never_followed_and_only_inside_ones_are_listed() {
        use std::os::unix::fs::symlink;
        let t = tree(&["src/main.rs"]);
        let outside = t.ws.root().parent().unwrap().join("outside");
        fs::create_dir_all(outside.join("dir")).unwrap();
        fs::write(outside.join("main-secret.txt"), "s").unwrap();
        fs::write(outside.join("dir/main-deep.txt"), "s").unwrap();
        let root = t.ws.root();
        symlink(outside.join("main-secret.txt"), root.join("main-out.txt")).unwrap();
        symlink(outside.join("dir"), root.join("main-dir")).unwrap();
        symlink(root.join("src/main.rs"), root.join("main-in.rs")).unwrap();
        let found = find(&t, "main");
        assert_eq!(paths(&found), ["src/main.rs", "main-in.rs"]);
        assert_eq!(found.files[1].kind, EntryKind::Symlink);
    }

    #[test]
    fn limits_are_kept_and_said() {
        let names: Vec<String> = (0..30).map(|i| format!("dir{i:02}/file.rs")).collect();
        let t = tree(&names.iter().map(String::as_str).collect::<Vec<_>>());
        let some = find_files(&t.ws, "file", Some(5), Bounds::default()).unwrap();
        assert_eq!(some.files.len(), 5);
        assert!(
            !some.truncated,
            "a limit on results is not a truncated walk"
        );
        assert_eq!(some.files[0].path, "dir00/file.rs", "ties by path");
        let all = find_files(&t.ws, "file", Some(10_000), Bounds::default()).unwrap();
        assert_eq!(all.files.len(), 30, "clamped to at most {MAX_LIMIT}");
        let walked = Bounds {
            max_walked: 10,
            time: TIME_BUDGET,
        };
        let cut = find_files(&t.ws, "file", None, walked).unwrap();
        assert!(cut.truncated);
        assert!(cut.files.len() < 10, "{}", cut.files.len());
        let timed = Bounds {
            max_walked: MAX_WALKED,
            time: Duration::ZERO,
        };
        assert!(find_files(&t.ws, "file", None, timed).unwrap().truncated);
        assert_eq!(
            find_files(
                &t.ws,
                &"a".repeat(MAX_QUERY_BYTES + 1),
                None,
                Bounds::default()
            ),
            Err(FindError::QueryTooLong)
        );
    }
}
