//! Opening files in places someone else may control (a cloned project, a shared
//! temporary directory) without being led elsewhere: a symbolic link in the final
//! component is refused (`O_NOFOLLOW`), a FIFO in a file's place does not hang the open
//! (`O_NONBLOCK`, which regular files ignore), and what is created is the owner's alone.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Opens `path` for reading, refusing a symbolic link as its final component (an error,
/// `ELOOP` on Linux) and not blocking on a FIFO. The caller still checks that what it
/// opened is a regular file (`file.metadata()`), since a FIFO or a device opens.
pub fn open_read_no_follow(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Options that create a file readable by its owner only (0600) and refuse a symbolic
/// link as the final component. Add the access mode (`append`, `write`, `read`).
pub fn private_file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options
}

/// Writes `bytes` to a new file at `path` (0600, an existing file or link is an error)
/// and flushes it to disk before returning.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = private_file_options();
    options.write(true).create_new(true);
    let mut out = options.open(path)?;
    out.write_all(bytes)?;
    out.sync_all()
}

/// Creates `path` if it is missing and makes it 0600 either way, so that a program that
/// opens it later (SQLite) finds it private rather than creating it with the umask's
/// mode. A symbolic link at `path` is refused.
pub fn ensure_private_file(path: &Path) -> io::Result<()> {
    let file = private_file_options()
        .read(true)
        .write(true)
        .truncate(false)
        .open(path)?;
    // An existing file keeps its mode through open(); tighten it as well.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    drop(file);
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    #[test]
    fn a_link_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"secret").unwrap();
        let link = dir.path().join("link");
        symlink(&target, &link).unwrap();
        let before = mode(&target);
        assert!(open_read_no_follow(&link).is_err());
        assert!(write_new_private(&link, b"x").is_err());
        assert!(ensure_private_file(&link).is_err());
        assert!(private_file_options().append(true).open(&link).is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"secret");
        assert_eq!(mode(&target), before, "the link's target is untouched");
    }

    #[test]
    fn a_fifo_does_not_hang_the_open() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo on a NUL-terminated path we own.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let file = open_read_no_follow(&fifo).unwrap();
        assert!(!file.metadata().unwrap().is_file());
    }

    #[test]
    fn what_is_created_is_private_and_new() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new");
        write_new_private(&path, b"one").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        assert_eq!(mode(&path), 0o600);
        assert!(
            write_new_private(&path, b"two").is_err(),
            "never overwrites"
        );
        let db = dir.path().join("db");
        std::fs::write(&db, b"").unwrap();
        std::fs::set_permissions(&db, PermissionsExt::from_mode(0o644)).unwrap();
        ensure_private_file(&db).unwrap();
        assert_eq!(mode(&db), 0o600, "an existing file is tightened");
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }
}
