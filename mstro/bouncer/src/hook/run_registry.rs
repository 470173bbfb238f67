//! The `claude` processes that `mstro` runs, so that the hook can leave their calls to
//! the permission tool: a session `mstro` runs is judged once, by `mstro-bouncer mcp`,
//! even where this hook is installed for every Claude Code session.
//!
//! Why leaving them is safe: `mstro` starts `claude` with the bouncer as its
//! `--permission-prompt-tool` and a `--settings` hook that answers `ask` to every tool,
//! so every call of that process reaches the permission tool (docs/sessions.md, "The
//! run"); a process keeps its command line for its whole life.
//!
//! Why the agent cannot make a session of its own look like one:
//! - The registry is `<mstro home>/claude-runs/`, in the mstro home the hook finds
//!   exactly as it finds its own configuration ([`RunRegistry::for_work_in`]: the same
//!   `$MSTRO_HOME`, refused in the same cases), so it is trusted exactly as much as
//!   that configuration: the agent's writes there are denied by the same
//!   self-protection rule as writes to `bouncer.yaml` (`bouncer-config`).
//! - An entry names one process: its pid, its start time (`/proc/PID/stat`, field 22,
//!   in clock ticks since boot) and the boot (`/proc/sys/kernel/random/boot_id`), so an
//!   entry left behind never stands for a later process with the same pid, in this boot
//!   or the next. Only a regular file counts, not a link, owned by us, in a directory
//!   that is ours and that nobody else may write.
//! - The process looked up is the hook's parent or, when the parent is a system shell
//!   (Claude Code runs hook commands with `/bin/sh -c`), the shell's parent. Never
//!   further up: a `claude` that the agent starts from a Bash command has the
//!   registered one among its ancestors, and its calls are judged here as any other
//!   session's. A shell counts only as the file `/bin/sh` leads to, or `sh`, `dash`
//!   or `bash` in `/bin` or `/usr/bin`, owned by root and writable by nobody else, so a
//!   copy of `claude` named `bash` is no shell.
//! - The environment variable [`GATE_ENV`], which the reaper sets for `claude`, only
//!   opens the way to this check and proves nothing by itself (a project's
//!   `.claude/settings.json` can set variables for a plain session's hooks). Without
//!   it the hook does not look at all, so its start-up costs nothing more.
//! - Whatever fails (no `/proc`, an unreadable entry, another owner) means: judge.
//!   Judging twice is the safe side; leaving a call unjudged is a hole.
//!
//! Who writes it: on Linux `mstro movement-reaper` (mstro/src/process_tree/), which
//! starts `claude` and so knows its pid, registers it right after starting it and
//! removes the entry when it has exited; entries of processes that are gone (a reaper
//! killed with SIGKILL, a power cut) never match anything and are swept when `mstro`
//! starts. Elsewhere nothing registers, and a session's calls are judged twice: by this
//! hook and by the permission tool.

use std::path::{Path, PathBuf};

use super::super::configured::Configured;

/// Set (to `1`) in the environment of a `claude` that `mstro` registered; without it
/// the hook never reads the registry.
pub const GATE_ENV: &str = "MSTRO_RUN";

/// The registry's directory in the mstro home. Not a common word: the engine protects
/// `$ANY/claude-runs/...` where `$ANY` may be the mstro home, and a name like `runs`
/// would make `rm -rf "$OUT/runs"` look like an attack on the bouncer.
pub const DIR_NAME: &str = "claude-runs";

/// Why a process could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The process's start time or the boot id cannot be read (no `/proc`).
    #[error("cannot read what identifies process {pid} (its start time and the boot)")]
    Unidentified { pid: i32 },
    /// The registry's directory cannot be made, or is not one only we can write.
    #[error("the run registry {} cannot be used: {why}", dir.display())]
    Directory { dir: PathBuf, why: String },
    /// The entry cannot be created.
    #[error("cannot create {}: {source}", path.display())]
    Entry {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The directory of registered `claude` processes, one empty file each.
#[derive(Debug, Clone)]
pub struct RunRegistry {
    dir: PathBuf,
}

/// A registered process; its entry is removed when this is dropped.
#[derive(Debug)]
pub struct Registration {
    path: PathBuf,
}

impl Registration {
    /// The entry's file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What identifies a process for the registry, and who its parent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    parent: i32,
    /// Clock ticks after boot.
    start: u64,
}

/// The process table, as the check reads it (`/proc`, or a fixture in tests).
trait Processes {
    /// The id of this boot, or `None` if it cannot be read.
    fn boot_id(&self) -> Option<String>;
    fn stat(&self, pid: i32) -> Option<Stat>;
    /// Whether `pid` runs a system shell (see the module documentation).
    fn is_shell(&self, pid: i32) -> bool;
}

/// The running system's `/proc`.
struct Proc;

impl Processes for Proc {
    fn boot_id(&self) -> Option<String> {
        let id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
        let id = id.trim();
        // A name part: no separators, nothing unexpected.
        (!id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
            .then(|| id.to_owned())
    }

    fn stat(&self, pid: i32) -> Option<Stat> {
        if pid <= 0 {
            return None;
        }
        parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
    }

    fn is_shell(&self, pid: i32) -> bool {
        let exe = format!("/proc/{pid}/exe");
        let Ok(target) = std::fs::read_link(&exe) else {
            return false;
        };
        // What Claude Code runs hooks with, or bash or dash where the system keeps them:
        // not a copy elsewhere (of `claude`, say) that the agent called `bash`.
        let installed = SHELLS.iter().any(|s| target == Path::new(s))
            || std::fs::canonicalize("/bin/sh").is_ok_and(|sh| sh == target);
        // The file the process runs (`/proc/PID/exe` leads to it even if it was since
        // renamed): root's, and nobody else may change it.
        installed && std::fs::metadata(&exe).is_ok_and(|m| owned_privately(&m, 0))
    }
}

/// Where a system keeps its shells (`/bin/sh` itself may lead elsewhere, as on NixOS).
const SHELLS: [&str; 6] = [
    "/bin/sh",
    "/bin/dash",
    "/bin/bash",
    "/usr/bin/sh",
    "/usr/bin/dash",
    "/usr/bin/bash",
];

/// `(parent, start time)` from the text of `/proc/PID/stat`. The command name in
/// parentheses may itself hold `)` and blanks, so the fields are read after the last
/// `)`: the state (field 3), the parent (4), ..., the start time (22).
fn parse_stat(stat: &str) -> Option<Stat> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    Some(Stat {
        parent: fields.get(1)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
    })
}

impl RunRegistry {
    /// The registry in `dir` (a [`RunRegistry::dir`] passed on).
    pub fn at(dir: PathBuf) -> RunRegistry {
        RunRegistry { dir }
    }

    /// The registry in `mstro_home`.
    pub fn under(mstro_home: &Path) -> RunRegistry {
        RunRegistry {
            dir: mstro_home.join(DIR_NAME),
        }
    }

    /// The registry the hook of a session working in `cwd` reads: in the mstro home it
    /// finds from this process's environment, as it finds its configuration. `mstro`
    /// passes its environment on to `claude`, so the hook finds the same one; where it
    /// would not (an `$MSTRO_HOME` the hook refuses from where the agent stands), it
    /// judges the calls itself.
    pub fn for_work_in(cwd: &Path) -> RunRegistry {
        let env = Configured::env_for(cwd.to_str());
        RunRegistry::under(Path::new(&env.mstro_home))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Register the running process `pid` (a `claude` this process started); the entry
    /// goes when the returned [`Registration`] is dropped.
    pub fn register(&self, pid: i32) -> Result<Registration, RegistryError> {
        let unidentified = || RegistryError::Unidentified { pid };
        let boot = Proc.boot_id().ok_or_else(unidentified)?;
        let start = Proc.stat(pid).ok_or_else(unidentified)?.start;
        let directory = |why: String| RegistryError::Directory {
            dir: self.dir.clone(),
            why,
        };
        mstro_fs::create_private_dir(&self.dir).map_err(|e| directory(e.to_string()))?;
        if !self.trusted(our_uid()) {
            return Err(directory(
                "it is a link, not ours, or others may write it".into(),
            ));
        }
        let path = self.dir.join(entry_name(pid, start, &boot));
        mstro_fs::private_file_options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| RegistryError::Entry {
                path: path.clone(),
                source,
            })?;
        Ok(Registration { path })
    }

    /// Remove the entries that stand for no running process (another boot's, or of a
    /// process that has exited); how many. An entry of a process still running (another
    /// `mstro`'s) stays.
    pub fn sweep(&self) -> usize {
        self.sweep_in(&Proc)
    }

    fn sweep_in(&self, procs: &impl Processes) -> usize {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let boot = procs.boot_id();
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some((pid, start, entry_boot)) = name.to_str().and_then(parse_entry_name) else {
                continue;
            };
            let live = boot.as_deref() == Some(entry_boot)
                && procs.stat(pid).is_some_and(|s| s.start == start);
            if !live && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }

    /// Whether `parent`, or the parent of `parent` when it is a system shell, is
    /// registered: an entry of the user `uid`, in a directory of theirs.
    fn registered_above(&self, parent: i32, procs: &impl Processes, uid: u32) -> bool {
        if !self.trusted(uid) {
            return false;
        }
        let Some(boot) = procs.boot_id() else {
            return false;
        };
        let Some(stat) = procs.stat(parent) else {
            return false;
        };
        if self.holds(parent, stat.start, &boot, uid) {
            return true;
        }
        if !procs.is_shell(parent) {
            return false;
        }
        let grandparent = stat.parent;
        procs
            .stat(grandparent)
            .is_some_and(|g| self.holds(grandparent, g.start, &boot, uid))
    }

    /// Whether the directory is a real one (not a link) of `uid`'s that nobody else
    /// may write: anyone who may write it could register a process of theirs.
    fn trusted(&self, uid: u32) -> bool {
        std::fs::symlink_metadata(&self.dir).is_ok_and(|m| m.is_dir() && owned_privately(&m, uid))
    }

    fn holds(&self, pid: i32, start: u64, boot: &str, uid: u32) -> bool {
        let path = self.dir.join(entry_name(pid, start, boot));
        // `symlink_metadata` does not follow a link in the entry's place, and a link,
        // a FIFO or a directory is not a regular file.
        std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && owned_privately(&m, uid))
    }
}

/// Whether the running hook serves a `claude` that `mstro` registered in the registry
/// of `mstro_home`: only with [`GATE_ENV`] set, and then by its parent (see the module
/// documentation).
pub fn serves_registered_run(mstro_home: &Path) -> bool {
    serves(
        std::env::var_os(GATE_ENV).is_some(),
        || RunRegistry::under(mstro_home),
        parent_pid,
        &Proc,
        our_uid(),
    )
}

fn serves(
    gate: bool,
    registry: impl FnOnce() -> RunRegistry,
    parent: impl FnOnce() -> Option<i32>,
    procs: &impl Processes,
    uid: u32,
) -> bool {
    // The hook's fast path: without the gate, nothing more is done.
    if !gate {
        return false;
    }
    parent().is_some_and(|p| registry().registered_above(p, procs, uid))
}

/// `<pid>-<start time>-<boot id>`.
fn entry_name(pid: i32, start: u64, boot: &str) -> String {
    format!("{pid}-{start}-{boot}")
}

fn parse_entry_name(name: &str) -> Option<(i32, u64, &str)> {
    let (pid, rest) = name.split_once('-')?;
    let (start, boot) = rest.split_once('-')?;
    Some((pid.parse().ok()?, start.parse().ok()?, boot))
}

#[cfg(unix)]
fn parent_pid() -> Option<i32> {
    i32::try_from(std::os::unix::process::parent_id()).ok()
}

#[cfg(not(unix))]
fn parent_pid() -> Option<i32> {
    None
}

#[cfg(unix)]
fn our_uid() -> u32 {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
fn our_uid() -> u32 {
    0
}

#[cfg(unix)]
fn owned_privately(meta: &std::fs::Metadata, uid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.uid() == uid && meta.mode() & 0o022 == 0
}

#[cfg(not(unix))]
fn owned_privately(_: &std::fs::Metadata, _: u32) -> bool {
    false
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::HashMap;
    use std::os::unix::fs::{PermissionsExt, symlink};

    const BOOT: &str = "0f6e2b36-7d1c-4a5e-9a43-5b0f2f1d3c11";

    /// A process table: pid → (parent, start time, is a system shell). It counts the
    /// look-ups, to show when none happen.
    struct Table {
        boot: Option<&'static str>,
        procs: HashMap<i32, (i32, u64, bool)>,
        looked: Cell<usize>,
    }

    impl Table {
        fn with(mut self, pid: i32, parent: i32, start: u64, shell: bool) -> Table {
            self.procs.insert(pid, (parent, start, shell));
            self
        }
    }

    impl Processes for Table {
        fn boot_id(&self) -> Option<String> {
            self.looked.set(self.looked.get() + 1);
            self.boot.map(str::to_owned)
        }
        fn stat(&self, pid: i32) -> Option<Stat> {
            self.looked.set(self.looked.get() + 1);
            self.procs
                .get(&pid)
                .map(|&(parent, start, _)| Stat { parent, start })
        }
        fn is_shell(&self, pid: i32) -> bool {
            self.looked.set(self.looked.get() + 1);
            self.procs.get(&pid).is_some_and(|p| p.2)
        }
    }

    /// A registry (0700) in a temp mstro home, with `claude` (pid 100, started at tick
    /// 5000) registered in this boot.
    fn registry() -> (tempfile::TempDir, RunRegistry) {
        let home = tempfile::tempdir().unwrap();
        let registry = RunRegistry::under(home.path());
        mstro_fs::create_private_dir(registry.dir()).unwrap();
        add(&registry, &entry_name(100, 5000, BOOT));
        (home, registry)
    }

    fn add(registry: &RunRegistry, name: &str) -> PathBuf {
        let path = registry.dir().join(name);
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, PermissionsExt::from_mode(0o600)).unwrap();
        path
    }

    /// init (1) → mstro's reaper (50) → the registered claude (100), which runs hooks
    /// with /bin/sh (200) and Bash commands with bash (250). Under those: a shell a hook
    /// command started (500); a `claude` the agent started through bash (300) with its
    /// hook shell (400); one whose bash exec'd it (350), so that its parent is the
    /// registered claude.
    fn table() -> Table {
        Table {
            boot: Some(BOOT),
            procs: HashMap::new(),
            looked: Cell::new(0),
        }
        .with(50, 1, 4000, false)
        .with(100, 50, 5000, false)
        .with(200, 100, 6000, true)
        .with(250, 100, 6500, true)
        .with(300, 250, 7000, false)
        .with(350, 100, 7500, false)
        .with(400, 300, 8000, true)
        .with(500, 200, 9000, true)
    }

    fn serves(registry: &RunRegistry, parent: i32, procs: &Table) -> bool {
        super::serves(true, || registry.clone(), || Some(parent), procs, our_uid())
    }

    #[test]
    fn a_hook_run_by_the_registered_claude_or_through_its_shell_defers() {
        let (_home, registry) = registry();
        assert!(
            serves(&registry, 100, &table()),
            "claude ran the hook itself"
        );
        assert!(serves(&registry, 200, &table()), "through `/bin/sh -c`");
    }

    #[test]
    fn a_hook_of_any_other_process_judges() {
        let (_home, registry) = registry();
        assert!(
            !serves(&registry, 50, &table()),
            "the reaper is not registered"
        );
        assert!(!serves(&registry, 1, &table()), "nor is init");
        assert!(
            !serves(&registry, 999, &table()),
            "nor a process that is gone"
        );
    }

    #[test]
    fn a_claude_the_agent_started_judges_though_the_registered_one_is_above_it() {
        let (_home, registry) = registry();
        assert!(
            !serves(&registry, 350, &table()),
            "its parent is registered, but it is no shell"
        );
        assert!(!serves(&registry, 400, &table()), "through its hook shell");
        assert!(!serves(&registry, 300, &table()), "as its direct child");
    }

    #[test]
    fn the_search_stops_after_one_shell() {
        let (_home, registry) = registry();
        assert!(
            !serves(&registry, 500, &table()),
            "a shell under a shell under claude is not claude's hook"
        );
    }

    #[test]
    fn an_entry_for_another_start_or_boot_judges() {
        let (_home, registry) = registry();
        // pid 100 was reused by a process started later.
        let reused = table().with(100, 50, 5001, false);
        assert!(!serves(&registry, 100, &reused));
        assert!(!serves(&registry, 200, &reused.with(200, 100, 6000, true)));
        let next_boot = Table {
            boot: Some("9d9b8f0c-0000-4000-8000-000000000000"),
            ..table()
        };
        assert!(!serves(&registry, 100, &next_boot));
        let no_proc = Table {
            boot: None,
            ..table()
        };
        assert!(
            !serves(&registry, 100, &no_proc),
            "no boot id, no deferring"
        );
    }

    #[test]
    fn only_a_private_regular_file_of_ours_in_a_private_directory_of_ours_counts() {
        let (home, registry) = registry();
        let entry = registry.dir().join(entry_name(100, 5000, BOOT));
        assert!(serves(&registry, 100, &table()));
        assert!(
            !super::serves(
                true,
                || registry.clone(),
                || Some(100),
                &table(),
                our_uid() + 1
            ),
            "another user's"
        );

        std::fs::set_permissions(&entry, PermissionsExt::from_mode(0o622)).unwrap();
        assert!(
            !serves(&registry, 100, &table()),
            "an entry others may write"
        );
        std::fs::set_permissions(&entry, PermissionsExt::from_mode(0o600)).unwrap();

        std::fs::set_permissions(registry.dir(), PermissionsExt::from_mode(0o777)).unwrap();
        assert!(
            !serves(&registry, 100, &table()),
            "a directory others may write"
        );
        std::fs::set_permissions(registry.dir(), PermissionsExt::from_mode(0o700)).unwrap();
        assert!(serves(&registry, 100, &table()));

        std::fs::remove_file(&entry).unwrap();
        let elsewhere = home.path().join("real-file");
        std::fs::write(&elsewhere, "").unwrap();
        std::fs::set_permissions(&elsewhere, PermissionsExt::from_mode(0o600)).unwrap();
        symlink(&elsewhere, &entry).unwrap();
        assert!(
            !serves(&registry, 100, &table()),
            "a link in the entry's place"
        );
        std::fs::remove_file(&entry).unwrap();
        std::fs::create_dir(&entry).unwrap();
        assert!(
            !serves(&registry, 100, &table()),
            "a directory in its place"
        );
        std::fs::remove_dir(&entry).unwrap();

        // The whole registry a link to a directory that holds the entry.
        let other = home.path().join("other");
        std::fs::rename(registry.dir(), &other).unwrap();
        symlink(&other, registry.dir()).unwrap();
        add(&RunRegistry { dir: other }, &entry_name(100, 5000, BOOT));
        assert!(!serves(&registry, 100, &table()), "a linked directory");
    }

    #[test]
    fn without_the_gate_nothing_is_read() {
        let (_home, registry) = registry();
        let procs = table();
        let asked = Cell::new(0);
        let registry_asked = || {
            asked.set(asked.get() + 1);
            registry.clone()
        };
        let parent_asked = || {
            asked.set(asked.get() + 1);
            Some(100)
        };
        assert!(!super::serves(
            false,
            registry_asked,
            parent_asked,
            &procs,
            our_uid()
        ));
        assert_eq!((procs.looked.get(), asked.get()), (0, 0));
        assert!(serves(&registry, 100, &procs), "the same, with the gate");
        assert!(procs.looked.get() > 0);
    }

    #[test]
    fn the_sweep_removes_what_stands_for_no_running_process() {
        let (_home, registry) = registry();
        let stale = [
            add(&registry, &entry_name(100, 4999, BOOT)),
            add(&registry, &entry_name(777, 1, BOOT)),
            add(&registry, &entry_name(100, 5000, "another-boot")),
        ];
        let notes = add(&registry, "notes.txt");
        assert_eq!(registry.sweep_in(&table()), 3);
        assert!(stale.iter().all(|p| !p.exists()));
        assert!(notes.exists(), "not an entry: left alone");
        assert!(serves(&registry, 100, &table()), "the live entry stays");
    }

    #[test]
    fn stat_lines_are_read_after_the_last_parenthesis() {
        let line = |name: &str| {
            format!("42 ({name}) S 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 123456 0 0")
        };
        assert_eq!(
            parse_stat(&line("claude")),
            Some(Stat {
                parent: 7,
                start: 123456
            })
        );
        assert_eq!(
            parse_stat(&line("a) S 9 9 9 0 (b")),
            Some(Stat {
                parent: 7,
                start: 123456
            })
        );
        assert_eq!(parse_stat("42 (truncated"), None);
        assert_eq!(parse_stat("42 (x) S 7 42"), None, "no start time");
    }

    #[test]
    fn this_system_s_processes_are_read_from_proc() {
        if !Path::new("/proc/self/stat").exists() {
            // Nothing to read here; the fixture tests cover the logic.
            assert!(Proc.stat(std::process::id() as i32).is_none());
            return;
        }
        let me = Proc.stat(std::process::id() as i32).expect("our own stat");
        assert_eq!(Some(me.parent), parent_pid());
        assert!(Proc.boot_id().is_some());
        assert!(
            !Proc.is_shell(std::process::id() as i32),
            "a test is no shell"
        );
        let mut sh = std::process::Command::new("/bin/sh")
            .args(["-c", "read x"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        assert!(Proc.is_shell(sh.id() as i32), "/bin/sh is");
        drop(sh.stdin.take());
        sh.wait().unwrap();
        // The same shell, copied elsewhere and called `bash`, is not.
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("bash");
        std::fs::copy(std::fs::canonicalize("/bin/sh").unwrap(), &copy).unwrap();
        let mut fake = std::process::Command::new(&copy)
            .args(["-c", "read x"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        assert!(!Proc.is_shell(fake.id() as i32));
        drop(fake.stdin.take());
        fake.wait().unwrap();
    }

    #[test]
    fn a_registration_is_a_private_entry_removed_when_dropped() {
        let home = tempfile::tempdir().unwrap();
        let registry = RunRegistry::under(home.path());
        let me = std::process::id() as i32;
        let Ok(registration) = registry.register(me) else {
            assert!(!Path::new("/proc/self/stat").exists(), "registers on Linux");
            return;
        };
        let path = registration.path().to_owned();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(registry.dir()), mode(&path)), (0o700, 0o600));
        assert!(registry.registered_above(me, &Proc, our_uid()));
        assert!(registry.register(me).is_err(), "one entry per process");
        assert_eq!(registry.sweep(), 0, "a running process's entry stays");
        drop(registration);
        assert!(!path.exists());
        assert!(!registry.registered_above(me, &Proc, our_uid()));
    }
}
