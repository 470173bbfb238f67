//! `mstro-bouncer scan` on real repositories: the CI files and scripts of a dozen
//! well-known public projects (`fixtures/scan-corpus`, each with its licence; see its
//! `SOURCES.md`). Every finding, note and file error must be one written down in
//! `fixtures/scan-corpus/expected.txt`, with why a maintainer would want it, and every
//! one written down must still be found: a new noise finding fails, and so does a lost
//! real one.
//!
//! After a deliberate change, print the current list with
//! `MSTRO_SCAN_CORPUS_PRINT=1 cargo test -p mstro-bouncer --test suite scan_corpus -- --nocapture`,
//! check each new line by hand, and copy it (with its reason) into `expected.txt`.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan-corpus")
}

/// `file:line:column: KIND rule` for every finding (`DENY`/`REVIEW`), note (`NOTE`) and
/// file error (`ERROR`).
fn current() -> (BTreeSet<String>, Value) {
    scan_corpus(&[])
}

fn scan_corpus(extra: &[&str]) -> (BTreeSet<String>, Value) {
    let out = common::bouncer(["scan", "--format", "json", "--fail-on", "never"])
        .args(extra)
        .current_dir(corpus())
        .env_remove("TMPDIR")
        .output()
        .expect("mstro-bouncer runs");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut lines = BTreeSet::new();
    for f in doc["findings"].as_array().expect("findings") {
        lines.insert(format!(
            "{}:{}:{}: {} [{}]",
            f["file"].as_str().unwrap(),
            f["line"],
            f["column"],
            f["verdict"].as_str().unwrap().to_uppercase(),
            f["rule_id"].as_str().unwrap(),
        ));
    }
    for (key, kind) in [("notes", "NOTE"), ("errors", "ERROR")] {
        for n in doc[key].as_array().expect(key) {
            lines.insert(format!(
                "{}:{}:{}: {kind}",
                n["file"].as_str().unwrap(),
                n["line"].as_u64().unwrap_or(1),
                n["column"].as_u64().unwrap_or(1),
            ));
        }
    }
    (lines, doc)
}

/// The lines of `expected.txt` that are not comments or blank, with the command shown
/// after the rule (for people) left out.
fn expected() -> BTreeSet<String> {
    let text = std::fs::read_to_string(corpus().join("expected.txt")).expect("expected.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.find("] ") {
            Some(i) => l[..=i].to_owned(),
            None => l.to_owned(),
        })
        .collect()
}

#[test]
fn scan_finds_in_the_real_repository_corpus_exactly_what_is_written_down() {
    let (got, doc) = current();
    if std::env::var_os("MSTRO_SCAN_CORPUS_PRINT").is_some() {
        let commands: std::collections::BTreeMap<String, String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    format!(
                        "{}:{}:{}: {} [{}]",
                        f["file"].as_str().unwrap(),
                        f["line"],
                        f["column"],
                        f["verdict"].as_str().unwrap().to_uppercase(),
                        f["rule_id"].as_str().unwrap()
                    ),
                    f["command"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for line in &got {
            match commands.get(line) {
                Some(c) => println!("{line} {c}"),
                None => println!("{line}"),
            }
        }
        println!("{}", doc["summary"]);
    }
    let want = expected();
    let new: Vec<&String> = got.difference(&want).collect();
    let lost: Vec<&String> = want.difference(&got).collect();
    assert!(
        new.is_empty() && lost.is_empty(),
        "scan of the corpus differs from expected.txt\n\
         new (noise, or a real finding to write down with its reason):\n  {}\n\
         lost (written down, no longer found):\n  {}",
        new.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
        lost.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
    );
}

/// A note that a whole file is in a shell dialect scan does not read (the other notes
/// are regions of a file).
fn is_dialect_note(n: &Value) -> bool {
    n["message"].as_str().unwrap().starts_with("a ")
}

#[test]
fn no_finding_comes_from_a_comment_or_a_script_that_is_not_bash() {
    let (_, doc) = current();
    let root = corpus();
    let notes: BTreeSet<&str> = doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| is_dialect_note(n))
        .map(|n| n["file"].as_str().unwrap())
        .collect();
    for f in doc["findings"].as_array().unwrap() {
        let file = f["file"].as_str().unwrap();
        assert!(
            !notes.contains(file),
            "{file}: a finding in a script not read as bash: {f}"
        );
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let line = f["line"].as_u64().unwrap() as usize;
        let at = text.lines().nth(line - 1).unwrap_or_default();
        assert!(
            !at.trim_start().starts_with('#') || at.starts_with("#!"),
            "{file}:{line}: a finding on a comment line: {at:?}"
        );
    }
    for n in doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| is_dialect_note(n))
    {
        let file = n["file"].as_str().unwrap();
        let count = doc["notes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["file"] == file)
            .count();
        assert_eq!(count, 1, "{file}: one note for a file not read as bash");
    }
}

/// `--strict` leaves nothing out: every default finding, and a finding where each
/// note is (a region not read, a file in another dialect), and the places that depend
/// on run-time values that the default run only counts.
#[test]
fn strict_reports_what_the_default_scan_leaves_out() {
    let (default_lines, default_doc) = current();
    let (strict_lines, strict_doc) = scan_corpus(&["--strict"]);
    let findings = |lines: &BTreeSet<String>| -> BTreeSet<String> {
        lines
            .iter()
            .filter(|l| !l.ends_with("NOTE"))
            .cloned()
            .collect()
    };
    let missing: Vec<_> = findings(&default_lines)
        .difference(&findings(&strict_lines))
        .cloned()
        .collect();
    assert!(missing.is_empty(), "lost under --strict: {missing:?}");
    assert_eq!(strict_doc["notes"].as_array().unwrap().len(), 0);
    assert_eq!(strict_doc["summary"]["unjudged"], 0);
    for n in default_doc["notes"].as_array().unwrap() {
        let at = format!(
            "{}:{}:{}: REVIEW [",
            n["file"].as_str().unwrap(),
            n["line"],
            n["column"]
        );
        assert!(
            strict_lines.iter().any(|l| l.starts_with(&at)),
            "no --strict finding where the note is: {n}"
        );
    }
    let unjudged = default_doc["summary"]["unjudged"].as_u64().unwrap() as usize;
    assert!(unjudged > 0, "the corpus has run-time values");
    let extra = strict_doc["findings"].as_array().unwrap().len()
        - default_doc["findings"].as_array().unwrap().len();
    assert!(
        extra >= default_doc["notes"].as_array().unwrap().len() + unjudged / 2,
        "--strict adds {extra} findings for {unjudged} run-time places and the notes"
    );
}
