//! The batch driver, inside the sandbox: reads one [`Request`] per line on stdin, runs
//! it with the real bash in a fresh copy of the project, and answers one [`Outcome`]
//! per line on stdout.
//!
//! Nothing a command does can outlive it: the driver is a child subreaper, so every
//! process the command starts (even one that left bash's process group with `setsid`)
//! comes back to it, and at the time limit every process in the sandbox's PID namespace
//! but the driver and bwrap's init is killed.

use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::record::{Exec, Outcome, Request};
use crate::stub::{LOG, REAL_DIR};

/// The home directory inside the sandbox.
pub const HOME: &str = "/home/dev";
/// The working directory every command starts in.
pub const PROJECT: &str = "/home/dev/project";
/// `PATH` inside the sandbox; every directory in it holds only stubs.
pub const PATH: &str = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
/// Where the stub binary is bound; every program name is a symlink to it.
pub const STUB: &str = "/oracle/bin/oracle-stub";
/// The files of the project, recreated before every command (globs match against them).
pub const FIXTURE: &[(&str, &str)] = &[
    ("a.txt", "hello world\n"),
    ("b.txt", "b\n"),
    ("notes.md", "# notes\n"),
    ("src/main.rs", "fn main() {}\n"),
    (".env", "KEY=1\n"),
];
/// The line the driver writes once it is ready for commands.
pub const READY: &str = "oracle-driver ready";

/// How long one command may run, with everything it started.
const TIME_LIMIT: Duration = Duration::from_secs(2);

/// The driver's role. Returns an error message when it is not inside the sandbox.
pub fn run() -> Result<(), String> {
    // `kill(-1)` below must never run outside the sandbox's PID namespace: there, no
    // process of ours is PID 2 (bwrap's init is 1, the driver it starts is 2).
    if std::process::id() != 2 || !std::path::Path::new(STUB).exists() {
        return Err("the driver only runs inside the oracle's sandbox".into());
    }
    // SAFETY: plain system calls on this process.
    unsafe {
        if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 {
            return Err(format!(
                "cannot become a subreaper: {}",
                std::io::Error::last_os_error()
            ));
        }
        // SIGCHLD stays pending so that `sigtimedwait` can wait for it with a timeout.
        let set = sigchld();
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{READY}").map_err(|e| e.to_string())?;
    stdout.flush().map_err(|e| e.to_string())?;
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let request: Request = serde_json::from_str(&line).map_err(|e| e.to_string())?;
        let outcome = run_one(&request);
        let mut reply = serde_json::to_string(&outcome).map_err(|e| e.to_string())?;
        reply.push('\n');
        stdout
            .write_all(reply.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn run_one(request: &Request) -> Outcome {
    reset_files();
    let mut outcome = Outcome::default();
    if request.syntax_check {
        let (status, _) = run_bash(&["-n".into(), "-c".into(), request.command.clone().into()]);
        outcome.syntax_ok = Some(status == Some(0));
    }
    // Truncated after the syntax check, which runs nothing (bash -n execs no program).
    let _ = std::fs::File::create(LOG);
    let (status, timed_out) = run_bash(&["-c".into(), request.command.clone().into()]);
    outcome.status = status;
    outcome.timed_out = timed_out;
    let log = std::fs::read(LOG).unwrap_or_default();
    for line in log.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<Exec>(line) {
            Ok(exec) => outcome.execs.push(exec),
            Err(_) => outcome
                .bad_lines
                .push(String::from_utf8_lossy(line).into_owned()),
        }
    }
    outcome
}

/// A fresh home and project for every command, so that files one command wrote
/// (`> out`) never change what the next one's globs match.
fn reset_files() {
    let _ = std::fs::remove_dir_all(HOME);
    for (path, content) in FIXTURE {
        let path = std::path::Path::new(PROJECT).join(path);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(path, content);
    }
    if let Ok(entries) = std::fs::read_dir("/tmp") {
        for e in entries.flatten() {
            let p = e.path();
            let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
        }
    }
}

/// Run the real bash with `args`; returns its exit status (`None` when killed at the
/// time limit) and whether the time limit was hit.
fn run_bash(args: &[OsString]) -> (Option<i32>, bool) {
    let mut cmd = Command::new(format!("{REAL_DIR}/bash"));
    cmd.arg0("bash")
        .args(args)
        .env_clear()
        .env("HOME", HOME)
        .env("PATH", PATH)
        .env("SHELL", "/bin/bash")
        // What agents run under; bash needs it for `$'\u00e9'`. glibc has it built in.
        .env("LC_ALL", "C.UTF-8")
        .current_dir(PROJECT)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let set = sigchld();
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            Ok(())
        });
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(_) => return (Some(127), false),
    };
    let pid = child.id() as libc::pid_t;
    // The child is reaped below with waitpid(-1), with everything else it started.
    drop(child);
    let deadline = Instant::now() + TIME_LIMIT;
    let mut status = None;
    loop {
        loop {
            let mut st = 0;
            // SAFETY: plain system call.
            let r = unsafe { libc::waitpid(-1, &mut st, libc::WNOHANG) };
            if r > 0 {
                if r == pid {
                    status = Some(decode(st));
                }
                continue;
            }
            if r == 0 {
                break;
            }
            // ECHILD: the command and everything it started have finished.
            return (status, false);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            kill_everything(pid);
            return (None, true);
        }
        let ts = libc::timespec {
            tv_sec: left.as_secs() as libc::time_t,
            tv_nsec: left.subsec_nanos() as libc::c_long,
        };
        let set = sigchld();
        // SAFETY: plain system call; a timeout or EINTR just goes round the loop.
        unsafe { libc::sigtimedwait(&set, std::ptr::null_mut(), &ts) };
    }
}

/// Kill the command's process group and every other process in the sandbox but the
/// driver and init, then reap them all.
fn kill_everything(pgid: libc::pid_t) {
    // SAFETY: plain system calls; `run` made sure this is the sandbox's PID 2.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
        libc::kill(-1, libc::SIGKILL);
        let mut st = 0;
        while libc::waitpid(-1, &mut st, 0) > 0 {}
    }
}

fn decode(st: libc::c_int) -> i32 {
    if libc::WIFEXITED(st) {
        libc::WEXITSTATUS(st)
    } else if libc::WIFSIGNALED(st) {
        128 + libc::WTERMSIG(st)
    } else {
        -1
    }
}

fn sigchld() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        set
    }
}
