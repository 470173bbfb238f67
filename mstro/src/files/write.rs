//! `writeFile`: replace a file's content, but only the version the writer edited.
//!
//! The writer sends the hash of what it started from (`baseHash`); the file on disk is
//! hashed and compared before anything is written, and a file that changed meanwhile is
//! a `conflict` carrying the hash it has now, never a silent overwrite. The new content
//! goes into a temporary file beside it with the old file's permission bits, is flushed,
//! and is renamed over the old one: a reader sees the old content or the new. Just
//! before the rename the file is looked at once more (same inode, size and change
//! time as when it was hashed), which leaves a window of one system call for a writer
//! outside mstro; writers through this machine are serialised by `Files`.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use mstro_fs::beneath::{Kind, Meta};
use mstro_fs::{PathError, Workspace};
use mstro_protocol::files::Written;

use super::create::{check_size, make_parents, put_new_file};
use super::{FileOpError, guard_destination, hash, io_err};

/// `writeFile {path, content, baseHash?}`.
pub fn write_file(
    ws: &Workspace,
    path: &str,
    content: &[u8],
    base_hash: Option<&str>,
) -> Result<Written, FileOpError> {
    check_size(content)?;
    let written = Written {
        path: String::new(),
        hash: hash::of_bytes(content),
        size: content.len() as u64,
    };
    let Some(base) = base_hash else {
        return create_only(ws, path, content, written);
    };
    if !hash::is_well_formed(base) {
        return Err(FileOpError::Invalid(
            "baseHash must be the 64 hex digits of a SHA-256 (the hash readFile answered)".into(),
        ));
    }
    // The file as it is now, a link inside followed to its real place.
    let target = match ws.resolve(path) {
        Ok(target) => target,
        Err(PathError::NotFound(_)) => {
            return Err(FileOpError::Conflict {
                path: path.to_owned(),
                current_hash: None,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let shown = ws.display(&target);
    guard_destination(ws, &target)?;
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(FileOpError::IsADirectory(shown));
    };
    if target == ws.root() {
        return Err(FileOpError::IsADirectory(shown));
    }
    let dir = ws.open_dir(parent)?;
    let (current, before) = match current_version(&dir, name, &shown)? {
        Some(version) => version,
        None => {
            return Err(FileOpError::Conflict {
                path: shown,
                current_hash: None,
            });
        }
    };
    if !current.eq_ignore_ascii_case(base) {
        return Err(FileOpError::Conflict {
            path: shown,
            current_hash: Some(current),
        });
    }

    let (temp, mut file) = dir
        .create_temp(0o600)
        .map_err(io_err("create a file beside", &shown))?;
    // Its old permission bits exactly (no umask), less set-user/group-id, which a
    // write by anyone but root clears too.
    let mode = before.mode & 0o1777;
    let replaced = file
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .and_then(|()| file.write_all(content))
        .and_then(|()| file.sync_all())
        .map_err(io_err("write", &shown))
        .and_then(|()| {
            // The last look: still the file that was hashed?
            let now = dir.meta(name).map_err(io_err("look at", &shown))?;
            if now.is_none_or(|now| !unchanged(&before, &now)) {
                let current_hash = current_version(&dir, name, &shown)
                    .ok()
                    .flatten()
                    .map(|(hash, _)| hash);
                return Err(FileOpError::Conflict {
                    path: shown.clone(),
                    current_hash,
                });
            }
            dir.rename(&temp, &dir, name, true)
                .map_err(io_err("replace", &shown))
        });
    if replaced.is_err() {
        let _ = dir.remove_file(&temp);
    }
    replaced?;
    let _ = dir.sync();
    Ok(Written {
        path: shown,
        ..written
    })
}

/// Without `baseHash`: the file must not exist; it is created (with its missing
/// parents). One that exists is a conflict, with its hash.
fn create_only(
    ws: &Workspace,
    path: &str,
    content: &[u8],
    written: Written,
) -> Result<Written, FileOpError> {
    let new = ws.resolve_new(path)?;
    let target = new.path();
    guard_destination(ws, &target)?;
    let shown = ws.display(&target);
    let dir = make_parents(ws, &new)?;
    match put_new_file(&dir, new.name(), content, 0o666, &shown) {
        Ok(()) => Ok(Written {
            path: shown,
            ..written
        }),
        Err(FileOpError::AlreadyExists(_)) => {
            let current = current_version(&dir, new.name(), &shown)?;
            Err(FileOpError::Conflict {
                path: shown,
                current_hash: current.map(|(hash, _)| hash),
            })
        }
        Err(e) => Err(e),
    }
}

/// The hash and metadata of the regular file `name` in `dir`, not following a link;
/// `None` when nothing is there. A directory, a link or a special file is refused.
fn current_version(
    dir: &mstro_fs::beneath::Dir,
    name: &std::ffi::OsStr,
    shown: &str,
) -> Result<Option<(String, Meta)>, FileOpError> {
    let Some(meta) = dir.meta(name).map_err(io_err("look at", shown))? else {
        return Ok(None);
    };
    match meta.kind {
        Kind::File => {}
        Kind::Dir => return Err(FileOpError::IsADirectory(shown.to_owned())),
        Kind::Symlink => return Err(PathError::Changed(shown.to_owned()).into()),
        Kind::Other => {
            return Err(FileOpError::Invalid(format!(
                "{shown} is not a regular file (a FIFO, socket or device)"
            )));
        }
    }
    let file = match dir.open_read(name) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileOpError::io("read", shown, e)),
    };
    let opened = file.metadata().map_err(io_err("read", shown))?;
    if !opened.is_file() {
        return Err(PathError::Changed(shown.to_owned()).into());
    }
    let Some(hash) =
        hash::of_reader(&file, hash::MAX_HASHED_BYTES).map_err(io_err("read", shown))?
    else {
        return Err(FileOpError::Limit(format!(
            "{shown} is larger than {} MiB, more than the machine checks before replacing it",
            hash::MAX_HASHED_BYTES / (1024 * 1024)
        )));
    };
    Ok(Some((hash, meta)))
}

/// The same file, untouched since `before` (no write, rename or permission change).
fn unchanged(before: &Meta, now: &Meta) -> bool {
    now.same_file(before)
        && now.size == before.size
        && now.modified == before.modified
        && now.changed == before.changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::create::tests::{Fixture, code, mode};
    use std::fs;
    use std::os::unix::fs::symlink;

    fn conflict_hash(result: Result<Written, FileOpError>) -> Option<String> {
        match result {
            Err(FileOpError::Conflict { current_hash, .. }) => current_hash,
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    #[test]
    fn writes_the_version_it_was_given_and_returns_the_next() {
        let f = Fixture::new();
        f.write("notes.md", "one\n");
        let base = hash::of_bytes(b"one\n");
        let written = write_file(&f.ws, "notes.md", b"two\n", Some(&base)).unwrap();
        assert_eq!(written.path, "notes.md");
        assert_eq!(written.hash, hash::of_bytes(b"two\n"));
        assert_eq!(written.size, 4);
        assert_eq!(f.read("notes.md"), "two\n");
        // The returned hash is the next base; uppercase is the same hash.
        write_file(
            &f.ws,
            "notes.md",
            b"three\n",
            Some(&written.hash.to_uppercase()),
        )
        .unwrap();
        assert_eq!(f.read("notes.md"), "three\n");
        f.no_leftovers();
    }

    #[test]
    fn a_file_changed_meanwhile_is_a_conflict_with_its_current_hash() {
        let f = Fixture::new();
        f.write("notes.md", "one\n");
        let base = hash::of_bytes(b"one\n");
        // Claude Code (or anyone) changes it after the browser read it.
        f.write("notes.md", "theirs\n");
        let err = write_file(&f.ws, "notes.md", b"mine\n", Some(&base)).unwrap_err();
        assert_eq!(err.code().as_str(), "conflict");
        assert_eq!(
            err.to_string(),
            "notes.md changed since the version you edited (or was created meanwhile); nothing was written"
        );
        assert_eq!(
            conflict_hash(Err(err)).as_deref(),
            Some(hash::of_bytes(b"theirs\n").as_str())
        );
        assert_eq!(f.read("notes.md"), "theirs\n", "never a silent overwrite");
        // Removed meanwhile: a conflict with no current hash.
        fs::remove_file(f.root().join("notes.md")).unwrap();
        assert_eq!(
            conflict_hash(write_file(&f.ws, "notes.md", b"x", Some(&base))),
            None
        );
        assert!(!f.exists("notes.md"));
        f.no_leftovers();
    }

    #[test]
    fn without_a_base_it_only_creates() {
        let f = Fixture::new();
        let written = write_file(&f.ws, "new/file.txt", b"fresh", None).unwrap();
        assert_eq!(written.path, "new/file.txt");
        assert_eq!(f.read("new/file.txt"), "fresh");
        let again = write_file(&f.ws, "new/file.txt", b"other", None);
        assert_eq!(conflict_hash(again).unwrap(), hash::of_bytes(b"fresh"));
        assert_eq!(f.read("new/file.txt"), "fresh");
        fs::create_dir(f.root().join("dir")).unwrap();
        assert_eq!(code(write_file(&f.ws, "dir", b"x", None)), "is_a_directory");
    }

    #[test]
    fn keeps_the_mode() {
        let f = Fixture::new();
        f.write("run.sh", "#!/bin/sh\n");
        let path = f.root().join("run.sh");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o751)).unwrap();
        let base = hash::of_bytes(b"#!/bin/sh\n");
        write_file(&f.ws, "run.sh", b"#!/bin/sh\necho hi\n", Some(&base)).unwrap();
        assert_eq!(mode(&path), 0o751);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let base = hash::of_bytes(b"#!/bin/sh\necho hi\n");
        write_file(&f.ws, "run.sh", b"x", Some(&base)).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn what_is_refused() {
        let f = Fixture::new();
        f.write("a.txt", "a");
        let base = hash::of_bytes(b"a");
        assert_eq!(
            code(write_file(&f.ws, "a.txt", b"x", Some("abc"))),
            "malformed"
        );
        assert_eq!(
            code(write_file(&f.ws, "../a.txt", b"x", Some(&base))),
            "outside_workspace"
        );
        assert_eq!(
            code(write_file(&f.ws, "/etc/passwd", b"x", Some(&base))),
            "outside_workspace"
        );
        assert_eq!(
            code(write_file(&f.ws, "", b"x", Some(&base))),
            "is_a_directory"
        );
        assert_eq!(code(write_file(&f.ws, "", b"x", None)), "malformed");
        assert_eq!(
            code(write_file(&f.ws, "new\nline", b"x", None)),
            "malformed"
        );
        let big = vec![b'a'; mstro_protocol::files::MAX_WRITE_BYTES + 1];
        assert_eq!(
            code(write_file(&f.ws, "a.txt", &big, Some(&base))),
            "limit_reached"
        );
        assert_eq!(f.read("a.txt"), "a");
        // Links out: neither as the file nor on the way.
        symlink(f.base.join("outside/secret"), f.root().join("s")).unwrap();
        let secret = hash::of_bytes(b"secret");
        assert_eq!(
            code(write_file(&f.ws, "s", b"x", Some(&secret))),
            "outside_workspace"
        );
        f.link_out("out");
        assert_eq!(
            code(write_file(&f.ws, "out/secret", b"x", Some(&secret))),
            "outside_workspace"
        );
        assert_eq!(
            code(write_file(&f.ws, "out/new", b"x", None)),
            "outside_workspace"
        );
        f.outside_untouched();
    }

    #[test]
    fn an_inside_link_writes_its_target_and_stays_a_link() {
        let f = Fixture::new();
        f.write("real.txt", "real");
        symlink("real.txt", f.root().join("alias")).unwrap();
        let written = write_file(&f.ws, "alias", b"new", Some(&hash::of_bytes(b"real"))).unwrap();
        assert_eq!(written.path, "real.txt");
        assert_eq!(f.read("real.txt"), "new");
        assert!(
            fs::symlink_metadata(f.root().join("alias"))
                .unwrap()
                .is_symlink()
        );
    }

    #[test]
    fn a_file_swapped_for_a_link_after_the_check_is_refused() {
        let f = Fixture::new();
        f.write("d/a.txt", "a");
        let dir = f.ws.open_dir(&f.root().join("d")).unwrap();
        fs::remove_file(f.root().join("d/a.txt")).unwrap();
        symlink(f.base.join("outside/secret"), f.root().join("d/a.txt")).unwrap();
        let err = current_version(&dir, std::ffi::OsStr::new("a.txt"), "d/a.txt").unwrap_err();
        assert_eq!(err.code().as_str(), "outside_workspace", "{err}");
        f.outside_untouched();
    }

    #[test]
    fn unchanged_needs_the_same_inode_size_and_times() {
        let f = Fixture::new();
        f.write("a", "1");
        let dir = f.ws.open_dir(&f.root()).unwrap();
        let name = std::ffi::OsStr::new("a");
        let before = dir.meta(name).unwrap().unwrap();
        assert!(unchanged(&before, &dir.meta(name).unwrap().unwrap()));
        // Same size, new content: the change time moves.
        std::thread::sleep(std::time::Duration::from_millis(20));
        f.write("a", "2");
        assert!(!unchanged(&before, &dir.meta(name).unwrap().unwrap()));
        let before = dir.meta(name).unwrap().unwrap();
        f.write("b", "2");
        fs::rename(f.root().join("b"), f.root().join("a")).unwrap();
        assert!(!unchanged(&before, &dir.meta(name).unwrap().unwrap()));
    }
}
