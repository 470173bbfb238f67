//! Commands that other programs build and run: `xargs cmd`, `parallel cmd ::: args`,
//! `find ... -exec cmd {} \;`. Arguments only known at run time become placeholders,
//! which rules see as unresolved words (an unknown path is never "a build artifact").

use super::word::Word;

/// Most commands derived from one `parallel` invocation.
const MAX_PARALLEL_INPUTS: usize = 16;

/// The command `xargs` runs: its argv with the stdin arguments as a placeholder.
pub(crate) fn xargs(argv: &[Word]) -> Option<Vec<Word>> {
    let with_value = [
        "-a",
        "--arg-file",
        "-d",
        "--delimiter",
        "-E",
        "-I",
        "-L",
        "--max-lines",
        "-n",
        "--max-args",
        "-P",
        "--max-procs",
        "-s",
        "--max-chars",
        "--process-slot-var",
    ];
    let mut i = 1;
    let mut replace: Option<String> = None;
    while let Some(arg) = argv.get(i) {
        let t = arg.text.as_str();
        if t == "--" {
            i += 1;
            break;
        }
        if !t.starts_with('-') || t.len() < 2 {
            break;
        }
        if t == "-I" {
            replace = argv.get(i + 1).map(|w| w.text.clone());
        } else if let Some(r) = t.strip_prefix("--replace") {
            replace = Some(r.strip_prefix('=').unwrap_or("{}").to_owned());
        } else if let Some(r) = t.strip_prefix("-i") {
            replace = Some(if r.is_empty() {
                "{}".to_owned()
            } else {
                r.to_owned()
            });
        } else if let Some(r) = t.strip_prefix("-I") {
            replace = Some(r.to_owned());
        }
        let takes_next = with_value.contains(&t);
        i += if takes_next { 2 } else { 1 };
    }
    let span = argv.first()?.span;
    let mut command: Vec<Word> = argv.get(i..).unwrap_or(&[]).to_vec();
    if command.is_empty() {
        command.push(Word::literal("echo", span));
    }
    let placeholder = Word::placeholder("{xargs-input}", span);
    match replace {
        Some(r) if !r.is_empty() => substitute(&mut command, &r, &placeholder),
        _ => command.push(placeholder),
    }
    Some(command)
}

/// The commands GNU `parallel` runs: one per `:::` input (capped), or a placeholder
/// for inputs read from stdin. Without a command, each input is itself a command line,
/// returned as a shell string.
pub(crate) fn parallel(argv: &[Word]) -> ParallelJobs {
    let with_value = [
        "-j",
        "--jobs",
        "-N",
        "-n",
        "--max-args",
        "-L",
        "--max-lines",
        "-S",
        "--sshlogin",
        "-d",
        "--delimiter",
        "-E",
        "-I",
        "--delay",
        "--timeout",
        "--halt",
        "--joblog",
        "--results",
        "--tmpdir",
        "--workdir",
        "--colsep",
        "-C",
        "--memfree",
        "--retries",
        "-s",
        "--max-chars",
        "-a",
        "--arg-file",
    ];
    let mut i = 1;
    while let Some(arg) = argv.get(i) {
        let t = arg.text.as_str();
        if !t.starts_with('-') || t.len() < 2 || t.starts_with(":::") {
            break;
        }
        i += if with_value.contains(&t) { 2 } else { 1 };
    }
    let rest = argv.get(i..).unwrap_or(&[]);
    let sep = rest.iter().position(|w| w.text.starts_with(":::"));
    let (command, inputs): (&[Word], Vec<Word>) = match sep {
        Some(p) => (
            &rest[..p],
            rest[p + 1..]
                .iter()
                .filter(|w| !w.text.starts_with(":::"))
                .cloned()
                .collect(),
        ),
        None => (rest, Vec::new()),
    };
    let span = argv.first().map(|w| w.span).unwrap_or_default();
    if command.is_empty() {
        return ParallelJobs {
            commands: Vec::new(),
            shell_strings: inputs.into_iter().take(MAX_PARALLEL_INPUTS).collect(),
        };
    }
    let inputs = if inputs.is_empty() {
        vec![Word::placeholder("{parallel-input}", span)]
    } else {
        inputs
    };
    let commands = inputs
        .into_iter()
        .take(MAX_PARALLEL_INPUTS)
        .map(|input| {
            let mut cmd = command.to_vec();
            if cmd.iter().any(|w| w.text.contains("{}")) {
                substitute(&mut cmd, "{}", &input);
            } else {
                cmd.push(input);
            }
            cmd
        })
        .collect();
    ParallelJobs {
        commands,
        shell_strings: Vec::new(),
    }
}

/// What `parallel` runs.
pub(crate) struct ParallelJobs {
    pub commands: Vec<Vec<Word>>,
    pub shell_strings: Vec<Word>,
}

/// The commands `find` runs with `-exec`, `-execdir`, `-ok` and `-okdir`. `{}` stands
/// for the matches: a glob under each starting point (`ROOT/**/NAME` with the `-name`
/// pattern when there is one), so rules see where the matches can be.
pub(crate) fn find_exec(argv: &[Word]) -> Vec<Vec<Word>> {
    let roots = find_roots(argv);
    let name = argv
        .windows(2)
        .find(|w| matches!(w[0].text.as_str(), "-name" | "-iname"))
        .map(|w| w[1].clone());
    let mut commands = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        if !matches!(
            argv[i].text.as_str(),
            "-exec" | "-execdir" | "-ok" | "-okdir"
        ) {
            i += 1;
            continue;
        }
        let start = i + 1;
        let end = argv[start..]
            .iter()
            .position(|w| w.text == ";" || (w.text == "+" && argv[start..].len() > 1))
            .map_or(argv.len(), |p| start + p);
        let cmd = &argv[start..end];
        if !cmd.is_empty() {
            for root in &roots {
                let mut matches = root.clone();
                matches.text = match &name {
                    Some(n) => format!("{}/**/{}", root.text.trim_end_matches('/'), n.text),
                    None => format!("{}/**", root.text.trim_end_matches('/')),
                };
                matches.glob = true;
                matches.unresolved |= name.as_ref().is_some_and(|n| n.unresolved);
                let mut cmd = cmd.to_vec();
                substitute(&mut cmd, "{}", &matches);
                commands.push(cmd);
            }
        }
        i = end + 1;
    }
    commands
}

/// `find`'s starting points: the words before the first expression (default `.`).
fn find_roots(argv: &[Word]) -> Vec<Word> {
    let mut i = 1;
    // Leading options: -H -L -P, -D debugopts, -Olevel.
    while let Some(w) = argv.get(i) {
        match w.text.as_str() {
            "-H" | "-L" | "-P" => i += 1,
            "-D" => i += 2,
            t if t.starts_with("-O") => i += 1,
            _ => break,
        }
    }
    let roots: Vec<Word> = argv[i.min(argv.len())..]
        .iter()
        .take_while(|w| {
            !(w.text.starts_with('-') || matches!(w.text.as_str(), "(" | "!" | ")" | ","))
        })
        .take(4)
        .cloned()
        .collect();
    if roots.is_empty() {
        vec![Word::literal(".", argv[0].span)]
    } else {
        roots
    }
}

/// Replace `pattern` inside words with the placeholder, which carries its own
/// uncertainty (unresolved, glob) into the words it lands in.
fn substitute(words: &mut [Word], pattern: &str, placeholder: &Word) {
    for w in words.iter_mut().skip(1) {
        if w.text.contains(pattern) {
            w.text = w.text.replace(pattern, &placeholder.text);
            w.unresolved |= placeholder.unresolved;
            w.glob |= placeholder.glob;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn words(s: &str) -> Vec<Word> {
        s.split_whitespace()
            .map(|t| Word::literal(t, Span::default()))
            .collect()
    }

    fn texts(ws: &[Word]) -> String {
        ws.iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn xargs_appends_or_replaces_its_input() {
        let cmd = xargs(&words("xargs -0 -n 1 rm -rf")).unwrap();
        assert_eq!(texts(&cmd), "rm -rf {xargs-input}");
        assert!(cmd[2].unresolved);
        let cmd = xargs(&words("xargs -I % cp % /tmp")).unwrap();
        assert_eq!(texts(&cmd), "cp {xargs-input} /tmp");
        assert_eq!(
            texts(&xargs(&words("xargs")).unwrap()),
            "echo {xargs-input}"
        );
    }

    #[test]
    fn parallel_runs_one_command_per_input() {
        let jobs = parallel(&words("parallel -j4 rm -rf {} ::: / ./b"));
        let got: Vec<String> = jobs.commands.iter().map(|c| texts(c)).collect();
        assert_eq!(got, vec!["rm -rf /", "rm -rf ./b"]);
        let jobs = parallel(&words("parallel gzip"));
        assert!(jobs.commands[0][1].unresolved);
        let jobs = parallel(&words("parallel ::: ls pwd"));
        assert_eq!(jobs.shell_strings.len(), 2);
    }

    #[test]
    fn find_exec_commands() {
        let cmds = find_exec(&words(
            "find . -name x -exec rm -rf {} ; -execdir echo {} +",
        ));
        assert_eq!(cmds.len(), 2);
        assert_eq!(texts(&cmds[0]), "rm -rf ./**/x");
        assert!(cmds[0][2].glob && !cmds[0][2].unresolved);
        let cmds = find_exec(&words("find -L ~ /tmp -type f -exec rm {} +"));
        assert_eq!(
            cmds.iter().map(|c| texts(c)).collect::<Vec<_>>(),
            vec!["rm ~/**", "rm /tmp/**"]
        );
        assert!(find_exec(&words("find . -name x")).is_empty());
    }
}
