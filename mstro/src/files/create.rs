//! `createFile` and `createDirectory`, and what other operations share with them:
//! opening (and making) the directories down to a new entry, and putting a new file in
//! place whole, never over something that is there.

use std::ffi::OsStr;
use std::io::Write;

use mstro_fs::beneath::Dir;
use mstro_fs::{NewPath, Workspace};
use mstro_protocol::files::{Created, MAX_WRITE_BYTES};
use mstro_protocol::reply::EntryKind;

use super::{FileOpError, guard_destination, hash, io_err};

/// Opens the directory a new entry goes in, making the missing ones (mode 0777 less
/// the umask, as `mkdir -p`); each is opened without following a link, so a link
/// planted in between is refused.
pub(crate) fn make_parents(ws: &Workspace, new: &NewPath) -> Result<Dir, FileOpError> {
    let mut dir = ws.open_dir(&new.existing)?;
    let mut at = new.existing.clone();
    for name in &new.missing[..new.missing.len() - 1] {
        at.push(name);
        let shown = ws.display(&at);
        match dir.mkdir(name, 0o777) {
            Ok(()) => {}
            // Made meanwhile (or a dangling link: the open below refuses it).
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(FileOpError::io("create the directory", &shown, e)),
        }
        dir = dir
            .open_dir(name)
            .map_err(io_err("open the directory", &shown))?;
    }
    Ok(dir)
}

/// Puts a new file `name` with `content` (and `mode` less the umask) in `dir`, whole:
/// written to a temporary file, flushed, then renamed into place without replacing
/// anything (`AlreadyExists` if something is there). `shown` names it in errors.
pub(crate) fn put_new_file(
    dir: &Dir,
    name: &OsStr,
    content: &[u8],
    mode: u32,
    shown: &str,
) -> Result<(), FileOpError> {
    let (temp, mut file) = dir
        .create_temp(mode)
        .map_err(io_err("create a file beside", shown))?;
    let written = file
        .write_all(content)
        .and_then(|()| file.sync_all())
        .map_err(io_err("write", shown))
        .and_then(|()| {
            dir.rename(&temp, dir, name, false)
                .map_err(io_err("create", shown))
        });
    if written.is_err() {
        let _ = dir.remove_file(&temp);
    }
    written?;
    let _ = dir.sync();
    Ok(())
}

/// `createFile`: a new file holding `content`.
pub fn create_file(ws: &Workspace, path: &str, content: &[u8]) -> Result<Created, FileOpError> {
    check_size(content)?;
    let new = ws.resolve_new(path)?;
    let target = new.path();
    guard_destination(ws, &target)?;
    let shown = ws.display(&target);
    let dir = make_parents(ws, &new)?;
    put_new_file(&dir, new.name(), content, 0o666, &shown)?;
    Ok(Created {
        path: shown,
        kind: EntryKind::File,
        hash: Some(hash::of_bytes(content)),
    })
}

/// `createDirectory`: a new directory (0777 less the umask).
pub fn create_directory(ws: &Workspace, path: &str) -> Result<Created, FileOpError> {
    let new = ws.resolve_new(path)?;
    let target = new.path();
    guard_destination(ws, &target)?;
    let shown = ws.display(&target);
    let dir = make_parents(ws, &new)?;
    dir.mkdir(new.name(), 0o777)
        .map_err(io_err("create the directory", &shown))?;
    let _ = dir.sync();
    Ok(Created {
        path: shown,
        kind: EntryKind::Dir,
        hash: None,
    })
}

/// Content over [`MAX_WRITE_BYTES`] is refused.
pub(crate) fn check_size(content: &[u8]) -> Result<(), FileOpError> {
    if content.len() > MAX_WRITE_BYTES {
        return Err(FileOpError::Limit(format!(
            "{} bytes is more than the {} MiB a file written from the browser may have",
            content.len(),
            MAX_WRITE_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};
    use std::path::PathBuf;

    /// A temp dir holding `root/` (the workspace) and `outside/` (with a `secret`).
    pub(crate) struct Fixture {
        _tmp: tempfile::TempDir,
        pub base: PathBuf,
        pub ws: Workspace,
    }

    impl Fixture {
        pub fn new() -> Fixture {
            let tmp = tempfile::tempdir().unwrap();
            let base = fs::canonicalize(tmp.path()).unwrap();
            fs::create_dir_all(base.join("root")).unwrap();
            fs::create_dir_all(base.join("outside")).unwrap();
            fs::write(base.join("outside/secret"), "secret").unwrap();
            let ws = Workspace::new(&base.join("root")).unwrap();
            Fixture {
                _tmp: tmp,
                base,
                ws,
            }
        }

        pub fn root(&self) -> PathBuf {
            self.base.join("root")
        }

        pub fn write(&self, relative: &str, bytes: impl AsRef<[u8]>) {
            let path = self.root().join(relative);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }

        pub fn read(&self, relative: &str) -> String {
            fs::read_to_string(self.root().join(relative)).unwrap()
        }

        pub fn exists(&self, relative: &str) -> bool {
            fs::symlink_metadata(self.root().join(relative)).is_ok()
        }

        /// The outside is as it was: one file, `secret`.
        pub fn outside_untouched(&self) {
            let names: Vec<_> = fs::read_dir(self.base.join("outside"))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names, ["secret"], "something was made outside");
            assert_eq!(
                fs::read_to_string(self.base.join("outside/secret")).unwrap(),
                "secret"
            );
        }

        /// No temporary file left anywhere in the workspace.
        pub fn no_leftovers(&self) {
            for entry in walk(&self.root()) {
                let name = entry.file_name().unwrap().to_string_lossy().into_owned();
                assert!(!name.starts_with(".tmp-"), "left behind: {entry:?}");
            }
        }

        pub fn link_out(&self, relative: &str) {
            symlink(self.base.join("outside"), self.root().join(relative)).unwrap();
        }
    }

    fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
        let mut all = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                all.extend(walk(&path));
            }
            all.push(path);
        }
        all
    }

    pub(crate) fn code<T: std::fmt::Debug>(result: Result<T, FileOpError>) -> &'static str {
        match result {
            Ok(value) => panic!("expected an error, got {value:?}"),
            Err(e) => e.code().as_str(),
        }
    }

    pub(crate) fn mode(path: &std::path::Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn creates_files_with_content_and_parents() {
        let f = Fixture::new();
        let created = create_file(&f.ws, "src/deep/new.txt", b"hello\n").unwrap();
        assert_eq!(created.path, "src/deep/new.txt");
        assert_eq!(created.kind, EntryKind::File);
        assert_eq!(
            created.hash.as_deref(),
            Some(hash::of_bytes(b"hello\n").as_str())
        );
        assert_eq!(f.read("src/deep/new.txt"), "hello\n");
        let empty = create_file(&f.ws, "empty", b"").unwrap();
        assert_eq!(empty.hash.unwrap(), hash::of_bytes(b""));
        assert_eq!(f.read("empty"), "");
        // The umask's mode, as any new file.
        let umask_mode = mode(&f.root().join("empty"));
        assert_eq!(umask_mode & 0o600, 0o600);
        assert_eq!(umask_mode & 0o111, 0);
        f.no_leftovers();
    }

    #[test]
    fn never_over_something_that_is_there() {
        let f = Fixture::new();
        f.write("taken.txt", "mine");
        fs::create_dir(f.root().join("dir")).unwrap();
        let err = create_file(&f.ws, "taken.txt", b"theirs").unwrap_err();
        assert_eq!(err.code().as_str(), "already_exists");
        assert_eq!(err.to_string(), "taken.txt already exists");
        assert_eq!(f.read("taken.txt"), "mine");
        assert_eq!(code(create_file(&f.ws, "dir", b"x")), "already_exists");
        assert_eq!(code(create_directory(&f.ws, "dir")), "already_exists");
        assert_eq!(code(create_directory(&f.ws, "taken.txt")), "already_exists");
        // A dangling link is something: not replaced, not followed.
        symlink(f.base.join("outside/new"), f.root().join("dangling")).unwrap();
        assert_eq!(code(create_file(&f.ws, "dangling", b"x")), "already_exists");
        // Not a directory to make things in (and never followed to where it points).
        assert_eq!(
            code(create_directory(&f.ws, "dangling/sub")),
            "not_a_directory"
        );
        f.outside_untouched();
        f.no_leftovers();
    }

    #[test]
    fn creates_directories() {
        let f = Fixture::new();
        let created = create_directory(&f.ws, "a/b/c").unwrap();
        assert_eq!(
            (created.path.as_str(), created.kind, created.hash),
            ("a/b/c", EntryKind::Dir, None)
        );
        assert!(f.root().join("a/b/c").is_dir());
        let m = mode(&f.root().join("a/b/c"));
        assert_eq!(m & 0o700, 0o700);
    }

    #[test]
    fn refuses_names_paths_and_sizes() {
        let f = Fixture::new();
        f.write("file.txt", "x");
        for (path, expected) in [
            ("", "malformed"),
            (".", "malformed"),
            ("../escape.txt", "outside_workspace"),
            ("a/../../escape.txt", "outside_workspace"),
            ("/tmp/abs.txt", "outside_workspace"),
            ("line\nbreak.txt", "malformed"),
            ("esc\u{1b}[2J.txt", "malformed"),
            ("dir\u{7}/x.txt", "malformed"),
            ("nul\0.txt", "malformed"),
            ("back\\slash", "malformed"),
            ("file.txt/inside", "not_a_directory"),
        ] {
            assert_eq!(code(create_file(&f.ws, path, b"x")), expected, "{path:?}");
            assert_eq!(code(create_directory(&f.ws, path)), expected, "{path:?}");
        }
        let long = "n".repeat(256);
        assert_eq!(code(create_file(&f.ws, &long, b"")), "malformed");
        let big = vec![b'a'; MAX_WRITE_BYTES + 1];
        let err = create_file(&f.ws, "big.txt", &big).unwrap_err();
        assert_eq!(err.code().as_str(), "limit_reached");
        assert!(err.to_string().contains("1 MiB"), "{err}");
        assert!(!f.exists("big.txt"));
        create_file(&f.ws, "exact.txt", &big[1..]).unwrap();
        f.outside_untouched();
    }

    #[test]
    fn links_out_are_never_followed() {
        let f = Fixture::new();
        f.link_out("out");
        assert_eq!(
            code(create_file(&f.ws, "out/new.txt", b"x")),
            "outside_workspace"
        );
        assert_eq!(
            code(create_directory(&f.ws, "out/new")),
            "outside_workspace"
        );
        assert_eq!(
            code(create_file(&f.ws, "out/a/b/new.txt", b"x")),
            "outside_workspace"
        );
        // An inside link is followed to its real place.
        fs::create_dir(f.root().join("real")).unwrap();
        symlink("real", f.root().join("alias")).unwrap();
        assert_eq!(
            create_file(&f.ws, "alias/x.txt", b"x").unwrap().path,
            "real/x.txt"
        );
        f.outside_untouched();
    }

    #[test]
    fn a_link_swapped_in_after_the_check_is_refused() {
        let f = Fixture::new();
        fs::create_dir_all(f.root().join("a/b")).unwrap();
        let new = f.ws.resolve_new("a/b/c/new.txt").unwrap();
        // Between the check and the use, `a` becomes a link out.
        fs::rename(f.root().join("a"), f.root().join("a-was")).unwrap();
        f.link_out("a");
        fs::create_dir(f.base.join("outside/b")).unwrap();
        let err = make_parents(&f.ws, &new).unwrap_err();
        assert_eq!(err.code().as_str(), "outside_workspace", "{err}");
        assert!(
            err.to_string().contains("changed while it was being used"),
            "{err}"
        );
        assert!(!f.base.join("outside/b/c").exists());
        fs::remove_dir(f.base.join("outside/b")).unwrap();
        f.outside_untouched();
    }

    #[test]
    fn the_trash_takes_nothing_by_hand() {
        let f = Fixture::new();
        fs::create_dir_all(f.root().join(".mstro/trash")).unwrap();
        assert_eq!(code(create_file(&f.ws, ".mstro/trash/x", b"")), "malformed");
        assert_eq!(
            code(create_directory(&f.ws, ".mstro/trash/1-abc")),
            "malformed"
        );
        // The rest of .mstro is the owner's to edit.
        create_file(&f.ws, ".mstro/notes.md", b"x").unwrap();
    }
}
