//! One binary, three roles, chosen by how it is called:
//!
//! - as any other name (a symlink `/usr/bin/rm` → this binary, inside the sandbox): the
//!   recording stub;
//! - `oracle-stub --driver` inside the sandbox: the batch driver;
//! - `oracle-stub check CMD...` or `oracle-stub fuzz ...` on the host: run commands
//!   through the sandbox and report divergences (see the crate's README).

use std::ffi::CStr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mstro_shell_oracle::{Rng, Sandbox, Stats, check, driver, generate, stub};

const NAME: &str = "oracle-stub";

fn main() -> ExitCode {
    let exe = executed_path();
    if exe.rsplit('/').next() != Some(NAME) {
        stub::run(exe);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--driver") => driver::run(),
        Some("check") => check_commands(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        _ => Err(format!(
            "usage: {NAME} check COMMAND...\n       {NAME} fuzz [--seed N] [--count N] [--minutes M] [--jobs J] [--out FILE]"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// The path the kernel executed: unlike `argv[0]`, `exec -a` cannot change it, and for a
/// symlink it is the symlink's own path (so it names the program the stub stands for).
fn executed_path() -> String {
    // SAFETY: AT_EXECFN points to a NUL-terminated string on the initial stack, valid
    // for the life of the process.
    unsafe {
        let p = libc::getauxval(libc::AT_EXECFN) as *const libc::c_char;
        if p.is_null() {
            return std::env::args().next().unwrap_or_default();
        }
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

fn own_path() -> Result<PathBuf, String> {
    std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))
}

fn check_commands(commands: &[String]) -> Result<(), String> {
    let mut sandbox = Sandbox::start(&own_path()?).map_err(|e| e.to_string())?;
    let mut diverged = false;
    for c in commands {
        let checked = check(&mut sandbox, c, true).map_err(|e| e.to_string())?;
        if checked.outcome.syntax_ok == Some(false) {
            println!("(bash -n rejects this command)");
        }
        println!("{}", checked.report());
        diverged |= !checked.divergences().is_empty();
    }
    if diverged {
        return Err("divergences found".into());
    }
    Ok(())
}

/// Generated commands until a count or a time is reached, on several sandboxes at once.
fn fuzz(args: &[String]) -> Result<(), String> {
    let mut seed = 0u64;
    let mut count = u64::MAX;
    let mut minutes = None;
    let mut jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut out = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--count" => count = value()?.parse().map_err(|e| format!("--count: {e}"))?,
            "--minutes" => {
                minutes = Some(
                    value()?
                        .parse::<f64>()
                        .map_err(|e| format!("--minutes: {e}"))?,
                )
            }
            "--jobs" => jobs = value()?.parse().map_err(|e| format!("--jobs: {e}"))?,
            "--out" => out = Some(value()?.clone()),
            _ => return Err(format!("unknown option {a}")),
        }
    }
    let stop = minutes.map(|m| Instant::now() + Duration::from_secs_f64(m * 60.0));
    let stub = own_path()?;
    let next = std::sync::atomic::AtomicU64::new(seed);
    let end = seed.saturating_add(count);
    let total = std::sync::Mutex::new(Stats::default());
    let failures = std::sync::Mutex::new(Vec::new());
    let start = Instant::now();
    let errors: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs.max(1))
            .map(|_| {
                s.spawn(|| -> Result<(), String> {
                    let mut sandbox = Sandbox::start(&stub).map_err(|e| e.to_string())?;
                    let mut stats = Stats::default();
                    loop {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if n >= end || stop.is_some_and(|t| Instant::now() >= t) {
                            break;
                        }
                        let command = generate::command(&mut Rng::new(n));
                        let checked = check(&mut sandbox, &command, n.is_multiple_of(4))
                            .map_err(|e| format!("seed {n}: {e}"))?;
                        stats.add(&checked);
                        if checked.outcome.timed_out {
                            eprintln!("seed {n} timed out: {:?}", checked.command);
                        }
                        if checked.outcome.syntax_ok == Some(false) {
                            eprintln!("seed {n} is not valid bash: {:?}", checked.command);
                        }
                        if !checked.divergences().is_empty() {
                            failures.lock().unwrap().push((n, checked));
                        }
                        if stats.commands.is_multiple_of(5000) {
                            let mut t = total.lock().unwrap();
                            t.merge(&stats);
                            t.elapsed = start.elapsed();
                            eprintln!("{}", t.summary());
                            stats = Stats::default();
                        }
                    }
                    total.lock().unwrap().merge(&stats);
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap_or(Err("a job panicked".into())).err())
            .collect()
    });
    let mut total = total.into_inner().unwrap();
    total.elapsed = start.elapsed();
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|(n, _)| *n);
    if let Some(path) = out {
        let mut text = String::new();
        for (n, c) in &failures {
            text.push_str(&format!("=== seed {n}\n{}\n", c.report()));
        }
        std::fs::write(&path, text).map_err(|e| format!("{path}: {e}"))?;
    } else {
        for (n, c) in failures.iter().take(20) {
            println!("=== seed {n}\n{}", c.report());
        }
    }
    println!("{}", total.summary());
    if let Some(e) = errors.first() {
        return Err(e.clone());
    }
    if !failures.is_empty() {
        return Err(format!("{} commands diverged", failures.len()));
    }
    Ok(())
}
