//! Which words of an invocation are code: the string of `bash -c`, the arguments of
//! `eval`, the script of `source`, the code of `python -c`, and whether a shell or
//! interpreter reads its code from standard input.
//!
//! This decides what is data and what is code: `echo 'rm -rf /'` is data, while the
//! same string after `bash -c` is executed and judged.

use super::invocation::Language;
use super::word::Word;

/// How an invocation runs code, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CodeSource {
    /// Runs no code of its own.
    None,
    /// A shell running a command string from its arguments (`bash -c STRING`).
    ShellString { word: usize },
    /// A shell running a script file (`bash x.sh`, `bash <(curl ...)`).
    ShellScript { word: usize },
    /// A shell reading code from standard input (`bash`, `sh -s`, `bash -`).
    ShellStdin,
    /// `eval ARGS...`: the arguments joined by spaces.
    Eval { from: usize },
    /// `source FILE` / `. FILE`.
    Source { word: usize },
    /// An interpreter.
    Interpreter(Interpreter),
}

/// Where an interpreter gets its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interpreter {
    pub language: Language,
    /// Words holding inline code (`-c`, `-e`, `--eval`; several for `ruby -e a -e b`).
    pub code_words: Vec<CodeWord>,
    /// A script file operand.
    pub script: Option<usize>,
    /// Reads code from standard input (no code and no script, or `-`).
    pub stdin: bool,
    /// `python -m MODULE ARGS`: the word naming the module, which runs as a program.
    pub module: Option<usize>,
}

/// A word holding code, and where in it the code starts (`--eval=CODE`, `-cCODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CodeWord {
    pub index: usize,
    pub offset: usize,
}

impl CodeWord {
    fn whole(index: usize) -> Self {
        CodeWord { index, offset: 0 }
    }

    /// The code in `argv`.
    pub fn text<'a>(&self, argv: &'a [Word]) -> Option<&'a Word> {
        argv.get(self.index)
    }
}

/// Programs that are shells.
pub(crate) fn is_shell(program: &str) -> bool {
    matches!(
        program,
        "sh" | "bash"
            | "csh"
            | "tcsh"
            | "nu"
            | "elvish"
            | "xonsh"
            | "osh"
            | "oil"
            | "ysh"
            | "pwsh"
            | "powershell"
            | "zsh"
            | "dash"
            | "ksh"
            | "mksh"
            | "ash"
            | "fish"
            | "yash"
            | "posh"
            | "rbash"
            | "ksh93"
    )
}

/// The language an interpreter program runs, by its name (`python3.12`, `nodejs`, ...).
pub(crate) fn interpreter_language(program: &str) -> Option<Language> {
    let base = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    match base {
        "python" | "pypy" => Some(Language::Python),
        "node" | "nodejs" | "deno" | "bun" => Some(Language::Javascript),
        "ruby" | "jruby" => Some(Language::Ruby),
        "perl" => Some(Language::Perl),
        "php" => Some(Language::Php),
        "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk" => Some(Language::Awk),
        "lua" | "luajit" | "tclsh" | "wish" | "rscript" | "r" | "julia" | "groovy" | "erl"
        | "escript" | "elixir" | "iex" | "guile" | "racket" | "osascript" | "jshell" | "raku"
        | "perl6" | "scala" | "kotlin" | "dart" => Some(Language::Other),
        _ => None,
    }
}

/// Decide how `argv` (whose program is `program`) runs code.
pub(crate) fn code_source(program: &str, argv: &[Word]) -> CodeSource {
    if is_shell(program) {
        return shell(argv);
    }
    match program {
        // `trap 'code' SIGNAL...` runs the code later, in this shell.
        "trap" => {
            let code = argv.get(1).filter(|w| !w.text.starts_with('-'));
            return match code {
                Some(_) if argv.len() > 2 => CodeSource::ShellString { word: 1 },
                _ => CodeSource::None,
            };
        }
        "eval" => {
            return if argv.len() > 1 {
                CodeSource::Eval { from: 1 }
            } else {
                CodeSource::None
            };
        }
        "source" | "." => {
            return argv
                .get(1)
                .map_or(CodeSource::None, |_| CodeSource::Source { word: 1 });
        }
        _ => {}
    }
    let Some(language) = interpreter_language(program) else {
        return CodeSource::None;
    };
    let base = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    match base {
        "python" | "pypy" => interpreter(
            language,
            argv,
            1,
            &["-c"],
            &["-W", "-X", "--check-hash-based-pycs"],
            &["-m"],
        ),
        "node" | "nodejs" => interpreter(
            language,
            argv,
            1,
            &["-e", "--eval", "-p", "--print"],
            &[
                "-r",
                "--require",
                "--import",
                "--loader",
                "--experimental-loader",
                "--input-type",
                "-C",
                "--conditions",
                "--env-file",
                "--title",
            ],
            &[],
        ),
        "deno" => deno(argv),
        "bun" => bun(argv),
        "ruby" | "jruby" => interpreter(
            language,
            argv,
            1,
            &["-e"],
            &["-r", "-I", "-C", "-E", "-F", "--encoding"],
            &[],
        ),
        "perl" => interpreter(
            language,
            argv,
            1,
            &["-e", "-E"],
            &["-M", "-m", "-I", "-F", "-x", "-D"],
            &[],
        ),
        "php" => {
            let mut interp = interpreter(
                language,
                argv,
                1,
                &["-r", "-B", "-R", "-E"],
                &["-d", "-c", "-z", "-f", "-t", "-S"],
                &[],
            );
            // `php -f FILE` names the script with an option.
            if let CodeSource::Interpreter(i) = &mut interp
                && i.script.is_none()
                && let Some(f) = argv.iter().position(|w| w.text == "-f")
                && f + 1 < argv.len()
            {
                i.script = Some(f + 1);
                i.stdin = false;
            }
            interp
        }
        // awk's program is its first operand (or `-e`/`--source`), unless `-f FILE` names one.
        _ if language == Language::Awk => {
            let mut interp = interpreter(
                language,
                argv,
                1,
                &["-e", "--source"],
                &[
                    "-F",
                    "-v",
                    "-f",
                    "--file",
                    "-i",
                    "--include",
                    "-l",
                    "--load",
                ],
                &[],
            );
            if let CodeSource::Interpreter(i) = &mut interp {
                let script_file = argv.iter().any(|w| {
                    matches!(w.text.as_str(), "-f" | "--file") || w.text.starts_with("--file=")
                });
                if i.code_words.is_empty() && !script_file {
                    i.code_words = i.script.take().into_iter().map(CodeWord::whole).collect();
                }
                // awk reads data, not code, from stdin.
                i.stdin = false;
            }
            interp
        }
        _ if language == Language::Other => interpreter(
            language,
            argv,
            1,
            &["-e", "-eval", "-c", "--eval", "-E"],
            &["-l", "-I", "-L", "-s", "-p", "-f"],
            &[],
        ),
        _ => CodeSource::None,
    }
}

/// `sh [options] [-c STRING [NAME [ARGS]] | SCRIPT [ARGS] | -s [ARGS]]`
fn shell(argv: &[Word]) -> CodeSource {
    let with_value = ["-o", "+o", "-O", "+O", "--rcfile", "--init-file"];
    let mut command = false;
    let mut stdin = false;
    let mut i = 1;
    while let Some(arg) = argv.get(i) {
        let t = arg.text.as_str();
        if t == "--" || t == "-" {
            i += 1;
            break;
        }
        if t.starts_with("--") {
            i += if with_value.contains(&t) { 2 } else { 1 };
            continue;
        }
        if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 && !arg.unresolved {
            command |= t[1..].contains('c');
            stdin |= t[1..].contains('s');
            // `-o pipefail` and the like take the next word.
            i += if with_value.contains(&t) || (t.len() > 2 && t.ends_with('o')) {
                2
            } else {
                1
            };
            continue;
        }
        break;
    }
    match (command, argv.get(i)) {
        (true, Some(_)) => CodeSource::ShellString { word: i },
        (true, None) => CodeSource::None,
        (false, Some(_)) if !stdin => CodeSource::ShellScript { word: i },
        _ => CodeSource::ShellStdin,
    }
}

/// A generic interpreter command line: options, then code options, a module, a script,
/// `-` or nothing (stdin).
fn interpreter(
    language: Language,
    argv: &[Word],
    start: usize,
    code_opts: &[&str],
    value_opts: &[&str],
    module_opts: &[&str],
) -> CodeSource {
    let mut code_words = Vec::new();
    let mut i = start;
    while let Some(arg) = argv.get(i) {
        let t = arg.text.as_str();
        if t == "-" {
            return CodeSource::Interpreter(Interpreter {
                language,
                code_words,
                script: None,
                stdin: true,
                module: None,
            });
        }
        if t == "--" {
            i += 1;
            break;
        }
        if !t.starts_with('-') || t.len() < 2 || arg.unresolved {
            break;
        }
        if let Some((name, _)) = t.split_once('=') {
            if code_opts.contains(&name) {
                code_words.push(CodeWord {
                    index: i,
                    offset: name.len() + 1,
                });
            }
            i += 1;
            continue;
        }
        if t.starts_with("--") {
            if code_opts.contains(&t) {
                code_words.push(CodeWord::whole(i + 1));
                i += 2;
            } else {
                i += if value_opts.contains(&t) { 2 } else { 1 };
            }
            continue;
        }
        // Short options, possibly clustered (`perl -pe CODE`, `python -uc CODE`).
        let mut next = i + 1;
        for (k, ch) in t[1..].char_indices() {
            let opt = format!("-{ch}");
            let attached = &t[1 + k + ch.len_utf8()..];
            if module_opts.contains(&opt.as_str()) {
                let module = if attached.is_empty() { i + 1 } else { i };
                return CodeSource::Interpreter(Interpreter {
                    language,
                    code_words,
                    script: None,
                    stdin: false,
                    module: Some(module),
                });
            }
            if code_opts.contains(&opt.as_str()) {
                if attached.is_empty() {
                    code_words.push(CodeWord::whole(i + 1));
                    next = i + 2;
                } else {
                    code_words.push(CodeWord {
                        index: i,
                        offset: t.len() - attached.len(),
                    });
                }
                break;
            }
            if value_opts.contains(&opt.as_str()) {
                if attached.is_empty() {
                    next = i + 2;
                }
                break;
            }
        }
        i = next;
        // Python stops at `-c CODE`: what follows are the program's arguments.
        if language == Language::Python && !code_words.is_empty() {
            break;
        }
    }
    let code_words: Vec<CodeWord> = code_words
        .into_iter()
        .filter(|w| w.index < argv.len())
        .collect();
    let script = if code_words.is_empty() {
        argv.get(i).map(|_| i)
    } else {
        None
    };
    let stdin = code_words.is_empty() && script.is_none();
    CodeSource::Interpreter(Interpreter {
        language,
        code_words,
        script,
        stdin,
        module: None,
    })
}

/// `deno eval CODE`, `deno run SCRIPT`, `deno run -`.
fn deno(argv: &[Word]) -> CodeSource {
    let language = Language::Javascript;
    match argv.get(1).map(|w| w.text.as_str()) {
        Some("eval") => interpreter(
            language,
            argv,
            2,
            &[],
            &["--ext", "--location", "--seed"],
            &[],
        )
        .code_from_first_operand(),
        Some("run") => interpreter(
            language,
            argv,
            2,
            &[],
            &[
                "--location",
                "--seed",
                "--cert",
                "--config",
                "-c",
                "--import-map",
                "--lock",
            ],
            &[],
        ),
        _ => CodeSource::None,
    }
}

/// `bun -e CODE`, `bun exec 'shell command'`, `bun run SCRIPT`.
fn bun(argv: &[Word]) -> CodeSource {
    match argv.get(1).map(|w| w.text.as_str()) {
        Some("exec") => argv
            .get(2)
            .map_or(CodeSource::None, |_| CodeSource::ShellString { word: 2 }),
        Some(t) if t.starts_with('-') => interpreter(
            Language::Javascript,
            argv,
            1,
            &["-e", "--eval", "-p", "--print"],
            &["-r", "--preload", "--cwd"],
            &[],
        ),
        _ => CodeSource::None,
    }
}

impl CodeSource {
    /// For `deno eval`: the first operand is the code, not a script.
    fn code_from_first_operand(self) -> CodeSource {
        match self {
            CodeSource::Interpreter(mut i) if i.code_words.is_empty() && i.script.is_some() => {
                i.code_words = i.script.take().into_iter().map(CodeWord::whole).collect();
                i.stdin = false;
                CodeSource::Interpreter(i)
            }
            other => other,
        }
    }

    /// The word indexes whose text is executed as code (substitutions in them feed
    /// execution).
    pub fn executed_words(&self, argv_len: usize) -> Vec<usize> {
        match self {
            CodeSource::None | CodeSource::ShellStdin => Vec::new(),
            CodeSource::ShellString { word }
            | CodeSource::ShellScript { word }
            | CodeSource::Source { word } => vec![*word],
            CodeSource::Eval { from } => (*from..argv_len).collect(),
            CodeSource::Interpreter(i) => i
                .code_words
                .iter()
                .map(|w| w.index)
                .chain(i.script)
                .collect(),
        }
    }

    /// Reads code from standard input.
    pub fn reads_stdin(&self) -> bool {
        matches!(self, CodeSource::ShellStdin)
            || matches!(self, CodeSource::Interpreter(i) if i.stdin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn src(s: &str) -> CodeSource {
        let argv: Vec<Word> = s
            .split_whitespace()
            .map(|t| Word::literal(t, Span::default()))
            .collect();
        code_source(&argv[0].text, &argv)
    }

    #[test]
    fn shells() {
        assert_eq!(src("bash -c X"), CodeSource::ShellString { word: 2 });
        assert_eq!(src("bash -xc X"), CodeSource::ShellString { word: 2 });
        assert_eq!(
            src("sh -e -o pipefail -c X"),
            CodeSource::ShellString { word: 5 }
        );
        assert_eq!(src("bash x.sh a"), CodeSource::ShellScript { word: 1 });
        assert_eq!(src("bash"), CodeSource::ShellStdin);
        assert_eq!(src("sh -s a b"), CodeSource::ShellStdin);
        assert_eq!(src("bash -"), CodeSource::ShellStdin);
        assert_eq!(src("bash --norc -c X"), CodeSource::ShellString { word: 3 });
    }

    #[test]
    fn eval_and_source() {
        assert_eq!(src("eval a b"), CodeSource::Eval { from: 1 });
        assert_eq!(src("source x"), CodeSource::Source { word: 1 });
        assert_eq!(src(". x"), CodeSource::Source { word: 1 });
        assert_eq!(src("eval"), CodeSource::None);
        assert_eq!(src("trap X EXIT"), CodeSource::ShellString { word: 1 });
        assert_eq!(src("trap -p"), CodeSource::None);
    }

    fn code(s: &str) -> Vec<usize> {
        interp(s).code_words.iter().map(|w| w.index).collect()
    }

    fn interp(s: &str) -> Interpreter {
        match src(s) {
            CodeSource::Interpreter(i) => i,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn interpreters() {
        assert_eq!(code("python3 -c CODE arg"), vec![2]);
        assert_eq!(code("python3.12 -u -c CODE"), vec![3]);
        assert_eq!(interp("python3 script.py -c x").script, Some(1));
        assert!(interp("python3 -").stdin);
        assert!(interp("python3").stdin);
        assert_eq!(interp("python -m pip install x").module, Some(2));
        assert_eq!(interp("python -mpip").module, Some(1));
        assert_eq!(code("node -e CODE"), vec![2]);
        assert_eq!(code("node --eval CODE"), vec![2]);
        assert_eq!(interp("node -r dotenv/config app.js").script, Some(3));
        assert_eq!(code("perl -pe CODE file"), vec![2]);
        assert_eq!(code("perl -e A -e B"), vec![2, 4]);
        assert_eq!(code("ruby -e CODE"), vec![2]);
        assert_eq!(code("php -r CODE"), vec![2]);
        assert_eq!(code("deno eval CODE"), vec![2]);
        assert_eq!(code("bun -e CODE"), vec![2]);
        assert_eq!(src("bun exec X"), CodeSource::ShellString { word: 2 });
        assert_eq!(src("deno fmt"), CodeSource::None);
        assert_eq!(
            interp("node --eval=CODE").code_words,
            vec![CodeWord {
                index: 1,
                offset: 7
            }]
        );
        assert_eq!(
            interp("python -cCODE").code_words,
            vec![CodeWord {
                index: 1,
                offset: 2
            }]
        );
    }
}
