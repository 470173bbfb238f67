//! Starting the sandbox and talking to the driver in it.
//!
//! One bubblewrap process per run: no network and no other namespace shared, a
//! read-only tmpfs root holding only the dynamic loader and the libraries the few
//! binaries need, the stub as every program in every `PATH` directory, the real bash and
//! the real programs of [`REAL_PROGRAMS`] under `/oracle/real`, and small writable
//! tmpfs mounts for the home directory, `/tmp` and the log. Commands stream through it.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::driver::{PATH, READY, STUB};
use crate::record::{Outcome, Request};
use crate::stub::{LOG, REAL_DIR, REAL_PROGRAMS};

/// Every program name that is a stub in the sandbox: the generator's vocabulary and the
/// programs the engine has rules or wrappers for.
pub const PROGRAMS: &[&str] = &[
    // Shells and the wrappers the engine strips.
    "bash",
    "sh",
    "dash",
    "zsh",
    "sudo",
    "doas",
    "env",
    "timeout",
    "nice",
    "nohup",
    "stdbuf",
    "setsid",
    "xargs",
    "find",
    "ionice",
    "chroot",
    "flock",
    "watch",
    "parallel",
    "time",
    "unbuffer",
    "script",
    "busybox",
    "su",
    "runuser",
    "pkexec",
    "npx",
    "uv",
    "poetry",
    // Builtins that are programs too (reached through `env`, `xargs`, `find -exec`).
    "cat",
    "echo",
    "printf",
    "true",
    "false",
    "test",
    "sleep",
    "kill",
    "pwd",
    // Everything else only records.
    "rm",
    "rmdir",
    "ls",
    "cp",
    "mv",
    "ln",
    "chmod",
    "chown",
    "chgrp",
    "touch",
    "mkdir",
    "tee",
    "dd",
    "shred",
    "truncate",
    "install",
    "mkfs",
    "mount",
    "umount",
    "git",
    "gh",
    "curl",
    "wget",
    "ssh",
    "scp",
    "rsync",
    "nc",
    "python",
    "python3",
    "node",
    "perl",
    "ruby",
    "php",
    "deno",
    "bun",
    "pip",
    "pip3",
    "npm",
    "yarn",
    "pnpm",
    "cargo",
    "make",
    "docker",
    "kubectl",
    "grep",
    "rg",
    "sed",
    "awk",
    "head",
    "tail",
    "sort",
    "uniq",
    "wc",
    "cut",
    "tr",
    "diff",
    "tar",
    "gzip",
    "unzip",
    "base64",
    "openssl",
    "jq",
    "yes",
    "which",
    "file",
    "stat",
    "du",
    "df",
    "ps",
    "pkill",
    "killall",
    "id",
    "whoami",
    "date",
    "crontab",
    "systemctl",
    "apt",
    "apt-get",
    "vi",
    "less",
    "sqlite3",
    "psql",
    "terraform",
];

/// Why the sandbox could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// bubblewrap is missing or cannot create namespaces here.
    #[error("the bubblewrap sandbox is not available: {0}")]
    Unavailable(String),
    #[error("talking to the sandbox failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the sandbox's driver answered something unreadable: {0}")]
    Protocol(String),
}

/// A running sandbox with its driver, ready for commands.
pub struct Sandbox {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Sandbox {
    /// Start bubblewrap with `stub` (the `oracle-stub` binary) as every program.
    pub fn start(stub: &Path) -> Result<Sandbox, SandboxError> {
        let bwrap = find_in_path("bwrap")
            .ok_or_else(|| SandboxError::Unavailable("`bwrap` is not in PATH".into()))?;
        let passwd = Passwd::new()?;
        let args = bwrap_args(stub, &passwd.0)?;
        let mut child = Command::new(bwrap)
            .args(&args)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| SandboxError::Unavailable(format!("cannot run bwrap: {e}")))?;
        let stdin = child.stdin.take().expect("piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        drop(passwd);
        if line.trim_end() != READY {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            let _ = child.kill();
            let _ = child.wait();
            return Err(SandboxError::Unavailable(format!(
                "bwrap did not start the driver: {}{}",
                line.trim(),
                err.trim()
            )));
        }
        Ok(Sandbox {
            child,
            stdin,
            stdout,
        })
    }

    /// Run one command with the real bash; `syntax_check` also asks `bash -n` first.
    pub fn run(&mut self, command: &str, syntax_check: bool) -> Result<Outcome, SandboxError> {
        let request = Request {
            command: command.to_owned(),
            syntax_check,
        };
        let mut line =
            serde_json::to_string(&request).map_err(|e| SandboxError::Protocol(e.to_string()))?;
        line.push('\n');
        self.stdin.write_all(line.as_bytes())?;
        self.stdin.flush()?;
        let mut reply = String::new();
        if self.stdout.read_line(&mut reply)? == 0 {
            return Err(SandboxError::Protocol("the driver exited".into()));
        }
        serde_json::from_str(&reply).map_err(|e| SandboxError::Protocol(format!("{e}: {reply}")))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sandbox's `/etc/passwd`, a temporary file until bwrap has bound it: the user
/// (root, mapped) has `/home/dev` as home, so that `~` means the same with `HOME` unset
/// (`env -i bash -c 'rm ~/x'`) as on a real machine.
struct Passwd(PathBuf);

impl Passwd {
    fn new() -> Result<Passwd, SandboxError> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "mstro-oracle-passwd-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, "root:x:0:0:dev:/home/dev:/bin/bash\n")?;
        Ok(Passwd(path))
    }
}

impl Drop for Passwd {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// bubblewrap's command line.
fn bwrap_args(stub: &Path, passwd: &Path) -> Result<Vec<String>, SandboxError> {
    let unavailable = |what: &str| SandboxError::Unavailable(what.to_owned());
    let stub = stub
        .canonicalize()
        .map_err(|e| unavailable(&format!("the stub {}: {e}", stub.display())))?;
    let bash = find_in_path("bash").ok_or_else(|| unavailable("no bash on this machine"))?;
    let mut real: Vec<(String, PathBuf)> = vec![("bash".into(), bash)];
    for name in REAL_PROGRAMS {
        if matches!(*name, "bash" | "sh") {
            continue;
        }
        // The binaries, not the shell builtins of the same name (`echo`, `printf`).
        let path = find_in_path(name)
            .ok_or_else(|| unavailable(&format!("no `{name}` program on this machine")))?;
        real.push(((*name).to_owned(), path));
    }
    let mut binaries: Vec<PathBuf> = vec![stub.clone()];
    binaries.extend(real.iter().map(|(_, p)| p.clone()));
    let mut libs = Vec::new();
    for b in &binaries {
        for lib in shared_libraries(b)? {
            if !libs.contains(&lib) {
                libs.push(lib);
            }
        }
    }
    // `stdbuf` preloads this library into the program it runs.
    for p in [
        "/usr/libexec/coreutils/libstdbuf.so",
        "/usr/lib/coreutils/libstdbuf.so",
        "/usr/lib64/coreutils/libstdbuf.so",
    ] {
        if Path::new(p).exists() {
            for lib in shared_libraries(Path::new(p))? {
                if !libs.contains(&lib) {
                    libs.push(lib);
                }
            }
            libs.push(p.into());
        }
    }

    let mut args: Vec<String> = [
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
    ]
    .map(String::from)
    .to_vec();
    let mut push = |a: &[&str]| args.extend(a.iter().map(|s| (*s).to_owned()));
    for lib in &libs {
        let l = lib.to_string_lossy();
        push(&["--ro-bind", &l, &l]);
    }
    push(&["--ro-bind", &stub.to_string_lossy(), STUB]);
    push(&["--ro-bind", &passwd.to_string_lossy(), "/etc/passwd"]);
    for (name, path) in &real {
        push(&[
            "--ro-bind",
            &path.to_string_lossy(),
            &format!("{REAL_DIR}/{name}"),
        ]);
    }
    for dir in PATH.split(':') {
        for name in PROGRAMS {
            push(&["--symlink", STUB, &format!("{dir}/{name}")]);
        }
    }
    let log_dir = Path::new(LOG)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    for dir in ["/home", "/tmp", log_dir.as_str()] {
        // Sized, so that no command can fill the machine's memory.
        push(&["--size", "16777216", "--tmpfs", dir]);
    }
    push(&[
        "--remount-ro",
        "/",
        "--chdir",
        "/",
        "--clearenv",
        "--setenv",
        "PATH",
        PATH,
        STUB,
        "--driver",
    ]);
    Ok(args)
}

/// The libraries `binary` loads, and its dynamic loader, as `ldd` lists them.
fn shared_libraries(binary: &Path) -> Result<Vec<PathBuf>, SandboxError> {
    let out = Command::new("ldd")
        .arg(binary)
        .output()
        .map_err(|e| SandboxError::Unavailable(format!("cannot run ldd: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut libs = Vec::new();
    for line in text.lines() {
        // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)` or `/lib64/ld-linux... (0x...)`.
        let path = match line.split_once("=>") {
            Some((_, right)) => right.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(p) = path.filter(|p| p.starts_with('/')) {
            libs.push(PathBuf::from(p));
        }
    }
    Ok(libs)
}

/// A program file in the host's `PATH` (never a builtin), like `which`.
fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .chain(["/usr/bin".into(), "/bin".into()])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
