//! The workspace's trash: `delete` moves an entry into `<workspace>/.mstro/trash/<id>/`
//! (as `item`, beside a `manifest.json` saying where it was and when), `restoreTrash`
//! puts it back, `listTrash` lists it, and entries older than the configured age
//! (default 7 days) are emptied for good when the machine starts and daily.
//!
//! A delete is one rename, so deleting a huge tree costs nothing and loses nothing; an
//! entry on another file system than the workspace (a mount inside it) cannot be moved
//! and is refused. The id is `<milliseconds since 1970>-<8 random hex digits>`: when it
//! was deleted, and unguessable enough to be unique. The trash directories are 0700.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mstro_fs::Workspace;
use mstro_fs::beneath::{Dir, Kind};
use mstro_protocol::files::{Restored, TrashEntry, TrashList, Trashed};
use mstro_protocol::timestamp::rfc3339;
use serde::{Deserialize, Serialize};

use super::create::make_parents;
use super::rename::entry_kind;
use super::{FileOpError, TRASH_DIR, guard_destination, guard_source, io_err};

/// How long deleted entries are kept by default.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// The most entries `listTrash` answers with.
pub const MAX_LISTED: usize = 1000;
/// Directories inside each other that emptying the trash goes through.
const MAX_TREE_DEPTH: usize = 512;
const MANIFEST: &str = "manifest.json";
const ITEM: &str = "item";
const MAX_MANIFEST_BYTES: u64 = 64 * 1024;

/// `manifest.json`: what was deleted. `path` is the display path (relative to the
/// root), re-checked by the confinement function when restored: the file is in the
/// workspace, and anyone who can write there can edit it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    path: String,
    deleted_at: String,
}

/// `delete`: moves `path` into the trash. `now` names it.
pub fn delete(ws: &Workspace, path: &str, now: SystemTime) -> Result<Trashed, FileOpError> {
    let entry = ws.resolve_entry(path)?;
    let entry_path = entry.path();
    guard_source(ws, &entry_path)?;
    let shown = ws.display(&entry_path);
    let parent = ws.open_dir(&entry.parent)?;
    let Some(meta) = parent
        .meta(&entry.name)
        .map_err(io_err("look at", &shown))?
    else {
        return Err(FileOpError::NotFound(shown));
    };
    let trash = open_trash(ws, true)?.expect("made when missing");
    let (id, holder) = new_holder(&trash, now)?;
    let manifest = Manifest {
        path: shown.clone(),
        deleted_at: rfc3339(now).unwrap_or_default(),
    };
    let moved = write_manifest(&holder, &manifest)
        .map_err(io_err("move to the trash", &shown))
        .and_then(|()| {
            parent
                .rename(&entry.name, &holder, OsStr::new(ITEM), false)
                .map_err(io_err("move to the trash", &shown))
        });
    if let Err(e) = moved {
        let _ = holder.remove_file(OsStr::new(MANIFEST));
        let _ = trash.remove_dir(OsStr::new(&id));
        return Err(e);
    }
    let _ = parent.sync();
    let _ = holder.sync();
    Ok(Trashed {
        path: shown,
        id,
        kind: entry_kind(meta.kind),
    })
}

/// `restoreTrash`: puts the entry `id` back where it was.
pub fn restore(ws: &Workspace, id: &str) -> Result<Restored, FileOpError> {
    if id_time(id).is_none() {
        return Err(FileOpError::Invalid(format!(
            "{id:?} is not a trash id (listTrash lists them)"
        )));
    }
    let missing = || FileOpError::NotFound(format!("the trash entry {id}"));
    let Some(trash) = open_trash(ws, false)? else {
        return Err(missing());
    };
    let holder = match trash.open_dir(OsStr::new(id)) {
        Ok(holder) => holder,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
        Err(e) => return Err(FileOpError::io("open", &format!("{TRASH_DIR}/{id}"), e)),
    };
    let manifest = read_manifest(&holder, id)?;
    let Some(meta) = holder
        .meta(OsStr::new(ITEM))
        .map_err(io_err("look into", &format!("{TRASH_DIR}/{id}")))?
    else {
        return Err(missing());
    };
    let destination = ws.resolve_new(&manifest.path)?;
    let target = destination.path();
    guard_destination(ws, &target)?;
    let shown = ws.display(&target);
    let dir = make_parents(ws, &destination)?;
    holder
        .rename(OsStr::new(ITEM), &dir, destination.name(), false)
        .map_err(io_err("restore", &shown))?;
    let _ = dir.sync();
    let _ = holder.remove_file(OsStr::new(MANIFEST));
    let _ = trash.remove_dir(OsStr::new(id));
    Ok(Restored {
        id: id.to_owned(),
        path: shown,
        kind: entry_kind(meta.kind),
    })
}

/// `listTrash`: the entries, newest first (at most [`MAX_LISTED`]); `max_age` says when
/// each expires. An entry whose manifest or item is missing or unreadable is left out
/// (it is emptied with the others when it expires).
pub fn list(ws: &Workspace, max_age: Duration) -> Result<TrashList, FileOpError> {
    let Some(trash) = open_trash(ws, false)? else {
        return Ok(TrashList {
            entries: Vec::new(),
            truncated: false,
        });
    };
    let mut ids = entry_ids(&trash)?;
    ids.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    let truncated = ids.len() > MAX_LISTED;
    ids.truncate(MAX_LISTED);
    let mut entries = Vec::with_capacity(ids.len());
    for (id, deleted) in ids {
        let Ok(holder) = trash.open_dir(OsStr::new(&id)) else {
            continue;
        };
        let (Ok(manifest), Ok(Some(meta))) =
            (read_manifest(&holder, &id), holder.meta(OsStr::new(ITEM)))
        else {
            continue;
        };
        entries.push(TrashEntry {
            id,
            path: manifest.path,
            kind: entry_kind(meta.kind),
            size: if meta.kind == Kind::Dir { 0 } else { meta.size },
            deleted_at: rfc3339(deleted).unwrap_or_default(),
            expires_at: rfc3339(deleted + max_age).unwrap_or_default(),
        });
    }
    Ok(TrashList { entries, truncated })
}

/// Empties the entries deleted at least `max_age` before `now`, for good; how many.
/// Only names that are trash ids are touched.
pub fn empty_expired(
    ws: &Workspace,
    max_age: Duration,
    now: SystemTime,
) -> Result<usize, FileOpError> {
    let Some(trash) = open_trash(ws, false)? else {
        return Ok(0);
    };
    let mut emptied = 0;
    for (id, deleted) in entry_ids(&trash)? {
        let expired = now.duration_since(deleted).is_ok_and(|age| age >= max_age);
        if expired {
            trash
                .remove_tree(OsStr::new(&id), MAX_TREE_DEPTH)
                .map_err(io_err("empty from the trash", &format!("{TRASH_DIR}/{id}")))?;
            emptied += 1;
        }
    }
    Ok(emptied)
}

/// The trash ids in `trash`, with when each was deleted.
fn entry_ids(trash: &Dir) -> Result<Vec<(String, SystemTime)>, FileOpError> {
    let mut ids = Vec::new();
    for name in trash.names().map_err(io_err("list", TRASH_DIR))? {
        let name = name.map_err(io_err("list", TRASH_DIR))?;
        if let Some(id) = name.to_str()
            && let Some(time) = id_time(id)
        {
            ids.push((id.to_owned(), time));
        }
    }
    Ok(ids)
}

/// When the entry `id` was deleted, or `None` if `id` is not a trash id.
fn id_time(id: &str) -> Option<SystemTime> {
    let (millis, random) = id.split_once('-')?;
    let digits_ok =
        !millis.is_empty() && millis.len() <= 15 && millis.bytes().all(|b| b.is_ascii_digit());
    let random_ok = random.len() == 8
        && random
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !(digits_ok && random_ok) {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::from_millis(millis.parse().ok()?))
}

/// Makes `trash/<new id>/` (0700).
fn new_holder(trash: &Dir, now: SystemTime) -> Result<(String, Dir), FileOpError> {
    let millis = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    for _ in 0..8 {
        let id = format!("{millis:013}-{:08x}", rand::random::<u32>());
        match trash.mkdir(OsStr::new(&id), 0o700) {
            Ok(()) => {
                let holder = trash
                    .open_dir(OsStr::new(&id))
                    .map_err(io_err("open", TRASH_DIR))?;
                return Ok((id, holder));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(FileOpError::io("make an entry in", TRASH_DIR, e)),
        }
    }
    Err(FileOpError::Invalid("no free trash id; try again".into()))
}

/// The root's `.mstro/trash`, made (0700, as `.mstro` when missing) if `create`;
/// `None` when missing and not `create`. A link or a file in the place of either is
/// refused, never followed.
fn open_trash(ws: &Workspace, create: bool) -> Result<Option<Dir>, FileOpError> {
    let root = ws.open_dir(ws.root())?;
    let Some(mstro) = real_subdir(&root, ".mstro", create)? else {
        return Ok(None);
    };
    real_subdir(&mstro, "trash", create)
}

fn real_subdir(dir: &Dir, name: &str, create: bool) -> Result<Option<Dir>, FileOpError> {
    let name = OsStr::new(name);
    let unusable = || {
        FileOpError::Invalid(format!(
            "{TRASH_DIR} (or .mstro) is not a directory (a symbolic link?); move it away so that mstro can make its trash"
        ))
    };
    match dir.meta(name).map_err(io_err("look at", TRASH_DIR))? {
        Some(meta) if meta.kind == Kind::Dir => {}
        Some(_) => return Err(unusable()),
        None if !create => return Ok(None),
        None => match dir.mkdir(name, 0o700) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(FileOpError::io("make", TRASH_DIR, e)),
        },
    }
    match dir.open_dir(name) {
        Ok(opened) => Ok(Some(opened)),
        Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR)) => Err(unusable()),
        Err(e) => Err(FileOpError::io("open", TRASH_DIR, e)),
    }
}

fn write_manifest(holder: &Dir, manifest: &Manifest) -> std::io::Result<()> {
    let mut file = holder.create_new(OsStr::new(MANIFEST), 0o600)?;
    let text = serde_json::to_vec_pretty(manifest).map_err(std::io::Error::other)?;
    file.write_all(&text)?;
    file.sync_all()
}

fn read_manifest(holder: &Dir, id: &str) -> Result<Manifest, FileOpError> {
    let unreadable = |why: String| {
        FileOpError::Invalid(format!(
            "the trash entry {id} cannot be restored: its manifest {why}"
        ))
    };
    let file = holder
        .open_read(OsStr::new(MANIFEST))
        .map_err(|e| unreadable(format!("cannot be read ({e})")))?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(unreadable("is not a file".into()));
    }
    let mut text = Vec::new();
    file.take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| unreadable(format!("cannot be read ({e})")))?;
    if text.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(unreadable("is too large".into()));
    }
    serde_json::from_slice(&text).map_err(|e| unreadable(format!("is not valid ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::create::tests::{Fixture, code, mode};
    use mstro_protocol::reply::EntryKind;
    use std::fs;
    use std::os::unix::fs::symlink;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    #[test]
    fn delete_and_restore_a_file_and_a_tree() {
        let f = Fixture::new();
        f.write("notes.md", "keep me");
        f.write("src/a/b.rs", "fn b() {}");
        let now = SystemTime::now();
        let file = delete(&f.ws, "notes.md", now).unwrap();
        assert_eq!(
            (file.path.as_str(), file.kind),
            ("notes.md", EntryKind::File)
        );
        assert!(id_time(&file.id).is_some(), "{}", file.id);
        assert!(!f.exists("notes.md"));
        assert_eq!(f.read(&format!(".mstro/trash/{}/item", file.id)), "keep me");
        let manifest = f.read(&format!(".mstro/trash/{}/manifest.json", file.id));
        assert!(manifest.contains("\"path\": \"notes.md\""), "{manifest}");
        assert_eq!(mode(&f.root().join(".mstro/trash")), 0o700);
        assert_eq!(
            mode(&f.root().join(format!(".mstro/trash/{}", file.id))),
            0o700
        );

        let tree = delete(&f.ws, "src", now + Duration::from_millis(5)).unwrap();
        assert_eq!(tree.kind, EntryKind::Dir);
        assert!(!f.exists("src"));

        let listed = list(&f.ws, DEFAULT_MAX_AGE).unwrap();
        assert!(!listed.truncated);
        let paths: Vec<&str> = listed.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["src", "notes.md"], "newest first");
        let notes = &listed.entries[1];
        assert_eq!((notes.kind, notes.size), (EntryKind::File, 7));
        assert_eq!(notes.deleted_at, rfc3339(now).unwrap());
        assert_eq!(notes.expires_at, rfc3339(now + DEFAULT_MAX_AGE).unwrap());

        let restored = restore(&f.ws, &tree.id).unwrap();
        assert_eq!(
            (restored.path.as_str(), restored.kind),
            ("src", EntryKind::Dir)
        );
        assert_eq!(f.read("src/a/b.rs"), "fn b() {}");
        assert!(
            !f.exists(&format!(".mstro/trash/{}", tree.id)),
            "the entry is gone"
        );
        assert_eq!(list(&f.ws, DEFAULT_MAX_AGE).unwrap().entries.len(), 1);
        // Twice: nothing left to restore.
        assert_eq!(code(restore(&f.ws, &tree.id)), "not_found");
    }

    #[test]
    fn restore_refuses_to_overwrite_and_remakes_parents() {
        let f = Fixture::new();
        f.write("dir/sub/file.txt", "old");
        let trashed = delete(&f.ws, "dir/sub/file.txt", SystemTime::now()).unwrap();
        f.write("dir/sub/file.txt", "new one");
        let err = restore(&f.ws, &trashed.id).unwrap_err();
        assert_eq!(err.code().as_str(), "already_exists");
        assert_eq!(f.read("dir/sub/file.txt"), "new one");
        assert!(
            f.exists(&format!(".mstro/trash/{}/item", trashed.id)),
            "still in the trash"
        );
        // Its whole directory gone meanwhile: made again.
        fs::remove_dir_all(f.root().join("dir")).unwrap();
        restore(&f.ws, &trashed.id).unwrap();
        assert_eq!(f.read("dir/sub/file.txt"), "old");
    }

    #[test]
    fn expired_entries_are_emptied_for_good() {
        let f = Fixture::new();
        f.write("old.txt", "old");
        f.write("recent.txt", "recent");
        f.write("old-dir/x/y", "y");
        let now = SystemTime::now();
        let old = delete(&f.ws, "old.txt", now - 8 * DAY).unwrap();
        let old_dir = delete(&f.ws, "old-dir", now - 7 * DAY).unwrap();
        let recent = delete(&f.ws, "recent.txt", now - 6 * DAY).unwrap();
        // Something that is no trash entry is left alone.
        f.write(".mstro/trash/not-an-id", "mine");
        assert_eq!(empty_expired(&f.ws, DEFAULT_MAX_AGE, now).unwrap(), 2);
        assert!(!f.exists(&format!(".mstro/trash/{}", old.id)));
        assert!(!f.exists(&format!(".mstro/trash/{}", old_dir.id)));
        assert!(f.exists(&format!(".mstro/trash/{}", recent.id)));
        assert!(f.exists(".mstro/trash/not-an-id"));
        assert_eq!(empty_expired(&f.ws, DEFAULT_MAX_AGE, now).unwrap(), 0);
        // A shorter age empties more.
        assert_eq!(empty_expired(&f.ws, DAY, now).unwrap(), 1);
        assert!(list(&f.ws, DAY).unwrap().entries.is_empty());
        // No trash at all: nothing to do.
        let g = Fixture::new();
        assert_eq!(empty_expired(&g.ws, DAY, now).unwrap(), 0);
        assert!(!g.exists(".mstro"), "listing or emptying makes no trash");
        assert!(list(&g.ws, DAY).unwrap().entries.is_empty());
    }

    #[test]
    fn links_are_trashed_as_links() {
        let f = Fixture::new();
        f.link_out("out");
        let trashed = delete(&f.ws, "out", SystemTime::now()).unwrap();
        assert_eq!(trashed.kind, EntryKind::Symlink);
        assert!(!f.exists("out"));
        f.outside_untouched();
        assert_eq!(
            code(delete(&f.ws, "missing", SystemTime::now())),
            "not_found"
        );
        f.link_out("out2");
        assert_eq!(
            code(delete(&f.ws, "out2/secret", SystemTime::now())),
            "outside_workspace"
        );
        restore(&f.ws, &trashed.id).unwrap();
        assert!(
            fs::symlink_metadata(f.root().join("out"))
                .unwrap()
                .is_symlink()
        );
        f.outside_untouched();
    }

    #[test]
    fn what_cannot_be_deleted() {
        let f = Fixture::new();
        f.write("a.txt", "a");
        let now = SystemTime::now();
        let trashed = delete(&f.ws, "a.txt", now).unwrap();
        for path in [
            "",
            ".",
            ".mstro",
            ".mstro/trash",
            &format!(".mstro/trash/{}", trashed.id),
            "../x",
            "/etc",
        ] {
            let result = delete(&f.ws, path, now);
            assert!(
                matches!(code(result), "malformed" | "outside_workspace"),
                "{path:?}"
            );
        }
        // Other things in .mstro are the owner's.
        f.write(".mstro/history/s.json", "{}");
        delete(&f.ws, ".mstro/history/s.json", now).unwrap();
    }

    #[test]
    fn a_planted_trash_is_refused_and_forged_manifests_stay_inside() {
        let f = Fixture::new();
        f.write("a.txt", "a");
        fs::create_dir(f.root().join(".mstro")).unwrap();
        symlink(f.base.join("outside"), f.root().join(".mstro/trash")).unwrap();
        let err = delete(&f.ws, "a.txt", SystemTime::now()).unwrap_err();
        assert_eq!(err.code().as_str(), "malformed");
        assert!(err.to_string().contains("not a directory"), "{err}");
        assert_eq!(f.read("a.txt"), "a");
        f.outside_untouched();
        fs::remove_file(f.root().join(".mstro/trash")).unwrap();

        // A manifest edited to point out of the workspace: the confinement refuses it.
        let trashed = delete(&f.ws, "a.txt", SystemTime::now()).unwrap();
        let manifest = f
            .root()
            .join(format!(".mstro/trash/{}/manifest.json", trashed.id));
        for (forged, expected) in [
            ("../outside/planted", "outside_workspace"),
            ("/tmp/planted", "outside_workspace"),
            (".mstro/trash/x", "malformed"),
            ("bad\nname", "malformed"),
        ] {
            fs::write(
                &manifest,
                format!(r#"{{"path": {forged:?}, "deletedAt": ""}}"#),
            )
            .unwrap();
            assert_eq!(code(restore(&f.ws, &trashed.id)), expected, "{forged}");
        }
        fs::write(&manifest, "not json").unwrap();
        assert_eq!(code(restore(&f.ws, &trashed.id)), "malformed");
        assert!(
            list(&f.ws, DAY).unwrap().entries.is_empty(),
            "a broken entry is not listed"
        );
        f.outside_untouched();
        // Ids are checked before anything is opened.
        for bad in [
            "",
            "..",
            "../../etc",
            "1-abc",
            "x-12345678",
            "1-1234567g",
            "1/2-12345678",
        ] {
            assert_eq!(code(restore(&f.ws, bad)), "malformed", "{bad:?}");
        }
    }

    #[test]
    fn ids_sort_by_time() {
        let t = UNIX_EPOCH + Duration::from_millis(1_790_000_000_123);
        assert_eq!(id_time("1790000000123-0badcafe"), Some(t));
        assert_eq!(id_time("1790000000123-0BADCAFE"), None);
        assert_eq!(id_time("-0badcafe"), None);
        assert_eq!(id_time("1790000000123"), None);
    }
}
