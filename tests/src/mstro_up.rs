//! `mstro up` (relay and machine in one process) in the background, as a new user
//! starts it, with its own home; optionally wired to the real Claude Code CLI and a
//! fake Messages API so the machine can run sessions.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::binaries;
use crate::relay::{BrowserSocket, Session};

/// Generous: a slow two-core CI machine starting a relay and a machine at once.
const LIMIT: Duration = Duration::from_secs(30);

/// A running `mstro up`, killed on drop.
pub struct MstroUp {
    pub child: Child,
    /// The one-time sign-in link it printed.
    pub link: String,
}

/// How to start it.
pub struct UpConfig<'a> {
    pub home: &'a Path,
    pub work: &'a Path,
    pub user: &'a str,
    /// Extra environment (the fake API, `MSTRO_CLAUDE_BIN`...).
    pub env: Vec<(String, String)>,
}

impl MstroUp {
    pub fn start(config: &UpConfig<'_>) -> MstroUp {
        MstroUp::start_with_args(config, &[])
    }

    /// [`MstroUp::start`] with more arguments for `mstro up` (`--demo`).
    pub fn start_with_args(config: &UpConfig<'_>, args: &[&str]) -> MstroUp {
        let mut command = Command::new(binaries::mstro());
        command
            .args(["up", "--listen", "127.0.0.1:0", "--user", config.user, "-w"])
            .arg(config.work)
            .args(args)
            .env("MSTRO_HOME", config.home)
            .env_remove("PLATFORM_URL")
            .env_remove("PORT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in &config.env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("mstro up starts");
        // Read stdout on a thread (and keep draining it) so a silent `mstro up` is a
        // clear failure rather than a hang.
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut up = MstroUp {
            child,
            link: String::new(),
        };
        let mut printed = String::new();
        let deadline = Instant::now() + LIMIT;
        while up.link.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    printed.push_str(&line);
                    printed.push('\n');
                    if line.contains("/#/link/") {
                        up.link = line.trim().to_owned();
                    }
                }
                Err(e) => panic!("mstro up printed no sign-in link ({e}); it printed:\n{printed}"),
            }
        }
        assert!(
            up.link.starts_with("http://127.0.0.1:")
                && crate::relay::link_token(&up.link).is_some(),
            "an unexpected sign-in link in:\n{printed}"
        );
        up
    }

    /// The relay's base URL.
    pub fn relay_url(&self) -> String {
        self.link
            .split("/#/")
            .next()
            .expect("a link has a base")
            .to_owned()
    }

    /// Sign in with the link, wait for the machine, open a browser socket to it.
    pub async fn browser(&self) -> (Session, String, BrowserSocket) {
        let token = crate::relay::link_token(&self.link).expect("a token");
        let session = Session::sign_in(&self.relay_url(), &token).await;
        let machine = session.wait_online().await;
        let socket = session
            .socket(&machine)
            .await
            .expect("the browser socket opens");
        (session, machine, socket)
    }

    /// kill -9, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for MstroUp {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The environment that points a machine's sessions at the real Claude Code CLI and a
/// fake Messages API, hermetically (protocol reference §4.6): `home` becomes `HOME`.
pub fn claude_env(claude: &Path, api_url: &str, home: &Path) -> Vec<(String, String)> {
    let pairs: [(&str, PathBuf); 3] = [
        ("MSTRO_CLAUDE_BIN", claude.to_path_buf()),
        ("MSTRO_BOUNCER_BIN", binaries::mstro_bouncer().to_path_buf()),
        ("HOME", home.to_path_buf()),
    ];
    let mut env: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.display().to_string()))
        .collect();
    for (k, v) in [
        ("ANTHROPIC_BASE_URL", api_url),
        ("ANTHROPIC_API_KEY", "sk-ant-test-key-for-the-fake-api"),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ("DISABLE_AUTOUPDATER", "1"),
        ("DISABLE_TELEMETRY", "1"),
        ("CLAUDE_CODE_MAX_RETRIES", "0"),
        ("MSTRO_CANCEL_GRACE_MS", "1500"),
    ] {
        env.push((k.to_owned(), v.to_owned()));
    }
    env
}
