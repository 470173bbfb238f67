//! The `check` contract that external evaluation harnesses rely on: one output line per
//! input line, in order, with exactly these fields; and the exit codes.

use crate::common;

use std::process::Output;

fn check(args: &[&str], stdin: &str) -> Output {
    common::pipe(
        common::bouncer(["check"])
            .args(args)
            .current_dir(std::env::temp_dir()),
        stdin.as_bytes(),
    )
}

const FIELDS: [&str; 7] = [
    "decision",
    "basis",
    "rule_ids",
    "reason",
    "severity",
    "span",
    "latency_us",
];

fn lines(out: &Output) -> Vec<serde_json::Map<String, serde_json::Value>> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| match serde_json::from_str(l) {
            Ok(serde_json::Value::Object(m)) => m,
            other => panic!("every output line is a JSON object: {l:?} ({other:?})"),
        })
        .collect()
}

#[test]
fn jsonl_gives_one_line_per_input_line_in_order() {
    let input = [
        r#"{"command": "rm -rf ~"}"#,
        r#"{"tool_name": "Read", "tool_input": {"file_path": "/home/dev/.ssh/id_rsa"}, "cwd": "/home/dev/project"}"#,
        r#"{"command": "#,
        "",
        r#"{"command": "git status", "expect": "allow", "id": 7}"#,
        r#"{"neither": true}"#,
        r#"{"tool_name": "Bash", "tool_input": {}}"#,
        r#"{"command": "ls -la", "cwd": "/home/dev/project"}"#,
    ]
    .join("\n");
    let out = check(&["--jsonl", "-"], &input);
    let got = lines(&out);
    assert_eq!(
        got.len(),
        8,
        "one output line per input line:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let decisions: Vec<Option<&str>> = got
        .iter()
        .map(|m| m.get("decision").and_then(|d| d.as_str()))
        .collect();
    assert_eq!(
        decisions,
        vec![
            Some("deny"),
            Some("review"),
            None,
            None,
            Some("allow"),
            None,
            None,
            Some("allow")
        ]
    );
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    for (i, (m, text)) in got.iter().zip(raw.lines()).enumerate() {
        if m.contains_key("error") {
            assert_eq!(
                m.keys().collect::<Vec<_>>(),
                vec!["error"],
                "line {i}: an error line has only `error`"
            );
            assert!(!m["error"].as_str().unwrap_or("").is_empty());
        } else {
            let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
            keys.sort_by_key(|k| text.find(&format!("\"{k}\":")));
            assert_eq!(
                keys, FIELDS,
                "line {i}: exactly the contract's fields, in this order: {text}"
            );
        }
    }
    // Field values.
    let deny = &got[0];
    assert_eq!(deny["basis"], "rule");
    assert_eq!(
        deny["rule_ids"],
        serde_json::json!(["filesystem.rm-root-or-home"])
    );
    assert_eq!(deny["severity"], "critical");
    assert_eq!(deny["span"], serde_json::json!([0, 8]));
    assert!(deny["latency_us"].as_u64().is_some());
    assert_eq!(got[4]["basis"], "rule", "git status is vouched for");
    assert_eq!(
        got[7]["rule_ids"],
        serde_json::json!(["safe.read-only-commands"])
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "bad request lines are input errors"
    );
}

#[test]
fn exit_codes_follow_fail_on() {
    let good_deny = "{\"command\": \"rm -rf ~\"}\n{\"command\": \"ls\"}\n";
    assert_eq!(
        check(&["--jsonl", "-"], good_deny).status.code(),
        Some(1),
        "a deny fails by default"
    );
    assert_eq!(
        check(&["--jsonl", "-", "--fail-on", "never"], good_deny)
            .status
            .code(),
        Some(0)
    );
    let review = "{\"command\": \"git reset --hard\"}\n";
    assert_eq!(
        check(&["--jsonl", "-"], review).status.code(),
        Some(0),
        "review passes under --fail-on deny"
    );
    assert_eq!(
        check(&["--jsonl", "-", "--fail-on", "review"], review)
            .status
            .code(),
        Some(1)
    );
    assert_eq!(check(&["ls -la", "git status"], "").status.code(), Some(0));
    assert_eq!(check(&["rm -rf /"], "").status.code(), Some(1));
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(check(&[], "").status.code(), Some(2), "nothing to check");
    assert_eq!(
        check(&["ls", "--jsonl", "-"], "").status.code(),
        Some(2),
        "both arguments and --jsonl"
    );
    assert_eq!(
        check(&["--jsonl", "/nonexistent/file.jsonl"], "")
            .status
            .code(),
        Some(2)
    );
    assert_eq!(check(&["--format", "xml", "ls"], "").status.code(), Some(2));
}

#[test]
fn deploy_mode_reports_unvouched_allows_as_review() {
    let out = check(
        &["--jsonl", "-", "--mode", "deploy", "--fail-on", "never"],
        "{\"command\": \"frobnicate\"}\n{\"command\": \"git status\"}\n",
    );
    let got = lines(&out);
    assert_eq!(got[0]["decision"], "review");
    assert_eq!(got[0]["basis"], "default");
    assert_eq!(got[1]["decision"], "allow");
}

#[test]
fn text_output_names_the_rule_and_the_safer_way() {
    let out = check(&["rm -rf ~"], "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("DENY\trm -rf ~\n"), "{text}");
    assert!(text.contains("[filesystem.rm-root-or-home]"), "{text}");
    assert!(text.contains("safer: "), "{text}");
}

#[test]
fn tool_flag_checks_other_tools() {
    let out = check(
        &[
            "--tool",
            "Read",
            "--format",
            "jsonl",
            "--fail-on",
            "never",
            "/home/dev/.aws/credentials",
        ],
        "",
    );
    let got = lines(&out);
    assert_eq!(got[0]["decision"], "review");
    assert_eq!(got[0]["rule_ids"], serde_json::json!(["secrets.read-tool"]));
}
