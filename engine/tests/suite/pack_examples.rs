//! Every shipped rule's examples, run through the whole engine.

use std::time::Duration;

use mstro_engine::Engine;
use mstro_engine::pack::{builtin_sources, check_examples};
use mstro_engine::shell::Limits;

/// Examples are about rules: a loaded CI machine must not hit the evaluation deadline
/// (a `review` of its own, tested in `budgets.rs`) and fail an example for it.
fn without_deadline(engine: Engine) -> Engine {
    engine.with_limits(Limits {
        deadline: Duration::from_secs(30),
        ..Limits::default()
    })
}

#[test]
fn every_shipped_example_behaves() {
    let sources = builtin_sources(true).expect("shipped packs parse");
    let engine = without_deadline(Engine::from_sources(&sources).unwrap_or_else(|errors| {
        panic!(
            "shipped packs compile:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    }));
    let failures = check_examples(&engine, &sources);
    assert!(
        failures.is_empty(),
        "{} example(s) misbehave:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|f| format!("  {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_rule_has_examples_both_ways() {
    for source in builtin_sources(true).expect("shipped packs parse") {
        for rule in &source.pack.rules {
            let ex = rule
                .examples
                .as_ref()
                .unwrap_or_else(|| panic!("{}: rule {} has no examples", source.file, rule.id));
            assert!(
                !ex.matches.is_empty(),
                "{}: rule {} has no `match` examples",
                source.file,
                rule.id
            );
            assert!(
                !ex.no_match.is_empty(),
                "{}: rule {} has no `no_match` examples",
                source.file,
                rule.id
            );
        }
    }
}

#[test]
fn the_compact_form_loads_the_same_rules() {
    let full = Engine::from_sources(&builtin_sources(true).unwrap()).unwrap();
    let compact = Engine::builtin().unwrap();
    let ids = |e: &Engine| {
        e.rules()
            .rules
            .iter()
            .map(|r| r.id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&full), ids(&compact));
}

/// The commands a rule's `alternative` suggests (its backticked spans), which must
/// never be denied, nor trip the rule that suggested them.
#[test]
fn suggested_alternatives_are_not_denied() {
    let sources = builtin_sources(true).expect("shipped packs parse");
    let engine = without_deadline(Engine::from_sources(&sources).unwrap());
    let env = mstro_engine::PathEnv::fixture();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for source in &sources {
        for rule in &source.pack.rules {
            let Some(alternative) = &rule.alternative else {
                continue;
            };
            for command in alternative.split('`').skip(1).step_by(2) {
                checked += 1;
                let call = mstro_engine::ToolCall::bash(command).with_cwd("/home/dev/project");
                let e = engine
                    .judge(&call, &env, mstro_engine::Mode::Repl)
                    .expect("a command");
                let own = e.fired.iter().any(|id| **id == rule.id);
                if e.judgement.verdict == mstro_engine::Verdict::Deny || own {
                    wrong.push(format!(
                        "{}: `{command}` is {} {:?}",
                        rule.id, e.judgement.verdict, e.judgement.rule_ids
                    ));
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} suggested commands found");
    assert!(
        wrong.is_empty(),
        "alternatives that trip rules:\n  {}",
        wrong.join("\n  ")
    );
}
