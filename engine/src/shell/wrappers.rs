//! Stripping wrapper programs (`sudo`, `env`, `timeout`, `nice`, ...) to find the command
//! they run, each with its own option grammar, recursively.
//!
//! The table says, per wrapper, which options take a value (so the value is not mistaken
//! for the command), which options carry a shell string (`su -c`, `flock -c`), and how
//! many positional arguments come before the command (`timeout DURATION`, `chroot DIR`).
//! `xargs` and `parallel` are handled in [`super::derived`], since they change the argv.

use super::word::Word;

/// How one wrapper's command line is laid out.
struct Wrapper {
    name: &'static str,
    /// The subcommand that makes the program a wrapper (`uv run`, `pnpm dlx`); empty
    /// when the program itself is one.
    subcommand: &'static str,
    /// Options that take a value, short (`-u`) and long (`--user`).
    values: &'static [&'static str],
    /// Options whose value is a shell command line to run.
    shell_string: &'static [&'static str],
    /// Options after which the remaining words form a command line run by a shell
    /// (`sudo -s cmd args` runs `$SHELL -c 'cmd args'`).
    shell_join: &'static [&'static str],
    /// Options that mean no command is run (`command -v`, `ionice -p PID`).
    no_command: &'static [&'static str],
    /// Positional arguments before the command.
    positionals: usize,
    /// Which words before the command set its environment (`env A=1 cmd`).
    assignments: Assignments,
    /// The command is only ever given through an option (`su -c`, `script -c`):
    /// positional arguments are not a command.
    command_via_option_only: bool,
    /// Running through this wrapper raises privileges.
    privileged: bool,
}

/// Which words a wrapper reads as `NAME=value` for the command's environment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Assignments {
    /// None: the first word that is no option is the command (`nohup A=1 cmd` runs a
    /// program named `A=1`).
    No,
    /// A shell name, `=`, a value: bash's `time` and `coproc` keywords, which prefix a
    /// simple command (`time A=1 cmd`), and `cross-env`.
    Names,
    /// Any word with a `=` that does not start with `/` or `=` (sudo's `is_envar`),
    /// among the options or after them.
    Sudo,
    /// Any word with a `=` (GNU `env`), also after `--`.
    Any,
}

impl Assignments {
    fn accepts(self, t: &str) -> bool {
        match self {
            Assignments::No => false,
            Assignments::Names => is_assignment(t),
            Assignments::Sudo => t.contains('=') && !t.starts_with(['/', '=']),
            Assignments::Any => t.contains('='),
        }
    }
}

/// A program whose `subcommand` runs the rest of the command line.
const fn sub(name: &'static str, subcommand: &'static str) -> Wrapper {
    Wrapper {
        subcommand,
        ..w(name)
    }
}

const fn w(name: &'static str) -> Wrapper {
    Wrapper {
        name,
        subcommand: "",
        values: &[],
        shell_string: &[],
        shell_join: &[],
        no_command: &[],
        positionals: 0,
        assignments: Assignments::No,
        command_via_option_only: false,
        privileged: false,
    }
}

/// The options of `uvx` (and `uv tool run`) that take a value.
const UVX_VALUES: &[&str] = &[
    "--from",
    "--with",
    "-w",
    "--with-editable",
    "--with-requirements",
    "-p",
    "--python",
    "--index",
    "--index-url",
    "--default-index",
    "--extra-index-url",
    "--find-links",
    "-f",
    "--color",
    "--config-file",
    "--cache-dir",
    "--python-preference",
    "--index-strategy",
    "--keyring-provider",
    "--resolution",
    "--prerelease",
    "--exclude-newer",
    "--link-mode",
    "--config-setting",
    "-C",
    "--allow-insecure-host",
    "--env-file",
];

const WRAPPERS: &[Wrapper] = &[
    Wrapper {
        values: &[
            "-u",
            "--user",
            "-g",
            "--group",
            "-h",
            "--host",
            "-p",
            "--prompt",
            "-C",
            "--close-from",
            "-D",
            "--chdir",
            "-r",
            "--role",
            "-t",
            "--type",
            "-T",
            "--command-timeout",
            "-U",
            "--other-user",
            "-R",
            "--chroot",
        ],
        shell_join: &["-s", "--shell", "-i", "--login"],
        no_command: &[
            "-l",
            "--list",
            "-v",
            "--validate",
            "-V",
            "--version",
            "-e",
            "--edit",
            "-K",
            "--remove-timestamp",
        ],
        // `sudo -- A=1 cmd` runs a program named `A=1`; reading it as an assignment
        // names `cmd` as what runs, which only ever adds a command to judge.
        assignments: Assignments::Sudo,
        privileged: true,
        ..w("sudo")
    },
    Wrapper {
        values: &["-u", "-C"],
        shell_join: &["-s"],
        privileged: true,
        ..w("doas")
    },
    Wrapper {
        values: &["-u", "--user"],
        privileged: true,
        ..w("pkexec")
    },
    Wrapper {
        values: &[
            "-u",
            "--user",
            "-g",
            "--group",
            "-D",
            "--chdir",
            "--setenv",
            "--unit",
            "--property",
            "--description",
            "--slice",
            "--nice",
        ],
        privileged: true,
        ..w("run0")
    },
    Wrapper {
        values: &[
            "-u",
            "--user",
            "-g",
            "--group",
            "-G",
            "--supp-group",
            "-s",
            "--shell",
            "-w",
            "--whitelist-environment",
        ],
        shell_string: &["-c", "--command"],
        privileged: true,
        ..w("runuser")
    },
    Wrapper {
        values: &[
            "-s",
            "--shell",
            "-g",
            "--group",
            "-G",
            "--supp-group",
            "-w",
            "--whitelist-environment",
        ],
        shell_string: &["-c", "--command", "--session-command"],
        command_via_option_only: true,
        privileged: true,
        ..w("su")
    },
    Wrapper {
        values: &[
            "-u",
            "--unset",
            "-C",
            "--chdir",
            "--block-signal",
            "--default-signal",
            "--ignore-signal",
        ],
        // `-S`/`--split-string` is handled by the caller: its value is split into words.
        assignments: Assignments::Any,
        ..w("env")
    },
    Wrapper {
        no_command: &["-v", "-V"],
        ..w("command")
    },
    w("builtin"),
    Wrapper {
        values: &["-a"],
        ..w("exec")
    },
    w("nohup"),
    Wrapper {
        values: &["-n", "--adjustment"],
        ..w("nice")
    },
    Wrapper {
        values: &[
            "-c",
            "--class",
            "-n",
            "--classdata",
            "-p",
            "--pid",
            "-P",
            "--pgid",
            "-u",
            "--uid",
        ],
        no_command: &["-p", "--pid", "-P", "--pgid", "-u", "--uid"],
        ..w("ionice")
    },
    // Bash's `time` keyword prefixes a simple command, assignments included; GNU
    // `time` would run a program named `A=1`, so reading one only adds a command.
    Wrapper {
        values: &["-f", "--format", "-o", "--output"],
        assignments: Assignments::Names,
        ..w("time")
    },
    Wrapper {
        values: &["-s", "--signal", "-k", "--kill-after"],
        positionals: 1,
        ..w("timeout")
    },
    Wrapper {
        values: &["-i", "--input", "-o", "--output", "-e", "--error"],
        ..w("stdbuf")
    },
    w("setsid"),
    Wrapper {
        values: &["--userspec", "--groups"],
        positionals: 1,
        privileged: true,
        ..w("chroot")
    },
    Wrapper {
        values: &["-w", "--wait", "--timeout", "-E", "--conflict-exit-code"],
        shell_string: &["-c", "--command"],
        positionals: 1,
        ..w("flock")
    },
    w("unbuffer"),
    Wrapper {
        values: &[
            "-E",
            "--echo",
            "-I",
            "--log-in",
            "-O",
            "--log-out",
            "-B",
            "--log-io",
            "-T",
            "--log-timing",
            "-m",
            "--logging-format",
        ],
        shell_string: &["-c", "--command"],
        command_via_option_only: true,
        ..w("script")
    },
    w("busybox"),
    Wrapper {
        assignments: Assignments::Names,
        ..w("coproc")
    },
    Wrapper {
        values: &["-t", "-w"],
        ..w("caffeinate")
    },
    Wrapper {
        no_command: &["-p", "--pid"],
        positionals: 1,
        ..w("taskset")
    },
    Wrapper {
        no_command: &["-p", "--pid"],
        positionals: 1,
        ..w("chrt")
    },
    Wrapper {
        values: &["-l", "--lib", "-s", "-i", "--faked"],
        ..w("fakeroot")
    },
    Wrapper {
        values: &[
            "-e", "-o", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-S", "-X", "-P",
        ],
        no_command: &["-p"],
        ..w("strace")
    },
    Wrapper {
        values: &[
            "-e", "-o", "-p", "-s", "-u", "-a", "-n", "-l", "-x", "-F", "-A", "-D",
        ],
        no_command: &["-p"],
        ..w("ltrace")
    },
    Wrapper {
        values: &["-u", "-p", "-a", "-P"],
        ..w("torsocks")
    },
    Wrapper {
        values: &["-f"],
        ..w("proxychains")
    },
    Wrapper {
        values: &["-f"],
        ..w("proxychains4")
    },
    Wrapper {
        values: &[
            "-p",
            "--property",
            "-E",
            "--setenv",
            "-M",
            "--machine",
            "--unit",
            "--description",
            "--slice",
            "--uid",
            "--gid",
            "--working-directory",
            "--on-calendar",
            "--on-active",
            "--nice",
        ],
        ..w("systemd-run")
    },
    Wrapper {
        values: &[
            "--propagation",
            "--setgroups",
            "-S",
            "--setuid",
            "-G",
            "--setgid",
            "-R",
            "--root",
            "-w",
            "--wd",
        ],
        ..w("unshare")
    },
    Wrapper {
        values: &["-t", "--target", "-S", "--setuid", "-G", "--setgid"],
        ..w("nsenter")
    },
    // Package runners execute a package's binary by name: `npx rimraf ~` runs `rimraf`.
    Wrapper {
        values: &["-p", "--package"],
        shell_string: &["-c", "--call"],
        ..w("npx")
    },
    Wrapper {
        values: &["-p", "--package"],
        ..w("bunx")
    },
    Wrapper {
        values: UVX_VALUES,
        ..w("uvx")
    },
    // `uv tool run` is `uvx`.
    Wrapper {
        values: UVX_VALUES,
        ..sub("uv", "tool")
    },
    // Environment managers and task runners that run a command inside their environment.
    Wrapper {
        values: &[
            "--with",
            "-w",
            "--with-editable",
            "--with-requirements",
            "-p",
            "--python",
            "--project",
            "--directory",
            "--package",
            "--extra",
            "--no-extra",
            "--group",
            "--no-group",
            "--only-group",
            "--env-file",
            "--index",
            "--index-url",
            "--default-index",
            "--extra-index-url",
            "--find-links",
            "-f",
            "--from",
            "--color",
            "--config-file",
            "--cache-dir",
            "--python-preference",
            "--python-platform",
            "--index-strategy",
            "--keyring-provider",
            "--resolution",
            "--prerelease",
            "--exclude-newer",
            "--link-mode",
            "--refresh-package",
            "--reinstall-package",
            "--upgrade-package",
            "-P",
            "--no-binary-package",
            "--no-build-package",
            "--config-setting",
            "-C",
            "--allow-insecure-host",
        ],
        ..sub("uv", "run")
    },
    sub("poetry", "run"),
    sub("pipenv", "run"),
    Wrapper {
        values: &["-p", "--project"],
        ..sub("pdm", "run")
    },
    sub("hatch", "run"),
    sub("rye", "run"),
    Wrapper {
        values: &["-p", "--package", "-c", "--call", "-w", "--workspace"],
        ..sub("npm", "exec")
    },
    Wrapper {
        values: &["-C", "--dir", "--filter"],
        ..sub("pnpm", "exec")
    },
    Wrapper {
        values: &["-p", "--package"],
        ..sub("pnpm", "dlx")
    },
    sub("yarn", "exec"),
    Wrapper {
        values: &["-p", "--package"],
        ..sub("yarn", "dlx")
    },
    sub("bun", "x"),
    Wrapper {
        values: &["-n", "--name", "-p", "--prefix", "--cwd"],
        ..sub("conda", "run")
    },
    Wrapper {
        values: &["-n", "--name", "-p", "--prefix", "--cwd"],
        ..sub("mamba", "run")
    },
    Wrapper {
        values: &["-n", "--name", "-p", "--prefix", "--cwd"],
        ..sub("micromamba", "run")
    },
    Wrapper {
        values: &["-C", "--cd", "-E", "--env"],
        ..sub("mise", "exec")
    },
    Wrapper {
        values: &["-C", "--cd", "-E", "--env"],
        ..sub("mise", "x")
    },
    sub("asdf", "exec"),
    Wrapper {
        positionals: 1,
        ..sub("direnv", "exec")
    },
    sub("devbox", "run"),
    sub("bundle", "exec"),
    sub("opam", "exec"),
    sub("stack", "exec"),
    sub("cabal", "exec"),
    Wrapper {
        values: &["-p", "--profile", "-c", "--config"],
        ..sub("doppler", "run")
    },
    Wrapper {
        values: &["--env-file"],
        ..sub("op", "run")
    },
    Wrapper {
        positionals: 1,
        ..sub("aws-vault", "exec")
    },
    // More runners that take a command line as their argument list.
    Wrapper {
        values: &[
            "--reuid",
            "--regid",
            "--groups",
            "--inh-caps",
            "--ambient-caps",
            "--bounding-set",
            "--securebits",
            "--selinux-label",
            "--apparmor-profile",
        ],
        privileged: true,
        ..w("setpriv")
    },
    Wrapper {
        values: &["--directory", "--env", "--forward-fd"],
        ..w("flatpak-spawn")
    },
    w("eatmydata"),
    w("torify"),
    w("catchsegv"),
    Wrapper {
        values: &["--log-file", "--suppressions"],
        ..w("valgrind")
    },
    Wrapper {
        values: &["--profile", "--private", "--net", "--ip", "--name"],
        ..w("firejail")
    },
    w("toybox"),
    Wrapper {
        values: &["-l", "--limit", "-p", "--pid", "-e", "--exe"],
        no_command: &["-p", "--pid", "-e", "--exe"],
        ..w("cpulimit")
    },
    Wrapper {
        values: &["-g"],
        ..w("cgexec")
    },
    Wrapper {
        values: &[
            "-C",
            "--physcpubind",
            "-N",
            "--cpunodebind",
            "-m",
            "--membind",
            "-i",
            "--interleave",
            "-p",
            "--preferred",
        ],
        ..w("numactl")
    },
    Wrapper {
        values: &["-p", "--pid"],
        no_command: &["-p", "--pid"],
        ..w("prlimit")
    },
    Wrapper {
        values: &[
            "-u", "-U", "-e", "-/", "-n", "-l", "-L", "-m", "-d", "-o", "-p", "-f", "-c", "-r",
            "-t",
        ],
        ..w("chpst")
    },
    Wrapper {
        values: &["-c", "-p", "-l", "-u", "-e", "-o", "-E"],
        ..w("daemonize")
    },
    w("tsp"),
    w("nq"),
    w("dbus-launch"),
    Wrapper {
        values: &[
            "-g",
            "--group",
            "-w",
            "--working-directory",
            "-l",
            "--label",
            "-d",
            "--delay",
            "-a",
            "--after",
        ],
        ..sub("pueue", "add")
    },
    sub("rbenv", "exec"),
    sub("pyenv", "exec"),
    sub("nodenv", "exec"),
    sub("jenv", "exec"),
    sub("goenv", "exec"),
    Wrapper {
        positionals: 1,
        privileged: true,
        ..w("gosu")
    },
    Wrapper {
        positionals: 1,
        privileged: true,
        ..w("su-exec")
    },
    // `cmake -E rm -rf DIR` is `rm -rf DIR`.
    sub("cmake", "-E"),
    Wrapper {
        values: &["-p", "--packages", "-I", "--arg", "--argstr"],
        shell_string: &["--run", "--command"],
        command_via_option_only: true,
        ..w("nix-shell")
    },
    Wrapper {
        assignments: Assignments::Names,
        ..w("cross-env")
    },
    Wrapper {
        values: &["-e", "-v", "-c"],
        ..w("dotenv")
    },
    Wrapper {
        values: &["-f", "--file", "-e", "--environments"],
        ..w("env-cmd")
    },
    Wrapper {
        values: &[
            "-a",
            "--auto-servernum",
            "-n",
            "--server-num",
            "-s",
            "--server-args",
            "-e",
            "--error-file",
        ],
        ..w("xvfb-run")
    },
];

/// What stripping wrappers from a command line found.
#[derive(Debug, Default)]
pub(crate) struct Stripped {
    /// The command that actually runs (may still be a wrapper if it ran nothing).
    pub argv: Vec<Word>,
    /// Wrappers stripped, outermost first.
    pub wrappers: Vec<String>,
    /// `NAME=value` assignments made by `env`.
    pub env: Vec<(String, String)>,
    /// The names among them whose value is only known at run time.
    pub env_unknown: Vec<String>,
    /// What `env -u NAME` and `env -i` take out of the command's environment.
    pub env_removed: EnvRemoved,
    /// Shell command lines run by a wrapper (`su -c`, `sudo -s`, `watch`, `env -S`).
    pub shell_strings: Vec<Word>,
    /// A wrapper that raises privileges was stripped.
    pub privileged: bool,
    /// The values of the stripped wrappers' options that take one: `(wrapper, option,
    /// value)` (`npx -p ./tool run` gives `("npx", "-p", ./tool)`).
    pub options: Vec<(String, String, Word)>,
}

/// What `env` takes out of the environment of the command it runs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct EnvRemoved {
    /// `env -u NAME`.
    pub names: Vec<String>,
    /// `env -i`: all of it.
    pub all: bool,
}

/// Most wrappers stripped from one command (`sudo sudo sudo ...` is not a reason to loop).
const MAX_WRAPPERS: usize = 16;

/// Strip wrappers from `argv`, recursively.
pub(crate) fn strip(mut argv: Vec<Word>) -> Stripped {
    let mut out = Stripped::default();
    for _ in 0..MAX_WRAPPERS {
        let Some(first) = argv.first() else { break };
        let name = super::program_name(&first.text);
        let options_before = out.options.len();
        let rest = match name.as_str() {
            "watch" => strip_watch(&argv, &mut out),
            "nice" if argv.get(1).is_some_and(|a| is_numeric_option(&a.text)) => {
                // `nice -10 cmd`: the old numeric form.
                Some(2)
            }
            "env" => strip_env(&argv, &mut out),
            _ => {
                let second = argv.get(1).map(|w| w.text.as_str());
                let spec = WRAPPERS.iter().find(|w| {
                    w.name == name && (w.subcommand.is_empty() || second == Some(w.subcommand))
                });
                match spec {
                    Some(spec) => strip_one(spec, &argv, &mut out),
                    None => break,
                }
            }
        };
        match rest {
            Some(start) if start < argv.len() => {
                let uv_run = name == "uv" && argv.get(1).is_some_and(|w| w.text == "run");
                let module = uv_run
                    && argv[2..start]
                        .iter()
                        .any(|o| matches!(o.text.as_str(), "-m" | "--module"));
                let script = uv_run && !module && runs_as_script(&argv[2..start], &argv[start]);
                out.wrappers.push(name);
                argv.drain(..start);
                let span = argv[0].span;
                if script {
                    // `uv run tidy.py` runs the file with Python, as `python3 tidy.py`.
                    argv.insert(0, Word::literal("python3", span));
                } else if module {
                    // `uv run -m tool` is `python3 -m tool`.
                    argv.splice(
                        0..0,
                        [Word::literal("python3", span), Word::literal("-m", span)],
                    );
                }
            }
            // The wrapper runs no command of its own (or only a shell string): it stays
            // the program, so rules about it (e.g. `sudo -l`, `su`) still see it.
            _ => {
                out.options.truncate(options_before);
                break;
            }
        }
    }
    out.argv = argv;
    out
}

/// Whether `uv run`, with `options` before its command `first`, runs that command as a
/// Python script: with `--script`/`-s`, or a file ending in `.py`/`.pyw`, or a URL (uv
/// downloads it and runs it with Python).
fn runs_as_script(options: &[Word], first: &Word) -> bool {
    let t = first.text.as_str();
    options
        .iter()
        .any(|o| matches!(o.text.as_str(), "--script" | "-s" | "--gui-script"))
        || t.ends_with(".py")
        || t.ends_with(".pyw")
        || t.starts_with("http://")
        || t.starts_with("https://")
}

/// Parse one wrapper's options; returns the index where its command starts.
fn strip_one(spec: &Wrapper, argv: &[Word], out: &mut Stripped) -> Option<usize> {
    let mut i = if spec.subcommand.is_empty() { 1 } else { 2 };
    // `uv tool run` (and only `run` of `uv tool`) runs a command.
    if spec.name == "uv" && spec.subcommand == "tool" {
        if argv.get(2).map(|w| w.text.as_str()) != Some("run") {
            return None;
        }
        i = 3;
    }
    let mut join = false;
    let mut no_command = false;
    while let Some(arg) = argv.get(i) {
        let t = arg.text.as_str();
        if t == "--" {
            i += 1;
            break;
        }
        if t.len() < 2 || !t.starts_with('-') || arg.unresolved {
            if spec.assignments.accepts(t) {
                push_assignment(arg, out);
                i += 1;
                continue;
            }
            if spec.command_via_option_only {
                // `su root -c cmd`: options may follow the user name.
                i += 1;
                continue;
            }
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (format!("--{n}"), Some(v)),
                None => (t.to_owned(), None),
            };
            let value = |i: usize| {
                inline
                    .map(|v| Word::literal(v, arg.span))
                    .or_else(|| argv.get(i + 1).cloned())
            };
            if spec.shell_string.contains(&name.as_str()) {
                out.shell_strings.extend(value(i));
                i += if inline.is_some() { 1 } else { 2 };
                no_command |= spec.command_via_option_only;
                continue;
            }
            join |= spec.shell_join.contains(&name.as_str());
            no_command |= spec.no_command.contains(&name.as_str());
            let valued = spec.values.contains(&name.as_str());
            if valued && let Some(v) = value(i) {
                out.options.push((spec.name.to_owned(), name.clone(), v));
            }
            i += if valued && inline.is_none() { 2 } else { 1 };
            continue;
        }
        // A cluster of short options; the first one taking a value ends it.
        let mut consumed_next = false;
        for (k, ch) in t[1..].char_indices() {
            let opt = format!("-{ch}");
            let attached = &t[1 + k + ch.len_utf8()..];
            if spec.shell_string.contains(&opt.as_str()) {
                if attached.is_empty() {
                    out.shell_strings.extend(argv.get(i + 1).cloned());
                    consumed_next = true;
                } else {
                    out.shell_strings.push(Word::literal(attached, arg.span));
                }
                no_command |= spec.command_via_option_only;
                break;
            }
            join |= spec.shell_join.contains(&opt.as_str());
            no_command |= spec.no_command.contains(&opt.as_str());
            if spec.values.contains(&opt.as_str()) {
                consumed_next = attached.is_empty();
                let v = if consumed_next {
                    argv.get(i + 1).cloned()
                } else {
                    Some(Word {
                        text: attached.to_owned(),
                        ..arg.clone()
                    })
                };
                if let Some(v) = v {
                    out.options.push((spec.name.to_owned(), opt.clone(), v));
                }
                break;
            }
        }
        i += if consumed_next { 2 } else { 1 };
    }
    // `env -- A=1 cmd`: the end of the options is not the end of the assignments.
    while let Some(arg) = argv.get(i)
        && spec.assignments.accepts(&arg.text)
    {
        push_assignment(arg, out);
        i += 1;
    }
    if spec.privileged {
        out.privileged = true;
    }
    if no_command || (spec.command_via_option_only && !join) {
        if !out.shell_strings.is_empty() {
            out.wrappers.push(spec.name.to_owned());
        }
        return None;
    }
    let mut start = i + spec.positionals;
    // `aws-vault exec PROFILE -- cmd`: the end of options after the positional arguments.
    if spec.positionals > 0 && argv.get(start).is_some_and(|w| w.text == "--") {
        start += 1;
    }
    // `flock FILE -c 'cmd'`: a shell-string option after the positional arguments.
    if let Some(opt) = argv.get(start)
        && spec.shell_string.contains(&opt.text.as_str())
    {
        out.shell_strings.extend(argv.get(start + 1).cloned());
        out.wrappers.push(spec.name.to_owned());
        return None;
    }
    if join && start < argv.len() {
        // The rest is one command line for a shell: judge it as such.
        out.shell_strings
            .extend(Word::joined_with(&argv[start..], sudo_escape));
        out.wrappers.push(spec.name.to_owned());
        return None;
    }
    Some(start)
}

/// `env [-i] [-u NAME] [-S STRING] [NAME=VALUE]... [COMMAND [ARG]...]`
fn strip_env(argv: &[Word], out: &mut Stripped) -> Option<usize> {
    let spec = WRAPPERS.iter().find(|w| w.name == "env")?;
    // `-S`/`--split-string`: the value is split into words like a shell would.
    for (i, arg) in argv.iter().enumerate().skip(1) {
        let t = arg.text.as_str();
        let split = if t == "-S" || t == "--split-string" {
            argv.get(i + 1).map(|v| (v.clone(), i + 2))
        } else {
            t.strip_prefix("--split-string=")
                .or_else(|| t.strip_prefix("-S"))
                .filter(|v| !v.is_empty())
                .map(|v| {
                    (
                        Word {
                            text: v.to_owned(),
                            ..arg.clone()
                        },
                        i + 1,
                    )
                })
        };
        if let Some((mut value, after)) = split {
            let tail: Vec<&str> = argv[after..].iter().map(|w| w.text.as_str()).collect();
            if !tail.is_empty() {
                value.text = format!("{} {}", value.text, tail.join(" "));
            }
            out.shell_strings.push(value);
            out.wrappers.push("env".into());
            return None;
        }
        if t == "--" {
            break;
        }
        if !t.starts_with('-') {
            let prev = argv[i - 1].text.as_str();
            if i > 1 && matches!(prev, "-u" | "--unset" | "-C" | "--chdir") {
                continue;
            }
            break;
        }
        match t {
            "-i" | "-" | "--ignore-environment" => out.env_removed.all = true,
            "-u" | "--unset" => out
                .env_removed
                .names
                .extend(argv.get(i + 1).map(|w| w.text.clone())),
            _ => {
                if let Some(name) = t.strip_prefix("--unset=").or_else(|| {
                    t.strip_prefix("-u")
                        .filter(|n| !n.is_empty() && !n.starts_with('-'))
                }) {
                    out.env_removed.names.push(name.to_owned());
                }
            }
        }
    }
    strip_one(spec, argv, out)
}

/// `watch [options] command...`: without `-x` the words are joined and run by `sh -c`.
fn strip_watch(argv: &[Word], out: &mut Stripped) -> Option<usize> {
    let values = ["-n", "--interval", "-q", "--equexit", "--differences"];
    let mut i = 1;
    let mut exec = false;
    while let Some(arg) = argv.get(i) {
        let t = arg.text.as_str();
        if t == "--" {
            i += 1;
            break;
        }
        if !t.starts_with('-') || t.len() < 2 {
            break;
        }
        exec |= t == "-x"
            || t == "--exec"
            || (t.starts_with('-') && !t.starts_with("--") && t.contains('x'));
        i += if values.contains(&t) { 2 } else { 1 };
    }
    if i >= argv.len() {
        return None;
    }
    if exec {
        return Some(i);
    }
    out.shell_strings.extend(Word::joined(&argv[i..]));
    out.wrappers.push("watch".into());
    None
}

fn push_assignment(arg: &Word, out: &mut Stripped) {
    let t = arg.text.as_str();
    let (k, v) = t.split_once('=').unwrap_or((t, ""));
    out.env.push((k.to_owned(), v.to_owned()));
    if arg.unresolved {
        out.env_unknown.push(k.to_owned());
    }
}

/// How `sudo -s` (and `-i`) makes one line for `$SHELL -c` of the command's words: every
/// character that is not alphanumeric, `_`, `-` or `$` gets a backslash, so the shell
/// reads the words back as they were, except that `$` still expands and a newline is
/// a line continuation. (sudo escapes each byte of a non-ASCII character; one backslash
/// before the character reads back the same.)
///
/// A glob the engine could not expand (`[ab].txt`) stands for the names it matches,
/// which sudo receives and escapes one by one: it stays a glob in the line, so that it
/// still stands for those names rather than for a file named `[ab].txt`.
fn sudo_escape(word: &Word, text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        let keep = c.is_ascii_alphanumeric()
            || matches!(c, '_' | '-' | '$')
            || (word.glob && matches!(c, '*' | '?' | '[' | ']'));
        if !keep {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn is_numeric_option(t: &str) -> bool {
    t.strip_prefix('-').is_some_and(|n| {
        !n.is_empty()
            && n.trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit())
    })
}

/// `NAME=value` with a valid shell variable name.
pub(crate) fn is_assignment(t: &str) -> bool {
    match t.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn words(s: &str) -> Vec<Word> {
        Word::literals(s)
    }

    fn stripped(s: &str) -> (String, Vec<String>, Vec<String>) {
        let out = strip(words(s));
        let argv = out
            .argv
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        (
            argv,
            out.wrappers,
            out.shell_strings.into_iter().map(|w| w.text).collect(),
        )
    }

    #[test]
    fn strips_each_wrapper_with_its_own_options() {
        let cases = [
            ("sudo -u x rm -rf /", "rm -rf /", vec!["sudo"]),
            ("sudo -E -H rm -rf /", "rm -rf /", vec!["sudo"]),
            ("env -i A=1 B=2 rm -rf /", "rm -rf /", vec!["env"]),
            ("env -u HOME -- rm x", "rm x", vec!["env"]),
            ("timeout 5 rm -rf /", "rm -rf /", vec!["timeout"]),
            ("timeout -s KILL -k 2 5 rm x", "rm x", vec!["timeout"]),
            ("nice -n 10 rm x", "rm x", vec!["nice"]),
            ("nice -10 rm x", "rm x", vec!["nice"]),
            ("ionice -c 3 -n7 rm x", "rm x", vec!["ionice"]),
            ("stdbuf -oL -e 0 rm x", "rm x", vec!["stdbuf"]),
            ("chroot /mnt rm x", "rm x", vec!["chroot"]),
            ("flock /tmp/l rm x", "rm x", vec!["flock"]),
            ("command rm x", "rm x", vec!["command"]),
            ("exec -a name rm x", "rm x", vec!["exec"]),
            ("time -p rm x", "rm x", vec!["time"]),
            (
                "sudo nohup nice -n 5 timeout 3 env A=1 rm -rf /",
                "rm -rf /",
                vec!["sudo", "nohup", "nice", "timeout", "env"],
            ),
            ("busybox rm -rf /", "rm -rf /", vec!["busybox"]),
            ("doas -u root rm x", "rm x", vec!["doas"]),
            ("setsid -f rm x", "rm x", vec!["setsid"]),
            ("unbuffer -p rm x", "rm x", vec!["unbuffer"]),
            ("npx rimraf /", "rimraf /", vec!["npx"]),
            ("uv run --with x rm -rf /", "rm -rf /", vec!["uv"]),
            ("uv run tidy.py --fix", "python3 tidy.py --fix", vec!["uv"]),
            ("uv run --script tool a", "python3 tool a", vec!["uv"]),
            (
                "uv run https://x.example/s.py",
                "python3 https://x.example/s.py",
                vec!["uv"],
            ),
            ("uv run pytest -q", "pytest -q", vec!["uv"]),
            ("uv run -w rich evil.py", "python3 evil.py", vec!["uv"]),
            (
                "uv run --color always --config-file x.toml evil.py",
                "python3 evil.py",
                vec!["uv"],
            ),
            ("uv tool run python evil.py", "python evil.py", vec!["uv"]),
            ("uv run -m evil --x", "python3 -m evil --x", vec!["uv"]),
            ("uvx -w rich python evil.py", "python evil.py", vec!["uvx"]),
            ("poetry run pytest -x", "pytest -x", vec!["poetry"]),
            ("pnpm dlx rimraf ~", "rimraf ~", vec!["pnpm"]),
            ("conda run -n env rm x", "rm x", vec!["conda"]),
            ("direnv exec . rm x", "rm x", vec!["direnv"]),
            ("cross-env NODE_ENV=test jest", "jest", vec!["cross-env"]),
            ("bundle exec rake test", "rake test", vec!["bundle"]),
            (
                "aws-vault exec prod -- rm -rf ~",
                "rm -rf ~",
                vec!["aws-vault"],
            ),
            (
                "aws-vault exec --duration=1h prod rm x",
                "rm x",
                vec!["aws-vault"],
            ),
        ];
        for (input, argv, wrappers) in cases {
            let (got, w, _) = stripped(input);
            assert_eq!(got, argv, "{input}");
            assert_eq!(w, wrappers, "{input}");
        }
    }

    #[test]
    fn shell_strings_from_wrappers() {
        assert_eq!(stripped("su -c rm").2, vec!["rm"]);
        assert_eq!(stripped("su root -c rm").2, vec!["rm"]);
        assert_eq!(stripped("flock /tmp/l -c rm").2, vec!["rm"]);
        assert_eq!(stripped("script -q -c rm /dev/null").2, vec!["rm"]);
        assert_eq!(stripped("sudo -s rm -rf /").2, vec![r"rm -rf \/"]);
        assert_eq!(stripped("watch -n 1 rm -rf /").2, vec!["rm -rf /"]);
        assert_eq!(stripped("env -S rm -rf /").2, vec!["rm -rf /"]);
        assert_eq!(stripped("watch -x rm -rf /").0, "rm -rf /");
        assert_eq!(stripped("nix-shell -p jq --run rm").2, vec!["rm"]);
        assert_eq!(
            stripped("uv pip install x").0,
            "uv pip install x",
            "only `uv run` wraps"
        );
    }

    #[test]
    fn assignments_only_where_the_wrapper_reads_them() {
        let env = |s: &str| -> (String, Vec<(String, String)>) {
            let out = strip(words(s));
            let argv = out.argv.iter().map(|w| w.text.as_str()).collect::<Vec<_>>();
            (argv.join(" "), out.env)
        };
        let a1 = || vec![("A".to_owned(), "1".to_owned())];
        assert_eq!(env("sudo A=1 rm a"), ("rm a".into(), a1()));
        assert_eq!(env("sudo A=1 -u root rm a"), ("rm a".into(), a1()));
        assert_eq!(env("sudo -u root -- A=1 rm a"), ("rm a".into(), a1()));
        assert_eq!(env("env -- A=1 rm a"), ("rm a".into(), a1()));
        assert_eq!(env("env -i -- A=1 rm a"), ("rm a".into(), a1()));
        // Bash's `time` keyword prefixes a simple command.
        assert_eq!(env("time A=1 rm a"), ("rm a".into(), a1()));
        assert_eq!(env("time -p A=1 rm a"), ("rm a".into(), a1()));
        // sudo takes any `x=y` that does not start with `/`; env any at all.
        assert_eq!(env("sudo a.b=1 rm").0, "rm");
        assert_eq!(env("sudo /bin/a=1 rm").0, "/bin/a=1 rm");
        // Programs that run their first word: `A=1` is the program.
        assert_eq!(env("nohup A=1 rm a"), ("A=1 rm a".into(), vec![]));
        assert_eq!(env("doas A=1 rm a"), ("A=1 rm a".into(), vec![]));
        assert_eq!(env("nice -n 1 A=1 rm a"), ("A=1 rm a".into(), vec![]));
    }

    #[test]
    fn sudo_shell_escapes_the_words_it_joins() {
        let mut argv = words("sudo -s rm");
        argv.push(Word::literal("a b;c", Span::default()));
        argv.push(Word::literal("$HOME", Span::default()));
        argv.push(Word {
            holes: vec![Span::new(2, 6)],
            unresolved: true,
            ..Word::literal("x/$(d)", Span::default())
        });
        let out = strip(argv);
        let line = &out.shell_strings[0];
        // `$` is not escaped (the shell expands it); a hole stays its source text.
        assert_eq!(line.text, r"rm a\ b\;c $HOME x\/$(d)");
        assert_eq!(line.holes, vec![Span::new(20, 24)]);
        assert_eq!(out.wrappers, ["sudo"]);
        assert_eq!(stripped("sudo -i rm x.y").2, [r"rm x\.y"]);
        let glob = Word {
            glob: true,
            ..Word::literal("[ab] *.txt", Span::default())
        };
        let mut argv = words("sudo -s rm");
        argv.push(glob);
        assert_eq!(strip(argv).shell_strings[0].text, r"rm [ab]\ *\.txt");
        // `watch` joins without escaping.
        assert_eq!(stripped("watch rm x.y").2, ["rm x.y"]);
    }

    #[test]
    fn a_wrapper_that_runs_nothing_stays_the_program() {
        assert_eq!(stripped("sudo -l").0, "sudo -l");
        assert_eq!(stripped("command -v rm").0, "command -v rm");
        assert_eq!(stripped("su").0, "su");
        assert_eq!(stripped("sudo").0, "sudo");
        assert_eq!(stripped("ionice -p 42").0, "ionice -p 42");
    }
}
