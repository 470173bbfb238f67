//! Cargo build scripts: `cargo build`, `check`, `test`, `run` and `bench` compile and
//! run the `build.rs` of the package (of every member, at a workspace's root) before
//! anything else. Which scripts, the manifests say: the package root is the nearest
//! `Cargo.toml` up from where cargo runs (or `--manifest-path`), and `build = "..."`
//! or `build = false` in `[package]` overrides `build.rs`.

use std::path::{Path, PathBuf};

use super::judge::{FileVerdict, line_of};
use super::target::{Runs, RunsAs};
use crate::disk::read_text as read_bounded;
use crate::engine::Evaluation;
use crate::shell::Invocation;
use crate::shell::inline::rust;

/// Most workspace members whose build scripts are read.
const MAX_MEMBERS: usize = 64;
/// Most directories looked up through for `Cargo.toml`.
const MAX_UP: usize = 32;

/// Global options of cargo that take a value.
const VALUED: &[&str] = &["-Z", "--config", "--color", "-C"];

/// The build scripts `inv` runs, when it is a cargo command that builds.
pub(crate) fn runs(inv: &Invocation) -> Option<Result<Runs, String>> {
    if inv.program != "cargo" {
        return None;
    }
    let args = inv.args();
    let mut i = 0;
    let mut dir: Option<String> = None;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        if t.starts_with('+') || (t.starts_with('-') && !VALUED.contains(&t)) {
            i += 1;
            continue;
        }
        if VALUED.contains(&t) {
            if t == "-C" {
                dir = args.get(i + 1).map(|d| d.text.clone());
            }
            i += 2;
            continue;
        }
        break;
    }
    let sub = args.get(i)?.text.as_str();
    if !matches!(
        sub,
        "build"
            | "b"
            | "check"
            | "c"
            | "test"
            | "t"
            | "run"
            | "r"
            | "bench"
            | "clippy"
            | "doc"
            | "nextest"
            | "llvm-cov"
            | "miri"
    ) {
        return None;
    }
    if args[i..]
        .iter()
        .any(|w| w.text == "--help" || w.text == "-h")
    {
        return None;
    }
    let cwd = Path::new(inv.cwd.as_deref()?);
    let cwd = match dir {
        Some(d) => cwd.join(d),
        None => cwd.to_path_buf(),
    };
    let rest = &args[i + 1..];
    let manifest = rest.iter().enumerate().find_map(|(k, w)| {
        if w.text == "--" {
            return None;
        }
        match w.text.strip_prefix("--manifest-path") {
            Some("") => rest.get(k + 1).map(|v| (v.text.clone(), v.unresolved)),
            Some(v) if v.starts_with('=') => Some((v[1..].to_owned(), w.unresolved)),
            _ => None,
        }
    });
    let manifest = match manifest {
        Some((_, true)) => {
            return Some(Err("its `--manifest-path` is only known at run time".into()));
        }
        Some((m, false)) => cwd.join(m),
        None => {
            let mut at: &Path = &cwd;
            let mut found = None;
            for _ in 0..MAX_UP {
                if crate::disk::is_file(&at.join("Cargo.toml")) {
                    found = Some(at.join("Cargo.toml"));
                    break;
                }
                let Some(up) = at.parent() else { break };
                at = up;
            }
            found?
        }
    };
    let scripts = match build_scripts(&manifest) {
        Ok(s) => s,
        Err(why) => return Some(Err(why)),
    };
    // No build script: cargo compiles and runs only what the rules about cargo judge.
    let first = scripts.first()?.1.clone();
    let root = manifest.parent().unwrap_or(Path::new("/"));
    let shown = first
        .strip_prefix(&cwd)
        .or_else(|_| first.strip_prefix(root))
        .unwrap_or(&first)
        .display()
        .to_string();
    Some(Ok(Runs {
        path: first,
        shown,
        how: RunsAs::BuildScripts(scripts),
    }))
}

/// `(package directory, build script)` of the manifest at `path`, and of every member
/// when it is a workspace's; only scripts that are there.
fn build_scripts(path: &Path) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let text = match read_bounded(path) {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(Vec::new()),
        Err(e) => return Err(format!("`Cargo.toml`: {e}")),
    };
    let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let mut out = Vec::new();
    let manifest = Manifest::read(&text);
    if manifest.package
        && let Some(script) = manifest.build.clone()
    {
        let script = dir.join(script);
        if crate::disk::exists(&script) {
            out.push((dir.clone(), script));
        }
    }
    let mut members = Vec::new();
    for m in &manifest.members {
        if m.contains(['*', '?', '[']) {
            let pattern = dir.join(m).display().to_string();
            let Some(paths) = crate::disk::glob(&pattern, MAX_MEMBERS + 1) else {
                return Err(format!(
                    "its workspace member `{m}` is not a pattern it reads"
                ));
            };
            members.extend(paths);
        } else {
            members.push(dir.join(m));
        }
        if members.len() > MAX_MEMBERS {
            return Err(format!("its workspace has more than {MAX_MEMBERS} members"));
        }
    }
    for member in members {
        let manifest = member.join("Cargo.toml");
        let text = match read_bounded(&manifest) {
            Ok(Some(t)) => t,
            Ok(None) => continue,
            Err(e) => return Err(format!("`{}`: {e}", manifest.display())),
        };
        let m = Manifest::read(&text);
        if let Some(script) = m.build.filter(|_| m.package) {
            let script = member.join(script);
            if crate::disk::exists(&script) {
                out.push((member.clone(), script));
            }
        }
    }
    Ok(out)
}

/// Whether the file at `path` is the build script a `Cargo.toml` names (`build =
/// "..."`, or `build.rs` by default).
pub(crate) fn is_build_script(path: &Path) -> bool {
    package_of(path).is_some()
}

/// The package whose build script the file at `path` is: the nearest `Cargo.toml` up
/// (a few directories at most) with a `[package]` whose build script is this file.
pub(crate) fn package_of(path: &Path) -> Option<PathBuf> {
    let mut dir = path.parent();
    for _ in 0..4 {
        let d = dir?;
        if let Ok(Some(text)) = read_bounded(&d.join("Cargo.toml")) {
            let m = Manifest::read(&text);
            let named = m.build.is_some_and(|b| d.join(b) == path);
            return (m.package && named).then(|| d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// What the bouncer reads of a `Cargo.toml`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Manifest {
    package: bool,
    /// The build script, relative to the package (`None`: `build = false`).
    build: Option<String>,
    members: Vec<String>,
}

impl Manifest {
    fn read(text: &str) -> Manifest {
        let mut m = Manifest {
            build: Some("build.rs".to_owned()),
            ..Manifest::default()
        };
        let mut section = String::new();
        let mut in_members = false;
        for line in text.lines() {
            let line = line.split(" #").next().unwrap_or(line).trim();
            if in_members {
                m.members.extend(quoted_strings(line));
                if line.contains(']') {
                    in_members = false;
                }
                continue;
            }
            if line.starts_with('[') {
                section = line.trim_matches(['[', ']']).trim().to_owned();
                if section == "package" {
                    m.package = true;
                }
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            match (section.as_str(), key) {
                ("package", "build") => {
                    m.build = match value {
                        "false" => None,
                        "true" => Some("build.rs".to_owned()),
                        v => quoted_strings(v).into_iter().next(),
                    };
                }
                ("workspace", "members") => {
                    m.members.extend(quoted_strings(value));
                    in_members = !value.contains(']');
                }
                _ => {}
            }
        }
        m
    }
}

/// The `"..."` strings of a TOML line.
fn quoted_strings(line: &str) -> Vec<String> {
    line.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Judge the build scripts `scripts` (the first one's text is `first_text`).
pub(crate) fn judge_build_scripts(
    scripts: &[(PathBuf, PathBuf)],
    first_shown: &str,
    first_text: &str,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let mut out = Vec::new();
    for (k, (dir, script)) in scripts.iter().enumerate() {
        let shown = if k == 0 {
            first_shown.to_owned()
        } else {
            script.display().to_string()
        };
        let read;
        let text = if k == 0 {
            first_text
        } else {
            match read_bounded(script) {
                Ok(Some(t)) => {
                    read = t;
                    &read
                }
                Ok(None) => continue,
                Err(e) => {
                    out.push(FileVerdict::Unreadable {
                        shown: format!("the build script `{shown}`"),
                        why: e.to_string(),
                    });
                    continue;
                }
            }
        };
        let ex = rust::extract(text);
        for (at, why) in ex.unreadable {
            out.push(FileVerdict::Unreadable {
                shown: format!("the build script `{shown}:{}`", line_of(text, at)),
                why: format!("it holds {why}"),
            });
        }
        let cwd = dir.display().to_string();
        for (at, command) in ex.commands {
            let evaluation = judge(&command, Some(&cwd));
            out.push(FileVerdict::Judged {
                shown: format!("the build script `{shown}:{}`", line_of(text, at)),
                line: None,
                evaluation: Box::new(evaluation),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_name_their_build_scripts() {
        let m = Manifest::read("[package]\nname = \"x\"\nbuild = \"tools/gen.rs\"\n");
        assert_eq!(m.build.as_deref(), Some("tools/gen.rs"));
        assert!(m.package);
        let m = Manifest::read("[package]\nbuild = false\n");
        assert_eq!(m.build, None);
        let m = Manifest::read("[workspace]\nmembers = [\n  \"a\",\n  \"crates/*\",\n]\n");
        assert!(!m.package);
        assert_eq!(m.members, vec!["a", "crates/*"]);
    }
}
