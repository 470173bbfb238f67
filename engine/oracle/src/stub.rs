//! The recording stub: every program in the sandbox's `PATH` is a symlink to this
//! binary. It appends one [`Exec`] to the log, then either exits quietly or, for the few
//! programs whose behaviour decides what runs next (shells, `env`, `xargs`, `find`, ...),
//! runs the real program with the same argv.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::process::Command;

use crate::record::{Arg, Exec};

/// Where stubs append their records. A fixed path, because the command under test may
/// change or clear the environment (`env -i`).
pub const LOG: &str = "/oracle/var/log";
/// Where the real binaries of [`REAL_PROGRAMS`] are bound.
pub const REAL_DIR: &str = "/oracle/real";

/// Programs that run for real after being recorded: what they do decides what runs
/// next, and they are harmless in the sandbox. `sh` runs bash (as `sh`, so in POSIX
/// mode): the engine reads `sh -c` as bash too.
pub const REAL_PROGRAMS: &[&str] = &[
    "bash", "sh", "env", "timeout", "nice", "nohup", "stdbuf", "setsid", "xargs", "find", "cat",
    "echo", "printf", "true", "false",
];

/// The stub's role: record, then exit 0, run the real program, or emulate `sudo`.
pub fn run(exe: String) -> ! {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let cwd = std::env::current_dir()
        .ok()
        .map(|p| p.to_string_lossy().into_owned());
    let record = Exec {
        exe,
        argv: argv.iter().cloned().map(Arg::from_os).collect(),
        cwd,
    };
    append(&record);
    let name = record.program();
    if REAL_PROGRAMS.contains(&name.as_str()) {
        let real = if name == "sh" { "bash" } else { name.as_str() };
        exec_real(&format!("{REAL_DIR}/{real}"), &argv);
    }
    match name.as_str() {
        "sudo" => sudo(&argv[1..], SUDO),
        "doas" => sudo(&argv[1..], DOAS),
        _ => std::process::exit(0),
    }
}

/// Append the record with one `write(2)` on an `O_APPEND` file, so that records of
/// programs running at the same time (a pipeline) never interleave.
fn append(record: &Exec) {
    let mut line = serde_json::to_vec(record).unwrap_or_default();
    line.push(b'\n');
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(LOG);
    match file {
        Ok(mut f) => {
            if f.write(&line).ok() != Some(line.len()) {
                // A record lost is a harness failure, not an exec that did not happen.
                std::process::exit(121);
            }
        }
        Err(_) => std::process::exit(121),
    }
}

fn exec_real(path: &str, argv: &[OsString]) -> ! {
    let mut cmd = Command::new(path);
    if let Some(arg0) = argv.first() {
        cmd.arg0(arg0);
    }
    let err = cmd.args(argv.iter().skip(1)).exec();
    eprintln!("oracle stub: cannot run {path}: {err}");
    std::process::exit(126)
}

/// How `sudo` or `doas` reads its options. This repeats the engine's table in
/// `engine/src/shell/wrappers.rs` on purpose: the oracle stands in for the real
/// programs, so it must not take the engine's reading of them, or a mistake there
/// would be agreed with instead of found.
struct Privileged {
    /// Options that take a value (`-u root`).
    values: &'static [&'static str],
    /// Options after which the command is run by a shell (`sudo -s cmd`).
    shell: &'static [&'static str],
    /// Options that mean no command runs (`sudo -l`).
    no_command: &'static [&'static str],
    /// `NAME=value` words before the command set its environment.
    assignments: bool,
}

const SUDO: Privileged = Privileged {
    values: &[
        "-u",
        "--user",
        "-g",
        "--group",
        "-h",
        "--host",
        "-p",
        "--prompt",
        "-C",
        "--close-from",
        "-D",
        "--chdir",
        "-r",
        "--role",
        "-t",
        "--type",
        "-T",
        "--command-timeout",
        "-U",
        "--other-user",
        "-R",
        "--chroot",
    ],
    shell: &["-s", "--shell", "-i", "--login"],
    no_command: &[
        "-l",
        "--list",
        "-v",
        "--validate",
        "-V",
        "--version",
        "-e",
        "--edit",
        "-K",
        "--remove-timestamp",
        "--help",
    ],
    assignments: true,
};

const DOAS: Privileged = Privileged {
    values: &["-u", "-C"],
    shell: &["-s"],
    no_command: &["-C", "-L"],
    assignments: false,
};

/// Run the command the way `sudo`/`doas` would (as the same user: the sandbox has no
/// other): options skipped, `NAME=value` words put in the environment, `-s` joining the
/// rest into a line for the shell.
fn sudo(args: &[OsString], spec: Privileged) -> ! {
    let mut i = 0;
    let mut shell = false;
    while let Some(arg) = args.get(i) {
        let t = arg.to_string_lossy();
        if t == "--" {
            i += 1;
            break;
        }
        if !t.starts_with('-') || t.len() < 2 {
            break;
        }
        let mut takes_value = false;
        if t.starts_with("--") {
            let name = t.split('=').next().unwrap_or(&t);
            if spec.no_command.contains(&name) {
                std::process::exit(0);
            }
            shell |= spec.shell.contains(&name);
            takes_value = spec.values.contains(&name) && !t.contains('=');
        } else {
            for (k, ch) in t[1..].char_indices() {
                let opt = format!("-{ch}");
                if spec.no_command.contains(&opt.as_str()) {
                    std::process::exit(0);
                }
                shell |= spec.shell.contains(&opt.as_str());
                if spec.values.contains(&opt.as_str()) {
                    takes_value = t[1 + k + ch.len_utf8()..].is_empty();
                    break;
                }
            }
        }
        i += if takes_value { 2 } else { 1 };
    }
    let mut env = Vec::new();
    while spec.assignments && args.get(i).is_some_and(|a| is_assignment(a.as_bytes())) {
        let a = args[i].as_bytes();
        let eq = a.iter().position(|&b| b == b'=').unwrap_or(a.len());
        env.push((
            OsString::from(std::ffi::OsStr::from_bytes(&a[..eq])),
            OsString::from(std::ffi::OsStr::from_bytes(&a[eq + 1..])),
        ));
        i += 1;
    }
    let rest = &args[i.min(args.len())..];
    if shell {
        // sudo runs `$SHELL -c LINE`, escaping every character of the words that is
        // not alphanumeric, `_`, `-` or `$`. The shell it runs is implicit, not a
        // program of the command line, so it is not recorded.
        let line = rest
            .iter()
            .map(|w| sudo_escape(&w.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new(format!("{REAL_DIR}/bash"));
        cmd.arg0("bash").envs(env);
        if !rest.is_empty() {
            cmd.arg("-c").arg(line);
        }
        let err = cmd.exec();
        eprintln!("oracle stub: cannot run a shell: {err}");
        std::process::exit(126);
    }
    let Some(program) = rest.first() else {
        std::process::exit(0)
    };
    let err = Command::new(program).args(&rest[1..]).envs(env).exec();
    eprintln!("sudo: {}: {err}", program.to_string_lossy());
    std::process::exit(1)
}

fn sudo_escape(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if !(c.is_alphanumeric() || matches!(c, '_' | '-' | '$')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn is_assignment(word: &[u8]) -> bool {
    match word.iter().position(|&b| b == b'=') {
        Some(eq) if eq > 0 => {
            !word[0].is_ascii_digit()
                && word[..eq]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        }
        _ => false,
    }
}
