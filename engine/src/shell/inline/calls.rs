//! What inline interpreter code does that a shell rule can judge:
//!
//! - commands it runs: literal strings passed to `os.system`, `subprocess.*`,
//!   `child_process.*`, `system()`, backticks, awk pipes (through import aliases such as
//!   `import os as o`, `from os import system as s`, `__import__("os")`);
//! - files it touches: `shutil.rmtree(P)` becomes `rm -rf P`, `open(P, "w")` becomes
//!   `: > P`, `open(P)` becomes `cat P`, so the same rules judge code and shell alike;
//! - code it cannot show: a command built at run time, `exec`/`eval` of anything but a
//!   literal, dynamic `require`, PHP variable functions. That is unreadable: `review`.

use std::collections::HashMap;

use super::lexer::Token;
use crate::shell::invocation::Language;

/// What a piece of inline code runs or touches, as shell command lines.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Extraction {
    /// Command lines, ready to be parsed as shell.
    pub commands: Vec<String>,
    /// Some call runs code or a command the engine cannot read.
    pub unreadable: bool,
}

/// A placeholder the shell model resolves to an unknown value.
pub(crate) const UNKNOWN_ARG: &str = "\"$__MSTRO_UNKNOWN_ARG\"";

/// An argument of a call, as far as it is literal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    Str(String),
    /// A variable of the process environment (`os.environ['X']`, `process.env.X`,
    /// `ENV['X']`, `getenv('X')`): the same value the shell's `$X` has, as the
    /// interpreter inherits the exported variables.
    Env(String),
    List(Vec<Option<String>>),
    /// `{recursive: true}` and the like: keys that are set.
    Options(Vec<String>),
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

/// A file operation and the shell command that does the same.
#[derive(Debug, Clone, Copy)]
enum Effect {
    RemoveTree,
    Remove,
    RemoveDir,
    /// `open(P, mode)`: read or write depending on the mode.
    Open,
    Write,
    Append,
    Move,
    Copy,
}

pub(crate) fn extract(lang: Language, code: &str, tokens: &[Token]) -> Extraction {
    let mut ex = Extraction::default();
    let aliases = aliases(lang, tokens);
    for (i, tok) in tokens.iter().enumerate() {
        match tok {
            Token::Command(Some(cmd)) => ex.commands.push(cmd.clone()),
            Token::Command(None) => ex.unreadable = true,
            Token::Ident(name) if lang == Language::Awk => awk_token(tokens, i, name, &mut ex),
            Token::Ident(name) => {
                let next = tokens.get(i + 1);
                let called = matches!(next, Some(Token::Punct('(')))
                    || matches!(next, Some(Token::Str(_) | Token::List(_)))
                        && matches!(lang, Language::Ruby | Language::Perl);
                let bun_shell = name == "$" && matches!(next, Some(Token::Str(_)));
                if !called && !bun_shell {
                    continue;
                }
                // PHP `$f(...)`: a function chosen at run time.
                if lang == Language::Php && name.starts_with('$') {
                    ex.unreadable = true;
                    continue;
                }
                let (qualifier, function) = resolve(tokens, i, name, &aliases);
                let args = || match next {
                    Some(Token::Punct('(')) => args_in_parens(tokens, i + 2),
                    _ => args_until_line_end(tokens, i + 1),
                };
                if lang == Language::Ruby
                    && matches!(function.as_str(), "send" | "public_send" | "__send__")
                {
                    // Ruby `send(:system, ...)`: the call named by the symbol.
                    match args().first() {
                        Some(Arg::Str(method))
                            if matches!(method.as_str(), "system" | "exec" | "spawn" | "`") =>
                        {
                            match command_of(&args(), Style::Argv) {
                                Some(cmd) => ex.commands.push(cmd),
                                None => ex.unreadable = true,
                            }
                        }
                        Some(Arg::Str(_)) => {}
                        _ => ex.unreadable = true,
                    }
                } else if let Some(style) = exec_call(lang, code, qualifier.as_deref(), &function) {
                    let args = args();
                    match command_of(&args, style) {
                        Some(cmd) => ex.commands.push(cmd),
                        None => ex.unreadable = true,
                    }
                } else if let Some(effect) = effect_call(lang, qualifier.as_deref(), &function) {
                    if let Some(cmd) = effect_command(effect, &args()) {
                        ex.commands.push(cmd);
                    }
                } else if runs_code(lang, qualifier.as_deref(), &function) {
                    let args = args();
                    if !matches!(args.first(), Some(Arg::Str(_))) {
                        ex.unreadable = true;
                    }
                }
            }
            _ => {}
        }
    }
    ex
}

/// Names bound by imports and destructuring: `import os as o` (o → os),
/// `from os import system as s` (s → os.system), `{execSync: x} = require(...)` (x → execSync).
fn aliases(lang: Language, tokens: &[Token]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let ident = |i: usize| match tokens.get(i) {
        Some(Token::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    for i in 0..tokens.len() {
        match lang {
            Language::Python => {
                if ident(i) == Some("import")
                    && ident(i + 2) == Some("as")
                    && let (Some(module), Some(alias)) = (ident(i + 1), ident(i + 3))
                {
                    map.insert(alias.to_owned(), module.to_owned());
                }
                if ident(i) == Some("from") && ident(i + 2) == Some("import") {
                    let Some(module) = ident(i + 1) else { continue };
                    let mut j = i + 3;
                    while let Some(name) = ident(j) {
                        let (alias, next) = if ident(j + 1) == Some("as") {
                            (ident(j + 2).unwrap_or(name), j + 3)
                        } else {
                            (name, j + 1)
                        };
                        map.insert(alias.to_owned(), format!("{module}.{name}"));
                        if tokens.get(next) != Some(&Token::Punct(',')) {
                            break;
                        }
                        j = next + 1;
                    }
                }
            }
            Language::Javascript => {
                // `{execSync: x}` inside a destructuring pattern.
                if let (Some(name), Some(Token::Punct(':')), Some(alias)) =
                    (ident(i), tokens.get(i + 1), ident(i + 2))
                {
                    map.insert(alias.to_owned(), name.to_owned());
                }
            }
            _ => {}
        }
    }
    map
}

/// The qualifier and function name of the call at `i`, through aliases and
/// `__import__("os").system` / `require("child_process").execSync`.
fn resolve(
    tokens: &[Token],
    i: usize,
    name: &str,
    aliases: &HashMap<String, String>,
) -> (Option<String>, String) {
    let mut qualifier = qualifier(tokens, i);
    let mut function = name.to_owned();
    if let Some(q) = &qualifier
        && let Some(real) = aliases.get(q)
    {
        qualifier = Some(real.clone());
    }
    if qualifier.is_none()
        && let Some(real) = aliases.get(name)
    {
        match real.rsplit_once('.') {
            Some((q, f)) => {
                qualifier = Some(q.to_owned());
                function = f.to_owned();
            }
            None => function = real.clone(),
        }
    }
    // `__import__("os").system(` and `require("child_process").execSync(`.
    if qualifier.is_none()
        && i >= 5
        && tokens[i - 1] == Token::Punct('.')
        && tokens[i - 2] == Token::Punct(')')
        && let (Token::Str(Some(module)), Token::Punct('('), Token::Ident(loader)) =
            (&tokens[i - 3], &tokens[i - 4], &tokens[i - 5])
        && matches!(loader.as_str(), "__import__" | "require" | "import_module")
    {
        qualifier = Some(module.trim_start_matches("node:").to_owned());
    }
    (qualifier, function)
}

/// Is this a call that runs a command? Looks at the dotted name it ends.
fn exec_call(lang: Language, code: &str, qualifier: Option<&str>, name: &str) -> Option<Style> {
    let line = Some(Style::Line);
    match lang {
        Language::Python => {
            let imported = |module: &str| code.contains(module);
            match (qualifier, name) {
                (Some("os"), "system" | "popen") => line,
                (Some("os"), n)
                    if n.starts_with("exec")
                        || n.starts_with("spawn")
                        || n.starts_with("posix_spawn") =>
                {
                    Some(Style::Argv)
                }
                (Some("subprocess"), n)
                    if n.chars().next().is_some_and(|c| c.is_lowercase()) || n == "Popen" =>
                {
                    line
                }
                (Some("pty"), "spawn") => line,
                (Some("commands"), "getoutput" | "getstatusoutput") => line,
                (Some("asyncio"), "create_subprocess_shell") => line,
                (Some("asyncio"), "create_subprocess_exec") => Some(Style::Argv),
                (None, "system" | "popen") if imported("os") => line,
                (
                    None,
                    "run" | "call" | "check_call" | "check_output" | "Popen" | "getoutput"
                    | "getstatusoutput",
                ) if imported("subprocess") => line,
                _ => None,
            }
        }
        Language::Javascript => {
            let child_process = code.contains("child_process");
            match (qualifier, name) {
                (Some("Deno"), "run" | "Command") => Some(Style::Argv),
                (Some("Bun"), "spawn" | "spawnSync") => Some(Style::Argv),
                (_, "$") => line,
                (_, "exec" | "execSync") if child_process => line,
                (_, "spawn" | "spawnSync" | "execFile" | "execFileSync") if child_process => {
                    Some(Style::Argv)
                }
                _ => None,
            }
        }
        Language::Ruby => match (qualifier, name) {
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
        Language::Perl => match (qualifier, name) {
            (None, "system" | "exec") => Some(Style::Argv),
            _ => None,
        },
        Language::Php => match (qualifier, name) {
            (None, "system" | "exec" | "shell_exec" | "passthru" | "popen" | "proc_open") => line,
            (None, "pcntl_exec") => Some(Style::Argv),
            _ => None,
        },
        Language::Awk | Language::Other => None,
    }
}

/// Is this a call that changes files?
fn effect_call(lang: Language, qualifier: Option<&str>, name: &str) -> Option<Effect> {
    use Effect::*;
    match lang {
        Language::Python => match (qualifier, name) {
            (Some("shutil"), "rmtree") => Some(RemoveTree),
            (Some("os"), "remove" | "unlink") => Some(Remove),
            (Some("os"), "rmdir" | "removedirs") => Some(RemoveDir),
            (Some("os") | Some("shutil"), "rename" | "replace" | "move") => Some(Move),
            (Some("shutil"), "copy" | "copy2" | "copyfile" | "copytree") => Some(Copy),
            (None, "open") | (Some("io") | Some("codecs"), "open") => Some(Open),
            _ => None,
        },
        Language::Javascript => match name {
            "rmSync" | "rm" if qualifier.is_some_and(|q| q.starts_with("fs")) => Some(RemoveTree),
            "rmSync" => Some(RemoveTree),
            "unlinkSync" | "unlink" if qualifier.is_some() => Some(Remove),
            "rmdirSync" => Some(RemoveDir),
            "writeFileSync" | "writeFile" if qualifier.is_some() => Some(Write),
            "appendFileSync" | "appendFile" if qualifier.is_some() => Some(Append),
            "renameSync" => Some(Move),
            "copyFileSync" | "cpSync" => Some(Copy),
            _ => None,
        },
        Language::Ruby => match (qualifier, name) {
            (
                Some("FileUtils"),
                "rm_rf" | "rm_r" | "remove_dir" | "remove_entry" | "remove_entry_secure",
            ) => Some(RemoveTree),
            (Some("FileUtils"), "rm" | "rm_f" | "remove" | "remove_file")
            | (Some("File"), "delete" | "unlink") => Some(Remove),
            (Some("File"), "write") => Some(Write),
            (Some("FileUtils"), "mv" | "move") | (Some("File"), "rename") => Some(Move),
            _ => None,
        },
        Language::Perl => match (qualifier, name) {
            (None, "unlink") => Some(Remove),
            (None, "rmtree" | "remove_tree") => Some(RemoveTree),
            (None, "rmdir") => Some(RemoveDir),
            (None, "rename") => Some(Move),
            _ => None,
        },
        Language::Php => match (qualifier, name) {
            (None, "unlink") => Some(Remove),
            (None, "rmdir") => Some(RemoveDir),
            (None, "file_put_contents") => Some(Write),
            (None, "rename") => Some(Move),
            _ => None,
        },
        Language::Awk | Language::Other => None,
    }
}

/// Calls that run code given as a value: readable only when the value is a literal.
fn runs_code(lang: Language, qualifier: Option<&str>, name: &str) -> bool {
    match lang {
        Language::Python => {
            qualifier.is_none() && matches!(name, "exec" | "eval" | "compile")
                || name == "import_module"
        }
        Language::Javascript => matches!(
            name,
            "eval"
                | "Function"
                | "require"
                | "runInNewContext"
                | "runInThisContext"
                | "runInContext"
        ),
        Language::Ruby => matches!(
            name,
            "eval"
                | "instance_eval"
                | "class_eval"
                | "module_eval"
                | "send"
                | "public_send"
                | "__send__"
                | "method"
        ),
        Language::Perl => matches!(name, "eval" | "require"),
        Language::Php => matches!(
            name,
            "eval" | "assert" | "create_function" | "call_user_func" | "call_user_func_array"
        ),
        Language::Awk | Language::Other => false,
    }
}

/// The shell command that has the same effect on files, when its paths are literal.
fn effect_command(effect: Effect, args: &[Arg]) -> Option<String> {
    let path = |i: usize| match args.get(i) {
        Some(Arg::Str(s)) => Some(quote(s)),
        Some(Arg::Env(name)) => Some(format!("\"${name}\"")),
        Some(_) => Some(UNKNOWN_ARG.to_owned()),
        None => None,
    };
    let recursive = args
        .iter()
        .any(|a| matches!(a, Arg::Options(keys) if keys.iter().any(|k| k == "recursive")));
    Some(match effect {
        Effect::RemoveTree if recursive || !matches!(args.get(1), Some(Arg::Options(_))) => {
            format!("rm -rf {}", path(0)?)
        }
        Effect::RemoveTree | Effect::Remove => format!("rm -f {}", path(0)?),
        Effect::RemoveDir => format!("rmdir {}", path(0)?),
        Effect::Write => format!(": > {}", path(0)?),
        Effect::Append => format!(": >> {}", path(0)?),
        Effect::Move => format!("mv {} {}", path(0)?, path(1)?),
        Effect::Copy => format!("cp -r {} {}", path(0)?, path(1)?),
        Effect::Open => {
            let mode = match args.get(1) {
                Some(Arg::Str(m)) => m.clone(),
                Some(_) => "w".into(),
                None => "r".into(),
            };
            // `a` appends, `a+` appends and reads: neither truncates. `w` truncates,
            // `r+` overwrites in place, `x` creates: judged as `>`.
            if mode.contains('a') {
                format!(": >> {}", path(0)?)
            } else if mode.contains(['w', 'x', '+']) {
                format!(": > {}", path(0)?)
            } else {
                format!("cat {}", path(0)?)
            }
        }
    })
}

/// awk runs commands through `system()`, pipes (`"cmd" | getline`, `print | "cmd"`)
/// and writes files with `print > "file"`.
fn awk_token(tokens: &[Token], i: usize, name: &str, ex: &mut Extraction) {
    if name == "system" && tokens.get(i + 1) == Some(&Token::Punct('(')) {
        match command_of(&args_in_parens(tokens, i + 2), Style::Line) {
            Some(cmd) => ex.commands.push(cmd),
            None => ex.unreadable = true,
        }
    }
    let _ = tokens;
}

/// awk's pipes and output redirections, found around `|` and `>`.
pub(crate) fn awk_pipes(tokens: &[Token], ex: &mut Extraction) {
    for (i, tok) in tokens.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        let next = tokens.get(i + 1);
        match tok {
            Token::Punct('|')
                if prev != Some(&Token::Punct('|')) && next != Some(&Token::Punct('|')) =>
            {
                // `"cmd" | getline` or `print ... | "cmd"` (also `|&`).
                let after = if next == Some(&Token::Punct('&')) {
                    tokens.get(i + 2)
                } else {
                    next
                };
                match (prev, after) {
                    (Some(Token::Str(Some(cmd))), Some(Token::Ident(g))) if g == "getline" => {
                        ex.commands.push(cmd.clone())
                    }
                    (_, Some(Token::Str(Some(cmd)))) => ex.commands.push(cmd.clone()),
                    (_, Some(Token::Str(None))) | (_, Some(Token::Ident(_))) => {
                        ex.unreadable = true
                    }
                    _ => {}
                }
            }
            Token::Punct('>') if prev != Some(&Token::Punct('>')) => {
                let (append, target) = if next == Some(&Token::Punct('>')) {
                    (true, tokens.get(i + 2))
                } else {
                    (false, next)
                };
                if let Some(Token::Str(Some(file))) = target {
                    ex.commands.push(format!(
                        ": {} {}",
                        if append { ">>" } else { ">" },
                        quote(file)
                    ));
                }
            }
            _ => {}
        }
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

/// Whether inline code changes its own environment (`os.environ['X'] = ...`,
/// `os.putenv`, `process.env.X = ...`, `ENV['X'] = ...`, `Object.assign(process.env,
/// ...)`): then a variable it reads is not the one the shell set.
pub(crate) fn writes_environment(code: &str) -> bool {
    static WRITES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?x)
            (environ|process\.env|\bENV)\s*(\[[^\]]*\]|\.[A-Za-z_]\w*)?\s*(=[^=]|=$|\+=)
            | (environ|process\.env|\bENV)\s*\.\s*(update|setdefault|pop|clear|store|replace|delete|merge)\b
            | \b(putenv|setenv|unsetenv)\b
            | assign\s*\(\s*process\.env
            | \bdel\s+os\.environ
            | \bdelete\s+process\.env",
        )
        .expect("a valid regex")
    });
    WRITES.is_match(code)
}

/// Make the environment reads of `tokens` unrecognisable, so that they are unknown
/// values (see [`writes_environment`]).
pub(crate) fn forget_environment_reads(tokens: &mut [Token]) {
    for t in tokens.iter_mut() {
        if let Token::Ident(name) = t
            && matches!(name.as_str(), "environ" | "env" | "ENV" | "getenv")
        {
            *name = "changed_environment".to_owned();
        }
    }
}

/// The environment variable an argument reads, without a default (a default is what
/// the value is when the variable is unset, which the shell's `$X` does not say).
/// Only the spellings that can only be the process environment: `os.environ['X']`,
/// `os.environ.get('X')`, `os.getenv('X')`, `process.env.X`, `process.env['X']`,
/// `ENV['X']` (any other object's `.get` or `environ` is not).
fn env_lookup(tokens: &[&Token]) -> Option<String> {
    use Token::{Ident, Punct, Str};
    let is = |t: &Token, s: &str| matches!(t, Ident(n) if n == s);
    let name = match tokens {
        [
            os,
            Punct('.'),
            environ,
            Punct('['),
            Str(Some(name)),
            Punct(']'),
        ] if is(os, "os") && is(environ, "environ") => name,
        [
            os,
            Punct('.'),
            environ,
            Punct('.'),
            get,
            Punct('('),
            Str(Some(name)),
            Punct(')'),
        ] if is(os, "os") && is(environ, "environ") && is(get, "get") => name,
        [
            os,
            Punct('.'),
            getenv,
            Punct('('),
            Str(Some(name)),
            Punct(')'),
        ] if is(os, "os") && is(getenv, "getenv") => name,
        [process, Punct('.'), env, Punct('.'), Ident(name)]
            if is(process, "process") && is(env, "env") =>
        {
            name
        }
        [
            process,
            Punct('.'),
            env,
            Punct('['),
            Str(Some(name)),
            Punct(']'),
        ] if is(process, "process") && is(env, "env") => name,
        [env, Punct('['), Str(Some(name)), Punct(']')] if is(env, "ENV") => name,
        _ => return None,
    };
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| name.clone())
}

/// Arguments of a call without parentheses, up to the end of the statement.
fn args_until_line_end(tokens: &[Token], start: usize) -> Vec<Arg> {
    let end = tokens[start..]
        .iter()
        .position(|t| matches!(t, Token::Newline | Token::Punct(';')))
        .map_or(tokens.len(), |p| start + p);
    tokens[start..end]
        .split(|t| *t == Token::Punct(','))
        .map(|part| arg_of(&part.iter().collect::<Vec<_>>()))
        .collect()
}

fn arg_of(tokens: &[&Token]) -> Arg {
    if let Some(name) = env_lookup(tokens) {
        return Arg::Env(name);
    }
    match tokens {
        [Token::Str(Some(s))] => Arg::Str(s.clone()),
        [Token::List(items)] => Arg::List(items.iter().cloned().map(Some).collect()),
        [Token::Punct('['), inner @ .., Token::Punct(']')] => Arg::List(list_items(inner)),
        // Ruby `:system` (a symbol naming a method).
        [Token::Punct(':'), Token::Ident(s)] => Arg::Str(s.clone()),
        // `{args: [...]}` (Deno.Command) or `{cmd: [...]}` (Deno.run): the list inside;
        // otherwise the keys set in an options object (`{recursive: true}`).
        [Token::Punct('{'), inner @ ..] => {
            let key = inner.windows(3).position(|w| matches!(w, [Token::Ident(k), Token::Punct(':'), Token::Punct('[')] if k == "args" || k == "cmd"));
            match key {
                Some(at) => {
                    let items = &inner[at + 3..];
                    let end = items
                        .iter()
                        .position(|t| **t == Token::Punct(']'))
                        .unwrap_or(items.len());
                    Arg::List(list_items(&items[..end]))
                }
                None => Arg::Options(
                    inner
                        .windows(3)
                        .filter_map(|w| match w {
                            [Token::Ident(k), Token::Punct(':'), Token::Ident(v)]
                                if v == "true" =>
                            {
                                Some(k.clone())
                            }
                            _ => None,
                        })
                        .collect(),
                ),
            }
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
    let args: &[Arg] = match args {
        // Ruby `send(:system, "ls")`: the rest are the named method's arguments.
        [Arg::Str(method), rest @ ..]
            if matches!(method.as_str(), "system" | "exec" | "spawn") && !rest.is_empty() =>
        {
            rest
        }
        other => other,
    };
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
                    // A command's words from the environment are not read.
                    Arg::Env(_) | Arg::Options(_) | Arg::Other => break,
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
        (Arg::Env(_) | Arg::Options(_) | Arg::Other, _) => None,
    }
}

/// Quote each argument so the shell parse yields exactly these words.
fn join_argv(items: &[Option<String>]) -> String {
    items
        .iter()
        .map(|item| item.as_deref().map_or(UNKNOWN_ARG.to_owned(), quote))
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,~".contains(c))
        && !s.starts_with('~')
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn ex(lang: Language, code: &str) -> Extraction {
        super::super::extract_all(lang, code, &tokenize(lang, code))
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
        assert_eq!(
            ex(Language::Python, "print('os.system(\"x\")')"),
            Extraction::default()
        );
        assert_eq!(
            ex(Language::Python, "# os.system('rm -rf /')"),
            Extraction::default()
        );
    }

    #[test]
    fn python_aliases_and_dynamic_code() {
        assert_eq!(
            ex(
                Language::Python,
                "import subprocess as s; s.call('ls', shell=True)"
            )
            .commands,
            vec!["ls"]
        );
        assert_eq!(
            ex(Language::Python, "__import__('os').system('id')").commands,
            vec!["id"]
        );
        assert_eq!(
            ex(Language::Python, "from os import system as s; s('id')").commands,
            vec!["id"]
        );
        assert!(ex(Language::Python, "exec(''.join(map(chr, [105])))").unreadable);
        assert!(
            !ex(Language::Python, "exec('print(1)')").unreadable,
            "a literal is readable"
        );
    }

    #[test]
    fn file_effects_become_shell() {
        assert_eq!(
            ex(
                Language::Python,
                "import shutil; shutil.rmtree('/home/dev')"
            )
            .commands,
            vec!["rm -rf /home/dev"]
        );
        assert_eq!(
            ex(Language::Python, "from shutil import rmtree; rmtree('/')").commands,
            vec!["rm -rf /"]
        );
        assert_eq!(
            ex(Language::Python, "open('/etc/passwd', 'w').write('')").commands,
            vec![": > /etc/passwd"]
        );
        // Appending never truncates; every other writing mode is judged as `>`.
        for (mode, op) in [
            ("a", ">>"),
            ("a+", ">>"),
            ("ab", ">>"),
            ("w", ">"),
            ("wb", ">"),
        ]
        .into_iter()
        .chain([("r+", ">"), ("x", ">"), ("w+", ">")])
        {
            assert_eq!(
                ex(
                    Language::Python,
                    &format!("open('/home/dev/.bashrc', '{mode}').write('x')")
                )
                .commands,
                vec![format!(": {op} /home/dev/.bashrc")],
                "{mode}"
            );
        }
        assert_eq!(
            ex(Language::Python, "open(os.environ['GITHUB_ENV'], 'a')").commands,
            vec![": >> \"$GITHUB_ENV\""]
        );
        for (language, code) in [
            (Language::Python, "shutil.rmtree(os.environ.get('D'))"),
            (Language::Python, "shutil.rmtree(os.getenv('D'))"),
            (
                Language::Javascript,
                "fs.rmSync(process.env.D, {recursive: true})",
            ),
            (
                Language::Javascript,
                "fs.rmSync(process.env['D'], {recursive: true})",
            ),
            (Language::Ruby, "FileUtils.rm_rf(ENV['D'])"),
        ] {
            assert_eq!(ex(language, code).commands, vec!["rm -rf \"$D\""], "{code}");
        }
        // A default is the value when the variable is unset: not what `$D` says.
        assert_eq!(
            ex(Language::Python, "shutil.rmtree(os.environ.get('D', '/'))").commands,
            vec!["rm -rf \"$__MSTRO_UNKNOWN_ARG\""]
        );
        // Another object's `get` or `environ`, or code that changes its environment:
        // not the shell's variable.
        for code in [
            "d = {}; shutil.rmtree(d.get('D'))",
            "environ = {}; shutil.rmtree(environ['D'])",
            "os.environ['D'] = '/'; shutil.rmtree(os.environ['D'])",
            "os.environ.update(D='/'); shutil.rmtree(os.getenv('D'))",
        ] {
            assert_eq!(
                ex(Language::Python, code).commands,
                vec!["rm -rf \"$__MSTRO_UNKNOWN_ARG\""],
                "{code}"
            );
        }
        for (language, code) in [
            (
                Language::Javascript,
                "process.env.D = '/'; fs.rmSync(process.env.D, {recursive: true})",
            ),
            (
                Language::Javascript,
                "Object.assign(process.env, {D: '/'}); fs.rmSync(process.env.D, {recursive: true})",
            ),
            (Language::Ruby, "ENV['D'] = '/'; FileUtils.rm_rf(ENV['D'])"),
        ] {
            assert_eq!(
                ex(language, code).commands,
                vec!["rm -rf \"$__MSTRO_UNKNOWN_ARG\""],
                "{code}"
            );
        }
        // Not a variable name: never spliced into the command.
        assert_eq!(
            ex(Language::Python, "shutil.rmtree(os.environ['$(x)'])").commands,
            vec!["rm -rf \"$__MSTRO_UNKNOWN_ARG\""]
        );
        assert_eq!(
            ex(Language::Python, "open(p, m)").commands,
            vec![": > \"$__MSTRO_UNKNOWN_ARG\""]
        );
        assert_eq!(
            ex(Language::Python, "print(open('.env').read())").commands,
            vec!["cat .env"]
        );
        assert_eq!(
            ex(
                Language::Javascript,
                "require('fs').rmSync('/', {recursive: true, force: true})"
            )
            .commands,
            vec!["rm -rf /"]
        );
        assert_eq!(
            ex(
                Language::Javascript,
                "fs.writeFileSync('/home/dev/.bashrc', x)"
            )
            .commands,
            vec![": > /home/dev/.bashrc"]
        );
        assert_eq!(
            ex(Language::Ruby, "FileUtils.rm_rf('~')").commands,
            vec!["rm -rf '~'"]
        );
    }

    #[test]
    fn javascript_calls() {
        let code = "require('child_process').execSync('rm -rf ~')";
        assert_eq!(ex(Language::Javascript, code).commands, vec!["rm -rf ~"]);
        let code = "const {spawn} = require('child_process'); spawn('rm', ['-rf', '/'])";
        assert_eq!(ex(Language::Javascript, code).commands, vec!["rm -rf /"]);
        let code = "const {execSync: x} = require('child_process'); x('id')";
        assert_eq!(ex(Language::Javascript, code).commands, vec!["id"]);
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
        assert!(
            ex(
                Language::Javascript,
                "require('child_process').exec(userInput)"
            )
            .unreadable
        );
        assert!(ex(Language::Javascript, "require('child_' + 'process')").unreadable);
        assert_eq!(
            ex(Language::Javascript, "/x/.exec(s)"),
            Extraction::default()
        );
    }

    #[test]
    fn ruby_perl_php_awk() {
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
            ex(Language::Ruby, "Kernel.send(:system, 'id')").commands,
            vec!["id"]
        );
        assert_eq!(
            ex(Language::Perl, "system(\"rm -rf /\")").commands,
            vec!["rm -rf /"]
        );
        assert_eq!(
            ex(Language::Perl, "my $x = qx{whoami};").commands,
            vec!["whoami"]
        );
        assert_eq!(
            ex(Language::Perl, "exec qw(rm -rf /home/dev)").commands,
            vec!["rm -rf /home/dev"]
        );
        assert_eq!(
            ex(Language::Php, "shell_exec('rm -rf /');").commands,
            vec!["rm -rf /"]
        );
        assert!(ex(Language::Php, "system($_GET['c']);").unreadable);
        assert!(ex(Language::Php, "$f = 'system'; $f('id');").unreadable);
        assert_eq!(
            ex(Language::Awk, "BEGIN{system(\"rm -rf ~\")}").commands,
            vec!["rm -rf ~"]
        );
        assert!(ex(Language::Awk, "{system($0)}").unreadable);
        assert_eq!(
            ex(Language::Awk, "BEGIN{print \"x\" >> \"/etc/passwd\"}").commands,
            vec![": >> /etc/passwd"]
        );
        assert_eq!(
            ex(
                Language::Awk,
                "BEGIN{\"date\" | getline d; print d | \"sort\"}"
            )
            .commands,
            vec!["date", "sort"]
        );
        assert_eq!(ex(Language::Awk, "{print $1}"), Extraction::default());
    }
}
