//! What the bouncer's integration tests share: `mstro-bouncer` run in a fixed
//! environment, with an event (or any input) piped to it.
//!
//! Each test binary uses part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{ErrorKind, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The home directory a test pretends to have unless it makes its own: nothing there is
/// read, so the person's settings running the tests play no part.
pub const HOME: &str = "/home/dev";

/// `mstro-bouncer ARGS` with `HOME` set to [`HOME`] and neither `MSTRO_HOME` nor
/// `CLAUDE_PROJECT_DIR` set. A test adds what it needs (`current_dir`, another `HOME`,
/// `env_clear` for a fully fixed environment).
pub fn bouncer<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(env!("CARGO_BIN_EXE_mstro-bouncer"));
    command
        .args(args)
        .env("HOME", HOME)
        .env_remove("MSTRO_HOME")
        .env_remove("CLAUDE_PROJECT_DIR");
    command
}

/// Run `command` with `stdin` as its standard input and its output captured. The hook
/// may answer before reading everything (oversized or malformed input), so a broken
/// pipe while writing is not an error; any other write error is.
pub fn pipe(command: &mut Command, stdin: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mstro-bouncer starts");
    let written = child.stdin.take().expect("piped stdin").write_all(stdin);
    if let Err(e) = written {
        assert_eq!(e.kind(), ErrorKind::BrokenPipe, "writing stdin: {e}");
    }
    child.wait_with_output().expect("mstro-bouncer exits")
}

/// `mstro-bouncer install --matcher MATCHER` into the temp home `home`, the way a person
/// sets the hook up; checks that it registered the hook in `~/.claude/settings.json`.
pub fn install_hook(home: &Path, matcher: &str) {
    let out = bouncer(["install", "--matcher", matcher])
        .env("HOME", home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .output()
        .expect("run mstro-bouncer install");
    assert!(
        out.status.success(),
        "install failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let settings = std::fs::read_to_string(home.join(".claude/settings.json"))
        .expect("install wrote ~/.claude/settings.json");
    assert!(settings.contains("mstro-bouncer"), "{settings}");
}
