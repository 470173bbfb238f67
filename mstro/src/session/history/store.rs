//! The history directory, `<project>/.mstro/history/`: one `<sessionId>.json` per
//! session (0600, the directory 0700, with a `.gitignore` of `*`), each replaced
//! atomically on save.
//!
//! Everything under the project may come from a cloned repository, so the store trusts
//! nothing it finds there: `.mstro` and `.mstro/history` must be real directories (not
//! symlinks), session files are opened with `O_NOFOLLOW` and must be regular files of at
//! most [`MAX_FILE_BYTES`], only names `<valid id>.json` are looked at, and a file that
//! does not parse (or claims another id) is a [`Problem`], never a failure of the list.

use std::collections::{HashMap, HashSet};
use std::fs::{self, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use super::record::{self, SessionRecord, SessionSummary, session_id_of};
use super::search::{MAX_RESULTS, Query, SearchDoc, SearchHit, search_record};
use crate::session::ids;
use mstro_fs::write_atomic;
pub use mstro_protocol::history::{Page, Problem};

/// The largest session file read or written (32 MiB).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// The most sessions one [`HistoryStore::list`] page holds.
pub const MAX_PAGE: usize = 100;

/// The history of one project's sessions.
#[derive(Debug)]
pub struct HistoryStore {
    /// `<project>/.mstro`.
    mstro_dir: PathBuf,
    /// `<project>/.mstro/history`.
    dir: PathBuf,
    cache: Mutex<Cache>,
    /// [`MAX_FILE_BYTES`], or less (`MSTRO_HISTORY_FILE_LIMIT`, for tests).
    max_file_bytes: u64,
}

/// What [`HistoryStore::list`] and [`HistoryStore::search`] learnt of each file (its
/// summary and searchable text), so the next call parses only the files that changed:
/// the index of the history, kept up to date by the files' stamps.
#[derive(Debug, Default)]
struct Cache {
    by_file: HashMap<String, Cached>,
    /// How many files were parsed, for the tests to see what the cache saved.
    #[cfg(test)]
    parsed: usize,
}

#[derive(Debug)]
struct Cached {
    stamp: Stamp,
    /// The summary and searchable text, or why the file is a problem.
    summary: Result<(SessionSummary, std::sync::Arc<SearchDoc>), String>,
}

/// What tells that a file changed without reading it. Beyond the modification time
/// and length, the inode and change time: every save renames a new file in (a new
/// inode), so a change is seen even within the file system's clock tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    dev_ino: (u64, u64),
    #[cfg(unix)]
    ctime: (i64, i64),
}

impl Stamp {
    fn of(meta: &Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            dev_ino: (meta.dev(), meta.ino()),
            #[cfg(unix)]
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// Why a history operation failed. Each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// No session with this id is saved.
    #[error("no saved session {0}: it may have been deleted; refresh the session list")]
    NotFound(String),
    /// An id from outside is not 1–64 characters of `A-Z a-z 0-9 _ -`.
    #[error("not a session id: session ids are 1-64 characters of A-Z a-z 0-9 _ -")]
    BadId,
    /// A session file does not hold a session this mstro can read.
    #[error(
        "the history file {file} cannot be read: {reason}. Move it out of .mstro/history \
         (or delete it) and the message goes away"
    )]
    Corrupt { file: String, reason: String },
    /// A path the store would use is a symlink, or not the kind of file expected: the
    /// project may be a hostile checkout.
    #[error(
        "refusing to use {}: {why}. mstro keeps history only in real directories and \
         files; remove it (mstro recreates the history directory on the next save)",
        path.display()
    )]
    Unsafe { path: PathBuf, why: String },
    /// The record is larger than a session file may hold; nothing was written.
    #[error(
        "session {id} was not saved: it would take {} KiB, over the {} KiB a session file \
         may hold",
        bytes / 1024,
        limit / 1024
    )]
    TooLarge { id: String, bytes: u64, limit: u64 },
    /// A record was refused before anything was written; the old file is untouched.
    #[error("session {id} was not saved: {reason}")]
    NotSaved { id: String, reason: String },
    /// The file system failed.
    #[error(
        "could not read or write the session history: {0}. Check that .mstro/history in \
         the project is writable by you and the disk is not full"
    )]
    Io(#[from] io::Error),
}

impl From<mstro_fs::DirError> for HistoryError {
    fn from(e: mstro_fs::DirError) -> HistoryError {
        match e {
            mstro_fs::DirError::Unsafe { path, why } => HistoryError::Unsafe { path, why },
            mstro_fs::DirError::Io(e) => HistoryError::Io(e),
        }
    }
}

impl HistoryStore {
    /// The store of `<project_root>/.mstro/history`. Nothing is created until the first
    /// [`save`](HistoryStore::save).
    pub fn new(project_root: &Path) -> HistoryStore {
        let mstro_dir = project_root.join(".mstro");
        let max_file_bytes = std::env::var("MSTRO_HISTORY_FILE_LIMIT")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&v| v > 0)
            .map_or(MAX_FILE_BYTES, |v| v.min(MAX_FILE_BYTES));
        HistoryStore {
            dir: mstro_dir.join("history"),
            mstro_dir,
            cache: Mutex::default(),
            max_file_bytes,
        }
    }

    /// `<project>/.mstro/history`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `record` to `<id>.json` (0600) atomically: a reader, or a crash at any
    /// point, sees the old file or the new one. Creates `.mstro` and `.mstro/history`
    /// (0700) and `history/.gitignore` (`*`) when missing, and narrows an existing
    /// history directory to 0700.
    pub fn save(&self, record: &SessionRecord) -> Result<(), HistoryError> {
        if !ids::is_valid(&record.id) {
            return Err(HistoryError::BadId);
        }
        let not_saved = |reason: String| HistoryError::NotSaved {
            id: record.id.clone(),
            reason,
        };
        record::check(record).map_err(not_saved)?;
        let bytes = serde_json::to_vec(record).map_err(io::Error::from)?;
        if bytes.len() as u64 > self.max_file_bytes {
            return Err(HistoryError::TooLarge {
                id: record.id.clone(),
                bytes: bytes.len() as u64,
                limit: self.max_file_bytes,
            });
        }
        self.prepare_dirs()?;
        write_atomic(&self.dir.join(file_name(&record.id)), &bytes, 0o600)?;
        Ok(())
    }

    /// The session `id`: [`NotFound`](HistoryError::NotFound) when there is none,
    /// [`Corrupt`](HistoryError::Corrupt) when its file cannot be read as one,
    /// [`Unsafe`](HistoryError::Unsafe) when it is a symlink or not a regular file.
    pub fn load(&self, id: &str) -> Result<SessionRecord, HistoryError> {
        if !ids::is_valid(id) {
            return Err(HistoryError::BadId);
        }
        if !self.dirs_exist()? {
            return Err(HistoryError::NotFound(id.to_owned()));
        }
        read_record(&self.dir, id).map(|(record, _)| record)
    }

    /// Removes the session `id`; `false` when there was none. A symlink in its place
    /// is removed itself, never what it points to.
    pub fn delete(&self, id: &str) -> Result<bool, HistoryError> {
        if !ids::is_valid(id) {
            return Err(HistoryError::BadId);
        }
        if !self.dirs_exist()? {
            return Ok(false);
        }
        let name = file_name(id);
        match fs::remove_file(self.dir.join(&name)) {
            Ok(()) => {
                self.cache().by_file.remove(&name);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Sessions `offset..offset + limit` (`limit` at most [`MAX_PAGE`]), newest first by
    /// `updatedAt` (compared as text: mstro writes UTC RFC 3339, which sorts so), then
    /// by id. No history directory is an empty page.
    ///
    /// Only files that are new or changed since the last call (see `Stamp`) are parsed;
    /// the others come from memory. A file that cannot be read is in
    /// [`Page::problems`], and the rest are listed.
    pub fn list(&self, offset: usize, limit: usize) -> Result<Page, HistoryError> {
        let mut cache = self.cache();
        let mut problems = self.refresh(&mut cache)?;
        let mut sessions = Vec::new();
        for (name, cached) in &cache.by_file {
            match &cached.summary {
                Ok((summary, _)) => sessions.push(summary.clone()),
                Err(error) => problems.push(Problem {
                    file: name.clone(),
                    error: error.clone(),
                }),
            }
        }
        drop(cache);
        sessions.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        problems.sort_by(|a, b| a.file.cmp(&b.file));
        let total = sessions.len();
        let sessions = sessions
            .into_iter()
            .skip(offset)
            .take(limit.min(MAX_PAGE))
            .collect();
        Ok(Page {
            sessions,
            total,
            problems,
        })
    }

    /// Bring the cache up to date with the directory: parse the files that are new or
    /// changed, forget the ones that are gone. The problems of files that could not be
    /// looked at (those that could not be parsed stay in the cache as such).
    fn refresh(&self, cache: &mut Cache) -> Result<Vec<Problem>, HistoryError> {
        if !self.dirs_exist()? {
            cache.by_file.clear();
            return Ok(Vec::new());
        }
        let mut seen = HashSet::new();
        let mut problems = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let Some(id) = session_id_of(&name).map(str::to_owned) else {
                continue;
            };
            // `DirEntry::metadata` does not follow symlinks.
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    problems.push(problem(&name, &HistoryError::Io(e)));
                    continue;
                }
            };
            if !meta.file_type().is_file() {
                let why = not_regular(&meta);
                let path = self.dir.join(&name);
                problems.push(problem(&name, &HistoryError::Unsafe { path, why }));
                continue;
            }
            seen.insert(name.clone());
            if cache
                .by_file
                .get(&name)
                .is_some_and(|c| c.stamp == Stamp::of(&meta))
            {
                continue;
            }
            #[cfg(test)]
            {
                cache.parsed += 1;
            }
            let cached = match read_record(&self.dir, &id) {
                Ok((record, stamp)) => Cached {
                    stamp,
                    summary: Ok((
                        record.summary(),
                        std::sync::Arc::new(SearchDoc::of(&record)),
                    )),
                },
                // Deleted since the directory was read.
                Err(HistoryError::NotFound(_)) => {
                    seen.remove(&name);
                    continue;
                }
                // Remembered with the stamp seen, so a damaged file is not re-read on
                // every call either.
                Err(e) => Cached {
                    stamp: Stamp::of(&meta),
                    summary: Err(e.to_string()),
                },
            };
            cache.by_file.insert(name, cached);
        }
        cache.by_file.retain(|name, _| seen.contains(name));
        Ok(problems)
    }

    /// The sessions whose title, prompts, output text or tool calls (names and inputs)
    /// contain `query`, ignoring case; newest first, at most `limit` (at most
    /// [`MAX_RESULTS`]). A blank query finds nothing (an empty list, not an error: the
    /// list is what shows everything). Files that cannot be read are skipped.
    ///
    /// Searches the cache (see [`refresh`](Self::refresh)): only files that changed
    /// since the last call are read, and a session with more text than the cache
    /// keeps of it ([`SearchDoc::complete`]) is searched in its file when the cached
    /// part does not match.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, HistoryError> {
        let Some(query) = Query::new(query) else {
            return Ok(Vec::new());
        };
        let limit = limit.min(MAX_RESULTS);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let docs: Vec<(String, std::sync::Arc<SearchDoc>)> = {
            let mut cache = self.cache();
            self.refresh(&mut cache)?;
            cache
                .by_file
                .iter()
                .filter_map(|(name, c)| {
                    let (_, doc) = c.summary.as_ref().ok()?;
                    Some((name.clone(), doc.clone()))
                })
                .collect()
        };
        let mut hits = Vec::new();
        for (name, doc) in docs {
            if let Some(hit) = doc.search(&query) {
                hits.push(hit);
            } else if !doc.complete
                && let Some(id) = session_id_of(&name)
                && let Ok((record, _)) = read_record(&self.dir, id)
                && let Some(hit) = search_record(&record, &query)
            {
                hits.push(hit);
            }
        }
        hits.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then_with(|| a.session_id.cmp(&b.session_id))
        });
        hits.truncate(limit);
        Ok(hits)
    }

    /// How many files [`list`](HistoryStore::list) has parsed so far.
    #[cfg(test)]
    fn parsed(&self) -> usize {
        self.cache().parsed
    }

    fn cache(&self) -> MutexGuard<'_, Cache> {
        // The cache is only ever replaced entry by entry; after a panic it is still
        // usable.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `.mstro/history` exists; [`Unsafe`](HistoryError::Unsafe) if it, or
    /// `.mstro`, is a symlink or not a directory.
    fn dirs_exist(&self) -> Result<bool, HistoryError> {
        for dir in [&self.mstro_dir, &self.dir] {
            if !mstro_fs::real_dir_exists(dir)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Makes `.mstro` and `.mstro/history` (0700) and `history/.gitignore` exist.
    fn prepare_dirs(&self) -> Result<(), HistoryError> {
        for dir in [&self.mstro_dir, &self.dir] {
            make_dir(dir)?;
        }
        // The directory may have come from elsewhere (a checkout's umask); `.mstro` is
        // left alone: it can also hold a project's committed `bouncer.yaml`.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = fs::symlink_metadata(&self.dir)?;
            if meta.permissions().mode() & 0o077 != 0 {
                fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))?;
            }
        }
        let gitignore = self.dir.join(".gitignore");
        match fs::symlink_metadata(&gitignore) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                write_atomic(&gitignore, b"*\n", 0o600)?;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}

/// `<id>.json`.
fn file_name(id: &str) -> String {
    format!("{id}.json")
}

/// Creates `dir` (0700) unless it exists as a real directory (a symbolic link is
/// refused: the project may come from someone else).
pub(in crate::session) fn make_dir(dir: &Path) -> Result<(), HistoryError> {
    Ok(mstro_fs::create_real_dir(dir)?)
}

/// Why an entry that is not a regular file is refused.
fn not_regular(meta: &Metadata) -> String {
    if meta.file_type().is_symlink() {
        "it is a symbolic link, not a session file".into()
    } else {
        "it is not a regular file".into()
    }
}

/// A problem line for the list, the error's whole message (it says what to do).
fn problem(file: &str, error: &HistoryError) -> Problem {
    Problem {
        file: file.to_owned(),
        error: error.to_string(),
    }
}

/// Reads and checks `<dir>/<id>.json`, with the stamp of the file actually read.
fn read_record(dir: &Path, id: &str) -> Result<(SessionRecord, Stamp), HistoryError> {
    let name = file_name(id);
    let path = dir.join(&name);
    let file = match mstro_fs::open_read_no_follow(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(HistoryError::NotFound(id.to_owned()));
        }
        // `O_NOFOLLOW` refuses a symlink with an error that differs across systems
        // (`ELOOP`, `EMLINK`): look rather than guess.
        Err(e) => {
            return Err(match fs::symlink_metadata(&path) {
                Ok(meta) if !meta.file_type().is_file() => HistoryError::Unsafe {
                    why: not_regular(&meta),
                    path,
                },
                _ => HistoryError::Io(e),
            });
        }
    };
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(HistoryError::Unsafe {
            why: not_regular(&meta),
            path,
        });
    }
    let too_large = || HistoryError::Corrupt {
        file: name.clone(),
        reason: format!(
            "it is over {} MiB, more than a session file may hold",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    // Bounded even if the file grows after the `fstat`.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let record = record::from_file(&bytes, id).map_err(|reason| HistoryError::Corrupt {
        file: name.clone(),
        reason,
    })?;
    Ok((record, Stamp::of(&meta)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::history::{FORMAT_VERSION, MovementRecord};
    use mstro_protocol::event::{TabEvent, TextChunk, ToolPhase, ToolUse};
    use serde_json::json;

    #[cfg(unix)]
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn project() -> (tempfile::TempDir, HistoryStore) {
        let tmp = tempfile::tempdir().unwrap();
        let store = HistoryStore::new(tmp.path());
        (tmp, store)
    }

    fn session(id: &str, updated: &str, prompt: &str, output: &str) -> SessionRecord {
        let mut r = SessionRecord::new(id.into(), prompt, "2026-01-01T00:00:00Z".into());
        r.updated_at = updated.into();
        let mut m = MovementRecord::new(
            format!("m-{id}"),
            format!("g-{id}"),
            prompt.into(),
            "2026-01-01T00:00:00Z".into(),
        );
        for half in [&output[..output.len() / 2], &output[output.len() / 2..]] {
            m.push(TabEvent::Output(TextChunk {
                movement_id: format!("m-{id}"),
                text: half.into(),
                parent_tool_use_id: None,
            }));
        }
        r.movements.push(m);
        r
    }

    fn ids(page: &Page) -> Vec<&str> {
        page.sessions.iter().map(|s| s.id.as_str()).collect()
    }

    fn mode(path: &Path) -> u32 {
        #[cfg(unix)]
        return fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777;
        #[cfg(not(unix))]
        0
    }

    #[test]
    fn save_then_load_round_trips_with_private_modes() {
        let (tmp, store) = project();
        assert_eq!(store.dir(), tmp.path().join(".mstro/history"));
        assert!(!store.dir().exists(), "nothing is created before a save");
        let mut r = session("s-1", "2026-01-02T00:00:00Z", "Fix the build", "Done ✅");
        r.claude_session_id = Some("0b6c6f1e-5d2a-4f7e-9a3b-1c2d3e4f5a6b".into());
        store.save(&r).unwrap();
        let back = store.load("s-1").unwrap();
        assert_eq!(back, r);
        assert_eq!(back.movements[0].events.len(), 1, "the halves were merged");

        let file = store.dir().join("s-1.json");
        let on_disk: serde_json::Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
        assert_eq!(on_disk["version"], json!(1));
        assert_eq!(on_disk["createdAt"], json!("2026-01-01T00:00:00Z"));
        assert_eq!(
            fs::read_to_string(store.dir().join(".gitignore")).unwrap(),
            "*\n"
        );
        if cfg!(unix) {
            assert_eq!(mode(&tmp.path().join(".mstro")), 0o700);
            assert_eq!(mode(store.dir()), 0o700);
            assert_eq!(mode(&file), 0o600);
        }

        // A second save replaces the file and keeps what is already there.
        r.title = "renamed".into();
        store.save(&r).unwrap();
        assert_eq!(store.load("s-1").unwrap().title, "renamed");
        assert_eq!(
            fs::read_dir(store.dir()).unwrap().count(),
            2,
            "no temp file left"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_project_mstro_dir_is_kept_and_a_loose_history_dir_narrowed() {
        let (tmp, store) = project();
        let mstro = tmp.path().join(".mstro");
        fs::create_dir(&mstro).unwrap();
        fs::set_permissions(&mstro, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(mstro.join("bouncer.yaml"), "rules: []\n").unwrap();
        fs::create_dir(store.dir()).unwrap();
        fs::set_permissions(store.dir(), fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(store.dir().join(".gitignore"), "custom\n").unwrap();
        store.save(&session("a", "t", "p", "o")).unwrap();
        assert_eq!(mode(&mstro), 0o755, ".mstro may be the project's own");
        assert_eq!(mode(store.dir()), 0o700);
        assert_eq!(
            fs::read_to_string(store.dir().join(".gitignore")).unwrap(),
            "custom\n",
            "an existing .gitignore is left alone"
        );
    }

    #[test]
    fn list_is_newest_first_and_pages() {
        let (_tmp, store) = project();
        assert_eq!(
            store.list(0, 20).unwrap(),
            Page::default(),
            "no directory yet"
        );
        for (id, updated) in [
            ("old", "2026-01-01T00:00:00Z"),
            ("new", "2026-03-01T00:00:00Z"),
            ("mid-b", "2026-02-01T00:00:00Z"),
            ("mid-a", "2026-02-01T00:00:00Z"),
        ] {
            store.save(&session(id, updated, "p", "o")).unwrap();
        }
        let all = store.list(0, 20).unwrap();
        assert_eq!(ids(&all), ["new", "mid-a", "mid-b", "old"]);
        assert_eq!(all.total, 4);
        assert!(all.problems.is_empty());
        assert_eq!(all.sessions[0].movement_count, 1);
        assert_eq!(all.sessions[0].last_status.as_deref(), Some("running"));

        let page = store.list(1, 2).unwrap();
        assert_eq!(ids(&page), ["mid-a", "mid-b"]);
        assert_eq!(page.total, 4);
        assert_eq!(ids(&store.list(3, 2).unwrap()), ["old"]);
        assert!(store.list(10, 2).unwrap().sessions.is_empty());
        assert!(store.list(0, 0).unwrap().sessions.is_empty());
        assert_eq!(
            serde_json::to_value(store.list(3, 1).unwrap()).unwrap()["sessions"][0]["updatedAt"],
            json!("2026-01-01T00:00:00Z")
        );
    }

    #[test]
    fn list_never_returns_more_than_a_page() {
        let (_tmp, store) = project();
        for i in 0..MAX_PAGE + 5 {
            store
                .save(&session(&format!("s{i}"), "t", "p", "o"))
                .unwrap();
        }
        let page = store.list(0, usize::MAX).unwrap();
        assert_eq!(page.sessions.len(), MAX_PAGE);
        assert_eq!(page.total, MAX_PAGE + 5);
    }

    #[test]
    fn list_parses_only_new_or_changed_files() {
        let (_tmp, store) = project();
        for id in ["a", "b", "c"] {
            store
                .save(&session(id, "2026-01-01T00:00:00Z", "p", "o"))
                .unwrap();
        }
        fs::write(store.dir().join("bad.json"), "{").unwrap();
        let first = store.list(0, 20).unwrap();
        assert_eq!(store.parsed(), 4);
        assert_eq!(first.problems.len(), 1);

        let second = store.list(0, 20).unwrap();
        assert_eq!(store.parsed(), 4, "the second call parses nothing");
        assert_eq!(second, first);

        // A save (a new file renamed in) is seen, even within the clock's tick.
        let mut b = session("b", "2026-05-01T00:00:00Z", "p", "o");
        b.title = "changed".into();
        store.save(&b).unwrap();
        let third = store.list(0, 20).unwrap();
        assert_eq!(store.parsed(), 5, "only the changed file");
        assert_eq!(third.sessions[0].title, "changed");

        // So is an edit in place, and a new file; a vanished file is dropped.
        let a = store.dir().join("a.json");
        let mut text = fs::read_to_string(&a).unwrap();
        text = text.replace("\"title\":\"p\"", "\"title\":\"edited by hand\"");
        fs::write(&a, text).unwrap();
        store
            .save(&session("d", "2026-01-01T00:00:00Z", "p", "o"))
            .unwrap();
        fs::remove_file(store.dir().join("c.json")).unwrap();
        let fourth = store.list(0, 20).unwrap();
        assert_eq!(store.parsed(), 7);
        assert_eq!(ids(&fourth), ["b", "a", "d"]);
        assert_eq!(fourth.sessions[1].title, "edited by hand");
        assert!(!store.cache().by_file.contains_key("c.json"));

        fs::remove_file(store.dir().join("bad.json")).unwrap();
        assert!(store.list(0, 20).unwrap().problems.is_empty());
        assert_eq!(store.parsed(), 7);
    }

    #[test]
    fn damaged_files_are_problems_and_the_rest_is_listed() {
        let (_tmp, store) = project();
        store.save(&session("good", "t", "p", "o")).unwrap();
        let dir = store.dir();
        let mut valid = serde_json::to_value(session("x", "t", "p", "o")).unwrap();
        fs::write(dir.join("notjson.json"), "hello").unwrap();
        fs::write(dir.join("shape.json"), r#"{"version":1,"id":"shape"}"#).unwrap();
        valid["id"] = json!("version");
        valid["version"] = json!(7);
        fs::write(dir.join("version.json"), valid.to_string()).unwrap();
        valid["version"] = json!(1);
        valid["id"] = json!("someone-else");
        fs::write(dir.join("renamed.json"), valid.to_string()).unwrap();
        let big = fs::File::create(dir.join("big.json")).unwrap();
        big.set_len(MAX_FILE_BYTES + 1).unwrap();

        let page = store.list(0, 20).unwrap();
        assert_eq!(ids(&page), ["good"]);
        assert_eq!(page.total, 1);
        let files: Vec<_> = page.problems.iter().map(|p| p.file.as_str()).collect();
        assert_eq!(
            files,
            [
                "big.json",
                "notjson.json",
                "renamed.json",
                "shape.json",
                "version.json"
            ]
        );
        let error = |file: &str| {
            page.problems
                .iter()
                .find(|p| p.file == file)
                .unwrap()
                .error
                .clone()
        };
        assert!(
            error("big.json").contains("over 32 MiB"),
            "{}",
            error("big.json")
        );
        assert!(error("version.json").contains("format version 7"));
        assert!(error("renamed.json").contains("\"someone-else\""));
        assert!(error("shape.json").contains("missing field"));
        assert!(error("notjson.json").contains("Move it out of .mstro/history"));

        match store.load("notjson") {
            Err(HistoryError::Corrupt { file, reason }) => {
                assert_eq!(file, "notjson.json");
                assert!(reason.starts_with("not a session file"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            store.load("big"),
            Err(HistoryError::Corrupt { .. })
        ));
        assert!(matches!(
            store.load("renamed"),
            Err(HistoryError::Corrupt { .. })
        ));
        assert_eq!(store.search("p", 10).unwrap().len(), 1, "search skips them");
    }

    #[test]
    fn temporary_and_foreign_files_are_ignored() {
        let (_tmp, store) = project();
        store.save(&session("a", "t", "p", "o")).unwrap();
        // What a save killed before its rename leaves behind, and other strangers.
        fs::write(store.dir().join(".tmp-Xy12ab.part"), "{\"half").unwrap();
        fs::write(store.dir().join("a.json.part"), "junk").unwrap();
        fs::write(store.dir().join("notes.txt"), "junk").unwrap();
        fs::write(store.dir().join("bad id.json"), "junk").unwrap();
        fs::create_dir(store.dir().join("sub")).unwrap();
        let page = store.list(0, 20).unwrap();
        assert_eq!(ids(&page), ["a"]);
        assert!(page.problems.is_empty(), "{:?}", page.problems);
        assert_eq!(store.parsed(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_or_misplaced_directories_are_refused() {
        let (tmp, store) = project();
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        fs::create_dir(tmp.path().join(".mstro")).unwrap();
        symlink(&elsewhere, store.dir()).unwrap();
        fs::write(elsewhere.join("x.json"), "{}").unwrap();

        let unsafe_ = |r: Result<(), HistoryError>| match r {
            Err(e @ HistoryError::Unsafe { .. }) => {
                assert!(e.to_string().contains("symbolic link"), "{e}");
            }
            other => panic!("{other:?}"),
        };
        unsafe_(store.save(&session("a", "t", "p", "o")));
        unsafe_(store.list(0, 20).map(drop));
        unsafe_(store.load("x").map(drop));
        unsafe_(store.delete("x").map(drop));
        unsafe_(store.search("p", 10).map(drop));
        assert_eq!(
            fs::read_dir(&elsewhere).unwrap().count(),
            1,
            "nothing written or removed through the link"
        );

        // `.mstro` itself a link.
        let (tmp2, store2) = project();
        symlink(&elsewhere, tmp2.path().join(".mstro")).unwrap();
        unsafe_(store2.save(&session("a", "t", "p", "o")));
        assert!(!elsewhere.join("history").exists());

        // Files where directories belong.
        let (tmp3, store3) = project();
        fs::write(tmp3.path().join(".mstro"), "").unwrap();
        assert!(matches!(
            store3.save(&session("a", "t", "p", "o")),
            Err(HistoryError::Unsafe { .. })
        ));
        assert!(matches!(
            store3.list(0, 1),
            Err(HistoryError::Unsafe { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_and_special_session_files_are_refused() {
        let (tmp, store) = project();
        store.save(&session("real", "t", "p", "o")).unwrap();
        let target = tmp.path().join("secret.json");
        fs::write(
            &target,
            serde_json::to_vec(&session("link", "t", "p", "o")).unwrap(),
        )
        .unwrap();
        symlink(&target, store.dir().join("link.json")).unwrap();
        let fifo = store.dir().join("fifo.json");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);

        let page = store.list(0, 20).unwrap();
        assert_eq!(ids(&page), ["real"]);
        let problems: Vec<_> = page.problems.iter().map(|p| p.file.as_str()).collect();
        assert_eq!(problems, ["fifo.json", "link.json"]);
        assert!(page.problems[1].error.contains("symbolic link"));

        assert!(matches!(
            store.load("link"),
            Err(HistoryError::Unsafe { .. })
        ));
        assert!(matches!(
            store.load("fifo"),
            Err(HistoryError::Unsafe { .. })
        ));
        assert_eq!(store.search("p", 10).unwrap().len(), 1);

        assert!(store.delete("link").unwrap(), "the link itself is removed");
        assert!(target.exists(), "not what it pointed to");
    }

    #[test]
    fn ids_from_outside_are_checked_first() {
        let (tmp, store) = project();
        fs::write(tmp.path().join("x.json"), "{}").unwrap();
        for bad in ["../x", "", "a/b", "a.json", &"x".repeat(65)] {
            assert!(matches!(store.load(bad), Err(HistoryError::BadId)), "{bad}");
            assert!(
                matches!(store.delete(bad), Err(HistoryError::BadId)),
                "{bad}"
            );
            let record = SessionRecord::new(bad.into(), "p", "t".into());
            assert!(
                matches!(store.save(&record), Err(HistoryError::BadId)),
                "{bad}"
            );
        }
        assert!(tmp.path().join("x.json").exists());
        assert!(!tmp.path().join(".mstro").exists(), "nothing was created");
    }

    #[test]
    fn unfit_records_are_not_saved() {
        let (_tmp, store) = project();
        let mut r = session("a", "t", "p", "o");
        r.claude_session_id = Some("--dangerously-skip-permissions".into());
        assert!(matches!(store.save(&r), Err(HistoryError::NotSaved { .. })));
        r.claude_session_id = None;
        r.version = 2;
        assert!(matches!(store.save(&r), Err(HistoryError::NotSaved { .. })));
        r.version = FORMAT_VERSION;
        r.movements[0].prompt = "x".repeat(MAX_FILE_BYTES as usize);
        let e = store.save(&r).unwrap_err();
        assert!(
            matches!(e, HistoryError::TooLarge { limit, .. } if limit == MAX_FILE_BYTES),
            "{e}"
        );
        assert!(e.to_string().contains("KiB a session file may hold"), "{e}");
        assert!(!store.dir().join("a.json").exists());
    }

    #[test]
    fn delete_and_not_found() {
        let (_tmp, store) = project();
        assert!(!store.delete("a").unwrap(), "no directory");
        assert!(matches!(store.load("a"), Err(HistoryError::NotFound(id)) if id == "a"));
        store.save(&session("a", "t", "p", "o")).unwrap();
        store.save(&session("b", "t", "p", "o")).unwrap();
        assert_eq!(store.list(0, 20).unwrap().total, 2);
        assert!(store.delete("a").unwrap());
        assert!(!store.delete("a").unwrap());
        assert!(matches!(store.load("a"), Err(HistoryError::NotFound(_))));
        assert_eq!(ids(&store.list(0, 20).unwrap()), ["b"]);
    }

    #[test]
    fn searches_read_only_the_files_that_changed_and_long_sessions_in_full() {
        let (_tmp, store) = project();
        for id in ["a", "b", "c"] {
            store
                .save(&session(
                    id,
                    "2026-01-01T00:00:00Z",
                    "p",
                    &format!("out {id}"),
                ))
                .unwrap();
        }
        assert_eq!(store.search("out b", 10).unwrap().len(), 1);
        assert_eq!(store.parsed(), 3);
        for _ in 0..5 {
            assert_eq!(store.search("out", 10).unwrap().len(), 3);
        }
        assert_eq!(store.list(0, 20).unwrap().total, 3);
        assert_eq!(store.parsed(), 3, "searches and the list share the index");
        store
            .save(&session("b", "2026-02-01T00:00:00Z", "p", "now different"))
            .unwrap();
        assert_eq!(store.search("different", 10).unwrap().len(), 1);
        assert_eq!(store.parsed(), 4, "only the saved file");

        // A session with more text than the index keeps is still found by its end.
        let filler = "x".repeat(super::super::search::MAX_DOC_BYTES);
        let mut long = session("long", "2026-03-01T00:00:00Z", "p", &filler);
        long.movements[0].push(TabEvent::Output(TextChunk {
            movement_id: "m-long".into(),
            text: "the needle at the very end".into(),
            parent_tool_use_id: None,
        }));
        store.save(&long).unwrap();
        let hits = store.search("needle", 10).unwrap();
        assert_eq!(hits.len(), 1);
        assert!(hits[0].snippet.contains("needle"), "{}", hits[0].snippet);
    }

    #[test]
    fn search_finds_sessions_newest_first_with_snippets() {
        let (_tmp, store) = project();
        let long_before = "日本語のテキスト。".repeat(30);
        store
            .save(&session(
                "older",
                "2026-01-01T00:00:00Z",
                "Refactor the parser",
                &format!("{long_before}The ÉLAN of the fix\nis here, ünd more text after it {long_before}"),
            ))
            .unwrap();
        store
            .save(&session(
                "newer",
                "2026-02-01T00:00:00Z",
                "Add an élan to the docs",
                "ok",
            ))
            .unwrap();
        let mut tools = session("tools", "2026-03-01T00:00:00Z", "Run it", "done");
        tools.movements[0].push(TabEvent::ToolUse(ToolUse {
            movement_id: "m-tools".into(),
            phase: ToolPhase::Input,
            tool_use_id: "tu1".into(),
            name: "Bash".into(),
            input: Some(json!({"command": "cargo test --workspace"})),
            result: Some("élan in a result is not searched".into()),
            is_error: None,
            truncated: false,
            parent_tool_use_id: None,
        }));
        store.save(&tools).unwrap();

        let hits = store.search("élan", 10).unwrap();
        let ids: Vec<_> = hits.iter().map(|h| h.session_id.as_str()).collect();
        assert_eq!(ids, ["newer", "older"]);
        assert_eq!(hits[0].snippet, "Add an élan to the docs");
        assert_eq!(hits[0].title, "Add an élan to the docs");
        assert_eq!(hits[0].updated_at, "2026-02-01T00:00:00Z");
        let s = &hits[1].snippet;
        assert!(s.contains("The ÉLAN of the fix is here"), "{s}");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.chars().count() <= 122, "{s}");

        let hits = store.search("CARGO TEST", 10).unwrap();
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].snippet.contains("cargo test --workspace"),
            "{}",
            hits[0].snippet
        );
        assert_eq!(store.search("bash", 10).unwrap()[0].session_id, "tools");
        assert_eq!(store.search("parser", 10).unwrap()[0].session_id, "older");

        assert_eq!(store.search("ÉLAN", 1).unwrap().len(), 1, "the limit");
        assert!(store.search("élan", 0).unwrap().is_empty());
        assert!(
            store.search("   ", 10).unwrap().is_empty(),
            "blank finds nothing"
        );
        assert!(store.search("nowhere", 10).unwrap().is_empty());

        // Only the title matches (hand-edited): the snippet is the first prompt.
        let mut titled = session("titled", "2026-04-01T00:00:00Z", "Something", "x");
        titled.title = "Zebra".into();
        store.save(&titled).unwrap();
        let hits = store.search("zebra", 10).unwrap();
        assert_eq!(hits[0].snippet, "Something");
    }

    #[test]
    fn the_store_is_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<HistoryStore>();
        let (_tmp, store) = project();
        std::thread::scope(|s| {
            for t in 0..4 {
                let store = &store;
                s.spawn(move || {
                    for i in 0..5 {
                        store
                            .save(&session(&format!("t{t}-{i}"), "t", "p", "o"))
                            .unwrap();
                        store.list(0, 100).unwrap();
                    }
                });
            }
        });
        let page = store.list(0, 100).unwrap();
        assert_eq!(page.total, 20);
        assert!(page.problems.is_empty());
    }
}
