//! The AI review path of `mstro-bouncer hook`, as real processes against a fake
//! Messages API on loopback that scripts the reviewer: every row of the policy table
//! in every mode, the retry, the cache, and that no reviewer failure ever allows.

use crate::common;

use std::path::Path;
use std::time::Duration;

use mstro_tests::fake_api::{FakeApi, Reply, review, review_text};
use serde_json::{Value, json};

/// A command the rules send to review (a shell profile edit).
const AMBIGUOUS: &str = "echo 'export X=1' >> ~/.bashrc";
const MODES: [&str; 3] = ["repl", "headless", "deploy"];

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(reviewer_yaml: &str) -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".mstro")).unwrap();
        std::fs::create_dir_all(dir.path().join("project")).unwrap();
        std::fs::write(dir.path().join(".mstro/bouncer.yaml"), reviewer_yaml).unwrap();
        Home { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Run the hook on one Bash command; returns (permissionDecision, reason).
    fn hook(
        &self,
        api: Option<&str>,
        mode: &str,
        session: &str,
        command: &str,
        extra: &[&str],
    ) -> (String, String) {
        let event = json!({
            "session_id": session,
            "transcript_path": self.path().join("transcript.jsonl"),
            "cwd": self.path().join("project"),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command},
        });
        let mut cmd = common::bouncer(["hook", "--mode", mode]);
        cmd.args(extra)
            .env_clear()
            .env("HOME", self.path())
            .env("PATH", "/usr/bin:/bin");
        if let Some(url) = api {
            cmd.env("ANTHROPIC_BASE_URL", url)
                .env("ANTHROPIC_API_KEY", "sk-ant-test");
        }
        let out = common::pipe(&mut cmd, event.to_string().as_bytes());
        assert!(out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout);
        let v: Value =
            serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        let o = &v["hookSpecificOutput"];
        (
            o["permissionDecision"].as_str().unwrap().to_owned(),
            o["permissionDecisionReason"].as_str().unwrap().to_owned(),
        )
    }

    fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.path().join(".mstro/logs/bouncer-audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

const FAST: &str = "reviewer:\n  provider: anthropic\n  timeout_seconds: 1\n";

/// Each scripted reviewer answer, in each mode: the outcome, the layer, and how many
/// requests reached the fake (2 = the one retry).
#[test]
fn every_reviewer_answer_in_every_mode() {
    type Case = (
        &'static str,
        fn() -> Reply,
        [&'static str; 3],
        &'static str,
        usize,
    );
    let failure = ["ask", "deny", "deny"];
    let cases: [Case; 9] = [
        ("allow", || review("allow", 90), ["allow"; 3], "ai", 1),
        ("deny", || review("deny", 90), ["deny"; 3], "ai", 1),
        (
            "low-confidence allow",
            || review("allow", 40),
            failure,
            "ai-error",
            1,
        ),
        (
            "prose",
            || review_text("It looks fine to me, go ahead."),
            failure,
            "ai-error",
            1,
        ),
        (
            "wrong JSON",
            || {
                review_text(
                    r#"{"decision":"maybe","confidence":90,"reasoning":"x","threat_level":"low"}"#,
                )
            },
            failure,
            "ai-error",
            1,
        ),
        (
            "extra key",
            || {
                review_text(
                    r#"{"decision":"allow","confidence":90,"reasoning":"x","threat_level":"low","note":1}"#,
                )
            },
            failure,
            "ai-error",
            1,
        ),
        (
            "500",
            || Reply::Error {
                status: 500,
                kind: "api_error".into(),
                message: "boom".into(),
            },
            failure,
            "ai-error",
            2,
        ),
        (
            "529",
            || Reply::Error {
                status: 529,
                kind: "overloaded_error".into(),
                message: "busy".into(),
            },
            failure,
            "ai-error",
            2,
        ),
        (
            "slow",
            || Reply::Slow(Duration::from_secs(3), Box::new(review("allow", 99))),
            failure,
            "ai-error",
            2,
        ),
    ];
    for (name, reply, expected, layer, requests) in cases {
        let api = FakeApi::with_reviewer(|_| Reply::Text("unused".into()), move |_| reply());
        let home = Home::new(FAST);
        for (i, (mode, want)) in MODES.iter().zip(expected).enumerate() {
            let (decision, reason) = home.hook(
                Some(api.url()),
                mode,
                &format!("s-{name}-{mode}"),
                AMBIGUOUS,
                &[],
            );
            assert_eq!(decision, want, "{name} in {mode}: {reason}");
            assert_eq!(
                api.reviews().len(),
                requests * (i + 1),
                "{name} in {mode}: requests to the reviewer"
            );
            if want != "allow" && name != "deny" {
                assert!(
                    reason.contains("reviewer"),
                    "{name} in {mode}: the reason says the reviewer failed: {reason}"
                );
            }
        }
        let audit = home.audit();
        assert_eq!(audit.len(), 3, "{name}");
        for record in audit {
            assert_eq!(record["layer"], layer, "{name}: {record}");
            assert_eq!(record["verdict"], "review");
            assert_eq!(record["rule_ids"][0], "system.shell-profile");
        }
    }
}

#[test]
fn the_reviewer_sees_the_rules_the_operation_and_the_persons_request() {
    let api = FakeApi::with_reviewer(|_| Reply::Text("unused".into()), |_| review("deny", 95));
    let home = Home::new(FAST);
    let transcript = [
        json!({"type": "user", "message": {"role": "user", "content": "set up my shell so X is always exported"}}),
        json!({"type": "assistant", "message": {"role": "assistant", "content": [{"type": "text", "text": "Sure."}]}}),
    ];
    let text: Vec<String> = transcript.iter().map(Value::to_string).collect();
    std::fs::write(home.path().join("transcript.jsonl"), text.join("\n")).unwrap();
    let (decision, reason) = home.hook(Some(api.url()), "repl", "s1", AMBIGUOUS, &[]);
    assert_eq!(decision, "deny");
    assert!(reason.contains("scripted deny"), "{reason}");
    let request = &api.reviews()[0];
    let user = request["messages"][0]["content"].as_str().unwrap();
    for expected in [
        AMBIGUOUS,
        "system.shell-profile",
        "set up my shell so X is always exported",
        "field=\"operation\"",
    ] {
        assert!(user.contains(expected), "{expected:?} missing from {user}");
    }
    assert_eq!(request["model"], "claude-haiku-4-5");
    assert_eq!(request["temperature"], 0);
}

#[test]
fn a_cached_decision_is_reused_within_a_session_only() {
    let api = FakeApi::with_reviewer(|_| Reply::Text("unused".into()), |_| review("allow", 90));
    let home = Home::new(FAST);
    assert_eq!(
        home.hook(Some(api.url()), "headless", "s1", AMBIGUOUS, &[])
            .0,
        "allow"
    );
    let (decision, reason) = home.hook(Some(api.url()), "headless", "s1", AMBIGUOUS, &[]);
    assert_eq!(decision, "allow");
    assert!(reason.contains("remembered"), "{reason}");
    assert_eq!(
        api.reviews().len(),
        1,
        "the second identical call must not reach the reviewer"
    );
    home.hook(Some(api.url()), "headless", "s2", AMBIGUOUS, &[]);
    assert_eq!(api.reviews().len(), 2, "another session is reviewed afresh");
    let layers: Vec<Value> = home.audit().iter().map(|r| r["layer"].clone()).collect();
    assert_eq!(layers, [json!("ai"), json!("cache"), json!("ai")]);
    #[cfg(unix)]
    for entry in std::fs::read_dir(home.path().join(".mstro/cache/reviews")).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let mode = entry.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn failures_and_denials_are_not_cached() {
    let api = FakeApi::with_reviewer(|_| Reply::Text("unused".into()), |_| review_text("no"));
    let home = Home::new(FAST);
    home.hook(Some(api.url()), "headless", "s1", AMBIGUOUS, &[]);
    home.hook(Some(api.url()), "headless", "s1", AMBIGUOUS, &[]);
    assert_eq!(api.reviews().len(), 2);
}

#[test]
fn rules_decide_without_the_reviewer() {
    let api = FakeApi::with_reviewer(|_| Reply::Text("unused".into()), |_| review("allow", 100));
    let home = Home::new(FAST);
    for mode in MODES {
        assert_eq!(
            home.hook(Some(api.url()), mode, "s", "rm -rf ~", &[]).0,
            "deny"
        );
        assert_eq!(
            home.hook(Some(api.url()), mode, "s", "git status", &[]).0,
            "allow"
        );
    }
    assert!(
        api.reviews().is_empty(),
        "the reviewer is asked only about review verdicts"
    );
}

/// With the reviewer unreachable, nothing a rule sent to review is allowed, in any mode
/// and whichever way the reviewer was chosen.
#[test]
fn an_unreachable_reviewer_never_allows() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    for config in [FAST, ""] {
        let home = Home::new(config);
        for (mode, want) in MODES.iter().zip(["ask", "deny", "deny"]) {
            for ai in ["auto", "on"] {
                let (decision, reason) =
                    home.hook(Some(&closed), mode, "s", AMBIGUOUS, &["--ai", ai]);
                assert_eq!(
                    decision, want,
                    "{mode} --ai {ai} config {config:?}: {reason}"
                );
            }
        }
        assert!(
            home.audit()
                .iter()
                .all(|r| r["layer"] == "ai-error" && r["outcome"] != "allow")
        );
    }
}

#[test]
fn without_a_reviewer_auto_falls_back_and_on_is_a_failure() {
    let home = Home::new("");
    let (decision, _) = home.hook(None, "repl", "s", AMBIGUOUS, &["--ai", "auto"]);
    assert_eq!(decision, "ask");
    let (decision, reason) = home.hook(None, "repl", "s", AMBIGUOUS, &["--ai", "on"]);
    assert_eq!(decision, "ask");
    assert!(reason.contains("no reviewer is configured"), "{reason}");
    let (decision, _) = home.hook(None, "headless", "s", AMBIGUOUS, &["--ai", "on"]);
    assert_eq!(decision, "deny");
    let layers: Vec<Value> = home.audit().iter().map(|r| r["layer"].clone()).collect();
    assert_eq!(
        layers,
        [json!("rule"), json!("ai-error"), json!("ai-error")]
    );
}
