//! What bash runs is what the engine judges, and nothing it cannot know is vouched for.
//! One case per class of evasion (each stands for a family the properties and the
//! bash oracle test with generated inputs), each with a benign twin of the same shape
//! that stays allowed.

use mstro_engine::{Engine, Judgement, Mode, PathEnv, ToolCall, Verdict};

/// A class: a dangerous command judged `verdict` by `rule`, and a benign twin judged
/// no stricter than `twin_at_most`.
struct Class {
    name: &'static str,
    dangerous: &'static str,
    rule: &'static str,
    verdict: Verdict,
    twin: &'static str,
    twin_at_most: Verdict,
}

const OWN_CONFIG: &str = "self-protection.bouncer-config";
const ROOT: &str = "filesystem.rm-root-or-home";
const UNKNOWN: &str = "filesystem.unknown-target";

fn classes() -> Vec<Class> {
    use Verdict::*;
    let class = |name, dangerous, rule, verdict, twin| Class {
        name,
        dangerous,
        rule,
        verdict,
        twin,
        twin_at_most: Allow,
    };
    vec![
        // What `$(mktemp)` prints is only known at run time: it may be empty (a failure
        // that `set -e` does not stop inside `export`), and `mktemp` may be a function.
        class(
            "mktemp hidden by export under set -e",
            "set -e; export t=$(mktemp -t foo); rm -rf \"$t$HOME\"",
            UNKNOWN,
            Review,
            "set -e; t=$(mktemp -d); echo \"$t\"",
        ),
        Class {
            name: "a function named mktemp",
            dangerous: "set -e; mktemp() { echo ~; }; t=$(mktemp -d); rm -rf \"$t\"",
            rule: UNKNOWN,
            verdict: Review,
            twin: "set -e; t=$(mktemp -d); rm -rf \"$t\"",
            twin_at_most: Review,
        },
        // `fd -x`/`-X` runs a command on what it finds, as `find -exec` does.
        class(
            "fd running a command on what it finds",
            "fd -H . ~ -X rm -rf",
            ROOT,
            Deny,
            "fd -e o . build -X rm -f",
        ),
        Class {
            name: "fd running a command on a secret directory's files",
            dangerous: "fdfind -H -t f . ~/.ssh --exec rm",
            rule: "secrets.delete",
            verdict: Review,
            twin: "fd -t f -e md",
            twin_at_most: Allow,
        },
        // Inline code reads the interpreter's environment: the command's own
        // assignments, not the shell's variable of the same name.
        class(
            "an environment variable set for the interpreter",
            "export T=/tmp/x; T=~/.mstro/bouncer.yaml python3 -c \"import os; open(os.environ['T'], 'w').write('')\"",
            OWN_CONFIG,
            Deny,
            "export T=/tmp/x; python3 -c \"import os; open(os.environ['T'], 'w').write('')\"",
        ),
        class(
            "an environment variable set through env",
            "export T=/tmp/x; env T=$HOME/.mstro/bouncer.yaml python3 -c \"import os; open(os.environ['T'], 'w').write('')\"",
            OWN_CONFIG,
            Deny,
            "export T=/tmp/x; env T=/tmp/y python3 -c \"import os; open(os.environ['T'], 'w').write('')\"",
        ),
        Class {
            name: "code that changes its environment before reading it",
            dangerous: "export T=/tmp/x; python3 -c \"import os; os.environ['T'] = os.path.expanduser('~/.mstro/bouncer.yaml'); open(os.environ['T'], 'w').write('')\"",
            rule: UNKNOWN,
            verdict: Review,
            twin: "export T=/tmp/x; python3 -c \"import os; open(os.environ['T'], 'w').write('')\"",
            twin_at_most: Allow,
        },
        // `.` in a directory only known at run time may be anything: unknown, not the
        // bouncer's own configuration for certain (a suffix of `.` names no file).
        class(
            "a dot in an unknown directory",
            "cd \"$X\"; rm -rf .",
            UNKNOWN,
            Review,
            "cd \"$X\"; ls -la .",
        ),
        Class {
            name: "a protected name after an unknown directory",
            dangerous: "rm -rf \"$X/.mstro/.\"",
            rule: OWN_CONFIG,
            verdict: Deny,
            twin: "rm -rf \"$X/build/.\"",
            twin_at_most: Review,
        },
        // Values only known at run time are carried with what is known around them.
        class(
            "here-string into read",
            "read -r D <<< ~/.mstro; printf 'critical_overrides: [x]' > \"$D/bouncer.yaml\"",
            OWN_CONFIG,
            Deny,
            "read -r x <<< hello; echo \"$x\"",
        ),
        class(
            "printf -v",
            "printf -v D %s ~/.mstro; echo 'disabled_rules: [x]' > \"$D/bouncer.yaml\"",
            OWN_CONFIG,
            Deny,
            "printf -v x %s hello; echo \"$x\"",
        ),
        class(
            "substitution with a known suffix",
            "D=$(cd ~ && pwd)/.mstro; printf x > \"$D/bouncer.yaml\"",
            OWN_CONFIG,
            Deny,
            "D=$(pwd)/build; echo x > \"$D/out.txt\"",
        ),
        class(
            "while read from an unknown listing",
            "ls -d ~/.ms* | while read d; do echo x > \"$d/bouncer.yaml\"; done",
            OWN_CONFIG,
            Deny,
            "ls src | while read f; do echo \"$f\"; done",
        ),
        class(
            "unknown directory, protected file",
            "cp evil \"$T/sudoers\"",
            "system.account-files",
            Deny,
            "cp notes.txt ./docs/sudoers-howto.md",
        ),
        class(
            "unknown write target",
            "echo x > \"$OUT\"",
            UNKNOWN,
            Review,
            "echo x > out.txt",
        ),
        class(
            "unknown delete target",
            "rm -f $(cat files.txt)",
            UNKNOWN,
            Review,
            "rm -f notes.txt",
        ),
        class(
            "unknown cwd",
            "cd \"$(mktemp -d)\" && echo x > .bashrc",
            "system.shell-profile",
            Review,
            "cd build && echo x > out.txt",
        ),
        // Values the engine follows.
        class(
            "IFS splitting",
            "IFS=,; c=sudo,id; $c",
            "privilege.escalation",
            Review,
            "IFS=,; c=ls,-la; $c",
        ),
        class(
            "nameref",
            "declare -n r=x; x=sudo; $r id",
            "privilege.escalation",
            Review,
            "declare -n r=x; x=ls; $r -la",
        ),
        class(
            "xargs from a known producer",
            "echo / | xargs rm -rf",
            ROOT,
            Deny,
            "echo a,b | xargs -d, echo",
        ),
        class(
            "xargs -I",
            "printf '%s\\n' ~ | xargs -I{} rm -rf {}",
            ROOT,
            Deny,
            "printf '%s\\n' build | xargs -I{} rm -rf {}",
        ),
        class(
            "while read from a known producer",
            "echo / | while read d; do rm -rf \"$d\"; done",
            ROOT,
            Deny,
            "echo build | while read d; do rm -rf \"$d\"; done",
        ),
        class(
            "sh -c positional parameters",
            "sh -c 'rm -rf \"$0\"' ~",
            ROOT,
            Deny,
            "sh -c 'ls \"$0\"' src",
        ),
        class(
            "bash -c $1",
            "bash -c 'rm -rf \"$1\"' x /",
            ROOT,
            Deny,
            "bash -c 'rm -rf \"$1\"' x build",
        ),
        class(
            "glob in the middle of a path",
            "tee -a /e*c/sudoers",
            "system.account-files",
            Deny,
            "tee -a /tmp/l*g.txt",
        ),
        class(
            "glob in a home directory's name",
            "rm -rf /ho?e/dev",
            ROOT,
            Deny,
            "rm -rf /tmp/ho?e",
        ),
        class(
            "arithmetic re-evaluates a value",
            "x='a[$(rm -rf ~)]'; (( x ))",
            ROOT,
            Deny,
            "x='a[1]'; (( x ))",
        ),
        class(
            "a comment before an escaped command name",
            "ls # a note\n\\rm -rf ~",
            ROOT,
            Deny,
            "ls # a note\n\\rm -rf build",
        ),
        class(
            "process substitution as the case subject",
            "case <(rm -rf ~) in *) ;; esac",
            ROOT,
            Deny,
            "case <(ls) in *) ;; esac",
        ),
        class(
            "a stdin shell sees only exported variables",
            "D=tmp/build; bash -s <<'EOF'\nrm -rf /\"$D\"\nEOF",
            ROOT,
            Review,
            "export D=tmp/build; bash -s <<'EOF'\nrm -rf /\"$D\"\nEOF",
        ),
        class(
            "an unknown argument shifts the positions after it",
            "set -- $unset tmp/x; rm -rf /\"$2\"",
            ROOT,
            Review,
            "set -- a tmp/x; rm -rf /\"$2\"",
        ),
        class(
            "tilde is whatever HOME holds",
            "HOME=/etc; echo x > ~/sudoers",
            "system.account-files",
            Deny,
            "HOME=/tmp/h; echo x > ~/notes.txt",
        ),
        class(
            "a while-read loop leaves its variable empty",
            "while read -r d; do ls \"$d\"; done <<< build; rm -rf \"/${d}\"",
            ROOT,
            Deny,
            "while read -r d; do ls \"$d\"; done <<< build; rm -rf \"/tmp/x/${d}\"",
        ),
        class(
            "assignments after the time keyword are not split",
            "time A=$(echo 'x y') rm -rf ~",
            ROOT,
            Deny,
            "time A=$(echo 'x y') rm -rf build",
        ),
        // The engine cannot read a script from `<(...)` on disk (review), but judges
        // what it knows it prints as that script, in a new shell.
        Class {
            twin_at_most: Review,
            ..class(
                "a script from a process substitution has no positional parameters",
                "set -- build; bash <(echo 'rm -rf \"/$1\"')",
                ROOT,
                Deny,
                "bash <(echo 'rm -rf \"./$1\"') build",
            )
        },
        class(
            "the last redirection of standard input wins",
            "read -r d <<< build <dirs.txt; rm -rf \"./$d\"",
            UNKNOWN,
            Review,
            "read -r d <<< build; rm -rf \"./$d\"",
        ),
        class(
            "an exit trap runs where the shell is when it exits",
            "trap 'rm -rf *' EXIT; cd ~",
            ROOT,
            Review,
            "trap 'rm -rf /tmp/x/build' EXIT; cd ~",
        ),
        class(
            "local outside a function assigns nothing",
            "D=/; local D=build; rm -rf \"$D\"",
            ROOT,
            Deny,
            "f() { D=/; local D=build; rm -rf \"$D\"; }; f",
        ),
        class(
            "unset empties a variable",
            "D=build; unset D; rm -rf \"/$D\"",
            ROOT,
            Deny,
            "D=build; unset E; rm -rf \"./$D\"",
        ),
        class(
            "backquotes in a heredoc run",
            "cat <<EOF > notes.txt\n`rm -rf ~`\nEOF",
            ROOT,
            Deny,
            "cat <<EOF > notes.txt\n`date`\nEOF",
        ),
        class(
            "a pipeline before a list ends at the list",
            "ls | sort | head -1 && f() { rm -rf ~; }; f",
            ROOT,
            Deny,
            "ls | sort | head -1 && f() { rm -rf build; }; f",
        ),
        class(
            "a cd before the last command of a group may fail",
            "( cd build; rm -rf * ) && ls",
            UNKNOWN,
            Review,
            "( cd build && rm -rf * ) && ls",
        ),
        class(
            "variable with a known prefix",
            "p=/etc/sudoers.d; echo x > \"$p/$name\"",
            UNKNOWN,
            Review,
            "p=build; echo x > \"$p/out.txt\"",
        ),
        class(
            "a newline before a redirection ends the command",
            "ls | sort\"\" | head\"\"\n<a.txt rm -rf ~ >out",
            ROOT,
            Deny,
            "ls | sort\"\" | head\"\"\n<a.txt rm -rf build >out",
        ),
        class(
            "a redirection's target cut at `''$`",
            "echo x >/''$HOME/.bashrc",
            "system.shell-profile",
            Review,
            "echo x >/''$HOME/project/notes.txt",
        ),
        class(
            "a default assigned among the words after a redirection",
            "unset D; ls >log ${D:=/}; rm -rf \"$D\"",
            ROOT,
            Deny,
            "unset D; ls >log ${D:=build}; rm -rf \"$D\"",
        ),
        class(
            "the last redirection of standard input wins in a list",
            "true && while read -r d; do rm -rf \"./$d\"; done <<< build <dirs.txt",
            UNKNOWN,
            Review,
            "true && while read -r d; do rm -rf \"./$d\"; done <<< build",
        ),
        class(
            "a redirection that may fail keeps its group from running",
            "D=/; { D=build; } >log; rm -rf \"$D\"",
            ROOT,
            Deny,
            "D=/; { D=build; } >/dev/null; rm -rf \"$D\"",
        ),
        class(
            "an unknown value in a new shell's environment",
            "X=$D bash -c 'rm -rf \"$X\"'",
            UNKNOWN,
            Review,
            "X=build bash -c 'rm -rf \"$X\"'",
        ),
        class(
            "a function sees its caller's prefix assignments",
            "D=build; f() { rm -rf \"$D\"; }; D=~ f",
            ROOT,
            Deny,
            "D=build; f() { rm -rf \"$D\"; }; D=dist f",
        ),
        class(
            "a tilde after `NAME=` in an argument",
            "dd if=evil of=~/.bashrc",
            "system.shell-profile",
            Review,
            "dd if=evil of=./build/out.img",
        ),
    ]
}

fn judge(engine: &Engine, env: &PathEnv, cwd: &str, cmd: &str) -> (Judgement, Vec<String>) {
    let e = engine
        .judge(&ToolCall::bash(cmd).with_cwd(cwd), env, Mode::Repl)
        .expect("valid call");
    let fired = e.fired.iter().map(|r| r.to_string()).collect();
    (e.judgement, fired)
}

#[test]
fn every_class_both_ways() {
    let engine = Engine::builtin().expect("built-in packs load");
    let env = PathEnv::fixture();
    let mut failures = Vec::new();
    for c in classes() {
        let (j, fired) = judge(&engine, &env, "/home/dev/project", c.dangerous);
        if j.verdict != c.verdict || !fired.iter().any(|r| r == c.rule) {
            failures.push(format!(
                "{}: `{}` should be {} by {} but was {} {:?}",
                c.name, c.dangerous, c.verdict, c.rule, j.verdict, fired
            ));
        }
        let (t, fired) = judge(&engine, &env, "/home/dev/project", c.twin);
        if t.verdict > c.twin_at_most {
            failures.push(format!(
                "{}: twin `{}` should be at most {} but was {} {:?}",
                c.name, c.twin, c.twin_at_most, t.verdict, fired
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A home directory (or a project) inside a temporary directory keeps its protections:
/// the more protected class wins.
#[test]
fn home_is_home_even_under_a_temporary_directory() {
    let engine = Engine::builtin().expect("built-in packs load");
    let env = PathEnv::new("/tmp/ci/home", Some("/tmp/ci/work"));
    let cwd = "/tmp/ci/work";
    for (cmd, at_least) in [
        ("rm -rf ~/*", Verdict::Deny),
        ("rm -rf ~", Verdict::Deny),
        ("rm -rf $HOME/.*", Verdict::Deny),
        ("find ~ -delete", Verdict::Review),
        ("echo x >> ~/.bashrc", Verdict::Review),
        ("rm -rf src", Verdict::Review),
    ] {
        let (j, fired) = judge(&engine, &env, cwd, cmd);
        assert!(j.verdict >= at_least, "`{cmd}`: {} {fired:?}", j.verdict);
    }
    for benign in [
        "rm -rf /tmp/ci/scratch/out",
        "rm -rf build",
        "rm -rf ~/.cache/pip",
        "echo x > notes.txt",
    ] {
        let (j, fired) = judge(&engine, &env, cwd, benign);
        assert_eq!(j.verdict, Verdict::Allow, "`{benign}`: {fired:?}");
    }
}
