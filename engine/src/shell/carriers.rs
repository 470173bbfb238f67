//! Commands carried inside other programs' arguments: `tar --to-command=CMD`,
//! `git clone -u CMD`, `go test -exec CMD`, `ssh -o ProxyCommand=CMD`, `vim -c ':!CMD'`,
//! `tmux new 'CMD'`, `docker exec C CMD...`. Each carried command is judged like any
//! other, so a tool the packs vouch for cannot smuggle one past them.

use super::invocation::Context;
use super::word::Word;

/// Where a carrier keeps its command.
#[derive(Clone, Copy)]
enum Place {
    /// The value of one of these options is a command line.
    Option(&'static [&'static str]),
    /// The value of one of these options, after `prefix` (case-insensitive), is a command line.
    OptionAfter(&'static [&'static str], &'static str),
    /// An argument starting with one of these prefixes carries a command line after it.
    ArgAfter(&'static [&'static str]),
    /// After options (those in `values` take a value) and `skip` positional arguments,
    /// the rest is the command, as separate words (`screen -dm CMD ARGS`).
    Rest {
        values: &'static [&'static str],
        skip: usize,
    },
    /// As `Rest`, but the rest is joined into one command line (`tmux new 'CMD'`).
    RestLine {
        values: &'static [&'static str],
        skip: usize,
    },
    /// Every non-option argument is a command line (`concurrently 'a' 'b'`).
    EachArg,
    /// The words after one of these options are the command (`xterm -e CMD ARGS`).
    ArgvAfter(&'static [&'static str]),
    /// Code in another language that can run commands: review it.
    Unreadable(&'static [&'static str], &'static str),
}

struct Carrier {
    program: &'static str,
    /// Leading words that select the behaviour (`submodule foreach`); empty: any.
    subcommand: &'static [&'static str],
    place: Place,
    context: Context,
}

const fn c(program: &'static str, subcommand: &'static [&'static str], place: Place) -> Carrier {
    Carrier {
        program,
        subcommand,
        place,
        context: Context::ShellString,
    }
}

const fn remote(
    program: &'static str,
    subcommand: &'static [&'static str],
    place: Place,
) -> Carrier {
    Carrier {
        program,
        subcommand,
        place,
        context: Context::Remote,
    }
}

const SSH_VALUES: &[&str] = &[
    "-p", "-i", "-o", "-F", "-J", "-l", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-I", "-m", "-O",
    "-Q", "-S", "-W", "-w", "-B", "-P",
];
const DOCKER_EXEC_VALUES: &[&str] = &[
    "-e",
    "--env",
    "--env-file",
    "-u",
    "--user",
    "-w",
    "--workdir",
    "--detach-keys",
];
const DOCKER_RUN_VALUES: &[&str] = &[
    "-v",
    "--volume",
    "-e",
    "--env",
    "--env-file",
    "-p",
    "--publish",
    "--name",
    "-w",
    "--workdir",
    "-u",
    "--user",
    "--network",
    "--net",
    "--entrypoint",
    "--mount",
    "--add-host",
    "--cpus",
    "-m",
    "--memory",
    "-l",
    "--label",
    "--platform",
    "--pull",
    "--restart",
    "-h",
    "--hostname",
    "--device",
    "--cap-add",
    "--cap-drop",
    "--security-opt",
    "--tmpfs",
    "--ulimit",
    "--pid",
    "--ipc",
    "--uts",
    "--userns",
    "--gpus",
    "--shm-size",
    "--log-driver",
    "--dns",
    "--expose",
    "--health-cmd",
    "--init-path",
    "--link",
    "--runtime",
    "--stop-signal",
    "--cidfile",
    "-a",
    "--attach",
];
const TMUX_VALUES: &[&str] = &[
    "-s", "-n", "-c", "-t", "-F", "-x", "-y", "-e", "-l", "-L", "-S", "-f", "-w", "-h",
];

const CARRIERS: &[Carrier] = &[
    c(
        "tar",
        &[],
        Place::Option(&[
            "--to-command",
            "--use-compress-program",
            "-I",
            "--info-script",
            "-F",
            "--new-volume-script",
            "--rsh-command",
        ]),
    ),
    c(
        "tar",
        &[],
        Place::OptionAfter(&["--checkpoint-action"], "exec="),
    ),
    c("sort", &[], Place::Option(&["--compress-program"])),
    c("zip", &[], Place::Option(&["-TT", "--unzip-command"])),
    c("less", &[], Place::ArgAfter(&["+!"])),
    c(
        "man",
        &[],
        Place::Option(&["-P", "--pager", "-H", "--html"]),
    ),
    c(
        "git",
        &["clone"],
        Place::Option(&["-u", "--upload-pack", "--config-env"]),
    ),
    c("git", &["fetch"], Place::Option(&["--upload-pack"])),
    c("git", &["pull"], Place::Option(&["--upload-pack"])),
    c("git", &["ls-remote"], Place::Option(&["--upload-pack"])),
    c(
        "git",
        &["push"],
        Place::Option(&["--receive-pack", "--exec"]),
    ),
    c("git", &["archive"], Place::Option(&["--exec"])),
    c("git", &["rebase"], Place::Option(&["-x", "--exec"])),
    c("git", &["difftool"], Place::Option(&["-x", "--extcmd"])),
    c(
        "git",
        &["filter-branch"],
        Place::Option(&[
            "--tree-filter",
            "--index-filter",
            "--msg-filter",
            "--env-filter",
            "--commit-filter",
            "--parent-filter",
            "--tag-name-filter",
        ]),
    ),
    c(
        "git",
        &["submodule", "foreach"],
        Place::RestLine {
            values: &[],
            skip: 0,
        },
    ),
    c(
        "git",
        &["bisect", "run"],
        Place::Rest {
            values: &[],
            skip: 0,
        },
    ),
    c("go", &[], Place::Option(&["-exec", "-toolexec"])),
    c(
        "gdb",
        &[],
        Place::OptionAfter(&["-ex", "--eval-command", "-iex"], "shell "),
    ),
    c(
        "gdb",
        &[],
        Place::OptionAfter(&["-ex", "--eval-command", "-iex"], "!"),
    ),
    c(
        "lldb",
        &[],
        Place::OptionAfter(&["-o", "--one-line", "-O"], "platform shell "),
    ),
    c("vim", &[], Place::OptionAfter(&["-c", "--cmd"], ":!")),
    c("vim", &[], Place::OptionAfter(&["-c", "--cmd"], "!")),
    c("vim", &[], Place::ArgAfter(&["+:!", "+!"])),
    c("nvim", &[], Place::OptionAfter(&["-c", "--cmd"], ":!")),
    c("vi", &[], Place::OptionAfter(&["-c"], ":!")),
    c("ex", &[], Place::OptionAfter(&["-c"], "!")),
    c("sqlite3", &[], Place::ArgAfter(&[".system ", ".shell "])),
    c(
        "psql",
        &[],
        Place::OptionAfter(&["-c", "--command"], "\\! "),
    ),
    c(
        "mysql",
        &[],
        Place::OptionAfter(&["-e", "--execute"], "\\! "),
    ),
    c(
        "mysql",
        &[],
        Place::OptionAfter(&["-e", "--execute"], "system "),
    ),
    c("ssh", &[], Place::OptionAfter(&["-o"], "proxycommand=")),
    c("ssh", &[], Place::OptionAfter(&["-o"], "localcommand=")),
    c("scp", &[], Place::OptionAfter(&["-o"], "proxycommand=")),
    c("scp", &[], Place::Option(&["-S"])),
    c("rsync", &[], Place::Option(&["-e", "--rsh"])),
    c(
        "tmux",
        &["new-session"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["new"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["new-window"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["neww"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["split-window"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["splitw"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["respawn-pane"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["run-shell"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["run"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["display-popup"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["send-keys"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "tmux",
        &["send"],
        Place::RestLine {
            values: TMUX_VALUES,
            skip: 0,
        },
    ),
    c(
        "screen",
        &[],
        Place::Rest {
            values: &[
                "-S", "-c", "-e", "-h", "-L", "-Logfile", "-p", "-s", "-t", "-T", "-X",
            ],
            skip: 0,
        },
    ),
    c("xterm", &[], Place::ArgvAfter(&["-e"])),
    c("urxvt", &[], Place::ArgvAfter(&["-e"])),
    c("konsole", &[], Place::ArgvAfter(&["-e"])),
    c("alacritty", &[], Place::ArgvAfter(&["-e", "--command"])),
    c(
        "kitty",
        &[],
        Place::Rest {
            values: &[
                "--title",
                "-T",
                "--directory",
                "-d",
                "--config",
                "-c",
                "--override",
                "-o",
            ],
            skip: 0,
        },
    ),
    c("gnome-terminal", &[], Place::ArgvAfter(&["--", "-e", "-x"])),
    c("nix", &["develop"], Place::ArgvAfter(&["-c", "--command"])),
    c("nix", &["shell"], Place::ArgvAfter(&["-c", "--command"])),
    c(
        "pwsh",
        &[],
        Place::Unreadable(
            &["-EncodedCommand", "-encodedcommand", "-enc", "-ec", "-e"],
            "a base64-encoded PowerShell command",
        ),
    ),
    c(
        "powershell",
        &[],
        Place::Unreadable(
            &["-EncodedCommand", "-encodedcommand", "-enc", "-ec", "-e"],
            "a base64-encoded PowerShell command",
        ),
    ),
    c("concurrently", &[], Place::EachArg),
    c(
        "entr",
        &[],
        Place::Rest {
            values: &[],
            skip: 0,
        },
    ),
    c(
        "watchexec",
        &[],
        Place::Rest {
            values: &[
                "-w",
                "--watch",
                "-e",
                "--exts",
                "-i",
                "--ignore",
                "-d",
                "--debounce",
            ],
            skip: 0,
        },
    ),
    c("nodemon", &[], Place::Option(&["-x", "--exec"])),
    c("vagrant", &["ssh"], Place::Option(&["-c", "--command"])),
    remote(
        "ssh",
        &[],
        Place::RestLine {
            values: SSH_VALUES,
            skip: 1,
        },
    ),
    remote(
        "docker",
        &["exec"],
        Place::Rest {
            values: DOCKER_EXEC_VALUES,
            skip: 1,
        },
    ),
    remote(
        "podman",
        &["exec"],
        Place::Rest {
            values: DOCKER_EXEC_VALUES,
            skip: 1,
        },
    ),
    remote(
        "docker",
        &["run"],
        Place::Rest {
            values: DOCKER_RUN_VALUES,
            skip: 1,
        },
    ),
    remote(
        "podman",
        &["run"],
        Place::Rest {
            values: DOCKER_RUN_VALUES,
            skip: 1,
        },
    ),
    remote(
        "docker",
        &["container", "exec"],
        Place::Rest {
            values: DOCKER_EXEC_VALUES,
            skip: 1,
        },
    ),
    remote(
        "docker",
        &["container", "run"],
        Place::Rest {
            values: DOCKER_RUN_VALUES,
            skip: 1,
        },
    ),
    remote(
        "podman",
        &["container", "exec"],
        Place::Rest {
            values: DOCKER_EXEC_VALUES,
            skip: 1,
        },
    ),
    remote(
        "podman",
        &["container", "run"],
        Place::Rest {
            values: DOCKER_RUN_VALUES,
            skip: 1,
        },
    ),
    remote(
        "nerdctl",
        &["exec"],
        Place::Rest {
            values: DOCKER_EXEC_VALUES,
            skip: 1,
        },
    ),
    remote(
        "nerdctl",
        &["run"],
        Place::Rest {
            values: DOCKER_RUN_VALUES,
            skip: 1,
        },
    ),
    remote(
        "docker-compose",
        &["run"],
        Place::Rest {
            values: DOCKER_RUN_VALUES,
            skip: 1,
        },
    ),
    remote(
        "docker-compose",
        &["exec"],
        Place::Rest {
            values: DOCKER_EXEC_VALUES,
            skip: 1,
        },
    ),
    remote(
        "podman",
        &["compose", "run"],
        Place::Rest {
            values: DOCKER_RUN_VALUES,
            skip: 1,
        },
    ),
    remote(
        "podman",
        &["compose", "exec"],
        Place::Rest {
            values: DOCKER_EXEC_VALUES,
            skip: 1,
        },
    ),
    remote(
        "docker",
        &["compose", "run"],
        Place::Rest {
            values: DOCKER_RUN_VALUES,
            skip: 1,
        },
    ),
    remote(
        "docker",
        &["compose", "exec"],
        Place::Rest {
            values: DOCKER_EXEC_VALUES,
            skip: 1,
        },
    ),
    remote(
        "kubectl",
        &["exec"],
        Place::Rest {
            values: &[
                "-n",
                "--namespace",
                "-c",
                "--container",
                "--context",
                "-f",
                "--filename",
            ],
            skip: 1,
        },
    ),
    remote(
        "oc",
        &["exec"],
        Place::Rest {
            values: &["-n", "--namespace", "-c", "--container"],
            skip: 1,
        },
    ),
    remote("ansible", &[], Place::Option(&["-a", "--args"])),
    remote("salt", &[], Place::ArgAfter(&["cmd.run "])),
    remote(
        "pdsh",
        &[],
        Place::RestLine {
            values: &["-w", "-x", "-R", "-l", "-t", "-u", "-f"],
            skip: 0,
        },
    ),
    c(
        "make",
        &[],
        Place::Unreadable(&["--eval", "-E"], "make code given on the command line"),
    ),
    c(
        "expect",
        &[],
        Place::Unreadable(&["-c"], "expect script given on the command line"),
    ),
];

/// A command found inside another program's arguments.
pub(crate) enum Carried {
    /// One command line for a shell.
    Line(Word, Context),
    /// A program and its arguments.
    Argv(Vec<Word>, Context),
    /// Code the engine cannot read, and why.
    Unreadable(Word, &'static str),
}

/// The commands `argv` (whose program is `program`) carries.
/// Environment variables whose value the program runs as a command line through a
/// shell: `GIT_SSH_COMMAND='curl x|sh' git fetch` runs `curl x|sh`.
const COMMAND_VARIABLES: &[&str] = &[
    "GIT_SSH_COMMAND",
    "GIT_PAGER",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "PAGER",
    "MANPAGER",
    "EDITOR",
    "VISUAL",
    "PROMPT_COMMAND",
    "SYSTEMD_PAGER",
];

/// The command line an environment assignment carries, if its variable is run.
pub(crate) fn carried_by_env(name: &str) -> bool {
    COMMAND_VARIABLES.contains(&name)
}

pub(crate) fn carried(program: &str, argv: &[Word]) -> Vec<Carried> {
    let mut out = Vec::new();
    for carrier in CARRIERS.iter().filter(|c| c.program == program) {
        let Some(start) = after_subcommand(program, argv, carrier.subcommand) else {
            continue;
        };
        let ctx = carrier.context;
        match carrier.place {
            Place::Option(spellings) => out.extend(
                option_values(argv, start, spellings)
                    .into_iter()
                    .map(|w| Carried::Line(w, ctx)),
            ),
            Place::OptionAfter(spellings, prefix) => {
                for w in option_values(argv, start, spellings) {
                    let lower = w.text.to_ascii_lowercase();
                    let at = lower.find(prefix).filter(|&i| {
                        prefix.ends_with('=') || i == 0 || lower[..i].trim().is_empty()
                    });
                    if let Some(i) = at {
                        let text = w.text[i + prefix.len()..]
                            .trim_matches(|c| c == '\'' || c == '"')
                            .to_owned();
                        out.push(Carried::Line(Word { text, ..w }, ctx));
                    }
                }
            }
            Place::ArgAfter(prefixes) => {
                for w in &argv[start..] {
                    if let Some(p) = prefixes.iter().find(|p| w.text.starts_with(**p)) {
                        out.push(Carried::Line(
                            Word {
                                text: w.text[p.len()..].to_owned(),
                                ..w.clone()
                            },
                            ctx,
                        ));
                    }
                }
            }
            Place::Rest { values, skip } | Place::RestLine { values, skip } => {
                let first = first_operand(argv, start, values).map(|i| i + skip);
                if let Some(rest) = first.and_then(|i| argv.get(i..)).filter(|r| !r.is_empty()) {
                    let rest = if rest[0].text == "--" {
                        &rest[1..]
                    } else {
                        rest
                    };
                    if rest.is_empty() {
                        continue;
                    }
                    if matches!(carrier.place, Place::Rest { .. }) {
                        out.push(Carried::Argv(rest.to_vec(), ctx));
                    } else if let Some(line) = Word::joined(rest) {
                        out.push(Carried::Line(line, ctx));
                    }
                }
            }
            Place::ArgvAfter(spellings) => {
                if let Some(i) = argv[start..]
                    .iter()
                    .position(|w| spellings.contains(&w.text.as_str()))
                {
                    let rest = &argv[start + i + 1..];
                    if !rest.is_empty() {
                        out.push(Carried::Argv(rest.to_vec(), ctx));
                    }
                }
            }
            Place::EachArg => out.extend(
                argv[start..]
                    .iter()
                    .filter(|w| !w.text.starts_with('-'))
                    .map(|w| Carried::Line(w.clone(), ctx)),
            ),
            Place::Unreadable(spellings, why) => out.extend(
                option_values(argv, start, spellings)
                    .into_iter()
                    .map(|w| Carried::Unreadable(w, why)),
            ),
        }
    }
    out
}

/// The index after the subcommand words, skipping options before them; `None` if the
/// command does not use that subcommand.
/// Where the carried part starts: after the subcommand words, skipping the options
/// that may come before and between them (`kubectl -n prod exec`,
/// `docker compose -f dev.yml run`).
fn after_subcommand(program: &str, argv: &[Word], subcommand: &[&str]) -> Option<usize> {
    if subcommand.is_empty() {
        return Some(1);
    }
    let takes_value = global_value_options(program);
    let mut i = 1;
    let mut matched = 0;
    while i < argv.len() && matched < subcommand.len() {
        let t = argv[i].text.as_str();
        if t == subcommand[matched] {
            matched += 1;
        } else if t.starts_with('-') {
            if takes_value.contains(&t) {
                i += 1;
            }
        } else {
            return None;
        }
        i += 1;
    }
    (matched == subcommand.len()).then_some(i)
}

/// Options before a subcommand that take a separate value.
fn global_value_options(program: &str) -> &'static [&'static str] {
    match program {
        "kubectl" | "oc" => &[
            "-n",
            "--namespace",
            "--context",
            "--cluster",
            "--user",
            "--kubeconfig",
            "-s",
            "--server",
            "--token",
            "--as",
            "--as-group",
            "--certificate-authority",
            "--client-certificate",
            "--client-key",
            "--request-timeout",
            "-v",
            "--v",
            "--profile",
            "--cache-dir",
        ],
        "docker" | "podman" | "nerdctl" => &[
            "-c",
            "--context",
            "-H",
            "--host",
            "--config",
            "-l",
            "--log-level",
            "--tlscacert",
            "--tlscert",
            "--tlskey",
            "--connection",
            "--url",
            "--identity",
            "--root",
            "--runroot",
            "--namespace",
            "--address",
            "--storage-driver",
            // `docker compose` options between `compose` and its command.
            "-f",
            "--file",
            "-p",
            "--project-name",
            "--env-file",
            "--profile",
            "--project-directory",
            "--ansi",
            "--progress",
            "--parallel",
        ],
        "docker-compose" | "podman-compose" => &[
            "-f",
            "--file",
            "-p",
            "--project-name",
            "--env-file",
            "--profile",
            "--project-directory",
            "--ansi",
            "--progress",
            "--parallel",
            "-H",
            "--host",
            "--context",
        ],
        _ => &[],
    }
}

/// Values of the given options: `--opt=V`, `--opt V`, `-o V`, `-oV`, `-exec V`.
fn option_values(argv: &[Word], start: usize, spellings: &[&str]) -> Vec<Word> {
    let mut out = Vec::new();
    let mut i = start;
    while i < argv.len() {
        let w = &argv[i];
        let t = w.text.as_str();
        for s in spellings {
            if t == *s {
                if let Some(v) = argv.get(i + 1) {
                    out.push(v.clone());
                }
            } else if let Some(v) = t.strip_prefix(s).and_then(|r| r.strip_prefix('=')) {
                out.push(Word {
                    text: v.to_owned(),
                    ..w.clone()
                });
            } else if s.len() == 2
                && !s.starts_with("--")
                && t.len() > 2
                && t.starts_with(s)
                && !t.starts_with("--")
            {
                out.push(Word {
                    text: t[2..].to_owned(),
                    ..w.clone()
                });
            }
        }
        i += 1;
    }
    out
}

/// The first argument from `start` that is neither an option nor an option's value.
fn first_operand(argv: &[Word], start: usize, values: &[&str]) -> Option<usize> {
    let mut i = start;
    while i < argv.len() {
        let t = argv[i].text.as_str();
        if t == "--" || !t.starts_with('-') || t.len() == 1 {
            return Some(i);
        }
        let name = t.split_once('=').map_or(t, |(n, _)| n);
        i += if takes_next_word(t, name, values) {
            2
        } else {
            1
        };
    }
    None
}

/// Whether option word `t` (named `name`) takes the next word as its value. Short flags
/// may be clustered as getopt reads them: the first letter that takes a value takes the
/// rest of the word, or the next word when it is the last (`ssh -fNR 9000 host`).
fn takes_next_word(t: &str, name: &str, values: &[&str]) -> bool {
    if t.contains('=') {
        return false;
    }
    if values.contains(&name) {
        return true;
    }
    let Some(cluster) = t.strip_prefix('-').filter(|c| !c.starts_with('-')) else {
        return false;
    };
    let mut letters = cluster.char_indices();
    letters
        .find(|&(_, c)| {
            values
                .iter()
                .any(|v| v.strip_prefix('-') == Some(c.encode_utf8(&mut [0; 4])))
        })
        .is_some_and(|(at, c)| at + c.len_utf8() == cluster.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn argv(s: &[&str]) -> Vec<Word> {
        s.iter()
            .map(|t| Word::literal(*t, Span::default()))
            .collect()
    }

    fn lines(s: &[&str]) -> Vec<String> {
        carried(s[0], &argv(s))
            .into_iter()
            .map(|c| match c {
                Carried::Line(w, _) => w.text,
                Carried::Argv(ws, _) => ws
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                Carried::Unreadable(w, _) => format!("unreadable: {}", w.text),
            })
            .collect()
    }

    #[test]
    fn finds_carried_commands() {
        assert_eq!(
            lines(&["tar", "-xf", "x", "--to-command=sh -c x"]),
            vec!["sh -c x"]
        );
        assert_eq!(
            lines(&["tar", "cf", "a", "--checkpoint-action=exec=rm -rf ~"]),
            vec!["rm -rf ~"]
        );
        assert_eq!(
            lines(&["git", "clone", "-u", "rm -rf ~", "x"]),
            vec!["rm -rf ~"]
        );
        assert_eq!(
            lines(&["git", "push", "-u", "origin", "main"]),
            Vec::<String>::new(),
            "push -u is --set-upstream"
        );
        assert_eq!(
            lines(&["git", "submodule", "foreach", "rm", "-rf", "~"]),
            vec!["rm -rf ~"]
        );
        assert_eq!(
            lines(&["go", "test", "-exec", "rm -rf ~", "./..."]),
            vec!["rm -rf ~"]
        );
        assert_eq!(
            lines(&["ssh", "-o", "ProxyCommand=nc x 1", "host"]),
            vec!["nc x 1"]
        );
        assert_eq!(
            lines(&["ssh", "-p", "22", "prod", "rm", "-rf", "/"]),
            vec!["rm -rf /"]
        );
        // Clustered short flags, as getopt reads them: the last letter takes the next
        // word, a letter before the end takes the rest of the word.
        assert_eq!(
            lines(&["ssh", "-fNR", "9000:localhost:22", "prod"]),
            Vec::<String>::new()
        );
        assert_eq!(
            lines(&["ssh", "-tp", "22", "prod", "rm", "-rf", "/"]),
            vec!["rm -rf /"]
        );
        assert_eq!(
            lines(&["ssh", "-p22", "prod", "rm", "-rf", "/"]),
            vec!["rm -rf /"]
        );
        assert_eq!(
            lines(&["ssh", "-Rx", "prod", "rm", "-rf", "/"]),
            vec!["rm -rf /"]
        );
        assert_eq!(
            lines(&["docker", "exec", "-it", "-u", "root", "c", "rm", "-rf", "/"]),
            vec!["rm -rf /"]
        );
        assert_eq!(
            lines(&["kubectl", "exec", "-it", "pod", "--", "rm", "-rf", "/data"]),
            vec!["rm -rf /data"]
        );
        assert_eq!(lines(&["vim", "-c", ":!rm -rf ~"]), vec!["rm -rf ~"]);
        assert_eq!(lines(&["less", "+!rm -rf ~", "f"]), vec!["rm -rf ~"]);
        assert_eq!(lines(&["make", "--eval=x"]), vec!["unreadable: x"]);
    }
}
