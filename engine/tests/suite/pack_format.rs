//! The pack format is strict: anything wrong is a load error naming the file, the line
//! and the rule, and a pack that loads wrong never runs.

use mstro_engine::Engine;
use mstro_engine::pack::{PackError, PackScope, builtin_sources, parse_yaml};

fn load(yaml: &str, scope: PackScope) -> Result<Engine, Vec<PackError>> {
    let mut sources = builtin_sources(false).expect("built-ins load");
    sources.push(parse_yaml(yaml, "team.yaml", scope).map_err(|e| vec![e])?);
    Engine::from_sources(&sources)
}

fn error(yaml: &str, scope: PackScope) -> String {
    match load(yaml, scope) {
        Ok(_) => panic!("should not load:\n{yaml}"),
        Err(errors) => errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

const HEADER: &str = "pack: team\ndescription: Team rules\nrules:\n";

fn rule(body: &str) -> String {
    format!(
        "{HEADER}  - id: team.example\n    verdict: review\n    severity: high\n    reason: Because.\n{body}"
    )
}

#[test]
fn a_valid_user_pack_takes_effect() {
    // A program no shipped pack judges, so only the user rule can fire.
    let yaml = rule("    when: {program: acme-deploy, subcommand: apply}\n");
    let engine = load(&yaml, PackScope::User).expect("loads");
    let call =
        mstro_engine::ToolCall::bash("acme-deploy apply --yes").with_cwd("/home/dev/project");
    let j = engine
        .judge(
            &call,
            &mstro_engine::PathEnv::fixture(),
            mstro_engine::Mode::Repl,
        )
        .unwrap()
        .judgement;
    assert_eq!(j.verdict, mstro_engine::Verdict::Review);
    assert_eq!(
        j.rule_ids.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        vec!["team.example"]
    );
}

#[test]
fn unknown_keys_are_errors_with_line_and_rule() {
    let e = error(
        &rule("    when: {program: rm, flagz: [recursive]}\n"),
        PackScope::User,
    );
    assert!(e.starts_with("team.yaml:8:"), "{e}");
    assert!(e.contains("rule team.example"), "{e}");
    assert!(e.contains("unknown field `flagz`"), "{e}");
    let e = error(
        &format!(
            "{HEADER}  - id: team.x\n    verdict: review\n    severity: high\n    reason: r\n    when: {{program: x}}\n    colour: red\n"
        ),
        PackScope::User,
    );
    assert!(e.contains("unknown field `colour`"), "{e}");
}

#[test]
fn bad_values_are_errors() {
    let e = error(
        &rule("    when: {program: rm, operands: {any: {path: [rooot]}}}\n"),
        PackScope::User,
    );
    assert!(
        e.contains("unknown variant `rooot`"),
        "unknown path class: {e}"
    );
    let e = error(
        &rule("    when: {program: rm, text: 'a(b'}\n"),
        PackScope::User,
    );
    assert!(
        e.contains("bad regex") && e.contains("team.yaml:4: rule team.example"),
        "{e}"
    );
    let e = error(
        &rule("    when: {program: rm, flags: [recursively]}\n"),
        PackScope::User,
    );
    assert!(e.contains("unknown flag `recursively`"), "{e}");
    let e = error(&rule("    when: {}\n"), PackScope::User);
    assert!(e.contains("empty predicate"), "{e}");
    let e = error(
        &rule("    when: {program: rm, path: {path: [secret]}}\n"),
        PackScope::User,
    );
    assert!(e.contains("mixes shell fields with tool fields"), "{e}");
    let e = error(
        &rule("    when: {tool: Writ, path: {path: [secret]}}\n"),
        PackScope::User,
    );
    assert!(e.contains("unknown tool `Writ`"), "{e}");
    let e = error(
        &format!(
            "{HEADER}  - id: team.x\n    verdict: maybe\n    severity: high\n    reason: r\n    when: {{program: x}}\n"
        ),
        PackScope::User,
    );
    assert!(e.contains("unknown variant `maybe`"), "{e}");
}

#[test]
fn duplicate_and_misnamed_ids_are_errors() {
    let e = error(
        &format!(
            "{HEADER}  - id: filesystem.rm-root-or-home\n    verdict: review\n    severity: high\n    reason: r\n    when: {{program: x}}\n"
        ),
        PackScope::User,
    );
    assert!(
        e.contains("duplicate rule id (also in rules/filesystem.yaml)"),
        "{e}"
    );
    let e = error(
        &format!(
            "{HEADER}  - id: other.x\n    verdict: review\n    severity: high\n    reason: r\n    when: {{program: x}}\n"
        ),
        PackScope::User,
    );
    assert!(e.contains("must start with the pack id"), "{e}");
}

#[test]
fn a_project_pack_may_only_tighten() {
    let yaml = format!(
        "{HEADER}  - id: team.allow-rm\n    verdict: allow\n    severity: low\n    reason: r\n    when: {{program: rm}}\n"
    );
    let e = error(&yaml, PackScope::Project);
    assert!(
        e.contains("team.yaml:4: rule team.allow-rm") && e.contains("may only tighten"),
        "{e}"
    );
    assert!(
        load(&yaml, PackScope::User).is_ok(),
        "the same pack is fine at user scope"
    );
}

#[test]
fn examples_must_be_commands_or_tool_calls() {
    let e = error(
        &rule(
            "    when: {program: x}\n    examples:\n      match:\n        - curl -H Metadata-Flavor: Google x\n",
        ),
        PackScope::User,
    );
    assert!(
        e.contains("must be quoted"),
        "an unquoted `: ` turns an example into a mapping: {e}"
    );
}
