//! The tasks `task` (go-task) runs, judged: a small reader of `Taskfile.yml` (`tasks:`
//! with `cmds:` as strings or `- cmd:`, `deps:`, `- task:` calls, `dir:`,
//! `preconditions:` and `status:` commands, `vars:` with literal values or `sh:`),
//! bounded in what it follows.

use std::collections::{HashMap, HashSet};

use serde_yaml::Value;

use super::judge::{FileVerdict, line_of};
use super::tasks::TargetRun;
use crate::engine::Evaluation;

/// Most tasks one `task` runs that the bouncer follows.
const MAX_TASKS: usize = 64;

/// One command a task runs: its text, and the task it belongs to (`None` for `sh:`
/// variables, run when the file is read).
struct TaskCommand {
    task: Option<String>,
    command: String,
    dir: Option<String>,
}

/// Judge what `task` runs from the Taskfile `shown`, whose text is `text`.
pub(crate) fn judge_task(
    shown: &str,
    text: &str,
    run: &TargetRun,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let unreadable = |why: String| {
        vec![FileVerdict::Unreadable {
            shown: format!("`{shown}`"),
            why,
        }]
    };
    let commands = match plan(text, run.every, &run.goals, &run.vars) {
        Ok(c) => c,
        Err(why) => return unreadable(why),
    };
    let mut out = Vec::new();
    for c in commands {
        let dir = match &c.dir {
            Some(d) => run.dir.join(d),
            None => run.dir.clone(),
        };
        let evaluation = judge(&c.command, Some(&dir.display().to_string()));
        // Where the command is written: after its task's key, the first line of it.
        let key = c
            .task
            .as_deref()
            .and_then(|t| text.find(&format!("{t}:")))
            .unwrap_or(0);
        let first = c.command.lines().next().unwrap_or("").trim();
        let at = text[key..].find(first).map_or(key, |i| key + i);
        let what = match &c.task {
            Some(t) => format!("the `{t}` task"),
            None => "a `sh:` variable".to_owned(),
        };
        out.push(FileVerdict::Judged {
            shown: format!("{what} at `{shown}:{}`", line_of(text, at)),
            line: None,
            evaluation: Box::new(evaluation),
        });
    }
    out
}

/// The commands `task GOALS` runs (`default` when none), with `vars` from the command
/// line. `Err` for what the bouncer does not follow.
fn plan(
    text: &str,
    every: bool,
    goals: &[String],
    vars: &[(String, Option<String>)],
) -> Result<Vec<TaskCommand>, String> {
    let doc: Value =
        serde_yaml::from_str(text).map_err(|e| format!("it is not valid YAML ({e})"))?;
    let tasks = doc
        .get("tasks")
        .and_then(Value::as_mapping)
        .ok_or("it has no `tasks:` map")?;
    let mut values: HashMap<String, Option<String>> = HashMap::new();
    let mut out = Vec::new();
    // Variables: literal strings are known; `sh:` runs a command when the file is read.
    if let Some(v) = doc.get("vars").and_then(Value::as_mapping) {
        for (k, v) in v {
            let Some(k) = k.as_str() else { continue };
            let value = match v {
                Value::String(s) if !s.contains("{{") => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Mapping(m) => {
                    if let Some(sh) = m.get("sh").and_then(Value::as_str) {
                        out.push(TaskCommand {
                            task: None,
                            command: sh.to_owned(),
                            dir: None,
                        });
                    }
                    None
                }
                _ => None,
            };
            values.insert(k.to_owned(), value);
        }
    }
    for (k, v) in vars {
        values.insert(k.clone(), v.clone());
    }
    let included = doc.get("includes").is_some();
    let goals: Vec<String> = if every {
        tasks
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect()
    } else if goals.is_empty() {
        vec!["default".to_owned()]
    } else {
        goals.to_vec()
    };
    let find = |name: &str| -> Result<Option<&Value>, String> {
        if let Some(t) = tasks.get(name) {
            return Ok(Some(t));
        }
        // Aliases.
        for (k, t) in tasks {
            let aliased = t
                .get("aliases")
                .and_then(Value::as_sequence)
                .is_some_and(|a| a.iter().any(|a| a.as_str() == Some(name)));
            if aliased {
                let _ = k;
                return Ok(Some(t));
            }
        }
        if included
            || name.contains(':')
            || tasks
                .keys()
                .any(|k| k.as_str().is_some_and(|k| k.contains('*')))
        {
            return Err(format!(
                "the task `{name}` may come from an included Taskfile or a wildcard task"
            ));
        }
        Ok(None)
    };
    let mut queue: Vec<String> = goals.into_iter().rev().collect();
    let mut seen = HashSet::new();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if seen.len() > MAX_TASKS {
            return Err(format!("it runs more than {MAX_TASKS} tasks"));
        }
        // An unknown task stops `task` before anything runs.
        let Some(task) = find(&name)? else {
            continue;
        };
        let mut local = values.clone();
        let (cmds, deps, dir) = match task {
            Value::String(s) => (vec![Value::String(s.clone())], Vec::new(), None),
            Value::Sequence(s) => (s.clone(), Vec::new(), None),
            Value::Mapping(m) => {
                if let Some(v) = m.get("vars").and_then(Value::as_mapping) {
                    for (k, v) in v {
                        if let Some(k) = k.as_str() {
                            let known = v.as_str().filter(|s| !s.contains("{{"));
                            local.insert(k.to_owned(), known.map(str::to_owned));
                            if let Some(sh) = v.get("sh").and_then(Value::as_str) {
                                out.push(TaskCommand {
                                    task: Some(name.clone()),
                                    command: sh.to_owned(),
                                    dir: None,
                                });
                            }
                        }
                    }
                }
                let seq = |key: &str| {
                    m.get(key)
                        .and_then(Value::as_sequence)
                        .cloned()
                        .unwrap_or_default()
                };
                let mut cmds = seq("cmds");
                if let Some(cmd) = m.get("cmd") {
                    cmds.push(cmd.clone());
                }
                // `status:` and `preconditions:` run shell commands too.
                cmds.extend(seq("status"));
                cmds.extend(seq("preconditions"));
                let dir = m
                    .get("dir")
                    .and_then(Value::as_str)
                    .map(|d| expand(d, &local));
                (cmds, seq("deps"), dir)
            }
            Value::Null => (Vec::new(), Vec::new(), None),
            _ => return Err(format!("its task `{name}` is not a map")),
        };
        if let Some(d) = &dir
            && d.contains("${")
        {
            return Err(format!(
                "the task `{name}` runs in a directory only known at run time"
            ));
        }
        for dep in deps {
            match dep
                .as_str()
                .or_else(|| dep.get("task").and_then(Value::as_str))
            {
                Some(t) => queue.push(expand(t, &local)),
                None => return Err(format!("a dependency of `{name}` is not a task name")),
            }
        }
        for cmd in cmds {
            let command = match &cmd {
                Value::String(s) => Some(s.clone()),
                Value::Mapping(m) => {
                    if let Some(t) = m.get("task").and_then(Value::as_str) {
                        queue.push(expand(t, &local));
                        None
                    } else if let Some(s) =
                        m.get("cmd").or_else(|| m.get("sh")).and_then(Value::as_str)
                    {
                        Some(s.to_owned())
                    } else if let Some(d) = m.get("defer") {
                        match d {
                            Value::String(s) => Some(s.clone()),
                            _ => match d.get("task").and_then(Value::as_str) {
                                Some(t) => {
                                    queue.push(expand(t, &local));
                                    None
                                }
                                None => return Err(format!("a `defer:` of `{name}` is not read")),
                            },
                        }
                    } else if m.contains_key("msg") && !m.contains_key("cmd") {
                        None
                    } else {
                        return Err(format!(
                            "a command of `{name}` is not one the bouncer reads"
                        ));
                    }
                }
                _ => return Err(format!("a command of `{name}` is not a string")),
            };
            if let Some(command) = command {
                out.push(TaskCommand {
                    task: Some(name.clone()),
                    command: expand(&command, &local),
                    dir: dir.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// `{{.NAME}}` replaced by the value of `NAME`, or by a shell expansion that is only
/// known at run time.
fn expand(text: &str, values: &HashMap<String, Option<String>>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let expr = rest[open + 2..open + close].trim();
        let name = expr.strip_prefix('.').unwrap_or(expr);
        match values.get(name) {
            Some(Some(v)) => out.push_str(v),
            _ => {
                let clean: String = name
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.push_str(&format!("${{TASK_{clean}}}"));
            }
        }
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(text: &str, goals: &[&str]) -> Vec<String> {
        let goals: Vec<String> = goals.iter().map(|g| g.to_string()).collect();
        plan(text, false, &goals, &[])
            .unwrap()
            .into_iter()
            .map(|c| c.command)
            .collect()
    }

    #[test]
    fn tasks_deps_and_calls() {
        let text = "\
version: '3'
vars:
  OUT: dist
  REV: {sh: git rev-parse HEAD}
tasks:
  default:
    deps: [build]
    cmds:
      - echo done
  build:
    cmds:
      - go build -o {{.OUT}}/app
      - cmd: echo {{.REV}}
      - task: gen
  gen: go generate ./...
  clean:
    cmds: [rm -rf ~]
";
        assert_eq!(
            commands(text, &[]),
            vec![
                "git rev-parse HEAD",
                "echo done",
                "go build -o dist/app",
                "echo ${TASK_REV}",
                "go generate ./...",
            ]
        );
        assert_eq!(
            commands(text, &["clean"]),
            vec!["git rev-parse HEAD", "rm -rf ~"]
        );
        assert_eq!(commands(text, &["nope"]), vec!["git rev-parse HEAD"]);
        let every: Vec<String> = plan(text, true, &[], &[])
            .unwrap()
            .into_iter()
            .map(|c| c.command)
            .collect();
        assert!(every.iter().any(|c| c == "rm -rf ~"), "{every:?}");
        assert!(every.iter().any(|c| c == "go generate ./..."), "{every:?}");
        assert!(
            plan(
                "tasks:\n  a: x\nincludes:\n  b: ./b\n",
                false,
                &["c".into()],
                &[]
            )
            .is_err()
        );
        assert!(plan("{", false, &[], &[]).is_err());
    }
}
