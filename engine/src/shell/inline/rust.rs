//! Rust source (a Cargo build script, which runs on every `cargo build`): the commands
//! it runs (`Command::new("x").arg("a").args(["b", "c"])`) and the files it touches
//! (`fs::remove_dir_all(P)` as `rm -rf P`, `fs::write(P, ..)` and `File::create(P)` to
//! a literal path as `: > P`, `TcpStream::connect(A)` as `nc HOST PORT`), as shell
//! command lines the same rules judge. A program or a tree to delete only known at run
//! time is unreadable; arguments only known at run time are an unknown value.

use super::calls::UNKNOWN_ARG;

/// What Rust code runs or touches.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RustExtraction {
    /// Command lines, each with the byte offset in the code of the call it came from.
    pub commands: Vec<(usize, String)>,
    /// Where a call runs a command, or deletes a tree, the engine cannot read.
    pub unreadable: Vec<(usize, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

/// Tokens with their offsets: identifiers, string literals (plain, raw, byte), and
/// punctuation; comments, char literals, lifetimes and numbers dropped.
fn tokenize(code: &str) -> Vec<(usize, Tok)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        }
        // Raw strings: r"..", r#".."#, br#".."#.
        let raw_at = if c == b'r' {
            Some(i + 1)
        } else if c == b'b' && b.get(i + 1) == Some(&b'r') {
            Some(i + 2)
        } else {
            None
        };
        if let Some(mut j) = raw_at {
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) == Some(&b'"') && (hashes > 0 || j == raw_at.unwrap_or(0)) {
                let start = j + 1;
                let close: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let end = code[start..].find(&close).map_or(b.len(), |e| start + e);
                out.push((i, Tok::Str(code[start..end].to_owned())));
                i = (end + close.len()).min(b.len());
                continue;
            }
        }
        if c == b'"' || (c == b'b' && b.get(i + 1) == Some(&b'"')) {
            let at = i;
            i += if c == b'b' { 2 } else { 1 };
            let mut s = String::new();
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    match b[i + 1] {
                        b'n' => s.push('\n'),
                        b't' => s.push('\t'),
                        b'\\' => s.push('\\'),
                        b'"' => s.push('"'),
                        b'\'' => s.push('\''),
                        b'0' => s.push('\0'),
                        b'\n' => {
                            // A continued line: the newline and leading blanks go.
                            i += 2;
                            while i < b.len() && b[i].is_ascii_whitespace() {
                                i += 1;
                            }
                            continue;
                        }
                        _ => {
                            // `\x..`, `\u{..}`: not a literal the bouncer reads exactly.
                            s.push('\u{fffd}');
                        }
                    }
                    i += 2;
                    continue;
                }
                let ch = code[i..].chars().next().unwrap_or(' ');
                s.push(ch);
                i += ch.len_utf8();
            }
            out.push((at, Tok::Str(s)));
            i += 1;
            continue;
        }
        if c == b'\'' {
            // A char literal ('x', '\n') or a lifetime ('a).
            if b.get(i + 1) == Some(&b'\\') {
                i += 2;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            } else if code[i + 1..].chars().nth(1) == Some('\'') {
                i += 1 + code[i + 1..].chars().next().map_or(1, char::len_utf8) + 1;
            } else {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((start, Tok::Ident(code[start..i].to_owned())));
            continue;
        }
        if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            continue;
        }
        if !c.is_ascii_whitespace() {
            let ch = code[i..].chars().next().unwrap_or(' ');
            out.push((i, Tok::Punct(ch)));
            i += ch.len_utf8();
            continue;
        }
        i += 1;
    }
    out
}

/// A word for a POSIX shell.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The argument of a one-argument call at `open` (the `(`): a literal string, or
/// `None` for anything else; and the index past the `)`.
fn one_arg(toks: &[(usize, Tok)], open: usize) -> (Option<String>, usize) {
    let mut depth = 0;
    let mut j = open;
    let mut lit = None;
    let mut only_lit = true;
    while j < toks.len() {
        match &toks[j].1 {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return (lit.filter(|_| only_lit), j + 1);
                }
            }
            Tok::Punct(',') if depth == 1 => break,
            Tok::Punct('&') if depth == 1 => {}
            Tok::Str(s) if depth == 1 && lit.is_none() => lit = Some(s.clone()),
            _ if depth >= 1 => only_lit = false,
            _ => {}
        }
        j += 1;
    }
    // Several arguments: the first, when it is a literal.
    (lit.filter(|_| only_lit), j)
}

/// The words of a list argument (`["a", "b"]`, `&["a"]`, `vec!["a"]`): each literal or
/// unknown; and the index past the `)`.
fn list_arg(toks: &[(usize, Tok)], open: usize) -> (Vec<Option<String>>, usize) {
    let mut words = Vec::new();
    let mut depth = 0;
    let mut j = open;
    let mut current: Option<Option<String>> = None;
    while j < toks.len() {
        match &toks[j].1 {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    words.extend(current.take());
                    return (words, j + 1);
                }
            }
            Tok::Punct(',') if depth <= 2 => words.extend(current.take()),
            Tok::Punct('&' | '!') => {}
            Tok::Ident(v) if v == "vec" => {}
            Tok::Str(s) if depth == 2 && current.is_none() => current = Some(Some(s.clone())),
            _ if depth >= 2 => current = Some(None),
            _ => {}
        }
        j += 1;
    }
    (words, j)
}

/// The commands and file operations of Rust `code`.
pub(crate) fn extract(code: &str) -> RustExtraction {
    let toks = tokenize(code);
    let mut ex = RustExtraction::default();
    let ident = |i: usize| match toks.get(i) {
        Some((_, Tok::Ident(s))) => Some(s.as_str()),
        _ => None,
    };
    let open_at = |i: usize| matches!(toks.get(i), Some((_, Tok::Punct('('))));
    let mut i = 0;
    while i < toks.len() {
        let at = toks[i].0;
        let name = ident(i);
        let qualified = |q: &str| i >= 3 && ident(i - 3) == Some(q);
        match name {
            Some("new") if qualified("Command") && open_at(i + 1) => {
                let (program, mut j) = one_arg(&toks, i + 1);
                let Some(program) = program else {
                    ex.unreadable
                        .push((at, "a command named at run time".to_owned()));
                    i += 1;
                    continue;
                };
                let mut words = vec![quoted(&program)];
                // The builder chain: `.arg(..)`, `.args(..)`, other calls skipped.
                while matches!(toks.get(j), Some((_, Tok::Punct('.')))) {
                    let method = ident(j + 1);
                    if !open_at(j + 2) {
                        break;
                    }
                    match method {
                        Some("arg") => {
                            let (a, next) = one_arg(&toks, j + 2);
                            words.push(a.map_or(UNKNOWN_ARG.to_owned(), |a| quoted(&a)));
                            j = next;
                        }
                        Some("args") => {
                            let (list, next) = list_arg(&toks, j + 2);
                            if list.is_empty() {
                                words.push(UNKNOWN_ARG.to_owned());
                            }
                            for a in list {
                                words.push(a.map_or(UNKNOWN_ARG.to_owned(), |a| quoted(&a)));
                            }
                            j = next;
                        }
                        _ => {
                            let (_, next) = one_arg(&toks, j + 2);
                            j = next;
                        }
                    }
                }
                ex.commands.push((at, words.join(" ")));
                i = j;
                continue;
            }
            Some(f @ ("remove_dir_all" | "remove_file" | "remove_dir")) if open_at(i + 1) => {
                let (p, _) = one_arg(&toks, i + 1);
                let rm = match f {
                    "remove_dir_all" => "rm -rf",
                    "remove_dir" => "rmdir",
                    _ => "rm -f",
                };
                match p {
                    Some(p) => ex.commands.push((at, format!("{rm} {}", quoted(&p)))),
                    None if f == "remove_dir_all" => ex
                        .unreadable
                        .push((at, "a tree deleted at a path known at run time".to_owned())),
                    None => {}
                }
            }
            Some("write") if qualified("fs") && open_at(i + 1) => {
                if let (Some(p), _) = one_arg(&toks, i + 1) {
                    ex.commands.push((at, format!(": > {}", quoted(&p))));
                }
            }
            Some("create") if qualified("File") && open_at(i + 1) => {
                if let (Some(p), _) = one_arg(&toks, i + 1) {
                    ex.commands.push((at, format!(": > {}", quoted(&p))));
                }
            }
            Some("connect")
                if (qualified("TcpStream") || qualified("UdpSocket")) && open_at(i + 1) =>
            {
                let (a, _) = one_arg(&toks, i + 1);
                let (host, port) = a.as_deref().and_then(|a| a.rsplit_once(':')).map_or(
                    (UNKNOWN_ARG.to_owned(), UNKNOWN_ARG.to_owned()),
                    |(h, p)| (quoted(h), quoted(p)),
                );
                ex.commands.push((at, format!("nc {host} {port}")));
            }
            _ => {}
        }
        i += 1;
    }
    ex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(code: &str) -> Vec<String> {
        extract(code).commands.into_iter().map(|c| c.1).collect()
    }

    #[test]
    fn commands_and_file_operations() {
        let code = r##"
use std::process::Command;
fn main() {
    // Command::new("rm").arg("-rf").arg("/")
    println!("cargo:rerun-if-changed=build.rs");
    let x: &'static str = "a";
    let c = 'c';
    Command::new("rm").args(["-rf", "/home/x/.ssh"]).status().unwrap();
    std::process::Command::new("git").arg("rev-parse").arg(x).output().unwrap();
    std::fs::remove_dir_all(r#"/home/x"#).ok();
    fs::write("/etc/hosts", b"x").unwrap();
    std::net::TcpStream::connect("evil.example:4444").unwrap();
    fs::write(out.join("gen.rs"), code).unwrap();
}
"##;
        assert_eq!(
            commands(code),
            vec![
                "'rm' '-rf' '/home/x/.ssh'".to_owned(),
                format!("'git' 'rev-parse' {UNKNOWN_ARG}"),
                "rm -rf '/home/x'".to_owned(),
                ": > '/etc/hosts'".to_owned(),
                "nc 'evil.example' '4444'".to_owned(),
            ]
        );
        let ex = extract("Command::new(env::var(\"CC\").unwrap()).arg(\"x\");");
        assert_eq!(ex.unreadable.len(), 1);
        assert!(extract("fn main() { println!(\"cargo:rustc-link-lib=z\"); cc::Build::new().file(\"a.c\").compile(\"a\"); }")
            .commands
            .is_empty());
    }
}
