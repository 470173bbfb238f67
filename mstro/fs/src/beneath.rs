//! Changing the workspace through directory descriptors, so that nothing between the
//! confinement check and the change can lead it elsewhere.
//!
//! [`Workspace::open_dir`] opens a canonical directory (from [`Workspace::resolve`],
//! [`Workspace::resolve_entry`] or [`Workspace::resolve_new`]) one component at a time
//! from the root, each with `O_NOFOLLOW | O_DIRECTORY`: a component that became a
//! symbolic link since the check is refused ([`PathError::Changed`]) rather than
//! followed. Every call on the [`Dir`] it returns names one plain component relative to
//! the descriptor and never follows a symbolic link in it: `openat(O_NOFOLLOW)`,
//! `fstatat(AT_SYMLINK_NOFOLLOW)`, `mkdirat`, `renameat2(RENAME_NOREPLACE)`,
//! `unlinkat`, `readlinkat`, `symlinkat`. A directory descriptor stays the same
//! directory whatever happens to the path it was opened by.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path};
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use crate::workspace::{PathError, Workspace};

/// What an entry is, its last component not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// An entry's metadata (`fstatat(AT_SYMLINK_NOFOLLOW)` or `fstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    /// Bytes (of the link itself for a symbolic link).
    pub size: u64,
    /// The permission bits, with set-id and sticky (`& 0o7777`).
    pub mode: u32,
    pub dev: u64,
    pub ino: u64,
    /// Last change of content (seconds, nanoseconds).
    pub modified: (i64, i64),
    /// Last change of content or metadata (seconds, nanoseconds); no call can set it
    /// back, so a file with the same `changed` has not been touched.
    pub changed: (i64, i64),
}

impl Meta {
    fn from_stat(st: &rustix::fs::Stat) -> Meta {
        let kind = match FileType::from_raw_mode(st.st_mode) {
            FileType::RegularFile => Kind::File,
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Symlink,
            _ => Kind::Other,
        };
        #[allow(clippy::useless_conversion)] // The field types differ between platforms.
        Meta {
            kind,
            size: u64::try_from(st.st_size).unwrap_or(0),
            mode: u32::from(st.st_mode) & 0o7777,
            dev: u64::from(st.st_dev),
            ino: u64::from(st.st_ino),
            modified: (
                i64::from(st.st_mtime),
                i64::try_from(st.st_mtime_nsec).unwrap_or(0),
            ),
            changed: (
                i64::from(st.st_ctime),
                i64::try_from(st.st_ctime_nsec).unwrap_or(0),
            ),
        }
    }

    /// The same file (device and inode) as `other`.
    pub fn same_file(&self, other: &Meta) -> bool {
        self.dev == other.dev && self.ino == other.ino
    }
}

/// An open directory of the workspace; every call names one plain component in it.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

impl Workspace {
    /// Opens the canonical directory `dir` (the root or under it, as the `resolve`
    /// functions return) from the root, one component at a time, never following a
    /// symbolic link.
    ///
    /// [`PathError::NotFound`] when a component is gone; [`PathError::NotADirectory`]
    /// when `dir` itself is a file (or anything but a directory or a link);
    /// [`PathError::Changed`] when a component is now a symbolic link (or a directory
    /// in the middle is no longer one); [`PathError::OutsideWorkspace`] for a `dir`
    /// not under the root.
    pub fn open_dir(&self, dir: &Path) -> Result<Dir, PathError> {
        let shown = self.display(dir);
        let relative = dir
            .strip_prefix(self.root())
            .map_err(|_| PathError::OutsideWorkspace(shown.clone()))?;
        let mut names = Vec::new();
        for component in relative.components() {
            match component {
                Component::Normal(name) => names.push(name),
                _ => return Err(PathError::OutsideWorkspace(shown)),
            }
        }
        let fd = rustix::fs::open(
            self.root(),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| PathError::Io(shown.clone(), e.into()))?;
        let mut current = Dir { fd };
        for (i, name) in names.iter().enumerate() {
            match current.open_dir(name) {
                Ok(next) => current = next,
                Err(e) => {
                    let last = i + 1 == names.len();
                    return Err(match e.raw_os_error() {
                        Some(libc::ENOENT) => PathError::NotFound(shown),
                        Some(libc::ELOOP | libc::ENOTDIR | libc::EMLINK) => {
                            match current.meta(name) {
                                Ok(Some(meta)) if last && meta.kind != Kind::Symlink => {
                                    PathError::NotADirectory(shown)
                                }
                                Ok(None) => PathError::NotFound(shown),
                                _ => PathError::Changed(shown),
                            }
                        }
                        _ => PathError::Io(shown, e),
                    });
                }
            }
        }
        Ok(current)
    }
}

/// `name` as one plain component, or an error: the calls below never take a path.
fn plain(name: &OsStr) -> io::Result<&OsStr> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes == b"." || bytes == b".." || bytes.contains(&b'/') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?} is not a single plain name"),
        ));
    }
    Ok(name)
}

impl Dir {
    /// The directory `name` in this one (`O_NOFOLLOW | O_DIRECTORY`: a symbolic link
    /// is an error, `ELOOP` or `ENOTDIR`).
    pub fn open_dir(&self, name: &OsStr) -> io::Result<Dir> {
        let fd = rustix::fs::openat(&self.fd, plain(name)?, DIR_FLAGS, Mode::empty())?;
        Ok(Dir { fd })
    }

    /// `name`'s metadata, not following a symbolic link; `None` when nothing is there.
    pub fn meta(&self, name: &OsStr) -> io::Result<Option<Meta>> {
        match rustix::fs::statat(&self.fd, plain(name)?, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(Meta::from_stat(&st))),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// This directory's own metadata.
    pub fn meta_self(&self) -> io::Result<Meta> {
        Ok(Meta::from_stat(&rustix::fs::fstat(&self.fd)?))
    }

    /// Opens `name` for reading, refusing a symbolic link and not blocking on a FIFO.
    /// The caller checks what it opened (`File::metadata`).
    pub fn open_read(&self, name: &OsStr) -> io::Result<File> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, plain(name)?, flags, Mode::empty())?;
        Ok(File::from(fd))
    }

    /// Creates the file `name`, which must not exist (`O_EXCL`: nothing there, not even
    /// a symbolic link), with `mode` less the umask, open for writing.
    pub fn create_new(&self, name: &OsStr, mode: u32) -> io::Result<File> {
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(
            &self.fd,
            plain(name)?,
            flags,
            Mode::from_raw_mode(mode as _),
        )?;
        Ok(File::from(fd))
    }

    /// Creates a file of a new unguessable name (`.tmp-<random>.part`, what
    /// [`crate::sweep_leftovers`] sweeps) with `mode` less the umask; its name and the
    /// open file.
    pub fn create_temp(&self, mode: u32) -> io::Result<(OsString, File)> {
        let mut last = None;
        for _ in 0..16 {
            let name = temp_name();
            match self.create_new(&name, mode) {
                Ok(file) => return Ok((name, file)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no temporary name was free")))
    }

    /// Creates a directory of a new unguessable name (`.tmp-<random>.part`) with `mode`
    /// less the umask; its name.
    pub fn create_temp_dir(&self, mode: u32) -> io::Result<OsString> {
        let mut last = None;
        for _ in 0..16 {
            let name = temp_name();
            match self.mkdir(&name, mode) {
                Ok(()) => return Ok(name),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no temporary name was free")))
    }

    /// Sets this directory's own permission bits to exactly `mode` (no umask).
    pub fn set_mode(&self, mode: u32) -> io::Result<()> {
        rustix::fs::fchmod(&self.fd, Mode::from_raw_mode(mode as _))?;
        Ok(())
    }

    /// Creates the directory `name` with `mode` less the umask.
    pub fn mkdir(&self, name: &OsStr, mode: u32) -> io::Result<()> {
        rustix::fs::mkdirat(&self.fd, plain(name)?, Mode::from_raw_mode(mode as _))?;
        Ok(())
    }

    /// Moves `name` to `to_name` in `to` (possibly this directory). Without `replace`,
    /// something already at `to_name` is an `AlreadyExists` error, atomically
    /// (`RENAME_NOREPLACE`) where the file system supports it; where it does not (some
    /// network file systems), checked just before: a file made in between is replaced.
    /// With `replace`, a file or an empty directory there is replaced, as `rename(2)`
    /// does.
    pub fn rename(&self, name: &OsStr, to: &Dir, to_name: &OsStr, replace: bool) -> io::Result<()> {
        let (name, to_name) = (plain(name)?, plain(to_name)?);
        if !replace {
            match rename_noreplace(self.fd.as_fd(), name, to.fd.as_fd(), to_name) {
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::EINVAL | libc::ENOSYS | libc::ENOTSUP)
                    ) =>
                {
                    // Not supported here (or a real EINVAL, which the plain rename repeats).
                    if to.meta(to_name)?.is_some() {
                        return Err(io::Error::from(io::ErrorKind::AlreadyExists));
                    }
                }
                other => return other,
            }
        }
        rustix::fs::renameat(&self.fd, name, &to.fd, to_name)?;
        Ok(())
    }

    /// Removes the file (or symbolic link, or other non-directory) `name`.
    pub fn remove_file(&self, name: &OsStr) -> io::Result<()> {
        rustix::fs::unlinkat(&self.fd, plain(name)?, AtFlags::empty())?;
        Ok(())
    }

    /// Removes the empty directory `name`.
    pub fn remove_dir(&self, name: &OsStr) -> io::Result<()> {
        rustix::fs::unlinkat(&self.fd, plain(name)?, AtFlags::REMOVEDIR)?;
        Ok(())
    }

    /// Removes `name` and, if it is a directory, everything in it, never following a
    /// symbolic link; a tree deeper than `max_depth` directories is an error (and left
    /// partly removed).
    pub fn remove_tree(&self, name: &OsStr, max_depth: usize) -> io::Result<()> {
        let Some(meta) = self.meta(name)? else {
            return Ok(());
        };
        if meta.kind != Kind::Dir {
            return self.remove_file(name);
        }
        if max_depth == 0 {
            return Err(io::Error::other("the directory tree is too deep to remove"));
        }
        let dir = self.open_dir(name)?;
        // A directory its owner made read-only (a copied tree, a package cache) must be
        // writable to be emptied.
        if meta.mode & 0o700 != 0o700 {
            let _ = dir.set_mode(meta.mode | 0o700);
        }
        for child in dir.names()? {
            dir.remove_tree(&child?, max_depth - 1)?;
        }
        self.remove_dir(name)
    }

    /// The target of the symbolic link `name`, unresolved.
    pub fn read_link(&self, name: &OsStr) -> io::Result<OsString> {
        let target = rustix::fs::readlinkat(&self.fd, plain(name)?, Vec::new())?;
        Ok(OsString::from_vec(target.into_bytes()))
    }

    /// Makes `name` a symbolic link to `target` (which is not looked at).
    pub fn symlink(&self, target: &OsStr, name: &OsStr) -> io::Result<()> {
        rustix::fs::symlinkat(target, &self.fd, plain(name)?)?;
        Ok(())
    }

    /// The names in this directory (not `.` and `..`), in the order the system gives.
    pub fn names(&self) -> io::Result<impl Iterator<Item = io::Result<OsString>> + use<>> {
        let dir = rustix::fs::Dir::read_from(&self.fd)?;
        Ok(dir.filter_map(|entry| match entry {
            Ok(entry) => {
                let name = entry.file_name().to_bytes();
                (name != b"." && name != b"..").then(|| Ok(OsString::from_vec(name.to_vec())))
            }
            Err(e) => Some(Err(e.into())),
        }))
    }

    /// Flushes the directory itself (a rename or a creation in it) to disk.
    pub fn sync(&self) -> io::Result<()> {
        rustix::fs::fsync(&self.fd)?;
        Ok(())
    }

    /// The descriptor, for calls not wrapped here.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn rename_noreplace(
    from: BorrowedFd<'_>,
    name: &OsStr,
    to: BorrowedFd<'_>,
    to_name: &OsStr,
) -> io::Result<()> {
    rustix::fs::renameat_with(from, name, to, to_name, rustix::fs::RenameFlags::NOREPLACE)?;
    Ok(())
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn rename_noreplace(_: BorrowedFd<'_>, _: &OsStr, _: BorrowedFd<'_>, _: &OsStr) -> io::Result<()> {
    Err(io::Error::from_raw_os_error(libc::ENOSYS))
}

/// `.tmp-<16 hex digits>.part`: unguessable enough that a planted file is unlikely, and
/// `O_EXCL` refuses one anyway.
fn temp_name() -> OsString {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    OsString::from(format!(".tmp-{:016x}.part", hasher.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::fs::symlink;

    struct Fixture {
        _tmp: tempfile::TempDir,
        base: std::path::PathBuf,
        ws: Workspace,
    }

    fn fixture() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::create_dir_all(base.join("root/a/b")).unwrap();
        std::fs::write(base.join("root/a/b/f"), "inside").unwrap();
        std::fs::create_dir_all(base.join("outside/b")).unwrap();
        std::fs::write(base.join("outside/b/f"), "secret").unwrap();
        let ws = Workspace::new(&base.join("root")).unwrap();
        Fixture {
            _tmp: tmp,
            base,
            ws,
        }
    }

    fn os(s: &str) -> &OsStr {
        OsStr::new(s)
    }

    #[test]
    fn opens_a_resolved_directory_and_works_in_it() {
        let f = fixture();
        let dir = f.ws.open_dir(&f.ws.resolve("a/b").unwrap()).unwrap();
        let mut text = String::new();
        dir.open_read(os("f"))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "inside");
        assert_eq!(dir.meta(os("f")).unwrap().unwrap().kind, Kind::File);
        assert_eq!(dir.meta(os("missing")).unwrap(), None);
        assert_eq!(dir.meta_self().unwrap().kind, Kind::Dir);
        dir.mkdir(os("new"), 0o755).unwrap();
        let mut file = dir.create_new(os("n"), 0o644).unwrap();
        file.write_all(b"x").unwrap();
        assert_eq!(
            dir.create_new(os("n"), 0o644).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        let mut names: Vec<OsString> = dir.names().unwrap().map(Result::unwrap).collect();
        names.sort();
        assert_eq!(names, ["f", "n", "new"]);
        let root = f.ws.open_dir(f.ws.root()).unwrap();
        assert_eq!(root.meta(os("a")).unwrap().unwrap().kind, Kind::Dir);
    }

    #[test]
    fn a_directory_swapped_for_a_link_after_the_check_is_refused() {
        let f = fixture();
        let checked = f.ws.resolve("a/b").unwrap();
        // The swap: `a/b` becomes a link to the outside's `b`.
        std::fs::rename(f.base.join("root/a/b"), f.base.join("root/a/old")).unwrap();
        symlink(f.base.join("outside/b"), f.base.join("root/a/b")).unwrap();
        assert!(matches!(f.ws.open_dir(&checked), Err(PathError::Changed(p)) if p == "a/b"));
        // And a middle component.
        std::fs::remove_file(f.base.join("root/a/b")).unwrap();
        std::fs::rename(f.base.join("root/a/old"), f.base.join("root/a/b")).unwrap();
        std::fs::rename(f.base.join("root/a"), f.base.join("root/a-old")).unwrap();
        symlink(f.base.join("outside"), f.base.join("root/a")).unwrap();
        assert!(matches!(
            f.ws.open_dir(&checked),
            Err(PathError::Changed(_))
        ));
        assert_eq!(
            std::fs::read(f.base.join("outside/b/f")).unwrap(),
            b"secret"
        );
    }

    #[test]
    fn what_open_dir_refuses() {
        let f = fixture();
        assert!(matches!(
            f.ws.open_dir(&f.base.join("outside")),
            Err(PathError::OutsideWorkspace(_))
        ));
        assert!(matches!(
            f.ws.open_dir(&f.base.join("root/a/b/f")),
            Err(PathError::NotADirectory(p)) if p == "a/b/f"
        ));
        assert!(matches!(
            f.ws.open_dir(&f.base.join("root/a/gone")),
            Err(PathError::NotFound(_))
        ));
        assert!(matches!(
            f.ws.open_dir(&f.base.join("root/a/../a")),
            Err(PathError::OutsideWorkspace(_))
        ));
    }

    #[test]
    fn links_are_never_followed() {
        let f = fixture();
        let root = f.ws.open_dir(f.ws.root()).unwrap();
        symlink(f.base.join("outside/b/f"), f.base.join("root/lf")).unwrap();
        symlink(f.base.join("outside/b"), f.base.join("root/ld")).unwrap();
        assert!(root.open_read(os("lf")).is_err());
        assert!(root.open_dir(os("ld")).is_err());
        assert!(root.create_new(os("lf"), 0o644).is_err());
        assert_eq!(root.meta(os("lf")).unwrap().unwrap().kind, Kind::Symlink);
        assert_eq!(
            root.read_link(os("ld")).unwrap(),
            f.base.join("outside/b").into_os_string()
        );
        // Removing a link removes the link.
        root.remove_tree(os("ld"), 8).unwrap();
        root.remove_file(os("lf")).unwrap();
        assert_eq!(
            std::fs::read(f.base.join("outside/b/f")).unwrap(),
            b"secret"
        );
        // Names, never paths.
        for bad in ["", ".", "..", "a/b", "../outside"] {
            assert_eq!(
                root.meta(os(bad)).unwrap_err().kind(),
                io::ErrorKind::InvalidInput,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rename_refuses_to_replace_unless_asked() {
        let f = fixture();
        let root = f.ws.open_dir(f.ws.root()).unwrap();
        std::fs::write(f.base.join("root/x"), "x").unwrap();
        std::fs::write(f.base.join("root/y"), "y").unwrap();
        let err = root.rename(os("x"), &root, os("y"), false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(f.base.join("root/y")).unwrap(), b"y");
        root.rename(os("x"), &root, os("y"), true).unwrap();
        assert_eq!(std::fs::read(f.base.join("root/y")).unwrap(), b"x");
        let a = root.open_dir(os("a")).unwrap();
        root.rename(os("y"), &a, os("moved"), false).unwrap();
        assert_eq!(std::fs::read(f.base.join("root/a/moved")).unwrap(), b"x");
    }

    #[test]
    fn remove_tree_stays_inside_and_respects_depth() {
        let f = fixture();
        let root = f.ws.open_dir(f.ws.root()).unwrap();
        symlink(f.base.join("outside"), f.base.join("root/a/b/out")).unwrap();
        std::fs::create_dir_all(f.base.join("root/deep/1/2/3")).unwrap();
        assert!(root.remove_tree(os("deep"), 2).is_err());
        // Read-only directories are emptied too.
        std::fs::create_dir_all(f.base.join("root/ro/inner")).unwrap();
        std::fs::write(f.base.join("root/ro/inner/f"), "x").unwrap();
        for d in ["root/ro/inner", "root/ro"] {
            std::fs::set_permissions(
                f.base.join(d),
                std::os::unix::fs::PermissionsExt::from_mode(0o555),
            )
            .unwrap();
        }
        root.remove_tree(os("ro"), 8).unwrap();
        assert!(!f.base.join("root/ro").exists());
        root.remove_tree(os("a"), 8).unwrap();
        assert!(!f.base.join("root/a").exists());
        assert_eq!(
            std::fs::read(f.base.join("outside/b/f")).unwrap(),
            b"secret"
        );
        root.remove_tree(os("missing"), 8).unwrap();
    }

    #[test]
    fn temp_files_have_fresh_names() {
        let f = fixture();
        let root = f.ws.open_dir(f.ws.root()).unwrap();
        let (a, _) = root.create_temp(0o600).unwrap();
        let (b, _) = root.create_temp(0o600).unwrap();
        assert_ne!(a, b);
        let d = root.create_temp_dir(0o700).unwrap();
        let dir = root.open_dir(&d).unwrap();
        dir.set_mode(0o751).unwrap();
        assert_eq!(dir.meta_self().unwrap().mode, 0o751);
        let a = a.to_string_lossy();
        assert!(a.starts_with(".tmp-") && a.ends_with(".part"), "{a}");
    }
}
