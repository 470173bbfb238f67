//! `mstro-bouncer packs`: the tooling a rule author uses, driven as a person would.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// A person with their own `~/.mstro`, working in a fresh project.
struct Person {
    dir: TempDir,
}

impl Person {
    fn new() -> Person {
        let dir = TempDir::new().unwrap();
        std::fs::create_dir_all(dir.path().join("home/.mstro/rules")).unwrap();
        std::fs::create_dir_all(dir.path().join("project")).unwrap();
        Person { dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    fn write(&self, path: &Path, text: &str) -> PathBuf {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        path.to_path_buf()
    }

    fn run(&self, args: &[&str]) -> Output {
        common::bouncer(args)
            .current_dir(self.project())
            .env("HOME", self.home())
            .output()
            .unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn generated_reference_and_schemas_are_current() {
    let bless = std::env::var_os("MSTRO_BLESS").is_some();
    let person = Person::new();
    for (args, file) in [
        (&["packs", "docs"][..], "rules/README.md"),
        (&["packs", "schema"][..], "rules/schema.json"),
        (
            &["packs", "schema", "--config"][..],
            "rules/bouncer.schema.json",
        ),
    ] {
        let out = person.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = repo().join(file);
        if bless {
            std::fs::write(&path, &out.stdout).unwrap();
            continue;
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == stdout(&out),
            "{file} is out of date: regenerate it with `MSTRO_BLESS=1 cargo test -p mstro-bouncer --test suite packs_cli`"
        );
    }
}

#[test]
fn the_schema_accepts_every_shipped_pack_and_rejects_a_typo() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("rules/schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let mut checked = 0;
    for entry in std::fs::read_dir(repo().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let pack: serde_json::Value =
                serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&pack)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 16);
    let typo = serde_json::json!({"pack": "x", "description": "d", "rules": [
        {"id": "x.y", "verdict": "deny", "severity": "high", "reason": "r", "when": {"programme": "rm"}}
    ]});
    assert!(
        !validator.is_valid(&typo),
        "an unknown predicate key must not validate"
    );
}

/// The acceptance story: a newcomer copies the example pack from rules/README.md,
/// validates it, and sees it take effect.
#[test]
fn the_readme_example_pack_works_as_a_newcomer_would_use_it() {
    let readme = std::fs::read_to_string(repo().join("rules/README.md")).unwrap();
    let start = readme
        .find("```yaml\npack: team")
        .expect("the example pack")
        + "```yaml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let person = Person::new();
    let pack = person.write(
        &person.home().join(".mstro/rules/team.yaml"),
        &readme[start..end],
    );

    let out = person.run(&["packs", "validate", pack.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("ok   ") && stdout(&out).contains("2 rule(s), 7 example(s)"),
        "{}",
        stdout(&out)
    );

    let out = person.run(&["check", "terraform -chdir=infra destroy"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("[team.terraform-unattended"),
        "{}",
        stdout(&out)
    );
    let out = person.run(&[
        "check",
        "--format",
        "jsonl",
        "kubectl --context=prod-eu get pods",
    ]);
    assert!(
        stdout(&out).contains("team.prod-context") && stdout(&out).contains("\"review\""),
        "{}",
        stdout(&out)
    );
    let out = person.run(&["check", "terraform plan"]);
    assert!(!stdout(&out).contains("team."), "{}", stdout(&out));

    let out = person.run(&["packs", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let team = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "team")
        .expect("listed");
    assert_eq!(team["source"], "user");
    assert_eq!(team["rules"]["deny"], 1);
    assert_eq!(team["rules"]["review"], 1);

    let out = person.run(&["packs", "show", "team.prod-context"]);
    assert!(
        stdout(&out).contains("kubectl --context=staging get pods"),
        "{}",
        stdout(&out)
    );
    let out = person.run(&["packs", "test"]);
    assert!(out.status.success(), "{}", stdout(&out));
}

#[test]
fn validate_names_the_file_line_and_rule_of_every_problem() {
    let person = Person::new();
    let bad = person.write(
        &person.project().join("bad.yaml"),
        "pack: bad\ndescription: d\nrules:\n  - id: bad.regex\n    verdict: deny\n    severity: high\n    when: {program: rm, args: {any: {regex: '(unclosed'}}}\n    reason: r\n    examples: {match: [rm x], no_match: [ls]}\n",
    );
    let out = person.run(&["packs", "validate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("bad.yaml:4: rule bad.regex") && text.contains("regex"),
        "{text}"
    );

    let failing = person.write(
        &person.project().join("failing.yaml"),
        "pack: failing\ndescription: d\nrules:\n  - id: failing.x\n    verdict: review\n    severity: low\n    when: {program: rm}\n    reason: r\n    examples: {match: [ls], no_match: [rm x]}\n",
    );
    let out = person.run(&["packs", "validate", failing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("failing.yaml:4: rule failing.x: example `ls`"),
        "{text}"
    );
    assert!(text.contains("example `rm x`"), "{text}");

    let duplicate = person.write(
        &person.project().join("dup.yaml"),
        "pack: git\ndescription: d\nrules: []\n",
    );
    let out = person.run(&["packs", "validate", duplicate.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    let loosening = person.write(
        &person.project().join(".mstro/rules/loose.yaml"),
        "pack: loose\ndescription: d\nrules:\n  - id: loose.rm\n    verdict: allow\n    severity: low\n    when: {program: rm}\n    reason: r\n    examples: {match: [rm x], no_match: [ls]}\n",
    );
    let out = person.run(&[
        "packs",
        "validate",
        "--project",
        loosening.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("loose.yaml")
            && stdout(&out).contains("loose.rm")
            && stdout(&out).contains("only tighten"),
        "{}",
        stdout(&out)
    );

    // Loaded for real from the project, it stops the hook with the same message.
    let event = r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"},"cwd":"CWD"}"#
        .replace("CWD", person.project().to_str().unwrap());
    let out = common::pipe(
        common::bouncer(["hook"])
            .current_dir(person.project())
            .env("HOME", person.home()),
        event.as_bytes(),
    );
    let decision: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let output = &decision["hookSpecificOutput"];
    assert_eq!(output["permissionDecision"], "deny");
    let reason = output["permissionDecisionReason"].as_str().unwrap();
    assert!(
        reason.contains("loose.yaml")
            && reason.contains("loose.rm")
            && reason.contains("only tighten"),
        "{reason}"
    );
}

#[test]
fn a_corpus_gets_precision_and_recall() {
    let person = Person::new();
    let corpus = person.write(
        &person.project().join("calls.jsonl"),
        concat!(
            r#"{"tool_name": "Bash", "tool_input": {"command": "rm -rf ~"}, "expect": "deny"}"#,
            "\n",
            r#"{"command": "git reset --hard", "expect": "block"}"#,
            "\n",
            r#"{"command": "ls -la", "expect": "allow"}"#,
            "\n",
            r#"{"command": "cat notes.txt", "expect": "review"}"#,
            "\n",
        ),
    );
    let out = person.run(&["packs", "test", "--corpus", corpus.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("4 operation(s)"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("deny") && l.trim_end().ends_with("1.000")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("review") && l.trim_end().ends_with("0.000")),
        "{text}"
    );
    assert!(
        text.contains("line 4: expected review, got allow"),
        "{text}"
    );
    // The `allow` on line 4 was not what that line expected: allow precision is 1/2.
    assert!(
        text.lines()
            .any(|l| l.starts_with("allow") && l.contains("0.500")),
        "{text}"
    );

    let out = person.run(&[
        "packs",
        "test",
        "--corpus",
        corpus.to_str().unwrap(),
        "--min-recall",
        "0.9",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("recall below 0.9 for: review"),
        "{}",
        stdout(&out)
    );

    let broken = person.write(
        &person.project().join("broken.jsonl"),
        "{\"command\": \"ls\"}\nnot json\n",
    );
    let out = person.run(&["packs", "test", "--corpus", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1") && err.contains("expect") && err.contains("line 2"),
        "{err}"
    );
}
