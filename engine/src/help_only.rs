//! `terraform destroy --help`, `git push --force --help`, `npm publish --version`: a
//! command that only asks a program for its usage or version never acts, so the rules
//! about what it would do do not apply to it.
//!
//! Only the plainest form counts, because `--help` is an ordinary word to many programs:
//! an argument of a script (`python3 x.py --help` runs `x.py`), a value (`git commit -m
//! --help`), a word for another program (`docker run img --help`, `npx pkg --help`). So
//! `--help` must follow the program or a subcommand name (after a flag it may be the
//! flag's value), every word must be a flag or a lower-case subcommand name (no path, no
//! `=`, nothing only known at run time), the program must not hand its words to
//! something it runs, and nothing around the command may act instead: no redirection
//! (`rm --help > ~/.bashrc` writes a shell profile), no assignment (`LD_PRELOAD=x`), no
//! inline code, no input run as code.

use crate::shell::Invocation;

/// Programs that run another program, a script or a package with the words they get.
const RUNNERS: &[&str] = &[
    "python", "python2", "python3", "node", "nodejs", "deno", "bun", "bunx", "ruby", "perl", "php",
    "lua", "java", "dotnet", "bash", "sh", "zsh", "dash", "ksh", "fish", "pwsh", "npx", "pnpx",
    "uvx", "pipx", "uv", "npm", "pnpm", "yarn", "corepack", "docker", "podman", "nerdctl", "ssh",
    "env", "xargs", "find", "parallel", "time", "timeout", "nohup", "watch", "exec", "eval",
    "source", ".", "command", "builtin",
];

/// Runners that, asked `--help` or `--version` and nothing else, print it and stop
/// before reading any script, package or project file (`npm --version`, `python3
/// --help`). Builtins and wrappers (`exec`, `eval`, `source`, `time`, `env`, `xargs`,
/// `find`, ...) are not among them: their words are another command's.
const RUNNERS_ANSWERING: &[&str] = &[
    "python", "python2", "python3", "node", "nodejs", "deno", "bun", "ruby", "perl", "php", "java",
    "dotnet", "bash", "sh", "zsh", "dash", "ksh", "fish", "pwsh", "npx", "uvx", "pipx", "uv",
    "npm", "pnpm", "yarn", "corepack", "docker", "podman", "nerdctl",
];

/// Wrappers that run the command as it is (`npx pkg --help` runs a package instead).
const QUIET_WRAPPERS: &[&str] = &[
    "sudo", "doas", "nice", "ionice", "time", "timeout", "nohup", "stdbuf",
];

/// Whether the invocation only prints its program's usage or version.
pub(crate) fn help_only(inv: &Invocation) -> bool {
    let args = inv.args();
    // After a flag, `--help` may be that flag's value (`git commit -m --help` commits).
    let asks = args.iter().enumerate().any(|(i, w)| {
        matches!(w.text.as_str(), "--help" | "--version")
            && (i == 0 || !args[i - 1].text.starts_with('-'))
    });
    // A runner's words are mostly its script's; only the form with nothing but the
    // question (`npm --version`) is certainly its own.
    let runner_asks = matches!(args, [w] if matches!(w.text.as_str(), "--help" | "--version"))
        && (RUNNERS_ANSWERING.contains(&inv.program.as_str()) || inv.program.starts_with("python"));
    let asks = asks
        && (runner_asks
            || !RUNNERS.contains(&inv.program.as_str()) && !inv.program.starts_with("python"));
    asks && inv
        .wrappers
        .iter()
        .all(|w| QUIET_WRAPPERS.contains(&w.as_str()))
        && inv.redirects.is_empty()
        && inv.env.is_empty()
        && inv.code.is_none()
        && !inv.output_executed
        && inv.stdin.is_none()
        && args.iter().all(|w| !w.unresolved && plain_word(&w.text))
}

/// A flag with no value (`-rf`, `--force`) or a subcommand name (`destroy`, `run-script`).
fn plain_word(w: &str) -> bool {
    let name = w.trim_start_matches('-');
    let dashes = w.len() - name.len();
    dashes <= 2
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| {
            c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || c == '-'
                || (dashes > 0 && c.is_ascii_alphabetic())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::PathEnv;
    use crate::shell::{Limits, model};

    fn only(cmd: &str) -> bool {
        let m = model(
            cmd,
            &PathEnv::fixture(),
            Some("/home/dev/project"),
            &Limits::default(),
        );
        m.invocations.iter().all(help_only)
    }

    #[test]
    fn usage_and_version_never_act() {
        for cmd in [
            "terraform destroy --help",
            "git push --help",
            "kubectl delete --help",
            "npm-check --version",
            "shred --help",
            "sudo rm --help",
            "npm --version",
            "npm --help",
            "pnpm --version",
            "yarn --version",
            "python3 --version",
            "python3.12 --help",
            "bash --help",
            "docker --version",
        ] {
            assert!(only(cmd), "{cmd}");
        }
    }

    #[test]
    fn anything_that_may_act_is_not_help() {
        for cmd in [
            "rm -rf / --help",
            "rm -rf ~ --help",
            "python3 x.py --help",
            "npx some-pkg --help",
            "docker run img --help",
            "git commit -m --help",
            "git commit --message --help",
            "git push --force --help",
            "rm --help > ~/.bashrc",
            "LD_PRELOAD=/tmp/x.so rm --help",
            "rm $X --help",
            "rm --help=x",
            "bash --help x.sh",
            "bash x.sh --help",
            "npm --version test",
            "npm test --help",
            "npm run build --version",
            "npx --version pkg",
            "eval --help",
            "source --help",
            "npm --version > ~/.bashrc",
            "NODE_OPTIONS=--require=/tmp/x.js npm --version",
            "docker rm --help",
            "env PATH=/tmp rm --help",
            "terraform destroy",
            "kubectl delete pod Web --help",
        ] {
            assert!(!only(cmd), "{cmd}");
        }
    }
}
