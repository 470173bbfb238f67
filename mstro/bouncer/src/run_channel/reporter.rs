//! The bouncer's side of the run's socket: decisions reported on one kept connection,
//! each approval asked on a connection of its own (calls are judged concurrently, and
//! each waits for its own answer).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use mstro_protocol::event::Decision;

use super::message::{ApprovalAsk, ApprovalReply, Line};
use super::{MAX_LINE, SOCKET_ENV, TOKEN_ENV};

/// The longest the bouncer waits for an approval. The run answers by its own deadline
/// (minutes); this only bounds a run that stopped answering without closing.
const ASK_BACKSTOP: Duration = Duration::from_secs(6 * 3600);

/// Sends decisions, and asks approvals of, the run that started us, if any.
pub struct Reporter {
    target: Option<(PathBuf, String)>,
    stream: Mutex<Option<UnixStream>>,
}

/// Why an approval could not be asked or answered: the call is then denied.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("no session is listening for approvals")]
    NoRun,
    #[error("the session could not be asked ({0})")]
    Io(#[from] std::io::Error),
    #[error("the session closed the request without an answer")]
    NoAnswer,
    #[error("the session's answer is not one ({0})")]
    BadAnswer(String),
}

impl Reporter {
    /// From [`SOCKET_ENV`] and [`TOKEN_ENV`]; without them, reports go nowhere and
    /// nobody can be asked.
    pub fn from_env() -> Reporter {
        let target = match (std::env::var_os(SOCKET_ENV), std::env::var(TOKEN_ENV)) {
            (Some(path), Ok(token)) if !token.is_empty() => Some((PathBuf::from(path), token)),
            _ => None,
        };
        Reporter::to(target)
    }

    /// Reporting to `target` (the socket and the token), or nowhere.
    pub fn to(target: Option<(PathBuf, String)>) -> Reporter {
        Reporter {
            target,
            stream: Mutex::new(None),
        }
    }

    /// Is there a run to report to and ask?
    pub fn has_run(&self) -> bool {
        self.target.is_some()
    }

    /// Send one decision; one reconnect on failure, then give up with a message.
    pub fn report(&self, decision: Decision) {
        let Some((path, token)) = &self.target else {
            return;
        };
        let Some(line) = encode(&Line {
            token: token.clone(),
            decision: Some(decision),
            approval: None,
        }) else {
            return;
        };
        let mut stream = self.stream.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..2 {
            if stream.is_none() {
                *stream = connect(path).ok();
            }
            if let Some(s) = stream.as_mut() {
                if s.write_all(&line).is_ok() {
                    return;
                }
                *stream = None;
            }
        }
        eprintln!(
            "mstro-bouncer mcp: could not report a decision to the session at {}",
            path.display()
        );
    }

    /// Ask the run's owner to approve a call, and wait for the answer (blocking).
    pub fn ask(&self, ask: ApprovalAsk) -> Result<ApprovalReply, AskError> {
        let Some((path, token)) = &self.target else {
            return Err(AskError::NoRun);
        };
        let line = encode(&Line {
            token: token.clone(),
            decision: None,
            approval: Some(ask),
        })
        .ok_or_else(|| AskError::BadAnswer("the request does not encode".into()))?;
        let mut stream = connect(path)?;
        stream.write_all(&line)?;
        stream.set_read_timeout(Some(ASK_BACKSTOP))?;
        let mut answer = Vec::new();
        BufReader::new(stream.take(MAX_LINE as u64 + 1)).read_until(b'\n', &mut answer)?;
        if answer.is_empty() {
            return Err(AskError::NoAnswer);
        }
        if answer.len() > MAX_LINE {
            return Err(AskError::BadAnswer("too long".into()));
        }
        serde_json::from_slice(&answer).map_err(|e| AskError::BadAnswer(e.to_string()))
    }
}

fn encode(line: &Line) -> Option<Vec<u8>> {
    let mut bytes = serde_json::to_vec(line).ok()?;
    bytes.push(b'\n');
    Some(bytes)
}

fn connect(path: &Path) -> std::io::Result<UnixStream> {
    let s = UnixStream::connect(path)?;
    s.set_write_timeout(Some(Duration::from_secs(1)))?;
    Ok(s)
}
