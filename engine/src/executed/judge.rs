//! The code a file holds, judged by the engine: shell scripts and `package.json` scripts
//! as command lines, interpreter sources as the inline code of that interpreter.

use std::path::Path;

use super::package::scripts_in;
use super::target::{Runs, RunsAs, runs};
use super::tasks::Tool;
use crate::disk::{is_compiled, read_text as read_bounded};
use crate::engine::Evaluation;
use crate::shell::{Invocation, Language};
use crate::verdict::Verdict;

/// Most files deep the engine follows (`bash a.sh` whose `a.sh` runs `b.sh` is two).
pub(crate) const MAX_FILE_DEPTH: u8 = 3;

/// What judging the file an invocation runs came to.
pub(crate) enum FileVerdict {
    /// Its code was judged: `line` (1-based) is where the deciding part is. `shown`
    /// names it for a reason, in Markdown (`` `tidy.sh` ``).
    Judged {
        shown: String,
        line: Option<usize>,
        evaluation: Box<Evaluation>,
    },
    /// It runs a file the engine could not read or locate: never allowed.
    Unreadable { shown: String, why: String },
}

impl FileVerdict {
    /// Whether the clock cut its judgement short.
    pub(crate) fn cut_short(&self) -> bool {
        matches!(self, FileVerdict::Judged { evaluation, .. } if evaluation.cut_short)
    }
}

/// Judge the files `inv` runs. `judge(command, cwd)` judges a command line one file
/// deeper; `depth` is how deep this invocation already is.
pub(crate) fn judge_files(
    inv: &Invocation,
    command: &[Invocation],
    depth: u8,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let runs = match runs(inv) {
        None => return Vec::new(),
        Some(Err(why)) => {
            return vec![FileVerdict::Unreadable {
                shown: format!("`{}`", inv.program),
                why,
            }];
        }
        Some(Ok(r)) => r,
    };
    let unreadable = |why: String| {
        vec![FileVerdict::Unreadable {
            shown: format!("`{}`", runs.shown),
            why,
        }]
    };
    if depth >= MAX_FILE_DEPTH {
        return unreadable(format!(
            "it is run by files nested more than {MAX_FILE_DEPTH} deep"
        ));
    }
    // What is on disk now is not what runs if the same command writes it first
    // (`cp evil.sh ok.sh && bash ok.sh`) or creates it (`... > new.py; python3 new.py`).
    if let Some(why) = changed_by(command, inv, &runs.path) {
        return unreadable(why);
    }
    let how = match &runs.how {
        RunsAs::Executable => match is_compiled(&runs.path) {
            // A compiled program of the project is judged by its name, like any program.
            Ok(true) => return Vec::new(),
            Ok(false) => None,
            Err(e) => return unreadable(e.to_string()),
        },
        other => Some(other.clone()),
    };
    let text = match read_bounded(&runs.path) {
        Ok(Some(t)) => t,
        // No such file, and nothing in this command makes it: nothing runs (the
        // program fails to start).
        Ok(None) => return Vec::new(),
        Err(e) => return unreadable(e.to_string()),
    };
    let how = how.unwrap_or_else(|| by_first_line(&text));
    judge_text(&runs, how, &text, inv.cwd.as_deref(), judge)
}

/// Judge `text`, the code of the file `runs` names, run as `how` from `cwd`.
pub(crate) fn judge_text(
    runs: &Runs,
    how: RunsAs,
    text: &str,
    cwd: Option<&str>,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let unreadable = |why: String| {
        vec![FileVerdict::Unreadable {
            shown: format!("`{}`", runs.shown),
            why,
        }]
    };
    // Scripts run where the command runs; package scripts in the package's directory.
    let dir = runs
        .path
        .parent()
        .map(|p| p.display().to_string())
        .or_else(|| cwd.map(str::to_owned));
    match how {
        RunsAs::Shell => vec![judged(runs, text, judge(text, cwd))],
        RunsAs::Language(language) => {
            let (command, map) = inline_command(language, text);
            let code_start = command.find('\'').unwrap_or(0);
            let evaluation = judge(&command, cwd);
            // A span inside the quoted code maps to its line; one over the whole
            // interpreter command (a rule on the code as a whole) names no line.
            let at = evaluation.judgement.span.start;
            let line = (evaluation.judgement.verdict != Verdict::Allow && at > code_start)
                .then(|| map.get(at).map(|&o| line_of(text, o)))
                .flatten();
            vec![FileVerdict::Judged {
                shown: format!("`{}`", runs.shown),
                line,
                evaluation: Box::new(evaluation),
            }]
        }
        RunsAs::PackageScripts(names) => match scripts_in(text, &names) {
            Ok(scripts) => scripts
                .into_iter()
                .map(|(name, command)| {
                    let key = text.find(&format!("\"{name}\"")).unwrap_or(0);
                    FileVerdict::Judged {
                        shown: format!("the `{name}` script of `{}`", runs.shown),
                        line: Some(line_of(text, key)),
                        evaluation: Box::new(judge(&command, dir.as_deref())),
                    }
                })
                .collect(),
            Err(why) => unreadable(why),
        },
        RunsAs::Targets(run) => match run.tool {
            Tool::Make => super::make::judge_make(&runs.path, &runs.shown, text, &run, judge),
            Tool::Just => super::just::judge_just(&runs.path, &runs.shown, text, &run, judge),
            Tool::Task => super::taskfile::judge_task(&runs.shown, text, &run, judge),
        },
        RunsAs::BuildScripts(scripts) => {
            super::cargo::judge_build_scripts(&scripts, &runs.shown, text, judge)
        }
        RunsAs::PackageBin => super::local_package::judge_bins(runs, text, cwd, judge),
        RunsAs::EditorTasks => super::vscode::judge_tasks(&runs.path, &runs.shown, text, judge),
        RunsAs::Unread(what) => unreadable(format!("the bouncer does not read {what} code")),
        RunsAs::Executable => unreadable("its kind is unknown".to_owned()),
    }
}

/// Programs that write the files their arguments name.
const WRITERS: &[&str] = &[
    "cp", "mv", "tee", "install", "ln", "rsync", "dd", "sed", "perl", "curl", "wget", "truncate",
    "patch", "git", "unzip", "tar", "scp", "touch",
];

/// Why the file at `path` may be written by one of `command`'s invocations before it
/// runs: a redirection or a writing program whose operand names it, or a target only
/// known at run time.
fn changed_by(command: &[Invocation], runner: &Invocation, path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let names_it = |w: &crate::shell::Word| {
        w.unresolved
            || w.glob
            || Path::new(&w.text).file_name().and_then(|n| n.to_str()) == Some(name)
    };
    // The runner's own variants (`node w.js "${Q:-d}"` is one per value) are not writers.
    for inv in command.iter().filter(|i| i.span != runner.span) {
        use crate::shell::RedirectOp::*;
        let redirect = inv
            .redirects
            .iter()
            .any(|r| matches!(r.op, Write | Append | ReadWrite) && names_it(&r.target));
        let operand = WRITERS.contains(&inv.program.as_str()) && inv.args().iter().any(names_it);
        if redirect || operand {
            return Some(format!("`{}` may write it first", inv.program));
        }
    }
    None
}

fn judged(runs: &Runs, text: &str, evaluation: Evaluation) -> FileVerdict {
    let line = (evaluation.judgement.verdict != Verdict::Allow)
        .then(|| line_of(text, evaluation.judgement.span.start));
    FileVerdict::Judged {
        shown: format!("`{}`", runs.shown),
        line,
        evaluation: Box::new(evaluation),
    }
}

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// How a file run by its path runs: its `#!` line, or the shell when it has none.
pub(crate) fn by_first_line(text: &str) -> RunsAs {
    let Some(line) = text.lines().next().and_then(|l| l.strip_prefix("#!")) else {
        // Without `#!`, the shell that runs it reads it as a script.
        return RunsAs::Shell;
    };
    let mut words = line.split_whitespace();
    let mut program = words.next().unwrap_or("");
    if Path::new(program).file_name().is_some_and(|n| n == "env") {
        program = words.find(|w| !w.starts_with('-')).unwrap_or("");
    }
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if crate::shell::execution::is_shell(&name) {
        return super::target::shell_dialect(&name);
    }
    match crate::shell::execution::interpreter_language(&name) {
        Some(Language::Other) | None => RunsAs::Unread(name),
        Some(l) => RunsAs::Language(l),
    }
}

/// The file's code as the inline code of its interpreter (`python3 -c '...'`), and for
/// each byte of that command the offset in the file it came from.
fn inline_command(language: Language, text: &str) -> (String, Vec<usize>) {
    let (prefix, code) = match language {
        Language::Python => ("python3 -c ", text),
        Language::Javascript => ("node -e ", text),
        Language::Ruby => ("ruby -e ", text),
        Language::Perl => ("perl -e ", text),
        Language::Php => (
            "php -r ",
            text.trim_start().strip_prefix("<?php").unwrap_or(text),
        ),
        Language::Awk => ("awk ", text),
        Language::Other => ("false ", text),
    };
    let skipped = text.len() - code.len();
    let mut command = String::with_capacity(prefix.len() + code.len() + 16);
    let mut map = Vec::with_capacity(command.capacity());
    command.push_str(prefix);
    map.extend(std::iter::repeat_n(skipped, prefix.len()));
    command.push('\'');
    map.push(skipped);
    for (i, c) in code.char_indices() {
        let at = skipped + i;
        if c == '\'' {
            command.push_str("'\\''");
            map.extend([at; 4]);
        } else {
            command.push(c);
            map.extend(std::iter::repeat_n(at, c.len_utf8()));
        }
    }
    command.push('\'');
    map.push(text.len());
    (command, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_command_maps_back_to_the_file() {
        let text = "import os\nos.system('rm -rf ~')\n";
        let (command, map) = inline_command(Language::Python, text);
        assert_eq!(command.len(), map.len());
        let at = command.find("rm -rf").unwrap();
        assert_eq!(line_of(text, map[at]), 2);
        assert_eq!(&text[map[at]..map[at] + 6], "rm -rf");
    }

    #[test]
    fn the_first_line_says_how_it_runs() {
        assert_eq!(
            by_first_line("#!/usr/bin/env python3\n"),
            RunsAs::Language(Language::Python)
        );
        assert_eq!(by_first_line("#!/bin/bash -e\n"), RunsAs::Shell);
        assert_eq!(
            by_first_line("#!/usr/bin/env -S node --x\n"),
            RunsAs::Language(Language::Javascript)
        );
        assert_eq!(by_first_line("echo hi\n"), RunsAs::Shell);
        assert_eq!(
            by_first_line("#!/usr/bin/fish\n"),
            RunsAs::Unread("fish".into())
        );
    }
}
