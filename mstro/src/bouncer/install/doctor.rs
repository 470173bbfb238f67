//! `mstro-bouncer doctor`: every link from the binary to a decision, checked, with
//! what to do about each one that is broken.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::matcher;
use super::settings::{Settings, SettingsError};
use super::user_claude_dir;
use crate::bouncer::configured::Configured;

/// The tools the hook must see for the guard to mean anything.
const REQUIRED_TOOLS: &[&str] = &[
    "Bash",
    "Write",
    "Edit",
    "NotebookEdit",
    "WebFetch",
    "mcp__server__tool",
];

/// How long the round trip may take before it counts as hung.
const ROUND_TRIP_LIMIT: Duration = Duration::from_secs(20);

/// One check's result.
struct Check {
    ok: bool,
    /// A problem that does not stop the guard from working.
    warning: bool,
    what: String,
    fix: Option<String>,
}

impl Check {
    fn pass(what: impl Into<String>) -> Check {
        Check {
            ok: true,
            warning: false,
            what: what.into(),
            fix: None,
        }
    }

    fn fail(what: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            ok: false,
            warning: false,
            what: what.into(),
            fix: Some(fix.into()),
        }
    }

    fn warn(what: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            ok: true,
            warning: true,
            what: what.into(),
            fix: Some(fix.into()),
        }
    }
}

pub fn run() -> i32 {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut checks = Vec::new();
    checks.push(binary_on_path());

    // Every settings source Claude Code reads, most specific last.
    let mut files = vec![user_claude_dir().join("settings.json")];
    files.push(cwd.join(".claude/settings.json"));
    files.push(cwd.join(".claude/settings.local.json"));
    let managed = Path::new("/etc/claude-code/managed-settings.json");
    if managed.exists() {
        files.push(managed.to_path_buf());
    }
    let mut commands = Vec::new();
    let mut matchers = Vec::new();
    for path in &files {
        match Settings::load(path) {
            Ok(s) if !s.existed => {}
            Ok(s) => {
                if s.value.get("disableAllHooks") == Some(&Value::Bool(true)) {
                    checks.push(Check::fail(
                        format!(
                            "{}: `disableAllHooks` is true, so no hook runs",
                            path.display()
                        ),
                        "remove `disableAllHooks` from that file",
                    ));
                }
                let ours = s.ours();
                checks.push(Check::pass(format!(
                    "{}: valid JSON{}",
                    path.display(),
                    if ours.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", registers mstro-bouncer ({} entr{})",
                            ours.len(),
                            if ours.len() == 1 { "y" } else { "ies" }
                        )
                    }
                )));
                for (m, c) in ours {
                    matchers.push(m);
                    commands.push(c);
                }
            }
            Err(e @ SettingsError::Syntax { .. }) | Err(e @ SettingsError::Shape { .. }) => {
                checks.push(Check::fail(
                    e.to_string(),
                    "Claude Code ignores the whole file, hooks included: fix it, then run `mstro-bouncer doctor` again",
                ));
            }
            Err(e) => checks.push(Check::fail(e.to_string(), "make the file readable")),
        }
    }

    checks.push(registration(&matchers));
    for command in dedup(&commands) {
        checks.push(installed_binary(&command));
        checks.push(round_trip(&command, &cwd));
    }
    checks.push(configuration(&cwd));

    let mut healthy = true;
    for c in &checks {
        let mark = match (c.ok, c.warning) {
            (true, false) => "ok  ",
            (true, true) => "warn",
            (false, _) => "FAIL",
        };
        println!("{mark} {}", c.what);
        if let Some(fix) = &c.fix {
            println!("     fix: {fix}");
        }
        healthy &= c.ok;
    }
    if healthy {
        println!("healthy: every tool call goes through mstro-bouncer");
        0
    } else {
        println!("not healthy: see the FAIL lines above");
        1
    }
}

fn dedup(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}

fn binary_on_path() -> Check {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("mstro-bouncer"))
            .find(|p| is_executable(p))
    });
    match found {
        Some(p) => Check::pass(format!(
            "mstro-bouncer {} on PATH: {}",
            env!("CARGO_PKG_VERSION"),
            p.display()
        )),
        None => Check::warn(
            "mstro-bouncer is not on PATH (the hook runs it by absolute path, so it still works)",
            "install it with `cargo install --path mstro` or add its directory to PATH, so `mstro-bouncer` works in a shell",
        ),
    }
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

fn registration(matchers: &[Option<String>]) -> Check {
    if matchers.is_empty() {
        return Check::fail(
            "no settings file registers the mstro-bouncer hook",
            "run `mstro-bouncer install` (or `install --project` for this repository only)",
        );
    }
    let missing: Vec<&str> = REQUIRED_TOOLS
        .iter()
        .copied()
        .filter(|tool| {
            !matchers
                .iter()
                .any(|m| matcher::matches(m.as_deref(), tool))
        })
        .collect();
    if missing.is_empty() {
        Check::pass(format!(
            "the hook runs for Bash, Write, Edit, NotebookEdit, WebFetch and MCP tools (matcher {})",
            matchers
                .iter()
                .map(|m| format!("{:?}", m.as_deref().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        let shown: Vec<&str> = missing
            .iter()
            .map(|t| {
                if t.starts_with("mcp__") {
                    "MCP tools"
                } else {
                    t
                }
            })
            .collect();
        Check::fail(
            format!("the hook does not run for {}", shown.join(", ")),
            "run `mstro-bouncer install` again (its default matcher is \"*\"), or widen --matcher",
        )
    }
}

fn installed_binary(command: &str) -> Check {
    let program = command
        .strip_suffix(" hook")
        .or_else(|| command.split(" hook ").next())
        .unwrap_or(command)
        .trim_matches('\'');
    let path = Path::new(program);
    if path.is_absolute() && !is_executable(path) {
        return Check::fail(
            format!("the registered binary {program} is missing or not executable"),
            "run `mstro-bouncer install` from the binary you want to use",
        );
    }
    Check::pass(format!("registered command: {command}"))
}

/// Run the registered command the way Claude Code does (through bash, with an event on
/// stdin) for a dangerous and a harmless call.
fn round_trip(command: &str, cwd: &Path) -> Check {
    let start = Instant::now();
    let ask = |bash: &str| -> Result<Option<String>, String> {
        let event = serde_json::json!({
            "session_id": "mstro-bouncer-doctor",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": bash},
            "cwd": cwd,
        });
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(command)
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run it: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(event.to_string().as_bytes());
        }
        let deadline = Instant::now() + ROUND_TRIP_LIMIT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => {
                    let _ = child.kill();
                    return Err(format!("no answer within {} s", ROUND_TRIP_LIMIT.as_secs()));
                }
            }
        }
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if stdout.is_empty() {
            return Ok(None);
        }
        let v: Value = serde_json::from_str(&stdout)
            .map_err(|e| format!("printed something that is not JSON ({e}): {stdout}"))?;
        if v.pointer("/hookSpecificOutput/hookEventName") != Some(&Value::from("PreToolUse")) {
            return Err(format!(
                "printed JSON Claude Code rejects (no hookEventName): {stdout}"
            ));
        }
        Ok(v.pointer("/hookSpecificOutput/permissionDecision")
            .and_then(Value::as_str)
            .map(str::to_owned))
    };
    let fix = "run `mstro-bouncer install` again; if it persists, run the command by hand with an event on stdin";
    match (ask("rm -rf ~"), ask("ls")) {
        (Ok(Some(d)), Ok(harmless)) if d == "deny" => Check::pass(format!(
            "round trip: `rm -rf ~` is denied, `ls` is {} ({} ms)",
            harmless.unwrap_or_else(|| "passed to Claude Code".into()),
            start.elapsed().as_millis()
        )),
        (Err(e), _) | (_, Err(e)) => Check::fail(format!("round trip: the hook {e}"), fix),
        (Ok(d), Ok(_)) => Check::fail(
            format!(
                "round trip: `rm -rf ~` came back {}, not deny",
                d.unwrap_or_else(|| "with no decision".into())
            ),
            fix,
        ),
    }
}

fn configuration(cwd: &Path) -> Check {
    match Configured::load(cwd.to_str(), false) {
        Ok(c) => {
            let packs = &c.engine.rules().packs;
            let count = |scope| packs.iter().filter(|p| p.scope == scope).count();
            use mstro_engine::pack::PackScope;
            Check::pass(format!(
                "configuration: {} built-in, {} user and {} project pack(s); {} rule(s) switched off; mode {}",
                count(PackScope::BuiltIn),
                count(PackScope::User),
                count(PackScope::Project),
                c.config.switches.len(),
                c.mode(None)
            ))
        }
        Err(e) => Check::fail(
            format!("configuration does not load, so the hook denies every call: {e}"),
            "fix the file and line named above",
        ),
    }
}
