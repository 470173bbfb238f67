//! Writing a state file so that a reader (or a crash) sees the old content or the new,
//! never a mix: a temporary file in the same directory, fsync, rename, fsync of the
//! directory (so the rename itself survives a power cut). A crash between the first
//! steps leaves a `.tmp-*.part` file; [`sweep_leftovers`] removes old ones.

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

/// How old a leftover temporary file must be before it is swept: older than any
/// write in progress.
pub const LEFTOVER_AGE: Duration = Duration::from_secs(10 * 60);

/// Write `bytes` to `path` atomically with `mode` (unix permissions) from the start: the
/// temporary file is created with it, so a secret is never readable by others, even
/// briefly.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-").suffix(".part");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(mode));
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = builder.tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Remove the `.tmp-*.part` files [`write_atomic`] left in `dir` when it was
/// interrupted, if older than `age`. Only regular files are removed (never what a
/// symlink points to); how many were.
pub fn sweep_leftovers(dir: &Path, age: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(".tmp-") && name.ends_with(".part")) {
            continue;
        }
        // `DirEntry::metadata` does not follow symlinks.
        let old = entry.metadata().is_ok_and(|m| {
            m.file_type().is_file()
                && m.modified()
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|e| e >= age)
        });
        if old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_with_the_mode_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomic(&path, b"one", 0o600).unwrap();
        write_atomic(&path, b"two", 0o600).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn only_old_leftover_part_files_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for name in [".tmp-old.part", ".tmp-new.part", "state.json", "x.part"] {
            std::fs::write(d.join(name), "x").unwrap();
        }
        let target = d.join("kept-target");
        std::fs::write(&target, "keep").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, d.join(".tmp-link.part")).unwrap();
        let old = std::time::SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(d.join(".tmp-old.part"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert_eq!(sweep_leftovers(d, LEFTOVER_AGE), 1);
        assert!(!d.join(".tmp-old.part").exists());
        for kept in [".tmp-new.part", "state.json", "x.part", "kept-target"] {
            assert!(d.join(kept).exists(), "{kept}");
        }
        assert_eq!(
            sweep_leftovers(d, Duration::ZERO),
            1,
            "the new one, not the link"
        );
        assert!(target.exists());
    }
}
