//! The tmux backend: terminals as sessions of a private tmux server, so that they
//! outlive `mstro` (a restart, an upgrade, a crash) and are attached again when it
//! starts. The server is mstro's own (`tmux -L mstro-<uid>-<workspace hash>`, in tmux's
//! per-user socket directory, which tmux refuses to use when another user owns it),
//! started without the person's `~/.tmux.conf` and made invisible: no status line, no
//! prefix key, so the browser's terminal behaves like a plain one.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long one tmux command may take.
const COMMAND_LIMIT: Duration = Duration::from_secs(5);

/// mstro's tmux server for one workspace.
#[derive(Debug, Clone)]
pub struct Tmux {
    socket: String,
}

/// One session of the server, as `list-sessions` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmuxSession {
    pub name: String,
    pub title: String,
    /// Seconds since the epoch.
    pub created: i64,
}

impl Tmux {
    /// The server of the workspace at `root`, if tmux is installed.
    pub fn for_workspace(root: &Path) -> Option<Tmux> {
        let version = Command::new("tmux")
            .arg("-V")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !version.success() {
            return None;
        }
        // SAFETY: getuid(2) has no preconditions.
        let uid = unsafe { libc::getuid() };
        Some(Tmux {
            socket: format!(
                "mstro-{uid}-{:016x}",
                fnv1a(root.as_os_str().as_encoded_bytes())
            ),
        })
    }

    /// The `-L` socket name.
    pub fn socket(&self) -> &str {
        &self.socket
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .stdin(Stdio::null());
        command
    }

    /// Start session `name` (detached) running `shell -l` in `cwd`, at `cols`×`rows`.
    pub fn new_session(
        &self,
        name: &str,
        title: &str,
        cwd: &Path,
        shell: &Path,
        (cols, rows): (u16, u16),
    ) -> std::io::Result<()> {
        let mut command = self.command();
        command
            .args(["new-session", "-d", "-s", name, "-x"])
            .arg(cols.to_string())
            .arg("-y")
            .arg(rows.to_string())
            .arg("-c")
            .arg(cwd)
            .args(["-e", "TERM_PROGRAM=mstro", "-e"])
            .arg(format!("MSTRO_TERMINAL={name}"))
            .arg("--")
            .arg(shell)
            .arg("-l");
        // Server-wide options, set again with every session (harmless): invisible tmux.
        for option in [
            ["status", "off"],
            ["prefix", "None"],
            ["prefix2", "None"],
            ["escape-time", "0"],
            ["default-terminal", "tmux-256color"],
            ["history-limit", "10000"],
        ] {
            command.args([";", "set-option", "-g", option[0], option[1]]);
        }
        command.args([";", "set-option", "-t", name, "@mstro_title", title]);
        run(command)
    }

    /// The program a pseudo-terminal runs to show session `name`.
    pub fn attach_command(&self, name: &str) -> Vec<String> {
        [
            "tmux",
            "-L",
            &self.socket,
            "-f",
            "/dev/null",
            "attach-session",
            "-t",
            &format!("={name}"),
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// The server's sessions (none when it is not running).
    pub fn sessions(&self) -> Vec<TmuxSession> {
        let mut command = self.command();
        command.args([
            "list-sessions",
            "-F",
            "#{session_name}\t#{session_created}\t#{@mstro_title}",
        ]);
        let Ok(out) = output(command) else {
            return Vec::new();
        };
        String::from_utf8_lossy(&out)
            .lines()
            .filter_map(|line| {
                let mut fields = line.splitn(3, '\t');
                let name = fields.next()?.to_owned();
                let created = fields.next()?.parse().ok()?;
                let title = fields.next().unwrap_or_default().to_owned();
                Some(TmuxSession {
                    name,
                    title,
                    created,
                })
            })
            .collect()
    }

    /// The processes of session `name`'s panes (their shells).
    pub fn pane_pids(&self, name: &str) -> Vec<i32> {
        let mut command = self.command();
        command.args([
            "list-panes",
            "-s",
            "-t",
            &format!("={name}"),
            "-F",
            "#{pane_pid}",
        ]);
        output(command)
            .map(|out| {
                String::from_utf8_lossy(&out)
                    .lines()
                    .filter_map(|l| l.trim().parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// End session `name`.
    pub fn kill_session(&self, name: &str) -> std::io::Result<()> {
        let mut command = self.command();
        command.args(["kill-session", "-t", &format!("={name}")]);
        run(command)
    }
}

fn output(mut command: Command) -> std::io::Result<Vec<u8>> {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = command.spawn()?;
    let out = wait_limited(child)?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(std::io::Error::other(format!(
            "tmux failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

fn run(command: Command) -> std::io::Result<()> {
    output(command).map(drop)
}

/// Wait for a tmux command, killing it past [`COMMAND_LIMIT`]: a wedged server must not
/// hang the machine's dispatcher.
fn wait_limited(mut child: std::process::Child) -> std::io::Result<std::process::Output> {
    let deadline = std::time::Instant::now() + COMMAND_LIMIT;
    loop {
        if child.try_wait()?.is_some() {
            return child.wait_with_output();
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "tmux did not answer within 5 s",
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// FNV-1a, 64 bits: a stable name for a path (not a security boundary: the socket's
/// directory is).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
