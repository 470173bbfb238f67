//! One movement: start `claude -p` with the bouncer in the loop, turn what it prints
//! and what the bouncer reports into tab events, watch for stalls, honour a cancel, and
//! end with exactly one terminal event. Never hangs, never fails silently.
//!
//! - [`command`]: the command line and the MCP configuration.
//! - [`process`]: the process group, stdin, bounded stdout lines, stderr's tail.
//! - [`approvals`]: the calls waiting for the owner's approval.

pub mod approvals;
pub mod command;
pub mod process;

use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use self::approvals::{ApprovalAnswer, Approvals, SessionApprovals, watchdog_key};
use self::command::{Binaries, Invocation};
use self::process::{ClaudeProcess, Line};
use super::coalesce::{COALESCE_EVERY, Coalescer};
use super::stream::Translator;
use super::stream::translate::usage;
use super::watchdog::{Alarm, Watchdog, WatchdogConfig};
pub use mstro_bouncer::cli::AskPerson;
use mstro_bouncer::run_channel::{FromBouncer, RunListener};
use mstro_protocol::event::Decision;
use mstro_protocol::event::{
    BouncerDecision, MovementComplete, MovementError, MovementErrorKind, MovementStatus,
    MovementWarning, TabEvent, ToolPhase,
};

/// How runs are started and stopped.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    pub binaries: Binaries,
    pub watchdog: WatchdogConfig,
    /// Between SIGTERM and SIGKILL.
    pub cancel_grace: Duration,
    /// When the owner is asked to approve a `review`, unless the tab chose
    /// ([`Invocation::ask_person`]).
    pub ask_person: AskPerson,
    /// How long an approval request waits before it is denied.
    pub approval_timeout: Duration,
    /// Set in Claude Code's environment on top of mstro's own (`mstro up --demo` points
    /// it at the demo model). The permission tool inherits it.
    pub claude_env: Vec<(String, String)>,
}

impl RunnerConfig {
    /// The defaults, with the environment's overrides (docs/sessions.md).
    pub fn from_env() -> RunnerConfig {
        let grace = std::env::var("MSTRO_CANCEL_GRACE_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(Duration::from_secs(3), Duration::from_millis);
        let ask_person = match std::env::var("MSTRO_ASK_PERSON").ok().as_deref() {
            Some("first") => AskPerson::First,
            Some("never") => AskPerson::Never,
            _ => AskPerson::AfterReviewer,
        };
        let approval_timeout = std::env::var("MSTRO_APPROVAL_TIMEOUT_SECS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&s| s > 0)
            // A day at most: added to `Instant`s.
            .map_or(approvals::DEFAULT_TIMEOUT, |s| {
                Duration::from_secs(s.min(24 * 3600))
            });
        RunnerConfig {
            binaries: Binaries::from_env(),
            watchdog: WatchdogConfig::from_env(),
            cancel_grace: grace,
            ask_person,
            approval_timeout,
            claude_env: Vec::new(),
        }
    }
}

/// The bouncer's value for a tab's choice.
pub fn ask_person_of(choice: mstro_protocol::tab_settings::AskPerson) -> AskPerson {
    use mstro_protocol::tab_settings::AskPerson as Wire;
    match choice {
        Wire::AfterReviewer => AskPerson::AfterReviewer,
        Wire::First => AskPerson::First,
        Wire::Never => AskPerson::Never,
    }
}

/// How the browser is told the bouncer's value (the machine's default).
pub fn wire_ask_person(value: AskPerson) -> mstro_protocol::tab_settings::AskPerson {
    use mstro_protocol::tab_settings::AskPerson as Wire;
    match value {
        AskPerson::AfterReviewer => Wire::AfterReviewer,
        AskPerson::First => Wire::First,
        AskPerson::Never => Wire::Never,
    }
}

/// How long a tool's result waits for the bouncer's report about it. The report is
/// written before the bouncer answers Claude Code, so it is normally already there.
const REPORT_WAIT: Duration = Duration::from_millis(30);

/// Run one movement to its end. Events go to `emit` as they happen (text coalesced);
/// the terminal event (`movementComplete` or `movementError`) is returned, not emitted.
pub async fn run(
    config: &RunnerConfig,
    movement_id: &str,
    invocation: Invocation<'_>,
    control: RunControl,
    emit: &mut (dyn FnMut(TabEvent) + Send),
) -> TabEvent {
    let RunControl {
        mut cancel,
        mut answers,
        remembered,
    } = control;
    let fail = |kind, message: String| TabEvent::failed_early(movement_id, kind, message);
    let prepared = match prepare(config, &invocation) {
        Ok(p) => p,
        Err(message) => return fail(MovementErrorKind::Setup, message),
    };
    let start = process::Start {
        program: &config.binaries.claude,
        args: command::arguments(&invocation, &prepared.config_path),
        dir: invocation.workspace,
        grace: config.cancel_grace,
        env: &config.claude_env,
    };
    let mut process = match ClaudeProcess::spawn(start, invocation.prompt.to_owned()) {
        Ok(p) => p,
        Err(e) => {
            let claude = config.binaries.claude.display();
            return fail(
                MovementErrorKind::ClaudeMissing,
                format!(
                    "Claude Code could not be started (`{claude}`: {e}). Install it with \
                     `npm install -g @anthropic-ai/claude-code`, or point MSTRO_CLAUDE_BIN at it."
                ),
            );
        }
    };
    let mut decisions = prepared.decisions;
    let mut driver = Driver {
        movement_id,
        translator: Translator::new(movement_id),
        coalescer: Coalescer::default(),
        watchdog: Watchdog::new(config.watchdog, Instant::now()),
        decided: std::collections::HashSet::new(),
        approvals: Approvals::new(
            movement_id,
            invocation.session_id,
            config.approval_timeout,
            remembered,
        ),
        emit,
    };
    let mut flush_at: Option<tokio::time::Instant> = None;
    let ending = loop {
        if *cancel.borrow_and_update() {
            process.terminate(config.cancel_grace).await;
            break Ending::Cancelled;
        }
        let deadline = tokio::time::Instant::from_std(driver.watchdog.next_deadline());
        tokio::select! {
            biased;
            changed = cancel.changed() => {
                if changed.is_err() || *cancel.borrow() {
                    process.terminate(config.cancel_grace).await;
                    break Ending::Cancelled;
                }
            }
            Some(message) = decisions.recv() => driver.heard(message),
            Some(answer) = answers.recv() => driver.answer(answer),
            _ = sleep_until(driver.approvals.next_deadline().map(tokio::time::Instant::from_std)),
                if driver.approvals.next_deadline().is_some() => driver.expire_approvals(),
            line = process.stdout.next() => match line {
                Ok(Line::Text(text)) => driver.line(&text, &mut decisions).await,
                Ok(Line::TooLong) => driver.watchdog.output(Instant::now()),
                Ok(Line::Eof) | Err(_) => break Ending::Exited,
            },
            _ = sleep_until(flush_at), if flush_at.is_some() => {
                flush_at = None;
                driver.flush();
            }
            _ = tokio::time::sleep_until(deadline) => match driver.watchdog.check(Instant::now()) {
                Some(Alarm::Warn(silent)) => driver.send(TabEvent::MovementWarning(MovementWarning {
                    movement_id: movement_id.to_owned(),
                    message: format!(
                        "Claude Code has printed nothing for {}; it may be stuck. Stop the run if it does not recover.",
                        humantime::format_duration(Duration::from_secs(silent.as_secs()))
                    ),
                    silent_secs: silent.as_secs(),
                })),
                Some(Alarm::Kill(silent)) => {
                    process.terminate(config.cancel_grace).await;
                    break Ending::Stalled(silent);
                }
                None => {}
            },
        }
        if flush_at.is_none() && !driver.coalescer.is_empty() {
            flush_at = Some(tokio::time::Instant::now() + COALESCE_EVERY);
        }
    };
    // Reports written just before the end (a denial that ended the turn) still count.
    while let Ok(Some(message)) = tokio::time::timeout(REPORT_WAIT, decisions.recv()).await {
        driver.heard(message);
    }
    driver.end_approvals();
    driver.flush();
    let status = match ending {
        Ending::Exited => process.wait_exit(config.cancel_grace).await,
        _ => None,
    };
    drop(prepared.listener);
    drop(prepared.dir);
    driver.terminal(ending, status, &process.stderr_tail())
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// What a run takes from its tab besides the prompt: the stop signal, the owner's
/// answers to approval requests, and what the session approved earlier.
pub struct RunControl {
    pub cancel: watch::Receiver<bool>,
    pub answers: mpsc::Receiver<ApprovalAnswer>,
    pub remembered: SessionApprovals,
}

/// How the loop ended.
enum Ending {
    Exited,
    Cancelled,
    Stalled(Duration),
}

/// The start of a run directory's name in the system's temp directory:
/// `mstro-run-<pid of the mstro that made it>-<random>`.
const RUN_DIR_PREFIX: &str = "mstro-run-";

/// Remove run directories that a crashed mstro left in the system's temp directory:
/// ours (same owner), not symlinks, made by a process that no longer exists. How many.
pub fn sweep_run_dirs() -> usize {
    sweep_run_dirs_in(&std::env::temp_dir())
}

fn sweep_run_dirs_in(temp: &std::path::Path) -> usize {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(temp) else {
        return 0;
    };
    // SAFETY: getuid(2) has no preconditions.
    let me = unsafe { libc::getuid() };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(RUN_DIR_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<i32>().ok())
        else {
            continue;
        };
        let ours = entry
            .metadata()
            .is_ok_and(|m| m.file_type().is_dir() && m.uid() == me);
        // SAFETY: kill(2) with signal 0 only checks that the process exists.
        let gone = pid > 0
            && unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if ours && gone && std::fs::remove_dir_all(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// What a run needs on disk: a private directory with the MCP configuration and the
/// decision socket, removed when the run ends.
struct Prepared {
    dir: tempfile::TempDir,
    config_path: std::path::PathBuf,
    listener: RunListener,
    decisions: mpsc::Receiver<FromBouncer>,
}

fn prepare(config: &RunnerConfig, invocation: &Invocation<'_>) -> Result<Prepared, String> {
    let bouncer = &config.binaries.bouncer;
    if !bouncer.is_file() {
        // Never run Claude Code without the bouncer.
        return Err(format!(
            "mstro-bouncer was not found at {}; it must sit beside mstro (install mstro-bouncer with mstro) or be named by MSTRO_BOUNCER_BIN. Nothing was run.",
            bouncer.display()
        ));
    }
    // A short path in the system's temp directory: Unix socket paths are limited to
    // about 100 bytes. 0700 whatever the umask; our pid in the name lets a later mstro
    // sweep what a crash left (see `sweep_run_dirs`).
    let mut builder = tempfile::Builder::new();
    let prefix = format!("{RUN_DIR_PREFIX}{}-", std::process::id());
    builder.prefix(&prefix);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let dir = builder
        .tempdir()
        .map_err(|e| format!("cannot create a private directory for the run: {e}"))?;
    let (listener, decisions) = RunListener::bind(dir.path())
        .map_err(|e| format!("cannot listen for the bouncer's decisions: {e}"))?;
    let config_path = dir.path().join("mcp.json");
    let mcp = command::mcp_config(
        bouncer,
        invocation,
        &listener.path,
        &listener.token,
        invocation.ask_person.unwrap_or(config.ask_person),
    );
    mstro_fs::write_atomic(&config_path, mcp.to_string().as_bytes(), 0o600)
        .map_err(|e| format!("cannot write the MCP configuration: {e}"))?;
    Ok(Prepared {
        dir,
        config_path,
        listener,
        decisions,
    })
}

/// The state of one run's event flow.
struct Driver<'a> {
    movement_id: &'a str,
    translator: Translator,
    coalescer: Coalescer,
    watchdog: Watchdog,
    /// Tool calls the bouncer has reported on.
    decided: std::collections::HashSet<String>,
    approvals: Approvals,
    emit: &'a mut (dyn FnMut(TabEvent) + Send),
}

impl Driver<'_> {
    fn send(&mut self, event: TabEvent) {
        for ready in self.coalescer.push(event) {
            (self.emit)(ready);
        }
    }

    fn flush(&mut self) {
        if let Some(e) = self.coalescer.flush() {
            (self.emit)(e);
        }
    }

    fn heard(&mut self, message: FromBouncer) {
        match message {
            FromBouncer::Decision(decision) => self.decision(decision),
            FromBouncer::Approval(pending) => {
                let now = Instant::now();
                self.watchdog.output(now);
                if let Some((card, id, deadline)) = self.approvals.ask(pending, now) {
                    // Claude Code is silent while a person decides: the wait is no stall.
                    self.watchdog
                        .hold(&watchdog_key(&id), deadline + Duration::from_secs(60));
                    self.send(card);
                    self.flush();
                }
            }
        }
    }

    fn decision(&mut self, decision: Decision) {
        self.watchdog.output(Instant::now());
        if let Some(id) = &decision.tool_use_id {
            self.decided.insert(id.clone());
        }
        self.send(TabEvent::BouncerDecision(BouncerDecision {
            movement_id: self.movement_id.to_owned(),
            decision,
        }));
    }

    fn answer(&mut self, answer: ApprovalAnswer) {
        let id = answer.approval_id.clone();
        let now = Instant::now();
        if let Some(resolved) = self.approvals.answer(answer, now) {
            self.watchdog.tool_done(&watchdog_key(&id));
            self.watchdog.output(now);
            self.send(resolved);
            self.flush();
        }
    }

    fn expire_approvals(&mut self) {
        let now = Instant::now();
        for resolved in self.approvals.expire(now) {
            if let TabEvent::ApprovalResolved(r) = &resolved {
                self.watchdog.tool_done(&watchdog_key(&r.approval_id));
            }
            self.send(resolved);
        }
        self.watchdog.output(now);
        self.flush();
    }

    fn end_approvals(&mut self) {
        for resolved in self.approvals.end(Instant::now()) {
            self.send(resolved);
        }
    }

    async fn line(&mut self, text: &str, decisions: &mut mpsc::Receiver<FromBouncer>) {
        let now = Instant::now();
        self.watchdog.output(now);
        for event in self.translator.line(text) {
            if let TabEvent::ToolUse(t) = &event {
                match t.phase {
                    ToolPhase::Start | ToolPhase::Input => {
                        self.watchdog
                            .tool(&t.tool_use_id, &t.name, t.input.as_ref(), now)
                    }
                    ToolPhase::Result => {
                        self.watchdog.tool_done(&t.tool_use_id);
                        // The bouncer's decision comes before the result it allowed
                        // or refused, as it happened.
                        if !self.decided.contains(&t.tool_use_id) {
                            let id = t.tool_use_id.clone();
                            let wait = tokio::time::sleep(REPORT_WAIT);
                            tokio::pin!(wait);
                            while !self.decided.contains(&id) {
                                tokio::select! {
                                    Some(m) = decisions.recv() => self.heard(m),
                                    _ = &mut wait => break,
                                }
                            }
                        }
                    }
                }
            }
            self.send(event);
        }
    }

    fn terminal(
        &mut self,
        ending: Ending,
        status: Option<std::process::ExitStatus>,
        stderr: &str,
    ) -> TabEvent {
        let now = mstro_protocol::timestamp::now();
        let result = self.translator.result();
        let usage = result.map(usage);
        let claude_session_id = self.translator.claude_session_id().map(str::to_owned);
        let error = |kind, message: String, exit_code| {
            TabEvent::MovementError(MovementError {
                movement_id: self.movement_id.to_owned(),
                kind,
                message,
                exit_code,
                usage: usage.clone(),
                claude_session_id: claude_session_id.clone(),
                finished_at: now.clone(),
            })
        };
        match ending {
            Ending::Cancelled => TabEvent::MovementComplete(MovementComplete {
                movement_id: self.movement_id.to_owned(),
                status: MovementStatus::Cancelled,
                result: None,
                usage: usage.clone(),
                claude_session_id: claude_session_id.clone(),
                finished_at: now.clone(),
            }),
            Ending::Stalled(silent) => error(
                MovementErrorKind::Stalled,
                format!(
                    "Claude Code printed nothing for {} and was stopped. Raise MSTRO_STALL_KILL_SECS if runs this quiet are expected.",
                    humantime::format_duration(Duration::from_secs(silent.as_secs()))
                ),
                None,
            ),
            Ending::Exited => {
                let code = status.and_then(|s| s.code());
                match result {
                    Some(r) if !r.is_error => TabEvent::MovementComplete(MovementComplete {
                        movement_id: self.movement_id.to_owned(),
                        status: MovementStatus::Completed,
                        result: r.result.clone(),
                        usage: usage.clone(),
                        claude_session_id: claude_session_id.clone(),
                        finished_at: now.clone(),
                    }),
                    Some(r) => error(MovementErrorKind::ClaudeError, r.error_message(), code),
                    None => {
                        let how = match (code, status) {
                            (Some(c), _) => format!("exited with code {c}"),
                            (None, Some(s)) => format!("was killed ({s})"),
                            (None, None) => "did not exit after closing its output".to_owned(),
                        };
                        let detail = if stderr.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", last_lines(stderr, 5))
                        };
                        error(
                            MovementErrorKind::Crashed,
                            format!("Claude Code {how} without a result{detail}"),
                            code,
                        )
                    }
                }
            }
        }
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn run_dirs_are_private_whatever_the_umask_and_a_crashed_run_s_are_swept() {
        // SAFETY: umask(2) affects only this test's process (nextest runs each alone).
        let old = unsafe { libc::umask(0) };
        let mut builder = tempfile::Builder::new();
        builder.permissions(std::fs::Permissions::from_mode(0o700));
        let dir = builder.tempdir().unwrap();
        unsafe { libc::umask(old) };
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);

        let temp = tempfile::tempdir().unwrap();
        let t = temp.path();
        // A pid that cannot exist (above pid_max), ours, and a name of someone else's.
        let dead = t.join(format!("{RUN_DIR_PREFIX}2147483600-abc"));
        let live = t.join(format!("{RUN_DIR_PREFIX}{}-abc", std::process::id()));
        let other = t.join("mstro-running-notes");
        for d in [&dead, &live, &other] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("mcp.json"), "{}").unwrap();
        }
        let target = t.join("elsewhere");
        std::fs::create_dir(&target).unwrap();
        std::os::unix::fs::symlink(&target, t.join(format!("{RUN_DIR_PREFIX}2147483601-x")))
            .unwrap();
        assert_eq!(sweep_run_dirs_in(t), 1);
        assert!(!dead.exists());
        assert!(live.exists() && other.exists() && target.exists());
    }
}
