//! Which file an invocation runs: the script of an interpreter or a shell, a program
//! named by a path (`./deploy.sh`), a `source`d file, or the `package.json` scripts of
//! a package manager.

use std::path::{Path, PathBuf};

use super::package;
use super::tasks::{self, TargetRun};
use crate::shell::Invocation;
use crate::shell::Language;
use crate::shell::Word;
use crate::shell::execution::{CodeSource, code_source};

/// How the code in a file runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunsAs {
    /// Bash (or a POSIX shell): read by the shell model.
    Shell,
    /// An interpreter's source file, read by the inline-code analysis.
    Language(Language),
    /// A file run by its own `#!` line, or a compiled program: its first bytes decide.
    Executable,
    /// The named scripts of a `package.json`, each a shell command line.
    PackageScripts(Vec<String>),
    /// The targets a task runner (`make`, `just`, `task`) runs from its file.
    Targets(TargetRun),
    /// Cargo build scripts: `(package directory, script)`, read as Rust.
    BuildScripts(Vec<(PathBuf, PathBuf)>),
    /// The `bin` of a local package's `package.json` (`npx ./tool`).
    PackageBin,
    /// The tasks of a `.vscode/tasks.json`.
    EditorTasks,
    /// A language the engine does not read (fish, PowerShell, Lua, ...).
    Unread(String),
}

/// A file an invocation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Runs {
    /// Where it is, absolute.
    pub path: PathBuf,
    /// As the command names it, for the reason.
    pub shown: String,
    pub how: RunsAs,
}

/// The file `inv` runs: `None` when it runs none, `Some(Err(why))` when it runs one the
/// engine cannot locate (its name or the working directory is only known at run time).
pub(crate) fn runs(inv: &Invocation) -> Option<Result<Runs, String>> {
    let program = inv.program.as_str();
    // `npx ./tool`: the package runner was stripped as a wrapper, leaving the package.
    if let Some(r) = super::local_package::by_wrapper(inv) {
        return Some(r);
    }
    // A shell or an interpreter reading its code from standard input reads the file
    // redirected there (`bash < x.sh`, `python3 - < x.py`).
    let stdin_file = inv
        .redirects
        .iter()
        .rev()
        .find(|r| r.op == crate::shell::RedirectOp::Read && matches!(r.fd, None | Some(0)))
        .map(|r| &r.target);
    // Which word names the script is the shell model's reading of the command line.
    let (word, how) = match code_source(program, &inv.argv) {
        CodeSource::ShellStdin if stdin_file.is_some() => (stdin_file?, shell_dialect(program)),
        CodeSource::Interpreter(i)
            if i.stdin && i.code_words.is_empty() && i.script.is_none() && stdin_file.is_some() =>
        {
            let how = match i.language {
                Language::Other => RunsAs::Unread(program.to_owned()),
                l => RunsAs::Language(l),
            };
            (stdin_file?, how)
        }
        CodeSource::Source { word } => (inv.argv.get(word)?, RunsAs::Shell),
        CodeSource::ShellScript { word } => (inv.argv.get(word)?, shell_dialect(program)),
        CodeSource::Interpreter(i) if i.code_words.is_empty() && i.module.is_none() => {
            let how = match i.language {
                Language::Other => RunsAs::Unread(program.to_owned()),
                l => RunsAs::Language(l),
            };
            (inv.argv.get(i.script?)?, how)
        }
        // `python3 -m tool` runs `tool.py` (or `tool/__main__.py`) of the working
        // directory when there is one, which comes first on `sys.path`; otherwise an
        // installed module, judged by its name.
        CodeSource::Interpreter(i)
            if i.code_words.is_empty() && i.language == Language::Python && i.module.is_some() =>
        {
            let word = inv.argv.get(i.module?)?;
            return local_module(&word.text, inv.cwd.as_deref()?, word.unresolved);
        }
        CodeSource::None if runs_by_path(&inv.argv[0]) => (&inv.argv[0], RunsAs::Executable),
        CodeSource::None if tasks::runs(inv).is_some() => return tasks::runs(inv),
        CodeSource::None if inv.program == "cargo" => return super::cargo::runs(inv),
        CodeSource::None if super::local_package::runs(inv).is_some() => {
            return super::local_package::runs(inv);
        }
        CodeSource::None => {
            let names = match package::scripts_run(program, inv.args())? {
                Ok(names) => names,
                Err(why) => return Some(Err(why)),
            };
            // Where the command runs is not known (`scan` of a CI file, after `cd "$d"`):
            // its file cannot be located, and `execution.local-script` or the command's
            // own rules judge it as before.
            let cwd = inv.cwd.as_deref()?;
            return Some(Ok(Runs {
                path: Path::new(cwd).join("package.json"),
                shown: "package.json".to_owned(),
                how: RunsAs::PackageScripts(names),
            }));
        }
        _ => return None,
    };
    if word.unresolved || word.glob {
        return Some(Err(format!(
            "the file it runs, `{}`, is only known at run time",
            word.text
        )));
    }
    let path = Path::new(&word.text);
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        match inv.cwd.as_deref() {
            Some(cwd) => Path::new(cwd).join(path),
            None => return None,
        }
    };
    Some(Ok(Runs {
        path,
        shown: word.text.clone(),
        how,
    }))
}

/// The file of the working directory `python -m module` runs, if there is one.
fn local_module(module: &str, cwd: &str, unresolved: bool) -> Option<Result<Runs, String>> {
    if unresolved {
        return Some(Err(format!(
            "the module it runs, `{module}`, is only known at run time"
        )));
    }
    let valid = !module.is_empty()
        && module
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'));
    if !valid {
        return None;
    }
    // Importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first, and a
    // package `a/b/c/` (one with `__init__.py`) runs its `__init__.py` and then its
    // `__main__.py`, ahead of a module `a/b/c.py`. The engine judges one file per
    // command: code in a package's `__init__.py` is reviewed, never passed over.
    let parts: Vec<&str> = module.split('.').collect();
    for k in 1..=parts.len() {
        let package = parts[..k].join("/");
        let init = format!("{package}/__init__.py");
        if crate::disk::is_file(&Path::new(cwd).join(&init)) {
            return Some(Err(format!(
                "it runs `{init}` first, the code of the package it imports"
            )));
        }
    }
    let rel = module.replace('.', "/");
    [format!("{rel}.py"), format!("{rel}/__main__.py")]
        .into_iter()
        .map(|f| (Path::new(cwd).join(&f), f))
        .find(|(path, _)| crate::disk::is_file(path))
        .map(|(path, shown)| {
            Ok(Runs {
                path,
                shown,
                how: RunsAs::Language(Language::Python),
            })
        })
}

/// A program named by a path of the project or a temporary directory (`./x`,
/// `scripts/x`, `/tmp/x`), not an installed one (`/usr/bin/x`).
fn runs_by_path(program: &Word) -> bool {
    let t = program.text.as_str();
    if !t.contains('/') {
        return false;
    }
    const INSTALLED: [&str; 11] = [
        "/usr/",
        "/bin/",
        "/sbin/",
        "/lib/",
        "/lib64/",
        "/opt/",
        "/nix/",
        "/snap/",
        "/System/",
        "/Library/",
        "/Applications/",
    ];
    !INSTALLED.iter().any(|p| t.starts_with(p))
}

/// How a shell named `program` reads its script: bash and the POSIX shells through
/// the shell model; fish, PowerShell, csh and the like not at all.
pub(crate) fn shell_dialect(program: &str) -> RunsAs {
    match program {
        "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh" | "zsh" | "rbash" | "posh" | "yash"
        | "ksh93" => RunsAs::Shell,
        other => RunsAs::Unread(other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PathEnv;
    use crate::shell::{Limits, model};

    fn runs_of(cmd: &str) -> Vec<Option<Result<Runs, String>>> {
        let env = PathEnv::new("/home/dev", Some("/home/dev/p"));
        let m = model(cmd, &env, Some("/home/dev/p"), &Limits::default());
        m.invocations.iter().map(runs).collect()
    }

    fn path(cmd: &str) -> Option<(String, RunsAs)> {
        match runs_of(cmd).pop()? {
            Some(Ok(r)) => Some((r.path.display().to_string(), r.how)),
            _ => None,
        }
    }

    #[test]
    fn finds_the_file_each_runner_runs() {
        let p = |s: &str| format!("/home/dev/p/{s}");
        assert_eq!(
            path("python3 tidy.py --fix"),
            Some((p("tidy.py"), RunsAs::Language(Language::Python)))
        );
        assert_eq!(
            path("python3 -W ignore -u tidy.py"),
            Some((p("tidy.py"), RunsAs::Language(Language::Python)))
        );
        assert_eq!(
            path("node --require x.js app.js"),
            Some((p("app.js"), RunsAs::Language(Language::Javascript)))
        );
        assert_eq!(
            path("bash -e build.sh"),
            Some((p("build.sh"), RunsAs::Shell))
        );
        assert_eq!(path("sudo sh ./x.sh"), Some((p("./x.sh"), RunsAs::Shell)));
        assert_eq!(path("source env.sh"), Some((p("env.sh"), RunsAs::Shell)));
        assert_eq!(
            path(". /tmp/env.sh"),
            Some(("/tmp/env.sh".to_owned(), RunsAs::Shell))
        );
        assert_eq!(path("./deploy"), Some((p("./deploy"), RunsAs::Executable)));
        assert_eq!(
            path("deno run -A main.ts"),
            Some((p("main.ts"), RunsAs::Language(Language::Javascript)))
        );
        assert_eq!(
            path("php -f x.php"),
            Some((p("x.php"), RunsAs::Language(Language::Php)))
        );
        assert_eq!(
            path("fish x.fish"),
            Some((p("x.fish"), RunsAs::Unread("fish".into())))
        );
        assert_eq!(
            path("npm test"),
            Some((
                p("package.json"),
                RunsAs::PackageScripts(vec!["pretest".into(), "test".into(), "posttest".into()])
            ))
        );
        for none in [
            "python3 -c 'print(1)'",
            "python3 -m pytest",
            "bash -c ls",
            "bash",
            "node -e 1",
            "/usr/bin/env",
            "ls ./x",
            "awk '{print}' f",
            "deno fmt",
            "cat x.sh",
        ] {
            assert_eq!(runs_of(none).pop().flatten(), None, "{none}");
        }
    }

    #[test]
    fn a_file_only_known_at_run_time_is_said_so() {
        for cmd in ["python3 \"$f\"", "bash $(ls *.sh | head -1)", "source *.sh"] {
            assert!(
                runs_of(cmd).into_iter().any(|r| matches!(r, Some(Err(_)))),
                "{cmd}"
            );
        }
    }
}
