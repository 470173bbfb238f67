//! One terminal while it exists: a task owns its scrollback and the browsers attached
//! to it, turns what the program prints into `terminalOutput` frames paced per browser
//! ([`super::pacing`]), and reports the program's end once its last output is kept.
//!
//! Output is sent at once while it comes in small amounts (a keystroke's echo never
//! waits) and otherwise gathered for [`COALESCE`] after the last send, so a flood goes
//! out in large frames.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::sync::{mpsc, oneshot};

use super::pacing::{Attachment, MAX_FRAME_DATA};
use super::pty::Ended;
use super::scrollback::Scrollback;
use crate::machine::relay_client::outbox::Outbox;
use mstro_protocol::Envelope;
use mstro_protocol::terminal::{
    TERMINAL_EXIT, TERMINAL_OUTPUT, TerminalExit, TerminalExited, TerminalInfo, TerminalOutput,
};

/// How long output is gathered into one frame while it keeps coming.
pub const COALESCE: Duration = Duration::from_millis(4);
/// Output sent in one go below this is interactive (echoes, prompts): the next output
/// is sent at once too, without waiting for [`COALESCE`].
const INTERACTIVE_BYTES: u64 = 4096;
/// The output a terminal keeps for browsers that attach later.
pub const SCROLLBACK_BYTES: usize = 1024 * 1024;
/// Browsers attached to one terminal at once.
pub const MAX_ATTACHED: usize = 32;
/// How often silent browsers and idleness are looked for.
const TICK: Duration = Duration::from_secs(2);

/// What the terminal's task is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Start sending output to `browser`: the answer is the kept output from
    /// `from` (or the oldest kept byte), its offset, and whether `from` was lost.
    Attach {
        browser: String,
        from: Option<u64>,
        /// `None` when it already has the most browsers it takes.
        reply: oneshot::Sender<Option<(u64, Vec<u8>, bool)>>,
    },
    Detach {
        browser: String,
    },
    Ack {
        browser: String,
        offset: u64,
    },
}

/// What the registry and the task both see of a terminal.
#[derive(Debug)]
pub struct Shared {
    pub info: Mutex<TerminalInfo>,
    /// The last input, output or attachment: for the idle limit.
    pub last_activity: Mutex<Instant>,
}

impl Shared {
    pub fn new(info: TerminalInfo) -> Shared {
        Shared {
            info: Mutex::new(info),
            last_activity: Mutex::new(Instant::now()),
        }
    }

    pub fn info(&self) -> TerminalInfo {
        self.info.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn touch(&self) {
        *self.last_activity.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        self.last_activity
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
    }

    fn id(&self) -> String {
        self.info
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .terminal_id
            .clone()
    }
}

/// What the task is given.
pub struct Wiring {
    pub shared: Arc<Shared>,
    pub output: mpsc::Receiver<Vec<u8>>,
    pub ended: oneshot::Receiver<Ended>,
    pub commands: mpsc::Receiver<Command>,
    pub outbox: Arc<Outbox>,
    /// Told when the terminal's info changed (it ended), so every browser gets the list.
    pub changed: mpsc::UnboundedSender<()>,
    /// Ends the terminal when it has been idle (nobody attached, nothing typed or
    /// printed) this long.
    pub idle_limit: Duration,
    /// Called once when the idle limit is reached.
    pub end_idle: Box<dyn FnOnce() + Send>,
    /// Why an end was asked for, when it was (`closed from the browser`, `idle`...).
    pub end_reason: Arc<Mutex<Option<String>>>,
}

/// Run the terminal's task until the registry lets go of it (the terminal is closed
/// and removed).
pub async fn run(wiring: Wiring) {
    let Wiring {
        shared,
        mut output,
        mut ended,
        mut commands,
        outbox,
        changed,
        idle_limit,
        end_idle,
        end_reason,
    } = wiring;
    let id = shared.id();
    let mut end_idle = Some(end_idle);
    let mut scrollback = Scrollback::new(SCROLLBACK_BYTES);
    let mut attached: Vec<Attachment> = Vec::new();
    let mut reading = true;
    let mut exit: Option<Ended> = None;
    let mut reported = false;
    let mut flush_at: Option<tokio::time::Instant> = None;
    let mut last_flush = Instant::now() - COALESCE;
    // How much the last send carried (the scrollback's end then, and the bytes).
    let mut flushed_end = 0u64;
    let mut last_flush_bytes = 0u64;
    let mut tick = tokio::time::interval(TICK);
    let far = || tokio::time::Instant::now() + Duration::from_secs(3600);
    loop {
        let may_read = reading && (attached.is_empty() || attached.iter().any(|a| a.credit() > 0));
        tokio::select! {
            chunk = output.recv(), if may_read => match chunk {
                Some(bytes) => {
                    scrollback.push(&bytes);
                    let mut gathered = bytes.len();
                    while gathered < MAX_FRAME_DATA {
                        let Ok(more) = output.try_recv() else { break };
                        gathered += more.len();
                        scrollback.push(&more);
                    }
                    shared.touch();
                    if last_flush.elapsed() >= COALESCE || last_flush_bytes < INTERACTIVE_BYTES {
                        flush(&id, &scrollback, &mut attached, &outbox);
                        last_flush = Instant::now();
                        last_flush_bytes = scrollback.end() - flushed_end;
                        flushed_end = scrollback.end();
                    } else if flush_at.is_none() {
                        flush_at = Some(tokio::time::Instant::from_std(last_flush + COALESCE));
                    }
                }
                None => reading = false,
            },
            () = tokio::time::sleep_until(flush_at.unwrap_or_else(far)), if flush_at.is_some() => {
                flush_at = None;
                flush(&id, &scrollback, &mut attached, &outbox);
                last_flush = Instant::now();
                last_flush_bytes = scrollback.end() - flushed_end;
                flushed_end = scrollback.end();
            }
            status = &mut ended, if exit.is_none() => {
                exit = Some(status.unwrap_or(Ended { code: None, signal: None }));
            }
            command = commands.recv() => match command {
                None => break,
                Some(Command::Attach { browser, from, reply }) => {
                    attached.retain(|a| a.browser != browser);
                    if attached.len() >= MAX_ATTACHED {
                        let _ = reply.send(None);
                        continue;
                    }
                    let (offset, data, reset) = attach_answer(&scrollback, from);
                    let mut attachment = Attachment::new(browser, offset, Instant::now());
                    // The answer carries the bytes; they count against the window
                    // until the browser acknowledges them.
                    attachment.sent = offset + data.len() as u64;
                    attached.push(attachment);
                    shared.touch();
                    let _ = reply.send(Some((offset, data, reset)));
                }
                Some(Command::Detach { browser }) => attached.retain(|a| a.browser != browser),
                Some(Command::Ack { browser, offset }) => {
                    // Only this browser may now take more: the others get theirs at
                    // the next flush, in larger frames.
                    if let Some(a) = attached.iter_mut().find(|a| a.browser == browser) {
                        a.ack(offset, Instant::now());
                        flush(&id, &scrollback, std::slice::from_mut(a), &outbox);
                    }
                }
            },
            _ = tick.tick() => {
                let now = Instant::now();
                attached.retain(|a| !a.is_silent(now));
                if exit.is_none() && attached.is_empty() && shared.idle_for() >= idle_limit
                    && let Some(end) = end_idle.take()
                {
                    end_reason
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_or_insert_with(|| format!("idle for {}", super::in_hours(idle_limit)));
                    end();
                }
            }
        }
        if !reading
            && !reported
            && let Some(ended) = &exit
        {
            flush(&id, &scrollback, &mut attached, &outbox);
            reported = true;
            let reason = end_reason
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
                .unwrap_or_else(|| "the shell exited".to_owned());
            let exit = TerminalExit {
                code: ended.code,
                signal: ended.signal.clone(),
                reason,
            };
            shared.info.lock().unwrap_or_else(|e| e.into_inner()).exit = Some(exit.clone());
            outbox.push(&Envelope::new(
                TERMINAL_EXIT,
                serde_json::to_value(TerminalExited {
                    terminal_id: id.clone(),
                    exit,
                })
                .expect("serialises"),
            ));
            let _ = changed.send(());
        }
    }
}

/// The kept output for a browser that has everything before `from`.
fn attach_answer(scrollback: &Scrollback, from: Option<u64>) -> (u64, Vec<u8>, bool) {
    // A browser past the end holds the bytes of another stream: this terminal's started
    // afresh (a restart of mstro attached its tmux session again). It starts afresh
    // too, with all that is kept.
    let wanted = from.filter(|&f| f <= scrollback.end()).unwrap_or(0);
    let (offset, data) = scrollback.read_from(wanted, usize::MAX);
    // A browser without an offset starts afresh; one whose bytes are gone must too.
    let reset = from != Some(offset);
    (offset, data, reset)
}

/// Send every attached browser what it may have of what it has not had yet.
fn flush(id: &str, scrollback: &Scrollback, attached: &mut [Attachment], outbox: &Outbox) {
    for a in attached.iter_mut() {
        loop {
            let credit = a.credit();
            if credit == 0 || a.sent >= scrollback.end() {
                break;
            }
            let max = credit.min(MAX_FRAME_DATA as u64) as usize;
            let (from, data) = scrollback.read_from(a.sent, max);
            if data.is_empty() {
                break;
            }
            let reset = from > a.sent;
            if reset {
                // What it missed counts as taken: its window starts again here.
                a.acked = a.acked.max(from);
            }
            let mut frame = Envelope::new(
                TERMINAL_OUTPUT,
                serde_json::to_value(TerminalOutput {
                    terminal_id: id.to_owned(),
                    offset: from,
                    data: base64::engine::general_purpose::STANDARD.encode(&data),
                    reset,
                })
                .expect("serialises"),
            );
            frame.to = Some(a.browser.clone());
            outbox.push(&frame);
            a.sent_frame(from + data.len() as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attach_continues_or_starts_afresh() {
        let mut scrollback = Scrollback::new(4);
        scrollback.push(b"abcdef");
        // Nothing held: all that is kept, from the oldest byte.
        assert_eq!(
            attach_answer(&scrollback, None),
            (2, b"cdef".to_vec(), true)
        );
        // Continues where it is.
        assert_eq!(
            attach_answer(&scrollback, Some(3)),
            (3, b"def".to_vec(), false)
        );
        assert_eq!(attach_answer(&scrollback, Some(6)), (6, Vec::new(), false));
        // Its bytes are gone: from the oldest kept.
        assert_eq!(
            attach_answer(&scrollback, Some(1)),
            (2, b"cdef".to_vec(), true)
        );
        // Past the end: it held another stream's bytes (the terminal started afresh
        // under a new mstro); it starts again, with everything kept.
        assert_eq!(
            attach_answer(&scrollback, Some(99)),
            (2, b"cdef".to_vec(), true)
        );
    }
}
