//! Changing the workspace's files from the browser, and watching them change
//! (docs/files.md; the messages are typed in `mstro/protocol/src/files.rs`).
//!
//! Every path goes through the workspace's confinement functions
//! ([`Workspace::resolve`], [`Workspace::resolve_entry`], [`Workspace::resolve_new`]),
//! and every change is made through directory descriptors opened from the root without
//! following a symbolic link ([`Workspace::open_dir`], `mstro_fs::beneath`): a link
//! swapped in between the check and the change is refused, never followed.
//!
//! - [`create`]: new files and directories (and their missing parents).
//! - [`write`]: replacing a file's content, with the conflict check.
//! - [`rename`], [`copy`]: moving and copying, never over something unless asked.
//! - [`trash`]: delete moves into `.mstro/trash`, restore, list, emptying by age.
//! - [`watch`]: `fileChanged` events for what each browser shows.
//! - [`hash`]: the content hash `readFile` and `writeFile` speak in.
//! - [`Files`]: the machine's service the dispatcher calls.

#[cfg(test)]
mod attacks;
pub mod copy;
pub mod create;
pub mod hash;
pub mod rename;
pub mod trash;
pub mod watch;
pub mod write;

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mstro_fs::{PathError, Workspace};
use mstro_protocol::ErrorCode;
use mstro_protocol::files::{
    Copied, Created, Moved, Restored, TrashList, Trashed, Watching, Written,
};

use self::copy::CopyLimits;
use self::watch::Watcher;
use crate::machine::relay_client::outbox::Outbox;

/// Why a file operation was refused. Messages name display paths only (relative to the
/// root), never a path outside it.
#[derive(Debug, thiserror::Error)]
pub enum FileOpError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("nothing is at {0}")]
    NotFound(String),
    #[error("{0} already exists")]
    AlreadyExists(String),
    #[error("is a directory: {0}")]
    IsADirectory(String),
    #[error(
        "{path} changed since the version you edited (or was created meanwhile); nothing was written"
    )]
    Conflict {
        path: String,
        /// The hash of the file on disk now; `None` when it is gone.
        current_hash: Option<String>,
    },
    /// The request cannot be done as asked (the message says why).
    #[error("{0}")]
    Invalid(String),
    /// A bound of the machine (size, count, depth); the message says which.
    #[error("{0}")]
    Limit(String),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: io::Error,
    },
}

impl FileOpError {
    /// The wire error code (docs/relay-api.md).
    pub fn code(&self) -> ErrorCode {
        match self {
            FileOpError::Path(e) => crate::machine::dispatch::files::path_code(e),
            FileOpError::NotFound(_) => ErrorCode::NotFound,
            FileOpError::AlreadyExists(_) => ErrorCode::AlreadyExists,
            FileOpError::IsADirectory(_) => ErrorCode::IsADirectory,
            FileOpError::Conflict { .. } => ErrorCode::Conflict,
            FileOpError::Invalid(_) => ErrorCode::Malformed,
            FileOpError::Limit(_) => ErrorCode::LimitReached,
            FileOpError::Io { .. } => ErrorCode::Io,
        }
    }

    /// A filesystem error while doing `action` to `path` (a display path), as the error
    /// a person can act on: gone, already there, a link appeared, another file system.
    pub fn io(action: &'static str, path: &str, e: io::Error) -> FileOpError {
        let path = path.to_owned();
        match e.raw_os_error() {
            Some(libc::ENOENT) => FileOpError::NotFound(path),
            Some(libc::EEXIST) => FileOpError::AlreadyExists(path),
            Some(libc::ENOTEMPTY) => FileOpError::AlreadyExists(format!(
                "{path} (a directory that is not empty, which is never replaced)"
            )),
            Some(libc::ELOOP) => FileOpError::Path(PathError::Changed(path)),
            Some(libc::ENOTDIR) => FileOpError::Path(PathError::NotADirectory(path)),
            Some(libc::EISDIR) => FileOpError::IsADirectory(path),
            Some(libc::EXDEV) => FileOpError::Invalid(format!(
                "cannot {action} {path}: it is on another file system (a mount inside the workspace); nothing was changed"
            )),
            _ => FileOpError::Io {
                action,
                path,
                source: e,
            },
        }
    }
}

/// A closure mapping an `io::Error` of `action` on `path` ([`FileOpError::io`]).
pub(crate) fn io_err<'a>(
    action: &'static str,
    path: &'a str,
) -> impl FnOnce(io::Error) -> FileOpError + 'a {
    move |e| FileOpError::io(action, path, e)
}

/// The trash, relative to the root.
pub const TRASH_DIR: &str = ".mstro/trash";

/// What a browser may not take, move or delete: the root's `.mstro` (mstro's own
/// state) and anything in the trash (which `restoreTrash` and the expiry manage).
pub(crate) fn guard_source(ws: &Workspace, path: &Path) -> Result<(), FileOpError> {
    let mstro = ws.root().join(".mstro");
    if path == mstro || path.starts_with(ws.root().join(TRASH_DIR)) {
        return Err(FileOpError::Invalid(format!(
            "{} is mstro's own (the trash is managed with listTrash and restoreTrash)",
            ws.display(path)
        )));
    }
    Ok(())
}

/// Where a browser may not put anything: the trash.
pub(crate) fn guard_destination(ws: &Workspace, path: &Path) -> Result<(), FileOpError> {
    if path.starts_with(ws.root().join(TRASH_DIR)) {
        return Err(FileOpError::Invalid(format!(
            "nothing can be put into {TRASH_DIR} by hand; delete moves things there"
        )));
    }
    Ok(())
}

/// How files are changed on this machine.
#[derive(Debug, Clone)]
pub struct FilesConfig {
    /// Deleted entries are emptied from the trash after this long
    /// (`MSTRO_TRASH_DAYS`, default 7).
    pub trash_max_age: Duration,
    pub copy: CopyLimits,
}

impl Default for FilesConfig {
    fn default() -> FilesConfig {
        FilesConfig {
            trash_max_age: trash::DEFAULT_MAX_AGE,
            copy: CopyLimits::default(),
        }
    }
}

impl FilesConfig {
    /// The defaults, with the environment's overrides.
    pub fn from_env() -> FilesConfig {
        let days = std::env::var("MSTRO_TRASH_DAYS")
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|d| d.is_finite() && *d > 0.0)
            .map(|d| d.min(3650.0));
        FilesConfig {
            trash_max_age: days
                .map(|d| Duration::from_secs_f64(d * 86_400.0))
                .unwrap_or(trash::DEFAULT_MAX_AGE),
            ..FilesConfig::default()
        }
    }
}

/// The machine's file service: the operations, one lock that makes a `writeFile`'s
/// check and replacement one step against other writers through the machine, the
/// watcher, and the trash's expiry.
#[derive(Clone)]
pub struct Files {
    inner: Arc<Inner>,
}

struct Inner {
    ws: Arc<Workspace>,
    config: FilesConfig,
    /// Held by `writeFile` from the hash check to the rename, so that two browsers
    /// saving the same version never both succeed.
    write_lock: Mutex<()>,
    watcher: Watcher,
    expiry: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Files {
    /// The file service of `ws`; events go out through `outbox`. Empties expired trash
    /// entries now and then once a day. Must run in a runtime.
    pub fn start(ws: Arc<Workspace>, outbox: Arc<Outbox>, config: FilesConfig) -> Files {
        let watcher = Watcher::start(ws.clone(), outbox);
        let files = Files {
            inner: Arc::new(Inner {
                ws,
                config,
                write_lock: Mutex::new(()),
                watcher,
                expiry: Mutex::new(None),
            }),
        };
        let weak = Arc::downgrade(&files.inner);
        let task = tokio::spawn(async move {
            let mut daily = tokio::time::interval(Duration::from_secs(24 * 3600));
            loop {
                daily.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                let (ws, age) = (inner.ws.clone(), inner.config.trash_max_age);
                drop(inner);
                let emptied = tokio::task::spawn_blocking(move || {
                    trash::empty_expired(&ws, age, std::time::SystemTime::now())
                })
                .await;
                match emptied {
                    Ok(Ok(n)) if n > 0 => crate::machine::log::debug(&format!(
                        "emptied {n} expired entr{} from the trash",
                        if n == 1 { "y" } else { "ies" }
                    )),
                    Ok(Err(e)) => eprintln!("mstro: cannot empty the trash: {e}"),
                    _ => {}
                }
            }
        });
        *files.inner.expiry.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        files
    }

    /// Stop the watcher and the expiry.
    pub fn stop(&self) {
        self.inner.watcher.stop();
        if let Some(task) = self
            .inner
            .expiry
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }

    fn ws(&self) -> &Workspace {
        &self.inner.ws
    }

    pub fn create_file(&self, path: &str, content: &str) -> Result<Created, FileOpError> {
        create::create_file(self.ws(), path, content.as_bytes())
    }

    pub fn create_directory(&self, path: &str) -> Result<Created, FileOpError> {
        create::create_directory(self.ws(), path)
    }

    pub fn write_file(
        &self,
        path: &str,
        content: &str,
        base_hash: Option<&str>,
    ) -> Result<Written, FileOpError> {
        let _one_writer = self
            .inner
            .write_lock
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        write::write_file(self.ws(), path, content.as_bytes(), base_hash)
    }

    pub fn rename(&self, from: &str, to: &str, overwrite: bool) -> Result<Moved, FileOpError> {
        rename::rename(self.ws(), from, to, overwrite)
    }

    pub fn copy(&self, from: &str, to: &str) -> Result<Copied, FileOpError> {
        copy::copy(self.ws(), from, to, &self.inner.config.copy)
    }

    pub fn delete(&self, path: &str) -> Result<Trashed, FileOpError> {
        trash::delete(self.ws(), path, std::time::SystemTime::now())
    }

    pub fn restore(&self, id: &str) -> Result<Restored, FileOpError> {
        trash::restore(self.ws(), id)
    }

    pub fn list_trash(&self) -> Result<TrashList, FileOpError> {
        trash::list(self.ws(), self.inner.config.trash_max_age)
    }

    /// `watch`: for `browser`.
    pub fn watch(&self, browser: &str, paths: &[String]) -> Result<Watching, FileOpError> {
        self.inner.watcher.watch(browser, paths)
    }

    /// `unwatch`: for `browser`; `None`: every path.
    pub fn unwatch(&self, browser: &str, paths: Option<&[String]>) -> Watching {
        self.inner.watcher.unwatch(browser, paths)
    }

    /// The relay said `browser` left: its watches go.
    pub fn browser_left(&self, browser: &str) {
        self.inner.watcher.browser_left(browser);
    }
}
