//! The real Claude Code CLI with mstro-bouncer's AI review, against a fake Messages API
//! that plays both the conversation and the reviewer:
//! - headless (`claude -p`) with `mstro-bouncer mcp` as the permission-prompt tool;
//! - the REPL hook with a reviewer configured, where the person's request comes from
//!   Claude Code's own transcript.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use mstro_tests::fake_api::{FakeApi, Reply, result_text, review, tool_results};
use mstro_tests::{binaries, claude, require};
use serde_json::{Value, json};

/// Harmless here (HOME is a temp dir) but sent to review by the rules.
const PROFILE_EDIT: &str = "echo 'export MSTRO_E2E=1' >> ~/.bashrc";
const PROMPT: &str =
    "Make MSTRO_E2E available in every shell, and make the project files writable.";

fn setup() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("marker-mstro-e2e.txt"), "x").unwrap();
    // A reviewer that answers quickly or not at all.
    std::fs::create_dir_all(home.path().join(".mstro")).unwrap();
    std::fs::write(
        home.path().join(".mstro/bouncer.yaml"),
        "reviewer:\n  provider: anthropic\n  timeout_seconds: 5\n",
    )
    .unwrap();
    (home, project)
}

/// The conversation: the given Bash commands one after another, then a final text.
fn conversation(commands: &'static [&'static str]) -> impl Fn(&Value) -> Reply + Send + Sync {
    move |req| match commands.get(tool_results(req).len()) {
        Some(c) => Reply::bash(c),
        None => Reply::Text("All done.".into()),
    }
}

fn headless(home: &Path, project: &Path, api: &FakeApi) -> (Value, Vec<Value>) {
    let config = home.join("mcp.json");
    let server = json!({"mcpServers": {"mstro-bouncer": {
        "type": "stdio",
        "command": binaries::mstro_bouncer(),
        "args": ["mcp", "--session-id", "e2e-session", "--user-request", PROMPT],
    }}});
    std::fs::write(&config, server.to_string()).unwrap();
    let run = claude::Run {
        home,
        cwd: project,
        api_url: api.url(),
        args: vec![
            "--output-format".into(),
            "json".into(),
            "--max-turns".into(),
            "6".into(),
            "--strict-mcp-config".into(),
            "--mcp-config".into(),
            config.display().to_string(),
            "--permission-prompt-tool".into(),
            "mcp__mstro-bouncer__approval_prompt".into(),
        ],
        prompt: PROMPT,
        timeout: Duration::from_secs(180),
    };
    let out = run
        .output()
        .unwrap_or_else(|e| panic!("claude failed: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "{e}: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let last = api
        .requests()
        .into_iter()
        .rev()
        .find(|r| r["tools"].as_array().is_some_and(|t| !t.is_empty()))
        .expect("a conversation request");
    let results = tool_results(&last).into_iter().cloned().collect();
    (result, results)
}

#[test]
fn headless_a_critical_call_is_denied_by_the_rules_and_a_safe_one_runs() {
    require!(claude::executable());
    let (home, project) = setup();
    let api = FakeApi::with_reviewer(conversation(&["rm -rf ~", "ls"]), |_| review("allow", 100));
    let (result, results) = headless(home.path(), &project, &api);
    assert_eq!(results.len(), 2, "{result}");
    let denied = result_text(&results[0]);
    assert_eq!(results[0]["is_error"], true, "{denied}");
    assert!(
        denied.contains("filesystem.rm-root-or-home"),
        "the model sees our reason: {denied}"
    );
    assert!(
        result_text(&results[1]).contains("marker-mstro-e2e.txt"),
        "ls ran"
    );
    assert!(project.join("marker-mstro-e2e.txt").exists());
    assert!(
        api.reviews().is_empty(),
        "rules decided both without the reviewer"
    );
    assert_eq!(
        result["permission_denials"].as_array().map(Vec::len),
        Some(1),
        "{result}"
    );
}

#[test]
fn headless_an_ambiguous_call_is_decided_by_the_reviewer_both_ways() {
    require!(claude::executable());
    for (answer, runs) in [("allow", true), ("deny", false)] {
        let (home, project) = setup();
        let api =
            FakeApi::with_reviewer(conversation(&[PROFILE_EDIT]), move |_| review(answer, 90));
        let (result, results) = headless(home.path(), &project, &api);
        assert_eq!(results.len(), 1, "{answer}: {result}");
        let text = result_text(&results[0]);
        let profile = std::fs::read_to_string(home.path().join(".bashrc")).unwrap_or_default();
        assert_eq!(profile.contains("MSTRO_E2E"), runs, "{answer}: {text}");
        if !runs {
            assert_eq!(results[0]["is_error"], true);
            assert!(
                text.contains("scripted deny"),
                "the model sees the reviewer's reason: {text}"
            );
        }
        let reviews = api.reviews();
        assert_eq!(reviews.len(), 1, "{answer}");
        let asked = reviews[0]["messages"][0]["content"].as_str().unwrap();
        assert!(
            asked.contains(PROMPT),
            "the session's request reaches the reviewer: {asked}"
        );
        let audit =
            std::fs::read_to_string(home.path().join(".mstro/logs/bouncer-audit.jsonl")).unwrap();
        let record: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
        assert_eq!(record["source"], "mcp");
        assert_eq!(record["layer"], "ai");
        assert_eq!(record["session"], "e2e-session");
        assert_eq!(record["outcome"], answer);
    }
}

/// The REPL hook with a reviewer configured: the reviewer allows a `chmod -R 777` the
/// rules sent to review, and the person's request it sees is read from Claude Code's
/// transcript. (Not the profile edit: Claude Code refuses edits to shell profiles on its
/// own, whatever a hook says.)
#[test]
fn the_hook_asks_the_reviewer_with_the_request_from_the_transcript() {
    require!(claude::executable());
    let (home, project) = setup();
    common::install_hook(home.path(), "Bash");
    let api = FakeApi::with_reviewer(conversation(&["chmod -R 777 ."]), |_| review("allow", 95));
    let run = claude::Run {
        home: home.path(),
        cwd: &project,
        api_url: api.url(),
        args: vec![
            "--output-format".into(),
            "json".into(),
            "--max-turns".into(),
            "4".into(),
        ],
        prompt: PROMPT,
        timeout: Duration::from_secs(180),
    };
    let out = run
        .output()
        .unwrap_or_else(|e| panic!("claude failed: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reviews = api.reviews();
    assert_eq!(
        reviews.len(),
        1,
        "the hook asked the reviewer once: {stdout}"
    );
    let asked = reviews[0]["messages"][0]["content"].as_str().unwrap();
    assert!(
        asked.contains(PROMPT),
        "the transcript's request reaches the reviewer: {asked}\ntranscripts: {}",
        transcripts(home.path())
    );
    assert!(asked.contains("chmod -R 777"), "{asked}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let marker = project.join("marker-mstro-e2e.txt");
        let mode = std::fs::metadata(marker).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o777, "the reviewed call ran: {stdout}");
    }
}

/// Claude Code's transcripts under a home, for failure messages.
fn transcripts(home: &Path) -> String {
    let mut out = String::new();
    let Ok(projects) = std::fs::read_dir(home.join(".claude/projects")) else {
        return "(none)".into();
    };
    for project in projects.flatten() {
        for file in std::fs::read_dir(project.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push_str(&format!("{}:\n", file.path().display()));
            out.push_str(&std::fs::read_to_string(file.path()).unwrap_or_default());
        }
    }
    out
}
