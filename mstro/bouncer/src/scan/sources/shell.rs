//! Shell scripts: the whole file is one command line for the engine.
//!
//! Judging the script as a whole (not line by line) keeps what the engine needs for
//! context: variables and functions defined earlier, heredocs, multi-line commands.
//! The engine's spans then point into the file directly.
//!
//! The engine reads POSIX sh and bash. A script in another dialect (zsh, ksh, fish,
//! csh, ...) is not judged as bash, where its own syntax (`${(f)x}`, `**/*(.)`, `set -A`,
//! fish's `end`) reads as broken shell and every command around it as noise: the file
//! gets one [`Note`](super::Note) that it is not bash instead. The dialect is the one the
//! `#!` line names, else the file's extension; a script with neither is `sh`.

use super::{Cwd, Extracted, Extraction, Note, Shell, program_name, shebang};
use crate::scan::location::MappedText;

pub fn extract(file_name: &str, text: &str) -> Extraction {
    if let Some((dialect, from)) = other_dialect(file_name, text) {
        let first_line = text.find('\n').unwrap_or(text.len());
        return Extraction {
            notes: vec![Note {
                span: 0..first_line,
                message: format!(
                    "a {dialect} script ({from}), not bash: its commands were not judged \
                     (scan reads POSIX sh and bash only)"
                ),
            }],
            ..Extraction::default()
        };
    }
    Extraction {
        commands: vec![Extracted {
            shell: Shell::Posix,
            command: MappedText::verbatim(0, text),
            cwd: Cwd::Root,
            origin: "script".to_owned(),
            setting: None,
        }],
        ..Extraction::default()
    }
}

/// Shells whose scripts the engine reads as they are meant.
const READ_AS_BASH: &[&str] = &["sh", "bash", "dash", "ash", "busybox"];

/// The dialect of a script the engine does not read (`zsh`, `fish`, ...) and what said
/// so (its `#!` line, its extension); `None` for POSIX sh and bash.
fn other_dialect(file_name: &str, text: &str) -> Option<(String, &'static str)> {
    let first = text.lines().next().unwrap_or("");
    if let Some(argv) = shebang(first) {
        let program = argv.first().map(|p| program_name(p).to_ascii_lowercase())?;
        return (!READ_AS_BASH.contains(&program.as_str())).then_some((program, "its `#!` line"));
    }
    // zsh completion functions start with `#compdef` and have no `#!` line.
    if first.starts_with("#compdef") || first.starts_with("#autoload") {
        return Some(("zsh".to_owned(), "its `#compdef` line"));
    }
    let lower = file_name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e);
    if let Some(ext) = ext.filter(|e| OTHER_EXTENSIONS.contains(e)) {
        return Some((ext.to_owned(), "its extension"));
    }
    // oh-my-zsh's `oh-my-zsh.sh` is sourced by zsh and says so only in its syntax.
    zsh_syntax(text).map(|_| ("zsh".to_owned(), "its zsh-only syntax"))
}

/// Builtins only zsh has, as a command at the start of a line.
const ZSH_BUILTINS: &[&str] = &[
    "setopt",
    "unsetopt",
    "zstyle",
    "zmodload",
    "autoload",
    "bindkey",
    "compdef",
    "zle",
    "zparseopts",
    "emulate",
];

/// The first line (1-based) of a script without a `#!` line that only zsh reads: a
/// zsh builtin as a command, or a parameter expansion with flags (`${(f)x}`,
/// `${(s.:.)LS_COLORS}`). Comment lines do not count.
fn zsh_syntax(text: &str) -> Option<usize> {
    text.lines().enumerate().find_map(|(i, line)| {
        let code = line.trim_start();
        if code.starts_with('#') {
            return None;
        }
        let first = code.split([' ', '\t', ';']).next().unwrap_or("");
        (ZSH_BUILTINS.contains(&first) || code.contains("${(")).then_some(i + 1)
    })
}

/// Extensions of shell dialects the engine does not read.
pub const OTHER_EXTENSIONS: &[&str] = &["zsh", "ksh", "mksh", "fish", "csh", "tcsh"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_script_is_one_command() {
        let e = extract("build.sh", "#!/bin/sh\nset -e\nmake\n");
        assert_eq!(e.commands.len(), 1);
        assert_eq!(e.commands[0].command.as_str(), "#!/bin/sh\nset -e\nmake\n");
        assert_eq!(e.commands[0].command.origin(10), 10);
        assert!(e.notes.is_empty());
    }

    #[test]
    fn other_dialects_get_one_note_and_no_commands() {
        for (name, text, dialect) in [
            ("upgrade.sh", "#!/usr/bin/env zsh\nrm -rf $x\n", "zsh"),
            ("x", "#!/bin/ksh\nprint -r -- hi\n", "ksh"),
            ("lib/git.zsh", "autoload -Uz is-at-least\n", "zsh"),
            ("conf.fish", "set -x A b\n", "fish"),
            ("_rg", "#compdef rg\n_rg() {}\n", "zsh"),
        ] {
            let e = extract(name, text);
            assert!(e.commands.is_empty(), "{name}");
            assert_eq!(e.notes.len(), 1, "{name}");
            assert!(
                e.notes[0]
                    .message
                    .starts_with(&format!("a {dialect} script")),
                "{name}: {}",
                e.notes[0].message
            );
        }
    }

    #[test]
    fn a_script_without_a_shebang_is_zsh_by_its_syntax() {
        for text in [
            "# sourced by zsh\nsetopt prompt_subst\necho hi\n",
            "if true; then\n  autoload -U compinit\nfi\n",
            "x=${(s.:.)LS_COLORS}\n",
        ] {
            let e = extract("oh-my-zsh.sh", text);
            assert!(e.commands.is_empty(), "{text}");
            assert!(e.notes[0].message.starts_with("a zsh script"), "{text}");
        }
        // Words in comments and arguments, and any `#!` line, leave a script bash.
        for (name, text) in [
            ("x.sh", "# setopt is zsh's\necho setopt\n"),
            ("x.sh", "#!/bin/bash\nsetopt foo\n"),
            ("x.sh", "echo \"${x}\"\n"),
        ] {
            assert!(extract(name, text).notes.is_empty(), "{text}");
        }
    }

    #[test]
    fn the_shebang_wins_over_the_extension() {
        assert!(extract("x.zsh", "#!/bin/bash\necho\n").notes.is_empty());
        assert_eq!(extract("x.sh", "#!/bin/zsh\necho\n").notes.len(), 1);
        assert!(extract("x.bash", "echo\n").notes.is_empty());
        assert!(
            extract("x", "#!/usr/bin/env -S bash -e\necho\n")
                .notes
                .is_empty()
        );
    }
}
