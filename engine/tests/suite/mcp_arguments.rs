//! Arguments of MCP calls the engine has no model for are judged by what they carry
//! (issue 14, point 6): a path as a read (a write, for a tool whose name says it
//! writes), a URL as a fetch, a command as shell, SQL as a database client runs it.
//! The strictest counts, and an argument never makes a call more allowed than it was.

use mstro_engine::{Basis, Engine, Judgement, Mode, PathEnv, ToolCall, Verdict};
use serde_json::{Value, json};

fn judge(tool: &str, input: Value) -> Judgement {
    let engine = Engine::builtin().expect("built-in packs load");
    let call = ToolCall {
        tool_name: tool.into(),
        tool_input: input,
        cwd: Some("/home/dev/project".into()),
    };
    engine
        .judge(&call, &PathEnv::fixture(), Mode::Repl)
        .unwrap()
        .judgement
}

const SECRETS: &[&str] = &[
    "~/.ssh/id_rsa",
    "/home/dev/.aws/credentials",
    "/home/dev/project/.env",
    "$HOME/.netrc",
    "/home/dev/.config/gh/hosts.yml",
    "/home/dev/.kube/config",
    "/etc/shadow",
];

/// Shapes real servers use, with `{}` for the path.
fn reads(path: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("mcp__filesystem__read_file", json!({"path": path})),
        (
            "mcp__filesystem__read_text_file",
            json!({"path": path, "head": 10}),
        ),
        (
            "mcp__filesystem__read_multiple_files",
            json!({"paths": ["/home/dev/project/README.md", path]}),
        ),
        ("mcp__files__get", json!({"target": {"file": path}})),
        ("mcp__anything__do", json!({"args": [path]})),
    ]
}

#[test]
fn a_server_reading_a_secret_is_a_secret_read() {
    for secret in SECRETS {
        let direct = judge("Read", json!({"file_path": secret}));
        assert!(direct.verdict >= Verdict::Review, "{secret}: {direct:?}");
        for (tool, input) in reads(secret) {
            let j = judge(tool, input.clone());
            assert!(
                j.verdict >= direct.verdict,
                "{tool} {input}: {j:?}, a Read is {direct:?}"
            );
            assert!(j.reason.contains("argument"), "{}", j.reason);
        }
    }
}

#[test]
fn a_server_writing_a_protected_file_is_that_write() {
    for (path, at_least) in [
        ("/home/dev/.mstro/bouncer.yaml", Verdict::Deny),
        ("/home/dev/.claude/settings.json", Verdict::Deny),
        ("/home/dev/.bashrc", Verdict::Review),
        ("/home/dev/.ssh/authorized_keys", Verdict::Review),
        ("/home/dev/project/.git/hooks/pre-commit", Verdict::Review),
    ] {
        for tool in [
            "mcp__filesystem__write_file",
            "mcp__filesystem__edit_file",
            "mcp__fs__create_file",
            "mcp__fs__delete",
        ] {
            let j = judge(tool, json!({"path": path, "content": "x"}));
            assert!(j.verdict >= at_least, "{tool} {path}: {j:?}");
        }
        let moved = judge(
            "mcp__filesystem__move_file",
            json!({"source": "/tmp/x", "destination": path}),
        );
        assert!(moved.verdict >= at_least, "move to {path}: {moved:?}");
    }
}

#[test]
fn urls_commands_and_sql_are_judged_as_what_they_are() {
    let fetch = judge(
        "mcp__fetch__fetch",
        json!({"url": "http://169.254.169.254/latest/meta-data/iam/security-credentials/"}),
    );
    assert_eq!(fetch.verdict, Verdict::Review, "{fetch:?}");
    let shell = judge(
        "mcp__runner__exec",
        json!({"options": {"script": "rm -rf ~"}}),
    );
    assert_eq!(shell.verdict, Verdict::Deny, "{shell:?}");
    let psql = judge("Bash", json!({"command": "psql -c 'DROP TABLE users'"}));
    assert!(psql.verdict >= Verdict::Review);
    for (tool, input) in [
        ("mcp__postgres__query", json!({"sql": "DROP TABLE users"})),
        (
            "mcp__supabase__execute_sql",
            json!({"query": "drop table users;"}),
        ),
        ("mcp__db__run", json!({"statement": "DELETE FROM users;"})),
    ] {
        let j = judge(tool, input.clone());
        assert_eq!(j.verdict, psql.verdict, "{tool} {input}: {j:?}");
    }
}

#[test]
fn ordinary_arguments_change_nothing() {
    for (tool, input) in [
        (
            "mcp__filesystem__read_file",
            json!({"path": "/home/dev/project/src/main.rs"}),
        ),
        (
            "mcp__filesystem__write_file",
            json!({"path": "src/new.rs", "content": "fn f() {}\n"}),
        ),
        ("mcp__fetch__fetch", json!({"url": "https://docs.rs/serde"})),
        (
            "mcp__playwright__browser_navigate",
            json!({"url": "http://localhost:3000/login"}),
        ),
        (
            "mcp__postgres__query",
            json!({"sql": "SELECT * FROM users"}),
        ),
        (
            "mcp__search__web",
            json!({"query": "how to drop table users in postgres"}),
        ),
        (
            "mcp__github__create_issue",
            json!({"title": "Fix the /login page", "body": "see /docs and ~ for more"}),
        ),
        (
            "mcp__runner__exec",
            json!({"options": {"script": "ls -la"}}),
        ),
    ] {
        let j = judge(tool, input.clone());
        assert_eq!(j.verdict, Verdict::Allow, "{tool} {input}: {j:?}");
        // An argument no rule minds does not vouch for a server the engine does not know.
        assert_eq!(j.basis, Basis::Default, "{tool} {input}: {j:?}");
    }
}

#[test]
fn a_large_input_is_bounded_and_a_secret_anywhere_in_it_still_counts() {
    let mut files: Vec<Value> = (0..5000)
        .map(|i| json!({"path": format!("/home/dev/project/src/f{i}.rs")}))
        .collect();
    let benign = judge("mcp__fs__read_many", json!({"files": files.clone()}));
    assert_eq!(benign.verdict, Verdict::Allow, "{benign:?}");
    files.push(json!({"note": "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"}));
    let leaked = judge("mcp__fs__read_many", json!({"files": files}));
    assert_eq!(leaked.verdict, Verdict::Deny, "{leaked:?}");
    // Deeply nested input is walked without recursion.
    let mut deep = json!({"path": "/home/dev/.ssh/id_rsa"});
    for _ in 0..500 {
        deep = json!({"inner": deep});
    }
    // serde_json's own limit refuses such input from a hook; built in memory it is fine.
    let j = judge("mcp__fs__read", deep);
    assert!(j.verdict >= Verdict::Review, "{j:?}");
}
