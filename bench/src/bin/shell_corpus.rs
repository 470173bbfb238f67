//! How well the shell model reads real scripts: every shell script under the given
//! directories that `bash -n` accepts is modelled whole, and every `shell.parse-error`
//! finding is counted and listed. Valid bash should never be a parse error, except for
//! the constructs tree-sitter-bash itself cannot parse (listed in bench/README.md).
//!
//! ```sh
//! cargo run --release -p mstro-bench --bin shell_corpus -- DIR... [--verbose]
//! ```
//!
//! A file is a shell script when its name ends in `.sh` or `.bash`, or its first line
//! is a `#!` line naming bash or sh. Files `bash -n` rejects are skipped and counted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use mstro_engine::PathEnv;
use mstro_engine::shell::{FindingKind, Limits, model};

fn main() {
    let mut dirs = Vec::new();
    let mut verbose = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--verbose" | "-v" => verbose = true,
            _ => dirs.push(PathBuf::from(arg)),
        }
    }
    if dirs.is_empty() {
        eprintln!("usage: shell_corpus DIR... [--verbose]");
        std::process::exit(2);
    }
    let mut files = Vec::new();
    for d in &dirs {
        collect(d, &mut files);
    }
    files.sort();
    let env = PathEnv::new("/home/dev", Some("/home/dev/project"));
    // Whole files are far larger than one command: the time and size limits are the
    // hook's business, not this measurement's.
    let limits = Limits {
        max_input_bytes: 8 * 1024 * 1024,
        max_depth: 8,
        max_invocations: 1_000_000,
        deadline: Duration::from_secs(60),
    };
    let (mut scripts, mut rejected, mut with_errors, mut errors) = (0, 0, 0, 0);
    let mut by_detail: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        if !bash_accepts(file) {
            rejected += 1;
            continue;
        }
        scripts += 1;
        let m = model(&text, &env, Some("/home/dev/project"), &limits);
        let found: Vec<_> = m
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::ParseError)
            .collect();
        if found.is_empty() {
            continue;
        }
        with_errors += 1;
        errors += found.len();
        for f in found {
            let line = text[..f.span.start.min(text.len())].matches('\n').count() + 1;
            let place = format!("{}:{line}", file.display());
            by_detail.entry(f.detail.clone()).or_default().push(place);
        }
    }
    println!(
        "{scripts} scripts read ({rejected} rejected by `bash -n`); {with_errors} with parse errors ({:.2}%), {errors} errors",
        100.0 * with_errors as f64 / scripts.max(1) as f64
    );
    for (detail, places) in &by_detail {
        println!("{:>5}  {detail}", places.len());
        let shown = if verbose { places.len() } else { 3 };
        for p in places.iter().take(shown) {
            println!("         {p}");
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if e.file_name() != ".git" {
                collect(&path, out);
            }
        } else if kind.is_file() && is_shell_script(&path) {
            out.push(path);
        }
    }
}

fn is_shell_script(path: &Path) -> bool {
    if matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("sh" | "bash")
    ) {
        return true;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let first = String::from_utf8_lossy(first);
    first.starts_with("#!")
        && first
            .split(['/', ' '])
            .any(|w| matches!(w.trim(), "bash" | "sh"))
}

fn bash_accepts(path: &Path) -> bool {
    Command::new("bash")
        .arg("-n")
        .arg(path)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
