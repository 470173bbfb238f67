//! The workspace root and the one confinement function every path goes through.
//!
//! A browser names files by paths relative to the directory the machine serves. Every such
//! path is turned into a filesystem path by [`Workspace::resolve`] and by nothing else; the
//! handlers only ever touch the canonical path it returns.
//!
//! # Limits
//!
//! `resolve` checks the path as it is at the moment of the call. Someone with write access
//! to the workspace can swap a component for a symlink between `resolve` and the open that
//! follows (a time-of-check/time-of-use race). The handlers narrow this: they open the
//! canonical path (which contains no symlink at check time), and on Unix `readFile` opens it
//! with `O_NOFOLLOW`, so a final component swapped for a symlink is refused. A *directory*
//! component swapped for a symlink after the check is not caught; closing that would need
//! `openat2(RESOLVE_BENEATH)` or a component-by-component `openat` walk. The threat model is
//! a hostile *browser*, which cannot create symlinks; the machine's own user can already read
//! anything the machine can.

use std::io;
use std::path::{Component, Path, PathBuf};

/// The longest requested path `resolve` accepts, in bytes (Linux `PATH_MAX`).
pub const MAX_PATH_BYTES: usize = 4096;
/// The longest single component `resolve` accepts, in bytes (Linux `NAME_MAX`).
pub const MAX_COMPONENT_BYTES: usize = 255;

/// The directory a machine serves, canonicalised once at start.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Canonical: absolute, no symlinks, no `.`/`..`.
    root: PathBuf,
}

/// Why a requested path was refused. The `String` of each variant is safe to show to the
/// browser: it is the browser's own path or a description, never a path outside the root.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// The path escapes the workspace, or tries to (absolute, `..`, a symlink out).
    #[error("path is outside the workspace: {0}")]
    OutsideWorkspace(String),
    /// The path is not acceptable at all (NUL byte, too long, Windows syntax); the string
    /// says why.
    #[error("invalid path: {0}")]
    InvalidPath(String),
    /// The path, or one of its components, does not exist.
    #[error("no such file or directory: {0}")]
    NotFound(String),
    /// Any other filesystem error while resolving (permission denied, symlink loop, ...).
    #[error("cannot access {0}: {1}")]
    Io(String, #[source] io::Error),
}

impl Workspace {
    /// The workspace rooted at `root`, which is canonicalised (symlinks resolved) and must be
    /// a directory.
    pub fn new(root: &Path) -> io::Result<Workspace> {
        let root = std::fs::canonicalize(root)?;
        if !std::fs::metadata(&root)?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(Workspace { root })
    }

    /// The canonical root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// THE confinement function: a path from the browser (relative to the root; `""` and
    /// `"."` mean the root) to a canonical path inside the root.
    ///
    /// Refused, before the filesystem is touched: NUL bytes, more than
    /// [`MAX_PATH_BYTES`] bytes, a component over [`MAX_COMPONENT_BYTES`] bytes, any `\`,
    /// a drive-letter component (`C:`, `C:foo`) (all [`PathError::InvalidPath`]); a leading
    /// `/` and any `..` component, wherever it is and even if it would stay inside
    /// ([`PathError::OutsideWorkspace`]). `.` components and repeated or trailing `/` are
    /// no-ops. The remaining components are joined onto the root and canonicalised, which
    /// resolves every symlink (a middle component too); the result must be the root or lie
    /// under it, compared component-wise. A path that does not exist (or runs through a
    /// non-directory) is [`PathError::NotFound`].
    ///
    /// See the module documentation for the race this cannot close.
    pub fn resolve(&self, requested: &str) -> Result<PathBuf, PathError> {
        let relative = sanitize(requested)?;
        let joined = self.root.join(&relative);
        let canonical = match std::fs::canonicalize(&joined) {
            Ok(path) => path,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                return Err(PathError::NotFound(requested.to_owned()));
            }
            Err(e) => return Err(PathError::Io(requested.to_owned(), e)),
        };
        if !is_within(&self.root, &canonical) {
            return Err(PathError::OutsideWorkspace(requested.to_owned()));
        }
        Ok(canonical)
    }

    /// The path shown back to the browser: relative to the root, `/`-separated, `""` for the
    /// root. Non-UTF-8 components are shown lossily.
    ///
    /// Meant for paths from [`resolve`](Self::resolve) and their children. A path that is
    /// not under the root is never revealed: it is shown as its last component only (or
    /// `""`).
    pub fn display(&self, canonical: &Path) -> String {
        match canonical.strip_prefix(&self.root) {
            Ok(relative) => relative
                .components()
                .filter_map(|c| match c {
                    Component::Normal(name) => Some(name.to_string_lossy()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("/"),
            Err(_) => canonical
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// `path` is `root` or lies under it, compared component by component (so `/root-evil` is
/// not under `/root`).
fn is_within(root: &Path, path: &Path) -> bool {
    path.starts_with(root)
}

/// The syntactic half of [`Workspace::resolve`]: the requested path as a relative path of
/// plain components only, or why it is refused.
fn sanitize(requested: &str) -> Result<PathBuf, PathError> {
    if requested.contains('\0') {
        return Err(PathError::InvalidPath(
            "the path contains a NUL byte".into(),
        ));
    }
    if requested.len() > MAX_PATH_BYTES {
        return Err(PathError::InvalidPath(format!(
            "the path is longer than {MAX_PATH_BYTES} bytes"
        )));
    }
    if requested.contains('\\') {
        return Err(PathError::InvalidPath(
            "the path contains a backslash (use '/' as the separator)".into(),
        ));
    }
    if requested.starts_with('/') {
        return Err(PathError::OutsideWorkspace(requested.to_owned()));
    }
    let mut relative = PathBuf::new();
    for component in requested.split('/') {
        match component {
            "" | "." => continue,
            ".." => return Err(PathError::OutsideWorkspace(requested.to_owned())),
            _ => {}
        }
        if component.len() > MAX_COMPONENT_BYTES {
            return Err(PathError::InvalidPath(format!(
                "a path component is longer than {MAX_COMPONENT_BYTES} bytes"
            )));
        }
        if looks_like_drive(component) {
            return Err(PathError::InvalidPath(
                "the path contains a drive letter".into(),
            ));
        }
        // On Windows a ':' also names an alternate data stream.
        if cfg!(windows) && component.contains(':') {
            return Err(PathError::InvalidPath("the path contains ':'".into()));
        }
        // Defence in depth: the platform must see exactly this one plain component.
        let mut parsed = Path::new(component).components();
        match (parsed.next(), parsed.next()) {
            (Some(Component::Normal(name)), None) if name == component => {}
            _ => {
                return Err(PathError::InvalidPath(
                    "the path contains an unsupported component".into(),
                ));
            }
        }
        relative.push(component);
    }
    Ok(relative)
}

/// `C:`, `C:foo`: a Windows drive prefix (refused in any position).
fn looks_like_drive(component: &str) -> bool {
    let bytes = component.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A temp dir holding `root/` (the workspace) and `outside/` (with a `secret` file).
    struct Fixture {
        _tmp: tempfile::TempDir,
        base: PathBuf,
        ws: Workspace,
    }

    impl Fixture {
        fn new() -> Fixture {
            let tmp = tempfile::tempdir().unwrap();
            let base = fs::canonicalize(tmp.path()).unwrap();
            let root = base.join("root");
            fs::create_dir_all(root.join("a/b")).unwrap();
            fs::write(root.join("a/b/file.txt"), "hello").unwrap();
            fs::write(root.join("top.txt"), "top").unwrap();
            fs::create_dir(base.join("outside")).unwrap();
            fs::write(base.join("outside/secret"), "secret").unwrap();
            let ws = Workspace::new(&root).unwrap();
            Fixture {
                _tmp: tmp,
                base,
                ws,
            }
        }

        fn root(&self) -> PathBuf {
            self.base.join("root")
        }
    }

    /// The refusal, named as its wire error code (the machine maps them one to one:
    /// `mstro/src/machine/dispatch/files.rs`).
    fn code(result: Result<PathBuf, PathError>) -> &'static str {
        match result {
            Ok(path) => panic!("expected refusal, got {}", path.display()),
            Err(PathError::OutsideWorkspace(_)) => "outside_workspace",
            Err(PathError::InvalidPath(_)) => "malformed",
            Err(PathError::NotFound(_)) => "not_found",
            Err(PathError::Io(..)) => "io",
        }
    }

    #[test]
    fn new_canonicalises_and_requires_a_directory() {
        let f = Fixture::new();
        let dotted = f.root().join("a/../.");
        let ws = Workspace::new(&dotted).unwrap();
        assert_eq!(ws.root(), f.root());
        let err = Workspace::new(&f.root().join("top.txt")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotADirectory);
        assert!(Workspace::new(&f.root().join("missing")).is_err());
    }

    #[test]
    fn root_and_no_op_components() {
        let f = Fixture::new();
        for requested in ["", ".", "./", "./.", ".//./"] {
            assert_eq!(f.ws.resolve(requested).unwrap(), f.root(), "{requested:?}");
        }
        let file = f.root().join("a/b/file.txt");
        for requested in [
            "a/b/file.txt",
            "./a/b/file.txt",
            "a//b///file.txt",
            "a/./b/./file.txt",
            "a/b/file.txt/",
        ] {
            assert_eq!(f.ws.resolve(requested).unwrap(), file, "{requested:?}");
        }
        assert_eq!(f.ws.resolve("a/b").unwrap(), f.root().join("a/b"));
    }

    #[test]
    fn dot_dot_refused_in_every_position() {
        let f = Fixture::new();
        for requested in [
            "..",
            "../x",
            "a/..",
            "a/../b",
            "a/../../etc/passwd",
            "./..",
            "a/b/..",
            "../root/top.txt",
            "a/b/../../top.txt",
            "..//",
        ] {
            assert_eq!(
                code(f.ws.resolve(requested)),
                "outside_workspace",
                "{requested:?}"
            );
        }
    }

    #[test]
    fn dot_dot_like_names_are_ordinary() {
        let f = Fixture::new();
        fs::write(f.root().join("..."), "").unwrap();
        fs::write(f.root().join("..x"), "").unwrap();
        assert_eq!(f.ws.resolve("...").unwrap(), f.root().join("..."));
        assert_eq!(f.ws.resolve("..x").unwrap(), f.root().join("..x"));
    }

    #[test]
    fn absolute_paths_refused() {
        let f = Fixture::new();
        let own = f.root().join("top.txt");
        for requested in [
            "/etc/passwd",
            "/",
            "//etc/passwd",
            f.root().to_str().unwrap(),
            own.to_str().unwrap(),
        ] {
            assert_eq!(
                code(f.ws.resolve(requested)),
                "outside_workspace",
                "{requested:?}"
            );
        }
    }

    #[test]
    fn windows_style_paths_refused() {
        let f = Fixture::new();
        // Would be a legal file name on Unix: make sure it is the syntax that is refused.
        fs::write(f.root().join("C:foo"), "").unwrap();
        for requested in [
            "a\\..\\..\\x",
            "C:\\Windows",
            "C:foo",
            "C:",
            "c:/x",
            "a/C:foo",
            "\\\\server\\share",
            "a\\b",
        ] {
            assert_eq!(code(f.ws.resolve(requested)), "malformed", "{requested:?}");
        }
    }

    #[test]
    fn nul_and_length_limits() {
        let f = Fixture::new();
        assert_eq!(code(f.ws.resolve("top.txt\0")), "malformed");
        assert_eq!(code(f.ws.resolve("\0")), "malformed");
        assert_eq!(code(f.ws.resolve("a/\0/../..")), "malformed");
        let long = "a/".repeat(2500);
        assert_eq!(long.len(), 5000);
        assert_eq!(code(f.ws.resolve(&long)), "malformed");
        let component = "x".repeat(300);
        assert_eq!(code(f.ws.resolve(&component)), "malformed");
        assert_eq!(code(f.ws.resolve(&format!("a/{component}/b"))), "malformed");
        // At the limits: accepted syntactically (and simply not found).
        let name = "x".repeat(MAX_COMPONENT_BYTES);
        assert_eq!(code(f.ws.resolve(&name)), "not_found");
        let mut at_limit = "a/".repeat(MAX_PATH_BYTES / 2);
        at_limit.truncate(MAX_PATH_BYTES);
        assert_eq!(at_limit.len(), MAX_PATH_BYTES);
        assert!(sanitize(&at_limit).is_ok());
        assert!(sanitize(&format!("{at_limit}a")).is_err());
    }

    #[test]
    fn missing_is_not_found() {
        let f = Fixture::new();
        assert_eq!(code(f.ws.resolve("missing")), "not_found");
        assert_eq!(code(f.ws.resolve("a/missing/x")), "not_found");
        // Through a file, not a directory.
        assert_eq!(code(f.ws.resolve("top.txt/x")), "not_found");
    }

    #[cfg(unix)]
    #[test]
    fn symlink_in_a_middle_component_pointing_outside_refused() {
        let f = Fixture::new();
        std::os::unix::fs::symlink(f.base.join("outside"), f.root().join("link")).unwrap();
        assert_eq!(code(f.ws.resolve("link/secret")), "outside_workspace");
        assert_eq!(code(f.ws.resolve("link")), "outside_workspace");
        assert_eq!(code(f.ws.resolve("./link//secret")), "outside_workspace");
        // A relative symlink deeper in the tree.
        std::os::unix::fs::symlink("../../../outside", f.root().join("a/b/up")).unwrap();
        assert_eq!(code(f.ws.resolve("a/b/up/secret")), "outside_workspace");
    }

    #[cfg(unix)]
    #[test]
    fn final_symlink_pointing_outside_refused() {
        let f = Fixture::new();
        std::os::unix::fs::symlink(f.base.join("outside/secret"), f.root().join("s")).unwrap();
        assert_eq!(code(f.ws.resolve("s")), "outside_workspace");
        std::os::unix::fs::symlink("/", f.root().join("slash")).unwrap();
        assert_eq!(code(f.ws.resolve("slash")), "outside_workspace");
    }

    #[cfg(unix)]
    #[test]
    fn symlink_pointing_inside_allowed() {
        let f = Fixture::new();
        std::os::unix::fs::symlink(f.root().join("a/b"), f.root().join("in")).unwrap();
        std::os::unix::fs::symlink("a/b/file.txt", f.root().join("rel")).unwrap();
        std::os::unix::fs::symlink(".", f.root().join("self")).unwrap();
        let file = f.root().join("a/b/file.txt");
        assert_eq!(f.ws.resolve("in/file.txt").unwrap(), file);
        assert_eq!(f.ws.resolve("rel").unwrap(), file);
        assert_eq!(f.ws.resolve("self").unwrap(), f.root());
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_an_error() {
        let f = Fixture::new();
        std::os::unix::fs::symlink("loop", f.root().join("loop")).unwrap();
        assert!(f.ws.resolve("loop").is_err());
    }

    #[test]
    fn sibling_with_the_root_as_string_prefix_is_outside() {
        let f = Fixture::new();
        let evil = f.base.join("root-evil");
        fs::create_dir(&evil).unwrap();
        fs::write(evil.join("secret"), "").unwrap();
        assert!(!is_within(&f.root(), &evil));
        assert!(!is_within(&f.root(), &evil.join("secret")));
        assert!(is_within(&f.root(), &f.root()));
        assert!(is_within(&f.root(), &f.root().join("a")));
        assert!(!is_within(Path::new("/root"), Path::new("/root-evil/x")));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&evil, f.root().join("evil")).unwrap();
            assert_eq!(code(f.ws.resolve("evil/secret")), "outside_workspace");
            std::os::unix::fs::symlink("../root-evil", f.root().join("evil2")).unwrap();
            assert_eq!(code(f.ws.resolve("evil2")), "outside_workspace");
        }
    }

    #[test]
    fn display_is_relative_and_slash_separated() {
        let f = Fixture::new();
        assert_eq!(f.ws.display(&f.root()), "");
        assert_eq!(f.ws.display(&f.root().join("a/b/file.txt")), "a/b/file.txt");
        let resolved = f.ws.resolve("a//./b").unwrap();
        assert_eq!(f.ws.display(&resolved), "a/b");
        // Never reveals a path outside the root.
        assert_eq!(f.ws.display(&f.base.join("outside/secret")), "secret");
        assert_eq!(f.ws.display(&f.base.join("root-evil/x")), "x");
    }

    #[test]
    fn error_messages() {
        let f = Fixture::new();
        let err = f.ws.resolve("../x").unwrap_err();
        assert!(matches!(err, PathError::OutsideWorkspace(ref p) if p == "../x"));
        assert_eq!(err.to_string(), "path is outside the workspace: ../x");
        let err = f.ws.resolve("nope").unwrap_err();
        assert_eq!(err.to_string(), "no such file or directory: nope");
    }
}
