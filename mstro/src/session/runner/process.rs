//! The `claude` process of a movement: under the movement's reaper on Linux (which owns
//! every process the run starts, however it detaches; see [`crate::process_tree`]),
//! in a process group of its own everywhere, the prompt on stdin, stdout read in
//! bounded lines, the tail of stderr kept for error messages.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
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
    /// The reaper on Linux (it exits only once nothing of the run is left), else
    /// `claude` itself.
    pub child: Child,
    pub stdout: Lines,
    pub stderr: Arc<Mutex<Vec<u8>>>,
    pgid: i32,
}

/// What to start: `program` (looked up on `PATH` when it is a bare name) with `args`
/// in `dir`.
pub struct Start<'a> {
    pub program: &'a Path,
    pub args: Vec<OsString>,
    pub dir: &'a Path,
    /// Between SIGTERM and SIGKILL, for the reaper's end of the run.
    pub grace: Duration,
    /// Set on top of the inherited environment (the reaper passes it on).
    pub env: &'a [(String, String)],
}

impl ClaudeProcess {
    /// Start the program in a new process group (under the reaper where there is one)
    /// and write `prompt` to its stdin. A program that does not exist is a `NotFound`
    /// error here, not a failure of the reaper later.
    pub fn spawn(start: Start<'_>, prompt: String) -> std::io::Result<ClaudeProcess> {
        let program = resolve_program(start.program)?;
        let mut command = supervised(&program, start.args, start.grace, start.dir);
        command
            .current_dir(start.dir)
            .envs(start.env.iter().map(|(k, v)| (k, v)))
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

    /// Stop the run and wait until nothing of it is left. SIGTERM to the group; on
    /// Linux the reaper then ends every descendant (SIGTERM, `grace`, SIGKILL) and
    /// exits last, so its exit means the whole tree is gone. Elsewhere, and should the
    /// reaper itself not exit in time, SIGKILL to the group.
    pub async fn terminate(&mut self, grace: Duration) {
        signal_group(self.pgid, libc::SIGTERM);
        let _ = tokio::time::timeout(grace + REAPER_MARGIN, self.child.wait()).await;
        signal_group(self.pgid, libc::SIGKILL);
        let _ = self.child.wait().await;
    }

    /// Wait for the program's end after it closed its output: on Linux the reaper
    /// still ends what the run left behind, which may take `grace`.
    pub async fn wait_exit(&mut self, grace: Duration) -> Option<std::process::ExitStatus> {
        match tokio::time::timeout(grace + REAPER_MARGIN, self.child.wait()).await {
            Ok(Ok(status)) => Some(status),
            _ => {
                self.terminate(grace).await;
                None
            }
        }
    }
}

/// How long the reaper may take beyond the grace period: its SIGKILL rounds.
#[cfg(target_os = "linux")]
const REAPER_MARGIN: Duration = crate::process_tree::reaper::KILL_LIMIT;
#[cfg(not(target_os = "linux"))]
const REAPER_MARGIN: Duration = Duration::ZERO;

impl Drop for ClaudeProcess {
    /// However the run ended (a panic, a dropped task at shutdown), nothing it started
    /// keeps running unwatched: the reaper is told to end the run (it does so even if
    /// we are gone by then); without one, the group is killed.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let signal = if cfg!(target_os = "linux") {
                libc::SIGTERM
            } else {
                libc::SIGKILL
            };
            signal_group(self.pgid, signal);
        }
    }
}

/// The command that starts `program`: through the reaper on Linux (`/proc/self/exe`
/// is this very binary, even if the file was replaced since it started), which
/// registers it where the bouncer's hook of a session working in `dir` looks, so that
/// the hook leaves its calls to the permission tool (docs/sessions.md, "The run").
#[cfg(target_os = "linux")]
fn supervised(program: &Path, args: Vec<OsString>, grace: Duration, dir: &Path) -> Command {
    let registry = mstro_bouncer::hook::run_registry::RunRegistry::for_work_in(dir);
    let mut command = Command::new("/proc/self/exe");
    command
        .arg(crate::process_tree::reaper::SUBCOMMAND)
        .arg("--parent")
        .arg(std::process::id().to_string())
        .arg("--grace-ms")
        .arg(grace.as_millis().to_string())
        .arg("--run-registry")
        .arg(registry.dir())
        .arg("--")
        .arg(program)
        .args(args);
    command
}

/// Without a reaper nothing registers `program`: the bouncer's hook, if the person
/// installed it, judges its calls as well as the permission tool.
#[cfg(not(target_os = "linux"))]
fn supervised(program: &Path, args: Vec<OsString>, _grace: Duration, _dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.args(args);
    command
}

/// `program` as a path to an executable file: as given when it names a directory,
/// else the first match on `PATH`.
pub fn resolve_program(program: &Path) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let not_found = || std::io::Error::new(std::io::ErrorKind::NotFound, "no such program");
    if program.components().count() > 1 || program.is_absolute() {
        return if executable(program) {
            Ok(program.to_path_buf())
        } else {
            Err(not_found())
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| executable(p))
        .ok_or_else(not_found)
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
