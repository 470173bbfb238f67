//! Inline interpreter code (`python -c`, `node -e`, heredocs fed to `ruby`, ...): the
//! shell commands it runs are extracted and judged as shell; the code itself is kept
//! for `code:` predicates (`shutil.rmtree`, socket-and-exec one-liners).

mod calls;
mod lexer;
pub(crate) mod rust;

pub(crate) use calls::Extraction;

use super::invocation::Language;

/// The shell command lines `code` runs, and whether some of them cannot be read.
pub(crate) fn shell_commands(language: Language, code: &str) -> Extraction {
    if language == Language::Other {
        // Not read, only scanned: code that may run commands is unreadable.
        const RUNS: &[&str] = &[
            "execute", "system", "exec", "spawn", "popen", "shell", "run(", "Command", "process",
            "os:cmd", "cmd.run",
        ];
        return Extraction {
            commands: Vec::new(),
            unreadable: RUNS.iter().any(|r| code.contains(r)),
        };
    }
    let tokens = lexer::tokenize(language, code);
    extract_all(language, code, &tokens)
}

/// Every kind of extraction for `language`.
fn extract_all(language: Language, code: &str, tokens: &[lexer::Token]) -> Extraction {
    // What code that changes its own environment reads from it is not what the shell
    // set: its reads become unknown values.
    let forgotten;
    let tokens = if calls::writes_environment(code) {
        let mut t = tokens.to_vec();
        calls::forget_environment_reads(&mut t);
        forgotten = t;
        &forgotten[..]
    } else {
        tokens
    };
    let mut ex = calls::extract(language, code, tokens);
    if language == Language::Awk {
        calls::awk_pipes(tokens, &mut ex);
    }
    ex
}
