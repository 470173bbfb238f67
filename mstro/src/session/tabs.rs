//! The machine's tabs (MSTRO.md §5–6, docs/sessions.md): each shows one history
//! session and runs one prompt at a time; everything a run does is logged per tab,
//! broadcast to the machine's browsers, and recorded in the session's history file.
//!
//! One lock guards all tabs. Events are appended and handed to the outbox under it,
//! so every browser sees one tab's events in `seq` order; nothing under the lock waits
//! on the disk or the network (history is written on the blocking pool afterwards).

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::FutureExt;
use tokio::sync::{mpsc, oneshot, watch};

use super::attachments::{self, Attachment};
use super::event_log::{Catchup, EventLog, LogLimits};
use super::history::record::is_claude_session_id;
use super::history::window::{self, MAX_WINDOW_BYTES, Window};
use super::history::{HistoryError, HistoryStore, MovementRecord, SessionRecord};
use super::ids;
use super::runner::approvals::{ApprovalAnswer, NotWaiting, SessionApprovals};
use super::runner::command::{Invocation, valid_model};
use super::runner::{self, RunControl, RunnerConfig};
use super::tab_settings::TabSettingsStore;
use crate::machine::relay_client::Outbox;
use mstro_protocol::approval::{AnswerApprovalArg, ApprovalAnswered};
use mstro_protocol::event::{
    MovementErrorKind, MovementStart, MovementWarning, TabEvent, TabState, TabStateChanged,
};
use mstro_protocol::reply::{
    self, ActiveTabs, InitTab, ReplayedEvent, TabInfo, TabSnapshot, TabSummary,
};
use mstro_protocol::tab_settings::{SetTabSettingsArg, TabSettings};
use mstro_protocol::{Envelope, ErrorCode, Permission};

/// Tabs one machine keeps open at once.
const MAX_TABS: usize = 32;
/// The longest prompt taken.
pub const MAX_PROMPT_BYTES: usize = 256 * 1024;

/// Why a request about tabs or sessions was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl Refusal {
    fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }
}

impl From<HistoryError> for Refusal {
    fn from(e: HistoryError) -> Refusal {
        let code = match &e {
            HistoryError::NotFound(_) => ErrorCode::NotFound,
            HistoryError::BadId => ErrorCode::Malformed,
            _ => ErrorCode::Io,
        };
        Refusal::new(code, e.to_string())
    }
}

/// What `execute` did; its frame is [`ack_frame`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExecuteAck {
    pub msg_id: String,
    pub movement_id: String,
    pub duplicate: bool,
}

/// The tabs of this machine process.
#[derive(Clone)]
pub struct Tabs {
    shared: Arc<Shared>,
}

struct Shared {
    /// Changes with every start of this process: a browser's seqs from before mean nothing.
    epoch: String,
    workspace: PathBuf,
    history: Arc<HistoryStore>,
    runner: RunnerConfig,
    outbox: Arc<Outbox>,
    limits: LogLimits,
    tabs: Mutex<OpenTabs>,
    /// The latest save generation per session (see [`Tabs::save`]).
    saves: Mutex<HashMap<String, u64>>,
    /// The last save failure told about, per session (each is told once).
    save_failures: Mutex<HashMap<String, String>>,
    /// What owners approved "for this session", per session, while this process runs.
    approved: SessionApprovals,
    /// Each tab's settings, on disk.
    settings: Arc<TabSettingsStore>,
    /// Held through a settings change (check, write, apply), so that two changes of
    /// one tab land on disk and in the tab in the same order.
    settings_change: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct OpenTabs {
    by_id: HashMap<String, Tab>,
    /// Creation order, for `getActiveTabs`.
    order: Vec<String>,
}

struct Tab {
    log: EventLog,
    /// The session shown; `None` until the first prompt (or after `new`).
    record: Option<SessionRecord>,
    run: Option<ActiveRun>,
    /// Every prompt id this tab has seen, so a replayed prompt never runs twice.
    msg_ids: HashSet<String>,
    /// `removeTab` came while a run was stopping: gone once it has.
    removing: bool,
    /// About how many bytes of the current movement's events the record holds, and
    /// the movement they are counted for (see [`MAX_MOVEMENT_RECORD_BYTES`]).
    recorded: (String, usize),
    /// The model and when to ask the owner, for its next run.
    settings: TabSettings,
}

/// The most of one movement's events kept in its session record (in memory and in
/// the history file), under the file limit so that a continuation can always hold
/// it. Beyond it the run still streams to browsers; the record keeps its end events
/// and a warning that says what was left out.
pub const MAX_MOVEMENT_RECORD_BYTES: usize = 24 * 1024 * 1024;

struct ActiveRun {
    cancel: watch::Sender<bool>,
    /// The owner's answers to the run's approval requests.
    answers: mpsc::Sender<ApprovalAnswer>,
}

impl Tab {
    fn state(&self) -> TabState {
        if self.removing {
            TabState::Removed
        } else if self.run.is_some() {
            TabState::Running
        } else {
            TabState::Idle
        }
    }

    fn session_id(&self) -> Option<String> {
        self.record.as_ref().map(|r| r.id.clone())
    }

    /// Log, record and broadcast one event.
    fn emit(&mut self, outbox: &Outbox, event: TabEvent) {
        let mut cut_off = None;
        if let (Some(record), Some(movement)) = (&mut self.record, event.movement_id())
            && let Some(m) = record.movements.last_mut()
            && m.movement_id == movement
        {
            if self.recorded.0 != movement {
                self.recorded = (movement.to_owned(), 0);
            }
            let size = recorded_size(&event);
            let before = self.recorded.1;
            self.recorded.1 = before.saturating_add(size);
            if self.recorded.1 <= MAX_MOVEMENT_RECORD_BYTES || event.is_terminal() {
                m.push(event.clone());
            } else if before <= MAX_MOVEMENT_RECORD_BYTES {
                let warning = TabEvent::MovementWarning(MovementWarning {
                    movement_id: movement.to_owned(),
                    message: format!(
                        "This run's output passed {} MiB: it goes on streaming here, but the \
                         rest of it is not kept in the session's history.",
                        MAX_MOVEMENT_RECORD_BYTES / (1024 * 1024)
                    ),
                    silent_secs: 0,
                });
                m.push(warning.clone());
                cut_off = Some(warning);
            }
        }
        outbox.push(&self.log.append(&event));
        if let Some(warning) = cut_off {
            outbox.push(&self.log.append(&warning));
        }
    }

    fn state_changed(&mut self, outbox: &Outbox) {
        let event = TabEvent::TabStateChanged(TabStateChanged {
            state: self.state(),
            session_id: self.session_id(),
        });
        self.emit(outbox, event);
    }
}

/// About how many bytes `event` adds to a session record: its texts, tool input and
/// result (what grows without bound), plus a little for the rest.
fn recorded_size(event: &TabEvent) -> usize {
    const FIXED: usize = 128;
    FIXED
        + match event {
            TabEvent::Output(c) | TabEvent::Thinking(c) => c.text.len(),
            TabEvent::ToolUse(t) => {
                t.result.as_ref().map_or(0, String::len)
                    + t.input.as_ref().map_or(0, |i| i.to_string().len())
            }
            _ => 0,
        }
}

impl Tabs {
    pub fn new(
        workspace: PathBuf,
        runner: RunnerConfig,
        outbox: Arc<Outbox>,
        limits: LogLimits,
    ) -> Tabs {
        Tabs {
            shared: Arc::new(Shared {
                epoch: ids::fresh("e"),
                history: Arc::new(HistoryStore::new(&workspace)),
                settings: Arc::new(TabSettingsStore::open(&workspace)),
                workspace,
                runner,
                outbox,
                limits,
                tabs: Mutex::new(OpenTabs::default()),
                saves: Mutex::new(HashMap::new()),
                save_failures: Mutex::new(HashMap::new()),
                approved: SessionApprovals::default(),
                settings_change: tokio::sync::Mutex::new(()),
            }),
        }
    }

    pub fn epoch(&self) -> &str {
        &self.shared.epoch
    }

    pub fn history(&self) -> Arc<HistoryStore> {
        self.shared.history.clone()
    }

    fn tabs(&self) -> MutexGuard<'_, OpenTabs> {
        self.shared.tabs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `getActiveTabs`.
    pub fn active_tabs(&self) -> ActiveTabs {
        let tabs = self.tabs();
        let list = tabs
            .order
            .iter()
            .filter_map(|id| tabs.by_id.get(id).map(|t| (id, t)))
            .filter(|(_, t)| !t.removing)
            .map(|(id, t)| TabSummary {
                tab_id: id.clone(),
                session_id: t.session_id(),
                title: t.record.as_ref().map(|r| r.title.clone()),
                state: t.state(),
                seq: t.log.last_seq(),
                settings: t.settings.clone(),
            })
            .collect();
        ActiveTabs {
            epoch: self.shared.epoch.clone(),
            tabs: list,
            defaults: self.defaults(),
        }
    }

    /// What a tab setting left at `null` means here.
    fn defaults(&self) -> TabSettings {
        TabSettings {
            model: None,
            ask_person: Some(runner::wire_ask_person(self.shared.runner.ask_person)),
        }
    }

    /// `createTab {tabId?, sessionId?}`: idempotent for a known tab id; a session
    /// already open in a tab is answered with that tab.
    pub async fn create_tab(
        &self,
        tab_id: Option<String>,
        session_id: Option<String>,
    ) -> Result<TabInfo, Refusal> {
        let tab_id = match tab_id {
            Some(id) => checked(id, "tabId")?,
            None => ids::fresh("t"),
        };
        let session_id = session_id.map(|s| checked(s, "sessionId")).transpose()?;
        {
            let tabs = self.tabs();
            if let Some(tab) = tabs.by_id.get(&tab_id).filter(|t| !t.removing) {
                return Ok(self.tab_info(&tab_id, tab));
            }
            if let Some(sid) = &session_id
                && let Some((id, tab)) = tabs
                    .by_id
                    .iter()
                    .find(|(_, t)| !t.removing && t.session_id().as_ref() == Some(sid))
            {
                return Ok(self.tab_info(id, tab));
            }
        }
        let record = match session_id {
            Some(sid) => Some(self.load(sid).await?),
            None => None,
        };
        let mut tabs = self.tabs();
        if tabs.by_id.len() >= MAX_TABS {
            return Err(Refusal::new(
                ErrorCode::Busy,
                format!("this machine keeps at most {MAX_TABS} tabs; close one first"),
            ));
        }
        // Another request may have created it meanwhile; theirs stands.
        if !tabs.by_id.contains_key(&tab_id) {
            let msg_ids = record
                .as_ref()
                .map(|r| r.msg_ids().map(str::to_owned).collect())
                .unwrap_or_default();
            tabs.by_id.insert(
                tab_id.clone(),
                Tab {
                    log: EventLog::new(&self.shared.epoch, &tab_id, self.shared.limits),
                    record,
                    run: None,
                    msg_ids,
                    removing: false,
                    recorded: (String::new(), 0),
                    // A tab that comes back (a restart) has the settings it had.
                    settings: self.shared.settings.get(&tab_id),
                },
            );
            tabs.order.push(tab_id.clone());
        }
        let tab = &tabs.by_id[&tab_id];
        Ok(self.tab_info(&tab_id, tab))
    }

    fn tab_info(&self, tab_id: &str, tab: &Tab) -> TabInfo {
        TabInfo {
            tab_id: tab_id.to_owned(),
            session_id: tab.session_id(),
            state: tab.state(),
            epoch: self.shared.epoch.clone(),
            seq: tab.log.last_seq(),
            settings: tab.settings.clone(),
        }
    }

    async fn load(&self, session_id: String) -> Result<SessionRecord, Refusal> {
        let history = self.shared.history.clone();
        blocking(move || history.load(&session_id).map_err(Refusal::from)).await
    }

    /// `initTab {epoch?, lastSeenSeq?, sessionId?}`: what the browser missed, or a
    /// snapshot. An owner's unknown tab is created (the machine restarted); a viewer's
    /// is `not_found`.
    pub async fn init_tab(
        &self,
        tab_id: String,
        epoch: Option<String>,
        last_seen: Option<u64>,
        session_id: Option<String>,
        permission: Option<Permission>,
    ) -> Result<InitTab, Refusal> {
        let tab_id = checked(tab_id, "tabId")?;
        let known = self.tabs().by_id.contains_key(&tab_id);
        if !known {
            // Unknown in this epoch means closed: a late initTab must not bring it
            // back. From an earlier process (or a fresh page) an owner gets it again.
            if permission != Some(Permission::Owner) || epoch.as_deref() == Some(self.epoch()) {
                return Err(Refusal::new(ErrorCode::NotFound, "no such tab"));
            }
            self.create_tab(Some(tab_id.clone()), session_id).await?;
        }
        let mut tabs = self.tabs();
        let tab = tabs
            .by_id
            .get_mut(&tab_id)
            .ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such tab"))?;
        match tab.log.catch_up(epoch.as_deref(), last_seen) {
            Catchup::Replay(frames) => Ok(InitTab::Replay {
                epoch: self.shared.epoch.clone(),
                events: frames
                    .into_iter()
                    .map(|f| ReplayedEvent {
                        kind: f.kind,
                        tab_id: f.tab_id,
                        data: f.data,
                    })
                    .collect(),
                settings: tab.settings.clone(),
            }),
            Catchup::Snapshot => Ok(InitTab::Snapshot {
                epoch: self.shared.epoch.clone(),
                seq: tab.log.last_seq(),
                snapshot: snapshot(&tab_id, tab),
            }),
        }
    }

    /// `execute {prompt, msgId, model?, attachments?}`: start a movement, unless this
    /// prompt ran already (a duplicate) or the tab is busy (refused, never queued).
    pub fn execute(
        &self,
        tab_id: String,
        prompt: String,
        msg_id: String,
        model: Option<String>,
        attachments: Vec<Attachment>,
    ) -> Result<ExecuteAck, Refusal> {
        let tab_id = checked(tab_id, "tabId")?;
        let msg_id = checked(msg_id, "msgId")?;
        if prompt.trim().is_empty() {
            return Err(Refusal::new(ErrorCode::Malformed, "the prompt is empty"));
        }
        if prompt.len() > MAX_PROMPT_BYTES {
            return Err(Refusal::new(
                ErrorCode::Malformed,
                format!("the prompt is over {} KiB", MAX_PROMPT_BYTES / 1024),
            ));
        }
        if let Some(m) = &model
            && !valid_model(m)
        {
            return Err(Refusal::new(ErrorCode::Malformed, "not a model name"));
        }
        let movement_id = ids::fresh("m");
        // Where they will be (saved when the run starts), for history and the browser.
        let attached: Vec<String> = attachments
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let name = attachments::saved_name(i, &a.name);
                format!(".mstro/attachments/{movement_id}/{name}")
            })
            .collect();
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let (answers_tx, answers_rx) = mpsc::channel(16);
        let (record, session_id, resume, settings) = {
            let mut tabs = self.tabs();
            let tab = tabs
                .by_id
                .get_mut(&tab_id)
                .filter(|t| !t.removing)
                .ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such tab"))?;
            if tab.msg_ids.contains(&msg_id) {
                return Ok(ExecuteAck {
                    msg_id,
                    movement_id: String::new(),
                    duplicate: true,
                });
            }
            if tab.run.is_some() {
                return Err(Refusal::new(
                    ErrorCode::TabBusy,
                    "this tab is running a prompt; wait for it or stop it first",
                ));
            }
            tab.msg_ids.insert(msg_id.clone());
            let now = mstro_protocol::timestamp::now();
            let record = tab
                .record
                .get_or_insert_with(|| SessionRecord::new(ids::fresh("s"), &prompt, now.clone()));
            let resume = record.claude_session_id.clone();
            record.updated_at = now.clone();
            record.movements.push(MovementRecord {
                movement_id: movement_id.clone(),
                msg_id: msg_id.clone(),
                prompt: prompt.clone(),
                started_at: now.clone(),
                attachments: attached.clone(),
                events: Vec::new(),
            });
            let session_id = record.id.clone();
            tab.run = Some(ActiveRun {
                cancel: cancel_tx,
                answers: answers_tx,
            });
            let start = TabEvent::MovementStart(MovementStart {
                movement_id: movement_id.clone(),
                msg_id: msg_id.clone(),
                prompt: prompt.clone(),
                started_at: now,
                resume: resume.clone(),
                attachments: attached,
            });
            tab.emit(&self.shared.outbox, start);
            tab.state_changed(&self.shared.outbox);
            (tab.record.clone(), session_id, resume, tab.settings.clone())
        };
        // The prompt's own model first, then the tab's.
        let model = model.or(settings.model);
        let ask_person = settings.ask_person.map(runner::ask_person_of);
        // The prompt is on disk before Claude Code starts: a crash loses no request.
        if let Some(record) = record {
            self.save(record);
        }
        let sessions = self.clone();
        let ack = ExecuteAck {
            msg_id,
            movement_id: movement_id.clone(),
            duplicate: false,
        };
        tokio::spawn(async move {
            sessions
                .drive(
                    tab_id,
                    movement_id,
                    session_id,
                    prompt,
                    resume,
                    model,
                    ask_person,
                    attachments,
                    cancel_rx,
                    answers_rx,
                )
                .await;
        });
        Ok(ack)
    }

    #[allow(clippy::too_many_arguments)]
    async fn drive(
        &self,
        tab_id: String,
        movement_id: String,
        session_id: String,
        prompt: String,
        resume: Option<String>,
        model: Option<String>,
        ask_person: Option<runner::AskPerson>,
        attachments: Vec<Attachment>,
        cancel: watch::Receiver<bool>,
        answers: mpsc::Receiver<ApprovalAnswer>,
    ) {
        let shared = &self.shared;
        let prompt = match self.attach(&movement_id, attachments).await {
            Ok(paths) => attachments::prompt_with(&prompt, &paths),
            Err(terminal) => return self.finish(&tab_id, terminal),
        };
        if *cancel.borrow() {
            // Stopped while the files were being saved: Claude Code is not started.
            return self.finish(&tab_id, TabEvent::cancelled_early(&movement_id));
        }
        let invocation = Invocation {
            session_id: &session_id,
            prompt: &prompt,
            resume: resume.as_deref(),
            model: model.as_deref(),
            ask_person,
            workspace: &shared.workspace,
        };
        let mut emit = |event: TabEvent| {
            if let Some(tab) = self.tabs().by_id.get_mut(&tab_id) {
                tab.emit(&shared.outbox, event);
            }
        };
        let control = RunControl {
            cancel,
            answers,
            remembered: shared.approved.clone(),
        };
        let run = runner::run(&shared.runner, &movement_id, invocation, control, &mut emit);
        let terminal = to_the_end(run, &movement_id).await;
        self.finish(&tab_id, terminal);
    }

    /// Saves a movement's attachments (on the blocking pool), or the movement's end
    /// saying why they could not be: Claude Code never runs without them.
    async fn attach(
        &self,
        movement_id: &str,
        files: Vec<Attachment>,
    ) -> Result<Vec<String>, TabEvent> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let workspace = self.shared.workspace.clone();
        let id = movement_id.to_owned();
        blocking(move || {
            attachments::save(&workspace, &id, &files)
                .map_err(|e| Refusal::new(ErrorCode::Internal, e.to_string()))
        })
        .await
        .map_err(|why| {
            TabEvent::failed_early(
                movement_id,
                MovementErrorKind::Setup,
                format!(
                    "the attached files could not be saved: {}. Nothing was run.",
                    why.message
                ),
            )
        })
    }

    /// A movement ended with `terminal`: record it, free the tab (or remove it, when
    /// that was asked meanwhile) and save the session.
    fn finish(&self, tab_id: &str, terminal: TabEvent) {
        let shared = &self.shared;
        // It becomes `--resume`'s value next time: only a plain id is kept.
        let claude_session = match &terminal {
            TabEvent::MovementComplete(c) => c.claude_session_id.clone(),
            TabEvent::MovementError(e) => e.claude_session_id.clone(),
            _ => None,
        }
        .filter(|id| is_claude_session_id(id));
        let record = {
            let mut tabs = self.tabs();
            let Some(tab) = tabs.by_id.get_mut(tab_id) else {
                return;
            };
            if let Some(record) = &mut tab.record {
                if claude_session.is_some() {
                    record.claude_session_id = claude_session;
                }
                record.updated_at = mstro_protocol::timestamp::now();
            }
            tab.emit(&shared.outbox, terminal);
            tab.run = None;
            let record = tab.record.clone();
            if tab.removing {
                tab.state_changed(&shared.outbox);
                tabs.by_id.remove(tab_id);
                tabs.order.retain(|t| t != tab_id);
                self.forget_settings(tab_id);
            } else {
                tab.state_changed(&shared.outbox);
            }
            record
        };
        if let Some(record) = record {
            self.save(record);
        }
    }

    /// Write a session's file on the blocking pool. A failure is never silent: it is a
    /// line on stderr and a `movementWarning` on the session's tab, once per kind of
    /// failure (a later save that works clears it), and the session keeps running. A
    /// session grown over the file limit goes on in a new history entry (see
    /// [`roll_over`](Self::roll_over)). Writes of one session happen in the order they
    /// were asked for: each gets a generation, and one overtaken by a newer one is
    /// skipped.
    fn save(&self, record: SessionRecord) {
        let generation = {
            let mut saves = self.saves();
            let g = saves.entry(record.id.clone()).or_default();
            *g += 1;
            *g
        };
        let sessions = self.clone();
        tokio::task::spawn_blocking(move || {
            let saves = sessions.saves();
            if saves.get(&record.id) != Some(&generation) {
                return;
            }
            // Held while writing: no older write can land after this one.
            let saved = sessions.shared.history.save(&record);
            drop(saves);
            match saved {
                Ok(()) => {
                    sessions.save_failures().remove(&record.id);
                }
                Err(HistoryError::TooLarge { .. }) if sessions.roll_over(&record.id) => {}
                Err(e) => sessions.save_failed(&record.id, &e),
            }
        });
    }

    /// Tell the machine's log and the session's tab that `session_id` was not saved.
    fn save_failed(&self, session_id: &str, error: &HistoryError) {
        let message = format!(
            "This session's history could not be saved: {error}. The session goes on, but \
             what happens now may be missing after a restart of mstro."
        );
        eprintln!("mstro: could not save session {session_id}: {error}");
        let first = self
            .save_failures()
            .insert(session_id.to_owned(), error.to_string())
            .as_deref()
            != Some(error.to_string().as_str());
        if !first {
            return;
        }
        let mut tabs = self.tabs();
        if let Some(tab) = tabs
            .by_id
            .values_mut()
            .find(|t| t.record.as_ref().is_some_and(|r| r.id == session_id))
            && let Some(movement_id) = tab
                .record
                .as_ref()
                .and_then(|r| r.movements.last())
                .map(|m| m.movement_id.clone())
        {
            tab.emit(
                &self.shared.outbox,
                TabEvent::MovementWarning(MovementWarning {
                    movement_id,
                    message,
                    silent_secs: 0,
                }),
            );
        }
    }

    /// `session_id` no longer fits one history file: the tab's session goes on in a new
    /// record (a new history entry, "… (continued)", resuming the same Claude Code
    /// conversation) that starts with the movement in progress, and the earlier
    /// movements stay in the old file. `false` when that cannot help (no tab holds the
    /// session, or its one movement alone is over the limit).
    fn roll_over(&self, session_id: &str) -> bool {
        let (finished, next) = {
            let mut tabs = self.tabs();
            let Some(tab) = tabs
                .by_id
                .values_mut()
                .find(|t| t.record.as_ref().is_some_and(|r| r.id == session_id))
            else {
                return false;
            };
            let Some(record) = tab.record.as_mut().filter(|r| r.movements.len() > 1) else {
                return false;
            };
            let Some(current) = record.movements.pop() else {
                return false;
            };
            let finished = record.clone();
            let now = mstro_protocol::timestamp::now();
            let mut next = SessionRecord::new(ids::fresh("s"), &current.prompt, now);
            next.title = format!("{} (continued)", finished.title);
            next.claude_session_id = finished.claude_session_id.clone();
            let movement_id = current.movement_id.clone();
            next.movements.push(current);
            tab.record = Some(next.clone());
            eprintln!(
                "mstro: session {session_id} reached the history file limit; it goes on as {}",
                next.id
            );
            tab.emit(
                &self.shared.outbox,
                TabEvent::MovementWarning(MovementWarning {
                    movement_id,
                    message: format!(
                        "This session's history is full; it goes on in a new history entry, \
                         \"{}\". The conversation with Claude Code continues as before.",
                        next.title
                    ),
                    silent_secs: 0,
                }),
            );
            tab.state_changed(&self.shared.outbox);
            (finished, next)
        };
        self.save(finished);
        self.save(next);
        true
    }

    fn save_failures(&self) -> MutexGuard<'_, HashMap<String, String>> {
        self.shared
            .save_failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn saves(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.shared.saves.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stop every run (at shutdown) and wait for them to end, at most `limit`: a run
    /// must not outlive the process that watches it.
    pub async fn shutdown(&self, limit: std::time::Duration) {
        for tab in self.tabs().by_id.values() {
            if let Some(run) = &tab.run {
                let _ = run.cancel.send(true);
            }
        }
        let deadline = tokio::time::Instant::now() + limit;
        while self.tabs().by_id.values().any(|t| t.run.is_some())
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// `cancel`: stop the tab's run (SIGTERM, then SIGKILL); the run itself reports
    /// the cancelled movement.
    pub fn cancel(&self, tab_id: String) -> Result<bool, Refusal> {
        let tab_id = checked(tab_id, "tabId")?;
        let tabs = self.tabs();
        let tab = tabs
            .by_id
            .get(&tab_id)
            .ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such tab"))?;
        Ok(match &tab.run {
            Some(run) => {
                let _ = run.cancel.send(true);
                true
            }
            None => false,
        })
    }

    /// `answerApproval`: the owner's answer to one of the tab's run's approval
    /// requests; refused when that request is not waiting (answered in another window,
    /// expired, or its run ended).
    pub async fn answer_approval(
        &self,
        tab_id: String,
        arg: AnswerApprovalArg,
        by: Option<String>,
    ) -> Result<ApprovalAnswered, Refusal> {
        let tab_id = checked(tab_id, "tabId")?;
        let approval_id = checked(arg.approval_id, "approvalId")?;
        let not_waiting = || {
            Refusal::new(
                ErrorCode::NotFound,
                "that approval is no longer waiting: it was answered in another window, \
                 its deadline passed, or its run ended",
            )
        };
        let answers = {
            let tabs = self.tabs();
            let tab = tabs
                .by_id
                .get(&tab_id)
                .ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such tab"))?;
            tab.run
                .as_ref()
                .map(|r| r.answers.clone())
                .ok_or_else(not_waiting)?
        };
        let (done, taken) = oneshot::channel();
        let answer = ApprovalAnswer {
            approval_id: approval_id.clone(),
            choice: arg.choice,
            by,
            done,
        };
        answers.send(answer).await.map_err(|_| not_waiting())?;
        match taken.await {
            Ok(Ok(outcome)) => Ok(ApprovalAnswered {
                approval_id,
                outcome,
            }),
            Ok(Err(NotWaiting)) | Err(_) => Err(not_waiting()),
        }
    }

    /// `removeTab`: cancels its run first; the tab goes once the run has stopped.
    pub fn remove_tab(&self, tab_id: String) -> Result<(), Refusal> {
        let tab_id = checked(tab_id, "tabId")?;
        let mut tabs = self.tabs();
        let tab = tabs
            .by_id
            .get_mut(&tab_id)
            .ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such tab"))?;
        tab.removing = true;
        if let Some(run) = &tab.run {
            let _ = run.cancel.send(true);
            return Ok(());
        }
        tab.state_changed(&self.shared.outbox);
        tabs.by_id.remove(&tab_id);
        tabs.order.retain(|t| t != &tab_id);
        self.forget_settings(&tab_id);
        Ok(())
    }

    /// A closed tab's settings go from the disk (on the blocking pool). A failure is
    /// a line on stderr: the entry stays, harmless, among the few kept.
    fn forget_settings(&self, tab_id: &str) {
        let store = self.shared.settings.clone();
        let tab_id = tab_id.to_owned();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = store.forget(&tab_id) {
                eprintln!("mstro: could not forget the settings of closed tab {tab_id}: {e}");
            }
        });
    }

    /// `setTabSettings {model?, askPerson?}`: change the tab's settings for its next
    /// run; the tab's settings after the change. Saved before they apply (a failed
    /// save changes nothing), and every browser is told with `tabSettingsChanged`.
    pub async fn set_tab_settings(
        &self,
        tab_id: String,
        change: SetTabSettingsArg,
    ) -> Result<TabSettings, Refusal> {
        let tab_id = checked(tab_id, "tabId")?;
        if let Some(model) = change.model.value()
            && !valid_model(model)
        {
            return Err(Refusal::new(
                ErrorCode::Malformed,
                "`model` must be 1-100 characters of A-Z a-z 0-9 . _ : - [ ] @ /, not \
                 starting with -",
            ));
        }
        let _one_at_a_time = self.shared.settings_change.lock().await;
        let no_tab = || Refusal::new(ErrorCode::NotFound, "no such tab");
        let now = self
            .tabs()
            .by_id
            .get(&tab_id)
            .filter(|t| !t.removing)
            .map(|t| t.settings.clone())
            .ok_or_else(no_tab)?;
        let next = change.applied_to(&now);
        if next == now {
            return Ok(now);
        }
        let store = self.shared.settings.clone();
        let (id, saved) = (tab_id.clone(), next.clone());
        blocking(move || {
            store
                .set(&id, saved)
                .map_err(|e| Refusal::new(ErrorCode::Io, format!("{e}; nothing changed")))
        })
        .await?;
        let mut tabs = self.tabs();
        let Some(tab) = tabs.by_id.get_mut(&tab_id).filter(|t| !t.removing) else {
            // Closed while they were saved: they go with it.
            drop(tabs);
            self.forget_settings(&tab_id);
            return Err(no_tab());
        };
        tab.settings = next.clone();
        tab.emit(
            &self.shared.outbox,
            TabEvent::TabSettingsChanged(next.clone()),
        );
        Ok(next)
    }

    /// `new`: the tab's next prompt starts a fresh session.
    pub fn new_session(&self, tab_id: String) -> Result<(), Refusal> {
        let tab_id = checked(tab_id, "tabId")?;
        let mut tabs = self.tabs();
        let tab = tabs
            .by_id
            .get_mut(&tab_id)
            .filter(|t| !t.removing)
            .ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such tab"))?;
        if tab.run.is_some() {
            return Err(Refusal::new(
                ErrorCode::TabBusy,
                "this tab is running a prompt; stop it before starting a new session",
            ));
        }
        tab.record = None;
        tab.state_changed(&self.shared.outbox);
        Ok(())
    }

    /// `deleteSession`: refused while a tab runs it; a tab showing it starts afresh.
    pub async fn delete_session(&self, session_id: String) -> Result<bool, Refusal> {
        let session_id = checked(session_id, "sessionId")?;
        {
            let mut tabs = self.tabs();
            for tab in tabs.by_id.values_mut() {
                if tab.session_id().as_ref() == Some(&session_id) {
                    if tab.run.is_some() {
                        return Err(Refusal::new(
                            ErrorCode::TabBusy,
                            "a tab is running this session; stop it first",
                        ));
                    }
                    tab.record = None;
                    tab.state_changed(&self.shared.outbox);
                }
            }
        }
        // Saves still queued for it must not bring it back.
        *self.saves().entry(session_id.clone()).or_default() += 1;
        self.shared.approved.forget(&session_id);
        let history = self.shared.history.clone();
        blocking(move || history.delete(&session_id).map_err(Refusal::from)).await
    }

    /// `getSessionById {sessionId, before?}`: the session with its newest movements
    /// before index `before` that fit in one frame, and how many older ones were left
    /// out. An open tab's copy is the freshest (its running movement included);
    /// otherwise the file.
    pub async fn session(
        &self,
        session_id: String,
        before: Option<usize>,
    ) -> Result<(SessionRecord, usize), Refusal> {
        let session_id = checked(session_id, "sessionId")?;
        let end = before.unwrap_or(usize::MAX);
        // Only the window is copied out of an open tab, under the lock.
        let open = self
            .tabs()
            .by_id
            .values()
            .filter_map(|t| t.record.as_ref())
            .find(|r| r.id == session_id)
            .map(|r| window::of_session(r, end, MAX_WINDOW_BYTES));
        match open {
            Some(window) => Ok(window),
            None => {
                let record = self.load(session_id).await?;
                Ok(window::of_session(&record, end, MAX_WINDOW_BYTES))
            }
        }
    }
}

/// The terminal event of a run, even if the run panics: a bug must not leave the tab
/// running forever. Claude Code's process group dies with the run (its `Drop`), and
/// the panic itself is on stderr.
async fn to_the_end(run: impl Future<Output = TabEvent>, movement_id: &str) -> TabEvent {
    match AssertUnwindSafe(run).catch_unwind().await {
        Ok(terminal) => terminal,
        Err(_) => TabEvent::failed_early(
            movement_id,
            MovementErrorKind::Internal,
            "mstro failed while running this prompt (a bug: its output on the machine has \
             the details). The run was stopped; you can send the prompt again."
                .to_owned(),
        ),
    }
}

/// The snapshot of a tab: its session's newest movements that fit in one frame, and
/// how many older ones were left out (`getSessionById {before}` has them).
fn snapshot(tab_id: &str, tab: &Tab) -> TabSnapshot {
    let window = tab
        .record
        .as_ref()
        .map(|r| window::newest(&r.movements, usize::MAX, MAX_WINDOW_BYTES))
        .unwrap_or(Window {
            omitted: 0,
            movements: Vec::new(),
        });
    TabSnapshot {
        tab_id: tab_id.to_owned(),
        session_id: tab.session_id(),
        title: tab.record.as_ref().map(SessionRecord::shown_title),
        state: tab.state(),
        movements: window.movements,
        omitted: window.omitted,
        settings: tab.settings.clone(),
    }
}

fn checked(id: String, what: &str) -> Result<String, Refusal> {
    if ids::is_valid(&id) {
        Ok(id)
    } else {
        Err(Refusal::new(
            ErrorCode::Malformed,
            format!("`{what}` must be 1-64 characters of A-Z a-z 0-9 _ -"),
        ))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Refusal> + Send + 'static,
) -> Result<T, Refusal> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(Refusal::new(ErrorCode::Internal, e.to_string())),
    }
}

/// The `executeAck` frame for `frame`.
pub fn ack_frame(frame: &Envelope, ack: &ExecuteAck) -> Envelope {
    let mut reply = frame.reply_with(&reply::ExecuteAck {
        msg_id: ack.msg_id.clone(),
        movement_id: (!ack.duplicate).then(|| ack.movement_id.clone()),
        duplicate: ack.duplicate,
    });
    reply.kind = "executeAck".into();
    reply
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstro_protocol::event::{MovementComplete, MovementError, MovementStatus, TextChunk};

    #[test]
    fn a_huge_run_is_cut_from_the_record_with_a_warning_but_streams_on() {
        // Roomy enough to hold every frame of the test (the default drops the oldest).
        let outbox = Outbox::with_limits(1000, usize::MAX);
        let mut record = SessionRecord::new("s-1".into(), "p", "t".into());
        record.movements.push(MovementRecord::new(
            "m-1".into(),
            "g-1".into(),
            "p".into(),
            "t".into(),
        ));
        let mut tab = Tab {
            log: EventLog::new("e", "t-1", LogLimits::default()),
            record: Some(record),
            run: None,
            msg_ids: HashSet::new(),
            removing: false,
            recorded: (String::new(), 0),
            settings: TabSettings::default(),
        };
        // Thinking chunks do not merge with output: each is its own event.
        let chunk = "x".repeat(1024 * 1024);
        let events = MAX_MOVEMENT_RECORD_BYTES / chunk.len() + 3;
        for i in 0..events {
            let text = TextChunk {
                movement_id: "m-1".into(),
                text: chunk.clone(),
                parent_tool_use_id: None,
            };
            tab.emit(
                &outbox,
                if i % 2 == 0 {
                    TabEvent::Output(text)
                } else {
                    TabEvent::Thinking(text)
                },
            );
        }
        tab.emit(
            &outbox,
            TabEvent::MovementComplete(MovementComplete {
                movement_id: "m-1".into(),
                status: MovementStatus::Completed,
                result: None,
                usage: None,
                claude_session_id: None,
                finished_at: "t".into(),
            }),
        );
        let kept = &tab.record.as_ref().unwrap().movements[0].events;
        let bytes: usize = kept.iter().map(recorded_size).sum();
        assert!(bytes <= MAX_MOVEMENT_RECORD_BYTES + 4096, "{bytes}");
        let warnings = kept
            .iter()
            .filter(|e| matches!(e, TabEvent::MovementWarning(_)))
            .count();
        assert_eq!(warnings, 1, "said once");
        assert!(
            matches!(kept.last(), Some(TabEvent::MovementComplete(_))),
            "the end is kept"
        );
        // Every event still went to the browsers, and the warning too.
        let mut sent = 0;
        while let Some(p) = outbox.next() {
            outbox.sent(p.seq);
            sent += 1;
        }
        assert_eq!(sent, events + 2);
    }

    #[tokio::test]
    async fn a_run_that_panics_still_ends_its_movement() {
        let ended = to_the_end(async { panic!("a bug in a run") }, "m-1").await;
        let TabEvent::MovementError(e) = &ended else {
            panic!("{ended:?}");
        };
        assert_eq!(
            (e.movement_id.as_str(), e.kind),
            ("m-1", MovementErrorKind::Internal)
        );
        assert!(ended.is_terminal());

        let fine = TabEvent::MovementError(MovementError {
            kind: MovementErrorKind::Stalled,
            ..e.clone()
        });
        let same = fine.clone();
        assert_eq!(to_the_end(async move { fine }, "m-1").await, same);
    }

    fn tabs_in(dir: &std::path::Path, outbox: Arc<Outbox>) -> Tabs {
        let runner = RunnerConfig {
            binaries: runner::command::Binaries {
                claude: "/nonexistent/claude".into(),
                bouncer: "/nonexistent/mstro-bouncer".into(),
            },
            watchdog: Default::default(),
            cancel_grace: std::time::Duration::from_millis(100),
            ask_person: runner::AskPerson::AfterReviewer,
            approval_timeout: std::time::Duration::from_secs(5),
            claude_env: Vec::new(),
        };
        Tabs::new(dir.to_owned(), runner, outbox, LogLimits::default())
    }

    /// Every frame in `outbox`, as JSON.
    fn frames(outbox: &Outbox) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        while let Some(p) = outbox.next() {
            outbox.sent(p.seq);
            out.push(serde_json::from_str(&p.text).unwrap());
        }
        out
    }

    #[tokio::test]
    async fn settings_change_is_checked_told_and_kept_across_a_restart() {
        use mstro_protocol::tab_settings::{AskPerson, Change};
        let dir = tempfile::tempdir().unwrap();
        let outbox = Arc::new(Outbox::with_limits(1000, usize::MAX));
        let tabs = tabs_in(dir.path(), outbox.clone());
        tabs.create_tab(Some("t-1".into()), None).await.unwrap();
        let before = frames(&outbox);
        let defaults = tabs.active_tabs().defaults;
        assert_eq!(defaults.ask_person, Some(AskPerson::AfterReviewer));

        let flag = SetTabSettingsArg {
            model: Change::Set("--dangerously-skip-permissions".into()),
            ask_person: Change::Set(AskPerson::First),
        };
        let refused = tabs.set_tab_settings("t-1".into(), flag).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::Malformed);
        assert_eq!(
            tabs.active_tabs().tabs[0].settings,
            TabSettings::default(),
            "nothing changed"
        );
        let unknown = SetTabSettingsArg::default();
        assert_eq!(
            tabs.set_tab_settings("t-9".into(), unknown)
                .await
                .unwrap_err()
                .code,
            ErrorCode::NotFound
        );

        let wanted = TabSettings {
            model: Some("claude-opus-4-1".into()),
            ask_person: Some(AskPerson::First),
        };
        let change = SetTabSettingsArg {
            model: Change::Set("claude-opus-4-1".into()),
            ask_person: Change::Set(AskPerson::First),
        };
        assert_eq!(
            tabs.set_tab_settings("t-1".into(), change.clone())
                .await
                .unwrap(),
            wanted
        );
        let told = frames(&outbox);
        assert_eq!(told.len(), 1, "{before:?} {told:?}");
        assert_eq!(told[0]["type"], "tabSettingsChanged");
        assert_eq!(told[0]["tabId"], "t-1");
        assert_eq!(told[0]["data"]["model"], "claude-opus-4-1");
        assert_eq!(told[0]["data"]["askPerson"], "first");
        assert_eq!(told[0]["data"]["seq"], 1, "a tab event: logged for replay");
        // The same again changes nothing and tells nobody.
        tabs.set_tab_settings("t-1".into(), change).await.unwrap();
        assert!(frames(&outbox).is_empty());
        assert_eq!(tabs.active_tabs().tabs[0].settings, wanted);
        let Ok(InitTab::Replay { settings, .. }) = tabs
            .init_tab(
                "t-1".into(),
                Some(tabs.epoch().to_owned()),
                Some(0),
                None,
                None,
            )
            .await
        else {
            panic!("a replay");
        };
        assert_eq!(settings, wanted);

        // mstro restarts: the tab that comes back has them, a new one does not.
        let restarted = tabs_in(dir.path(), outbox.clone());
        assert_eq!(
            restarted
                .create_tab(Some("t-1".into()), None)
                .await
                .unwrap()
                .settings,
            wanted
        );
        assert_eq!(
            restarted
                .create_tab(Some("t-2".into()), None)
                .await
                .unwrap()
                .settings,
            TabSettings::default()
        );
        // Back to the defaults, one field at a time.
        let reset_model = SetTabSettingsArg {
            model: Change::Reset,
            ask_person: Change::Keep,
        };
        assert_eq!(
            restarted
                .set_tab_settings("t-1".into(), reset_model)
                .await
                .unwrap(),
            TabSettings {
                model: None,
                ask_person: Some(AskPerson::First)
            }
        );
        // Closed, it is forgotten.
        restarted.remove_tab("t-1".into()).unwrap();
        for _ in 0..200 {
            if TabSettingsStore::open(dir.path()).get("t-1") == TabSettings::default() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the closed tab's settings were not forgotten");
    }

    #[test]
    fn execute_is_answered_by_an_execute_ack_to_its_sender() {
        let mut request = Envelope::new("execute", serde_json::json!({}));
        request.id = Some(serde_json::json!(7));
        request.tab_id = Some("t1".into());
        request.from = Some("b1".into());
        let ack = |duplicate| ExecuteAck {
            msg_id: "g1".into(),
            movement_id: "m1".into(),
            duplicate,
        };
        assert_eq!(
            ack_frame(&request, &ack(false)).to_text(),
            r#"{"type":"executeAck","id":7,"tabId":"t1","data":{"msgId":"g1","movementId":"m1","duplicate":false},"to":"b1"}"#
        );
        // A duplicate started nothing: no movement to name.
        assert_eq!(
            ack_frame(&request, &ack(true)).data,
            serde_json::json!({"msgId": "g1", "movementId": null, "duplicate": true})
        );
    }
}
