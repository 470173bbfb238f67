//! `mstro-bouncer audit`: the table (a header, a source column naming the consumer,
//! its mode and the person who decided, rows that fit the width with the operation
//! cut), `--format json` (the records themselves, one a line), and the deprecated
//! `--json` that still works.

use std::path::Path;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::common;

/// A home whose audit log holds decisions the hook really made, and one a person made
/// in a `mstro` session (which needs a browser to make for real, so it is written).
fn home_with_decisions() -> TempDir {
    let home = TempDir::new().unwrap();
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    let long = format!("echo {}", "word ".repeat(60));
    for command in ["git status", "rm -rf ~", long.as_str()] {
        hook(home.path(), &project, command);
    }
    let person = json!({
        "time": "2026-11-21T09:01:00.123456Z",
        "source": "mcp",
        "session": "s2",
        "cwd": project,
        "tool": "Bash",
        "operation": "git push origin main\u{1b}[2J",
        "verdict": "review",
        "outcome": "allow",
        "layer": "person",
        "rule_ids": ["git.push"],
        "reason": "approved",
        "confidence": null,
        "decided_by": "ana",
        "latency_us": 5000000,
        "mode": "headless",
    });
    let log = home.path().join(".mstro/logs/bouncer-audit.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(&format!("{person}\n"));
    std::fs::write(&log, text).unwrap();
    home
}

fn hook(home: &Path, cwd: &Path, command: &str) {
    let event = json!({
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "cwd": cwd,
        "session_id": "s1",
    });
    let out = common::pipe(
        common::bouncer(["hook"]).current_dir(cwd).env("HOME", home),
        event.to_string().as_bytes(),
    );
    assert!(out.status.success());
}

fn audit(home: &Path, args: &[&str], columns: Option<&str>) -> (String, String) {
    let mut command = common::bouncer(["audit"]);
    command.args(args).env("HOME", home);
    match columns {
        Some(c) => command.env("COLUMNS", c),
        None => command.env_remove("COLUMNS"),
    };
    let out = command.output().expect("run mstro-bouncer audit");
    assert!(
        out.status.success(),
        "audit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn records(home: &Path) -> Vec<Value> {
    std::fs::read_to_string(home.join(".mstro/logs/bouncer-audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_table_has_a_header_a_source_column_and_fits_the_width() {
    let home = home_with_decisions();
    let (out, _) = audit(home.path(), &["--tail", "4"], None);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "a header and four rows:\n{out}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "TIME",
            "VERDICT",
            "OUTCOME",
            "LAYER",
            "SOURCE",
            "TOOL",
            "OPERATION"
        ]
    );
    for line in &lines {
        assert!(
            line.chars().count() <= 100,
            "{} characters: {line}",
            line.chars().count()
        );
    }
    // Every column starts where its header does.
    let source_at = lines[0].find("SOURCE").unwrap();
    let operation_at = lines[0].find("OPERATION").unwrap();
    let column = |line: &str, at: usize| -> String { line.chars().skip(at).collect() };
    assert!(
        column(lines[1], source_at).starts_with("hook/repl "),
        "{out}"
    );
    assert!(
        column(lines[1], operation_at).starts_with("git status"),
        "{out}"
    );
    assert!(
        column(lines[2], operation_at).starts_with("rm -rf ~ ["),
        "{out}"
    );
    let long = column(lines[3], operation_at);
    assert!(long.starts_with("echo word word"), "{out}");
    assert!(long.ends_with('…'), "a long operation is cut: {out}");
    let person = lines[4];
    assert!(
        column(person, source_at).starts_with("mcp/headless by ana "),
        "who decided: {out}"
    );
    assert!(person.contains(" person "), "{out}");
    assert!(
        !person.contains('\u{1b}'),
        "an escape sequence from the log never reaches the terminal: {person:?}"
    );

    // Columns fit what they show: without the person's name the operation has room
    // for the rule that decided.
    let (denied, _) = audit(home.path(), &["--decision", "deny"], None);
    let row = denied.lines().nth(1).unwrap();
    assert!(
        row.ends_with(" hook/repl Bash rm -rf ~ [filesystem.rm-root-or-home]"),
        "{denied}"
    );

    // A wider terminal gets whole operations.
    let (wide, _) = audit(home.path(), &["--tail", "2"], Some("400"));
    assert!(
        wide.contains(&format!("echo {}", "word ".repeat(59).trim_end())),
        "{wide}"
    );
}

#[test]
fn format_json_prints_the_records_one_a_line_as_json_did() {
    let home = home_with_decisions();
    let all = records(home.path());
    let (out, err) = audit(home.path(), &["--tail", "3", "--format", "json"], None);
    let printed: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        printed,
        all[all.len() - 3..],
        "the last three records, as logged"
    );
    assert_eq!(err, "");

    let (old, err) = audit(home.path(), &["--tail", "3", "--json"], None);
    assert_eq!(old, out, "--json still prints the same");
    assert!(
        err.contains("deprecated") && err.contains("--format json"),
        "{err}"
    );

    let (filtered, _) = audit(
        home.path(),
        &["--format", "json", "--decision", "deny"],
        None,
    );
    let denied: Vec<Value> = filtered
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["operation"], "rm -rf ~");

    let (stats, _) = audit(home.path(), &["--stats", "--format", "json"], None);
    let stats: Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(stats["decisions"], all.len());
}

#[test]
fn json_and_format_together_is_a_usage_error() {
    let home = home_with_decisions();
    let out = common::bouncer(["audit", "--json", "--format", "text"])
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
