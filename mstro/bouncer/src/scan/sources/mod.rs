//! Sources: the kinds of files whose commands `scan` reads, how each is recognised, and
//! what an extractor hands back ([`Extraction`]: commands with their places in the file).
//!
//! One file per kind. Extractors are pure functions of the file's text: no engine, no
//! filesystem, so they are unit-tested in their modules.

mod compose;
mod dockerfile;
mod github_actions;
mod gitlab_ci;
mod json;
mod makefile;
mod package_json;
mod shell;
mod yaml;

use std::ops::Range;
use std::path::Path;

use mstro_engine::{Severity, Verdict};
use thiserror::Error;

use super::location::MappedText;

/// A kind of file `scan` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// `*.sh`, `*.bash`, `*.zsh`, `*.ksh`, or a `#!` line naming a POSIX-family shell.
    ShellScript,
    /// `Dockerfile`, `Dockerfile.*`, `*.dockerfile`, `Containerfile`, `Containerfile.*`.
    Dockerfile,
    /// `.github/workflows/*.yml`, and composite actions (`action.yml`).
    GitHubActions,
    /// `.gitlab-ci.yml`, `*.gitlab-ci.yml`, `.gitlab/ci/**/*.yml`.
    GitLabCi,
    /// `Makefile`, `makefile`, `GNUmakefile`, `*.mk`, `*.mak`.
    Makefile,
    /// `package.json` (outside `node_modules`, which discovery never enters).
    PackageJson,
    /// `compose.yaml`, `docker-compose*.yml` and the like.
    Compose,
}

impl SourceKind {
    /// Where a command of this kind of file runs, unless its extractor knows better
    /// (a make target that installs, a GitHub Actions job on a self-hosted runner) or
    /// the file's name says it is an installer.
    pub fn default_setting(self, file_name: &str) -> Setting {
        match self {
            SourceKind::Dockerfile | SourceKind::Compose => Setting::Container,
            SourceKind::GitHubActions | SourceKind::GitLabCi => Setting::HostedRunner,
            SourceKind::ShellScript if is_installer_name(file_name) => Setting::Installer,
            // `package.json` lifecycle scripts (`postinstall`) run on the machine of
            // whoever installs the package: exactly where the rules apply.
            SourceKind::ShellScript | SourceKind::Makefile | SourceKind::PackageJson => {
                Setting::Machine
            }
        }
    }

    /// A stable name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::ShellScript => "shell",
            SourceKind::Dockerfile => "dockerfile",
            SourceKind::GitHubActions => "github-actions",
            SourceKind::GitLabCi => "gitlab-ci",
            SourceKind::Makefile => "makefile",
            SourceKind::PackageJson => "package-json",
            SourceKind::Compose => "compose",
        }
    }

    /// Recognise a file by its path alone.
    pub fn from_path(path: &Path) -> Option<SourceKind> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
        let dirs: Vec<&str> = path
            .parent()
            .into_iter()
            .flat_map(|p| p.components())
            .filter_map(|c| c.as_os_str().to_str())
            .collect();
        let under = |a: &str, b: &str| dirs.windows(2).any(|w| w[0] == a && w[1] == b);

        if yaml && dirs.last() == Some(&"workflows") && under(".github", "workflows") {
            return Some(SourceKind::GitHubActions);
        }
        if lower == "action.yml" || lower == "action.yaml" {
            return Some(SourceKind::GitHubActions);
        }
        if lower == ".gitlab-ci.yml" || lower.ends_with(".gitlab-ci.yml") {
            return Some(SourceKind::GitLabCi);
        }
        if yaml && under(".gitlab", "ci") {
            return Some(SourceKind::GitLabCi);
        }
        if yaml && is_compose_name(&lower) {
            return Some(SourceKind::Compose);
        }
        // `Dockerfile.dev`, but not `dockerfile.rs`: the variant suffix convention is
        // capitalised, the extension one is not.
        if matches!(name, "Dockerfile" | "dockerfile" | "Containerfile")
            || name.starts_with("Dockerfile.")
            || name.starts_with("Containerfile.")
            || lower.ends_with(".dockerfile")
        {
            return Some(SourceKind::Dockerfile);
        }
        if matches!(name, "Makefile" | "makefile" | "GNUmakefile")
            || lower.ends_with(".mk")
            || lower.ends_with(".mak")
        {
            return Some(SourceKind::Makefile);
        }
        if name == "package.json" {
            return Some(SourceKind::PackageJson);
        }
        let ext = lower.rsplit_once('.').map(|(_, e)| e);
        if matches!(ext, Some("sh" | "bash"))
            || ext.is_some_and(|e| shell::OTHER_EXTENSIONS.contains(&e))
        {
            return Some(SourceKind::ShellScript);
        }
        None
    }

    /// Recognise a file the path did not identify by its first line: a `#!` naming a
    /// shell makes it a shell script (one in a dialect the engine does not read, such
    /// as zsh or fish, is reported as such).
    pub fn from_content(head: &[u8]) -> Option<SourceKind> {
        let line = head.split(|&b| b == b'\n').next()?;
        let line = std::str::from_utf8(line).ok()?;
        let argv = shebang(line)?;
        let program = program_name(argv.first()?).to_ascii_lowercase();
        (Shell::from_argv(&argv).is_posix() || shell::OTHER_EXTENSIONS.contains(&&*program))
            .then_some(SourceKind::ShellScript)
    }
}

/// Where an extracted command runs, which decides the rules that say something about
/// it. The packs are written for an agent on a developer's machine; a few of their
/// `review` rules are about that machine's own state (its system paths, shell profiles,
/// accounts, services, local git state) and say nothing where the machine is thrown
/// away or where changing it is the point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// Someone's machine: scripts, Makefiles, `package.json` scripts, self-hosted CI
    /// runners. Every rule applies but the two no repository script can avoid.
    Machine,
    /// Inside a container as its root (Dockerfile `RUN`, compose commands): system
    /// paths, accounts and profiles are the image's own.
    Container,
    /// A hosted CI runner (GitHub-hosted, GitLab's shared runners), a fresh machine per
    /// job that is thrown away after it.
    HostedRunner,
    /// An installer (`install.sh`, `uninstall`, a make `install` target): changing the
    /// machine (system paths, profiles, services, its own checkout) is its job.
    Installer,
}

impl Setting {
    /// Whether rule `id` says nothing about a command run here. Rules about what leaves
    /// the machine or reaches others (secrets, exfiltration, publishing, pushes,
    /// deploys, downloads piped into a shell) and every critical rule (`rm -rf /`, raw
    /// disk writes, reverse shells, `/etc/sudoers`) apply everywhere.
    pub fn leaves_out(self, id: &str) -> bool {
        // A scan judges the repository's own files, so running the repository's
        // scripts (`execution.local-script`) is what they are for; and they take paths
        // from variables all the time, so a write to a path known only at run time
        // (`filesystem.unknown-target`) is every script, not a finding (deleting one
        // recursively is still `filesystem.recursive-delete`).
        const ANYWHERE: &[&str] = &["execution.local-script", "filesystem.unknown-target"];
        // The machine's own state: nothing to protect where the machine is thrown away,
        // and the point of an installer.
        const MACHINE_STATE: &[&str] = &[
            "privilege.escalation",
            "privilege.accounts",
            "filesystem.recursive-delete",
            "filesystem.rm-every-file",
            "filesystem.delete-system-files",
            "filesystem.extract-over-sensitive-paths",
            "system.write-system-path",
            "system.permissions-system-path",
            "system.shell-profile",
            "system.persistence",
            "git.checkout-discard",
        ];
        // An installer that clones itself tidies its own checkout.
        const OWN_CHECKOUT: &[&str] = &["git.branch-force-delete", "git.rewrite-history"];
        let within = |list: &[&str]| list.contains(&id);
        match self {
            Setting::Machine => within(ANYWHERE),
            // A runner is a container that lasts one job.
            Setting::Container | Setting::HostedRunner => within(ANYWHERE) || within(MACHINE_STATE),
            Setting::Installer => within(ANYWHERE) || within(MACHINE_STATE) || within(OWN_CHECKOUT),
        }
    }
}

/// Whether a script's name says it installs or uninstalls something: `install`,
/// `install.sh`, `rootless-install.sh`, `uninstall`, `ubuntu-install-packages`,
/// `pyenv-install`, `install_deps.sh` (a word `install` or `uninstall` in the name,
/// not `installation-test.sh` or `reinstalled`).
pub fn is_installer_name(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".sh")
        .or_else(|| lower.strip_suffix(".bash"))
        .unwrap_or(&lower);
    stem.split(['-', '_', '.'])
        .any(|word| matches!(word, "install" | "uninstall"))
}

/// Whether a make target installs or uninstalls: `install`, `uninstall`,
/// `install-bin`, `uninstall_docs`.
pub fn is_installer_target(target: &str) -> bool {
    is_installer_name(target)
}

/// `compose.yaml`, `docker-compose.yml`, `docker-compose.prod.yml`, `compose-dev.yaml`.
fn is_compose_name(lower: &str) -> bool {
    ["docker-compose", "compose"].iter().any(|prefix| {
        lower
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(['.', '-', '_']))
    })
}

/// The program and arguments of a `#!` line, with `/usr/bin/env` (and its options)
/// looked through.
pub fn shebang(line: &str) -> Option<Vec<String>> {
    let rest = line.strip_prefix("#!")?.trim();
    let mut words = rest.split_whitespace().map(str::to_owned);
    let first = words.next()?;
    let mut argv: Vec<String> = words.collect();
    if program_name(&first) != "env" {
        argv.insert(0, first);
        return Some(argv);
    }
    // `#!/usr/bin/env -S bash -e`, `#!/usr/bin/env VAR=1 bash`
    let skip = argv
        .iter()
        .take_while(|w| w.starts_with('-') || w.contains('='))
        .count();
    let argv = argv.split_off(skip);
    (!argv.is_empty()).then_some(argv)
}

/// The basename of a program path, as the engine names programs.
fn program_name(path: &str) -> &str {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    base.strip_suffix(".exe").unwrap_or(base)
}

/// What runs an extracted piece of code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shell {
    /// A POSIX-family shell (`sh`, `bash`, `dash`, `zsh`, `ksh`, `ash`): the engine reads
    /// the code as a shell command line.
    Posix,
    /// Another interpreter, given the code as its last argument (`python3 -c CODE`,
    /// `pwsh -Command CODE`, `cmd /c CODE`). The engine judges that command line, so its
    /// own rules for the interpreter apply (inline Python is read; PowerShell, which it
    /// cannot read, is `review`).
    Interpreter(Vec<String>),
}

impl Shell {
    /// The shell a command line names (a `SHELL` instruction, a `#!` line, a GitHub
    /// Actions `shell:` with `{0}` removed). Options to POSIX shells do not matter to
    /// the engine; other interpreters get their inline-code flag.
    pub fn from_argv(argv: &[String]) -> Shell {
        let Some(first) = argv.first() else {
            return Shell::Posix;
        };
        let program = program_name(first).to_ascii_lowercase();
        if matches!(
            program.as_str(),
            "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "mksh"
        ) || (program == "busybox" && argv.get(1).is_some_and(|a| a == "sh"))
        {
            return Shell::Posix;
        }
        // The code as an argument, the way each interpreter takes inline code.
        let has_code_flag = argv.len() > 1;
        let flag = match program.as_str() {
            p if p.starts_with("python") => "-c",
            "node" | "nodejs" | "perl" | "ruby" | "bun" => "-e",
            "php" => "-r",
            "pwsh" | "powershell" => "-Command",
            "cmd" => "/c",
            _ => "",
        };
        let mut out = argv.to_vec();
        if !has_code_flag && !flag.is_empty() {
            out.push(flag.to_owned());
        }
        Shell::Interpreter(out)
    }

    pub fn is_posix(&self) -> bool {
        matches!(self, Shell::Posix)
    }

    /// The shell command line the engine judges for `code` run by this shell: the code
    /// itself, or `interpreter flag 'code'` (the interpreter's words point at the
    /// code's start).
    pub fn command_line(&self, code: &MappedText) -> MappedText {
        match self {
            Shell::Posix => code.clone(),
            Shell::Interpreter(argv) => {
                let mut words: Vec<MappedText> = argv
                    .iter()
                    .map(|w| {
                        let mut t = MappedText::new();
                        t.push_synthetic(code.start(), w);
                        t
                    })
                    .collect();
                words.push(code.clone());
                join_argv(&words)
            }
        }
    }
}

/// Where a command runs, which decides how the engine resolves relative paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cwd {
    /// The directory holding the file: `make` and `npm run` change into it.
    FileDir,
    /// The scan root: CI jobs start in the repository checkout, and scripts and
    /// Dockerfiles are usually run from there.
    Root,
}

/// One command a file will run, and where it is.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// What runs it.
    pub shell: Shell,
    /// The command text as the engine will see it, mapped back to the file.
    pub command: MappedText,
    pub cwd: Cwd,
    /// Where it comes from, for people: `RUN`, `jobs.test.steps[2].run`, `scripts.build`.
    pub origin: String,
    /// Where it runs, when the extractor knows better than the file's kind.
    pub setting: Option<Setting>,
}

/// A problem an extractor sees in the file itself, without the engine: a GitHub
/// Actions expression that injects untrusted text into a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flagged {
    /// Byte range in the file.
    pub span: Range<usize>,
    pub rule_id: &'static str,
    /// What the rule is about in general, for rule metadata.
    pub description: &'static str,
    pub verdict: Verdict,
    pub severity: Severity,
    pub reason: String,
    pub alternative: Option<String>,
    pub origin: String,
}

/// Something about a file a person should know that is not a finding: a script in a
/// shell dialect the engine does not read, so its commands were not judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Byte range in the file.
    pub span: Range<usize>,
    pub message: String,
}

/// Everything an extractor found in one file.
#[derive(Debug, Default)]
pub struct Extraction {
    pub commands: Vec<Extracted>,
    pub flagged: Vec<Flagged>,
    pub notes: Vec<Note>,
}

/// Why a file's commands could not be extracted.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{message}")]
pub struct SourceError {
    /// Byte offset in the file where the problem is, when known.
    pub offset: Option<usize>,
    pub message: String,
}

impl SourceError {
    pub fn at(offset: usize, message: impl Into<String>) -> Self {
        SourceError {
            offset: Some(offset),
            message: message.into(),
        }
    }
}

/// Extract the commands of a file of this kind; `file_name` is its name (the last
/// component of its path), which tells a script's dialect when its `#!` line does not.
pub fn extract(kind: SourceKind, file_name: &str, text: &str) -> Result<Extraction, SourceError> {
    match kind {
        SourceKind::ShellScript => Ok(shell::extract(file_name, text)),
        SourceKind::Dockerfile => dockerfile::extract(text),
        SourceKind::GitHubActions => github_actions::extract(text),
        SourceKind::GitLabCi => gitlab_ci::extract(text),
        SourceKind::Makefile => Ok(makefile::extract(text)),
        SourceKind::PackageJson => package_json::extract(text),
        SourceKind::Compose => compose::extract(text),
    }
    .map(|mut e| {
        // Nothing to judge in an empty `run:` or recipe line.
        e.commands.retain(|c| !c.command.as_str().trim().is_empty());
        e
    })
}

/// Quote a word for a POSIX shell, keeping each byte's origin: words made only of
/// safe characters stay bare, others go in single quotes (`'` as `'\''`).
pub fn push_quoted(out: &mut MappedText, word: &MappedText) {
    let safe = !word.is_empty()
        && word
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=+,@%".contains(&b));
    if safe {
        out.push_mapped(word);
        return;
    }
    let start = word.start();
    out.push_synthetic(start, "'");
    for (i, c) in word.char_indices() {
        if c == '\'' {
            out.push_synthetic(word.origin(i), "'\\''");
        } else {
            out.push_char(word.origin(i), c);
        }
    }
    out.push_synthetic(word.origin(word.len()), "'");
}

/// An argv (Dockerfile exec form, compose list form) as one shell command line.
pub fn join_argv(argv: &[MappedText]) -> MappedText {
    let mut out = MappedText::new();
    for (i, word) in argv.iter().enumerate() {
        if i > 0 {
            out.push_synthetic(word.start(), " ");
        }
        push_quoted(&mut out, word);
    }
    out
}

/// An exec-form argv as an [`Extracted`] command: `sh -c SCRIPT` becomes the script
/// itself (so its lines and columns are exact), anything else the quoted command line.
pub fn argv_command(argv: &[MappedText], cwd: Cwd, origin: String) -> Option<Extracted> {
    let first = argv.first()?;
    let command = match shell_script_argument(argv) {
        Some(script) if Shell::from_argv(&[first.as_str().to_owned()]).is_posix() => script.clone(),
        _ => join_argv(argv),
    };
    Some(Extracted {
        shell: Shell::Posix,
        command,
        cwd,
        origin,
        setting: None,
    })
}

/// The script of `sh [options] -c SCRIPT ...`: the first operand after an option
/// cluster holding `c` (`-c`, `-ec`, `-euxc`).
fn shell_script_argument(argv: &[MappedText]) -> Option<&MappedText> {
    let mut seen_c = false;
    let mut words = argv.iter().skip(1);
    while let Some(word) = words.next() {
        let w = word.as_str();
        if w == "--" || w.starts_with("--") {
            continue;
        }
        if let Some(flags) = w.strip_prefix(['-', '+']).filter(|f| !f.is_empty()) {
            seen_c |= w.starts_with('-') && flags.contains('c');
            // `-o pipefail`: the option name is the next word.
            if flags.ends_with('o') {
                words.next();
            }
            continue;
        }
        return seen_c.then_some(word);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installers_by_name() {
        for name in [
            "install",
            "install.sh",
            "uninstall",
            "rootless-install.sh",
            "ubuntu-install-packages",
            "pyenv-install",
            "install_deps.bash",
        ] {
            assert!(is_installer_name(name), "{name}");
        }
        for name in [
            "installation-test.sh",
            "reinstalled.sh",
            "build.sh",
            "installer-notes",
        ] {
            assert!(!is_installer_name(name), "{name}");
        }
    }

    fn kind(p: &str) -> Option<SourceKind> {
        SourceKind::from_path(Path::new(p))
    }

    #[test]
    fn files_are_recognised_by_name() {
        use SourceKind::*;
        assert_eq!(kind(".github/workflows/ci.yml"), Some(GitHubActions));
        assert_eq!(
            kind("repo/.github/workflows/release.yaml"),
            Some(GitHubActions)
        );
        assert_eq!(
            kind(".github/actions/setup/action.yml"),
            Some(GitHubActions)
        );
        assert_eq!(kind(".github/dependabot.yml"), None);
        assert_eq!(kind(".gitlab-ci.yml"), Some(GitLabCi));
        assert_eq!(kind("ci/deploy.gitlab-ci.yml"), Some(GitLabCi));
        assert_eq!(kind(".gitlab/ci/test.yml"), Some(GitLabCi));
        assert_eq!(kind("docker-compose.yml"), Some(Compose));
        assert_eq!(kind("docker-compose.prod.yaml"), Some(Compose));
        assert_eq!(kind("compose.yaml"), Some(Compose));
        assert_eq!(kind("composer.yml"), None);
        assert_eq!(kind("Dockerfile"), Some(Dockerfile));
        assert_eq!(kind("docker/Dockerfile.dev"), Some(Dockerfile));
        assert_eq!(kind("api.dockerfile"), Some(Dockerfile));
        assert_eq!(kind("src/sources/dockerfile.rs"), None);
        assert_eq!(kind("src/sources/makefile.rs"), None);
        assert_eq!(kind("Makefile"), Some(Makefile));
        assert_eq!(kind("GNUmakefile"), Some(Makefile));
        assert_eq!(kind("rules.mk"), Some(Makefile));
        assert_eq!(kind("web/package.json"), Some(PackageJson));
        assert_eq!(kind("package-lock.json"), None);
        assert_eq!(kind("scripts/build.sh"), Some(ShellScript));
        assert_eq!(kind("x.bash"), Some(ShellScript));
        assert_eq!(kind("lib/git.zsh"), Some(ShellScript));
        assert_eq!(kind("conf.d/x.fish"), Some(ShellScript));
        assert_eq!(kind("README.md"), None);
    }

    #[test]
    fn shebangs_name_shells() {
        let k = SourceKind::from_content;
        assert_eq!(k(b"#!/bin/sh\necho"), Some(SourceKind::ShellScript));
        assert_eq!(k(b"#!/usr/bin/env bash\n"), Some(SourceKind::ShellScript));
        assert_eq!(k(b"#! /bin/bash -eu\n"), Some(SourceKind::ShellScript));
        assert_eq!(
            k(b"#!/usr/bin/env -S zsh -f\n"),
            Some(SourceKind::ShellScript)
        );
        assert_eq!(k(b"#!/usr/bin/env fish\n"), Some(SourceKind::ShellScript));
        assert_eq!(k(b"#!/usr/bin/env python3\n"), None);
        assert_eq!(k(b"echo hi\n"), None);
        assert_eq!(k(b"\x7fELF\x02"), None);
    }

    #[test]
    fn interpreters_get_their_inline_code_flag() {
        let s = |a: &[&str]| Shell::from_argv(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["/bin/bash", "-o", "pipefail", "-c"]), Shell::Posix);
        assert_eq!(
            Shell::from_argv(&["python".to_owned()]),
            Shell::Interpreter(vec!["python".into(), "-c".into()])
        );
        assert_eq!(
            Shell::from_argv(&["pwsh".to_owned()]),
            Shell::Interpreter(vec!["pwsh".into(), "-Command".into()])
        );
        assert_eq!(
            s(&["powershell", "-command"]),
            Shell::Interpreter(vec!["powershell".into(), "-command".into()])
        );
    }

    #[test]
    fn interpreters_get_the_code_as_an_argument() {
        let code = MappedText::verbatim(40, "print('hi')");
        let line = Shell::from_argv(&["python".to_owned()]).command_line(&code);
        assert_eq!(line.as_str(), r#"python -c 'print('\''hi'\'')'"#);
        assert_eq!(line.origin(0), 40);
        assert_eq!(line.origin(line.as_str().find("hi").unwrap()), 47);
        assert_eq!(Shell::Posix.command_line(&code), code);
    }

    #[test]
    fn argv_is_quoted_with_origins() {
        let argv = [
            MappedText::verbatim(0, "echo"),
            MappedText::verbatim(10, "it's"),
            MappedText::verbatim(20, "a b"),
        ];
        let joined = join_argv(&argv);
        assert_eq!(joined.as_str(), r#"echo 'it'\''s' 'a b'"#);
        assert_eq!(joined.origin(6), 10);
    }

    #[test]
    fn sh_c_in_an_argv_is_the_script() {
        let argv = |w: &[&str]| -> Vec<MappedText> {
            w.iter().map(|w| MappedText::verbatim(0, w)).collect()
        };
        let c = |w: &[&str]| argv_command(&argv(w), Cwd::Root, String::new()).unwrap();
        assert_eq!(
            c(&["/bin/sh", "-c", "rm -rf ~"]).command.as_str(),
            "rm -rf ~"
        );
        assert_eq!(
            c(&["bash", "-o", "pipefail", "-ec", "make"])
                .command
                .as_str(),
            "make"
        );
        assert_eq!(c(&["bash", "run.sh"]).command.as_str(), "bash run.sh");
        assert_eq!(c(&["node", "-c", "x"]).command.as_str(), "node -c x");
    }
}
