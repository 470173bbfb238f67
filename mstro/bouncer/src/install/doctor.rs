//! `mstro-bouncer doctor`: every link from the binary to a decision, checked, with
//! what to do about each one that is broken.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::matcher;
use super::settings::{BouncerEntry, Settings, SettingsError};
use super::user_claude_dir;
use crate::configured::Configured;

/// The tools the hook must see for the guard to mean anything.
pub const REQUIRED_TOOLS: &[&str] = &[
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
    let mut checks = vec![binary_on_path()];

    // Every settings source Claude Code reads; the project's are the repository's.
    let mut files: Vec<(PathBuf, bool)> = vec![(user_claude_dir().join("settings.json"), false)];
    files.push((cwd.join(".claude/settings.json"), true));
    files.push((cwd.join(".claude/settings.local.json"), true));
    for managed in [
        "/etc/claude-code/managed-settings.json",
        "/Library/Application Support/ClaudeCode/managed-settings.json",
    ] {
        if Path::new(managed).exists() {
            files.push((PathBuf::from(managed), false));
        }
    }
    let mut seen = Vec::new();
    files.retain(|(p, _)| {
        let key = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });

    let mut entries: Vec<(BouncerEntry, bool)> = Vec::new();
    for (path, from_project) in &files {
        match Settings::load(path) {
            Ok(s) if !s.existed => {}
            Ok(s) => {
                checks.extend(settings_warnings(path, &s.value, *from_project));
                let found = s.bouncer_entries();
                checks.push(Check::pass(format!(
                    "{}: valid JSON{}",
                    path.display(),
                    match found.len() {
                        0 => String::new(),
                        1 => ", registers mstro-bouncer (1 entry)".to_owned(),
                        n => format!(", registers mstro-bouncer ({n} entries)"),
                    }
                )));
                entries.extend(found.into_iter().map(|e| (e, *from_project)));
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

    checks.push(registration(&entries));
    let mut tried = Vec::new();
    for (entry, _) in &entries {
        if tried.contains(&entry.parsed) {
            continue;
        }
        tried.push(entry.parsed.clone());
        checks.push(round_trip(entry, &cwd));
    }
    checks.push(configuration(&cwd));
    checks.extend(configuration_permissions());

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

/// Settings that switch hooks off or redirect the bouncer, wherever they are.
fn settings_warnings(path: &Path, value: &Value, from_project: bool) -> Vec<Check> {
    let mut out = Vec::new();
    let shown = path.display();
    if value.get("disableAllHooks") == Some(&Value::Bool(true)) {
        out.push(Check::fail(
            format!("{shown}: `disableAllHooks` is true, so no hook runs"),
            "remove `disableAllHooks` from that file",
        ));
    }
    if value.get("allowManagedHooksOnly") == Some(&Value::Bool(true)) {
        out.push(Check::warn(
            format!("{shown}: `allowManagedHooksOnly` is true, so only managed-settings hooks run"),
            "register the hook in the managed settings, or remove the setting",
        ));
    }
    for var in ["MSTRO_HOME", "HOME", "PATH"] {
        if from_project && value.pointer(&format!("/env/{var}")).is_some() {
            out.push(Check::fail(
                format!("{shown}: sets `{var}` for the session, which changes what the hook reads and runs"),
                "remove it: a repository must not choose the bouncer's configuration or binary",
            ));
        }
    }
    out
}

/// The first executable `name` on PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| is_executable(p))
    })
}

fn binary_on_path() -> Check {
    match on_path("mstro-bouncer") {
        Some(p) => Check::pass(format!(
            "mstro-bouncer {} on PATH: {}",
            env!("CARGO_PKG_VERSION"),
            p.display()
        )),
        None => Check::warn(
            "mstro-bouncer is not on PATH (the hook runs it by absolute path, so it still works)",
            "install it with `cargo install --path mstro/bouncer` or add its directory to PATH, so `mstro-bouncer` works in a shell",
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

fn registration(entries: &[(BouncerEntry, bool)]) -> Check {
    if entries.is_empty() {
        return Check::fail(
            "no settings file registers the mstro-bouncer hook",
            "run `mstro-bouncer install` (or `install --project` for this repository only)",
        );
    }
    let missing: Vec<&str> = REQUIRED_TOOLS
        .iter()
        .copied()
        .filter(|tool| {
            !entries
                .iter()
                .any(|(e, _)| matcher::matches(e.matcher.as_deref(), tool))
        })
        .collect();
    let matchers = entries
        .iter()
        .map(|(e, _)| format!("{:?}", e.matcher.as_deref().unwrap_or("")))
        .collect::<Vec<_>>()
        .join(", ");
    if !missing.is_empty() {
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
        return Check::fail(
            format!("the hook does not run for {}", shown.join(", ")),
            "run `mstro-bouncer install` again (its default matcher is \"*\"), or widen --matcher",
        );
    }
    if let Some((short, _)) = entries
        .iter()
        .find(|(e, _)| e.timeout.is_some_and(|t| t < 10))
    {
        return Check::warn(
            format!(
                "the hook's timeout is {} s; Claude Code skips a hook that times out",
                short.timeout.unwrap_or(0)
            ),
            "run `mstro-bouncer install` again (it sets 120 s)",
        );
    }
    if entries.iter().all(|(_, from_project)| *from_project) {
        return Check::warn(
            format!(
                "the hook runs for Bash, Write, Edit, NotebookEdit, WebFetch and MCP tools (matcher {matchers}), but only in this project"
            ),
            "run `mstro-bouncer install` to guard every project",
        );
    }
    Check::pass(format!(
        "the hook runs for Bash, Write, Edit, NotebookEdit, WebFetch and MCP tools (matcher {matchers})"
    ))
}

/// Run a registered bouncer for a dangerous and a harmless call. Only a binary known
/// to be mstro-bouncer (this one, or the one on PATH) is run, directly and never
/// through a shell: a settings file in a repository could name anything.
fn round_trip(entry: &BouncerEntry, cwd: &Path) -> Check {
    let command = &entry.parsed;
    let resolved = if command.binary.contains('/') {
        Some(PathBuf::from(&command.binary))
    } else {
        on_path(&command.binary)
    };
    let Some(binary) = resolved.filter(|p| is_executable(p)) else {
        let fix = if command.fallback {
            "the hook now blocks every call: run `mstro-bouncer install` from the binary you want to use"
        } else {
            "Claude Code carries on without the hook when it cannot run: run `mstro-bouncer install` from the binary you want to use"
        };
        return Check::fail(
            format!(
                "the registered binary {} is missing or not executable",
                command.binary
            ),
            fix,
        );
    };
    let known: Vec<PathBuf> = [std::env::current_exe().ok(), on_path("mstro-bouncer")]
        .into_iter()
        .flatten()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    if !std::fs::canonicalize(&binary).is_ok_and(|b| known.contains(&b)) {
        return Check::warn(
            format!(
                "not running {} to test it: it is not this mstro-bouncer nor the one on PATH",
                binary.display()
            ),
            "run `mstro-bouncer doctor` with that binary, or `mstro-bouncer install` to register this one",
        );
    }
    let start = Instant::now();
    let ask = |bash: &str| -> Result<Option<String>, String> {
        let event = serde_json::json!({
            "session_id": "mstro-bouncer-doctor",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": bash},
            "cwd": cwd,
        });
        let mut cmd = Command::new(&binary);
        cmd.arg("hook");
        if let Some(mode) = &command.mode {
            cmd.args(["--mode", mode]);
        }
        let mut child = cmd
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
                    let _ = child.wait();
                    return Err(format!(
                        "gave no answer within {} s",
                        ROUND_TRIP_LIMIT.as_secs()
                    ));
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
            "round trip through {}: `rm -rf ~` is denied, `ls` is {} ({} ms)",
            binary.display(),
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

/// The user's configuration decides what is allowed: nobody else may write it.
fn configuration_permissions() -> Vec<Check> {
    let env = mstro_engine::PathEnv::from_process_env();
    let dir = PathBuf::from(&env.mstro_home);
    let mut out = Vec::new();
    #[cfg(unix)]
    for path in [dir.clone(), dir.join("rules"), dir.join("bouncer.yaml")] {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(&path)
            && meta.permissions().mode() & 0o022 != 0
        {
            out.push(Check::fail(
                format!(
                    "{} is writable by other users, who could switch rules off",
                    path.display()
                ),
                format!("chmod go-w {}", path.display()),
            ));
        }
    }
    out
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
