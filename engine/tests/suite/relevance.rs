//! The hook compiles only the shipped rules a call can need (`config::relevance_of`).
//! That must never change a judgement: every rule example and every workload operation
//! is judged both ways here, and both must agree exactly.

use mstro_engine::config::{Config, ConfigPaths, relevance_of};
use mstro_engine::pack::format::Example;
use mstro_engine::pack::{Relevance, builtin_sources};
use mstro_engine::{Engine, Mode, PathEnv, ToolCall};

fn calls() -> Vec<ToolCall> {
    let mut calls = Vec::new();
    for source in builtin_sources(true).unwrap() {
        for rule in &source.pack.rules {
            let Some(ex) = &rule.examples else { continue };
            for e in ex.matches.iter().chain(&ex.no_match) {
                calls.push(match e {
                    Example::Command(c) => ToolCall::bash(c.clone()).with_cwd("/home/dev/project"),
                    Example::Call(c) => ToolCall {
                        tool_name: c.tool.clone(),
                        tool_input: c.input.clone(),
                        cwd: Some(c.cwd.clone().unwrap_or_else(|| "/home/dev/project".into())),
                    },
                });
            }
        }
    }
    let workload = include_str!("../../../bench/workload.jsonl");
    for line in workload.lines().filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        calls.push(ToolCall {
            tool_name: v["tool_name"].as_str().unwrap().to_owned(),
            tool_input: v["tool_input"].clone(),
            cwd: v["cwd"].as_str().map(str::to_owned),
        });
    }
    calls
}

#[test]
fn loading_only_the_relevant_rules_never_changes_a_judgement() {
    let env = PathEnv::fixture();
    let paths = ConfigPaths {
        user_dir: "/nonexistent/.mstro".into(),
        project_dirs: Vec::new(),
    };
    let full = Engine::from_config(&Config::load(&paths, false).unwrap()).unwrap();
    let mut narrowed = 0;
    // Calls with the same programs share a narrowed engine.
    let mut engines: std::collections::HashMap<String, Engine> = std::collections::HashMap::new();
    let calls = calls();
    assert!(calls.len() > 800, "{} calls", calls.len());
    for call in &calls {
        let relevance = relevance_of(call, &env);
        if relevance != Relevance::All {
            narrowed += 1;
        }
        let some = engines.entry(format!("{relevance:?}")).or_insert_with(|| {
            Engine::from_config(&Config::load_for(&paths, &relevance).unwrap()).unwrap()
        });
        for mode in [Mode::Repl, Mode::Deploy] {
            let (Ok(a), Ok(b)) = (full.judge(call, &env, mode), some.judge(call, &env, mode))
            else {
                continue;
            };
            assert_eq!(
                (
                    a.judgement.verdict,
                    &a.judgement.rule_ids,
                    &a.judgement.reason,
                    &a.fired
                ),
                (
                    b.judgement.verdict,
                    &b.judgement.rule_ids,
                    &b.judgement.reason,
                    &b.fired
                ),
                "{} {} in {mode}",
                call.tool_name,
                call.tool_input
            );
        }
    }
    assert!(
        narrowed * 10 > calls.len() * 9,
        "relevance narrows almost every call"
    );
}

#[test]
fn a_narrowed_engine_is_much_smaller() {
    let env = PathEnv::fixture();
    let paths = ConfigPaths {
        user_dir: "/nonexistent/.mstro".into(),
        project_dirs: Vec::new(),
    };
    let all = Config::load(&paths, false).unwrap();
    let call = ToolCall::bash("git status").with_cwd("/home/dev/project");
    let some = Config::load_for(&paths, &relevance_of(&call, &env)).unwrap();
    let count = |c: &Config| c.sources.iter().map(|s| s.pack.rules.len()).sum::<usize>();
    assert!(
        count(&some) * 2 < count(&all),
        "{} of {}",
        count(&some),
        count(&all)
    );
}

/// The hook skips re-checking the syntax of shipped regexes (`trusted` in compile), so
/// this is where a bad one is caught: compiled as if a person had written the packs,
/// every shipped regex must pass the full check.
#[test]
fn every_shipped_regex_passes_the_checks_the_hook_skips() {
    let mut sources = builtin_sources(false).unwrap();
    for source in &mut sources {
        source.text = Some(String::new());
    }
    if let Err(problems) = mstro_engine::rules::compile(&sources) {
        panic!("shipped packs fail the untrusted checks: {problems:#?}");
    }
}

/// A command that runs a file needs every rule: the file may hold any command. One
/// whose file is not there runs nothing, and needs only its own rules.
#[test]
fn a_command_running_a_file_needs_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().display().to_string();
    for f in ["cleanup.sh", "package.json", "tidy.py", "x", "env.sh"] {
        std::fs::write(dir.path().join(f), "{}").unwrap();
    }
    let env = mstro_engine::PathEnv::new("/home/dev", Some(&root));
    let missing = mstro_engine::ToolCall::bash("bash missing.sh").with_cwd(root.as_str());
    assert!(!matches!(
        mstro_engine::config::relevance_of(&missing, &env),
        mstro_engine::pack::Relevance::All
    ));
    for cmd in [
        "bash cleanup.sh",
        "npm test",
        "python3 tidy.py",
        "./x",
        "source env.sh",
    ] {
        let call = mstro_engine::ToolCall::bash(cmd).with_cwd(root.as_str());
        assert!(
            matches!(
                mstro_engine::config::relevance_of(&call, &env),
                mstro_engine::pack::Relevance::All
            ),
            "{cmd}"
        );
    }
}

/// A command line its reading cut short (here: more commands than are read) lists only
/// some of its programs: it needs every rule, since the judgement may read further.
#[test]
fn a_reading_cut_short_needs_every_rule() {
    let env = mstro_engine::PathEnv::new("/home/dev", Some("/home/dev/p"));
    let long = format!("{}rm -rf /", "ls; ".repeat(1200));
    let call = mstro_engine::ToolCall::bash(&long).with_cwd("/home/dev/p");
    assert!(matches!(
        mstro_engine::config::relevance_of(&call, &env),
        mstro_engine::pack::Relevance::All
    ));
    let short = mstro_engine::ToolCall::bash("ls; ls").with_cwd("/home/dev/p");
    assert!(!matches!(
        mstro_engine::config::relevance_of(&short, &env),
        mstro_engine::pack::Relevance::All
    ));
}

/// Code written to be run needs every rule too.
#[test]
fn writing_code_needs_every_rule() {
    let env = mstro_engine::PathEnv::new("/home/dev", Some("/home/dev/p"));
    let write = |path: &str| mstro_engine::ToolCall {
        tool_name: "Write".into(),
        tool_input: serde_json::json!({"file_path": path, "content": "rm -rf ~"}),
        cwd: Some("/home/dev/p".into()),
    };
    for path in [
        "/home/dev/p/x.sh",
        "/home/dev/p/package.json",
        "/home/dev/p/a.py",
    ] {
        assert!(
            matches!(
                mstro_engine::config::relevance_of(&write(path), &env),
                mstro_engine::pack::Relevance::All
            ),
            "{path}"
        );
    }
    assert!(!matches!(
        mstro_engine::config::relevance_of(&write("/home/dev/p/notes.md"), &env),
        mstro_engine::pack::Relevance::All
    ));
}
