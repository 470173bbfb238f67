//! The shell model against real bash: hand-written commands prove that the sandbox and
//! its stubs record what bash runs (and nothing escapes it), made-up records prove that
//! the comparison can fail, and thousands of generated commands must show no divergence.
//!
//! Without bubblewrap (or namespaces) the sandbox tests are skipped with a message,
//! except when `CI` is set to a true value: there they fail.

use std::path::Path;
use std::time::Instant;

use mstro_engine::shell::FindingKind;
use mstro_shell_oracle::record::Arg;
use mstro_shell_oracle::{
    Divergence, Exec, Outcome, Rng, Sandbox, SandboxError, Stats, Verdict, check, generate, in_ci,
    judge, sandbox,
};

const STUB: &str = env!("CARGO_BIN_EXE_oracle-stub");

/// Generated commands the suite checks, from fixed seeds.
const GENERATED: u64 = 3000;

fn start() -> Option<Sandbox> {
    match Sandbox::start(Path::new(STUB)) {
        Ok(s) => Some(s),
        Err(SandboxError::Unavailable(why)) if !in_ci() => {
            eprintln!("SKIPPED: the bash oracle needs bubblewrap with namespaces ({why})");
            None
        }
        Err(e) => panic!("the bash oracle's sandbox must run in CI: {e}"),
    }
}

fn exec(cwd: &str, argv: &[&str]) -> Exec {
    Exec {
        exe: format!("/usr/local/bin/{}", argv[0]),
        argv: argv.iter().map(|a| Arg::Text((*a).to_owned())).collect(),
        cwd: Some(cwd.to_owned()),
    }
}

/// `program arg arg` for each exec, sorted (programs started together may log in any order).
fn execs(outcome: &Outcome) -> Vec<String> {
    let mut v: Vec<String> = outcome
        .execs
        .iter()
        .map(|e| {
            let mut s = e.program();
            for a in e.args() {
                s.push(' ');
                if a.contains(' ') {
                    s.push_str(&format!("'{a}'"));
                } else {
                    s.push_str(&a);
                }
            }
            s
        })
        .collect();
    v.sort();
    v
}

/// Each exec's words sorted, for programs whose argument order is the file system's.
fn unordered(v: &[String]) -> Vec<Vec<String>> {
    let mut v: Vec<Vec<String>> = v
        .iter()
        .map(|s| {
            let mut w: Vec<String> = s.split(' ').map(str::to_owned).collect();
            w.sort();
            w
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_sandbox_records_what_bash_runs() {
    let Some(mut sb) = start() else { return };
    let cases: &[(&str, &[&str])] = &[
        ("rm -rf /", &["rm -rf /"]),
        ("X=rm; $X -f a.txt", &["rm -f a.txt"]),
        ("rm *.txt ~/x", &["rm a.txt b.txt /home/dev/x"]),
        ("echo hi", &[]),
        (
            "sudo -u root rm a.txt",
            &["rm a.txt", "sudo -u root rm a.txt"],
        ),
        ("sudo -s rm 'a b'", &["rm 'a b'", "sudo -s rm 'a b'"]),
        ("sudo -E A=1 rm a", &["rm a", "sudo -E A=1 rm a"]),
        (
            "sudo -l; doas -u root rm a",
            &["doas -u root rm a", "rm a", "sudo -l"],
        ),
        (
            "env -i rm *.txt",
            &["env -i rm a.txt b.txt", "rm a.txt b.txt"],
        ),
        ("echo a.txt | xargs rm", &["rm a.txt", "xargs rm"]),
        ("cat <<EOF | bash\nrm a\nEOF", &["bash", "cat", "rm a"]),
        ("sh -c 'rm \"$0\"' x", &["rm x", "sh -c 'rm \"$0\"' x"]),
        (
            "find . -name '*.txt' -exec rm {} +",
            &["find . -name *.txt -exec rm {} +", "rm ./b.txt ./a.txt"],
        ),
        (
            "timeout 5 nice -n 1 git status",
            &[
                "git status",
                "nice -n 1 git status",
                "timeout 5 nice -n 1 git status",
            ],
        ),
        // Processes that leave bash's process group and outlive it are still recorded.
        (
            "(setsid sh -c 'rm late' &)",
            &["rm late", "setsid sh -c 'rm late'", "sh -c 'rm late'"],
        ),
        // Stubs print nothing: a substitution of one is empty.
        ("rm \"[$(ls /)]\"", &["ls /", "rm []"]),
    ];
    for (command, expected) in cases {
        let outcome = sb.run(command, true).unwrap();
        assert_eq!(outcome.syntax_ok, Some(true), "{command}");
        assert!(!outcome.timed_out, "{command}");
        assert!(outcome.bad_lines.is_empty(), "{command}: {outcome:?}");
        // `find` lists the directory in the file system's order; compare sorted words.
        let mut want: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        let got = execs(&outcome);
        if command.starts_with("find") {
            assert_eq!(unordered(&got), unordered(&want), "{command}");
        } else {
            assert_eq!(got, want, "{command}");
        }
    }

    // `exec -a` changes argv[0], not the program.
    let o = sb.run("exec -a foo rm x", false).unwrap();
    assert_eq!(o.execs.len(), 1);
    assert_eq!(o.execs[0].program(), "rm");
    assert_eq!(o.execs[0].argv[0], Arg::Text("foo".into()));
    // The working directory follows `cd`.
    let o = sb.run("cd src && ls", false).unwrap();
    assert_eq!(o.execs[0].cwd.as_deref(), Some("/home/dev/project/src"));
    // Arguments that are not UTF-8 keep their bytes.
    let o = sb.run("rm $'\\xff'x", false).unwrap();
    assert_eq!(o.execs[0].argv[1], Arg::Bytes { hex: "ff78".into() });
    assert_eq!(o.execs[0].argv[1].bytes(), b"\xffx");
    // A syntax error is reported as such.
    let o = sb.run("rm (", true).unwrap();
    assert_eq!(o.syntax_ok, Some(false));
    assert!(o.execs.is_empty());
}

#[test]
fn nothing_leaves_the_sandbox() {
    let Some(mut sb) = start() else { return };
    // No network, a read-only root, and none of the real programs.
    for (command, status) in [
        ("echo > /dev/tcp/1.1.1.1/80", 1),
        ("echo x > /x", 1),
        (
            "test -e /etc/shadow || test -e /usr/lib/git-core || test -d /root",
            1,
        ),
        ("[ /usr/bin/git -ef /oracle/bin/oracle-stub ]", 0),
        ("echo x > ~/y && echo x > /tmp/y", 0),
    ] {
        let o = sb.run(command, false).unwrap();
        assert_eq!(o.status, Some(status), "{command}: {o:?}");
    }
    // Files a command writes are gone for the next one.
    let o = sb.run("test -e ~/y || test -e /tmp/y", false).unwrap();
    assert_eq!(o.status, Some(1));
    // A command that never ends is killed at the time limit with everything it started,
    // even what left its process group; the next command runs normally.
    let started = Instant::now();
    let o = sb
        .run(
            "setsid bash -c 'while :; do :; done' & while :; do :; done",
            false,
        )
        .unwrap();
    assert!(o.timed_out && o.status.is_none(), "{o:?}");
    assert!(started.elapsed().as_secs() < 10);
    let o = sb.run("rm after", false).unwrap();
    assert!(
        !o.timed_out,
        "what the last command started is still running"
    );
    assert_eq!(execs(&o), ["rm after"]);
}

#[test]
fn the_comparison_catches_a_wrong_argv() {
    const P: &str = "/home/dev/project";
    // The engine's model of each command against records made up to disagree with it:
    // as if the engine had extracted a wrong argv.
    let cases = [
        (
            "rm -rf ./build",
            exec(P, &["rm", "-rf", "/"]),
            Verdict::Divergence(Divergence::DifferentArguments),
        ),
        (
            "rm -rf ./build",
            exec(P, &["rm", "-rf"]),
            Verdict::Divergence(Divergence::DifferentArguments),
        ),
        (
            "rm -rf ./build",
            exec(P, &["rm", "-rf", "./build", "x"]),
            Verdict::Divergence(Divergence::DifferentArguments),
        ),
        (
            "rm a.txt",
            exec(P, &["curl", "a.txt"]),
            Verdict::Divergence(Divergence::NotSeen),
        ),
        (
            "cd src && rm a",
            exec(P, &["rm", "a"]),
            Verdict::Divergence(Divergence::DifferentCwd),
        ),
        (
            "rm *.txt",
            exec(P, &["rm", "notes.md"]),
            Verdict::Divergence(Divergence::DifferentArguments),
        ),
        // And agrees where it should.
        (
            "rm -rf ./build",
            exec(P, &["rm", "-rf", "./build"]),
            Verdict::Exact,
        ),
        (
            "rm *.txt",
            exec(P, &["rm", "a.txt", "b.txt"]),
            Verdict::Loose,
        ),
        ("sudo rm a", exec(P, &["sudo", "rm", "a"]), Verdict::Wrapper),
        (
            "$(cat x) a",
            exec(P, &["rm", "b"]),
            Verdict::Explained(vec![FindingKind::UnresolvedProgram]),
        ),
        // An argument that is not UTF-8 is not the U+FFFD it is shown as.
        (
            "rm \u{FFFD}",
            Exec {
                argv: vec![Arg::Text("rm".into()), Arg::Bytes { hex: "ff".into() }],
                ..exec(P, &["rm"])
            },
            Verdict::Divergence(Divergence::DifferentArguments),
        ),
        (
            "rm \"$(cat x)\"",
            Exec {
                argv: vec![Arg::Text("rm".into()), Arg::Bytes { hex: "ff".into() }],
                ..exec(P, &["rm"])
            },
            Verdict::Loose,
        ),
    ];
    for (command, record, verdict) in cases {
        let checked = judge(
            command,
            Outcome {
                execs: vec![record.clone()],
                ..Outcome::default()
            },
        );
        assert_eq!(
            checked.verdicts,
            vec![verdict.clone()],
            "{command} vs {}",
            record.display()
        );
        assert_eq!(
            checked.divergences().is_empty(),
            !verdict.is_divergence(),
            "{command}"
        );
    }
}

/// What the engine must do with a command that once diverged from bash.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Now {
    /// Every exec matched (exactly, through unknown words or as a wrapper).
    Follows,
    /// No divergence, and the engine said it gave up on something (a finding).
    GivesUp,
}

/// Small forms of the generated commands that diverged from bash, a few per class: each
/// must now match, or be explained by a finding where the engine cannot know.
#[test]
fn divergences_found_by_fuzzing_stay_fixed() {
    use Now::*;
    let Some(mut sb) = start() else { return };
    let cases: &[(&str, Now, &str)] = &[
        // A new shell has no positional parameters (`"$*"` is one empty word) and its
        // `$0` is the name it was started by.
        (
            "child shell's parameters",
            Follows,
            "set -- -f /; cat <<'EOF' | sh\ndocker \"$*\" a\nEOF",
        ),
        (
            "child shell's parameters",
            Follows,
            "sh -c 'cat <<\"EOF\" | sh\ndocker \"$*\" a\nEOF' x -f ${F/a/b} /",
        ),
        (
            "child shell's $0",
            Follows,
            "bash -c 'echo \"grep \\$0\" | bash' x",
        ),
        ("child shell's $0", Follows, "bash -c 'grep $0 \"$*\"'"),
        // `bash <(...)` runs the output as a script in a new shell; `source <(...)` in
        // this one; output the engine cannot know is a finding.
        (
            "process substitution as a script",
            Follows,
            "set -- x; X=y; bash <(echo 'rm \"/$1\" $X') a",
        ),
        (
            "process substitution as a script",
            Follows,
            "set -- x y; bash <(echo 'rm \"$*\"')",
        ),
        (
            "process substitution as a script",
            Follows,
            "source <(echo 'X=rm'); $X a",
        ),
        (
            "process substitution as a script",
            GivesUp,
            "bash <(echo \"rm $(cat a.txt)\")",
        ),
        (
            "process substitution as a script",
            GivesUp,
            "source <(echo 'rm x'; echo ls)",
        ),
        // The last redirection of standard input wins.
        (
            "stdin redirections in order",
            Follows,
            "while read -r l; do make \"$l\"; done <<< '.' <a.txt",
        ),
        (
            "stdin redirections in order",
            Follows,
            "read -r l <<< x <a.txt; make \"$l\"",
        ),
        // An EXIT trap runs when its shell exits, where the shell is then.
        ("exit trap", Follows, "trap 'cat /' EXIT; builtin cd src"),
        (
            "exit trap",
            Follows,
            "( trap 'ls' EXIT; pushd src >/dev/null )",
        ),
        ("exit trap", Follows, "f() { trap 'ls x' EXIT; }; f; cd ~"),
        // Backquotes in a heredoc run.
        (
            "backquotes in a heredoc",
            GivesUp,
            "cat <<EOF | bash\nsh -c 'echo `echo -rf` | xargs python3'\nEOF",
        ),
        ("backquotes in a heredoc", Follows, "cat <<EOF\n`rm x`\nEOF"),
        // `local` outside a function assigns nothing.
        ("local outside a function", Follows, "local X=rm || curl $X"),
        (
            "local outside a function",
            Follows,
            "f() { bash -c 'local Z=b || ls $Z'; }; f",
        ),
        // Only a block's last command's success is checked by `&&`.
        (
            "a cd that may fail",
            Follows,
            "( cd nope; xargs git < a.txt ) && ls",
        ),
        ("a cd that may fail", Follows, "eval 'cd nope; ls' && ls"),
        (
            "a cd that may fail",
            Follows,
            "f() { cd /tmp; cd nope; ls; }; f && ls",
        ),
        // A command's substitutions run before it.
        (
            "substitutions before the command",
            Follows,
            "f() { cd ~; }; f <(git status)",
        ),
        // `"$@"` set on some paths keeps its items whole.
        (
            "a list set on some paths",
            Follows,
            "sh -c 'wget || set -- \\*/ b.txt; cp \"$@\"' _ src 'a b.txt'",
        ),
        // A word that starts with an escaped blank.
        ("escaped blank", Follows, "mkdir \\ 2>x; mkdir \\ x"),
        // `a | b | c && d` is `(a | b | c) && d`.
        (
            "pipeline before a list",
            Follows,
            "ln | npm | wget a && function cleanup { cd /tmp; }\ncleanup && cat",
        ),
        (
            "pipeline before a list",
            Follows,
            "true | ls | cat && cd src; ls",
        ),
        // `unset NAME` unsets NAME (the first operand was skipped as if the keyword).
        ("unset", Follows, "X=a; Y=b; unset X 'Y'; rm ${X} \"$Y\""),
        // A redirection that fails keeps the command from running.
        (
            "a redirection that may fail",
            Follows,
            "X=; { cd src; } >$X; ls",
        ),
        // Bash's escapes in a pattern (the oracle's own reading).
        ("escapes in a glob", Follows, "ls *.m\\d"),
        // An `||` element runs after any prefix of the chain before it.
        ("what || may follow", Follows, "cat '~/x' && cd ~ || ls"),
        // `${P=d}` assigns P for the words after it and a function called.
        (
            "assigning defaults",
            Follows,
            "unset P && git a${P=a.txt}* \"${P}\"; f() { docker \"$Y\"; }; unset Y; f ${Y=b.txt}",
        ),
        // A function defined on some paths only may not be there.
        (
            "a function defined on some paths",
            Follows,
            "true || f() { X=b; }; f; mkdir a${X}*",
        ),
        // What `find` finds inside a longer word is a hole, not a glob.
        (
            "find's match inside a word",
            Follows,
            "find . -maxdepth 1 -name '*.md' -exec npm {} 'x*{}[a]' \\;",
        ),
        // `a && b >x |& c 2>y | d`: the list before a nested pipeline.
        (
            "pipeline before a list",
            Follows,
            "cd ~/project/src && make 1>out |& chmod 2> >(tee err) x | cp y",
        ),
        // `sudo -s` runs its line in a new shell.
        ("sudo -s", Follows, "f=x; sudo -s rm '$f' a"),
        // A command judged again through a link does not run again.
        ("through a link", Follows, "ln -s src d; eval 'X=d'; ls $X"),
        // `X=a`cmd`` is one word to bash.
        (
            "a backquote after an assignment",
            Follows,
            "IFS=,; X=ls; X=git,`echo a.txt`; $X; Y=a`echo b` rm",
        ),
        // `$'\u00e9'` depends on the locale, which `env -i` clears.
        (
            "locale of a new shell",
            Follows,
            "env -i sh -c \"ls \\$'\\\\u00e9'\"; ls $'\\u00e9'",
        ),
        // A carriage return is part of a word.
        (
            "carriage return",
            Follows,
            "grep x\ry \"a\rb\"; X=1; ls $X\r",
        ),
        // What `printf`/`echo -e` print that is not UTF-8 is not known text.
        (
            "bytes that are not UTF-8",
            Follows,
            "printf '\\xff' | xargs rm; printf -v Y 'a\\xfe'; rm \"$Y\"; echo -e '\\xff' | xargs rm",
        ),
        // A newline before a redirection ends the command: tree-sitter sometimes reads
        // it as a blank and gives the next line's words to the command before.
        (
            "a newline before a redirection",
            Follows,
            "ls | a\"\" | b\"\"\n<a.txt curl >out",
        ),
        // A redirection's target that tree-sitter cuts at `''$` is one word.
        (
            "a redirection's target in pieces",
            Follows,
            "ls >/''$HOME/x a; X=; rm > --file=''$X* b",
        ),
        // A test inside `-exec ... ;`, after the action or after `-o` does not
        // restrict what the action gets.
        (
            "find's tests that restrict an action",
            Follows,
            "find . -type f -exec tee {} -name a.txt \\; ; find . -name a.txt -o -exec ls {} \\;",
        ),
        // `${X=d}` among the words after a redirection assigns too.
        (
            "assigning defaults after a redirection",
            Follows,
            "unset X; mkdir >out ${X=t}\"$X\"",
        ),
        // `a && loop <<< x <a.txt`: the loop reads a.txt.
        (
            "the last redirection of standard input in a list",
            Follows,
            "true && while read -r l; do cat \"$l\"; done <<< x.txt <a.txt",
        ),
        // A redirection to a directory fails: the group does not run.
        (
            "a redirection that fails to open",
            Follows,
            "{ printf -v X '%s.txt' a; } &>src; wget /\"$X\"*",
        ),
        // Too many variants of a word: the one that stands for them is a word even when
        // the first expands to nothing.
        (
            "a word with too many variants",
            Follows,
            "for i in 1 2; do unset X; echo grep | { read X; $X ${X=a.txt}; }; done",
        ),
        // A command's environment: a value only known at run time is unknown to a new
        // shell, and a function sees its caller's prefix assignments.
        (
            "the environment of a command",
            Follows,
            "X=$U bash -c 'rm \"$X\"'; g() { grep $X; }; X=a; >>log X='x y' g",
        ),
        // Words of a `for` list or an array cut at `""$` are one word each.
        (
            "a word cut at `\"\"$` in a list",
            Follows,
            "for f in -f /\"\"$HOME.txt; do ls \"$f\"; done; a=(/\"\"$HOME.txt x); ls \"${a[@]}\"",
        ),
        // An argument written like an assignment gets an assignment's tilde expansion,
        // and an assignment's value one after each `:` too.
        (
            "tildes in assignment words",
            Follows,
            "tee Y=~/x a+=~/x a[1]=~ 1a=~/x \"Y\"=~/x; X=a:~/b; ls $X",
        ),
        // `{fd}>x` is a named descriptor, never a group, even where tree-sitter reads
        // one without an error.
        (
            "a glued brace read as a group",
            Follows,
            "if true; then true && {fd}>x python3 /\nelse { ls; }; fi",
        ),
    ];
    let mut failures = Vec::new();
    for (class, now, command) in cases {
        let checked = check(&mut sb, command, true).unwrap();
        assert_eq!(checked.outcome.syntax_ok, Some(true), "{command}");
        assert!(!checked.outcome.execs.is_empty(), "{command} runs nothing");
        let explained = checked
            .verdicts
            .iter()
            .any(|v| matches!(v, Verdict::Explained(_)));
        let ok = checked.divergences().is_empty() && (explained == (*now == GivesUp));
        if !ok {
            failures.push(format!("{class} ({now:?}):\n{}", checked.report()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn generated_programs_are_all_stubs() {
    for p in generate::PROGRAMS.iter().chain(generate::HELPERS) {
        assert!(sandbox::PROGRAMS.contains(p), "`{p}` is not a stub");
    }
}

/// The differential test itself: thousands of generated commands, from fixed seeds, on
/// two sandboxes at once.
#[test]
fn generated_commands_match_bash() {
    let Some(first) = start() else { return };
    let jobs = 2u64;
    let started = Instant::now();
    let results: Vec<(Stats, Vec<String>)> = std::thread::scope(|s| {
        let mut first = Some(first);
        let handles: Vec<_> = (0..jobs)
            .map(|job| {
                let sb = first.take();
                s.spawn(move || {
                    let mut sb = sb.unwrap_or_else(|| Sandbox::start(Path::new(STUB)).unwrap());
                    let mut stats = Stats::default();
                    let mut failures = Vec::new();
                    for seed in (job..GENERATED).step_by(jobs as usize) {
                        let command = generate::command(&mut Rng::new(seed));
                        // `bash -n` on a quarter of them measures the generator's syntax.
                        let checked = check(&mut sb, &command, seed.is_multiple_of(4)).unwrap();
                        stats.add(&checked);
                        if !checked.divergences().is_empty() {
                            failures.push(format!("=== seed {seed}\n{}", checked.report()));
                        }
                    }
                    (stats, failures)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut stats = Stats::default();
    let mut failures = Vec::new();
    for (s, f) in results {
        stats.merge(&s);
        failures.extend(f);
    }
    stats.elapsed = started.elapsed();
    eprintln!("{}", stats.summary());

    // The harness must not have gone vacuous: bash accepts the commands, they run
    // programs, and most of what runs is matched word for word.
    assert_eq!(stats.commands, GENERATED as usize);
    assert_eq!(stats.bad_lines, 0, "unreadable records");
    assert!(
        stats.syntax_ok * 100 >= stats.syntax_checked * 97,
        "bash -n rejects too many generated commands"
    );
    assert!(
        stats.timed_out * 200 <= stats.commands,
        "too many commands time out"
    );
    assert!(stats.execs >= 3 * stats.commands, "too few programs run");
    assert!(
        stats.exact_share() >= 0.3,
        "too few execs matched word for word"
    );
    let shown: Vec<&String> = failures.iter().take(10).collect();
    assert!(
        failures.is_empty(),
        "{} of {} generated commands diverge from bash (run them with `oracle-stub check`):\n{}",
        failures.len(),
        stats.commands,
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
