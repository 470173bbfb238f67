//! `--staged`: the files in git's index that the next commit adds or changes, with the
//! contents the index holds (which may differ from the working tree), so that a
//! pre-commit hook judges exactly what will be committed.
//!
//! git runs as a subprocess (the porcelain-free plumbing output is stable):
//! `git diff --cached --raw -z --no-renames --diff-filter=d` names the files and
//! their index blobs (renames show as additions, so a moved file is scanned; symlinks
//! and submodules are left out), and one `git cat-file --batch` reads the blobs. Blobs
//! are read as stored, without the textconv or smudge filters `git show` may apply.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StagedError {
    #[error("cannot run git: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("`git {args}` failed: {stderr}")]
    Failed { args: String, stderr: String },
    #[error("unexpected output from `git {0}`")]
    Output(&'static str),
}

/// A file as the index holds it.
#[derive(Debug)]
pub struct StagedFile {
    /// Path relative to the repository's top level, with `/` separators.
    pub path: String,
    pub contents: Vec<u8>,
}

/// The repository's top level and its staged files under `pathspecs` (all when empty),
/// for git run in `dir`.
pub fn staged_files(
    dir: &Path,
    pathspecs: &[PathBuf],
) -> Result<(PathBuf, Vec<StagedFile>), StagedError> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches('\n'));

    let mut args: Vec<&std::ffi::OsStr> = [
        "diff",
        "--cached",
        "--raw",
        "-z",
        "--no-renames",
        "--no-ext-diff",
        "--diff-filter=d",
        "--",
    ]
    .iter()
    .map(std::ffi::OsStr::new)
    .collect();
    args.extend(pathspecs.iter().map(|p| p.as_os_str()));
    let raw = git(dir, &args)?;
    let entries = parse_raw(&raw)?;
    let blobs = cat_blobs(&top, entries.iter().map(|(_, oid)| oid.as_str()))?;
    Ok((
        top,
        entries
            .into_iter()
            .zip(blobs)
            .map(|((path, _), contents)| StagedFile { path, contents })
            .collect(),
    ))
}

/// `:100644 100644 <old> <new> M\0path\0` records: (path, new blob id) of regular and
/// executable files.
fn parse_raw(raw: &[u8]) -> Result<Vec<(String, String)>, StagedError> {
    let mut out = Vec::new();
    let mut fields = raw.split(|&b| b == 0).filter(|f| !f.is_empty());
    while let Some(header) = fields.next() {
        let header = std::str::from_utf8(header).map_err(|_| StagedError::Output("diff --raw"))?;
        let parts: Vec<&str> = header.trim_start_matches(':').split(' ').collect();
        let [_, new_mode, _, new_oid, status] = parts[..] else {
            return Err(StagedError::Output("diff --raw"));
        };
        let path = fields.next().ok_or(StagedError::Output("diff --raw"))?;
        // Copies carry a source and a destination path; the destination is new.
        let path = if status.starts_with('C') {
            fields.next().ok_or(StagedError::Output("diff --raw"))?
        } else {
            path
        };
        if matches!(new_mode, "100644" | "100755") {
            out.push((
                String::from_utf8_lossy(path).into_owned(),
                new_oid.to_owned(),
            ));
        }
    }
    Ok(out)
}

/// Read blobs by id with one `git cat-file --batch`.
fn cat_blobs<'a>(
    top: &Path,
    oids: impl Iterator<Item = &'a str>,
) -> Result<Vec<Vec<u8>>, StagedError> {
    let oids: Vec<&str> = oids.collect();
    if oids.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(StagedError::Spawn)?;
    let mut stdin = child.stdin.take().expect("piped");
    let input: String = oids.iter().map(|o| format!("{o}\n")).collect();
    // Write from another thread: git answers while it reads, and both pipes are finite.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let mut blobs = Vec::with_capacity(oids.len());
    for _ in &oids {
        let mut header = String::new();
        out.read_line(&mut header).map_err(StagedError::Spawn)?;
        // `<oid> blob <size>`
        let size: usize = header
            .split(' ')
            .nth(2)
            .and_then(|s| s.trim().parse().ok())
            .ok_or(StagedError::Output("cat-file --batch"))?;
        let mut blob = vec![0; size];
        out.read_exact(&mut blob).map_err(StagedError::Spawn)?;
        let mut newline = [0];
        out.read_exact(&mut newline).map_err(StagedError::Spawn)?;
        blobs.push(blob);
    }
    let _ = writer.join();
    let status = child.wait().map_err(StagedError::Spawn)?;
    if !status.success() {
        return Err(StagedError::Failed {
            args: "cat-file --batch".to_owned(),
            stderr: String::new(),
        });
    }
    Ok(blobs)
}

fn git<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Result<Vec<u8>, StagedError> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(StagedError::Spawn)?;
    if !out.status.success() {
        return Err(StagedError::Failed {
            args: args
                .iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_records() {
        let raw = b":000000 100644 0000000 1111111 A\0a b.sh\0:100644 100644 2222222 3333333 M\0Makefile\0:120000 120000 4 5 M\0link\0:100644 100644 6 7 C50\0src\0dst.sh\0";
        assert_eq!(
            parse_raw(raw).unwrap(),
            vec![
                ("a b.sh".to_owned(), "1111111".to_owned()),
                ("Makefile".to_owned(), "3333333".to_owned()),
                ("dst.sh".to_owned(), "7".to_owned()),
            ]
        );
        assert!(parse_raw(b"garbage\0").is_err());
    }
}
