//! Whatever arrives on stdin, the hook prints exactly one valid JSON decision and exits
//! 0 (Claude Code treats anything else as "no decision" and carries on: fail-open).

use crate::common;

use proptest::prelude::*;
use serde_json::{Value, json};

fn run_hook(stdin: &[u8]) -> (Option<i32>, String) {
    // The hook may stop reading early (a cap, a parse error): `pipe` allows for it.
    let out = common::pipe(
        common::bouncer(["hook"]).current_dir(env!("CARGO_MANIFEST_DIR")),
        stdin,
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn assert_one_decision(stdout: &str) -> Result<String, TestCaseError> {
    prop_assert!(stdout.ends_with('\n'), "one line: {stdout:?}");
    prop_assert_eq!(stdout.lines().count(), 1, "one line: {:?}", stdout);
    let v: Value = serde_json::from_str(stdout.trim_end())
        .map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {stdout:?}")))?;
    let out = &v["hookSpecificOutput"];
    prop_assert_eq!(&out["hookEventName"], "PreToolUse");
    let decision = out["permissionDecision"].as_str().unwrap_or("");
    prop_assert!(matches!(decision, "allow" | "deny" | "ask"), "{decision}");
    prop_assert!(
        out["permissionDecisionReason"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    Ok(decision.to_owned())
}

/// Tool inputs of every shape, well-formed or not.
fn tool_input() -> impl Strategy<Value = Value> {
    let text = ".{0,200}";
    prop_oneof![
        text.prop_map(|c| json!({"command": c})),
        (text, text).prop_map(|(p, c)| json!({"file_path": p, "content": c})),
        text.prop_map(|u| json!({"url": u, "prompt": "x"})),
        any::<i64>().prop_map(|n| json!({"command": n})),
        Just(json!(null)),
        Just(json!([])),
        text.prop_map(|s| json!(s)),
    ]
}

fn event() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![
            "Bash",
            "Write",
            "Edit",
            "Read",
            "WebFetch",
            "mcp__x__y",
            "Nope",
            "",
        ]),
        tool_input(),
        prop::option::of(".{0,40}"),
        prop::sample::select(vec![Some("PreToolUse"), None, Some("PostToolUse")]),
    )
        .prop_map(|(tool, input, cwd, name)| {
            let mut e = json!({"tool_name": tool, "tool_input": input, "session_id": "s"});
            if let Some(c) = cwd {
                e["cwd"] = c.into();
            }
            if let Some(n) = name {
                e["hook_event_name"] = n.into();
            }
            e
        })
}

proptest! {
    // Each case starts a process; 48 keep the suite fast.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_get_one_decision_and_exit_0(stdin in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let (code, stdout) = run_hook(&stdin);
        prop_assert_eq!(code, Some(0));
        let decision = assert_one_decision(&stdout)?;
        // Bytes that are not a PreToolUse event are never allowed.
        prop_assert_eq!(decision, "deny");
    }

    #[test]
    fn arbitrary_events_get_one_decision_and_exit_0(event in event()) {
        let (code, stdout) = run_hook(event.to_string().as_bytes());
        prop_assert_eq!(code, Some(0));
        let decision = assert_one_decision(&stdout)?;
        if event.get("hook_event_name").and_then(Value::as_str) == Some("PostToolUse") {
            prop_assert_eq!(decision, "deny");
        }
    }
}
