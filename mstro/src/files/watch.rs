//! `watch` / `unwatch` and the `fileChanged` events: a browser's tree and open files
//! follow what Claude Code, the terminal or anything else does to them.
//!
//! One `notify` watcher (inotify on Linux) for the machine, made when a browser first
//! watches something. Watches are not recursive: a watched directory reports its own
//! entries (and itself), a watched file is watched through its directory (so a save that
//! renames a new file over it is seen). A directory several browsers watch is watched
//! once. The callback only queues raw events (bounded: when the queue is full, every
//! watching browser is told to re-read); a task routes them to the browsers that watch
//! each path and, every [`WINDOW`], sends each browser one `fileChanged` per path that
//! changed, at most [`MAX_PENDING`] (more becomes one `overflow` event).
//!
//! Bounds: [`MAX_PER_BROWSER`] watched paths per browser, [`MAX_DIRS`] watched
//! directories on the machine (and the system's own limit); a path over a bound is
//! refused in the `watch` answer, never silently dropped. Changes inside `.git` and
//! `.mstro` are not watched (they change on every git command and prompt).
//!
//! The path given to the system watcher is the canonical one `resolve` returned; the
//! directory is opened without following links before and after the watch is added and
//! must be the same both times, so a link swapped into the path cannot turn the watch
//! to a directory outside (an inotify watch stays on the directory it was added to).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use notify::event::{EventKind, ModifyKind, RenameMode};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as NotifyWatcher};
use tokio::sync::mpsc;

use mstro_fs::{PathError, Workspace};
use mstro_protocol::files::{
    FILE_CHANGED, FileChangeKind, FileChanged, MAX_WATCH_PATHS_PER_REQUEST, WatchRefused, Watching,
};
use mstro_protocol::{Envelope, ErrorCode};

use super::FileOpError;
use crate::machine::relay_client::outbox::Outbox;

/// Changes gathered before they are sent: one event per path per window.
pub const WINDOW: Duration = Duration::from_millis(200);
/// Paths one browser may watch.
pub const MAX_PER_BROWSER: usize = 256;
/// Directories the machine watches at once (each watched path is one, or shares one).
pub const MAX_DIRS: usize = 1024;
/// Changed paths sent to one browser per window; more is one `overflow`.
pub const MAX_PENDING: usize = 128;
/// Raw events waiting for the routing task.
const QUEUED: usize = 16 * 1024;
/// Browsers remembered as gone (a `watch` racing the `browserLeft` is refused).
const LEFT_REMEMBERED: usize = 4096;

/// What a raw event says about its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Created,
    Modified,
    Removed,
    /// Renamed, direction unknown (some backends): whether it exists tells.
    Renamed,
}

#[derive(Debug)]
enum Raw {
    Path(PathBuf, Change),
    /// The system watcher lost events, or failed.
    Rescan,
}

/// The machine's file watcher.
pub struct Watcher {
    shared: Arc<Shared>,
}

struct Shared {
    ws: Arc<Workspace>,
    outbox: Arc<Outbox>,
    state: Mutex<State>,
    /// The system watcher; never locked while `state` is (its thread delivers events).
    backend: Mutex<Backend>,
    /// Serialises `watch`, `unwatch` and leaving, which touch both.
    ops: Mutex<()>,
    raw: mpsc::Sender<Raw>,
    /// The raw queue overflowed (set by the system watcher's callback).
    lost: Arc<AtomicBool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    limits: Limits,
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    per_browser: usize,
    dirs: usize,
    pending: usize,
}

enum Backend {
    NotYet,
    Running(RecommendedWatcher),
    Failed(String),
    Stopped,
}

#[derive(Default)]
struct State {
    /// Watched directory → how many subscriptions need it, and which directory it was.
    dirs: HashMap<PathBuf, WatchedDir>,
    /// Directory → browsers that watch it (its entries).
    dir_subs: HashMap<PathBuf, HashSet<String>>,
    /// File → browsers that watch it.
    file_subs: HashMap<PathBuf, HashSet<String>>,
    browsers: HashMap<String, Browser>,
    /// Watched directories whose removal was reported; checked at the next flush.
    maybe_gone: HashSet<PathBuf>,
    left: VecDeque<String>,
    left_set: HashSet<String>,
}

#[derive(Debug, Clone, Copy)]
struct WatchedDir {
    refs: usize,
    dev: u64,
    ino: u64,
}

#[derive(Default)]
struct Browser {
    /// Display path → what it is.
    subs: BTreeMap<String, Sub>,
    pending: HashMap<PathBuf, Pending>,
    overflow: bool,
}

#[derive(Debug, Clone)]
struct Sub {
    path: PathBuf,
    dir: bool,
}

impl Sub {
    /// The directory the system watches for it.
    fn watched_dir(&self) -> &Path {
        if self.dir {
            &self.path
        } else {
            self.path.parent().unwrap_or(&self.path)
        }
    }
}

/// What happened to one path within a window.
#[derive(Debug, Default, Clone, Copy)]
struct Pending {
    created: bool,
    /// The last event that said whether it exists: `Some(false)` removed.
    exists: Option<bool>,
    /// Renamed without a direction: look at the path when sending.
    look: bool,
}

impl Pending {
    fn add(&mut self, change: Change) {
        match change {
            Change::Created => {
                self.created = true;
                self.exists = Some(true);
            }
            Change::Removed => self.exists = Some(false),
            Change::Modified => {}
            Change::Renamed => self.look = true,
        }
    }

    fn kind(&self, path: &Path) -> FileChangeKind {
        let exists = if self.look {
            Some(std::fs::symlink_metadata(path).is_ok())
        } else {
            self.exists
        };
        match exists {
            Some(false) => FileChangeKind::Removed,
            _ if self.created || self.look => FileChangeKind::Created,
            _ => FileChangeKind::Modified,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Watcher {
    /// The watcher of `ws`, sending events through `outbox`. Must run in a runtime.
    pub fn start(ws: Arc<Workspace>, outbox: Arc<Outbox>) -> Watcher {
        Watcher::with_limits(
            ws,
            outbox,
            Limits {
                per_browser: MAX_PER_BROWSER,
                dirs: MAX_DIRS,
                pending: MAX_PENDING,
            },
        )
    }

    fn with_limits(ws: Arc<Workspace>, outbox: Arc<Outbox>, limits: Limits) -> Watcher {
        let (raw, mut rx) = mpsc::channel(QUEUED);
        let shared = Arc::new(Shared {
            ws,
            outbox,
            state: Mutex::new(State::default()),
            backend: Mutex::new(Backend::NotYet),
            ops: Mutex::new(()),
            raw,
            lost: Arc::new(AtomicBool::new(false)),
            task: Mutex::new(None),
            limits,
        });
        let weak = Arc::downgrade(&shared);
        let task = tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let Some(shared) = weak.upgrade() else { break };
                shared.route(first);
                let flush_at = tokio::time::Instant::now() + WINDOW;
                loop {
                    tokio::select! {
                        more = rx.recv() => match more {
                            Some(raw) => shared.route(raw),
                            None => break,
                        },
                        _ = tokio::time::sleep_until(flush_at) => break,
                    }
                }
                shared.flush();
            }
        });
        *lock(&shared.task) = Some(task);
        Watcher { shared }
    }

    /// `watch {paths}` for `browser`.
    pub fn watch(&self, browser: &str, paths: &[String]) -> Result<Watching, FileOpError> {
        if paths.len() > MAX_WATCH_PATHS_PER_REQUEST {
            return Err(FileOpError::Limit(format!(
                "{} paths in one watch; send at most {MAX_WATCH_PATHS_PER_REQUEST}",
                paths.len()
            )));
        }
        let s = &self.shared;
        let _op = lock(&s.ops);
        if lock(&s.state).left_set.contains(browser) {
            return Ok(Watching {
                paths: Vec::new(),
                refused: Vec::new(),
            });
        }
        let mut refused = Vec::new();
        for requested in paths {
            if let Err((code, message)) = s.watch_one(browser, requested) {
                refused.push(WatchRefused {
                    path: requested.clone(),
                    code,
                    message,
                });
            }
        }
        Ok(Watching {
            paths: s.watched_by(browser),
            refused,
        })
    }

    /// `unwatch {paths?}` for `browser` (`None`: everything).
    pub fn unwatch(&self, browser: &str, paths: Option<&[String]>) -> Watching {
        let s = &self.shared;
        let _op = lock(&s.ops);
        let keys: Vec<String> = match paths {
            Some(paths) => paths
                .iter()
                .take(MAX_WATCH_PATHS_PER_REQUEST)
                .map(|p| s.key(p))
                .collect(),
            None => s.watched_by(browser),
        };
        let mut unneeded = Vec::new();
        {
            let mut state = lock(&s.state);
            for key in keys {
                unneeded.extend(state.drop_sub(browser, &key));
            }
        }
        s.unwatch_dirs(unneeded);
        Watching {
            paths: s.watched_by(browser),
            refused: Vec::new(),
        }
    }

    /// The relay said `browser` left: drop its watches, and refuse any it still sends.
    pub fn browser_left(&self, browser: &str) {
        let s = &self.shared;
        let _op = lock(&s.ops);
        let unneeded = {
            let mut state = lock(&s.state);
            let keys: Vec<String> = state
                .browsers
                .get(browser)
                .map(|b| b.subs.keys().cloned().collect())
                .unwrap_or_default();
            let mut unneeded = Vec::new();
            for key in keys {
                unneeded.extend(state.drop_sub(browser, &key));
            }
            state.browsers.remove(browser);
            if state.left_set.insert(browser.to_owned()) {
                state.left.push_back(browser.to_owned());
                if state.left.len() > LEFT_REMEMBERED
                    && let Some(old) = state.left.pop_front()
                {
                    state.left_set.remove(&old);
                }
            }
            unneeded
        };
        s.unwatch_dirs(unneeded);
    }

    /// Stop watching anything.
    pub fn stop(&self) {
        if let Some(task) = lock(&self.shared.task).take() {
            task.abort();
        }
        *lock(&self.shared.backend) = Backend::Stopped;
    }

    #[cfg(test)]
    fn watched_dirs(&self) -> usize {
        lock(&self.shared.state).dirs.len()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    /// The display paths `browser` watches, sorted.
    fn watched_by(&self, browser: &str) -> Vec<String> {
        lock(&self.state)
            .browsers
            .get(browser)
            .map(|b| b.subs.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The key a browser's path is kept under: its display path if it resolves, else
    /// the path written plainly (`a//./b/` → `a/b`), so that a path that is gone can
    /// still be unwatched.
    fn key(&self, requested: &str) -> String {
        match self.ws.resolve(requested) {
            Ok(path) => self.ws.display(&path),
            Err(_) => requested
                .split('/')
                .filter(|c| !c.is_empty() && *c != ".")
                .collect::<Vec<_>>()
                .join("/"),
        }
    }

    fn watch_one(&self, browser: &str, requested: &str) -> Result<(), (ErrorCode, String)> {
        let refusal = |e: FileOpError| (e.code(), e.to_string());
        let path = self.ws.resolve(requested).map_err(|e| refusal(e.into()))?;
        let shown = self.ws.display(&path);
        if shown
            .split('/')
            .any(|component| component == ".git" || component == ".mstro")
        {
            return Err((
                ErrorCode::Malformed,
                format!(
                    "{shown}: changes inside .git and .mstro are not watched (they change with every git command and prompt); list it again to see it now"
                ),
            ));
        }
        let meta = std::fs::symlink_metadata(&path)
            .map_err(|e| refusal(FileOpError::io("watch", &shown, e)))?;
        let sub = if meta.is_dir() {
            Sub { path, dir: true }
        } else if meta.is_file() {
            Sub { path, dir: false }
        } else {
            return Err((
                ErrorCode::Malformed,
                format!("{shown} is neither a file nor a directory"),
            ));
        };
        let dir = sub.watched_dir().to_path_buf();
        {
            let state = lock(&self.state);
            let mine = state.browsers.get(browser);
            if mine.is_some_and(|b| b.subs.contains_key(&shown)) {
                return Ok(());
            }
            if mine.map_or(0, |b| b.subs.len()) >= self.limits.per_browser {
                return Err((
                    ErrorCode::LimitReached,
                    format!(
                        "this browser watches {} paths, the most one browser may; unwatch some first",
                        self.limits.per_browser
                    ),
                ));
            }
            if !state.dirs.contains_key(&dir) && state.dirs.len() >= self.limits.dirs {
                return Err((
                    ErrorCode::LimitReached,
                    format!(
                        "the machine watches {} directories, the most it does; close some views",
                        self.limits.dirs
                    ),
                ));
            }
        }
        let known = lock(&self.state).dirs.get(&dir).copied();
        let identity = match known {
            Some(watched) => (watched.dev, watched.ino),
            None => self.add_backend_watch(&dir, &shown)?,
        };
        let mut state = lock(&self.state);
        let entry = state.dirs.entry(dir.clone()).or_insert(WatchedDir {
            refs: 0,
            dev: identity.0,
            ino: identity.1,
        });
        entry.refs += 1;
        let index = if sub.dir {
            &mut state.dir_subs
        } else {
            &mut state.file_subs
        };
        index
            .entry(sub.path.clone())
            .or_default()
            .insert(browser.to_owned());
        state
            .browsers
            .entry(browser.to_owned())
            .or_default()
            .subs
            .insert(shown, sub);
        Ok(())
    }

    /// Adds the system watch on `dir`, checking that it is the directory the
    /// confinement found before and after; its device and inode.
    fn add_backend_watch(
        &self,
        dir: &Path,
        shown: &str,
    ) -> Result<(u64, u64), (ErrorCode, String)> {
        let identity = || -> Result<(u64, u64), (ErrorCode, String)> {
            let opened = self.ws.open_dir(dir).map_err(|e| {
                (
                    FileOpError::from(e).code(),
                    format!("cannot watch {shown}: it changed"),
                )
            })?;
            let meta = opened
                .meta_self()
                .map_err(|e| (ErrorCode::Io, format!("cannot watch {shown}: {e}")))?;
            Ok((meta.dev, meta.ino))
        };
        let before = identity()?;
        let mut backend = lock(&self.backend);
        if matches!(*backend, Backend::NotYet) {
            let raw = self.raw.clone();
            let lost = self.lost.clone();
            let made = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                for item in classify(event) {
                    if raw.try_send(item).is_err() {
                        lost.store(true, Ordering::Relaxed);
                        // Tell the routing task; if even this does not fit, it will
                        // find the queue full again soon enough.
                        let _ = raw.try_send(Raw::Rescan);
                    }
                }
            });
            *backend = match made {
                Ok(watcher) => Backend::Running(watcher),
                Err(e) => Backend::Failed(e.to_string()),
            };
        }
        let watcher = match &mut *backend {
            Backend::Running(watcher) => watcher,
            Backend::Failed(why) => {
                return Err((
                    ErrorCode::Io,
                    format!("file watching is not available on this machine: {why}"),
                ));
            }
            Backend::Stopped | Backend::NotYet => {
                return Err((ErrorCode::Io, "the machine is stopping".into()));
            }
        };
        if let Err(e) = watcher.watch(dir, RecursiveMode::NonRecursive) {
            return Err(match e.kind {
                notify::ErrorKind::MaxFilesWatch => (
                    ErrorCode::LimitReached,
                    "the system's limit of watched directories is reached (fs.inotify.max_user_watches); close some views".into(),
                ),
                notify::ErrorKind::PathNotFound => {
                    (ErrorCode::NotFound, format!("no such file or directory: {shown}"))
                }
                _ => (ErrorCode::Io, format!("cannot watch {shown}: {e}")),
            });
        }
        drop(backend);
        match identity() {
            Ok(after) if after == before => Ok(after),
            _ => {
                let _ = self.unwatch_backend(dir);
                Err((
                    ErrorCode::OutsideWorkspace,
                    PathError::Changed(shown.to_owned()).to_string(),
                ))
            }
        }
    }

    fn unwatch_backend(&self, dir: &Path) -> notify::Result<()> {
        match &mut *lock(&self.backend) {
            Backend::Running(watcher) => watcher.unwatch(dir),
            _ => Ok(()),
        }
    }

    /// Stop the system watches no subscription needs any more (the state no longer
    /// holds them). A directory the system already dropped (it was removed) is fine.
    fn unwatch_dirs(&self, dirs: Vec<PathBuf>) {
        for dir in dirs {
            let _ = self.unwatch_backend(&dir);
        }
    }

    /// One raw event to the browsers that watch its path.
    fn route(&self, raw: Raw) {
        let mut state = lock(&self.state);
        let (path, change) = match raw {
            Raw::Rescan => {
                for browser in state.browsers.values_mut() {
                    if !browser.subs.is_empty() {
                        browser.overflow = true;
                        browser.pending.clear();
                    }
                }
                return;
            }
            Raw::Path(path, change) => (path, change),
        };
        if !path.starts_with(self.ws.root()) || internal(self.ws.root(), &path) {
            return;
        }
        let mut targets: Vec<String> = Vec::new();
        if let Some(parent) = path.parent()
            && let Some(browsers) = state.dir_subs.get(parent)
        {
            targets.extend(browsers.iter().cloned());
        }
        for index in [&state.file_subs, &state.dir_subs] {
            if let Some(browsers) = index.get(&path) {
                targets.extend(browsers.iter().cloned());
            }
        }
        if matches!(change, Change::Removed | Change::Renamed) && state.dirs.contains_key(&path) {
            state.maybe_gone.insert(path.clone());
        }
        let limit = self.limits.pending;
        for browser in targets {
            let Some(b) = state.browsers.get_mut(&browser) else {
                continue;
            };
            if b.overflow {
                continue;
            }
            if b.pending.len() >= limit && !b.pending.contains_key(&path) {
                b.overflow = true;
                b.pending.clear();
                continue;
            }
            b.pending.entry(path.clone()).or_default().add(change);
        }
    }

    /// Send what gathered; forget watched directories that are gone.
    fn flush(&self) {
        let mut frames: Vec<(String, FileChanged)> = Vec::new();
        let mut unneeded = Vec::new();
        {
            let mut state = lock(&self.state);
            if self.lost.swap(false, Ordering::Relaxed) {
                for browser in state.browsers.values_mut() {
                    browser.overflow = !browser.subs.is_empty();
                    browser.pending.clear();
                }
            }
            let maybe_gone: Vec<PathBuf> = state.maybe_gone.drain().collect();
            for dir in maybe_gone {
                let Some(watched) = state.dirs.get(&dir).copied() else {
                    continue;
                };
                let still = std::fs::symlink_metadata(&dir).is_ok_and(|m| {
                    use std::os::unix::fs::MetadataExt;
                    m.is_dir() && m.dev() == watched.dev && m.ino() == watched.ino
                });
                if still {
                    continue;
                }
                unneeded.extend(state.drop_dir(&dir));
            }
            for (id, browser) in state.browsers.iter_mut() {
                if std::mem::take(&mut browser.overflow) {
                    browser.pending.clear();
                    frames.push((
                        id.clone(),
                        FileChanged {
                            path: String::new(),
                            kind: FileChangeKind::Overflow,
                        },
                    ));
                    continue;
                }
                let mut changes: Vec<(String, FileChangeKind)> = browser
                    .pending
                    .drain()
                    .map(|(path, pending)| (self.ws.display(&path), pending.kind(&path)))
                    .collect();
                changes.sort_by(|a, b| a.0.cmp(&b.0));
                frames.extend(
                    changes
                        .into_iter()
                        .map(|(path, kind)| (id.clone(), FileChanged { path, kind })),
                );
            }
        }
        self.unwatch_dirs(unneeded);
        for (browser, change) in frames {
            let mut frame = Envelope::new(
                FILE_CHANGED,
                serde_json::to_value(&change).expect("serialises"),
            );
            frame.to = Some(browser);
            self.outbox.push(&frame);
        }
    }
}

impl State {
    /// Removes `browser`'s subscription `key`; the watched directory if nothing else
    /// needs it.
    fn drop_sub(&mut self, browser: &str, key: &str) -> Option<PathBuf> {
        let sub = self.browsers.get_mut(browser)?.subs.remove(key)?;
        let index = if sub.dir {
            &mut self.dir_subs
        } else {
            &mut self.file_subs
        };
        if let Some(set) = index.get_mut(&sub.path) {
            set.remove(browser);
            if set.is_empty() {
                index.remove(&sub.path);
            }
        }
        let dir = sub.watched_dir().to_path_buf();
        let watched = self.dirs.get_mut(&dir)?;
        watched.refs -= 1;
        if watched.refs == 0 {
            self.dirs.remove(&dir);
            return Some(dir);
        }
        None
    }

    /// The watched directory `dir` is gone: every subscription through it ends, and
    /// its browsers are told it (or the file) was removed. The directories to unwatch.
    fn drop_dir(&mut self, dir: &Path) -> Vec<PathBuf> {
        let mut ended = Vec::new();
        for (id, browser) in &self.browsers {
            for (key, sub) in &browser.subs {
                if sub.watched_dir() == dir {
                    ended.push((id.clone(), key.clone(), sub.path.clone()));
                }
            }
        }
        let mut unneeded = Vec::new();
        for (id, key, path) in ended {
            if let Some(browser) = self.browsers.get_mut(&id)
                && !browser.overflow
            {
                browser
                    .pending
                    .entry(path)
                    .or_default()
                    .add(Change::Removed);
            }
            unneeded.extend(self.drop_sub(&id, &key));
        }
        unneeded
    }
}

/// A path inside `.git` or `.mstro` (at any depth), not the directory itself.
fn internal(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        return true;
    };
    let mut components: Vec<_> = relative.iter().collect();
    components.pop();
    components.iter().any(|c| *c == ".git" || *c == ".mstro")
}

/// The raw events in what the system watcher reported.
fn classify(event: notify::Result<notify::Event>) -> Vec<Raw> {
    let event = match event {
        Ok(event) => event,
        Err(_) => return vec![Raw::Rescan],
    };
    if event.need_rescan() {
        return vec![Raw::Rescan];
    }
    let change = match event.kind {
        EventKind::Create(_) => Change::Created,
        EventKind::Remove(_) => Change::Removed,
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => Change::Created,
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => Change::Removed,
        // inotify reports `From` and `To` too; a pair is no news.
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => return Vec::new(),
        EventKind::Modify(ModifyKind::Name(_)) => Change::Renamed,
        EventKind::Modify(_) => Change::Modified,
        // Opens and closes (inotify reports every read), and what says nothing.
        EventKind::Access(_) | EventKind::Any | EventKind::Other => return Vec::new(),
    };
    event
        .paths
        .into_iter()
        .map(|path| Raw::Path(path, change))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::create::tests::Fixture;
    use std::fs;
    use std::time::Instant;

    /// The frames `outbox` holds, taken.
    fn drain(outbox: &Outbox) -> Vec<Envelope> {
        let mut frames = Vec::new();
        while let Some(pending) = outbox.next() {
            outbox.sent(pending.seq);
            frames.push(Envelope::parse_within(&pending.text, usize::MAX).unwrap());
        }
        frames
    }

    /// `(browser, path, kind)` of every `fileChanged` sent within `wait`, waiting until
    /// `done` says enough came.
    async fn events_until(
        outbox: &Outbox,
        wait: Duration,
        done: impl Fn(&[(String, String, String)]) -> bool,
    ) -> Vec<(String, String, String)> {
        let deadline = Instant::now() + wait;
        let mut seen = Vec::new();
        loop {
            for frame in drain(outbox) {
                assert_eq!(frame.kind, FILE_CHANGED);
                seen.push((
                    frame.to.clone().unwrap(),
                    frame.data["path"].as_str().unwrap().to_owned(),
                    frame.data["kind"].as_str().unwrap().to_owned(),
                ));
            }
            if done(&seen) || Instant::now() > deadline {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn has(seen: &[(String, String, String)], browser: &str, path: &str, kind: &str) -> bool {
        seen.iter()
            .any(|(b, p, k)| b == browser && p == path && k == kind)
    }

    struct Setup {
        f: Fixture,
        outbox: Arc<Outbox>,
        watcher: Watcher,
    }

    fn setup(limits: Option<Limits>) -> Setup {
        let f = Fixture::new();
        let outbox = Arc::new(Outbox::default());
        let ws = Arc::new(Workspace::new(&f.root()).unwrap());
        let watcher = match limits {
            Some(limits) => Watcher::with_limits(ws, outbox.clone(), limits),
            None => Watcher::start(ws, outbox.clone()),
        };
        Setup { f, outbox, watcher }
    }

    const WAIT: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn a_watched_directory_reports_its_entries_coalesced() {
        let s = setup(None);
        s.f.write("src/old.rs", "old");
        s.f.write("src/sub/deep.rs", "deep");
        let watching = s.watcher.watch("b1", &["src".into()]).unwrap();
        assert_eq!(watching.paths, ["src"]);
        assert!(watching.refused.is_empty());
        // Many writes to one file within a window: one event.
        for i in 0..20 {
            s.f.write("src/new.rs", format!("v{i}"));
        }
        fs::remove_file(s.f.root().join("src/old.rs")).unwrap();
        s.f.write("src/sub/deep.rs", "not reported: watches are not recursive");
        let seen = events_until(&s.outbox, WAIT, |seen| {
            has(seen, "b1", "src/new.rs", "created") && has(seen, "b1", "src/old.rs", "removed")
        })
        .await;
        assert!(has(&seen, "b1", "src/new.rs", "created"), "{seen:?}");
        assert!(has(&seen, "b1", "src/old.rs", "removed"), "{seen:?}");
        let new_events = seen.iter().filter(|(_, p, _)| p == "src/new.rs").count();
        assert!(new_events <= 2, "coalesced: {seen:?}");
        assert!(!seen.iter().any(|(_, p, _)| p.contains("deep")), "{seen:?}");
        // A change in place is `modified`.
        tokio::time::sleep(WINDOW * 2).await;
        drain(&s.outbox);
        std::io::Write::write_all(
            &mut fs::OpenOptions::new()
                .append(true)
                .open(s.f.root().join("src/new.rs"))
                .unwrap(),
            b"more",
        )
        .unwrap();
        let seen = events_until(&s.outbox, WAIT, |seen| !seen.is_empty()).await;
        assert_eq!(
            seen,
            [("b1".into(), "src/new.rs".into(), "modified".into())]
        );
    }

    #[tokio::test]
    async fn an_open_file_sees_an_atomic_save_and_only_its_own_changes() {
        let s = setup(None);
        s.f.write("doc/a.md", "a");
        s.f.write("doc/other.md", "o");
        let watching = s.watcher.watch("b1", &["doc/a.md".into()]).unwrap();
        assert_eq!(watching.paths, ["doc/a.md"]);
        // What editors and Claude Code do: a new file renamed over the old.
        s.f.write("doc/.a.md.tmp", "new a");
        fs::rename(
            s.f.root().join("doc/.a.md.tmp"),
            s.f.root().join("doc/a.md"),
        )
        .unwrap();
        s.f.write("doc/other.md", "changed");
        let seen = events_until(&s.outbox, WAIT, |seen| !seen.is_empty()).await;
        tokio::time::sleep(WINDOW * 2).await;
        let mut seen = seen;
        seen.extend(events_until(&s.outbox, Duration::ZERO, |_| true).await);
        assert_eq!(seen, [("b1".into(), "doc/a.md".into(), "created".into())]);
        fs::remove_file(s.f.root().join("doc/a.md")).unwrap();
        let seen = events_until(&s.outbox, WAIT, |seen| !seen.is_empty()).await;
        assert_eq!(seen, [("b1".into(), "doc/a.md".into(), "removed".into())]);
        // The file's watch survives its removal: it comes back, the browser hears.
        s.f.write("doc/a.md", "back");
        let seen = events_until(&s.outbox, WAIT, |seen| !seen.is_empty()).await;
        assert!(has(&seen, "b1", "doc/a.md", "created"), "{seen:?}");
    }

    #[tokio::test]
    async fn each_browser_hears_only_what_it_watches_and_one_watch_serves_many() {
        let s = setup(None);
        s.f.write("a/x", "x");
        s.f.write("b/y", "y");
        s.watcher.watch("b1", &["a".into()]).unwrap();
        s.watcher.watch("b2", &["a".into(), "b".into()]).unwrap();
        assert_eq!(s.watcher.watched_dirs(), 2, "a is watched once");
        s.f.write("a/x", "x2");
        s.f.write("b/y", "y2");
        let seen = events_until(&s.outbox, WAIT, |seen| seen.len() >= 3).await;
        tokio::time::sleep(WINDOW * 2).await;
        let mut seen = seen;
        seen.extend(events_until(&s.outbox, Duration::ZERO, |_| true).await);
        // A write split over two windows (a loaded machine) is two events: the same.
        seen.sort();
        seen.dedup();
        assert_eq!(
            seen,
            [
                ("b1".into(), "a/x".into(), "modified".into()),
                ("b2".into(), "a/x".into(), "modified".into()),
                ("b2".into(), "b/y".into(), "modified".into()),
            ]
        );
        // Unwatching: b1 no longer hears; `a` stays watched for b2.
        let left = s.watcher.unwatch("b1", Some(&["./a/".into()]));
        assert!(left.paths.is_empty());
        assert_eq!(s.watcher.watched_dirs(), 2);
        s.watcher.browser_left("b2");
        assert_eq!(s.watcher.watched_dirs(), 0, "nothing is watched for nobody");
        s.f.write("a/x", "x3");
        tokio::time::sleep(WINDOW * 3).await;
        assert!(drain(&s.outbox).is_empty());
        // A browser that left cannot watch again (a watch that raced its leaving).
        let late = s.watcher.watch("b2", &["a".into()]).unwrap();
        assert!(late.paths.is_empty());
        assert_eq!(s.watcher.watched_dirs(), 0);
    }

    #[tokio::test]
    async fn refusals_are_per_path_and_clear() {
        let limits = Limits {
            per_browser: 3,
            dirs: 4,
            pending: MAX_PENDING,
        };
        let s = setup(Some(limits));
        for d in ["d1", "d2", "d3", "d4", "d5", ".git/refs", ".mstro/history"] {
            fs::create_dir_all(s.f.root().join(d)).unwrap();
        }
        s.f.link_out("out");
        let fifo = std::ffi::CString::new(
            s.f.root()
                .join("pipe")
                .into_os_string()
                .into_encoded_bytes(),
        )
        .unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let asked: Vec<String> = [
            "d1",
            "d1/",
            "../x",
            "out",
            "missing",
            ".git",
            ".git/refs",
            ".mstro/history",
            "pipe",
            "d2",
            "d3",
            "d4",
        ]
        .map(String::from)
        .into();
        let watching = s.watcher.watch("b1", &asked).unwrap();
        assert_eq!(watching.paths, ["d1", "d2", "d3"]);
        let refused: Vec<(&str, &str)> = watching
            .refused
            .iter()
            .map(|r| (r.path.as_str(), r.code.as_str()))
            .collect();
        assert_eq!(
            refused,
            [
                ("../x", "outside_workspace"),
                ("out", "outside_workspace"),
                ("missing", "not_found"),
                (".git", "malformed"),
                (".git/refs", "malformed"),
                (".mstro/history", "malformed"),
                ("pipe", "malformed"),
                ("d4", "limit_reached"),
            ]
        );
        assert!(
            watching.refused[7]
                .message
                .contains("the most one browser may")
        );
        // The machine's bound on directories.
        s.watcher.watch("b2", &["d4".into()]).unwrap();
        let over = s.watcher.watch("b2", &["d5".into()]).unwrap();
        assert_eq!(over.refused[0].code, ErrorCode::LimitReached);
        assert!(
            over.refused[0]
                .message
                .contains("the machine watches 4 directories")
        );
        let too_many: Vec<String> = (0..=MAX_WATCH_PATHS_PER_REQUEST)
            .map(|i| i.to_string())
            .collect();
        assert_eq!(
            s.watcher.watch("b3", &too_many).unwrap_err().code(),
            ErrorCode::LimitReached
        );
        s.f.outside_untouched();
    }

    #[tokio::test]
    async fn too_many_changes_at_once_are_one_overflow() {
        let limits = Limits {
            per_browser: MAX_PER_BROWSER,
            dirs: MAX_DIRS,
            pending: 5,
        };
        let s = setup(Some(limits));
        fs::create_dir(s.f.root().join("busy")).unwrap();
        s.watcher.watch("b1", &["busy".into()]).unwrap();
        for i in 0..50 {
            s.f.write(&format!("busy/{i}"), "x");
        }
        let seen = events_until(&s.outbox, WAIT, |seen| {
            seen.iter().any(|(_, _, k)| k == "overflow")
        })
        .await;
        assert!(has(&seen, "b1", "", "overflow"), "{seen:?}");
        assert!(seen.len() <= 5 + 1, "bounded: {seen:?}");
    }

    #[tokio::test]
    async fn a_watched_directory_that_goes_is_reported_and_forgotten() {
        let s = setup(None);
        s.f.write("gone/x", "x");
        s.f.write("keep/y", "y");
        s.watcher
            .watch("b1", &["gone".into(), "gone/x".into(), "keep".into()])
            .unwrap();
        fs::rename(s.f.root().join("gone"), s.f.root().join("keep/moved")).unwrap();
        let seen = events_until(&s.outbox, WAIT, |seen| {
            has(seen, "b1", "gone", "removed") && has(seen, "b1", "keep/moved", "created")
        })
        .await;
        assert!(has(&seen, "b1", "gone", "removed"), "{seen:?}");
        assert!(has(&seen, "b1", "gone/x", "removed"), "{seen:?}");
        assert!(has(&seen, "b1", "keep/moved", "created"), "{seen:?}");
        tokio::time::sleep(WINDOW * 2).await;
        drain(&s.outbox);
        let now = s.watcher.unwatch("b1", Some(&[]));
        assert_eq!(now.paths, ["keep"], "the watches through `gone` ended");
        // Changes in the moved directory are not reported under its old name.
        s.f.write("keep/moved/x", "changed");
        tokio::time::sleep(WINDOW * 3).await;
        assert!(
            drain(&s.outbox)
                .iter()
                .all(|f| !f.data["path"].as_str().unwrap().starts_with("gone"))
        );
        // Watched again once it is back.
        fs::create_dir(s.f.root().join("gone")).unwrap();
        assert_eq!(
            s.watcher.watch("b1", &["gone".into()]).unwrap().paths,
            ["gone", "keep"]
        );
        s.f.write("gone/new", "n");
        let seen = events_until(&s.outbox, WAIT, |seen| {
            has(seen, "b1", "gone/new", "created")
        })
        .await;
        assert!(has(&seen, "b1", "gone/new", "created"), "{seen:?}");
    }

    #[test]
    fn internals_and_classification() {
        let root = Path::new("/w");
        assert!(internal(root, Path::new("/w/.git/index")));
        assert!(internal(root, Path::new("/w/sub/.git/HEAD")));
        assert!(internal(root, Path::new("/w/.mstro/trash/x")));
        assert!(!internal(root, Path::new("/w/.git")));
        assert!(!internal(root, Path::new("/w/src/a.rs")));
        assert!(internal(root, Path::new("/elsewhere/a")));
        let event = |kind| Ok(notify::Event::new(kind).add_path(PathBuf::from("/w/a")));
        let change = |kind| match classify(event(kind)).as_slice() {
            [Raw::Path(_, change)] => Some(*change),
            [] => None,
            other => panic!("{other:?}"),
        };
        use notify::event::{AccessKind, CreateKind, DataChange, RemoveKind};
        assert_eq!(
            change(EventKind::Create(CreateKind::File)),
            Some(Change::Created)
        );
        assert_eq!(
            change(EventKind::Remove(RemoveKind::Any)),
            Some(Change::Removed)
        );
        assert_eq!(
            change(EventKind::Modify(ModifyKind::Data(DataChange::Any))),
            Some(Change::Modified)
        );
        assert_eq!(
            change(EventKind::Modify(ModifyKind::Name(RenameMode::To))),
            Some(Change::Created)
        );
        assert_eq!(
            change(EventKind::Modify(ModifyKind::Name(RenameMode::From))),
            Some(Change::Removed)
        );
        assert_eq!(
            change(EventKind::Modify(ModifyKind::Name(RenameMode::Any))),
            Some(Change::Renamed)
        );
        assert_eq!(
            change(EventKind::Modify(ModifyKind::Name(RenameMode::Both))),
            None
        );
        assert_eq!(change(EventKind::Access(AccessKind::Any)), None);
        assert!(matches!(
            classify(Ok(
                notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan)
            ))[..],
            [Raw::Rescan]
        ));
        assert!(matches!(
            classify(Err(notify::Error::generic("x")))[..],
            [Raw::Rescan]
        ));
        let mut p = Pending::default();
        p.add(Change::Created);
        p.add(Change::Modified);
        assert_eq!(p.kind(Path::new("/")), FileChangeKind::Created);
        p.add(Change::Removed);
        assert_eq!(p.kind(Path::new("/")), FileChangeKind::Removed);
        let mut q = Pending::default();
        q.add(Change::Modified);
        assert_eq!(q.kind(Path::new("/")), FileChangeKind::Modified);
    }
}
