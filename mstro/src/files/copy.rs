//! `copy {from, to}`: a file, a link (as a link, never what it points to) or a whole
//! directory tree, bounded.
//!
//! The tree is counted first, and one over the limits ([`CopyLimits`]) is refused before
//! anything is copied. The copy is made under a temporary name beside `to` and renamed
//! into place without replacing anything, so a copy that fails half-way (a limit
//! reached because the tree grew, a full disk) leaves nothing behind and `to` appears
//! whole or not at all. Permission bits are kept (less set-user/group-id); FIFOs,
//! sockets and devices are skipped and counted.

use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;

use mstro_fs::Workspace;
use mstro_fs::beneath::{Dir, Kind, Meta};
use mstro_protocol::files::Copied;

use super::create::make_parents;
use super::rename::entry_kind;
use super::{FileOpError, guard_destination, io_err};

/// How much one `copy` may copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyLimits {
    /// Files, directories and links.
    pub max_entries: u64,
    /// Bytes of file content.
    pub max_bytes: u64,
    /// Directories inside each other.
    pub max_depth: usize,
}

impl Default for CopyLimits {
    fn default() -> CopyLimits {
        CopyLimits {
            max_entries: 20_000,
            max_bytes: 1024 * 1024 * 1024,
            max_depth: 64,
        }
    }
}

/// What was counted or copied.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    entries: u64,
    bytes: u64,
    skipped: u64,
}

impl Tally {
    /// Count one entry of `meta`; over a limit is an error naming it.
    fn add(
        &mut self,
        meta: &Meta,
        depth: usize,
        limits: &CopyLimits,
        from: &str,
    ) -> Result<(), FileOpError> {
        if meta.kind == Kind::Other {
            self.skipped += 1;
            return Ok(());
        }
        self.entries += 1;
        if meta.kind == Kind::File {
            self.bytes += meta.size;
        }
        let over = if self.entries > limits.max_entries {
            Some(format!(
                "more than {} files and directories",
                limits.max_entries
            ))
        } else if self.bytes > limits.max_bytes {
            Some(format!("more than {}", amount(limits.max_bytes)))
        } else if depth > limits.max_depth {
            Some(format!("directories more than {} deep", limits.max_depth))
        } else {
            None
        };
        match over {
            Some(what) => Err(FileOpError::Limit(format!(
                "{from} holds {what}, more than one copy from the browser makes; copy it in a terminal"
            ))),
            None => Ok(()),
        }
    }
}

/// `n` bytes as a person reads a limit.
fn amount(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

/// `copy`.
pub fn copy(
    ws: &Workspace,
    from: &str,
    to: &str,
    limits: &CopyLimits,
) -> Result<Copied, FileOpError> {
    let source = ws.resolve_entry(from)?;
    let source_path = source.path();
    let from_shown = ws.display(&source_path);
    let source_dir = ws.open_dir(&source.parent)?;
    let Some(meta) = source_dir
        .meta(&source.name)
        .map_err(io_err("look at", &from_shown))?
    else {
        return Err(FileOpError::NotFound(from_shown));
    };
    let destination = ws.resolve_new(to)?;
    let target = destination.path();
    guard_destination(ws, &target)?;
    let to_shown = ws.display(&target);
    if target == source_path {
        return Err(FileOpError::AlreadyExists(to_shown));
    }
    if meta.kind == Kind::Dir && target.starts_with(&source_path) {
        return Err(FileOpError::Invalid(format!(
            "cannot copy {from_shown} into itself ({to_shown})"
        )));
    }
    if meta.kind == Kind::Other {
        return Err(FileOpError::Invalid(format!(
            "{from_shown} is a FIFO, socket or device, which is not copied"
        )));
    }
    // Count first: a tree over the limits is refused before anything is made.
    let mut counted = Tally::default();
    scan(
        &source_dir,
        &source.name,
        &meta,
        0,
        limits,
        &mut counted,
        &from_shown,
    )?;

    let target_dir = make_parents(ws, &destination)?;
    let name = destination.name();
    if target_dir
        .meta(name)
        .map_err(io_err("look at", &to_shown))?
        .is_some()
    {
        return Err(FileOpError::AlreadyExists(to_shown));
    }
    let mut copied = Tally::default();
    copied.add(&meta, 0, limits, &from_shown)?;
    match meta.kind {
        Kind::Symlink => {
            let link = source_dir
                .read_link(&source.name)
                .map_err(io_err("read the link", &from_shown))?;
            target_dir
                .symlink(&link, name)
                .map_err(io_err("create", &to_shown))?;
        }
        Kind::File => {
            let (temp, mut out) = target_dir
                .create_temp(0o600)
                .map_err(io_err("create a file beside", &to_shown))?;
            let done = copy_content(
                &source_dir,
                &source.name,
                &meta,
                &mut out,
                limits,
                &mut copied,
                &from_shown,
            )
            .and_then(|()| out.sync_all().map_err(io_err("write", &to_shown)))
            .and_then(|()| {
                target_dir
                    .rename(&temp, &target_dir, name, false)
                    .map_err(io_err("create", &to_shown))
            });
            if done.is_err() {
                let _ = target_dir.remove_file(&temp);
            }
            done?;
        }
        Kind::Dir => {
            let temp = target_dir
                .create_temp_dir(0o700)
                .map_err(io_err("create a directory beside", &to_shown))?;
            let done = (|| {
                let into = target_dir
                    .open_dir(&temp)
                    .map_err(io_err("open", &to_shown))?;
                let from_dir = source_dir
                    .open_dir(&source.name)
                    .map_err(io_err("open", &from_shown))?;
                copy_tree(&from_dir, &into, 1, limits, &mut copied, &from_shown)?;
                into.set_mode(meta.mode & 0o1777)
                    .map_err(io_err("set the mode of", &to_shown))?;
                target_dir
                    .rename(&temp, &target_dir, name, false)
                    .map_err(io_err("create", &to_shown))
            })();
            if done.is_err() {
                let _ = target_dir.remove_tree(&temp, limits.max_depth + 2);
            }
            done?;
        }
        Kind::Other => unreachable!("refused above"),
    }
    let _ = target_dir.sync();
    Ok(Copied {
        path: to_shown,
        kind: entry_kind(meta.kind),
        entries: copied.entries,
        bytes: copied.bytes,
        skipped: copied.skipped,
    })
}

/// Counts `name` (of `meta`) in `dir` and everything under it.
fn scan(
    dir: &Dir,
    name: &OsStr,
    meta: &Meta,
    depth: usize,
    limits: &CopyLimits,
    tally: &mut Tally,
    shown: &str,
) -> Result<(), FileOpError> {
    tally.add(meta, depth, limits, shown)?;
    if meta.kind != Kind::Dir {
        return Ok(());
    }
    let sub = dir.open_dir(name).map_err(io_err("open", shown))?;
    for child in sub.names().map_err(io_err("list", shown))? {
        let child = child.map_err(io_err("list", shown))?;
        let Some(child_meta) = sub.meta(&child).map_err(io_err("look into", shown))? else {
            continue;
        };
        scan(&sub, &child, &child_meta, depth + 1, limits, tally, shown)?;
    }
    Ok(())
}

/// Copies everything in `from` into the (new, empty) `into`.
fn copy_tree(
    from: &Dir,
    into: &Dir,
    depth: usize,
    limits: &CopyLimits,
    tally: &mut Tally,
    shown: &str,
) -> Result<(), FileOpError> {
    for name in from.names().map_err(io_err("list", shown))? {
        let name = name.map_err(io_err("list", shown))?;
        // Gone since it was listed: not copied.
        let Some(meta) = from.meta(&name).map_err(io_err("look into", shown))? else {
            continue;
        };
        tally.add(&meta, depth, limits, shown)?;
        match meta.kind {
            Kind::File => {
                let mut out = into
                    .create_new(&name, 0o600)
                    .map_err(io_err("copy into", shown))?;
                copy_content(from, &name, &meta, &mut out, limits, tally, shown)?;
            }
            Kind::Dir => {
                into.mkdir(&name, 0o700)
                    .map_err(io_err("copy into", shown))?;
                let sub_into = into.open_dir(&name).map_err(io_err("copy into", shown))?;
                let sub_from = from.open_dir(&name).map_err(io_err("copy", shown))?;
                copy_tree(&sub_from, &sub_into, depth + 1, limits, tally, shown)?;
                sub_into
                    .set_mode(meta.mode & 0o1777)
                    .map_err(io_err("copy into", shown))?;
            }
            Kind::Symlink => {
                let link = from.read_link(&name).map_err(io_err("copy", shown))?;
                into.symlink(&link, &name)
                    .map_err(io_err("copy into", shown))?;
            }
            Kind::Other => {}
        }
    }
    Ok(())
}

/// Copies the regular file `name` of `dir` into `out` with `meta`'s mode, within the
/// byte limit (a file that grew since it was counted can still overrun it).
fn copy_content(
    dir: &Dir,
    name: &OsStr,
    meta: &Meta,
    out: &mut std::fs::File,
    limits: &CopyLimits,
    tally: &mut Tally,
    shown: &str,
) -> Result<(), FileOpError> {
    let input = dir.open_read(name).map_err(io_err("copy", shown))?;
    let opened = input.metadata().map_err(io_err("copy", shown))?;
    if !opened.is_file() {
        return Err(mstro_fs::PathError::Changed(shown.to_owned()).into());
    }
    // What `add` counted is this file's size then; allow what is left of the limit.
    let allowed = limits.max_bytes.saturating_sub(tally.bytes) + meta.size;
    let copied = io::copy(&mut input.take(allowed + 1), out).map_err(io_err("copy", shown))?;
    if copied > allowed {
        return Err(FileOpError::Limit(format!(
            "{shown} grew past {} while it was copied",
            amount(limits.max_bytes)
        )));
    }
    tally.bytes = tally.bytes - meta.size + copied;
    out.set_permissions(std::fs::Permissions::from_mode(meta.mode & 0o1777))
        .map_err(io_err("copy", shown))?;
    out.flush().map_err(io_err("copy", shown))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::create::tests::{Fixture, code, mode};
    use mstro_protocol::reply::EntryKind;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn small() -> CopyLimits {
        CopyLimits {
            max_entries: 10,
            max_bytes: 100,
            max_depth: 4,
        }
    }

    #[test]
    fn copies_a_file_with_its_mode() {
        let f = Fixture::new();
        f.write("a.sh", "echo a\n");
        fs::set_permissions(f.root().join("a.sh"), fs::Permissions::from_mode(0o750)).unwrap();
        let copied = copy(&f.ws, "a.sh", "b/c.sh", &CopyLimits::default()).unwrap();
        assert_eq!(
            copied,
            Copied {
                path: "b/c.sh".into(),
                kind: EntryKind::File,
                entries: 1,
                bytes: 7,
                skipped: 0,
            }
        );
        assert_eq!(f.read("b/c.sh"), "echo a\n");
        assert_eq!(mode(&f.root().join("b/c.sh")), 0o750);
        assert_eq!(f.read("a.sh"), "echo a\n");
        f.no_leftovers();
    }

    #[test]
    fn copies_a_tree_links_as_links() {
        let f = Fixture::new();
        f.write("src/a.txt", "aa");
        f.write("src/sub/b.txt", "bbb");
        fs::create_dir(f.root().join("src/empty")).unwrap();
        symlink("a.txt", f.root().join("src/rel")).unwrap();
        symlink(f.base.join("outside/secret"), f.root().join("src/out")).unwrap();
        fs::set_permissions(f.root().join("src/sub"), fs::Permissions::from_mode(0o750)).unwrap();
        let fifo = std::ffi::CString::new(
            f.root()
                .join("src/pipe")
                .into_os_string()
                .into_encoded_bytes(),
        )
        .unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let copied = copy(&f.ws, "src", "dst", &CopyLimits::default()).unwrap();
        assert_eq!(
            (copied.kind, copied.entries, copied.bytes, copied.skipped),
            (EntryKind::Dir, 7, 5, 1)
        );
        assert_eq!(f.read("dst/a.txt"), "aa");
        assert_eq!(f.read("dst/sub/b.txt"), "bbb");
        assert!(f.root().join("dst/empty").is_dir());
        assert_eq!(mode(&f.root().join("dst/sub")), 0o750);
        assert_eq!(
            fs::read_link(f.root().join("dst/rel")).unwrap(),
            std::path::Path::new("a.txt")
        );
        // A link out stays a link out (never its target's content), which the
        // confinement refuses to follow later.
        assert_eq!(
            fs::read_link(f.root().join("dst/out")).unwrap(),
            f.base.join("outside/secret")
        );
        assert!(!f.exists("dst/pipe"));
        f.outside_untouched();
        f.no_leftovers();
    }

    #[test]
    fn a_tree_over_the_limits_is_refused_before_anything_is_copied() {
        let f = Fixture::new();
        for i in 0..12 {
            f.write(&format!("many/{i}"), "x");
        }
        let err = copy(&f.ws, "many", "copy", &small()).unwrap_err();
        assert_eq!(err.code().as_str(), "limit_reached");
        assert!(err.to_string().contains("more than 10 files"), "{err}");
        assert!(!f.exists("copy"));
        f.write("big/a", vec![b'a'; 60]);
        f.write("big/b", vec![b'b'; 60]);
        let err = copy(&f.ws, "big", "copy", &small()).unwrap_err();
        assert!(err.to_string().contains("more than 100 bytes"), "{err}");
        f.write("one-big", vec![b'c'; 101]);
        assert_eq!(
            code(copy(&f.ws, "one-big", "one", &small())),
            "limit_reached"
        );
        copy(&f.ws, "big/a", "one", &small()).unwrap();
        fs::create_dir_all(f.root().join("deep/1/2/3/4/5")).unwrap();
        assert_eq!(code(copy(&f.ws, "deep", "copy", &small())), "limit_reached");
        assert!(!f.exists("copy"));
        f.no_leftovers();
    }

    #[test]
    fn what_is_refused() {
        let f = Fixture::new();
        f.write("dir/x", "x");
        f.write("a.txt", "a");
        f.write("b.txt", "b");
        let limits = CopyLimits::default();
        for (from, to, expected) in [
            ("a.txt", "b.txt", "already_exists"),
            ("a.txt", "a.txt", "already_exists"),
            ("dir", "dir/inner", "malformed"),
            ("missing", "m", "not_found"),
            ("", "root-copy", "malformed"),
            ("../x", "x", "outside_workspace"),
            ("a.txt", "../a.txt", "outside_workspace"),
            ("a.txt", "new\u{1b}name", "malformed"),
            ("a.txt", ".mstro/trash/a", "malformed"),
        ] {
            assert_eq!(
                code(copy(&f.ws, from, to, &limits)),
                expected,
                "{from:?} -> {to:?}"
            );
        }
        assert_eq!(f.read("b.txt"), "b");
        f.link_out("out");
        assert_eq!(
            code(copy(&f.ws, "out/secret", "s", &limits)),
            "outside_workspace"
        );
        assert_eq!(
            code(copy(&f.ws, "a.txt", "out/a.txt", &limits)),
            "outside_workspace"
        );
        f.outside_untouched();
    }
}
