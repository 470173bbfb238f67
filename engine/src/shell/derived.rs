//! Commands that other programs build and run: `xargs cmd`, `parallel cmd ::: args`,
//! `find ... -exec cmd {} \;`. Their arguments come from the program's input when the
//! engine knows it (`echo / | xargs rm -rf` is `rm -rf /`), from where `find` looks
//! (`ROOT/**`), or else are placeholders, which rules see as unknown words (an unknown
//! path is never "a build artifact").

use super::input::{Input, xargs_items};
use super::word::Word;
use crate::span::Span;

/// The commands a program builds and runs.
pub(crate) struct Derived {
    /// Recorded as a wrapper of each derived invocation.
    pub via: &'static str,
    /// The program only builds commands (`xargs`, `parallel`): its commands stand in
    /// for it. `find` is judged itself as well.
    pub replaces: bool,
    pub commands: Vec<Vec<Word>>,
    /// Command lines run by a shell (`parallel ::: 'cmd a' 'cmd b'`).
    pub shell_strings: Vec<Word>,
    /// Per command: it runs in a directory only known at run time (`find -execdir`
    /// runs in each match's directory).
    pub elsewhere: Vec<bool>,
}

/// What `program` builds and runs from `argv` and its standard input, if it is one of
/// the programs that do.
/// Whether [`derived`] has commands for this program.
pub(crate) fn builds_commands(program: &str) -> bool {
    matches!(program, "xargs" | "parallel" | "find" | "fd" | "fdfind")
}

pub(crate) fn derived(program: &str, argv: &[Word], input: Option<&Input>) -> Option<Derived> {
    match program {
        "xargs" => {
            let commands = xargs(argv, input);
            Some(Derived {
                via: "xargs",
                replaces: true,
                elsewhere: vec![false; commands.len()],
                commands,
                shell_strings: Vec::new(),
            })
        }
        "parallel" => {
            let jobs = parallel(argv);
            Some(Derived {
                via: "parallel",
                replaces: !jobs.commands.is_empty(),
                elsewhere: vec![false; jobs.commands.len()],
                commands: jobs.commands,
                shell_strings: jobs.shell_strings,
            })
        }
        "find" => {
            let (commands, elsewhere) = find_exec(argv).into_iter().unzip();
            Some(Derived {
                via: "find",
                replaces: false,
                commands,
                shell_strings: Vec::new(),
                elsewhere,
            })
        }
        "fd" | "fdfind" => {
            let commands = fd_exec(argv);
            Some(Derived {
                via: "fd",
                replaces: false,
                elsewhere: vec![false; commands.len()],
                commands,
                shell_strings: Vec::new(),
            })
        }
        _ => None,
    }
}

/// `fd`'s options that take a value (so that it is not read as the pattern or a path).
const FD_VALUES: &[&str] = &[
    "-e",
    "--extension",
    "-t",
    "--type",
    "-d",
    "--max-depth",
    "--min-depth",
    "--exact-depth",
    "-E",
    "--exclude",
    "-S",
    "--size",
    "--changed-within",
    "--changed-before",
    "--change-newer-than",
    "--change-older-than",
    "--newer",
    "--older",
    "-o",
    "--owner",
    "-j",
    "--threads",
    "--max-buffer-time",
    "-c",
    "--color",
    "--max-results",
    "--path-separator",
    "--base-directory",
    "--search-path",
    "--ignore-file",
    "--format",
    "--batch-size",
    "--and",
];

/// The commands `fd` runs with `-x`/`--exec` (one per match) and `-X`/`--exec-batch`
/// (one with every match): the rest of its words (up to `;`), with `{}` (and the other
/// placeholders) as what fd finds, `ROOT/**` under each search path (its pattern is a
/// regular expression, which narrows nothing the engine can vouch for; hidden and
/// ignored files are found with `-H`/`-u`), or appended when the command has none.
fn fd_exec(argv: &[Word]) -> Vec<Vec<Word>> {
    let span = argv.first().map(|w| w.span).unwrap_or_default();
    let mut positionals: Vec<&Word> = Vec::new();
    let mut search_paths: Vec<Word> = Vec::new();
    let mut base: Option<&Word> = None;
    let mut extensions: Vec<Word> = Vec::new();
    let mut exec: Option<(usize, bool)> = None;
    let mut i = 1;
    let mut options_done = false;
    while let Some(w) = argv.get(i) {
        let t = w.text.as_str();
        if !options_done && matches!(t, "-x" | "--exec" | "-X" | "--exec-batch") {
            exec = Some((i + 1, matches!(t, "-X" | "--exec-batch")));
            break;
        }
        if !options_done && t == "--" {
            options_done = true;
        } else if !options_done && t.starts_with('-') && t.len() > 1 && !w.unresolved {
            let (name, inline) = match t.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (t, None),
            };
            let value = match inline {
                Some(v) => Some(Word::literal(v, w.span)),
                None if FD_VALUES.contains(&name) => {
                    i += 1;
                    argv.get(i).cloned()
                }
                None => None,
            };
            match (name, value) {
                ("-e" | "--extension", Some(v)) => extensions.push(v),
                ("--search-path", Some(v)) => search_paths.push(v),
                ("--base-directory", Some(_)) => base = argv.get(i),
                _ => {}
            }
        } else {
            positionals.push(w);
        }
        i += 1;
    }
    let Some((start, batch)) = exec else {
        return Vec::new();
    };
    let end = argv[start.min(argv.len())..]
        .iter()
        .position(|w| w.text == ";" || w.text == "\\;")
        .map_or(argv.len(), |p| start + p);
    let cmd = &argv[start.min(end)..end];
    if cmd.is_empty() {
        return Vec::new();
    }
    // The first positional is the pattern; the rest are where it searches.
    let mut roots: Vec<Word> = positionals.iter().skip(1).map(|w| (*w).clone()).collect();
    roots.extend(search_paths);
    if roots.is_empty() {
        roots.push(Word::literal(".", span));
    }
    // One plain extension (`-e pyc`) names what is found: `ROOT/**/*.pyc`.
    let name = match extensions.as_slice() {
        [e] if !e.unresolved && e.text.chars().all(|c| c.is_ascii_alphanumeric()) => {
            format!("/*.{}", e.text)
        }
        _ => String::new(),
    };
    let matches: Vec<Word> = roots
        .into_iter()
        .take(4)
        .map(|root| {
            let mut m = root.clone();
            m.text = match base {
                // A relative path searches under the base directory.
                Some(b) if !root.text.starts_with('/') => format!(
                    "{}/{}/**{name}",
                    b.text.trim_end_matches('/'),
                    root.text.trim_end_matches('/')
                ),
                _ => format!("{}/**{name}", root.text.trim_end_matches('/')),
            };
            m.glob = true;
            if root.unresolved || base.is_some_and(|b| b.unresolved) {
                m.forget();
            }
            m
        })
        .collect();
    const PLACEHOLDERS: &[&str] = &["{//}", "{/.}", "{/}", "{.}", "{}"];
    let has_placeholder = cmd
        .iter()
        .any(|w| PLACEHOLDERS.iter().any(|p| w.text.contains(p)));
    let with = |m: &Word| -> Vec<Word> {
        let mut c = cmd.to_vec();
        if has_placeholder {
            for p in PLACEHOLDERS {
                // `{/}` and `{/.}` are a match's name alone, in the current directory.
                let value = match *p {
                    "{/}" | "{/.}" => Word::placeholder("./{fd-match}", m.span),
                    _ => m.clone(),
                };
                substitute(&mut c, p, &value);
            }
        } else {
            c.push(m.clone());
        }
        c
    };
    if batch && matches.len() > 1 && !has_placeholder {
        let mut one = cmd.to_vec();
        one.extend(matches);
        vec![one]
    } else {
        matches.iter().map(with).collect()
    }
}

/// Most commands derived from one `parallel` invocation.
const MAX_PARALLEL_INPUTS: usize = 16;

/// Most items of `xargs` input turned into arguments; more makes the input unknown.
const MAX_XARGS_ITEMS: usize = 32;

/// The commands `xargs` runs: its command with the items of its input, one command per
/// item with `-I`. Input the engine does not know is a placeholder.
fn xargs(argv: &[Word], input: Option<&Input>) -> Vec<Vec<Word>> {
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
    let mut delimiter: Option<char> = None;
    let mut from_file = false;
    // `-n N`: at most N items per command; `-L N`: N lines per command.
    let mut per_command: Option<usize> = None;
    let mut per_lines: Option<usize> = None;
    while let Some(arg) = argv.get(i) {
        let t = arg.text.as_str();
        if t == "--" {
            i += 1;
            break;
        }
        if !t.starts_with('-') || t.len() < 2 {
            break;
        }
        let next = argv.get(i + 1).map(|w| w.text.as_str());
        if t == "-I" {
            replace = next.map(str::to_owned);
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
        } else if t == "-0" || t == "--null" {
            delimiter = Some('\0');
        } else if t == "-d" || t == "--delimiter" {
            delimiter = next.and_then(delimiter_char);
        } else if let Some(d) = t
            .strip_prefix("--delimiter=")
            .or_else(|| t.strip_prefix("-d"))
        {
            delimiter = delimiter_char(d);
        } else if t == "-a" || t == "--arg-file" || t.starts_with("--arg-file=") {
            from_file = true;
        } else if t == "-n" || t == "--max-args" {
            per_command = next.and_then(|n| n.parse().ok());
        } else if let Some(n) = t
            .strip_prefix("--max-args=")
            .or_else(|| t.strip_prefix("-n"))
        {
            per_command = n.parse().ok();
        } else if t == "-L" || t == "--max-lines" {
            per_lines = next.and_then(|n| n.parse().ok());
        } else if let Some(n) = t
            .strip_prefix("--max-lines=")
            .or_else(|| t.strip_prefix("-L"))
        {
            per_lines = n.parse().ok();
        }
        let takes_next = with_value.contains(&t);
        i += if takes_next { 2 } else { 1 };
    }
    let span = argv.first().map(|w| w.span).unwrap_or_default();
    let mut command: Vec<Word> = argv.get(i..).unwrap_or(&[]).to_vec();
    if command.is_empty() {
        command.push(Word::literal("echo", span));
    }
    let input = if from_file { None } else { input };
    // The items, in the groups each command gets: with `-I` each line is one item and
    // one command; `-n` and `-L` cut the items into groups.
    let groups: Option<Vec<Vec<Word>>> = match input {
        Some(Input::Text(text)) => {
            let groups: Vec<Vec<Word>> = match (&replace, delimiter, per_lines) {
                (Some(_), None, _) => text
                    .lines()
                    .map(|l| Word::literal(l.trim_start(), span))
                    .filter(|w| !w.text.is_empty())
                    .map(|w| vec![w])
                    .collect(),
                (None, None, Some(n)) => {
                    let lines: Vec<Vec<Word>> = text
                        .lines()
                        .map(|l| xargs_items(l, None, span))
                        .filter(|items| !items.is_empty())
                        .collect();
                    lines.chunks(n.max(1)).map(|c| c.concat()).collect()
                }
                _ => {
                    let items = xargs_items(text, delimiter, span);
                    match per_command {
                        Some(n) => items.chunks(n.max(1)).map(<[Word]>::to_vec).collect(),
                        None => vec![items],
                    }
                }
            };
            let count: usize = groups.iter().map(Vec::len).sum();
            (count <= MAX_XARGS_ITEMS).then_some(groups)
        }
        Some(Input::Paths(roots)) => Some(vec![roots.clone()]),
        None => None,
    };
    let groups = groups.unwrap_or_else(|| vec![vec![Word::placeholder("{xargs-input}", span)]]);
    match replace {
        Some(r) if !r.is_empty() => groups
            .iter()
            .flatten()
            .map(|item| {
                let mut cmd = command.clone();
                substitute(&mut cmd, &r, item);
                cmd
            })
            .collect(),
        _ => groups
            .into_iter()
            .map(|items| {
                let mut cmd = command.clone();
                cmd.extend(items);
                cmd
            })
            .collect(),
    }
}

/// `-d X`: a character, or an escape (`\n`, `\t`, `\0`, `\x2c`).
fn delimiter_char(d: &str) -> Option<char> {
    let mut chars = super::word::ansi_c_text(d).chars().collect::<Vec<_>>();
    (chars.len() == 1).then(|| chars.remove(0))
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

/// The commands `find` runs with `-exec`, `-execdir`, `-ok` and `-okdir`, and the
/// `rm` its `-delete` amounts to. `{}` stands
/// for the matches: a glob under each starting point (`ROOT/**/NAME` with the `-name`
/// pattern when there is one), so rules see where the matches can be.
/// Each with whether it runs in the match's own directory (`-execdir`, `-okdir`), where
/// `{}` is `./NAME`.
fn find_exec(argv: &[Word]) -> Vec<(Vec<Word>, bool)> {
    let span = argv.first().map(|w| w.span).unwrap_or_default();
    let in_dir = [Word::placeholder("./{find-match}", span)];
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
        let elsewhere = argv[i].text.ends_with("dir");
        let start = i + 1;
        let end = exec_end(argv, start);
        let cmd = &argv[start..end];
        if !cmd.is_empty() {
            let matches;
            let values: &[Word] = if elsewhere {
                &in_dir
            } else {
                matches = find_matches(argv, i);
                &matches
            };
            let batched = argv.get(end).is_some_and(|w| w.text == "+");
            if batched && values.len() > 1 {
                // `-exec cmd {} +` passes every match at once: one command with the
                // matches of every starting point in place of `{}`.
                let mut one: Vec<Word> = Vec::new();
                for w in cmd {
                    if w.text == "{}" {
                        one.extend(values.iter().cloned());
                    } else {
                        one.push(w.clone());
                    }
                }
                commands.push((one, elsewhere));
            } else {
                for m in values {
                    let mut cmd = cmd.to_vec();
                    substitute(&mut cmd, "{}", m);
                    commands.push((cmd, elsewhere));
                }
            }
        }
        i = end + 1;
    }
    // `-delete` removes every match, dot files and hidden directories included (find
    // does not skip them as a shell glob does): the same as `-exec rm -f {} +`, so
    // every rule about deleting a path sees what it removes (`find . -name
    // settings.json -delete` reaches `.claude/settings.json`).
    if let Some(at) = delete_action(argv) {
        let span = argv[at].span;
        let mut rm = vec![Word::literal("rm", span), Word::literal("-f", span)];
        rm.extend(find_matches(argv, at));
        commands.push((rm, false));
    }
    commands
}

/// Where `find`'s `-delete` action is, outside the commands of its `-exec`s.
fn delete_action(argv: &[Word]) -> Option<usize> {
    let mut i = 1;
    while i < argv.len() {
        match argv[i].text.as_str() {
            "-exec" | "-execdir" | "-ok" | "-okdir" => i = exec_end(argv, i + 1) + 1,
            "-delete" => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The paths `find` prints, as glob words under its starting points; `None` when it
/// prints something else (`-printf`, `-ls`) or nothing (an action without `-print`).
pub(crate) fn find_printed(argv: &[Word]) -> Option<Vec<Word>> {
    let mut prints = None;
    let mut acts = false;
    for (i, w) in argv.iter().enumerate().skip(1) {
        match w.text.as_str() {
            "-print" | "-print0" => prints = prints.or(Some(i)),
            "-printf" | "-fprintf" | "-fprint" | "-fprint0" | "-ls" | "-fls" => return None,
            "-exec" | "-execdir" | "-ok" | "-okdir" | "-delete" | "-quit" => acts = true,
            _ => {}
        }
    }
    if acts && prints.is_none() {
        return None;
    }
    Some(find_matches(argv, prints.unwrap_or(argv.len())))
}

/// Where the command of the `-exec` whose first word is `argv[start]` ends (its `;` or
/// `+`, or the end of argv).
fn exec_end(argv: &[Word], start: usize) -> usize {
    let rest = &argv[start.min(argv.len())..];
    rest.iter()
        .position(|w| w.text == ";" || (w.text == "+" && rest.len() > 1))
        .map_or(argv.len(), |p| start + p)
}

/// The `-name` or `-iname` test every file reaching `argv[before]` has passed, with
/// whether it is `-iname`. Only a plain conjunction of tests restricts what gets
/// there: after `-o`, `!` or a parenthesis a file may reach it without matching, and
/// a test after it, or a word of an `-exec` command (`-exec tee {} -name x ;`), is no
/// test of what reaches it.
fn name_before(argv: &[Word], before: usize) -> Option<(&Word, bool)> {
    let mut found = None;
    let mut i = 1;
    while i < before.min(argv.len()) {
        match argv[i].text.as_str() {
            "-exec" | "-execdir" | "-ok" | "-okdir" => i = exec_end(argv, i + 1) + 1,
            "-o" | "-or" | "!" | "-not" | "(" | ")" | "," => return None,
            // It may be any of those.
            _ if argv[i].unresolved => return None,
            t @ ("-name" | "-iname") => {
                // find matches with fnmatch, which reads brackets (`[^x]`, `[[:alpha:]]`)
                // and backslashes differently from the engine's globs: such a pattern
                // narrows nothing the engine can vouch for.
                let exact = |w: &&Word| !w.text.contains(['[', '\\']);
                if let Some(pattern) = argv.get(i + 1).filter(|_| i + 1 < before).filter(exact) {
                    found = found.or(Some((pattern, t == "-iname")));
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    found
}

/// What `find` finds: a glob under each starting point (`ROOT/**/NAME` with the
/// `-name` pattern when there is one, case-insensitive for `-iname`). Its `**` stands
/// for the starting point itself and anything under it, dot files too (the engine
/// reads `**` so).
fn find_matches(argv: &[Word], before: usize) -> Vec<Word> {
    let name = name_before(argv, before).map(|(w, iname)| {
        let mut n = w.clone();
        if iname {
            n.text = either_case(&n.text);
        }
        n
    });
    find_roots(argv)
        .into_iter()
        .map(|root| {
            let mut matches = root.clone();
            matches.text = match &name {
                Some(n) => format!("{}/**/{}", root.text.trim_end_matches('/'), n.text),
                None => format!("{}/**", root.text.trim_end_matches('/')),
            };
            matches.glob = true;
            if name.as_ref().is_some_and(|n| n.unresolved) || root.unresolved {
                matches.forget();
            }
            matches
        })
        .collect()
}

/// A pattern matching `pattern` in any case: each letter becomes `[xX]`.
fn either_case(pattern: &str) -> String {
    let mut out = String::new();
    let mut in_class = false;
    for c in pattern.chars() {
        match c {
            '[' => in_class = true,
            ']' => in_class = false,
            _ => {}
        }
        if c.is_ascii_alphabetic() && !in_class {
            out.push('[');
            out.push(c.to_ascii_lowercase());
            out.push(c.to_ascii_uppercase());
            out.push(']');
        } else {
            out.push(c);
        }
    }
    out
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

/// Replace `pattern` inside words with `value`, which carries its own uncertainty
/// (holes, glob) into the words it lands in.
fn substitute(words: &mut [Word], pattern: &str, value: &Word) {
    if pattern.is_empty() {
        return;
    }
    for w in words.iter_mut().skip(1) {
        if !w.text.contains(pattern) {
            continue;
        }
        // A glob (what `find` finds) stands for whole arguments: inside a longer word
        // (`find -exec cmd x{}y`) the rest is literal text, and the match a hole.
        let hole_for_glob = value.glob && w.text != pattern;
        let old_holes = w.holes().into_owned();
        let mut text = String::new();
        let mut holes: Vec<Span> = Vec::new();
        let mut rest = 0;
        for (at, _) in w.text.match_indices(pattern) {
            let before = &w.text[rest..at];
            let offset = text.len() as isize - rest as isize;
            holes.extend(shifted(&old_holes, rest, at, offset));
            text.push_str(before);
            let start = text.len();
            if hole_for_glob {
                holes.push(Span::new(start, start + value.text.len()));
            } else {
                holes.extend(
                    value
                        .holes()
                        .iter()
                        .map(|h| Span::new(h.start + start, h.end + start)),
                );
            }
            text.push_str(&value.text);
            rest = at + pattern.len();
        }
        let offset = text.len() as isize - rest as isize;
        holes.extend(shifted(&old_holes, rest, w.text.len(), offset));
        text.push_str(&w.text[rest..]);
        w.text = text;
        w.unresolved = !holes.is_empty();
        w.holes = holes;
        w.glob |= value.glob && !hole_for_glob;
    }
}

/// The holes within `[from, to)`, moved by `offset`.
fn shifted(holes: &[Span], from: usize, to: usize, offset: isize) -> Vec<Span> {
    holes
        .iter()
        .filter(|h| h.end > from && h.start < to)
        .map(|h| {
            let s = (h.start.max(from) as isize + offset) as usize;
            let e = (h.end.min(to) as isize + offset) as usize;
            Span::new(s, e)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn words(s: &str) -> Vec<Word> {
        Word::literals(s)
    }

    fn texts(ws: &[Word]) -> String {
        ws.iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn xargs_appends_or_replaces_its_input() {
        let cmd = &xargs(&words("xargs -0 -n 1 rm -rf"), None)[0];
        assert_eq!(texts(cmd), "rm -rf {xargs-input}");
        assert!(cmd[2].unresolved && cmd[2].holes == [Span::new(0, 13)]);
        let cmd = &xargs(&words("xargs -I % cp %.bak /tmp"), None)[0];
        assert_eq!(texts(cmd), "cp {xargs-input}.bak /tmp");
        assert_eq!(cmd[1].holes, [Span::new(0, 13)], "the suffix is known");
        assert_eq!(
            texts(&xargs(&words("xargs"), None)[0]),
            "echo {xargs-input}"
        );
    }

    #[test]
    fn xargs_follows_known_input() {
        let input = Input::Text("/ a\n".into());
        let cmds = xargs(&words("xargs rm -rf"), Some(&input));
        assert_eq!(texts(&cmds[0]), "rm -rf / a");
        let input = Input::Text("a,b\n".into());
        let cmds = xargs(&words("xargs -d, echo"), Some(&input));
        assert_eq!(cmds[0][1].text, "a");
        assert_eq!(cmds[0][2].text, "b\n", "xargs -d keeps the newline");
        let input = Input::Text("x\n/y\n".into());
        let cmds = xargs(&words("xargs -I{} mv {} {}.old"), Some(&input));
        let got: Vec<String> = cmds.iter().map(|c| texts(c)).collect();
        assert_eq!(got, ["mv x x.old", "mv /y /y.old"]);
        let found = find_printed(&words("find build -name *.o")).unwrap();
        let cmds = xargs(&words("xargs rm -f"), Some(&Input::Paths(found)));
        assert_eq!(texts(&cmds[0]), "rm -f build/**/*.o");
        assert!(cmds[0][2].glob && !cmds[0][2].unresolved);
        let from_file = xargs(&words("xargs -a list rm"), Some(&Input::Text("/".into())));
        assert!(from_file[0][1].unresolved, "-a reads a file, not stdin");
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
    fn fd_exec_commands() {
        let texts = |cmd: &str| -> Vec<String> {
            fd_exec(&words(cmd))
                .into_iter()
                .map(|c| {
                    c.iter()
                        .map(|w| w.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        };
        assert_eq!(texts("fd -H . ~ -X rm -rf"), ["rm -rf ~/**"]);
        assert_eq!(texts("fd -e pyc -x rm {}"), ["rm ./**/*.pyc"]);
        assert_eq!(texts("fd x a b -X rm"), ["rm a/** b/**"]);
        assert_eq!(texts("fd --base-directory /w -x rm {//} ;"), ["rm /w/./**"]);
        assert_eq!(
            texts("fd -t f x --search-path /s --exec-batch chmod 600"),
            ["chmod 600 /s/**"]
        );
        assert!(texts("fd -t f -e md").is_empty());
        assert!(texts("fd -x").is_empty());
    }

    #[test]
    fn find_exec_commands() {
        let found = find_exec(&words(
            "find . -name x -exec rm -rf {} ; -execdir echo {} +",
        ));
        let (cmds, elsewhere): (Vec<_>, Vec<_>) = found.into_iter().unzip();
        assert_eq!(cmds.len(), 2);
        assert_eq!(texts(&cmds[0]), "rm -rf ./**/x");
        assert!(cmds[0][2].glob && !cmds[0][2].unresolved);
        assert_eq!(elsewhere, [false, true]);
        assert!(
            cmds[1][1].unresolved,
            "-execdir passes ./NAME, run in its directory"
        );
        let iname = find_exec(&words("find . -iname *.rs -exec cat {} +"));
        assert_eq!(texts(&iname[0].0), "cat ./**/*.[rR][sS]");
        let cmds: Vec<Vec<Word>> = find_exec(&words("find -L ~ /tmp -type f -exec rm {} +"))
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(
            cmds.iter().map(|c| texts(c)).collect::<Vec<_>>(),
            vec!["rm ~/** /tmp/**"],
            "`+` passes every match to one command"
        );
        let cmds: Vec<String> = find_exec(&words("find ~ /tmp -type f -exec rm {} ;"))
            .iter()
            .map(|(c, _)| texts(c))
            .collect();
        assert_eq!(cmds, ["rm ~/**", "rm /tmp/**"], "`;` one match at a time");
        assert!(find_exec(&words("find . -name x")).is_empty());
        // Only a test before the action, in a plain conjunction, restricts its matches.
        for cmd in [
            "find . -type f -exec tee {} -name x ;",
            "find . -exec tee {} ; -name x",
            "find . -name x -o -exec tee {} ;",
            "find . ! -name x -exec tee {} ;",
        ] {
            let cmds = find_exec(&words(cmd));
            assert_eq!(texts(&cmds[0].0[..2]), "tee ./**", "{cmd}");
        }
        let cmds = find_exec(&words("find . -name x -type f -exec tee {} ;"));
        assert_eq!(texts(&cmds[0].0[..2]), "tee ./**/x");
        assert!(find_printed(&words("find . -name x -printf %f")).is_none());
        assert!(find_printed(&words("find . -delete")).is_none());
        assert!(find_printed(&words("find . -delete -print")).is_some());
    }
}
