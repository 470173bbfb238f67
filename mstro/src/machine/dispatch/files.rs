//! listDirectory and readFile.
//!
//! Both are synchronous (the dispatcher runs them with `spawn_blocking`) and take every
//! path through [`Workspace::resolve`]; see `mstro_fs::workspace` for the confinement
//! rules and their limits.

use std::fs::{self};
use std::io::{self, Read};

use mstro_fs::{PathError, Workspace};
use mstro_protocol::ErrorCode;
pub use mstro_protocol::reply::{Entry, EntryKind, FileContent, Listing};

/// At most this many bytes of a file are read and sent.
pub const MAX_READ_BYTES: u64 = 1024 * 1024;
/// A listing holds at most this many entries; [`Listing::truncated`] says it was cut.
pub const MAX_ENTRIES: usize = 10_000;
/// A NUL byte in this many leading bytes makes a file binary.
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

/// Why `listDirectory` or `readFile` failed. Messages name display paths only.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("not a directory: {0}")]
    NotADirectory(String),
    #[error("is a directory: {0}")]
    IsADirectory(String),
    #[error("cannot read {0}: {1}")]
    Io(String, #[source] io::Error),
}

impl FileError {
    /// The wire error code (docs/relay-api.md).
    pub fn code(&self) -> ErrorCode {
        match self {
            FileError::Path(e) => path_code(e),
            FileError::NotADirectory(_) => ErrorCode::NotADirectory,
            FileError::IsADirectory(_) => ErrorCode::IsADirectory,
            FileError::Io(..) => ErrorCode::Io,
        }
    }
}

/// The wire error code of a refused path.
pub fn path_code(e: &PathError) -> ErrorCode {
    match e {
        PathError::OutsideWorkspace(_) => ErrorCode::OutsideWorkspace,
        PathError::InvalidPath(_) => ErrorCode::Malformed,
        PathError::NotFound(_) => ErrorCode::NotFound,
        PathError::Io(..) => ErrorCode::Io,
        PathError::NotADirectory(_) => ErrorCode::NotADirectory,
        // A link appeared in the path: refused as a way out would be.
        PathError::Changed(_) => ErrorCode::OutsideWorkspace,
    }
}

/// `listDirectory`: the entries of the directory at `path` (relative to the root).
///
/// Entries are described by `symlink_metadata`: a symlink is reported as
/// [`EntryKind::Symlink`] and never followed. An entry that vanishes while the directory
/// is read is left out.
pub fn list_directory(ws: &Workspace, path: &str) -> Result<Listing, FileError> {
    list_directory_limited(ws, path, MAX_ENTRIES)
}

fn list_directory_limited(
    ws: &Workspace,
    path: &str,
    max_entries: usize,
) -> Result<Listing, FileError> {
    let dir = ws.resolve(path)?;
    let shown = ws.display(&dir);
    let io_error = |e: io::Error| {
        if e.kind() == io::ErrorKind::NotFound {
            FileError::Path(PathError::NotFound(shown.clone()))
        } else {
            FileError::Io(shown.clone(), e)
        }
    };
    // `dir` is canonical, so this is the thing itself, not a symlink to it.
    let meta = fs::symlink_metadata(&dir).map_err(io_error)?;
    if !meta.is_dir() {
        return Err(FileError::NotADirectory(shown));
    }
    let mut entries = Vec::new();
    let mut truncated = false;
    for item in fs::read_dir(&dir).map_err(io_error)? {
        let item = item.map_err(io_error)?;
        if entries.len() >= max_entries {
            truncated = true;
            break;
        }
        let child = dir.join(item.file_name());
        let meta = match fs::symlink_metadata(&child) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(FileError::Io(ws.display(&child), e)),
        };
        let file_type = meta.file_type();
        let kind = if file_type.is_symlink() {
            EntryKind::Symlink
        } else if file_type.is_dir() {
            EntryKind::Dir
        } else if file_type.is_file() {
            EntryKind::File
        } else {
            EntryKind::Other
        };
        let size = match kind {
            EntryKind::File | EntryKind::Symlink => meta.len(),
            EntryKind::Dir | EntryKind::Other => 0,
        };
        entries.push(Entry {
            name: item.file_name().to_string_lossy().into_owned(),
            path: ws.display(&child),
            kind,
            size,
            modified: meta
                .modified()
                .ok()
                .and_then(mstro_protocol::timestamp::rfc3339),
        });
    }
    entries.sort_by_cached_key(|e| {
        (
            e.kind != EntryKind::Dir,
            e.name.to_lowercase(),
            e.name.clone(),
        )
    });
    Ok(Listing {
        path: shown,
        entries,
        truncated,
    })
}

/// `readFile`: at most [`MAX_READ_BYTES`] of the regular file at `path`.
///
/// Binary (`binary: true`, `content: None`) when there is a NUL byte in the first 8 KiB, or
/// the bytes read are not UTF-8, except for a multi-byte character cut by the read limit
/// (that partial character is dropped and the rest is text). Directories are
/// [`FileError::IsADirectory`]; other non-regular files (FIFOs, devices, sockets) are
/// refused as [`FileError::Io`] rather than read.
pub fn read_file(ws: &Workspace, path: &str) -> Result<FileContent, FileError> {
    let canonical = ws.resolve(path)?;
    let shown = ws.display(&canonical);
    let io_error = |e: io::Error| {
        if e.kind() == io::ErrorKind::NotFound {
            FileError::Path(PathError::NotFound(shown.clone()))
        } else {
            FileError::Io(shown.clone(), e)
        }
    };
    if fs::symlink_metadata(&canonical).map_err(io_error)?.is_dir() {
        return Err(FileError::IsADirectory(shown));
    }
    let mut file = mstro_fs::open_read_no_follow(&canonical).map_err(io_error)?;
    // Checked again on the open file: the path may have changed since.
    let meta = file.metadata().map_err(io_error)?;
    if meta.is_dir() {
        return Err(FileError::IsADirectory(shown));
    }
    if !meta.is_file() {
        return Err(FileError::Io(shown, io::Error::other("not a regular file")));
    }
    let size = meta.len();
    let capacity = size.min(MAX_READ_BYTES) as usize + 1;
    let mut buf = Vec::with_capacity(capacity);
    // One byte more than the limit, to notice a file that grew since `metadata`.
    file.by_ref()
        .take(MAX_READ_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(io_error)?;
    let mut truncated = size > MAX_READ_BYTES;
    if buf.len() as u64 > MAX_READ_BYTES {
        buf.truncate(MAX_READ_BYTES as usize);
        truncated = true;
    }
    // The version `writeFile` must name to replace this file: only when it was read whole.
    let hash = (!truncated).then(|| crate::files::hash::of_bytes(&buf));
    let content = decode_text(buf, truncated);
    Ok(FileContent {
        path: shown,
        size,
        binary: content.is_none(),
        truncated,
        content,
        hash,
    })
}

/// The bytes read as text, or `None` if they are binary (see [`read_file`]).
fn decode_text(buf: Vec<u8>, truncated: bool) -> Option<String> {
    let sniff = &buf[..buf.len().min(BINARY_SNIFF_BYTES)];
    if sniff.contains(&0) {
        return None;
    }
    match String::from_utf8(buf) {
        Ok(text) => Some(text),
        // `error_len() == None`: the input ended inside a valid multi-byte sequence. That is
        // explained by the cut only if there was a cut.
        Err(e) if truncated && e.utf8_error().error_len().is_none() => {
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).ok()
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    struct Fixture {
        _tmp: tempfile::TempDir,
        base: PathBuf,
        ws: Workspace,
    }

    impl Fixture {
        fn new() -> Fixture {
            let tmp = tempfile::tempdir().unwrap();
            let base = fs::canonicalize(tmp.path()).unwrap();
            fs::create_dir(base.join("root")).unwrap();
            fs::create_dir(base.join("outside")).unwrap();
            fs::write(base.join("outside/secret"), "secret").unwrap();
            let ws = Workspace::new(&base.join("root")).unwrap();
            Fixture {
                _tmp: tmp,
                base,
                ws,
            }
        }

        fn root(&self) -> PathBuf {
            self.base.join("root")
        }

        fn write(&self, relative: &str, bytes: impl AsRef<[u8]>) {
            let path = self.root().join(relative);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }
    }

    fn err_code<T: std::fmt::Debug>(result: Result<T, FileError>) -> &'static str {
        match result {
            Ok(value) => panic!("expected an error, got {value:?}"),
            Err(e) => e.code().as_str(),
        }
    }

    fn names(listing: &Listing) -> Vec<&str> {
        listing.entries.iter().map(|e| e.name.as_str()).collect()
    }

    fn is_rfc3339_utc(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 20
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                19 => *c == b'Z',
                _ => c.is_ascii_digit(),
            })
    }

    #[test]
    fn root_listing_order_and_kinds() {
        let f = Fixture::new();
        fs::create_dir(f.root().join("beta")).unwrap();
        fs::create_dir(f.root().join("Alpha")).unwrap();
        f.write("b.txt", "bb");
        f.write("A.txt", "a");
        f.write("c", "");
        f.write("_under", "");
        #[cfg(unix)]
        std::os::unix::fs::symlink("beta", f.root().join("Link")).unwrap();

        let listing = list_directory(&f.ws, "").unwrap();
        assert_eq!(listing.path, "");
        assert!(!listing.truncated);
        let mut expected = vec!["Alpha", "beta", "_under", "A.txt", "b.txt", "c"];
        if cfg!(unix) {
            expected.push("Link");
        }
        assert_eq!(names(&listing), expected);

        let by_name = |n: &str| listing.entries.iter().find(|e| e.name == n).unwrap();
        assert_eq!(by_name("Alpha").kind, EntryKind::Dir);
        assert_eq!(by_name("Alpha").size, 0);
        assert_eq!(by_name("b.txt").kind, EntryKind::File);
        assert_eq!(by_name("b.txt").size, 2);
        assert_eq!(by_name("b.txt").path, "b.txt");
        if cfg!(unix) {
            // A symlink to a directory is a symlink, listed with the non-directories.
            assert_eq!(by_name("Link").kind, EntryKind::Symlink);
            assert_eq!(by_name("Link").path, "Link");
        }
        for entry in &listing.entries {
            let modified = entry.modified.as_deref().unwrap();
            assert!(is_rfc3339_utc(modified), "{modified}");
        }

        // "." and "" and "./" are the same listing.
        for path in [".", "./", ".//."] {
            assert_eq!(names(&list_directory(&f.ws, path).unwrap()), expected);
        }
    }

    #[test]
    fn case_insensitive_order_ties_by_exact_name() {
        let f = Fixture::new();
        for name in ["b", "B2", "a", "Ab", "aa"] {
            f.write(name, "");
        }
        let listing = list_directory(&f.ws, "").unwrap();
        assert_eq!(names(&listing), ["a", "aa", "Ab", "b", "B2"]);
    }

    #[test]
    fn nested_listing_has_child_paths() {
        let f = Fixture::new();
        f.write("src/machine/mod.rs", "//");
        fs::create_dir(f.root().join("src/machine/dispatch")).unwrap();
        for path in ["src/machine", "src//machine/", "./src/./machine"] {
            let listing = list_directory(&f.ws, path).unwrap();
            assert_eq!(listing.path, "src/machine");
            let paths: Vec<&str> = listing.entries.iter().map(|e| e.path.as_str()).collect();
            assert_eq!(paths, ["src/machine/dispatch", "src/machine/mod.rs"]);
        }
    }

    #[cfg(unix)]
    #[test]
    fn listing_through_an_inside_symlink_shows_the_real_place() {
        let f = Fixture::new();
        f.write("real/x", "");
        std::os::unix::fs::symlink("real", f.root().join("alias")).unwrap();
        let listing = list_directory(&f.ws, "alias").unwrap();
        assert_eq!(listing.path, "real");
        assert_eq!(listing.entries[0].path, "real/x");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn non_utf8_names_are_lossy() {
        use std::os::unix::ffi::OsStrExt;
        let f = Fixture::new();
        let name = std::ffi::OsStr::from_bytes(b"bad\xffname");
        fs::write(f.root().join(name), "").unwrap();
        let listing = list_directory(&f.ws, "").unwrap();
        assert_eq!(names(&listing), ["bad\u{FFFD}name"]);
        assert_eq!(listing.entries[0].path, "bad\u{FFFD}name");
    }

    #[test]
    fn listing_is_cut_at_the_limit() {
        let f = Fixture::new();
        for i in 0..5 {
            f.write(&format!("f{i}"), "");
        }
        let cut = list_directory_limited(&f.ws, "", 3).unwrap();
        assert_eq!(cut.entries.len(), 3);
        assert!(cut.truncated);
        let exact = list_directory_limited(&f.ws, "", 5).unwrap();
        assert_eq!(exact.entries.len(), 5);
        assert!(!exact.truncated);
        assert!(!list_directory(&f.ws, "").unwrap().truncated);
    }

    #[test]
    fn listing_errors() {
        let f = Fixture::new();
        f.write("file.txt", "x");
        let err = list_directory(&f.ws, "file.txt").unwrap_err();
        assert_eq!(err.code().as_str(), "not_a_directory");
        assert_eq!(err.to_string(), "not a directory: file.txt");
        assert_eq!(err_code(list_directory(&f.ws, "missing")), "not_found");
        assert_eq!(err_code(list_directory(&f.ws, "..")), "outside_workspace");
        assert_eq!(err_code(list_directory(&f.ws, "/")), "outside_workspace");
        assert_eq!(err_code(list_directory(&f.ws, "a\0")), "malformed");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(f.base.join("outside"), f.root().join("out")).unwrap();
            assert_eq!(err_code(list_directory(&f.ws, "out")), "outside_workspace");
        }
    }

    #[test]
    fn listing_serialises_as_documented() {
        let f = Fixture::new();
        f.write("d/x.txt", "xyz");
        let value = serde_json::to_value(list_directory(&f.ws, "d").unwrap()).unwrap();
        assert_eq!(value["path"], "d");
        assert_eq!(value["truncated"], false);
        let entry = &value["entries"][0];
        assert_eq!(entry["name"], "x.txt");
        assert_eq!(entry["path"], "d/x.txt");
        assert_eq!(entry["kind"], "file");
        assert_eq!(entry["size"], 3);
        assert!(entry["modified"].is_string());
        let mut keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["kind", "modified", "name", "path", "size"]);
        assert_eq!(serde_json::to_value(EntryKind::Dir).unwrap(), "dir");
        assert_eq!(serde_json::to_value(EntryKind::Symlink).unwrap(), "symlink");
        assert_eq!(serde_json::to_value(EntryKind::Other).unwrap(), "other");
    }

    #[test]
    fn reads_text() {
        let f = Fixture::new();
        f.write("dir/hello.txt", "héllo\nwörld\n");
        let read = read_file(&f.ws, "dir//./hello.txt").unwrap();
        assert_eq!(read.path, "dir/hello.txt");
        assert_eq!(read.size, "héllo\nwörld\n".len() as u64);
        assert!(!read.binary);
        assert!(!read.truncated);
        assert_eq!(read.content.as_deref(), Some("héllo\nwörld\n"));
        assert_eq!(
            read.hash.as_deref(),
            Some(crate::files::hash::of_bytes("héllo\nwörld\n".as_bytes()).as_str())
        );
        let value = serde_json::to_value(&read).unwrap();
        assert_eq!(value["hash"].as_str().unwrap().len(), 64);
        assert_eq!(value["content"], "héllo\nwörld\n");
        assert_eq!(value["binary"], false);

        f.write("empty", "");
        let empty = read_file(&f.ws, "empty").unwrap();
        assert_eq!((empty.size, empty.binary), (0, false));
        assert_eq!(empty.content.as_deref(), Some(""));
    }

    #[test]
    fn big_file_is_truncated() {
        let f = Fixture::new();
        let size = MAX_READ_BYTES as usize + 1000;
        f.write("big.txt", "a".repeat(size));
        let read = read_file(&f.ws, "big.txt").unwrap();
        assert_eq!(read.size, size as u64);
        assert!(read.truncated);
        assert!(!read.binary);
        assert_eq!(
            read.hash, None,
            "not read whole: no version to write against"
        );
        assert_eq!(read.content.unwrap().len(), MAX_READ_BYTES as usize);

        f.write("exact.txt", "a".repeat(MAX_READ_BYTES as usize));
        let exact = read_file(&f.ws, "exact.txt").unwrap();
        assert!(!exact.truncated);
        assert_eq!(exact.content.unwrap().len(), MAX_READ_BYTES as usize);
    }

    #[test]
    fn binary_detection() {
        let f = Fixture::new();
        f.write("nul.bin", b"text\0more text");
        let nul = read_file(&f.ws, "nul.bin").unwrap();
        assert!(nul.binary);
        assert_eq!(
            nul.hash.as_deref(),
            Some(crate::files::hash::of_bytes(b"text\0more text").as_str()),
            "binary files have a version too"
        );
        assert_eq!(nul.content, None);
        assert_eq!(
            serde_json::to_value(&nul).unwrap()["content"],
            serde_json::Value::Null
        );

        f.write("invalid.bin", b"abc\xff\xfedef");
        assert!(read_file(&f.ws, "invalid.bin").unwrap().binary);

        // A file that itself ends in half a character is not explained by a cut.
        f.write("half.bin", b"abc\xc3");
        assert!(read_file(&f.ws, "half.bin").unwrap().binary);

        // A NUL past the first 8 KiB is valid UTF-8: text.
        let mut late = vec![b'a'; BINARY_SNIFF_BYTES];
        late.push(0);
        f.write("late-nul.txt", &late);
        let read = read_file(&f.ws, "late-nul.txt").unwrap();
        assert!(!read.binary);
        assert_eq!(read.content.unwrap().len(), BINARY_SNIFF_BYTES + 1);
        // ... but a NUL at its last byte is binary.
        let mut edge = vec![b'a'; BINARY_SNIFF_BYTES - 1];
        edge.push(0);
        f.write("edge-nul.bin", &edge);
        assert!(read_file(&f.ws, "edge-nul.bin").unwrap().binary);
    }

    #[test]
    fn invalid_utf8_in_a_truncated_file_is_binary() {
        let f = Fixture::new();
        let mut bytes = vec![b'a'; MAX_READ_BYTES as usize + 10];
        bytes[1000] = 0xff;
        f.write("bad.txt", &bytes);
        let read = read_file(&f.ws, "bad.txt").unwrap();
        assert!(read.truncated);
        assert!(read.binary);
        assert_eq!(read.content, None);
    }

    #[test]
    fn character_cut_at_the_limit_is_still_text() {
        let f = Fixture::new();
        let max = MAX_READ_BYTES as usize;
        // A 2-byte and a 4-byte character, cut after each possible byte.
        for (ch, keep) in [("é", 1), ("😀", 1), ("😀", 2), ("😀", 3)] {
            let mut text = "a".repeat(max - keep);
            text.push_str(ch);
            text.push_str("tail");
            f.write("cut.txt", &text);
            let read = read_file(&f.ws, "cut.txt").unwrap();
            assert!(read.truncated);
            assert!(!read.binary, "{ch} cut after {keep}");
            let content = read.content.unwrap();
            assert_eq!(content.len(), max - keep);
            assert!(content.bytes().all(|b| b == b'a'));
        }
    }

    #[test]
    fn read_errors() {
        let f = Fixture::new();
        f.write("d/x", "");
        let err = read_file(&f.ws, "d").unwrap_err();
        assert_eq!(err.code().as_str(), "is_a_directory");
        assert_eq!(err.to_string(), "is a directory: d");
        assert_eq!(err_code(read_file(&f.ws, "")), "is_a_directory");
        assert_eq!(err_code(read_file(&f.ws, "missing")), "not_found");
        assert_eq!(err_code(read_file(&f.ws, "d/x/y")), "not_found");
        assert_eq!(
            err_code(read_file(&f.ws, "../outside/secret")),
            "outside_workspace"
        );
        assert_eq!(
            err_code(read_file(&f.ws, "/etc/passwd")),
            "outside_workspace"
        );
        assert_eq!(err_code(read_file(&f.ws, "C:\\x")), "malformed");
    }

    #[cfg(unix)]
    #[test]
    fn read_follows_inside_symlinks_only() {
        let f = Fixture::new();
        f.write("real.txt", "real");
        std::os::unix::fs::symlink("real.txt", f.root().join("alias")).unwrap();
        let read = read_file(&f.ws, "alias").unwrap();
        assert_eq!(read.path, "real.txt");
        assert_eq!(read.content.as_deref(), Some("real"));
        std::os::unix::fs::symlink(f.base.join("outside/secret"), f.root().join("s")).unwrap();
        assert_eq!(err_code(read_file(&f.ws, "s")), "outside_workspace");
        std::os::unix::fs::symlink(f.base.join("outside"), f.root().join("o")).unwrap();
        assert_eq!(err_code(read_file(&f.ws, "o/secret")), "outside_workspace");
    }

    #[cfg(unix)]
    #[test]
    fn open_refuses_a_final_symlink() {
        // What a symlink swapped in after `resolve` meets.
        let f = Fixture::new();
        f.write("real.txt", "real");
        let link = f.root().join("link");
        std::os::unix::fs::symlink("real.txt", &link).unwrap();
        assert!(mstro_fs::open_read_no_follow(&link).is_err());
        assert!(mstro_fs::open_read_no_follow(&f.root().join("real.txt")).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn fifo_is_refused_without_hanging() {
        let f = Fixture::new();
        let fifo =
            std::ffi::CString::new(f.root().join("pipe").into_os_string().into_encoded_bytes())
                .unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo has no other preconditions.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let listing = list_directory(&f.ws, "").unwrap();
        assert_eq!(listing.entries[0].kind, EntryKind::Other);
        assert_eq!(err_code(read_file(&f.ws, "pipe")), "io");
    }

    #[test]
    fn error_codes() {
        assert_eq!(
            FileError::from(PathError::NotFound("x".into()))
                .code()
                .as_str(),
            "not_found"
        );
        assert_eq!(
            FileError::NotADirectory("x".into()).code().as_str(),
            "not_a_directory"
        );
        assert_eq!(
            FileError::IsADirectory("x".into()).code().as_str(),
            "is_a_directory"
        );
        assert_eq!(
            FileError::Io("x".into(), io::Error::other("e"))
                .code()
                .as_str(),
            "io"
        );
        for (refusal, code) in [
            (PathError::OutsideWorkspace("x".into()), "outside_workspace"),
            (PathError::NotADirectory("x".into()), "not_a_directory"),
            (PathError::Changed("x".into()), "outside_workspace"),
            (PathError::InvalidPath("x".into()), "malformed"),
            (PathError::Io("x".into(), io::Error::other("e")), "io"),
        ] {
            assert_eq!(FileError::from(refusal).code().as_str(), code);
        }
    }
}
