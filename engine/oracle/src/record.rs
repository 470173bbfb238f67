//! What the sandbox reports: one [`Exec`] per program bash (or a program bash ran)
//! executed, and one [`Outcome`] per command.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use serde::{Deserialize, Serialize};

/// One argument as the kernel passed it. Arguments are bytes; the ones that are not
/// UTF-8 keep every byte (as hex) instead of being silently replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    /// Valid UTF-8 (nearly always).
    Text(String),
    /// Anything else, two lower-case hex digits per byte.
    Bytes { hex: String },
}

impl Arg {
    pub fn from_os(s: OsString) -> Self {
        match s.into_string() {
            Ok(t) => Arg::Text(t),
            Err(raw) => Arg::Bytes {
                hex: raw.as_bytes().iter().map(|b| format!("{b:02x}")).collect(),
            },
        }
    }

    /// The raw bytes.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Arg::Text(t) => t.as_bytes().to_vec(),
            Arg::Bytes { hex } => (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
                .collect(),
        }
    }

    /// The argument as text, with bytes that are not UTF-8 shown as U+FFFD (the engine
    /// reads commands as `&str`, so this is the closest it can say).
    pub fn text(&self) -> String {
        match self {
            Arg::Text(t) => t.clone(),
            Arg::Bytes { .. } => String::from_utf8_lossy(&self.bytes()).into_owned(),
        }
    }
}

/// One `execve` of a stub: what bash (or `env`, `xargs`, `find`, ...) actually ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exec {
    /// The path that was executed (the kernel's `AT_EXECFN`). Unlike `argv[0]` it cannot
    /// be changed by `exec -a`, so it names the program.
    pub exe: String,
    pub argv: Vec<Arg>,
    /// The working directory, or `None` when it could not be read (deleted).
    pub cwd: Option<String>,
}

impl Exec {
    /// The program's name the way the engine names programs: lower-cased basename.
    pub fn program(&self) -> String {
        let base = self.exe.rsplit('/').next().unwrap_or(&self.exe);
        base.to_lowercase()
    }

    /// The arguments after `argv[0]`, as text.
    pub fn args(&self) -> Vec<String> {
        self.argv.iter().skip(1).map(Arg::text).collect()
    }

    /// `argv` for a person: each argument quoted like a Rust string.
    pub fn display(&self) -> String {
        let argv: Vec<String> = self
            .argv
            .iter()
            .map(|a| format!("{:?}", a.text()))
            .collect();
        format!(
            "{} [{}] in {}",
            self.program(),
            argv.join(", "),
            self.cwd.as_deref().unwrap_or("?")
        )
    }
}

/// A command sent to the in-sandbox driver.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub command: String,
    /// Also run `bash -n` on it first and report whether bash accepts its syntax.
    #[serde(default)]
    pub syntax_check: bool,
}

/// What running one command in the sandbox produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Every program executed, in the order the log received them.
    pub execs: Vec<Exec>,
    /// bash's exit status (128 + signal when killed), `None` when it timed out.
    pub status: Option<i32>,
    /// The command (or something it left running) was killed at the time limit.
    pub timed_out: bool,
    /// Whether `bash -n` accepted it, when asked.
    pub syntax_ok: Option<bool>,
    /// Log lines that did not parse (a stub killed mid-write, or a bug in the stub).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bad_lines: Vec<String>,
}
