//! The supervisor a movement runs under (`mstro movement-reaper`, hidden): a child
//! subreaper that starts the program, and ends every descendant when the program exits,
//! when it is asked to stop (SIGTERM, SIGINT, SIGHUP, SIGQUIT), or when its parent
//! (`mstro`) is gone, so that nothing a run started outlives it.
//!
//! It runs before any other thread exists (the `mstro` binary dispatches to it before
//! starting its runtime), so blocking the signals it waits for applies to the whole
//! process, and it waits for them synchronously with `sigtimedwait`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mstro_bouncer::hook::run_registry::{GATE_ENV, RunRegistry};

use super::descendants::descendants;

/// The hidden subcommand that runs [`run`].
pub const SUBCOMMAND: &str = "movement-reaper";

/// How long the SIGKILL rounds may take before the reaper gives up on a process it
/// cannot end (one stuck in uninterruptible sleep) and says so.
pub const KILL_LIMIT: Duration = Duration::from_secs(10);

/// How often the parent is checked while nothing else happens. The parent-death signal
/// is not used: Linux sends it when the parent *thread* exits, and `mstro` starts runs
/// from runtime threads that may come and go.
const PARENT_POLL: Duration = Duration::from_millis(200);

/// What to supervise.
#[derive(Debug, Clone)]
pub struct ReaperArgs {
    /// The pid of `mstro`: when the reaper's parent is no longer this, `mstro` is gone.
    pub parent: i32,
    /// Between SIGTERM and SIGKILL.
    pub grace: Duration,
    pub program: OsString,
    pub args: Vec<OsString>,
    /// Where to register the program while it runs, so that the bouncer's hook, if the
    /// person installed it, leaves the program's calls to its permission tool
    /// (`mstro_bouncer::hook::run_registry`).
    pub run_registry: Option<PathBuf>,
}

/// Run the program to its end and leave nothing of it behind. Returns the exit code
/// for the process; a program killed by a signal is reported by dying of the same
/// signal, so the parent sees what the program's end was.
pub fn run(args: ReaperArgs) -> i32 {
    let waited = signal_set(&[
        libc::SIGCHLD,
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGHUP,
        libc::SIGQUIT,
    ]);
    // SAFETY: plain system calls on values we own; no other thread exists yet.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, &waited, std::ptr::null_mut());
        if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 {
            eprintln!(
                "mstro movement-reaper: cannot become a child subreaper ({}); nothing was run",
                std::io::Error::last_os_error()
            );
            return 126;
        }
        if libc::getppid() != args.parent {
            // mstro went away before we started: run nothing.
            return 125;
        }
    }
    let mut command = std::process::Command::new(&args.program);
    command.args(&args.args);
    // The signal mask is inherited through exec, and std::process leaves it as it is:
    // the program would start with the signals blocked above, and so would everything
    // it starts (a terminal's Ctrl-C would interrupt nothing; a SIGTERM would wait for
    // the SIGKILL). It starts with every signal deliverable.
    // SAFETY: between fork and exec only pthread_sigmask runs, which is
    // async-signal-safe, on a set built before the fork.
    let none_blocked = signal_set(&[]);
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(move || {
            match libc::pthread_sigmask(libc::SIG_SETMASK, &none_blocked, std::ptr::null_mut()) {
                0 => Ok(()),
                error => Err(std::io::Error::from_raw_os_error(error)),
            }
        });
    }
    if args.run_registry.is_some() {
        // Only lets the hook look for the registration; it proves nothing by itself.
        command.env(GATE_ENV, "1");
    }
    let program = match command.spawn() {
        Ok(child) => child.id() as i32,
        Err(e) => {
            eprintln!(
                "mstro movement-reaper: cannot start {}: {e}",
                args.program.to_string_lossy()
            );
            return 127;
        }
    };
    // Right away: the program asks about its first tool call long after it started,
    // and a call asked about before this is only judged twice, never not at all.
    let registration = args
        .run_registry
        .map(|dir| RunRegistry::at(dir).register(program))
        .and_then(|registered| {
            registered
                .inspect_err(|e| {
                    eprintln!(
                        "mstro movement-reaper: {e}; the bouncer's hook, if installed, judges this run's calls too"
                    )
                })
                .ok()
        });
    // Our copies of the output pipe would hold it open after the program closed it.
    detach_stdio();
    let me = std::process::id() as i32;
    let mut ended: Option<libc::c_int> = None;
    loop {
        let signal = wait_signal(&waited, PARENT_POLL);
        reap(program, &mut ended);
        // SAFETY: getppid(2) has no preconditions.
        let orphaned = unsafe { libc::getppid() } != args.parent;
        let stop = matches!(
            signal,
            Some(libc::SIGTERM | libc::SIGINT | libc::SIGHUP | libc::SIGQUIT)
        );
        if ended.is_some() || stop || orphaned {
            end_all(me, args.grace, program, &mut ended);
            break;
        }
    }
    // Before dying of the program's signal, which would skip it.
    drop(registration);
    match ended {
        Some(status) if libc::WIFEXITED(status) => libc::WEXITSTATUS(status),
        Some(status) if libc::WIFSIGNALED(status) => die_of(libc::WTERMSIG(status)),
        _ => 1,
    }
}

/// End every descendant: SIGTERM (and SIGCONT, so that a stopped one can act on it),
/// up to `grace` for them to exit, then SIGKILL rounds until none is left. Processes
/// that detach while this runs are still descendants, so each round finds them.
fn end_all(me: i32, grace: Duration, program: i32, ended: &mut Option<libc::c_int>) {
    for d in descendants(me).iter().filter(|d| !d.zombie) {
        signal(d.pid, libc::SIGTERM);
        signal(d.pid, libc::SIGCONT);
    }
    let deadline = Instant::now() + grace;
    loop {
        reap(program, ended);
        if descendants(me).iter().all(|d| d.zombie) || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let deadline = Instant::now() + KILL_LIMIT;
    loop {
        reap(program, ended);
        let left: Vec<i32> = descendants(me)
            .iter()
            .filter(|d| !d.zombie)
            .map(|d| d.pid)
            .collect();
        if left.is_empty() {
            reap(program, ended);
            return;
        }
        if Instant::now() >= deadline {
            eprintln!(
                "mstro movement-reaper: these processes of the run could not be ended: {left:?}"
            );
            return;
        }
        for pid in left {
            signal(pid, libc::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Collect every exited child (ours, and orphans re-parented to us), noting the
/// program's own status.
fn reap(program: i32, ended: &mut Option<libc::c_int>) {
    loop {
        let mut status = 0;
        // SAFETY: waitpid(2) writes only `status`.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            return;
        }
        if pid == program {
            *ended = Some(status);
        }
    }
}

fn signal_set(signals: &[libc::c_int]) -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set before sigaddset reads it.
    unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut set);
        for &s in signals {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

/// The next of the blocked signals, or `None` after `timeout`.
fn wait_signal(set: &libc::sigset_t, timeout: Duration) -> Option<libc::c_int> {
    let timeout = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    // SAFETY: the set and timeout are valid; a null info pointer is allowed.
    let signal = unsafe { libc::sigtimedwait(set, std::ptr::null_mut(), &timeout) };
    (signal > 0).then_some(signal)
}

fn signal(pid: i32, signal: libc::c_int) {
    if pid > 1 {
        // SAFETY: kill(2) has no memory effects.
        unsafe { libc::kill(pid, signal) };
    }
}

fn detach_stdio() {
    // SAFETY: open/dup2/close on descriptors this process owns.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
        if null >= 0 {
            libc::dup2(null, 0);
            libc::dup2(null, 1);
            libc::close(null);
        }
    }
}

/// Die of `signal` as the program did (after restoring its default action).
fn die_of(signal: libc::c_int) -> i32 {
    // SAFETY: resetting a disposition and unblocking it; raise(2) then ends the process.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        let set = signal_set(&[signal]);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
    }
    128 + signal
}
