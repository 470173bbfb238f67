//! Dockerfiles: `RUN` (and `CMD`, `ENTRYPOINT`, `HEALTHCHECK CMD`, and all of them under
//! `ONBUILD`), read the way BuildKit reads them.
//!
//! - Parser directives at the top (`# escape=\``) set the line-continuation character.
//! - A continued instruction is joined without its escape character and line break, as
//!   Docker hands it to the shell; comment and blank lines inside it are dropped.
//! - Shell form runs in the stage's `SHELL` (`/bin/sh -c` until a `SHELL` instruction;
//!   a new `FROM` starts over). Exec form (`["sh", "-c", "..."]`, a JSON array) is an
//!   argv; text that is not a valid JSON array is shell form, as for Docker.
//! - Heredocs: `RUN <<EOF` runs the body as a script (its `#!` line, if any, picks the
//!   interpreter); `RUN python3 <<EOF` is a command with a heredoc. Heredoc bodies of
//!   other instructions (`COPY <<EOF /etc/x`) are file contents and are skipped.

use super::json::{self, Json};
use super::{Cwd, Extracted, Extraction, Shell, SourceError, argv_command, shebang};
use crate::scan::location::MappedText;

pub fn extract(text: &str) -> Result<Extraction, SourceError> {
    let lines = physical_lines(text);
    let escape = escape_directive(&lines);
    let mut out = Extraction::default();
    let mut shell = Shell::Posix;
    let mut i = 0;
    while i < lines.len() {
        let (offset, line) = lines[i];
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        // Join the instruction's physical lines.
        let mut joined = MappedText::new();
        let lead = line.len() - trimmed.len();
        let mut piece = (offset + lead, trimmed);
        loop {
            i += 1;
            let (at, text) = piece;
            let body = text.trim_end();
            match body.strip_suffix(escape) {
                Some(kept) => {
                    joined.push_verbatim(at, kept);
                    // The next line that is not a comment or blank continues it.
                    while i < lines.len() && {
                        let t = lines[i].1.trim_start();
                        t.is_empty() || t.starts_with('#')
                    } {
                        i += 1;
                    }
                    match lines.get(i) {
                        Some(&(o, l)) => piece = (o, l),
                        None => break,
                    }
                }
                None => {
                    joined.push_verbatim(at, text);
                    break;
                }
            }
        }
        i = instruction(&lines, i, &joined, &mut shell, &mut out)?;
    }
    Ok(out)
}

/// Lines with the byte offset where each starts, without their line breaks.
fn physical_lines(text: &str) -> Vec<(usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n')
        .map(|l| {
            let at = offset;
            offset += l.len();
            (at, l.trim_end_matches('\n').trim_end_matches('\r'))
        })
        .collect()
}

/// The `# escape=` parser directive, if the file starts with one.
fn escape_directive(lines: &[(usize, &str)]) -> char {
    for &(_, line) in lines {
        let Some(directive) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = directive.split_once('=') else {
            break;
        };
        let key = key.trim().to_ascii_lowercase();
        if key.contains(char::is_whitespace) {
            break;
        }
        if key == "escape" {
            return match value.trim() {
                "`" => '`',
                _ => '\\',
            };
        }
    }
    '\\'
}

/// Handle one joined instruction; returns the index of the next physical line (after
/// any heredoc bodies).
fn instruction(
    lines: &[(usize, &str)],
    mut next: usize,
    joined: &MappedText,
    shell: &mut Shell,
    out: &mut Extraction,
) -> Result<usize, SourceError> {
    // Heredoc bodies follow the instruction whatever it is; read them to move past.
    let mut bodies = Vec::new();
    for marker in heredoc_markers(joined.as_str()) {
        let mut body = MappedText::new();
        let mut closed = false;
        while let Some(&(offset, line)) = lines.get(next) {
            next += 1;
            let candidate = if marker.strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if candidate == marker.word {
                closed = true;
                break;
            }
            body.push_verbatim(offset, line);
            body.push_synthetic(offset + line.len(), "\n");
        }
        if !closed {
            return Err(SourceError::at(
                joined.start(),
                format!("heredoc `{}` is never closed", marker.word),
            ));
        }
        bodies.push(body);
    }
    dispatch(joined, &bodies, shell, out);
    Ok(next)
}

/// Act on one instruction (`ONBUILD`'s inner one too), its heredoc bodies read.
fn dispatch(joined: &MappedText, bodies: &[MappedText], shell: &mut Shell, out: &mut Extraction) {
    let s = joined.as_str();
    let keyword_end = s.find(char::is_whitespace).unwrap_or(s.len());
    let keyword = s[..keyword_end].to_ascii_uppercase();
    let mut rest = MappedText::new();
    rest.push_slice(joined, keyword_end..s.len());
    let rest = rest.trim();

    match keyword.as_str() {
        "FROM" => *shell = Shell::Posix,
        "SHELL" => {
            if let Some(argv) = exec_form(&rest) {
                let words: Vec<String> = argv.iter().map(|w| w.as_str().to_owned()).collect();
                *shell = Shell::from_argv(&words);
            }
        }
        "ONBUILD" => dispatch(&rest, bodies, shell, out),
        "RUN" | "CMD" | "ENTRYPOINT" | "HEALTHCHECK" => {
            let mut command = without_flags(&rest);
            if keyword == "HEALTHCHECK" {
                if !command.as_str().to_ascii_uppercase().starts_with("CMD") {
                    return; // HEALTHCHECK NONE
                }
                let mut after = MappedText::new();
                after.push_slice(&command, 3..command.len());
                command = after.trim();
            }
            let markers = heredoc_markers(command.as_str());
            let origin = keyword.clone();
            if !markers.is_empty() && markers.len() == bodies.len() {
                out.commands
                    .push(heredoc_command(&command, &markers, bodies, shell, origin));
            } else if let Some(argv) = exec_form(&command) {
                out.commands.extend(argv_command(&argv, Cwd::Root, origin));
            } else {
                out.commands.push(Extracted {
                    shell: shell.clone(),
                    command,
                    cwd: Cwd::Root,
                    origin,
                    setting: None,
                });
            }
        }
        _ => {}
    }
}

/// `RUN --mount=type=cache,target=/root/.cache --network=none cmd` → `cmd`.
fn without_flags(rest: &MappedText) -> MappedText {
    let s = rest.as_str();
    let mut at = 0;
    while s[at..].starts_with("--") {
        let end = s[at..]
            .find(char::is_whitespace)
            .map_or(s.len(), |e| at + e);
        at = end + s[end..].len() - s[end..].trim_start().len();
    }
    let mut out = MappedText::new();
    out.push_slice(rest, at..s.len());
    out
}

/// A JSON array of strings (exec form), with origins.
fn exec_form(rest: &MappedText) -> Option<Vec<MappedText>> {
    if !rest.as_str().starts_with('[') {
        return None;
    }
    match json::parse(rest).ok()? {
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Json::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Marker {
    word: String,
    /// `<<-EOF`: leading tabs of body lines and the terminator are removed.
    strip_tabs: bool,
    /// The marker's byte range in the instruction text.
    range: std::ops::Range<usize>,
}

/// The heredocs an instruction opens: `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`.
fn heredoc_markers(s: &str) -> Vec<Marker> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = s[at..].find("<<").map(|i| at + i) {
        let mut j = i + 2;
        at = j;
        if s[j..].starts_with('<') {
            at = j + 1; // `<<<` is a here-string
            continue;
        }
        let strip_tabs = s[j..].starts_with('-');
        if strip_tabs {
            j += 1;
        }
        let quote = s[j..].chars().next().filter(|c| *c == '"' || *c == '\'');
        if quote.is_some() {
            j += 1;
        }
        let word_len = s[j..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len() - j);
        let word = &s[j..j + word_len];
        // A word starting with a digit is a shift (`$((1<<4))`), not a heredoc.
        if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let mut end = j + word_len;
        if let Some(q) = quote {
            if !s[end..].starts_with(q) {
                continue;
            }
            end += 1;
        }
        found.push(Marker {
            word: word.to_owned(),
            strip_tabs,
            range: i..end,
        });
        at = end;
    }
    found
}

/// A `RUN` with heredocs: `RUN <<EOF` is its body as a script; a command with heredocs
/// is judged with its bodies, as the shell will read it.
fn heredoc_command(
    command: &MappedText,
    markers: &[Marker],
    bodies: &[MappedText],
    shell: &Shell,
    origin: String,
) -> Extracted {
    let mut rest = command.as_str().to_owned();
    for m in markers.iter().rev() {
        rest.replace_range(m.range.clone(), "");
    }
    if rest.trim().is_empty()
        && let Some(body) = bodies.first()
    {
        let first_line = body.as_str().lines().next().unwrap_or("");
        let shell =
            shebang(first_line).map_or_else(|| shell.clone(), |argv| Shell::from_argv(&argv));
        return Extracted {
            shell,
            command: body.clone(),
            cwd: Cwd::Root,
            origin,
            setting: None,
        };
    }
    let mut full = command.clone();
    for (m, body) in markers.iter().zip(bodies) {
        full.push_synthetic(body.start(), "\n");
        full.push_mapped(body);
        full.push_synthetic(body.origin(body.len()), &m.word);
    }
    Extracted {
        shell: shell.clone(),
        command: full,
        cwd: Cwd::Root,
        origin,
        setting: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::location::LineIndex;

    fn commands(src: &str) -> Vec<(String, String, Shell)> {
        extract(src)
            .unwrap()
            .commands
            .into_iter()
            .map(|c| (c.origin, c.command.as_str().to_owned(), c.shell))
            .collect()
    }

    #[test]
    fn shell_and_exec_forms_with_continuations() {
        let src = "\
# syntax=docker/dockerfile:1
FROM debian:12
# a comment
RUN apt-get update && \\
    # comments inside are dropped
    apt-get install -y curl

run --mount=type=cache,target=/root/.cache [\"sh\", \"-c\", \"make \\\"all\\\"\"]
CMD [\"node\", \"server.js\"]
HEALTHCHECK --interval=5s CMD curl -f http://localhost/ || exit 1
ONBUILD RUN make
";
        let got = commands(src);
        let texts: Vec<&str> = got.iter().map(|(_, c, _)| c.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "apt-get update &&     apt-get install -y curl",
                "make \"all\"",
                "node server.js",
                "curl -f http://localhost/ || exit 1",
                "make",
            ]
        );
        let e = extract(src).unwrap();
        let idx = LineIndex::new(src);
        let install = &e.commands[0].command;
        let p = idx.position(install.origin(install.as_str().find("apt-get install").unwrap()));
        assert_eq!((p.line, p.column), (6, 5));
        let make = &e.commands[1].command;
        let p = idx.position(make.origin(0));
        assert_eq!((p.line, p.column), (8, 58));
    }

    #[test]
    fn shell_instruction_and_stages() {
        let src = "\
FROM mcr.microsoft.com/windows
SHELL [\"powershell\", \"-Command\"]
RUN Remove-Item -Recurse C:\\\\x
FROM debian
RUN rm -rf /tmp/x
";
        let got = commands(src);
        assert_eq!(
            got[0].2,
            Shell::Interpreter(vec!["powershell".into(), "-Command".into()])
        );
        assert_eq!(got[1].2, Shell::Posix);
    }

    #[test]
    fn heredocs() {
        let src = "\
FROM debian
RUN <<EOF
set -e
rm -rf ~
EOF
COPY <<EOF /etc/motd
rm -rf / is just text here
EOF
RUN python3 <<-PY
\timport shutil
\tPY
RUN <<EOF
#!/usr/bin/env python3
print(1)
EOF
RUN echo $((1<<4))
";
        let e = extract(src).unwrap();
        let got: Vec<&str> = e.commands.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(
            got,
            vec![
                "set -e\nrm -rf ~\n",
                "python3 <<-PY\n\timport shutil\nPY",
                "#!/usr/bin/env python3\nprint(1)\n",
                "echo $((1<<4))",
            ]
        );
        let p = LineIndex::new(src).position(e.commands[0].command.origin(7));
        assert_eq!((p.line, p.column), (4, 1));
        assert_eq!(
            e.commands[2].shell,
            Shell::Interpreter(vec!["python3".into(), "-c".into()])
        );
    }

    #[test]
    fn escape_directive_changes_continuation() {
        let src = "# escape=`\nFROM windows\nRUN dir `\n  C:\\\n";
        assert_eq!(commands(src)[0].1, "dir   C:\\");
    }

    #[test]
    fn unclosed_heredoc_is_an_error() {
        let e = extract("FROM x\nRUN <<EOF\necho\n").unwrap_err();
        assert!(e.message.contains("never closed"), "{e:?}");
    }
}
