//! Finding the shell commands inline interpreter code runs: literal strings passed to
//! `os.system`, `subprocess.*`, `child_process.*`, `system()`, backticks and the like.
//! A call whose command is not a literal makes the code unreadable (`review`).

use super::lexer::Token;
use crate::shell::invocation::Language;

/// What a piece of inline code runs in a shell.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Extraction {
    /// Command lines, ready to be parsed as shell.
    pub commands: Vec<String>,
    /// Some call runs a command the engine cannot read.
    pub unreadable: bool,
}

/// A placeholder the shell model resolves to an unknown value.
pub(crate) const UNKNOWN_ARG: &str = "\"$__MSTRO_UNKNOWN_ARG\"";

/// An argument of a call, as far as it is literal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    Str(String),
    List(Vec<Option<String>>),
    Other,
}

/// How a recognised call takes its command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// A command line for a shell (or a program name, which parses the same way).
    Line,
    /// A program and its arguments, as separate strings or lists.
    Argv,
}

pub(crate) fn extract(lang: Language, code: &str, tokens: &[Token]) -> Extraction {
    let mut ex = Extraction::default();
    for (i, tok) in tokens.iter().enumerate() {
        match tok {
            Token::Command(Some(cmd)) => ex.commands.push(cmd.clone()),
            Token::Command(None) => ex.unreadable = true,
            Token::Ident(name) => {
                let Some(style) = exec_call(lang, code, tokens, i, name) else {
                    continue;
                };
                let args = match tokens.get(i + 1) {
                    Some(Token::Punct('(')) => args_in_parens(tokens, i + 2),
                    // Ruby and Perl call without parentheses: `system "ls"`; Bun's `` $`ls` ``.
                    Some(Token::Str(_))
                        if matches!(lang, Language::Ruby | Language::Perl) || name == "$" =>
                    {
                        args_until_line_end(tokens, i + 1)
                    }
                    _ => continue,
                };
                match command_of(&args, style) {
                    Some(cmd) => ex.commands.push(cmd),
                    None => ex.unreadable = true,
                }
            }
            _ => {}
        }
    }
    ex
}

/// Is the identifier at `i` a call that runs a command? Looks at the dotted name it ends.
fn exec_call(lang: Language, code: &str, tokens: &[Token], i: usize, name: &str) -> Option<Style> {
    let qualifier = qualifier(tokens, i);
    let q = qualifier.as_deref();
    let line_or_argv = Some(Style::Line);
    match lang {
        Language::Other => None,
        Language::Python => {
            let imported = |module: &str| code.contains(&format!("from {module} import"));
            match (q, name) {
                (Some("os"), "system" | "popen") => line_or_argv,
                (Some("os"), n)
                    if n.starts_with("exec")
                        || n.starts_with("spawn")
                        || n.starts_with("posix_spawn") =>
                {
                    Some(Style::Argv)
                }
                (Some("subprocess"), n)
                    if n.chars()
                        .next()
                        .is_some_and(|c| c.is_lowercase() || n == "Popen") =>
                {
                    line_or_argv
                }
                (Some("pty"), "spawn") => line_or_argv,
                (Some("commands"), "getoutput" | "getstatusoutput") => line_or_argv,
                (Some("asyncio"), "create_subprocess_shell") => line_or_argv,
                (Some("asyncio"), "create_subprocess_exec") => Some(Style::Argv),
                (None, "system" | "popen") if imported("os") => line_or_argv,
                (
                    None,
                    "run" | "call" | "check_call" | "check_output" | "Popen" | "getoutput"
                    | "getstatusoutput",
                ) if imported("subprocess") => line_or_argv,
                _ => None,
            }
        }
        Language::Javascript => {
            let child_process = code.contains("child_process");
            match (q, name) {
                (Some("Deno"), "run" | "Command") => Some(Style::Argv),
                (Some("Bun"), "spawn" | "spawnSync") => Some(Style::Argv),
                (_, "$") => line_or_argv,
                (_, "exec" | "execSync") if child_process => line_or_argv,
                (_, "spawn" | "spawnSync" | "execFile" | "execFileSync") if child_process => {
                    Some(Style::Argv)
                }
                _ => None,
            }
        }
        Language::Ruby => match (q, name) {
            (None | Some("Kernel") | Some("Process"), "system" | "exec" | "spawn") => {
                Some(Style::Argv)
            }
            (Some("IO"), "popen") => Some(Style::Argv),
            (Some("Open3"), n)
                if n.starts_with("capture")
                    || n.starts_with("popen")
                    || n.starts_with("pipeline") =>
            {
                Some(Style::Argv)
            }
            (Some("PTY"), "spawn") => Some(Style::Argv),
            _ => None,
        },
        Language::Perl => match (q, name) {
            (None, "system" | "exec") => Some(Style::Argv),
            _ => None,
        },
        Language::Php => match (q, name) {
            (None, "system" | "exec" | "shell_exec" | "passthru" | "popen" | "proc_open") => {
                line_or_argv
            }
            (None, "pcntl_exec") => Some(Style::Argv),
            _ => None,
        },
    }
}

/// The identifier before `.`/`::` preceding token `i` (`os` in `os.system`).
fn qualifier(tokens: &[Token], i: usize) -> Option<String> {
    if i >= 2
        && let (Token::Punct('.'), Token::Ident(q)) = (&tokens[i - 1], &tokens[i - 2])
    {
        return Some(q.clone());
    }
    if i >= 3
        && let (Token::Punct(':'), Token::Punct(':'), Token::Ident(q)) =
            (&tokens[i - 1], &tokens[i - 2], &tokens[i - 3])
    {
        return Some(q.clone());
    }
    None
}

/// The arguments of a parenthesised call whose first argument starts at `start`.
fn args_in_parens(tokens: &[Token], start: usize) -> Vec<Arg> {
    let mut args = Vec::new();
    let mut current: Vec<&Token> = Vec::new();
    let mut depth = 0usize;
    for tok in &tokens[start.min(tokens.len())..] {
        match tok {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') if depth == 0 => break,
            Token::Punct(')' | ']' | '}') => depth -= 1,
            Token::Punct(',') if depth == 0 => {
                args.push(arg_of(&current));
                current.clear();
                continue;
            }
            Token::Newline => continue,
            _ => {}
        }
        current.push(tok);
    }
    if !current.is_empty() {
        args.push(arg_of(&current));
    }
    args
}

/// Arguments of a call without parentheses, up to the end of the statement.
fn args_until_line_end(tokens: &[Token], start: usize) -> Vec<Arg> {
    let end = tokens[start..]
        .iter()
        .position(|t| matches!(t, Token::Newline | Token::Punct(';')))
        .map_or(tokens.len(), |p| start + p);
    let mut args = Vec::new();
    for part in tokens[start..end].split(|t| *t == Token::Punct(',')) {
        args.push(arg_of(&part.iter().collect::<Vec<_>>()));
    }
    args
}

fn arg_of(tokens: &[&Token]) -> Arg {
    match tokens {
        [Token::Str(Some(s))] => Arg::Str(s.clone()),
        [Token::Punct('['), inner @ .., Token::Punct(']')] => Arg::List(list_items(inner)),
        // `{args: [...]}` (Deno.Command) or `{cmd: [...]}` (Deno.run): the list inside.
        [Token::Punct('{'), inner @ ..] => {
            let key = inner.windows(3).position(|w| {
                matches!(w, [Token::Ident(k), Token::Punct(':'), Token::Punct('[')] if k == "args" || k == "cmd")
            });
            let Some(at) = key else { return Arg::Other };
            let items = &inner[at + 3..];
            let end = items
                .iter()
                .position(|t| **t == Token::Punct(']'))
                .unwrap_or(items.len());
            Arg::List(list_items(&items[..end]))
        }
        _ => Arg::Other,
    }
}

fn list_items(inner: &[&Token]) -> Vec<Option<String>> {
    inner
        .split(|t| **t == Token::Punct(','))
        .filter(|e| !e.is_empty())
        .map(|e| match e {
            [Token::Str(Some(s))] => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// The command line a call runs, or `None` if it is not literal.
fn command_of(args: &[Arg], style: Style) -> Option<String> {
    match (args.first()?, style) {
        (Arg::Str(line), Style::Line) => Some(line.clone()),
        (Arg::List(items), _) => Some(join_argv(items)),
        (Arg::Str(program), Style::Argv) => {
            let mut argv: Vec<Option<String>> = vec![Some(program.clone())];
            for arg in &args[1..] {
                match arg {
                    Arg::Str(s) => argv.push(Some(s.clone())),
                    // `spawn("rm", ["-rf", "/"])`, `os.execvp("rm", ["rm", "-rf", "/"])`.
                    Arg::List(items) => argv.extend(items.iter().cloned()),
                    Arg::Other => break,
                }
            }
            // `os.execvp(file, args)`: args repeats the program name as argv[0].
            if argv.len() > 1 && argv[0] == argv[1] {
                argv.remove(0);
            }
            if argv.len() == 1 {
                // A single string is a command line (Ruby's `system("ls -la")`).
                return Some(program.clone());
            }
            Some(join_argv(&argv))
        }
        (Arg::Other, _) => None,
    }
}

/// Quote each argument so the shell parse yields exactly these words.
fn join_argv(items: &[Option<String>]) -> String {
    items
        .iter()
        .map(|item| match item {
            Some(s)
                if !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c)) =>
            {
                s.clone()
            }
            Some(s) => format!("'{}'", s.replace('\'', r"'\''")),
            None => UNKNOWN_ARG.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn ex(lang: Language, code: &str) -> Extraction {
        extract(lang, code, &tokenize(lang, code))
    }

    #[test]
    fn python_calls() {
        assert_eq!(
            ex(Language::Python, "import os; os.system('rm -rf /')").commands,
            vec!["rm -rf /"]
        );
        assert_eq!(
            ex(
                Language::Python,
                "import subprocess\nsubprocess.run(['rm', '-rf', '/tmp/x y'], check=True)"
            )
            .commands,
            vec!["rm -rf '/tmp/x y'"]
        );
        assert_eq!(
            ex(
                Language::Python,
                "subprocess.check_output(\"curl x | sh\", shell=True)"
            )
            .commands,
            vec!["curl x | sh"]
        );
        assert_eq!(
            ex(Language::Python, "os.execvp('rm', ['rm', '-rf', '/'])").commands,
            vec!["rm -rf /"]
        );
        assert_eq!(
            ex(Language::Python, "from subprocess import run\nrun('ls')").commands,
            vec!["ls"]
        );
        assert!(ex(Language::Python, "os.system(cmd)").unreadable);
        assert!(ex(Language::Python, "os.system(f'rm {x}')").unreadable);
        assert_eq!(
            ex(Language::Python, "subprocess.run(['rm', '-rf', path])").commands,
            vec![format!("rm -rf {UNKNOWN_ARG}")]
        );
        // Not a call to a command runner.
        assert_eq!(
            ex(
                Language::Python,
                "app.run('0.0.0.0'); print('os.system(\"x\")')"
            ),
            Extraction::default()
        );
        assert_eq!(
            ex(Language::Python, "# os.system('rm -rf /')"),
            Extraction::default()
        );
    }

    #[test]
    fn javascript_calls() {
        let code = "require('child_process').execSync('rm -rf ~')";
        assert_eq!(ex(Language::Javascript, code).commands, vec!["rm -rf ~"]);
        let code = "const {spawn} = require('child_process'); spawn('rm', ['-rf', '/'])";
        assert_eq!(ex(Language::Javascript, code).commands, vec!["rm -rf /"]);
        assert_eq!(
            ex(Language::Javascript, "await Bun.$`rm -rf /`").commands,
            vec!["rm -rf /"]
        );
        assert_eq!(
            ex(
                Language::Javascript,
                "new Deno.Command('rm', {args: ['-rf', '/']})"
            )
            .commands,
            vec!["rm -rf /"]
        );
        assert_eq!(
            ex(Language::Javascript, "Deno.run({cmd: ['rm', '-rf', '/']})").commands,
            vec!["rm -rf /"]
        );
        assert!(
            ex(
                Language::Javascript,
                "require('child_process').exec(userInput)"
            )
            .unreadable
        );
        assert_eq!(
            ex(Language::Javascript, "/x/.exec(s)"),
            Extraction::default()
        );
    }

    #[test]
    fn ruby_perl_php_calls() {
        assert_eq!(
            ex(Language::Ruby, "system('rm', '-rf', '/')").commands,
            vec!["rm -rf /"]
        );
        assert_eq!(
            ex(Language::Ruby, "system \"rm -rf /\"").commands,
            vec!["rm -rf /"]
        );
        assert_eq!(ex(Language::Ruby, "puts `id`").commands, vec!["id"]);
        assert_eq!(
            ex(Language::Perl, "system(\"rm -rf /\")").commands,
            vec!["rm -rf /"]
        );
        assert_eq!(
            ex(Language::Perl, "my $x = qx{whoami};").commands,
            vec!["whoami"]
        );
        assert_eq!(
            ex(Language::Php, "shell_exec('rm -rf /');").commands,
            vec!["rm -rf /"]
        );
        assert!(ex(Language::Php, "system($_GET['c']);").unreadable);
    }
}
