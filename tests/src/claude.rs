//! The real Claude Code CLI, pinned, installed from the npm registry on first use into
//! the target directory, and run hermetically (protocol reference §4.6).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The Claude Code version every test runs against.
pub const VERSION: &str = "2.1.197";

/// The `claude` executable, installing it if needed. `Err` says why it is unavailable.
pub fn executable() -> Result<&'static Path, String> {
    static CLAUDE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    CLAUDE.get_or_init(install).as_deref().map_err(Clone::clone)
}

fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MSTRO_CLAUDE_CODE_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("the test knows its own path");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("tests run from <target>/<profile>/deps")
        .to_path_buf();
    target
        .join("test-deps")
        .join(format!("claude-code-{VERSION}"))
}

fn install() -> Result<PathBuf, String> {
    let dir = cache_dir();
    let bin = dir.join("node_modules/.bin/claude");
    if works(&bin) {
        return Ok(bin);
    }
    // Install beside the cache and rename into place, so concurrent test processes
    // never see a half-installed package.
    let parent = dir.parent().ok_or("no parent for the cache directory")?;
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix("claude-install-")
        .tempdir_in(parent)
        .map_err(|e| e.to_string())?;
    let out = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(staging.path())
        .arg(format!("@anthropic-ai/claude-code@{VERSION}"))
        .output()
        .map_err(|e| format!("npm is not available ({e}); install Node.js and npm"))?;
    if !out.status.success() {
        return Err(format!(
            "npm install @anthropic-ai/claude-code@{VERSION} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let staged = staging.keep();
    if std::fs::rename(&staged, &dir).is_err() {
        // Another process won the race; its install is as good as ours.
        let _ = std::fs::remove_dir_all(&staged);
    }
    if works(&bin) {
        Ok(bin)
    } else {
        Err(format!("{} does not run after installing", bin.display()))
    }
}

fn works(bin: &Path) -> bool {
    Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains(VERSION))
}

/// A hermetic `claude -p` run: empty temp home, the fake API, no network traffic of its own.
pub struct Run<'a> {
    pub home: &'a Path,
    pub cwd: &'a Path,
    pub api_url: &'a str,
    pub args: Vec<String>,
    pub prompt: &'a str,
    pub timeout: Duration,
}

impl Run<'_> {
    /// Run to completion (or kill it at the timeout) and return its output.
    pub fn output(&self) -> Result<Output, String> {
        let claude = executable()?;
        let mut child = Command::new(claude)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home)
            .env("ANTHROPIC_BASE_URL", self.api_url)
            .env("ANTHROPIC_API_KEY", "sk-ant-test-key-for-the-fake-api")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_TELEMETRY", "1")
            .env("CLAUDE_CODE_MAX_RETRIES", "0")
            .arg("-p")
            .arg(self.prompt)
            .args(&self.args)
            .current_dir(self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start claude: {e}"))?;
        let deadline = Instant::now() + self.timeout;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    let _ = child.kill();
                    let out = child.wait_with_output().map_err(|e| e.to_string())?;
                    return Err(format!(
                        "claude did not finish within {:?}; stderr: {}",
                        self.timeout,
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
            }
        }
        child.wait_with_output().map_err(|e| e.to_string())
    }
}
