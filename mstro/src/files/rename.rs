//! `rename {from, to, overwrite?}`: move a file, a directory or a link (the link
//! itself) anywhere in the workspace, in one `renameat2` between two directory
//! descriptors. Something at `to` is never replaced unless asked (`RENAME_NOREPLACE`:
//! no window between a check and the move).

use mstro_fs::Workspace;
use mstro_fs::beneath::Kind;
use mstro_protocol::files::Moved;
use mstro_protocol::reply::EntryKind;

use super::create::make_parents;
use super::{FileOpError, guard_destination, guard_source};

/// The wire kind of what `beneath` saw.
pub(crate) fn entry_kind(kind: Kind) -> EntryKind {
    match kind {
        Kind::File => EntryKind::File,
        Kind::Dir => EntryKind::Dir,
        Kind::Symlink => EntryKind::Symlink,
        Kind::Other => EntryKind::Other,
    }
}

/// `rename`.
pub fn rename(ws: &Workspace, from: &str, to: &str, overwrite: bool) -> Result<Moved, FileOpError> {
    let source = ws.resolve_entry(from)?;
    let source_path = source.path();
    guard_source(ws, &source_path)?;
    let from_shown = ws.display(&source_path);
    let source_dir = ws.open_dir(&source.parent)?;
    let Some(meta) = source_dir
        .meta(&source.name)
        .map_err(super::io_err("look at", &from_shown))?
    else {
        return Err(FileOpError::NotFound(from_shown));
    };
    let destination = ws.resolve_new(to)?;
    let target = destination.path();
    guard_destination(ws, &target)?;
    let to_shown = ws.display(&target);
    if target == source_path {
        // Already there: nothing to do (a plain rename(2) would agree).
        return Ok(Moved {
            from: from_shown,
            to: to_shown,
            kind: entry_kind(meta.kind),
        });
    }
    if meta.kind == Kind::Dir && target.starts_with(&source_path) {
        return Err(FileOpError::Invalid(format!(
            "cannot move {from_shown} into itself ({to_shown})"
        )));
    }
    let target_dir = make_parents(ws, &destination)?;
    // On a file system that ignores case, `a.txt` → `A.txt` finds "something there":
    // itself. Renaming a file onto itself replaces nothing.
    let same_file = target_dir
        .meta(destination.name())
        .ok()
        .flatten()
        .is_some_and(|there| there.same_file(&meta));
    source_dir
        .rename(
            &source.name,
            &target_dir,
            destination.name(),
            overwrite || same_file,
        )
        .map_err(|e| match e.raw_os_error() {
            // Only an empty directory is ever replaced, and only a directory by one.
            Some(libc::EISDIR | libc::ENOTDIR) => FileOpError::AlreadyExists(format!(
                "{to_shown} (a {} cannot replace a {})",
                if meta.kind == Kind::Dir {
                    "directory"
                } else {
                    "file"
                },
                if meta.kind == Kind::Dir {
                    "file"
                } else {
                    "directory"
                },
            )),
            _ => FileOpError::io("move to", &to_shown, e),
        })?;
    let _ = target_dir.sync();
    let _ = source_dir.sync();
    Ok(Moved {
        from: from_shown,
        to: to_shown,
        kind: entry_kind(meta.kind),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::create::tests::{Fixture, code};
    use std::fs;
    use std::os::unix::fs::symlink;

    #[test]
    fn moves_files_and_directories_making_parents() {
        let f = Fixture::new();
        f.write("a.txt", "a");
        f.write("dir/inner.txt", "inner");
        let moved = rename(&f.ws, "a.txt", "b.txt", false).unwrap();
        assert_eq!(
            (moved.from.as_str(), moved.to.as_str(), moved.kind),
            ("a.txt", "b.txt", EntryKind::File)
        );
        assert_eq!(f.read("b.txt"), "a");
        assert!(!f.exists("a.txt"));
        let moved = rename(&f.ws, "dir", "x/y/dir2", false).unwrap();
        assert_eq!(
            (moved.to.as_str(), moved.kind),
            ("x/y/dir2", EntryKind::Dir)
        );
        assert_eq!(f.read("x/y/dir2/inner.txt"), "inner");
        assert!(!f.exists("dir"));
        // Onto itself: nothing happens.
        rename(&f.ws, "b.txt", "./b.txt", false).unwrap();
        assert_eq!(f.read("b.txt"), "a");
    }

    #[test]
    fn refuses_to_overwrite_unless_asked() {
        let f = Fixture::new();
        f.write("a.txt", "a");
        f.write("b.txt", "b");
        let err = rename(&f.ws, "a.txt", "b.txt", false).unwrap_err();
        assert_eq!(err.code().as_str(), "already_exists");
        assert_eq!(err.to_string(), "b.txt already exists");
        assert_eq!((f.read("a.txt"), f.read("b.txt")), ("a".into(), "b".into()));
        rename(&f.ws, "a.txt", "b.txt", true).unwrap();
        assert_eq!(f.read("b.txt"), "a");
        assert!(!f.exists("a.txt"));
        // A directory is replaced only when empty, and only by a directory.
        f.write("full/x", "x");
        f.write("c.txt", "c");
        assert_eq!(code(rename(&f.ws, "c.txt", "full", true)), "already_exists");
        fs::create_dir(f.root().join("d1")).unwrap();
        assert_eq!(code(rename(&f.ws, "d1", "full", true)), "already_exists");
        assert_eq!(f.read("full/x"), "x");
        fs::create_dir(f.root().join("empty")).unwrap();
        rename(&f.ws, "d1", "empty", true).unwrap();
        assert!(!f.exists("d1"));
    }

    #[test]
    fn what_is_refused() {
        let f = Fixture::new();
        f.write("dir/x", "x");
        f.write("a.txt", "a");
        for (from, to, expected) in [
            ("missing", "b", "not_found"),
            ("", "b", "malformed"),
            ("dir", "dir/sub/dir", "malformed"),
            ("dir", "dir", "already_exists"),
            ("a.txt", "../a.txt", "outside_workspace"),
            ("../x", "a2", "outside_workspace"),
            ("/etc/passwd", "p", "outside_workspace"),
            ("a.txt", "bad\nname", "malformed"),
            ("a.txt", "/tmp/a.txt", "outside_workspace"),
            ("a.txt", "a.txt/b", "not_a_directory"),
            (".mstro", "elsewhere", "malformed"),
        ] {
            let result = rename(&f.ws, from, to, false);
            if from == "dir" && to == "dir" {
                // Onto itself is allowed and changes nothing.
                assert!(result.is_ok());
                continue;
            }
            assert_eq!(code(result), expected, "{from:?} -> {to:?}");
        }
        assert_eq!(f.read("dir/x"), "x");
        assert_eq!(f.read("a.txt"), "a");
    }

    #[test]
    fn mstro_s_own_and_the_trash_are_out_of_reach() {
        let f = Fixture::new();
        f.write(".mstro/trash/1-00000000/item", "deleted");
        f.write(".mstro/history/s.json", "{}");
        f.write("a.txt", "a");
        assert_eq!(code(rename(&f.ws, ".mstro", "m", false)), "malformed");
        assert_eq!(code(rename(&f.ws, ".mstro/trash", "t", false)), "malformed");
        assert_eq!(
            code(rename(&f.ws, ".mstro/trash/1-00000000", "t", false)),
            "malformed"
        );
        assert_eq!(
            code(rename(&f.ws, "a.txt", ".mstro/trash/a.txt", false)),
            "malformed"
        );
        // Through a link to the trash, too.
        symlink(".mstro/trash", f.root().join("t")).unwrap();
        assert_eq!(code(rename(&f.ws, "a.txt", "t/a.txt", false)), "malformed");
        assert_eq!(code(rename(&f.ws, "t/1-00000000", "x", false)), "malformed");
        // The rest of .mstro is the owner's.
        rename(
            &f.ws,
            ".mstro/history/s.json",
            ".mstro/history/t.json",
            false,
        )
        .unwrap();
    }

    #[test]
    fn links_move_as_links_and_never_lead_out() {
        let f = Fixture::new();
        f.link_out("out");
        f.write("a.txt", "a");
        // The link itself moves; what it points to is untouched.
        let moved = rename(&f.ws, "out", "still-out", false).unwrap();
        assert_eq!(moved.kind, EntryKind::Symlink);
        assert!(
            fs::symlink_metadata(f.root().join("still-out"))
                .unwrap()
                .is_symlink()
        );
        // Into or out of it: refused.
        assert_eq!(
            code(rename(&f.ws, "a.txt", "still-out/a.txt", false)),
            "outside_workspace"
        );
        assert_eq!(
            code(rename(&f.ws, "still-out/secret", "s", false)),
            "outside_workspace"
        );
        f.outside_untouched();
    }

    #[test]
    fn a_link_swapped_in_after_the_check_is_refused() {
        let f = Fixture::new();
        f.write("src/a.txt", "a");
        fs::create_dir(f.root().join("dst")).unwrap();
        let destination = f.ws.resolve_new("dst/a.txt").unwrap();
        fs::rename(f.root().join("dst"), f.root().join("dst-was")).unwrap();
        f.link_out("dst");
        let err = make_parents(&f.ws, &destination).unwrap_err();
        assert_eq!(err.code().as_str(), "outside_workspace");
        assert_eq!(f.read("src/a.txt"), "a");
        f.outside_untouched();
    }
}
