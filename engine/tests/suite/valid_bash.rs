//! Valid bash is read, not reviewed as a parse error: a loop with a counter must not
//! stop an unattended agent. Each construct here is one a corpus of real scripts turned
//! up (see `shell_corpus` in bench/README.md); the project's own scripts are read too.

use std::path::{Path, PathBuf};
use std::process::Command;

use mstro_engine::shell::{FindingKind, Limits, model};
use mstro_engine::{Engine, Mode, PathEnv, ToolCall, Verdict};

/// Constructs that must parse, each judged no stricter than `allow`.
const CONSTRUCTS: &[&str] = &[
    "((n++))",
    "((n+=2))",
    "(( n = n * 2, m-- ))",
    "i=0; while (( i < 3 )); do echo $i; ((i++)); done",
    "for (( i = 0; i < 3; i++ )); do echo $i; done",
    "echo $(( 1 + 2 ))",
    "x=$(( y += 2 )); echo $x",
    "(( a[2] = 5 ))",
    "if (( $# > 1 )); then echo many; fi",
    "[[ $n -eq 1 ]] && echo one",
    "case $1 in -v|--verbose) echo verbose;; *) echo other;; esac",
    "f=notes.md; case $f in *.txt|*.md) cat \"$f\";; esac",
    "shopt -s extglob\ncase $x in @(a|b)) echo ab;; !(c)) echo notc;; esac",
    "case \"$x\" in \"$y\"|*\"$z\"*) echo hit;; esac",
    "x=$(<README.md); echo \"$x\"",
    "cat <>notes.txt",
    "exec 3<>notes.txt",
    "exec {fd}>out.txt; echo hi >&$fd",
    "ls -la >out.txt 2>&1",
    "grep -rn TODO 2>/dev/null src/",
];

#[test]
fn valid_constructs_are_read() {
    let engine = Engine::builtin().expect("built-in packs load");
    let env = PathEnv::fixture();
    let mut failures = Vec::new();
    for cmd in CONSTRUCTS {
        let e = engine
            .judge(
                &ToolCall::bash(*cmd).with_cwd("/home/dev/project"),
                &env,
                Mode::Repl,
            )
            .expect("valid call");
        let parse_errors: Vec<_> = e
            .model
            .iter()
            .flat_map(|m| &m.findings)
            .filter(|f| f.kind == FindingKind::ParseError)
            .map(|f| f.detail.clone())
            .collect();
        if !parse_errors.is_empty() || e.judgement.verdict != Verdict::Allow {
            failures.push(format!(
                "`{cmd}`: {} {:?} {parse_errors:?}",
                e.judgement.verdict, e.judgement.rule_ids
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every shell script of this repository that `bash -n` accepts is read without a
/// parse error.
#[test]
fn the_projects_own_scripts_are_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut scripts = Vec::new();
    collect_scripts(&root, &mut scripts);
    assert!(
        scripts.len() >= 2,
        "found no scripts under {}",
        root.display()
    );
    let env = PathEnv::new("/home/dev", Some("/home/dev/project"));
    let limits = Limits {
        max_input_bytes: 8 << 20,
        max_invocations: 1_000_000,
        deadline: std::time::Duration::from_secs(30),
        ..Limits::default()
    };
    let mut failures = Vec::new();
    for path in &scripts {
        let accepted = Command::new("bash")
            .arg("-n")
            .arg(path)
            .status()
            .expect("bash runs")
            .success();
        if !accepted {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("script is UTF-8");
        let m = model(&text, &env, Some("/home/dev/project"), &limits);
        for f in m
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::ParseError)
        {
            failures.push(format!("{}: {}", path.display(), f.detail));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn collect_scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("readable directory")
        .flatten()
    {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            // Build output, dependencies and third-party code (the scan corpus: other
            // projects' scripts, kept as they are) are not ours.
            if !matches!(
                name.as_ref(),
                ".git" | "target" | "node_modules" | "vendor" | "fuzz" | "scan-corpus"
            ) {
                collect_scripts(&path, out);
            }
        } else if kind.is_file() && is_shell_script(&path) {
            out.push(path);
        }
    }
}

fn is_shell_script(path: &Path) -> bool {
    if path.extension().is_some_and(|e| e == "sh" || e == "bash") {
        return true;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let first = String::from_utf8_lossy(first);
    first.starts_with("#!") && (first.contains("bash") || first.ends_with("/sh"))
}
