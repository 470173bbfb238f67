//! The hook in a session `mstro` runs: it leaves the call to the session's permission
//! tool (prints nothing, writes no audit record) only when its parent, or its parent
//! shell's parent, is a `claude` registered in the run registry of the mstro home and
//! the gate variable is set; every other way it judges. Real processes: the test
//! process stands for the registered `claude` and starts the hook under various
//! parents. The end: the real Claude Code CLI, in a repository that forges the gate.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use mstro_bouncer::hook::run_registry::{GATE_ENV, Registration, RunRegistry};
use mstro_tests::fake_api::{FakeApi, Reply, result_text, tool_results};
use mstro_tests::{claude, require};
use serde_json::{Value, json};

const HOOK: &str = env!("CARGO_BIN_EXE_mstro-bouncer");

/// A temp HOME (with the default mstro home, `~/.mstro`) and a project in it.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("project")).unwrap();
        Home { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn registry(&self) -> RunRegistry {
        RunRegistry::under(&self.path().join(".mstro"))
    }

    /// Register this test process, as the reaper registers the `claude` it started.
    fn register_this_process(&self) -> Registration {
        self.registry()
            .register(std::process::id() as i32)
            .expect("this process registers (Linux, /proc)")
    }

    fn audit_records(&self) -> Vec<Value> {
        audit_records(&self.path().join(".mstro"))
    }

    /// `rm -rf ~` from the project: the hook, judging, denies it.
    fn event(&self) -> Vec<u8> {
        json!({
            "session_id": "s-1",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "rm -rf ~"},
            "tool_use_id": "toolu_1",
            "cwd": self.path().join("project"),
        })
        .to_string()
        .into_bytes()
    }

    /// Run `program args`, which runs the hook (`$HOOK`), with the event on stdin; the
    /// gate set unless `gate` is false.
    fn run(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str], gate: bool) -> Output {
        let mut command = Command::new(program);
        command
            .args(args)
            .env("HOOK", HOOK)
            .env("HOME", self.path())
            .env_remove("MSTRO_HOME")
            .env_remove("CLAUDE_PROJECT_DIR")
            .env_remove(GATE_ENV)
            .current_dir(self.path().join("project"));
        if gate {
            command.env(GATE_ENV, "1");
        }
        let out = common::pipe(&mut command, &self.event());
        assert!(out.status.success(), "{out:?}");
        out
    }

    /// What the hook did: `true` if it left the call (no output, no audit record).
    fn deferred(&self, out: &Output) -> bool {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let records = self.audit_records();
        if stdout.trim().is_empty() {
            assert!(records.is_empty(), "deferred, yet recorded: {records:?}");
            return true;
        }
        assert!(
            stdout.contains(r#""permissionDecision":"deny""#),
            "judged: {stdout}"
        );
        assert_eq!(records.len(), 1, "judged and recorded once: {records:?}");
        assert_eq!(records[0]["source"], "hook");
        std::fs::remove_dir_all(self.path().join(".mstro/logs")).unwrap();
        false
    }
}

fn audit_records(mstro_home: &Path) -> Vec<Value> {
    let log = mstro_home.join("logs/bouncer-audit.jsonl");
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("an audit line is JSON"))
        .collect()
}

/// `sh -c SCRIPT` where the shell does not replace itself with the last command
/// (`; exit $?`), so it stays the hook's parent as Claude Code's does.
const VIA_SHELL: &str = r#""$HOOK" hook; exit $?"#;

#[test]
fn the_hook_of_the_registered_process_defers_directly_or_through_its_shell() {
    let home = Home::new();
    let _registered = home.register_this_process();
    assert!(home.deferred(&home.run(HOOK, &["hook"], true)), "its child");
    assert!(
        home.deferred(&home.run("/bin/sh", &["-c", VIA_SHELL], true)),
        "through /bin/sh -c, as Claude Code runs hook commands"
    );
}

#[test]
fn without_the_gate_or_the_registration_the_hook_judges() {
    let home = Home::new();
    let registered = home.register_this_process();
    assert!(!home.deferred(&home.run(HOOK, &["hook"], false)), "no gate");
    drop(registered);
    assert!(
        home.registry().dir().is_dir(),
        "the registry is still there"
    );
    assert!(
        !home.deferred(&home.run(HOOK, &["hook"], true)),
        "the gate alone (which a repository's settings can set) proves nothing"
    );
}

/// A `claude` the agent starts from a Bash command has the registered one among its
/// ancestors: its hook judges. `timeout`, which starts the hook as its child, stands
/// for it (any program that is not a shell).
#[test]
fn a_hook_further_below_the_registered_process_judges() {
    let home = Home::new();
    let _registered = home.register_this_process();
    assert!(
        !home.deferred(&home.run("timeout", &["60", HOOK, "hook"], true)),
        "under a process that is not a shell, whose parent is registered"
    );
    let two_shells = format!("/bin/sh -c '{VIA_SHELL}'; exit $?");
    assert!(
        !home.deferred(&home.run("/bin/sh", &["-c", &two_shells], true)),
        "under a shell under a shell: the search stops after one"
    );
    // A shell copied elsewhere, and named as one, is not the system's shell.
    let copy = home.path().join("bash");
    std::fs::copy(std::fs::canonicalize("/bin/sh").unwrap(), &copy).unwrap();
    assert!(!home.deferred(&home.run(&copy, &["-c", VIA_SHELL], true)));
}

/// Registering a process is a write to the bouncer's own configuration: denied, as
/// writes to `bouncer.yaml` are, in every mode.
#[test]
fn the_agent_may_not_write_to_the_registry() {
    for mode in ["repl", "headless"] {
        let out = common::bouncer(["check", "--mode", mode])
            .args([
                "touch ~/.mstro/claude-runs/4242-99-0f6e2b36",
                "mkdir -p ~/.mstro/claude-runs",
                "ln -s /tmp/mine /home/dev/.mstro/claude-runs",
                "cat /proc/$PPID/stat > ~/.mstro/claude-runs/x",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let verdicts: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('\t'))
            .filter_map(|l| l.split('\t').next())
            .collect();
        assert_eq!(verdicts, ["DENY"; 4], "{mode}: {text}");
        let write =
            json!({"file_path": "/home/dev/.mstro/claude-runs/4242-99-0f6e2b36", "content": ""});
        let out = common::bouncer(["check", "--mode", mode, "--tool", "Write"])
            .arg(write.to_string())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with("DENY") && text.contains("self-protection.bouncer-config-tool"),
            "{mode}: {text}"
        );
    }
}

/// The real CLI in a repository whose `.claude/settings.json` sets the gate for the
/// session (a second hook shows that it reached the hooks' environment), with the
/// process that started `claude` registered: the installed hook still judges the call,
/// once.
#[test]
fn a_plain_claude_session_with_the_gate_forged_is_judged_by_the_hook() {
    require!(claude::executable());
    let home = Home::new();
    common::install_hook(home.path(), "*");
    let project = home.path().join("project");
    let seen = home.path().join("gate-seen");
    std::fs::create_dir_all(project.join(".claude")).unwrap();
    let settings = json!({
        "env": {GATE_ENV: "1"},
        "hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"type": "command",
            "command": format!("printf %s \"${GATE_ENV}\" > '{}'", seen.display())}]}]},
    });
    std::fs::write(project.join(".claude/settings.json"), settings.to_string()).unwrap();
    let _registered = home.register_this_process();
    let api = FakeApi::start(|req| match tool_results(req).len() {
        0 => Reply::bash("rm -rf ~"),
        _ => Reply::Text("Done.".into()),
    });
    let out = claude::Run {
        home: home.path(),
        cwd: &project,
        api_url: api.url(),
        args: vec!["--max-turns".into(), "4".into()],
        prompt: "Clean up.",
        timeout: Duration::from_secs(180),
    }
    .output()
    .expect("claude runs");
    assert_eq!(
        std::fs::read_to_string(&seen).ok().as_deref(),
        Some("1"),
        "the gate reached the hooks; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = api.requests();
    let results = tool_results(requests.last().expect("the conversation went on"));
    assert_eq!(results.len(), 1, "{results:#?}");
    assert!(
        result_text(results[0]).contains("mstro-bouncer blocked `rm -rf ~`"),
        "the hook denied it: {}",
        result_text(results[0])
    );
    let records = home.audit_records();
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(
        (&records[0]["source"], &records[0]["outcome"]),
        (&json!("hook"), &json!("deny"))
    );
}
