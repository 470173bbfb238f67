//! Changing the workspace's files from the browser, and watching them change
//! (docs/files.md): the requests' data, the replies, the `fileChanged` event and the
//! data of a `conflict` error. Paths are relative to the workspace root, `/`-separated,
//! as `listDirectory` shows them; the machine takes every one through its confinement
//! function.
//!
//! Every request here but `watch` and `unwatch` is the owner's.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::reply::EntryKind;

/// The most bytes a `writeFile` or `createFile` writes (the frame carrying them is at
/// most 1 MiB anyway, `MAX_FRAME_BYTES`, escapes included).
pub const MAX_WRITE_BYTES: usize = 1024 * 1024;
/// The most paths one `watch` or `unwatch` names.
pub const MAX_WATCH_PATHS_PER_REQUEST: usize = 256;

/// `createFile {path, content?}`: a new file (missing parent directories are made too);
/// something already there is `already_exists`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
pub struct CreateFileArg {
    pub path: String,
    /// UTF-8 text; empty without it.
    pub content: Option<String>,
}

/// `createDirectory {path}`: a new directory (and its missing parents).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CreateDirectoryArg {
    pub path: String,
}

/// `rename {from, to, overwrite?}`: moves a file, directory or link (the link itself)
/// anywhere in the workspace; missing parents of `to` are made. Something at `to` is
/// `already_exists` unless `overwrite` (then a file or an empty directory there is
/// replaced).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
pub struct RenameArg {
    pub from: String,
    pub to: String,
    pub overwrite: Option<bool>,
}

/// `copy {from, to}`: copies a file, a link (as a link) or a directory tree to `to`,
/// which must not exist; bounded (`limit_reached` before anything is copied).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CopyArg {
    pub from: String,
    pub to: String,
}

/// `delete {path}`: moves a file, directory or link into the workspace's trash
/// (`.mstro/trash/<id>/`), from which `restoreTrash` brings it back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DeleteArg {
    pub path: String,
}

/// `restoreTrash {id}`: puts a deleted entry back where it was (its missing parents
/// made); something now at that path is `already_exists`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RestoreTrashArg {
    pub id: String,
}

/// `writeFile {path, content, baseHash?}`: replaces a file's content, atomically,
/// keeping its mode. `baseHash` is the `hash` of the version the writer edited (from
/// `readFile` or an earlier `writeFile`): when the file on disk has another, the answer
/// is a `conflict` error ([`ConflictData`]) and nothing is written. Without `baseHash`
/// the file must not exist yet (it is created; one that exists is a `conflict` too).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct WriteFileArg {
    pub path: String,
    /// UTF-8 text, at most [`MAX_WRITE_BYTES`].
    pub content: String,
    /// Lowercase hex SHA-256 of the bytes the writer started from.
    pub base_hash: Option<String>,
}

/// `watch {paths}`: this browser wants `fileChanged` events for these directories
/// (their entries) and files. Viewers may.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct WatchArg {
    pub paths: Vec<String>,
}

/// `unwatch {paths?}`: no more events for these paths (as `watch` answered them);
/// without `paths`, for any.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
pub struct UnwatchArg {
    pub paths: Option<Vec<String>>,
}

/// `createFile` and `createDirectory`: what now exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Created {
    /// Its display path (its real place, if an ancestor was reached through a link).
    pub path: String,
    pub kind: EntryKind,
    /// A file's content hash (lowercase hex SHA-256, what a later `writeFile` sends as
    /// `baseHash`); `null` for a directory.
    pub hash: Option<String>,
}

/// `writeFile`: the new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Written {
    pub path: String,
    /// Lowercase hex SHA-256 of what was written: the next `baseHash`.
    pub hash: String,
    pub size: u64,
}

/// `rename`: where the entry is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Moved {
    pub from: String,
    pub to: String,
    pub kind: EntryKind,
}

/// `copy`: what was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Copied {
    pub path: String,
    pub kind: EntryKind,
    /// Files, directories and links copied (the top one included).
    pub entries: u64,
    /// Bytes of file content copied.
    pub bytes: u64,
    /// FIFOs, sockets and devices in the tree, which are not copied.
    pub skipped: u64,
}

/// `delete`: the entry is in the trash, under `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Trashed {
    pub path: String,
    pub id: String,
    pub kind: EntryKind,
}

/// `restoreTrash`: the entry is back at `path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Restored {
    pub id: String,
    pub path: String,
    pub kind: EntryKind,
}

/// `listTrash`: what the trash holds, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TrashList {
    pub entries: Vec<TrashEntry>,
    /// More entries than a listing holds (1 000); the newest are listed.
    pub truncated: bool,
}

/// One entry of [`TrashList`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TrashEntry {
    pub id: String,
    /// Where it was (where `restoreTrash` puts it).
    pub path: String,
    pub kind: EntryKind,
    /// Bytes of a file (or a link); 0 for a directory.
    pub size: u64,
    /// RFC 3339.
    pub deleted_at: String,
    /// RFC 3339: when the machine empties it from the trash for good.
    pub expires_at: String,
}

/// `watch` and `unwatch`: what this browser now watches, and the paths of this request
/// that could not be watched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Watching {
    /// Display paths (a directory or file reached through a link: its real place).
    pub paths: Vec<String>,
    pub refused: Vec<WatchRefused>,
}

/// A path `watch` did not take, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct WatchRefused {
    /// As the request wrote it.
    pub path: String,
    pub code: ErrorCode,
    pub message: String,
}

/// How a watched path changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum FileChangeKind {
    /// Something appeared at the path, or replaced what was there (editors, Claude Code
    /// and mstro itself save by renaming a new file over the old one).
    Created,
    /// Its content or metadata changed in place.
    Modified,
    /// It is gone (deleted, or moved away). A watched directory that goes is no longer
    /// watched; watch it again if it comes back.
    Removed,
    /// More changed than the machine reports one by one, or its watch lost events:
    /// re-read everything watched (`path` is `""`).
    Overflow,
}

/// `fileChanged {path, kind}`: to one browser (the frame's `to`), about a path it
/// watches (a watched directory's entry, the directory itself, or a watched file).
/// Changes to one path within a fraction of a second come as one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FileChanged {
    pub path: String,
    pub kind: FileChangeKind,
}

/// The event's type.
pub const FILE_CHANGED: &str = "fileChanged";

/// The `data` of a `conflict` error answering `writeFile`: the `ErrorData` fields plus
/// the hash of the file as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConflictData {
    /// Always `conflict`.
    pub code: ErrorCode,
    pub message: String,
    /// Lowercase hex SHA-256 of the file on disk; `null` when it is gone (or is no
    /// longer a regular file).
    pub current_hash: Option<String>,
}
