//! The workspace root and the one confinement function every path goes through.
//!
//! A browser names files by paths relative to the directory the machine serves. Every such
//! path is turned into a filesystem path by [`Workspace::resolve`] and by nothing else; the
//! handlers only ever touch the canonical path it returns.
//!
//! Three entry points, one set of rules ([`sanitize`], then canonicalisation confined to
//! the root): [`Workspace::resolve`] for something that exists, followed to what it is;
//! [`Workspace::resolve_entry`] for an entry acted on itself (its last component not
//! followed: a rename or a delete of a symbolic link moves the link); and
//! [`Workspace::resolve_new`] for something to be made (the deepest existing ancestor,
//! and new names held to [`check_new_name`]).
//!
//! # Check and use
//!
//! `resolve` checks the path as it is at the moment of the call. Someone with write access
//! to the workspace can swap a component for a symlink between `resolve` and the open that
//! follows (a time-of-check/time-of-use race). What changes the workspace closes it on
//! Unix: it opens the canonical directory with [`Workspace::open_dir`], one component at
//! a time from the root, each with `O_NOFOLLOW | O_DIRECTORY` (a component swapped for a
//! symlink is refused: [`PathError::Changed`]), and then works relative to that
//! descriptor (`openat`, `mkdirat`, `renameat2`, `unlinkat` with no-follow flags:
//! [`crate::beneath`]). `readFile` opens the canonical path with `O_NOFOLLOW`, so a final
//! component swapped for a symlink is refused; a directory component swapped after its
//! check is not caught there, which matters less: the threat model is a hostile
//! *browser*, which cannot create symlinks, and the machine's own user can already read
//! anything the machine can.

use std::ffi::{OsStr, OsString};
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
    /// Something that must be a directory (to list, or to make something in) is not.
    #[error("not a directory: {0}")]
    NotADirectory(String),
    /// Between the check and the use, a directory of the path was replaced by a symbolic
    /// link or something else ([`Workspace::open_dir`] noticed); nothing was done.
    #[error(
        "{0} changed while it was being used (a symbolic link or a file took the place of a directory); nothing was done"
    )]
    Changed(String),
}

/// An existing entry a browser names, its last component *not* followed: what a
/// rename, a copy or a delete acts on (a symbolic link is moved, copied or deleted
/// itself, never what it points to). From [`Workspace::resolve_entry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPath {
    /// The directory the entry is in: canonical, the root or under it.
    pub parent: PathBuf,
    /// The entry's name in it: one plain component, as the browser wrote it.
    pub name: OsString,
}

impl EntryPath {
    /// `parent/name`. Its last component may be a symbolic link: open it with a
    /// no-follow call through [`Workspace::open_dir`]`(parent)`, never by this path.
    pub fn path(&self) -> PathBuf {
        self.parent.join(&self.name)
    }
}

/// Where something new is to be made, from [`Workspace::resolve_new`]: the deepest
/// ancestor that exists, and the names to create under it, each checked by
/// [`check_new_name`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPath {
    /// Canonical, the root or under it. Usually a directory; when it is not, opening it
    /// with [`Workspace::open_dir`] says so.
    pub existing: PathBuf,
    /// The directories to create in `existing`, outermost first (empty when the parent
    /// exists), then the new entry's own name: never empty.
    pub missing: Vec<OsString>,
}

impl NewPath {
    /// The new entry's name.
    pub fn name(&self) -> &OsStr {
        self.missing.last().expect("a NewPath names something")
    }

    /// The path the new entry will have (for display and messages).
    pub fn path(&self) -> PathBuf {
        let mut path = self.existing.clone();
        path.extend(&self.missing);
        path
    }
}

/// Whether `name` may be given to something new: the rules a person creating,
/// renaming, copying or restoring something must follow, on top of [`sanitize`]'s.
/// Names that already exist are not held to them (a file with a newline in its name
/// can still be read, renamed or deleted).
///
/// Refused: control characters (C0, DEL, C1: a newline or an escape sequence in a name
/// misleads terminals and logs) and the invisible bidirectional controls (U+200E,
/// U+200F, U+202A–U+202E, U+2066–U+2069: they make `txt.exe` look like `exe.txt`).
pub fn check_new_name(name: &str) -> Result<(), PathError> {
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(PathError::InvalidPath(format!(
            "the name {} contains a control character (U+{:04X})",
            shown_name(name),
            u32::from(c)
        )));
    }
    if let Some(c) = name.chars().find(|c| is_bidi_control(*c)) {
        return Err(PathError::InvalidPath(format!(
            "the name {} contains an invisible direction control (U+{:04X})",
            shown_name(name),
            u32::from(c)
        )));
    }
    Ok(())
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A name quoted for an error message, its control characters escaped.
fn shown_name(name: &str) -> String {
    format!("{:?}", name)
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
        self.resolve_relative(&relative, requested)
    }

    /// An existing entry named by `requested`, its last component not followed (see
    /// [`EntryPath`]): its directory goes through [`resolve`](Self::resolve), its name
    /// is kept as written. The root itself is no entry ([`PathError::InvalidPath`]).
    /// Whether the entry exists is the caller's to find out, through
    /// [`open_dir`](Self::open_dir) on `parent`.
    pub fn resolve_entry(&self, requested: &str) -> Result<EntryPath, PathError> {
        let relative = sanitize(requested)?;
        let Some(name) = relative.file_name().map(OsStr::to_owned) else {
            return Err(PathError::InvalidPath(
                "the path names the workspace root, which cannot be changed this way".into(),
            ));
        };
        let parent_relative = relative.parent().unwrap_or(Path::new(""));
        let parent = self.resolve_relative(parent_relative, requested)?;
        Ok(EntryPath { parent, name })
    }

    /// Where to make something new named `requested`: the deepest of its ancestors that
    /// exists (through [`resolve`](Self::resolve), so symbolic links in it are followed
    /// only while they stay inside), and the missing names below it, each held to
    /// [`check_new_name`]. The root is refused, as by
    /// [`resolve_entry`](Self::resolve_entry). Whether the entry itself exists already
    /// is not looked at: creating it with an exclusive call finds out without a race.
    pub fn resolve_new(&self, requested: &str) -> Result<NewPath, PathError> {
        let relative = sanitize(requested)?;
        let components: Vec<&OsStr> = relative.iter().collect();
        if components.is_empty() {
            return Err(PathError::InvalidPath(
                "the path names the workspace root, which cannot be changed this way".into(),
            ));
        }
        // The parent's prefixes, longest first, until one exists.
        for existing_len in (0..components.len()).rev() {
            let prefix: PathBuf = components[..existing_len].iter().collect();
            match self.resolve_relative(&prefix, requested) {
                Ok(existing) => {
                    let missing: Vec<OsString> = components[existing_len..]
                        .iter()
                        .map(|c| c.to_os_string())
                        .collect();
                    for name in &missing {
                        check_new_name(&name.to_string_lossy())?;
                    }
                    return Ok(NewPath { existing, missing });
                }
                Err(PathError::NotFound(_)) if existing_len > 0 => continue,
                Err(e) => return Err(e),
            }
        }
        unreachable!("the root always resolves or errs")
    }

    /// [`resolve`](Self::resolve) of an already sanitised relative path; errors name
    /// `requested`.
    fn resolve_relative(&self, relative: &Path, requested: &str) -> Result<PathBuf, PathError> {
        let joined = self.root.join(relative);
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
            Err(PathError::NotADirectory(_)) => "not_a_directory",
            Err(PathError::Changed(_)) => "changed",
        }
    }

    fn refusal<T: std::fmt::Debug>(result: Result<T, PathError>) -> &'static str {
        match result {
            Ok(value) => panic!("expected refusal, got {value:?}"),
            Err(e) => code(Err(e)),
        }
    }

    #[test]
    fn an_entry_is_its_resolved_parent_and_its_own_name() {
        let f = Fixture::new();
        let entry = f.ws.resolve_entry("a//./b/file.txt").unwrap();
        assert_eq!(entry.parent, f.root().join("a/b"));
        assert_eq!(entry.name, "file.txt");
        assert_eq!(entry.path(), f.root().join("a/b/file.txt"));
        // The last component is not looked at: missing is fine, the caller finds out.
        assert_eq!(f.ws.resolve_entry("a/missing").unwrap().name, "missing");
        assert_eq!(f.ws.resolve_entry("top.txt/").unwrap().name, "top.txt");
        for root in ["", ".", "./", ".//."] {
            assert_eq!(refusal(f.ws.resolve_entry(root)), "malformed", "{root:?}");
        }
        assert_eq!(refusal(f.ws.resolve_entry("a/missing/x")), "not_found");
        assert_eq!(refusal(f.ws.resolve_entry("../x")), "outside_workspace");
        assert_eq!(refusal(f.ws.resolve_entry("a/..")), "outside_workspace");
        assert_eq!(
            refusal(f.ws.resolve_entry("/etc/passwd")),
            "outside_workspace"
        );
        // Existing names are not held to the rules for new ones.
        assert_eq!(
            f.ws.resolve_entry("a/line\nbreak").unwrap().name,
            "line\nbreak"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_s_last_link_is_the_link_and_its_parent_stays_inside() {
        let f = Fixture::new();
        std::os::unix::fs::symlink(f.base.join("outside/secret"), f.root().join("s")).unwrap();
        std::os::unix::fs::symlink(f.base.join("outside"), f.root().join("out")).unwrap();
        std::os::unix::fs::symlink("a/b", f.root().join("in")).unwrap();
        // The link itself, in the root: deleting it is fine, following it is not.
        let link = f.ws.resolve_entry("s").unwrap();
        assert_eq!(
            (link.parent.as_path(), link.name.as_os_str()),
            (f.root().as_path(), OsStr::new("s"))
        );
        assert_eq!(f.ws.resolve_entry("out").unwrap().name, "out");
        assert_eq!(
            refusal(f.ws.resolve_entry("out/secret")),
            "outside_workspace"
        );
        assert_eq!(
            f.ws.resolve_entry("in/file.txt").unwrap().parent,
            f.root().join("a/b")
        );
    }

    #[test]
    fn new_paths_find_the_deepest_existing_ancestor() {
        let f = Fixture::new();
        let new = f.ws.resolve_new("a/b/new.txt").unwrap();
        assert_eq!(new.existing, f.root().join("a/b"));
        assert_eq!(new.missing, ["new.txt"]);
        assert_eq!(new.name(), "new.txt");
        let deep = f.ws.resolve_new("a/x/y/z.txt").unwrap();
        assert_eq!(deep.existing, f.root().join("a"));
        assert_eq!(deep.missing, ["x", "y", "z.txt"]);
        assert_eq!(deep.path(), f.root().join("a/x/y/z.txt"));
        let top = f.ws.resolve_new("n/m").unwrap();
        assert_eq!(
            (top.existing, top.missing),
            (f.root(), vec![OsString::from("n"), "m".into()])
        );
        // An existing entry is still a new path (whether it may be replaced is the caller's).
        assert_eq!(f.ws.resolve_new("top.txt").unwrap().missing, ["top.txt"]);
        // Through a file: the file is the existing part; opening it says it is no directory.
        assert_eq!(
            f.ws.resolve_new("top.txt/x").unwrap().existing,
            f.root().join("top.txt")
        );
        assert_eq!(refusal(f.ws.resolve_new("")), "malformed");
        assert_eq!(refusal(f.ws.resolve_new("../new")), "outside_workspace");
        assert_eq!(
            refusal(f.ws.resolve_new("a/../../new")),
            "outside_workspace"
        );
        assert_eq!(refusal(f.ws.resolve_new("/tmp/new")), "outside_workspace");
        assert_eq!(refusal(f.ws.resolve_new("a\\b")), "malformed");
        assert_eq!(refusal(f.ws.resolve_new(&"x".repeat(256))), "malformed");
    }

    #[test]
    fn new_names_refuse_control_and_direction_characters() {
        let f = Fixture::new();
        for bad in [
            "new\nline",
            "tab\there",
            "esc\u{1b}[31m",
            "del\u{7f}",
            "c1\u{85}",
            "bell\u{7}",
            "txt.\u{202E}exe",
            "a\u{2066}b",
            "mark\u{200F}",
        ] {
            assert_eq!(refusal(f.ws.resolve_new(bad)), "malformed", "{bad:?}");
            assert_eq!(
                refusal(f.ws.resolve_new(&format!("dir/{bad}/x"))),
                "malformed",
                "{bad:?}"
            );
            assert!(check_new_name(bad).is_err(), "{bad:?}");
        }
        let err = check_new_name("a\nb").unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid path: the name \"a\\nb\" contains a control character (U+000A)"
        );
        for good in [
            "plain.txt",
            "ünïcödé",
            "日本語",
            "emoji 😀",
            "spaces and-dashes_",
            ".hidden",
            "...",
        ] {
            check_new_name(good).unwrap();
            assert_eq!(f.ws.resolve_new(good).unwrap().name(), good);
        }
        // Only the missing names are held to the rules: an existing odd directory is fine.
        fs::create_dir(f.root().join("odd\nname")).unwrap();
        assert_eq!(
            f.ws.resolve_new("odd\nname/fine").unwrap().missing,
            ["fine"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn new_paths_never_start_outside() {
        let f = Fixture::new();
        std::os::unix::fs::symlink(f.base.join("outside"), f.root().join("out")).unwrap();
        std::os::unix::fs::symlink(f.base.join("nowhere"), f.root().join("dangling")).unwrap();
        assert_eq!(refusal(f.ws.resolve_new("out/new")), "outside_workspace");
        assert_eq!(
            refusal(f.ws.resolve_new("out/deeper/new")),
            "outside_workspace"
        );
        // A dangling link resolves to nothing: it is a name to create, which then exists.
        let dangling = f.ws.resolve_new("dangling/x").unwrap();
        assert_eq!((dangling.existing, dangling.missing.len()), (f.root(), 2));
    }

    mod attacks {
        use super::*;
        use proptest::prelude::*;

        /// Pieces an attacker builds paths from.
        fn piece() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("..".to_owned()),
                Just(".".to_owned()),
                Just("".to_owned()),
                Just("a".to_owned()),
                Just("b".to_owned()),
                Just("file.txt".to_owned()),
                Just("out".to_owned()),
                Just("in".to_owned()),
                Just("dangling".to_owned()),
                Just("C:".to_owned()),
                Just("\\".to_owned()),
                Just("\0".to_owned()),
                Just("\n".to_owned()),
                Just("\u{202E}".to_owned()),
                Just("x".repeat(256)),
                "[a-z.]{1,4}",
            ]
        }

        fn attack() -> impl Strategy<Value = String> {
            (any::<bool>(), proptest::collection::vec(piece(), 0..6)).prop_map(|(abs, parts)| {
                let path = parts.join("/");
                if abs { format!("/{path}") } else { path }
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Whatever the path, every function answers inside the root or refuses,
            /// and what it leaves to create is plain, checked names.
            #[test]
            fn nothing_resolves_outside(path in attack()) {
                let f = Fixture::new();
                #[cfg(unix)]
                {
                    std::os::unix::fs::symlink(f.base.join("outside"), f.root().join("out")).unwrap();
                    std::os::unix::fs::symlink("a", f.root().join("in")).unwrap();
                    std::os::unix::fs::symlink(f.base.join("gone"), f.root().join("dangling")).unwrap();
                }
                let root = f.root();
                if let Ok(p) = f.ws.resolve(&path) {
                    prop_assert!(p.starts_with(&root), "{path:?} -> {p:?}");
                }
                if let Ok(entry) = f.ws.resolve_entry(&path) {
                    prop_assert!(entry.parent.starts_with(&root), "{path:?} -> {entry:?}");
                    let name = entry.name.to_string_lossy();
                    prop_assert!(!name.is_empty() && name != "." && name != ".." && !name.contains('/'));
                }
                if let Ok(new) = f.ws.resolve_new(&path) {
                    prop_assert!(new.existing.starts_with(&root), "{path:?} -> {new:?}");
                    prop_assert!(!new.missing.is_empty());
                    for name in &new.missing {
                        let name = name.to_string_lossy();
                        prop_assert!(name != "." && name != ".." && !name.contains('/') && !name.contains('\\'));
                        prop_assert!(check_new_name(&name).is_ok());
                    }
                }
                // Never the outside, by any name.
                let outside = f.base.join("outside");
                for p in [f.ws.resolve(&path).ok(), f.ws.resolve_entry(&path).ok().map(|e| e.parent)].into_iter().flatten() {
                    prop_assert!(!p.starts_with(&outside));
                }
            }
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
