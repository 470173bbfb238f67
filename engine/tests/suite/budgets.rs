//! The engine's caps: each one, when hit, is a `review` whose rule id and reason name
//! the cap. Nothing is allowed because it was too big, too deep, too long or too slow.

use std::time::Duration;

use mstro_engine::shell::Limits;
use mstro_engine::{Engine, Mode, PathEnv, ToolCall, Verdict};

fn judge(engine: &Engine, command: &str) -> mstro_engine::Judgement {
    let call = ToolCall::bash(command).with_cwd("/home/dev/project");
    engine
        .judge(&call, &PathEnv::fixture(), Mode::Repl)
        .unwrap()
        .judgement
}

fn assert_capped(j: &mstro_engine::Judgement, rule: &str, words: &str) {
    assert_eq!(j.verdict, Verdict::Review, "{j:?}");
    assert!(
        j.rule_ids.iter().any(|r| &**r == rule),
        "{rule} in {:?}",
        j.rule_ids
    );
    assert!(j.reason.contains(words), "{words:?} in {}", j.reason);
}

#[test]
fn a_command_over_the_size_limit_is_reviewed() {
    let engine = Engine::builtin().unwrap();
    let big = format!("echo {}", "a".repeat(600 * 1024));
    assert_capped(
        &judge(&engine, &big),
        "budget.input-size",
        "larger than the bouncer reads",
    );
}

#[test]
fn nesting_past_the_depth_limit_is_reviewed() {
    let engine = Engine::builtin().unwrap();
    let mut command = "ls".to_owned();
    for _ in 0..12 {
        command = format!("echo $({command})");
    }
    assert_capped(
        &judge(&engine, &command),
        "budget.nesting-depth",
        "nested deeper",
    );
}

#[test]
fn too_many_commands_are_reviewed() {
    // Only the count is under test: a loaded machine must not hit the deadline first.
    let engine = Engine::builtin().unwrap().with_limits(Limits {
        deadline: Duration::from_secs(30),
        ..Limits::default()
    });
    let command = vec!["true"; 1500].join("; ");
    assert_capped(
        &judge(&engine, &command),
        "budget.invocation-count",
        "more parts",
    );
}

#[test]
fn a_judgement_past_its_deadline_is_reviewed() {
    let engine = Engine::builtin().unwrap().with_limits(Limits {
        deadline: Duration::ZERO,
        ..Limits::default()
    });
    assert_capped(&judge(&engine, "ls -la"), "budget.deadline", "time budget");
    // A denied command stays denied: the deadline only ever adds a review.
    let j = judge(&engine, "rm -rf ~; ls");
    assert!(j.verdict >= Verdict::Review);
}

#[test]
fn within_the_default_budgets_nothing_is_capped() {
    let engine = Engine::builtin().unwrap();
    let j = judge(
        &engine,
        "git status && cargo test -p engine 2>&1 | tail -20",
    );
    assert_eq!(j.verdict, Verdict::Allow, "{j:?}");
    assert!(j.rule_ids.iter().all(|r| !r.starts_with("budget.")));
}
