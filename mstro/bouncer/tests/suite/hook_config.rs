//! The hook under a user's configuration: defaults, overrides and broken files.

use crate::common;

use std::path::Path;

use tempfile::TempDir;

fn hook(mstro_home: &Path, cwd: &Path, command: &str, args: &[&str]) -> (String, String) {
    // The home is where the temporary configuration lives, as for a real user.
    hook_in(
        mstro_home.parent().unwrap_or(mstro_home),
        mstro_home,
        cwd,
        command,
        args,
    )
}

fn hook_in(
    home: &Path,
    mstro_home: &Path,
    cwd: &Path,
    command: &str,
    args: &[&str],
) -> (String, String) {
    let event = serde_json::json!({
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "cwd": cwd,
        "session_id": "s1",
    });
    let out = common::pipe(
        common::bouncer(["hook"])
            .args(args)
            .current_dir(cwd)
            .env("MSTRO_HOME", mstro_home)
            .env("HOME", home),
        event.to_string().as_bytes(),
    );
    assert!(out.status.success());
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn decision(stdout: &str) -> (String, String) {
    let v: serde_json::Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout:?}"));
    let o = &v["hookSpecificOutput"];
    (
        o["permissionDecision"].as_str().unwrap().to_owned(),
        o["permissionDecisionReason"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn default_allow_pass_leaves_unvouched_calls_to_claude_code() {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join(".mstro");
    std::fs::create_dir_all(&home).unwrap();
    let (out, _) = hook(&home, dir.path(), "frobnicate --all", &[]);
    assert_eq!(decision(&out).0, "allow");
    std::fs::write(home.join("bouncer.yaml"), "default_allow: pass\n").unwrap();
    let (out, _) = hook(&home, dir.path(), "frobnicate --all", &[]);
    assert_eq!(out, "", "pass prints nothing");
    // A vouched allow and a deny are unaffected.
    assert_eq!(decision(&hook(&home, dir.path(), "ls", &[]).0).0, "allow");
    assert_eq!(
        decision(&hook(&home, dir.path(), "rm -rf ~", &[]).0).0,
        "deny"
    );
}

#[test]
fn the_configured_mode_applies_unless_the_flag_says_otherwise() {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join(".mstro");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("bouncer.yaml"), "mode: headless\n").unwrap();
    // Headless has nobody to ask: a review with no reviewer is denied.
    assert_eq!(
        decision(&hook(&home, dir.path(), "git reset --hard", &[]).0).0,
        "deny"
    );
    let (out, _) = hook(&home, dir.path(), "git reset --hard", &["--mode", "repl"]);
    assert_eq!(decision(&out).0, "ask");
}

#[test]
fn a_critical_override_is_logged_on_every_use() {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join(".mstro");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join("bouncer.yaml"),
        "critical_overrides: [disk.write-raw-device]\n",
    )
    .unwrap();
    let (out, err) = hook(&home, dir.path(), "dd if=sd.img of=/dev/sdb bs=4M", &[]);
    assert_ne!(decision(&out).0, "deny", "{out}");
    assert!(err.contains("disk.write-raw-device"), "{err}");
    hook(&home, dir.path(), "dd if=sd.img of=/dev/sdc bs=4M", &[]);
    hook(&home, dir.path(), "ls", &[]);
    let log = std::fs::read_to_string(home.join("logs/bouncer-audit.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "one record per decision: {log}");
    for (line, device) in lines[..2].iter().zip(["/dev/sdb", "/dev/sdc"]) {
        assert_eq!(line["overridden"][0], "disk.write-raw-device", "{line}");
        assert!(line["operation"].as_str().unwrap().contains(device));
    }
    assert!(
        lines[2].get("overridden").is_none(),
        "`ls` overrides nothing: {}",
        lines[2]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.join("logs/bouncer-audit.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_broken_configuration_fails_closed_naming_the_file_and_line() {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join(".mstro");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join("bouncer.yaml"),
        "mode: repl\ndisabled_rules: [filesystem.rm-root-or-home]\n",
    )
    .unwrap();
    let (out, _) = hook(&home, dir.path(), "ls", &[]);
    let (d, reason) = decision(&out);
    assert_eq!(d, "deny");
    assert!(
        reason.contains("bouncer.yaml:2") && reason.contains("critical"),
        "{reason}"
    );
}

/// A project's `.claude/settings.json` can set the hook's environment; an `MSTRO_HOME`
/// inside the project must not become the "user" configuration that switches rules off.
#[test]
fn mstro_home_inside_the_project_is_not_the_users() {
    let dir = TempDir::new().unwrap();
    let project = dir.path().join("project");
    let evil = project.join(".evil");
    std::fs::create_dir_all(&evil).unwrap();
    std::fs::write(
        evil.join("bouncer.yaml"),
        "critical_overrides: [filesystem.rm-root-or-home]\ndisabled_rules: [filesystem.recursive-delete]\n",
    )
    .unwrap();
    for mstro_home in [
        evil.clone(),
        std::path::PathBuf::from("/proc/self/cwd/.evil"),
    ] {
        let (out, err) = hook_in(dir.path(), &mstro_home, &project, "rm -rf ~", &[]);
        assert_eq!(decision(&out).0, "deny", "{mstro_home:?}: {out}");
        assert!(err.contains("ignoring MSTRO_HOME"), "{err}");
    }
}
