//! How `mstro-bouncer mcp`, started by Claude Code for a session, tells the session's
//! run what it decided: one JSON line per decision on a Unix socket the run listens on
//! (in a 0700 directory), each carrying a per-run token.
//!
//! Reporting is for the person watching; it never changes a decision. A report that
//! cannot be sent is logged by the bouncer and the decision stands; a line without the
//! run's token is dropped by the run.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use mstro_protocol::event::Decision;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::UnixListener;
use tokio::sync::mpsc;

/// The socket's path, for the bouncer.
pub const SOCKET_ENV: &str = "MSTRO_DECISION_SOCKET";
/// The run's token, for the bouncer.
pub const TOKEN_ENV: &str = "MSTRO_DECISION_TOKEN";
/// The longest report line read; longer ones are dropped.
const MAX_LINE: usize = 64 * 1024;

/// One decision, as reported: the run's token and the decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionReport {
    pub token: String,
    #[serde(flatten)]
    pub decision: Decision,
}

/// The bouncer's side: sends reports to the run that started it, if any.
pub struct Reporter {
    target: Option<(PathBuf, String)>,
    stream: Mutex<Option<UnixStream>>,
}

impl Reporter {
    /// From [`SOCKET_ENV`] and [`TOKEN_ENV`]; without them, reports go nowhere.
    pub fn from_env() -> Reporter {
        let target = match (std::env::var_os(SOCKET_ENV), std::env::var(TOKEN_ENV)) {
            (Some(path), Ok(token)) if !token.is_empty() => Some((PathBuf::from(path), token)),
            _ => None,
        };
        Reporter {
            target,
            stream: Mutex::new(None),
        }
    }

    /// The token reports must carry (empty when not reporting).
    pub fn token(&self) -> &str {
        self.target.as_ref().map_or("", |(_, t)| t.as_str())
    }

    /// Send one report; one reconnect on failure, then give up with a message.
    pub fn report(&self, report: &DecisionReport) {
        let Some((path, _)) = &self.target else {
            return;
        };
        let mut line = match serde_json::to_vec(report) {
            Ok(l) => l,
            Err(_) => return,
        };
        line.push(b'\n');
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
}

fn connect(path: &Path) -> std::io::Result<UnixStream> {
    let s = UnixStream::connect(path)?;
    s.set_write_timeout(Some(Duration::from_secs(1)))?;
    Ok(s)
}

/// The run's side: listens for reports with its token.
pub struct DecisionListener {
    pub path: PathBuf,
    pub token: String,
    task: tokio::task::JoinHandle<()>,
}

impl DecisionListener {
    /// Listen at `dir/decisions.sock`; reports with the right token arrive on the
    /// returned receiver.
    pub fn bind(dir: &Path) -> std::io::Result<(DecisionListener, mpsc::Receiver<DecisionReport>)> {
        let path = dir.join("decisions.sock");
        let listener = UnixListener::bind(&path)?;
        // 0600 whatever the umask (the directory is 0700 already: a second lock).
        #[cfg(unix)]
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        let token = uuid::Uuid::new_v4().simple().to_string();
        let (tx, rx) = mpsc::channel(256);
        let expected = token.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(read_reports(stream, expected.clone(), tx.clone()));
            }
        });
        Ok((DecisionListener { path, token, task }, rx))
    }
}

impl Drop for DecisionListener {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

async fn read_reports(
    stream: tokio::net::UnixStream,
    token: String,
    tx: mpsc::Sender<DecisionReport>,
) {
    let mut lines = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        // Bounded: a line longer than MAX_LINE ends this connection.
        let mut limited = (&mut lines).take(MAX_LINE as u64 + 1);
        match limited.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) if line.len() > MAX_LINE => return,
            Ok(_) => {}
        }
        let Ok(report) = serde_json::from_slice::<DecisionReport>(&line) else {
            continue;
        };
        if report.token != token {
            continue;
        }
        if tx.send(report).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(token: &str, tool: &str) -> DecisionReport {
        DecisionReport {
            token: token.into(),
            decision: Decision {
                tool_use_id: Some("toolu_1".into()),
                tool: tool.into(),
                operation: "echo hi".into(),
                verdict: "allow".into(),
                outcome: "allow".into(),
                reason: "safe".into(),
                rule_ids: vec![],
                layer: "rule".into(),
                latency_ms: 0.2,
                reviewer_reason: None,
            },
        }
    }

    #[tokio::test]
    async fn reports_with_the_token_arrive_others_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (listener, mut rx) = DecisionListener::bind(dir.path()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&listener.path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the socket is private");
        }
        let good = Reporter {
            target: Some((listener.path.clone(), listener.token.clone())),
            stream: Mutex::new(None),
        };
        let forged = Reporter {
            target: Some((listener.path.clone(), "guess".into())),
            stream: Mutex::new(None),
        };
        let token = listener.token.clone();
        tokio::task::spawn_blocking(move || {
            forged.report(&report("guess", "Forged"));
            good.report(&report(&token, "Bash"));
            // Garbage and an oversized line on another connection change nothing.
            let mut raw = UnixStream::connect(dir.path().join("decisions.sock")).unwrap();
            let _ = raw.write_all(b"not json\n");
            let _ = raw.write_all(&vec![b'x'; MAX_LINE + 10]);
            good.report(&report(&token, "Write"));
        })
        .await
        .unwrap();
        let first = rx.recv().await.unwrap();
        assert_eq!(first.decision.tool, "Bash");
        let second = rx.recv().await.unwrap();
        assert_eq!(second.decision.tool, "Write");
        drop(listener);
    }

    #[test]
    fn without_a_target_nothing_is_sent() {
        let r = Reporter {
            target: None,
            stream: Mutex::new(None),
        };
        r.report(&report("t", "Bash"));
        assert_eq!(r.token(), "");
    }
}
