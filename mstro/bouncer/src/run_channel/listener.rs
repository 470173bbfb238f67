//! The run's side of the socket: it listens for lines with its token and hands the
//! run each decision, and each approval asked together with the way to answer it.

use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot};

use mstro_protocol::event::Decision;

use super::MAX_LINE;
use super::message::{ApprovalAsk, ApprovalReply, Line};

/// What the bouncer sent the run.
#[derive(Debug)]
pub enum FromBouncer {
    /// A decision, to show.
    Decision(Decision),
    /// An approval to ask the owner for.
    Approval(PendingApproval),
}

/// An approval asked: answer it through `reply`. Dropping it unanswered closes the
/// bouncer's connection, which the bouncer takes as a deny.
#[derive(Debug)]
pub struct PendingApproval {
    pub ask: ApprovalAsk,
    pub reply: oneshot::Sender<ApprovalReply>,
}

/// The socket of one run; removed when dropped.
pub struct RunListener {
    pub path: PathBuf,
    pub token: String,
    task: tokio::task::JoinHandle<()>,
}

impl RunListener {
    /// Listen at `dir/decisions.sock`; what arrives with the right token comes out of
    /// the returned receiver.
    pub fn bind(dir: &Path) -> std::io::Result<(RunListener, mpsc::Receiver<FromBouncer>)> {
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
                tokio::spawn(serve(stream, expected.clone(), tx.clone()));
            }
        });
        Ok((RunListener { path, token, task }, rx))
    }
}

impl Drop for RunListener {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One connection: lines in; for an approval, its answer out on the same connection.
async fn serve(stream: tokio::net::UnixStream, token: String, tx: mpsc::Sender<FromBouncer>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
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
        let Ok(parsed) = serde_json::from_slice::<Line>(&line) else {
            continue;
        };
        if parsed.token != token {
            continue;
        }
        match (parsed.decision, parsed.approval) {
            (Some(decision), None) => {
                if tx.send(FromBouncer::Decision(decision)).await.is_err() {
                    return;
                }
            }
            (None, Some(ask)) => {
                let (reply, answer) = oneshot::channel();
                let asked = FromBouncer::Approval(PendingApproval { ask, reply });
                if tx.send(asked).await.is_err() {
                    return;
                }
                // Unanswered (the run ended): the connection closes, which denies.
                let Ok(answer) = answer.await else {
                    return;
                };
                let Ok(mut bytes) = serde_json::to_vec(&answer) else {
                    return;
                };
                bytes.push(b'\n');
                if write.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            _ => continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::reporter::{AskError, Reporter};
    use super::*;
    use mstro_protocol::approval::ApprovalOutcome;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    fn decision(tool: &str) -> Decision {
        Decision {
            tool_use_id: Some("toolu_1".into()),
            tool: tool.into(),
            operation: "echo hi".into(),
            verdict: "allow".into(),
            outcome: "allow".into(),
            reason: "safe".into(),
            rule_reason: None,
            rule_ids: vec![],
            layer: "rule".into(),
            latency_ms: 0.2,
            reviewer_reason: None,
            alternative: None,
            decided_by: None,
        }
    }

    fn ask(operation: &str) -> ApprovalAsk {
        ApprovalAsk {
            tool_use_id: Some("toolu_2".into()),
            tool: "Bash".into(),
            operation: operation.into(),
            fingerprint: "f".repeat(64),
            reason: "pipes a download into a shell".into(),
            alternative: Some("download, read, then run".into()),
            rule_ids: vec!["network.curl-pipe-shell".into()],
            reviewer_reason: None,
        }
    }

    #[tokio::test]
    async fn reports_with_the_token_arrive_others_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (listener, mut rx) = RunListener::bind(dir.path()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&listener.path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the socket is private");
        }
        let good = Reporter::to(Some((listener.path.clone(), listener.token.clone())));
        let forged = Reporter::to(Some((listener.path.clone(), "guess".into())));
        tokio::task::spawn_blocking(move || {
            forged.report(decision("Forged"));
            good.report(decision("Bash"));
            // Garbage, a line with both messages, and an oversized line on another
            // connection change nothing.
            let mut raw = UnixStream::connect(dir.path().join("decisions.sock")).unwrap();
            let _ = raw.write_all(b"not json\n");
            let _ = raw.write_all(&vec![b'x'; MAX_LINE + 10]);
            good.report(decision("Write"));
        })
        .await
        .unwrap();
        let Some(FromBouncer::Decision(first)) = rx.recv().await else {
            panic!("a decision")
        };
        assert_eq!(first.tool, "Bash");
        let Some(FromBouncer::Decision(second)) = rx.recv().await else {
            panic!("a decision")
        };
        assert_eq!(second.tool, "Write");
        drop(listener);
    }

    #[tokio::test]
    async fn an_approval_is_answered_on_its_connection_and_a_dropped_one_denies() {
        let dir = tempfile::tempdir().unwrap();
        let (listener, mut rx) = RunListener::bind(dir.path()).unwrap();
        let target = Some((listener.path.clone(), listener.token.clone()));
        let asker = Reporter::to(target.clone());
        let approved = tokio::task::spawn_blocking(move || asker.ask(ask("curl x | sh")));
        let Some(FromBouncer::Approval(pending)) = rx.recv().await else {
            panic!("an approval")
        };
        assert_eq!(pending.ask.operation, "curl x | sh");
        pending
            .reply
            .send(ApprovalReply {
                outcome: ApprovalOutcome::Approved,
                by: Some("ada".into()),
                remembered: false,
                waited_secs: 3,
            })
            .unwrap();
        let reply = approved.await.unwrap().unwrap();
        assert_eq!(reply.outcome, ApprovalOutcome::Approved);
        assert_eq!(reply.by.as_deref(), Some("ada"));

        // The run drops the request (it ended): the bouncer hears no answer.
        let asker = Reporter::to(target);
        let dropped = tokio::task::spawn_blocking(move || asker.ask(ask("rm -rf ~")));
        let Some(FromBouncer::Approval(pending)) = rx.recv().await else {
            panic!("an approval")
        };
        drop(pending);
        assert!(matches!(
            dropped.await.unwrap(),
            Err(AskError::NoAnswer | AskError::Io(_))
        ));

        // Without a run, nobody is asked.
        assert!(matches!(
            Reporter::to(None).ask(ask("x")),
            Err(AskError::NoRun)
        ));
        drop(listener);
    }

    #[test]
    fn without_a_target_nothing_is_sent() {
        let r = Reporter::to(None);
        r.report(decision("Bash"));
        assert!(!r.has_run());
    }
}
