//! `.vscode/tasks.json`: the tasks an editor runs from the workspace (from the command
//! palette, a build key, or `"runOn": "folderOpen"` when the folder is opened). Tasks of
//! type `shell` (a command line for the shell) and `process` (a program and its
//! arguments) are read, with their Linux and macOS overrides and `options.cwd`/`env`;
//! VS Code's `${...}` variables are written as what they stand for, or as a value only
//! known at run time. The file is JSON with comments and trailing commas.

use std::path::Path;

use serde_json::{Map, Value};

use super::judge::{FileVerdict, line_of};
use crate::engine::Evaluation;

/// Most tasks (with their per-OS variants) read from one file.
const MAX_TASKS: usize = 256;

/// One command a task runs.
#[derive(Debug, PartialEq, Eq)]
struct TaskCommand {
    label: String,
    command: String,
    /// Where it runs, absolute.
    dir: String,
    /// The text of its `command` value, to find its line.
    written: String,
}

/// Judge the tasks of the `tasks.json` at `path` (`shown` for the reason), whose text is
/// `text`.
pub(crate) fn judge_tasks(
    path: &Path,
    shown: &str,
    text: &str,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    // `.vscode/tasks.json` belongs to the folder that holds `.vscode`; the tasks of a
    // `NAME.code-workspace` file (under its `tasks` key) to the folder it is in.
    let in_workspace_file = is_workspace_file(path);
    let folder = match in_workspace_file {
        true => path.parent(),
        false => path.parent().and_then(Path::parent),
    };
    let workspace = folder
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| ".".to_owned());
    let tasks = match in_workspace_file {
        true => workspace_tasks(text),
        false => Ok(Some(text.to_owned())),
    };
    let commands = match tasks.and_then(|t| match t {
        Some(t) => commands(&t, &workspace),
        None => Ok(Vec::new()),
    }) {
        Ok(c) => c,
        Err(why) => {
            return vec![FileVerdict::Unreadable {
                shown: format!("`{shown}`"),
                why,
            }];
        }
    };
    commands
        .into_iter()
        .map(|c| {
            let evaluation = judge(&c.command, Some(&c.dir));
            let at = text
                .find(&c.written)
                .or_else(|| text.find(&format!("\"{}\"", c.label)))
                .unwrap_or(0);
            FileVerdict::Judged {
                shown: format!("the `{}` task at `{shown}:{}`", c.label, line_of(text, at)),
                line: None,
                evaluation: Box::new(evaluation),
            }
        })
        .collect()
}

/// Whether `path` is a multi-root workspace file, which may hold tasks as
/// `.vscode/tasks.json` does.
pub(crate) fn is_workspace_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "code-workspace")
}

/// The `tasks` object of a `.code-workspace` file, as the text of a `tasks.json`;
/// `None` when it has none.
fn workspace_tasks(text: &str) -> Result<Option<String>, String> {
    let value: Value = serde_json::from_str(&plain_json(text))
        .map_err(|e| format!("it is not valid JSON ({e})"))?;
    let top = value.as_object().ok_or("it is not a JSON object")?;
    match top.get("tasks") {
        None | Some(Value::Null) => Ok(None),
        Some(t @ Value::Object(_)) => Ok(Some(t.to_string())),
        Some(_) => Err("its `tasks` is not an object".to_owned()),
    }
}

/// The commands of every task, each OS variant that runs here once.
fn commands(text: &str, workspace: &str) -> Result<Vec<TaskCommand>, String> {
    let value: Value = serde_json::from_str(&plain_json(text))
        .map_err(|e| format!("it is not valid JSON ({e})"))?;
    let top = value.as_object().ok_or("it is not a JSON object")?;
    let mut out = Vec::new();
    // The old format: one command at the top, its tasks passing it arguments.
    let mut tasks: Vec<(String, Map<String, Value>)> = Vec::new();
    if top.contains_key("command") || ["linux", "osx"].iter().any(|k| top.contains_key(*k)) {
        let mut t = top.clone();
        t.remove("tasks");
        tasks.push(("(top level)".to_owned(), t));
    }
    match top.get("tasks") {
        None => {}
        Some(Value::Array(list)) => {
            for (k, t) in list.iter().enumerate() {
                let t = t.as_object().ok_or("a task is not an object")?;
                let label = t
                    .get("label")
                    .or_else(|| t.get("taskName"))
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("#{}", k + 1), str::to_owned);
                // A task of the old format without its own command runs the top one.
                let mut merged = t.clone();
                if !t.contains_key("command")
                    && let Some(c) = top.get("command")
                {
                    merged.insert("command".into(), c.clone());
                    if let Some(a) = top.get("args")
                        && !t.contains_key("args")
                    {
                        merged.insert("args".into(), a.clone());
                    }
                }
                tasks.push((label, merged));
            }
        }
        Some(_) => return Err("its `tasks` is not a list".to_owned()),
    }
    for (label, task) in tasks {
        // What runs on Linux and on macOS: each override replaces what it names.
        let mut variants = Vec::new();
        for os in ["linux", "osx"] {
            let mut v = task.clone();
            if let Some(o) = task.get(os).and_then(Value::as_object) {
                for (k, val) in o {
                    v.insert(k.clone(), val.clone());
                }
            }
            for os in ["windows", "linux", "osx"] {
                v.remove(os);
            }
            if !variants.contains(&v) {
                variants.push(v);
            }
        }
        for v in variants {
            if let Some(c) = command(&label, &v, workspace)? {
                out.push(c);
                if out.len() > MAX_TASKS {
                    return Err(format!("it has more than {MAX_TASKS} tasks"));
                }
            }
        }
    }
    Ok(out)
}

/// The command line of one task variant; `None` for a task that runs no command of
/// this file (a task type an extension provides, a task that only depends on others).
fn command(
    label: &str,
    task: &Map<String, Value>,
    workspace: &str,
) -> Result<Option<TaskCommand>, String> {
    let kind = task.get("type").and_then(Value::as_str).unwrap_or("shell");
    let options = task.get("options").and_then(Value::as_object);
    let cwd = options
        .and_then(|o| o.get("cwd"))
        .and_then(Value::as_str)
        .map(|c| substitute(c, workspace, false));
    let dir = match cwd {
        Some(c) if c.contains('$') => {
            return Err(format!(
                "the task `{label}` runs in a directory only known at run time"
            ));
        }
        Some(c) if c.starts_with('/') => c,
        Some(c) => format!("{workspace}/{c}"),
        None => workspace.to_owned(),
    };
    let (line, written) = match kind {
        "npm" => {
            let Some(script) = task.get("script").and_then(Value::as_str) else {
                return Ok(None);
            };
            let sub = task.get("path").and_then(Value::as_str);
            let line = match sub {
                Some(p) => format!("npm --prefix {} run {}", quote(p), quote(script)),
                None => format!("npm run {}", quote(script)),
            };
            (line, serde_json::to_string(script).unwrap_or_default())
        }
        "shell" | "process" => {
            let Some(c) = task.get("command") else {
                return Ok(None);
            };
            let mut words = Vec::new();
            match c {
                Value::String(s) => words.push(s.clone()),
                Value::Array(parts) => {
                    for p in parts {
                        words.push(arg_text(p).ok_or_else(|| {
                            format!("a part of the command of `{label}` is not a string")
                        })?);
                    }
                }
                Value::Object(_) => words.push(
                    arg_text(c)
                        .ok_or_else(|| format!("the command of `{label}` is not a string"))?,
                ),
                _ => return Err(format!("the command of `{label}` is not a string")),
            }
            let written = words
                .first()
                .map(|w| serde_json::to_string(w).unwrap_or_default())
                .unwrap_or_default();
            let mut args = Vec::new();
            match task.get("args") {
                None | Some(Value::Null) => {}
                Some(Value::Array(list)) => {
                    for a in list {
                        args.push(
                            arg_text(a).ok_or_else(|| {
                                format!("an argument of `{label}` is not a string")
                            })?,
                        );
                    }
                }
                Some(_) => return Err(format!("the `args` of `{label}` is not a list")),
            }
            let line = if kind == "shell" {
                if let Some(shell) = options
                    .and_then(|o| o.get("shell"))
                    .and_then(|s| s.get("executable"))
                    .and_then(Value::as_str)
                {
                    let name = shell.rsplit('/').next().unwrap_or(shell);
                    if super::target::shell_dialect(name) != super::target::RunsAs::Shell {
                        return Err(format!(
                            "the task `{label}` runs in `{shell}`, which the bouncer does not read"
                        ));
                    }
                }
                // The shell reads the command as a line; an argument with blanks is
                // quoted (expansions in it still happen).
                let mut line = substitute(&words.join(" "), workspace, false);
                for a in &args {
                    line.push(' ');
                    let a = substitute(a, workspace, false);
                    if a.contains(char::is_whitespace) {
                        line.push('"');
                        line.push_str(&a.replace('\\', "\\\\").replace('"', "\\\""));
                        line.push('"');
                    } else {
                        line.push_str(&a);
                    }
                }
                line
            } else {
                // A program and its arguments, as they are: each one word.
                words
                    .iter()
                    .chain(&args)
                    .map(|w| substitute(w, workspace, true))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            (line, written)
        }
        // A type an extension provides (`typescript`, `gulp`, ...): it runs what the
        // extension decides, not a command of this file.
        _ => return Ok(None),
    };
    let mut env = String::new();
    if let Some(vars) = options
        .and_then(|o| o.get("env"))
        .and_then(Value::as_object)
    {
        for (k, v) in vars {
            let v = v.as_str().unwrap_or_default();
            env.push_str(&format!(
                "export {k}=\"{}\"; ",
                substitute(v, workspace, false)
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
            ));
        }
    }
    Ok(Some(TaskCommand {
        label: label.to_owned(),
        command: format!("{env}{line}"),
        dir,
        written,
    }))
}

/// The text of an argument: a string, or `{"value": ..., "quoting": ...}`.
fn arg_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => match o.get("value")? {
            Value::String(s) => Some(s.clone()),
            Value::Array(parts) => Some(
                parts
                    .iter()
                    .map(|p| p.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()?
                    .join(" "),
            ),
            _ => None,
        },
        _ => None,
    }
}

/// `text` with VS Code's variables written for the shell: the workspace folder as its
/// path, `${userHome}` and `${env:NAME}` as the shell's `${HOME}` and `${NAME}`, any
/// other (`${file}`, `${input:x}`, `${command:x}`) as a value only known at run time.
/// `word`: the result is one word of a program's arguments (a `process` task), quoted
/// so that the shell changes nothing but the variables.
fn substitute(text: &str, workspace: &str, word: bool) -> String {
    let mut out = String::new();
    let mut rest = text;
    let literal = |out: &mut String, s: &str| {
        if word {
            out.push_str(&s.replace('\'', "'\\''"));
        } else {
            out.push_str(s);
        }
    };
    if word {
        out.push('\'');
    }
    while let Some(open) = rest.find("${") {
        literal(&mut out, &rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            literal(&mut out, &rest[open..]);
            rest = "";
            break;
        };
        let name = &rest[open + 2..open + close];
        let value = match name {
            "workspaceFolder" | "workspaceRoot" | "cwd" => Err(workspace.to_owned()),
            "workspaceFolderBasename" => Err(Path::new(workspace)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()),
            "userHome" => Ok("HOME".to_owned()),
            "pathSeparator" | "/" => Err("/".to_owned()),
            n if n.starts_with("env:") => Ok(n[4..].to_owned()),
            n => Ok(format!(
                "VSCODE_{}",
                n.chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect::<String>()
            )),
        };
        match value {
            // A value the file shows.
            Err(v) => literal(&mut out, &v),
            // A variable of the shell.
            Ok(var) if word => out.push_str(&format!("'\"${{{var}}}\"'")),
            Ok(var) => out.push_str(&format!("${{{var}}}")),
        }
        rest = &rest[open + close + 1..];
    }
    literal(&mut out, rest);
    if word {
        out.push('\'');
    }
    out
}

/// A word for the shell, single-quoted when it needs to be.
fn quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@=+".contains(c))
        && !s.is_empty()
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// JSON with comments (`//`, `/* */`) and trailing commas made plain JSON; strings are
/// kept as they are, and every byte keeps its line.
fn plain_json(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            if c == b'\\' && i + 1 < bytes.len() {
                out.push_str(&text[i..i + 2]);
                i += 2;
                continue;
            }
            if c == b'"' {
                in_string = false;
            }
            let len = utf8_len(c);
            out.push_str(&text[i..i + len]);
            i += len;
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                out.push('"');
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    if bytes[i] == b'\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
                i += 2;
            }
            b',' => {
                // A comma followed (past blanks and comments) by `}` or `]` is dropped.
                let rest = plain_json_tail(&text[i + 1..]);
                if !rest.starts_with(['}', ']']) {
                    out.push(',');
                }
                i += 1;
            }
            _ => {
                let len = utf8_len(c);
                out.push_str(&text[i..i + len]);
                i += len;
            }
        }
    }
    out
}

/// The rest of the text past blanks and comments.
fn plain_json_tail(mut rest: &str) -> &str {
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r);
        } else {
            return rest;
        }
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        commands(text, "/w")
            .unwrap()
            .into_iter()
            .map(|c| c.command)
            .collect()
    }

    #[test]
    fn shell_and_process_tasks_with_their_overrides() {
        let text = r#"{
  // comments and trailing commas, as VS Code allows
  "version": "2.0.0",
  "tasks": [
    {"label": "build", "type": "shell", "command": "npm run build", "group": "build",},
    {"label": "clean", "type": "process", "command": "rm",
     "args": ["-rf", "${userHome}/.ssh"]},
    {"label": "os", "type": "shell", "command": "make",
     "linux": {"command": "rm -rf ~"}, "windows": {"command": "del /s x"}},
    {"label": "ts", "type": "typescript", "tsconfig": "tsconfig.json"},
    {"label": "lint", "type": "npm", "script": "lint"},
    {"label": "sp", "type": "shell", "command": "echo", "args": ["a b", "${file}"],
     "options": {"cwd": "${workspaceFolder}/sub", "env": {"A": "1"}}},
    /* the end */
  ],
}"#;
        assert_eq!(
            lines(text),
            vec![
                "npm run build",
                "'rm' '-rf' ''\"${HOME}\"'/.ssh'",
                "rm -rf ~",
                "make",
                "npm run lint",
                "export A=\"1\"; echo \"a b\" ${VSCODE_file}",
            ]
        );
        let c = commands(text, "/w").unwrap();
        assert_eq!(c[5].dir, "/w/sub");
        assert!(commands("{", "/w").is_err());
        assert!(commands(r#"{"tasks": 1}"#, "/w").is_err());
        assert_eq!(
            lines(r#"{"command": "sh", "args": ["-c"], "tasks": [{"taskName": "x"}]}"#),
            vec!["sh -c", "sh -c"]
        );
    }

    #[test]
    fn a_workspace_file_holds_tasks_under_its_tasks_key() {
        let text = "{\n  // two folders\n  \"folders\": [{\"path\": \"a\"}, {\"path\": \"b\"}],\n  \"tasks\": {\"version\": \"2.0.0\", \"tasks\": [{\"label\": \"x\", \"command\": \"make\"},]},\n}\n";
        let tasks = workspace_tasks(text).unwrap().expect("it has tasks");
        assert_eq!(lines(&tasks), ["make"]);
        assert_eq!(workspace_tasks("{\"folders\": []}").unwrap(), None);
        assert!(workspace_tasks("{\"tasks\": [\"rm -rf ~\"]}").is_err());
        assert!(workspace_tasks("not json").is_err());
        assert!(is_workspace_file(Path::new("/w/app.code-workspace")));
        assert!(!is_workspace_file(Path::new("/w/code-workspace.json")));
    }

    #[test]
    fn comments_and_trailing_commas_are_removed() {
        assert_eq!(
            plain_json("{\"a\": \"//x\", /* c */ \"b\": [1,],}"),
            "{\"a\": \"//x\",  \"b\": [1]}"
        );
    }
}
