//! `mstro-bouncer mcp` speaking MCP on stdio, and the audit log under many concurrent
//! writers: 16 permission-tool processes making 200 decisions each must leave exactly
//! 3 200 well-formed lines.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use mstro_tests::binaries;
use serde_json::{Value, json};

fn call(id: usize, command: &str) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "approval_prompt",
        "arguments": {"tool_name": "Bash", "input": {"command": command, "description": "d"}, "tool_use_id": format!("toolu_{id}")}}})
    .to_string()
}

/// Start a server, initialise it, send `requests`, and return the responses by id.
fn session(home: &std::path::Path, requests: &[String]) -> Vec<Value> {
    let mut child = Command::new(binaries::mstro_bouncer())
        .args(["mcp", "--session-id", "s", "--ai", "off", "--cwd"])
        .arg(home)
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let init = json!({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {"protocolVersion": "2025-11-25",
        "capabilities": {"roots": {}, "elicitation": {}}, "clientInfo": {"name": "claude-code", "version": "2.1.197"}}});
    writeln!(stdin, "{init}").unwrap();
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
    )
    .unwrap();
    for r in requests {
        writeln!(stdin, "{r}").unwrap();
    }
    let mut responses = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while responses.len() < requests.len() + 1 {
        let line = lines.next().expect("a response").unwrap();
        responses.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    responses.retain(|r| r["id"] != "init");
    responses.sort_by_key(|r| r["id"].as_u64());
    responses
}

/// The decision inside a `tools/call` result: exactly one text block of JSON.
fn decision(response: &Value) -> Value {
    let content = response["result"]["content"]
        .as_array()
        .expect("a tool result");
    assert_eq!(content.len(), 1, "{response}");
    assert_eq!(content[0]["type"], "text");
    serde_json::from_str(content[0]["text"].as_str().unwrap()).unwrap()
}

#[test]
fn the_permission_tool_answers_the_documented_contract() {
    let home = tempfile::tempdir().unwrap();
    let malformed = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "approval_prompt",
        "arguments": {"tool_name": "Bash", "input": "rm -rf /"}}})
    .to_string();
    let list = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}).to_string();
    let r = session(
        home.path(),
        &[call(1, "git status"), call(2, "rm -rf ~"), malformed, list],
    );
    let allow = decision(&r[0]);
    assert_eq!(allow["behavior"], "allow");
    assert_eq!(allow["updatedInput"]["command"], "git status", "{allow}");
    let deny = decision(&r[1]);
    assert_eq!(deny["behavior"], "deny");
    assert!(
        deny["message"]
            .as_str()
            .unwrap()
            .contains("filesystem.rm-root-or-home")
    );
    assert_eq!(
        decision(&r[2])["behavior"],
        "deny",
        "malformed input is denied, not errored"
    );
    let tools = r[3]["result"]["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0]["name"], "approval_prompt");
    assert_eq!(
        tools[0]["inputSchema"]["required"],
        json!(["tool_name", "input"])
    );
}

#[test]
fn concurrent_writers_leave_every_line_whole() {
    const PROCESSES: usize = 16;
    const DECISIONS: usize = 200;
    let home = tempfile::tempdir().unwrap();
    let commands = ["git status", "rm -rf ~", "cargo build", "chmod -R 777 ."];
    let handles: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let home = home.path().to_owned();
            std::thread::spawn(move || {
                let requests: Vec<String> = (0..DECISIONS)
                    .map(|i| call(i, &format!("{} # p{p} i{i}", commands[i % commands.len()])))
                    .collect();
                assert_eq!(session(&home, &requests).len(), DECISIONS);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let log = std::fs::read_to_string(home.path().join(".mstro/logs/bouncer-audit.jsonl")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), PROCESSES * DECISIONS);
    let mut seen = std::collections::HashSet::new();
    for line in lines {
        let r: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("torn line ({e}): {line}"));
        assert_eq!(r["source"], "mcp");
        assert!(
            seen.insert(r["operation"].as_str().unwrap().to_owned()),
            "duplicate: {line}"
        );
    }
}
