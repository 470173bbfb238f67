//! `explain` shows the invocations, resolved paths, candidate rules and why each one
//! fired or not.

use mstro_engine::{Engine, Mode, PathEnv, ToolCall};

#[test]
fn explains_invocations_paths_and_candidates() {
    let engine = Engine::builtin().unwrap();
    let call = ToolCall::bash("sudo env -i A=1 timeout 5 rm -rf ../.. && git status")
        .with_cwd("/home/dev/project");
    let e = engine
        .explain(&call, &PathEnv::fixture(), Mode::Repl)
        .unwrap();
    assert_eq!(e.judgement.verdict, mstro_engine::Verdict::Deny);
    let rm = &e.invocations[0];
    assert_eq!(rm.program, "rm");
    assert_eq!(rm.wrappers, vec!["sudo", "env", "timeout"]);
    assert_eq!(rm.operands[0].resolved.as_deref(), Some("/home"));
    assert!(rm.operands[0].classes.contains(&"system-root"));
    let fired: Vec<&str> = rm
        .candidates
        .iter()
        .filter(|c| c.fired)
        .map(|c| &*c.rule)
        .collect();
    assert!(
        fired.contains(&"filesystem.rm-root-or-home") && fired.contains(&"privilege.escalation"),
        "{fired:?}"
    );
    let not_fired = rm
        .candidates
        .iter()
        .find(|c| &*c.rule == "filesystem.rm-build-artifacts")
        .expect("a candidate that did not fire");
    assert_eq!(not_fired.why_not.as_deref(), Some("operands"));
    assert!(rm.gated_out > 10, "most rules never reach the invocation");
    assert_eq!(e.invocations[1].program, "git");
    assert!(e.timings_us.total >= e.timings_us.model);
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["judgement"]["verdict"], "deny");
}
