//! The `claude` process of a movement: its own process group (so a cancel reaches the
//! MCP server and every tool it started), the prompt on stdin, stdout read in bounded
//! lines, the tail of stderr kept for error messages.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// The longest stream-json line kept; a longer one (a huge tool result) is skipped.
pub const MAX_LINE_BYTES: usize = 32 * 1024 * 1024;
/// How much of stderr is kept for the error message.
const STDERR_TAIL: usize = 8 * 1024;

/// A started `claude`.
pub struct ClaudeProcess {
    pub child: Child,
    pub stdout: Lines,
    pub stderr: Arc<Mutex<Vec<u8>>>,
    pgid: i32,
}

impl ClaudeProcess {
    /// Start `command` in a new process group and write `prompt` to its stdin.
    pub fn spawn(mut command: Command, prompt: String) -> std::io::Result<ClaudeProcess> {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(false);
        let mut child = command.spawn()?;
        let pgid = child.id().map_or(0, |id| id as i32);
        if let Some(mut stdin) = child.stdin.take() {
            tokio::spawn(async move {
                // A `claude` that exits before reading it all is reported by its exit.
                let _ = stdin.write_all(prompt.as_bytes()).await;
                let _ = stdin.shutdown().await;
            });
        }
        let stderr = Arc::new(Mutex::new(Vec::new()));
        if let Some(mut err) = child.stderr.take() {
            let tail = stderr.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                    t.extend_from_slice(&buf[..n]);
                    let over = t.len().saturating_sub(STDERR_TAIL);
                    t.drain(..over);
                }
            });
        }
        let stdout = child
            .stdout
            .take()
            .map(|s| Lines::new(BufReader::new(s)))
            .ok_or_else(|| std::io::Error::other("claude's stdout was not captured"))?;
        Ok(ClaudeProcess {
            child,
            stdout,
            stderr,
            pgid,
        })
    }

    /// The end of what `claude` printed on stderr, for a person.
    pub fn stderr_tail(&self) -> String {
        let t = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&t).trim().to_owned()
    }

    /// Stop the whole group: SIGTERM, then SIGKILL after `grace` (also for whatever
    /// the group still holds when the leader exited early).
    pub async fn terminate(&mut self, grace: Duration) {
        signal_group(self.pgid, libc::SIGTERM);
        let _ = tokio::time::timeout(grace, self.child.wait()).await;
        signal_group(self.pgid, libc::SIGKILL);
        let _ = self.child.wait().await;
    }
}

impl Drop for ClaudeProcess {
    /// However the run ended (a panic, a dropped task at shutdown), nothing it started
    /// keeps running unwatched.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            signal_group(self.pgid, libc::SIGKILL);
        }
    }
}

fn signal_group(pgid: i32, signal: i32) {
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is shared.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
}

/// stdout as lines, each at most [`MAX_LINE_BYTES`].
pub struct Lines {
    reader: BufReader<ChildStdout>,
    buf: Vec<u8>,
}

/// One read from [`Lines`].
pub enum Line {
    Text(String),
    /// A line over the limit, skipped.
    TooLong,
    Eof,
}

impl Lines {
    fn new(reader: BufReader<ChildStdout>) -> Lines {
        Lines {
            reader,
            buf: Vec::new(),
        }
    }

    /// The next line. Cancel-safe, so it can sit in a `select!`: bytes are consumed
    /// from the reader only once copied into `buf`, which outlives the future.
    pub async fn next(&mut self) -> std::io::Result<Line> {
        read_line(&mut self.reader, &mut self.buf).await
    }
}

async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<Line> {
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            if buf.is_empty() {
                return Ok(Line::Eof);
            }
            let text = String::from_utf8_lossy(buf).into_owned();
            buf.clear();
            return Ok(Line::Text(text));
        }
        let (take, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        let too_long = buf.len() > MAX_LINE_BYTES;
        if !too_long {
            buf.extend_from_slice(&available[..take]);
        }
        reader.consume(take);
        if done {
            let over = too_long || buf.len() > MAX_LINE_BYTES + 1;
            let line = if over {
                Line::TooLong
            } else {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                }
                Line::Text(String::from_utf8_lossy(buf).into_owned())
            };
            buf.clear();
            return Ok(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_bounded_and_a_long_one_is_skipped_whole() {
        let mut input = b"first\n".to_vec();
        input.extend(vec![b'x'; MAX_LINE_BYTES + 5]);
        input.extend(b"\nlast");
        let mut reader = BufReader::new(&input[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            match read_line(&mut reader, &mut buf).await.unwrap() {
                Line::Text(t) => got.push(t),
                Line::TooLong => got.push("<too long>".into()),
                Line::Eof => break,
            }
        }
        assert_eq!(got, ["first", "<too long>", "last"]);
    }
}
