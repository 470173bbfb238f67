//! `install`, `doctor` and `uninstall` on a temp HOME that already has other hooks.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use tempfile::TempDir;

fn bouncer(home: &Path, cwd: &Path, args: &[&str]) -> Output {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_mstro-bouncer"));
    // The binary's directory on PATH, as after `cargo install`.
    let path = format!("{}:/usr/bin:/bin", bin.parent().unwrap().display());
    Command::new(&bin)
        .args(args)
        .current_dir(cwd)
        .env("HOME", home)
        .env("PATH", path)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("MSTRO_HOME")
        .env_remove("CLAUDE_PROJECT_DIR")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn existing_settings() -> Value {
    json!({
        "model": "claude-sonnet-4-5",
        "permissions": {"allow": ["Bash(npm test:*)"]},
        "hooks": {
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "/usr/local/bin/other-guard", "timeout": 5}]}
            ],
            "PostToolUse": [
                {"matcher": "Write|Edit", "hooks": [{"type": "command", "command": "prettier --write"}]}
            ]
        }
    })
}

#[test]
fn install_doctor_uninstall_keep_everything_else() {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join("home");
    let project = dir.path().join("project");
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    let settings_path = home.join(".claude/settings.json");
    let original = existing_settings();
    std::fs::write(
        &settings_path,
        serde_json::to_string_pretty(&original).unwrap(),
    )
    .unwrap();

    // Before: doctor says what is missing.
    let out = bouncer(&home, &project, &["doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("mstro-bouncer install"),
        "{}",
        text(&out)
    );

    let out = bouncer(&home, &project, &["install"]);
    assert!(out.status.success(), "{}", text(&out));
    let installed: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings_path).unwrap()).unwrap();
    assert_eq!(installed["model"], original["model"]);
    assert_eq!(installed["permissions"], original["permissions"]);
    assert_eq!(
        installed["hooks"]["PostToolUse"],
        original["hooks"]["PostToolUse"]
    );
    let pre = installed["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(
        pre[0], original["hooks"]["PreToolUse"][0],
        "the other guard stays first and intact"
    );
    assert_eq!(pre.len(), 2);
    assert_eq!(pre[1]["matcher"], "*");
    let command = pre[1]["hooks"][0]["command"].as_str().unwrap();
    assert!(
        command.contains("mstro-bouncer hook || printf"),
        "{command}"
    );
    let backups: Vec<_> = std::fs::read_dir(home.join(".claude"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("settings.json.mstro-backup-")
        })
        .collect();
    assert_eq!(backups.len(), 1);
    let backed_up: Value =
        serde_json::from_str(&std::fs::read_to_string(backups[0].path()).unwrap()).unwrap();
    assert_eq!(backed_up, original);

    // Idempotent: a second install changes nothing and makes no new backup.
    let out = bouncer(&home, &project, &["install"]);
    assert!(text(&out).contains("already installed"), "{}", text(&out));
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings_path).unwrap()).unwrap();
    assert_eq!(again, installed);

    let out = bouncer(&home, &project, &["doctor"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = text(&out);
    assert!(report.contains("healthy"), "{report}");
    assert!(report.contains("`rm -rf ~` is denied"), "{report}");
    assert!(
        report.contains("Bash, Write, Edit, NotebookEdit, WebFetch and MCP tools"),
        "{report}"
    );
    assert!(!report.contains("FAIL"), "{report}");

    let out = bouncer(&home, &project, &["uninstall"]);
    assert!(out.status.success(), "{}", text(&out));
    let after: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings_path).unwrap()).unwrap();
    assert_eq!(
        after, original,
        "uninstall restores the previous set of hooks"
    );
    let out = bouncer(&home, &project, &["uninstall"]);
    assert!(text(&out).contains("nothing to remove"), "{}", text(&out));
}

#[test]
fn doctor_reports_a_broken_settings_file_and_a_narrow_matcher() {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join("home");
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join(".claude")).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let out = bouncer(&home, &project, &["install", "--matcher", "Bash"]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(
        project.join(".claude/settings.local.json"),
        "{\n  \"hooks\": {,\n}",
    )
    .unwrap();
    let out = bouncer(&home, &project, &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out);
    assert!(
        report.contains("settings.local.json is not valid JSON (line 2"),
        "{report}"
    );
    assert!(
        report.contains("does not run for Write, Edit, NotebookEdit, WebFetch, MCP tools"),
        "{report}"
    );

    // A broken file is never rewritten.
    let out = bouncer(&home, &project, &["install", "--project"]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(project.join(".claude/settings.json"), "[1, 2]").unwrap();
    let out = bouncer(&home, &project, &["install", "--project"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("not a JSON object"), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(project.join(".claude/settings.json")).unwrap(),
        "[1, 2]"
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_settings_file_stays_a_symlink() {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::create_dir_all(home.join("dotfiles")).unwrap();
    std::fs::write(home.join("dotfiles/claude-settings.json"), "{}").unwrap();
    std::os::unix::fs::symlink(
        home.join("dotfiles/claude-settings.json"),
        home.join(".claude/settings.json"),
    )
    .unwrap();
    let out = bouncer(&home, &home, &["install"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        std::fs::symlink_metadata(home.join(".claude/settings.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(home.join("dotfiles/claude-settings.json"))
            .unwrap()
            .contains("mstro-bouncer hook")
    );
}

/// If the registered binary goes away (uninstalled, moved by an upgrade), Claude Code
/// would run nothing and carry on; the command's fallback blocks instead.
#[cfg(unix)]
#[test]
fn a_missing_binary_still_blocks() {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join("home");
    let bin_dir = dir.path().join("bin");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&bin_dir).unwrap();
    let copy = bin_dir.join("mstro-bouncer");
    std::fs::copy(env!("CARGO_BIN_EXE_mstro-bouncer"), &copy).unwrap();
    let out = bouncer(
        &home,
        dir.path(),
        &["install", "--binary", copy.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let settings: Value =
        serde_json::from_str(&std::fs::read_to_string(home.join(".claude/settings.json")).unwrap())
            .unwrap();
    let command = settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::remove_file(&copy).unwrap();

    let mut child = Command::new("bash")
        .arg("-c")
        .arg(&command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    let _ = child.stdin.take().unwrap().write_all(
        br#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#,
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");

    let out = bouncer(&home, dir.path(), &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("missing or not executable"),
        "{}",
        text(&out)
    );
}

/// `doctor` tests a registered command by running it; a repository's settings may name
/// anything, so only a known mstro-bouncer is run, and never through a shell.
#[test]
fn doctor_never_runs_what_a_project_registers() {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join("home");
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join(".claude")).unwrap();
    std::fs::create_dir_all(project.join("evil")).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let pwned = dir.path().join("PWNED");
    let script = format!("#!/bin/sh\ntouch {}\n", pwned.display());
    let fake = project.join("evil/mstro-bouncer");
    std::fs::write(&fake, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let settings = json!({"hooks": {"PreToolUse": [
        {"matcher": "*", "hooks": [{"type": "command", "command": format!("{} hook", fake.display())}]},
        {"matcher": "*", "hooks": [{"type": "command", "command": format!("mstro-bouncer hook ;touch {}", pwned.display())}]}
    ]}, "env": {"MSTRO_HOME": "./.evil"}});
    std::fs::write(project.join(".claude/settings.json"), settings.to_string()).unwrap();
    let out = bouncer(&home, &project, &["doctor"]);
    assert!(
        !pwned.exists(),
        "doctor ran a project's command:\n{}",
        text(&out)
    );
    let report = text(&out);
    assert!(
        report.contains("not running") && report.contains("sets `MSTRO_HOME`"),
        "{report}"
    );
}
