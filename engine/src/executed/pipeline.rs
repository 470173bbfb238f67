//! CI pipelines written to be run: a GitHub Actions workflow (`.github/workflows/*.yml`)
//! or composite action (`action.yml`), and a GitLab CI file (`.gitlab-ci.yml`). A push
//! runs them on a runner that holds the repository's secrets, so a Write or Edit that
//! leaves one is judged by every script it holds: each step's `run:` in the shell (or
//! interpreter) it names, each job's `before_script`/`script`/`after_script` as one
//! script. A `${{ ... }}` expression is a value only known when the workflow runs.
//! (`scan` reads the same files with positions and environments; this is the hook's
//! lighter reading of what is being written.)

use std::path::Path;

use serde_yaml::Value;

use super::judge::{FileVerdict, line_of};
use crate::engine::Evaluation;

/// Most scripts judged from one file.
const MAX_SCRIPTS: usize = 256;

/// Which pipeline format a path is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    GitHubActions,
    GitLabCi,
}

fn format_of(path: &str) -> Option<Format> {
    let p = Path::new(path);
    let name = p.file_name()?.to_str()?.to_ascii_lowercase();
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    let parent = p.parent()?;
    if yaml && parent.ends_with(".github/workflows") {
        return Some(Format::GitHubActions);
    }
    if name == "action.yml" || name == "action.yaml" {
        return Some(Format::GitHubActions);
    }
    if name == ".gitlab-ci.yml" || name.ends_with(".gitlab-ci.yml") {
        return Some(Format::GitLabCi);
    }
    None
}

/// Is the file at `path` a CI pipeline this module reads?
pub(crate) fn is_pipeline(path: &str) -> bool {
    format_of(path).is_some()
}

/// One script a pipeline runs.
#[derive(Debug, PartialEq, Eq)]
struct Script {
    /// Where it is, for the reason: `job `build` step 3`.
    place: String,
    /// What runs it: a shell command line judging the script, or the program of a
    /// `shell:` the engine does not read.
    command: Result<String, String>,
    /// A line of the script as written, to find its line in the file.
    first_line: String,
}

/// Judge every script of the pipeline at `path` holding `text`.
pub(crate) fn judge_pipeline(
    path: &str,
    text: &str,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let Some(format) = format_of(path) else {
        return Vec::new();
    };
    let p = Path::new(path);
    let shown = match format {
        Format::GitHubActions if p.parent().is_some_and(|d| d.ends_with(".github/workflows")) => {
            format!(
                ".github/workflows/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            )
        }
        _ => p
            .file_name()
            .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned()),
    };
    // Jobs start in the repository's checkout.
    let root = match format {
        Format::GitHubActions => p.ancestors().nth(3),
        Format::GitLabCi => p.parent(),
    }
    .map(|d| d.display().to_string());
    let unreadable = |why: String| {
        vec![FileVerdict::Unreadable {
            shown: format!("`{shown}`"),
            why,
        }]
    };
    let doc: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => return unreadable(format!("it is not valid YAML ({e})")),
    };
    let scripts = match format {
        Format::GitHubActions => github_scripts(&doc),
        Format::GitLabCi => gitlab_scripts(&doc),
    };
    if scripts.len() > MAX_SCRIPTS {
        return unreadable(format!("it has more than {MAX_SCRIPTS} scripts"));
    }
    scripts
        .into_iter()
        .map(|s| {
            let at = text.find(s.first_line.trim()).unwrap_or(0);
            let shown = format!("`{shown}` {}", s.place);
            match s.command {
                Ok(command) => FileVerdict::Judged {
                    shown,
                    line: Some(line_of(text, at)),
                    evaluation: Box::new(judge(&command, root.as_deref())),
                },
                Err(program) => FileVerdict::Unreadable {
                    shown,
                    why: format!("it runs in `{program}`, which the bouncer does not read"),
                },
            }
        })
        .collect()
}

/// `${{ ... }}` replaced by a variable only known at run time.
fn without_expressions(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let mut rest = script;
    while let Some(open) = rest.find("${{") {
        let Some(close) = rest[open..].find("}}").map(|i| open + i + 2) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str("${MSTRO_GITHUB_EXPRESSION}");
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// The shell command line that runs `script` in a step's `shell:`; the program, when
/// it is one the engine does not read.
fn in_shell(shell: &str, script: &str) -> Result<String, String> {
    let script = without_expressions(script);
    let program = shell
        .split_whitespace()
        .next()
        .unwrap_or("bash")
        .rsplit('/')
        .next()
        .unwrap_or("bash")
        .to_ascii_lowercase();
    let quoted = format!("'{}'", script.replace('\'', r"'\''"));
    Ok(match program.as_str() {
        "bash" | "sh" | "dash" | "zsh" | "ksh" => script,
        p if p.starts_with("python") => format!("python3 -c {quoted}"),
        "node" => format!("node -e {quoted}"),
        // The engine reviews the PowerShell and cmd it cannot read.
        "pwsh" | "powershell" => format!("pwsh -Command {quoted}"),
        "cmd" => format!("cmd /c {quoted}"),
        other => return Err(other.to_owned()),
    })
}

fn str_at<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    let mut at = v;
    for k in keys {
        at = at.get(*k)?;
    }
    at.as_str()
}

fn github_scripts(doc: &Value) -> Vec<Script> {
    let mut out = Vec::new();
    let workflow_shell = str_at(doc, &["defaults", "run", "shell"]);
    if let Some(jobs) = doc.get("jobs").and_then(Value::as_mapping) {
        for (id, job) in jobs {
            let id = id.as_str().unwrap_or("?");
            let windows = job.get("runs-on").is_some_and(|r| {
                serde_yaml::to_string(r).is_ok_and(|s| s.to_ascii_lowercase().contains("windows"))
            });
            let job_shell = str_at(job, &["defaults", "run", "shell"])
                .or(workflow_shell)
                .unwrap_or(if windows { "pwsh" } else { "bash" });
            steps(
                job.get("steps"),
                job_shell,
                &format!("job `{id}`"),
                &mut out,
            );
        }
    }
    if str_at(doc, &["runs", "using"]) == Some("composite") {
        steps(
            doc.get("runs").and_then(|r| r.get("steps")),
            "bash",
            "the action's",
            &mut out,
        );
    }
    out
}

fn steps(steps: Option<&Value>, shell: &str, owner: &str, out: &mut Vec<Script>) {
    let Some(steps) = steps.and_then(Value::as_sequence) else {
        return;
    };
    for (i, step) in steps.iter().enumerate() {
        let Some(run) = step.get("run").and_then(Value::as_str) else {
            continue;
        };
        let shell = step.get("shell").and_then(Value::as_str).unwrap_or(shell);
        out.push(Script {
            place: format!("{owner} step {}", i + 1),
            command: in_shell(shell, run),
            first_line: first_code_line(run),
        });
    }
}

/// GitLab's keys that are not jobs.
const GITLAB_GLOBAL: &[&str] = &[
    "stages",
    "variables",
    "include",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
];

fn gitlab_scripts(doc: &Value) -> Vec<Script> {
    let mut out = Vec::new();
    let Some(top) = doc.as_mapping() else {
        return out;
    };
    let mut job = |name: &str, value: &Value| {
        for key in ["before_script", "script", "after_script"] {
            let lines = script_lines(value.get(key));
            if lines.is_empty() {
                continue;
            }
            out.push(Script {
                place: format!("`{name}` {key}"),
                command: Ok(without_expressions(&lines.join("\n"))),
                first_line: lines[0].clone(),
            });
        }
    };
    // The global `before_script`/`after_script` (old style) and `default:`.
    job("(global)", doc);
    if let Some(default) = top.get("default") {
        job("default", default);
    }
    for (name, value) in top {
        let name = name.as_str().unwrap_or("?");
        if GITLAB_GLOBAL.contains(&name) || name == "default" || !value.is_mapping() {
            continue;
        }
        job(name, value);
    }
    out
}

/// A GitLab script: a string, or a list of strings and nested lists (from anchors).
fn script_lines(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(items)) => items.iter().flat_map(|i| script_lines(Some(i))).collect(),
        _ => Vec::new(),
    }
}

/// The first line of a script that is code, to find where it is in the file.
fn first_code_line(script: &str) -> String {
    script
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_files_are_pipelines() {
        for p in [
            "/r/.github/workflows/ci.yml",
            "/r/.github/workflows/release.yaml",
            "/r/action.yml",
            "/r/.gitlab-ci.yml",
            "/r/ci/deploy.gitlab-ci.yml",
        ] {
            assert!(is_pipeline(p), "{p}");
        }
        for p in [
            "/r/workflows/ci.yml",
            "/r/.github/dependabot.yml",
            "/r/ci.yml",
        ] {
            assert!(!is_pipeline(p), "{p}");
        }
    }

    #[test]
    fn github_steps_in_their_shells() {
        let doc: Value = serde_yaml::from_str(
            "defaults:\n  run:\n    shell: bash\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo ${{ github.head_ref }}\n      - run: print(1)\n        shell: python\n  w:\n    runs-on: windows-latest\n    defaults:\n      run:\n        shell: pwsh\n    steps:\n      - run: dir\n",
        )
        .unwrap();
        let got: Vec<(String, String)> = github_scripts(&doc)
            .into_iter()
            .map(|s| (s.place, s.command.unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "job `a` step 2".to_owned(),
                    "echo ${MSTRO_GITHUB_EXPRESSION}".to_owned()
                ),
                (
                    "job `a` step 3".to_owned(),
                    "python3 -c 'print(1)'".to_owned()
                ),
                (
                    "job `w` step 1".to_owned(),
                    "pwsh -Command 'dir'".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn gitlab_jobs_and_defaults() {
        let doc: Value = serde_yaml::from_str(
            "stages: [test]\ndefault:\n  before_script: [apt-get update]\nvariables:\n  X: y\ntest:\n  script:\n    - cargo test\n    - [echo a, echo b]\n.hidden:\n  script: make\n",
        )
        .unwrap();
        let got: Vec<(String, String)> = gitlab_scripts(&doc)
            .into_iter()
            .map(|s| (s.place, s.command.unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "`default` before_script".to_owned(),
                    "apt-get update".to_owned()
                ),
                (
                    "`test` script".to_owned(),
                    "cargo test\necho a\necho b".to_owned()
                ),
                ("`.hidden` script".to_owned(), "make".to_owned()),
            ]
        );
    }
}
