//! Protected names are matched in any case: on a case-insensitive filesystem (macOS's
//! default) `~/.SSH/ID_RSA` is the key and `.ENV` the environment file (issue 14,
//! point 9). Every protected path is tried in generated spellings; ordinary names
//! that only resemble protected ones stay allowed.

use mstro_engine::{Engine, Mode, PathEnv, ToolCall, Verdict};
use serde_json::json;

fn engine() -> Engine {
    Engine::builtin().expect("built-in packs load")
}

/// Protected paths of the fixture home (`/home/dev`), each with the tool call that
/// touches it.
const PROTECTED: &[(&str, &str)] = &[
    ("Read", "/home/dev/project/.env"),
    ("Read", "/home/dev/project/.env.production"),
    ("Read", "/home/dev/.ssh/id_rsa"),
    ("Read", "/home/dev/.ssh/id_ed25519"),
    ("Read", "/home/dev/.aws/credentials"),
    ("Read", "/home/dev/.netrc"),
    ("Read", "/home/dev/.docker/config.json"),
    ("Read", "/home/dev/.kube/config"),
    ("Read", "/home/dev/.bash_history"),
    ("Read", "/home/dev/project/certs/server.pem"),
    (
        "Read",
        "/home/dev/.config/gcloud/application_default_credentials.json",
    ),
    ("Write", "/home/dev/.bashrc"),
    ("Write", "/home/dev/.zshrc"),
    ("Write", "/home/dev/.ssh/authorized_keys"),
    ("Write", "/home/dev/project/.git/hooks/pre-commit"),
    ("Write", "/home/dev/.claude/settings.json"),
    ("Write", "/home/dev/project/.claude/settings.local.json"),
    ("Write", "/home/dev/project/.mcp.json"),
    ("Write", "/home/dev/.mstro/bouncer.yaml"),
    ("Write", "/home/dev/project/.mstro/rules/team.yaml"),
    ("Write", "/home/dev/.cargo/bin/mstro-bouncer"),
];

/// `text` with the case of its letters after `from` flipped by a small generator.
fn recase(text: &str, from: usize, seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    text.char_indices()
        .map(|(i, c)| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i < from || x & 1 == 0 {
                c
            } else if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

fn fixture_call(tool: &str, path: &str) -> ToolCall {
    let input = match tool {
        "Read" => json!({"file_path": path}),
        _ => json!({"file_path": path, "content": "x"}),
    };
    ToolCall {
        tool_name: tool.into(),
        tool_input: input,
        cwd: Some("/home/dev/project".into()),
    }
}

#[test]
fn every_protected_name_in_any_case_is_judged_as_itself() {
    let engine = engine();
    let env = PathEnv::fixture();
    let judge = |c: ToolCall| engine.judge(&c, &env, Mode::Repl).unwrap().judgement;
    let home = "/home/dev/".len();
    for (tool, path) in PROTECTED {
        let exact = judge(fixture_call(tool, path));
        assert!(exact.verdict >= Verdict::Review, "{tool} {path}: {exact:?}");
        let upper = format!("{}{}", &path[..home], path[home..].to_ascii_uppercase());
        for (i, variant) in (0..12)
            .map(|seed| recase(path, home, seed))
            .chain([upper])
            .enumerate()
        {
            let j = judge(fixture_call(tool, &variant));
            assert!(
                j.verdict >= exact.verdict,
                "{tool} {variant} (variant {i}) is {:?}, {path} is {:?}",
                j.verdict,
                exact.verdict
            );
        }
    }
}

#[test]
fn the_examples_from_the_issue() {
    let engine = engine();
    let env = PathEnv::fixture();
    let judge = |c: ToolCall| {
        engine
            .judge(&c, &env, Mode::Repl)
            .unwrap()
            .judgement
            .verdict
    };
    assert_eq!(
        judge(fixture_call("Read", "/home/dev/project/.ENV")),
        Verdict::Review
    );
    assert_eq!(
        judge(fixture_call("Read", "/home/dev/.SSH/ID_RSA")),
        Verdict::Review
    );
    assert_eq!(
        judge(fixture_call("Write", "/home/dev/.CLAUDE/Settings.json")),
        Verdict::Deny,
        "settings without the hook, by another spelling"
    );
    // Ordinary names that only resemble protected ones in another case stay allowed.
    for benign in [
        "/home/dev/project/src/Env.rs",
        "/home/dev/project/README.md",
        "/home/dev/project/docs/SSH.md",
        "/home/dev/project/Keys.txt",
    ] {
        assert_eq!(
            judge(fixture_call("Read", benign)),
            Verdict::Allow,
            "{benign}"
        );
    }
    assert_eq!(
        judge(fixture_call("Write", "/home/dev/project/src/Config.rs")),
        Verdict::Allow
    );
}
