//! Makefiles: every recipe line, `VAR != command` and `$(shell command)`, read by the
//! engine's extractor (`mstro_engine::extract::makefile`, which the engine also judges
//! `make TARGET` with), with values the file does not show as neutral `_NAME_` words.

use mstro_engine::extract::makefile;

use super::{Cwd, Extracted, Extraction, Setting, Shell};

pub fn extract(text: &str) -> Extraction {
    let commands = makefile::extract(text);
    let recipe_shell = commands
        .shell
        .as_deref()
        .map(|v| {
            let argv: Vec<String> = v.split_whitespace().map(str::to_owned).collect();
            Shell::from_argv(&argv)
        })
        .unwrap_or(Shell::Posix);
    let mut out = Extraction::default();
    for c in commands.commands {
        // Recipes run in `SHELL`; `!=` and `$(shell ...)` always in `/bin/sh`.
        let shell = if c.target.is_some() {
            recipe_shell.clone()
        } else {
            Shell::Posix
        };
        out.commands.push(Extracted {
            shell,
            command: c.command,
            cwd: Cwd::FileDir,
            origin: c.origin,
            setting: c
                .target
                .as_deref()
                .filter(|t| super::is_installer_target(t))
                .map(|_| Setting::Installer),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_run_in_the_makefile_shell() {
        let e = extract("SHELL := /usr/bin/fish\nx:\n\techo hi\nV != ls\n");
        let got: Vec<(&str, bool)> = e
            .commands
            .iter()
            .map(|c| (c.command.as_str(), c.shell.is_posix()))
            .collect();
        assert_eq!(got, vec![("echo hi", false), ("ls", true)]);
    }
}
