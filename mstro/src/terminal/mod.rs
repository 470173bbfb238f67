//! Terminals in the browser (docs/terminal.md): pseudo-terminals on the machine running
//! the person's shell, watched by any browser that can see the machine and typed into
//! only by its owner.
//!
//! - [`Terminals`]: the machine's terminals, what the dispatcher calls.
//! - [`running`]: one terminal's task (scrollback, attached browsers, its end).
//! - [`pacing`]: how much output each browser may have in flight.
//! - [`scrollback`]: the kept output, by offset.
//! - [`pty`]: the pseudo-terminal and its reader and writer threads.
//! - [`shell`]: which shell runs.
//! - [`tmux`]: the backend that outlives `mstro`.

pub mod pacing;
pub mod pty;
pub mod running;
pub mod scrollback;
pub mod shell;
pub mod tmux;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use portable_pty::MasterPty;
use tokio::sync::{mpsc, oneshot};

use self::running::{Command, MAX_ATTACHED, Shared, Wiring};
use self::shell::Shell;
use self::tmux::Tmux;
use crate::machine::relay_client::outbox::Outbox;
use mstro_protocol::terminal::{
    MAX_COLS, MAX_INPUT_BYTES, MAX_ROWS, MAX_TITLE_CHARS, TERMINALS, TerminalAttached,
    TerminalBackend, TerminalInfo, TerminalList,
};
use mstro_protocol::{Envelope, ErrorCode};

/// Terminals that run at once on a machine.
pub const MAX_TERMINALS: usize = 16;
/// Ended terminals kept (with their scrollback) until closed; older ones go first.
const MAX_ENDED: usize = 16;
/// Commands waiting for one terminal's task (acks, attaches).
const COMMANDS_QUEUED: usize = 1024;

/// Why a terminal request was refused.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("no terminal {0} on this machine")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{MAX_TERMINALS} terminals are running, the most one machine keeps; close one first")]
    TooMany,
    #[error("the terminal is not reading its input; wait, or close it")]
    NotReading,
    #[error("{0} browsers are attached to this terminal, the most it takes")]
    TooManyBrowsers(usize),
    #[error("the terminal has ended")]
    Ended,
    #[error("cannot start a terminal: {0}")]
    Start(#[source] std::io::Error),
}

impl TerminalError {
    /// The error frame's code.
    pub fn code(&self) -> ErrorCode {
        match self {
            TerminalError::NotFound(_) => ErrorCode::NotFound,
            TerminalError::Invalid(_) => ErrorCode::Malformed,
            TerminalError::TooMany | TerminalError::TooManyBrowsers(_) => ErrorCode::LimitReached,
            TerminalError::NotReading => ErrorCode::Busy,
            TerminalError::Ended => ErrorCode::Invalid,
            TerminalError::Start(_) => ErrorCode::Io,
        }
    }
}

/// How terminals are run.
#[derive(Debug, Clone)]
pub struct TerminalConfig {
    /// Use tmux when it is installed (`MSTRO_TERMINAL_BACKEND=pty` says no).
    pub tmux: bool,
    /// A terminal nobody watches, types into or hears from for this long is ended
    /// (`MSTRO_TERMINAL_IDLE_HOURS`, default 24).
    pub idle_limit: Duration,
}

impl TerminalConfig {
    /// The defaults, with the environment's overrides.
    pub fn from_env() -> TerminalConfig {
        let tmux = std::env::var("MSTRO_TERMINAL_BACKEND").as_deref() != Ok("pty");
        let hours = std::env::var("MSTRO_TERMINAL_IDLE_HOURS")
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|h| h.is_finite() && *h > 0.0)
            .unwrap_or(24.0)
            .min(24.0 * 365.0);
        TerminalConfig {
            tmux,
            idle_limit: Duration::from_secs_f64(hours * 3600.0),
        }
    }
}

/// A duration as the idle limit is said: in hours (`24 h`, `0.5 h`).
pub fn in_hours(d: Duration) -> String {
    let hours = d.as_secs_f64() / 3600.0;
    let rounded = (hours * 100.0).round() / 100.0;
    format!("{rounded} h")
}

/// One terminal, as the registry holds it.
struct Entry {
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
    input: std::sync::mpsc::SyncSender<Vec<u8>>,
    master: Arc<Mutex<Box<dyn MasterPty + Send>>>,
    stopper: Stopper,
    end_reason: Arc<Mutex<Option<String>>>,
}

/// How to end a terminal's whole process tree.
#[derive(Debug, Clone)]
struct Stopper {
    /// The process on the pseudo-terminal (the supervisor, or the tmux client).
    pid: Option<u32>,
    /// For a tmux terminal: its server and session.
    tmux: Option<(Tmux, String)>,
}

impl Stopper {
    /// End it: for tmux, the session's processes and the session; then the process on
    /// the pseudo-terminal (the supervisor ends every descendant on SIGTERM).
    fn stop(&self) {
        if let Some((tmux, session)) = &self.tmux {
            let panes = tmux.pane_pids(session);
            #[cfg(target_os = "linux")]
            for pane in &panes {
                for d in crate::process_tree::descendants::descendants(*pane) {
                    signal(d.pid, libc::SIGKILL);
                }
            }
            for pane in &panes {
                signal(*pane, libc::SIGHUP);
            }
            let _ = tmux.kill_session(session);
        }
        if let Some(pid) = self.pid {
            signal(pid as i32, libc::SIGTERM);
        }
    }
}

fn signal(pid: i32, signal: libc::c_int) {
    if pid > 1 {
        // SAFETY: kill(2) on a pid we started; at worst it is gone (ESRCH).
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

struct Inner {
    root: PathBuf,
    outbox: Arc<Outbox>,
    shell: Shell,
    tmux: Option<Tmux>,
    config: TerminalConfig,
    terminals: Mutex<BTreeMap<String, Entry>>,
    changed: mpsc::UnboundedSender<()>,
}

/// The machine's terminals.
#[derive(Clone)]
pub struct Terminals {
    inner: Arc<Inner>,
}

impl Terminals {
    /// The terminals of the workspace at `root`; terminals of mstro's tmux server for
    /// it that outlived an earlier `mstro` are attached again. Must run in a runtime.
    pub fn start(root: &Path, outbox: Arc<Outbox>, config: TerminalConfig) -> Terminals {
        let tmux = if config.tmux {
            Tmux::for_workspace(root)
        } else {
            None
        };
        let (changed, mut changes) = mpsc::unbounded_channel();
        let terminals = Terminals {
            inner: Arc::new(Inner {
                root: root.to_path_buf(),
                outbox,
                shell: shell::person_shell(),
                tmux,
                config,
                terminals: Mutex::new(BTreeMap::new()),
                changed,
            }),
        };
        let weak = Arc::downgrade(&terminals.inner);
        tokio::spawn(async move {
            while changes.recv().await.is_some() {
                while changes.try_recv().is_ok() {}
                let Some(inner) = weak.upgrade() else { break };
                Terminals { inner }.broadcast();
            }
        });
        terminals.restore();
        terminals
    }

    /// What runs new terminals.
    pub fn backend(&self) -> TerminalBackend {
        if self.inner.tmux.is_some() {
            TerminalBackend::Tmux
        } else {
            TerminalBackend::Pty
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        self.inner
            .terminals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Every terminal, oldest first.
    pub fn list(&self) -> TerminalList {
        let mut terminals: Vec<TerminalInfo> =
            self.map().values().map(|e| e.shared.info()).collect();
        terminals.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then(a.terminal_id.cmp(&b.terminal_id))
        });
        TerminalList { terminals }
    }

    /// Tell every browser on the machine the list.
    fn broadcast(&self) {
        self.inner.outbox.push(&Envelope::new(
            TERMINALS,
            serde_json::to_value(self.list()).expect("serialises"),
        ));
    }

    /// Start a terminal of `cols`×`rows`.
    pub fn create(
        &self,
        cols: u16,
        rows: u16,
        title: Option<String>,
    ) -> Result<TerminalInfo, TerminalError> {
        let (cols, rows) = checked_size(cols, rows)?;
        let title = match title {
            Some(t) => checked_title(&t)?,
            None => None,
        };
        {
            let map = self.map();
            let running = map.values().filter(|e| e.shared.info().exit.is_none());
            if running.count() >= MAX_TERMINALS {
                return Err(TerminalError::TooMany);
            }
        }
        let id = format!("term-{}", uuid::Uuid::new_v4().simple());
        let title = title.unwrap_or_else(|| {
            self.inner
                .shell
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "shell".to_owned())
        });
        let (program, tmux) = match &self.inner.tmux {
            Some(tmux) => {
                tmux.new_session(
                    &id,
                    &title,
                    &self.inner.root,
                    &self.inner.shell.path,
                    (cols, rows),
                )
                .map_err(TerminalError::Start)?;
                (tmux.attach_command(&id), Some((tmux.clone(), id.clone())))
            }
            None => (
                vec![self.inner.shell.path.display().to_string(), "-l".to_owned()],
                None,
            ),
        };
        let info = TerminalInfo {
            terminal_id: id.clone(),
            title,
            cols,
            rows,
            backend: if tmux.is_some() {
                TerminalBackend::Tmux
            } else {
                TerminalBackend::Pty
            },
            created_at: mstro_protocol::timestamp::now(),
            exit: None,
        };
        self.open(info.clone(), &program, tmux)?;
        self.broadcast();
        Ok(info)
    }

    /// Put a pseudo-terminal running `program` behind `info` and start its task.
    fn open(
        &self,
        info: TerminalInfo,
        program: &[String],
        tmux: Option<(Tmux, String)>,
    ) -> Result<(), TerminalError> {
        let env = [
            ("TERM", "xterm-256color".to_owned()),
            ("COLORTERM", "truecolor".to_owned()),
            ("TERM_PROGRAM", "mstro".to_owned()),
            ("MSTRO_TERMINAL", info.terminal_id.clone()),
        ];
        let pty = match pty::spawn(program, &self.inner.root, &env, (info.cols, info.rows)) {
            Ok(pty) => pty,
            Err(e) => {
                if let Some((tmux, session)) = &tmux {
                    let _ = tmux.kill_session(session);
                }
                return Err(TerminalError::Start(e));
            }
        };
        let stopper = Stopper { pid: pty.pid, tmux };
        let shared = Arc::new(Shared::new(info.clone()));
        let end_reason = Arc::new(Mutex::new(None));
        let (commands, commands_rx) = mpsc::channel(COMMANDS_QUEUED);
        let idle_stopper = stopper.clone();
        tokio::spawn(running::run(Wiring {
            shared: shared.clone(),
            output: pty.output,
            ended: pty.ended,
            commands: commands_rx,
            outbox: self.inner.outbox.clone(),
            changed: self.inner.changed.clone(),
            idle_limit: self.inner.config.idle_limit,
            end_idle: Box::new(move || idle_stopper.stop()),
            end_reason: end_reason.clone(),
        }));
        let mut map = self.map();
        map.insert(
            info.terminal_id.clone(),
            Entry {
                shared,
                commands,
                input: pty.input,
                master: pty.master,
                stopper,
                end_reason,
            },
        );
        forget_oldest_ended(&mut map);
        Ok(())
    }

    /// Attach the terminals of mstro's tmux server that an earlier `mstro` left.
    fn restore(&self) {
        let Some(tmux) = self.inner.tmux.clone() else {
            return;
        };
        for session in tmux.sessions() {
            if !session.name.starts_with("term-") || self.map().contains_key(&session.name) {
                continue;
            }
            let info = TerminalInfo {
                terminal_id: session.name.clone(),
                title: if session.title.is_empty() {
                    "shell".to_owned()
                } else {
                    session.title.clone()
                },
                cols: 80,
                rows: 24,
                backend: TerminalBackend::Tmux,
                created_at: mstro_protocol::timestamp::rfc3339_unix(session.created)
                    .unwrap_or_else(mstro_protocol::timestamp::now),
                exit: None,
            };
            let program = tmux.attach_command(&session.name);
            if let Err(e) = self.open(info, &program, Some((tmux.clone(), session.name.clone()))) {
                eprintln!("mstro: cannot attach terminal {}: {e}", session.name);
            }
        }
    }

    fn with<T>(
        &self,
        id: &str,
        f: impl FnOnce(&Entry) -> Result<T, TerminalError>,
    ) -> Result<T, TerminalError> {
        let map = self.map();
        let entry = map
            .get(id)
            .ok_or_else(|| TerminalError::NotFound(id.to_owned()))?;
        f(entry)
    }

    /// Start sending `browser` the output of terminal `id`.
    pub async fn attach(
        &self,
        id: &str,
        browser: &str,
        from: Option<u64>,
    ) -> Result<TerminalAttached, TerminalError> {
        let (reply, answer) = oneshot::channel();
        let (commands, shared) = self.with(id, |e| Ok((e.commands.clone(), e.shared.clone())))?;
        commands
            .try_send(Command::Attach {
                browser: browser.to_owned(),
                from,
                reply,
            })
            .map_err(|_| TerminalError::NotReading)?;
        let (offset, data, reset) = answer
            .await
            .map_err(|_| TerminalError::NotFound(id.to_owned()))?
            .ok_or(TerminalError::TooManyBrowsers(MAX_ATTACHED))?;
        Ok(TerminalAttached {
            terminal: shared.info(),
            offset,
            data: base64::engine::general_purpose::STANDARD.encode(data),
            reset,
        })
    }

    /// Stop sending `browser` terminal `id`'s output.
    pub fn detach(&self, id: &str, browser: &str) -> Result<(), TerminalError> {
        self.with(id, |e| {
            let _ = e.commands.try_send(Command::Detach {
                browser: browser.to_owned(),
            });
            Ok(())
        })
    }

    /// A browser left the machine: stop sending it anything.
    pub fn browser_left(&self, browser: &str) {
        for entry in self.map().values() {
            let _ = entry.commands.try_send(Command::Detach {
                browser: browser.to_owned(),
            });
        }
    }

    /// `browser` has taken terminal `id`'s output up to `offset`.
    pub fn ack(&self, id: &str, browser: &str, offset: u64) -> Result<(), TerminalError> {
        self.with(id, |e| {
            e.commands
                .try_send(Command::Ack {
                    browser: browser.to_owned(),
                    offset,
                })
                .map_err(|_| TerminalError::NotReading)
        })
    }

    /// Type `data` into terminal `id`.
    pub fn input(&self, id: &str, data: &str) -> Result<(), TerminalError> {
        if data.len() > MAX_INPUT_BYTES {
            return Err(TerminalError::Invalid(format!(
                "input of {} bytes; send at most {MAX_INPUT_BYTES} at once",
                data.len()
            )));
        }
        self.with(id, |e| {
            if e.shared.info().exit.is_some() {
                return Err(TerminalError::Ended);
            }
            e.shared.touch();
            e.input
                .try_send(data.as_bytes().to_vec())
                .map_err(|_| TerminalError::NotReading)
        })
    }

    /// Resize terminal `id`.
    pub fn resize(&self, id: &str, cols: u16, rows: u16) -> Result<(), TerminalError> {
        let (cols, rows) = checked_size(cols, rows)?;
        let changed = self.with(id, |e| {
            if e.shared.info().exit.is_some() {
                return Err(TerminalError::Ended);
            }
            pty::resize(&e.master, cols, rows).map_err(TerminalError::Start)?;
            let mut info = e.shared.info.lock().unwrap_or_else(|e| e.into_inner());
            let changed = (info.cols, info.rows) != (cols, rows);
            info.cols = cols;
            info.rows = rows;
            Ok(changed)
        })?;
        if changed {
            let _ = self.inner.changed.send(());
        }
        Ok(())
    }

    /// End terminal `id` (its whole process tree) and forget it.
    pub fn close(&self, id: &str) -> Result<(), TerminalError> {
        let entry = self
            .map()
            .remove(id)
            .ok_or_else(|| TerminalError::NotFound(id.to_owned()))?;
        entry
            .end_reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert_with(|| "closed from the browser".to_owned());
        entry.stopper.stop();
        self.broadcast();
        Ok(())
    }

    /// `mstro` is stopping: end the terminals that cannot outlive it (tmux ones stay,
    /// to be attached by the next `mstro`).
    pub fn stop(&self) {
        for entry in self.map().values() {
            if entry.stopper.tmux.is_none() {
                entry.stopper.stop();
            }
        }
    }
}

/// Keep at most [`MAX_ENDED`] ended terminals.
fn forget_oldest_ended(map: &mut BTreeMap<String, Entry>) {
    let mut ended: Vec<(String, String)> = map
        .iter()
        .filter_map(|(id, e)| {
            let info = e.shared.info();
            info.exit.is_some().then(|| (info.created_at, id.clone()))
        })
        .collect();
    ended.sort();
    let over = ended.len().saturating_sub(MAX_ENDED);
    for (_, id) in ended.into_iter().take(over) {
        map.remove(&id);
    }
}

fn checked_size(cols: u16, rows: u16) -> Result<(u16, u16), TerminalError> {
    if !(1..=MAX_COLS).contains(&cols) || !(1..=MAX_ROWS).contains(&rows) {
        return Err(TerminalError::Invalid(format!(
            "a terminal of {cols}×{rows}: columns must be 1 to {MAX_COLS}, rows 1 to {MAX_ROWS}"
        )));
    }
    Ok((cols, rows))
}

/// A title as shown: no control characters, at most [`MAX_TITLE_CHARS`]; `None` when
/// nothing is left.
fn checked_title(title: &str) -> Result<Option<String>, TerminalError> {
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(TerminalError::Invalid(format!(
            "a title of more than {MAX_TITLE_CHARS} characters"
        )));
    }
    let clean: String = title.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    Ok((!clean.is_empty()).then(|| clean.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_titles_are_checked() {
        assert!(checked_size(80, 24).is_ok());
        assert!(checked_size(0, 24).is_err());
        assert!(checked_size(80, 0).is_err());
        assert!(checked_size(MAX_COLS + 1, 24).is_err());
        assert!(checked_size(80, MAX_ROWS + 1).is_err());
        assert_eq!(
            checked_title(" build\u{1b}[31m\n ").unwrap(),
            Some("build[31m".to_owned())
        );
        assert_eq!(checked_title("\u{7}").unwrap(), None);
        assert!(checked_title(&"x".repeat(MAX_TITLE_CHARS + 1)).is_err());
    }
}
