//! Code written to be run: a Write or Edit whose file is a script or a runnable
//! definition (a shell script, an interpreter's source, `package.json` scripts, a git
//! hook, `.envrc`) is judged by the code it leaves behind, so that the danger is caught
//! when it is written, not only when it runs.

use std::path::Path;

use super::judge::{FileVerdict, judge_text};
use super::package::script_names;
use super::target::{Runs, RunsAs};
use super::tasks::{TargetRun, Tool};
use crate::engine::Evaluation;
use crate::shell::Language;

/// The names `task` reads its file by.
const TASKFILES: &[&str] = &[
    "Taskfile.yml",
    "taskfile.yml",
    "Taskfile.yaml",
    "taskfile.yaml",
    "Taskfile.dist.yml",
    "taskfile.dist.yml",
    "Taskfile.dist.yaml",
    "taskfile.dist.yaml",
];

/// How the file at `path` holding `text` would run, if it is code.
pub(crate) fn runs_as(path: &str, text: &str) -> Option<RunsAs> {
    let p = Path::new(path);
    let name = p.file_name()?.to_str()?;
    let in_git_hooks = p
        .parent()
        .is_some_and(|d| d.ends_with(".git/hooks") || d.ends_with(".husky"));
    if name == "package.json" {
        return Some(RunsAs::PackageScripts(script_names(text)));
    }
    let dir = p.parent().unwrap_or(Path::new("/")).to_path_buf();
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    // Task runners' files: every recipe, whichever target is asked for later.
    let tool = match name {
        "Makefile" | "makefile" | "GNUmakefile" => Some(Tool::Make),
        _ if ext == "mk" => Some(Tool::Make),
        "justfile" | "Justfile" | ".justfile" | "JUSTFILE" => Some(Tool::Just),
        _ if TASKFILES.contains(&name) => Some(Tool::Task),
        _ => None,
    };
    if let Some(tool) = tool {
        return Some(RunsAs::Targets(TargetRun::every(tool, dir)));
    }
    if name == "tasks.json" && p.parent().is_some_and(|d| d.ends_with(".vscode"))
        || super::vscode::is_workspace_file(p)
    {
        return Some(RunsAs::EditorTasks);
    }
    // A cargo build script: `build.rs`, or the file a `Cargo.toml` names as one.
    if name == "build.rs" || ext == "rs" && super::cargo::is_build_script(p) {
        let package = match super::cargo::package_of(p) {
            Some(d) => d,
            None => dir,
        };
        return Some(RunsAs::BuildScripts(vec![(package, p.to_path_buf())]));
    }
    if name == ".envrc" || in_git_hooks && !name.ends_with(".sample") {
        return Some(RunsAs::Shell);
    }
    let by_ext = match ext {
        "sh" | "bash" | "ksh" | "zsh" | "command" => Some(RunsAs::Shell),
        "py" | "pyw" => Some(RunsAs::Language(Language::Python)),
        "js" | "mjs" | "cjs" | "ts" | "mts" | "cts" => Some(RunsAs::Language(Language::Javascript)),
        "rb" => Some(RunsAs::Language(Language::Ruby)),
        "pl" | "pm" => Some(RunsAs::Language(Language::Perl)),
        "php" => Some(RunsAs::Language(Language::Php)),
        _ => None,
    };
    // A file with a `#!` line runs as that line says, whatever its name.
    match (by_ext, text.starts_with("#!")) {
        (_, true) => {
            Some(super::judge::by_first_line(text)).filter(|h| !matches!(h, RunsAs::Unread(_)))
        }
        (how, false) => how,
    }
}

/// What the file at `path` holds once `edits` (`(old, new, replace_all)`, in order) are
/// made to it; `None` when it cannot be read or an edit does not apply (then the edit
/// fails, or the file is not there to read: the new text alone is judged).
pub(crate) fn after_edit(path: &str, edits: &[(String, String, bool)]) -> Option<String> {
    if edits.is_empty() {
        return None;
    }
    let mut text = crate::disk::read_text(Path::new(path)).ok()??;
    for (old, new, all) in edits {
        if old.is_empty() || !text.contains(old.as_str()) {
            return None;
        }
        // `replace_all` of a short string by a long one multiplies the file: past what
        // a file the engine reads may hold, judge the edit's own text instead.
        let times = if *all {
            text.matches(old.as_str()).count()
        } else {
            1
        };
        let after =
            (text.len() - times * old.len()).saturating_add(times.saturating_mul(new.len()));
        if after as u64 > super::read::MAX_FILE_BYTES {
            return None;
        }
        text = if *all {
            text.replace(old.as_str(), new)
        } else {
            text.replacen(old.as_str(), new, 1)
        };
    }
    Some(text)
}

/// Judge the code a write leaves in `path` (`text` is the new content, or what an edit
/// leaves: see [`after_edit`]).
pub(crate) fn judge_written(
    path: &str,
    text: &str,
    cwd: Option<&str>,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let Some(how) = runs_as(path, text) else {
        return Vec::new();
    };
    let mut shown = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned());
    if how == RunsAs::EditorTasks && !super::vscode::is_workspace_file(Path::new(path)) {
        shown = format!(".vscode/{shown}");
    }
    let runs = Runs {
        path: Path::new(path).to_path_buf(),
        shown,
        how: how.clone(),
    };
    judge_text(&runs, how, text, cwd, judge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_that_would_grow_past_the_bound_is_not_applied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.sh");
        std::fs::write(&path, "e".repeat(64 * 1024)).unwrap();
        let path = path.to_str().unwrap();
        let big = "x".repeat(1024);
        // 65 536 matches × 1 KiB would be 64 MiB.
        assert_eq!(after_edit(path, &[("e".into(), big.clone(), true)]), None);
        let once = after_edit(path, &[("e".into(), big, false)]).unwrap();
        assert_eq!(once.len(), 64 * 1024 - 1 + 1024);
    }

    #[test]
    fn code_is_known_by_its_name_or_first_line() {
        assert_eq!(runs_as("/p/x.sh", "ls"), Some(RunsAs::Shell));
        assert_eq!(
            runs_as("/p/.git/hooks/pre-commit", "ls"),
            Some(RunsAs::Shell)
        );
        assert_eq!(runs_as("/p/.git/hooks/pre-commit.sample", "ls"), None);
        assert_eq!(runs_as("/p/.envrc", "export A=1"), Some(RunsAs::Shell));
        assert_eq!(
            runs_as("/p/tool", "#!/usr/bin/env python3\n"),
            Some(RunsAs::Language(Language::Python))
        );
        assert_eq!(
            runs_as("/p/a.py", "print(1)"),
            Some(RunsAs::Language(Language::Python))
        );
        assert_eq!(
            runs_as("/p/package.json", r#"{"scripts":{"a":"x","b":"y"}}"#),
            Some(RunsAs::PackageScripts(vec!["a".into(), "b".into()]))
        );
        assert_eq!(runs_as("/p/README.md", "rm -rf ~"), None);
        assert_eq!(
            runs_as("/p/notes.txt", "#!/bin/sh\nrm -rf ~"),
            Some(RunsAs::Shell)
        );
    }
}
