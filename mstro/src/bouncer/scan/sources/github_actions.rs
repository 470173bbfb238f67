//! GitHub Actions: `run:` steps of workflow jobs (`jobs.<id>.steps[*].run`) and of
//! composite actions (`runs.steps[*].run` in `action.yml`).
//!
//! The shell is the step's `shell:`, else the job's or the workflow's `defaults.run.shell`,
//! else GitHub's default: `bash` (`pwsh` on a Windows runner). POSIX shells are judged
//! directly, `python` as `python -c CODE`, `pwsh`/`powershell`/`cmd` as their command
//! lines, which the engine cannot read and so reviews.
//!
//! `${{ ... }}` expressions are pasted into the script as text before the shell starts.
//! For judging, each becomes the placeholder word `_expr_`. Where the expression reads
//! data an outsider controls (an issue title, a pull request's branch name, a commit
//! message), the paste is a script injection, reported as
//! `scan.actions-expression-injection`.

use std::ops::Range;

use mstro_engine::{Severity, Verdict};

use super::yaml::{self, Node};
use super::{Cwd, Extracted, Extraction, Flagged, Shell, SourceError};
use crate::bouncer::scan::location::MappedText;

pub const INJECTION_RULE: &str = "scan.actions-expression-injection";

/// What an expression becomes in the judged script.
const PLACEHOLDER: &str = "_expr_";

pub fn extract(text: &str) -> Result<Extraction, SourceError> {
    let mut out = Extraction::default();
    for doc in yaml::load(text)? {
        let workflow_shell = default_shell(&doc);
        for (job_id, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
            let windows = job.get("runs-on").is_some_and(mentions_windows);
            let job_shell = default_shell(job).or(workflow_shell.clone());
            steps(
                text,
                job.get("steps"),
                job_shell.as_deref(),
                windows,
                &format!("jobs.{job_id}.steps"),
                &mut out,
            );
        }
        let runs = doc.get("runs");
        if runs
            .and_then(|r| r.get("using"))
            .and_then(Node::as_str)
            .is_some_and(|u| u == "composite")
        {
            steps(
                text,
                runs.and_then(|r| r.get("steps")),
                None,
                false,
                "runs.steps",
                &mut out,
            );
        }
    }
    Ok(out)
}

/// `defaults.run.shell` of a workflow or job.
fn default_shell(node: &Node) -> Option<String> {
    node.get("defaults")?
        .get("run")?
        .get("shell")?
        .as_str()
        .map(str::to_owned)
}

fn mentions_windows(runs_on: &Node) -> bool {
    match runs_on {
        Node::Scalar { value, .. } => value.to_ascii_lowercase().contains("windows"),
        Node::Sequence(items) => items.iter().any(mentions_windows),
        _ => false,
    }
}

fn steps(
    text: &str,
    steps: Option<&Node>,
    inherited_shell: Option<&str>,
    windows: bool,
    origin: &str,
    out: &mut Extraction,
) {
    let Some(Node::Sequence(steps)) = steps else {
        return;
    };
    for (i, step) in steps.iter().enumerate() {
        let Some(run) = step.get("run").and_then(|r| r.mapped(text)) else {
            continue;
        };
        let shell_name = step
            .get("shell")
            .and_then(Node::as_str)
            .or(inherited_shell)
            .unwrap_or(if windows { "pwsh" } else { "bash" });
        let origin = format!("{origin}[{i}].run");
        let (command, expressions) = replace_expressions(&run);
        for (span, expression) in expressions {
            if let Some(context) = untrusted_context(&expression) {
                out.flagged
                    .push(injection(span, &expression, context, &origin));
            }
        }
        out.commands.push(Extracted {
            shell: shell_of(shell_name),
            command,
            cwd: Cwd::Root,
            origin,
        });
    }
}

/// `bash`, `python`, or a custom `perl {0}` / `bash --noprofile -e {0}`.
fn shell_of(shell: &str) -> Shell {
    let argv: Vec<String> = shell
        .split_whitespace()
        .filter(|w| !w.contains("{0}"))
        .map(str::to_owned)
        .collect();
    Shell::from_argv(&argv)
}

/// The script with every `${{ ... }}` replaced by [`PLACEHOLDER`], and each expression
/// (its source byte range, its inner text).
fn replace_expressions(run: &MappedText) -> (MappedText, Vec<(Range<usize>, String)>) {
    let s = run.as_str();
    let mut out = MappedText::new();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = s[at..].find("${{").map(|i| at + i) {
        let Some(close) = s[open + 3..].find("}}").map(|i| open + 3 + i + 2) else {
            break;
        };
        out.push_slice(run, at..open);
        let source = run.origin(open)..run.origin(close - 1) + 1;
        out.push_replacement(source.clone(), PLACEHOLDER);
        found.push((source, s[open + 3..close - 2].trim().to_owned()));
        at = close;
    }
    out.push_slice(run, at..s.len());
    (out, found)
}

/// Event properties that whoever triggers the event writes: issue and pull request
/// text, comments, commit messages and authors, branch names (the list actionlint and
/// GitHub's own hardening guide use). `*` is any one property or index.
const UNTRUSTED: &[&str] = &[
    "github.head_ref",
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.repo.default_branch",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.pages.*.page_name",
    "github.event.commits.*.message",
    "github.event.commits.*.author.email",
    "github.event.commits.*.author.name",
    "github.event.head_commit.message",
    "github.event.head_commit.author.email",
    "github.event.head_commit.author.name",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit.message",
    "github.event.workflow_run.head_commit.author.email",
    "github.event.workflow_run.head_commit.author.name",
    "github.event.workflow_run.pull_requests.*.head.ref",
];

/// The first context path in `expression` that carries untrusted text: one of
/// [`UNTRUSTED`], or an object holding one (`github.event.issue`, `toJSON(github.event)`).
fn untrusted_context(expression: &str) -> Option<String> {
    context_paths(expression)
        .into_iter()
        .find(|path| {
            UNTRUSTED.iter().any(|pattern| {
                let pattern: Vec<&str> = pattern.split('.').collect();
                !path.is_empty()
                    && path.len() <= pattern.len()
                    && path
                        .iter()
                        .zip(&pattern)
                        .all(|(seg, pat)| *pat == "*" || seg == pat)
            })
        })
        .map(|p| p.join("."))
}

/// The dotted context paths in an expression, lower-cased, with indexes (`[0]`, `[*]`,
/// `['x']`) as segments: `github.event.commits[0].message` is
/// `[github, event, commits, *, message]`.
fn context_paths(expression: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut chars = expression.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if !(c.is_ascii_alphabetic() || c == '_') {
            chars.next();
            // Skip string literals: `'github.event.issue.title'` is text, not a context.
            if c == '\'' {
                for (_, q) in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                }
            }
            continue;
        }
        let mut end = start;
        let mut depth = 0;
        for (i, c) in chars.by_ref() {
            match c {
                '[' => depth += 1,
                ']' if depth > 0 => depth -= 1,
                c if depth > 0
                    || c.is_ascii_alphanumeric()
                    || matches!(c, '_' | '-' | '.' | '*') => {}
                _ => break,
            }
            end = i + c.len_utf8();
        }
        let path = &expression[start..end];
        let mut segments = Vec::new();
        for part in path.split(['.', '[']) {
            let part = part.trim_end_matches(']').trim_matches(['\'', '"']);
            if part.is_empty() {
                continue;
            }
            let part = if part.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                part
            };
            segments.push(part.to_ascii_lowercase());
        }
        paths.push(segments);
    }
    paths
}

fn injection(span: Range<usize>, expression: &str, context: String, origin: &str) -> Flagged {
    Flagged {
        span,
        rule_id: INJECTION_RULE,
        description: "A GitHub Actions expression pastes text that outsiders control into a \
                      `run:` script, where it can run as code.",
        verdict: Verdict::Review,
        severity: Severity::High,
        reason: format!(
            "`${{{{ {expression} }}}}` is pasted into the script before the shell runs, and \
             `{context}` is written by whoever triggers the workflow: text like \
             `$(curl … | sh)` in it runs as code."
        ),
        alternative: Some(
            "Pass it through the environment: set `env: VALUE: ${{ … }}` on the step and use \
             \"$VALUE\" in the script."
                .to_owned(),
        ),
        origin: origin.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bouncer::scan::location::LineIndex;

    const WORKFLOW: &str = "\
on: [push, issues]
jobs:
  test:
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: sh
    steps:
      - uses: actions/checkout@v4
      - run: cargo test --target ${{ matrix.target }}
      - name: notes
        shell: python
        run: |
          import os
          print(os.getcwd())
      - run: |
          echo \"${{ github.event.issue.title }}\"
  win:
    runs-on: windows-latest
    steps:
      - run: Get-ChildItem
";

    #[test]
    fn run_steps_with_shells_and_positions() {
        let e = extract(WORKFLOW).unwrap();
        let got: Vec<(&str, &str, Shell)> = e
            .commands
            .iter()
            .map(|c| (c.origin.as_str(), c.command.as_str(), c.shell.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "jobs.test.steps[1].run",
                    "cargo test --target _expr_",
                    Shell::Posix
                ),
                (
                    "jobs.test.steps[2].run",
                    "import os\nprint(os.getcwd())\n",
                    Shell::Interpreter(vec!["python".into(), "-c".into()])
                ),
                ("jobs.test.steps[3].run", "echo \"_expr_\"\n", Shell::Posix),
                (
                    "jobs.win.steps[0].run",
                    "Get-ChildItem",
                    Shell::Interpreter(vec!["pwsh".into(), "-Command".into()])
                ),
            ]
        );
        let idx = LineIndex::new(WORKFLOW);
        let print = &e.commands[1].command;
        let p = idx.position(print.origin(print.as_str().find("print").unwrap()));
        assert_eq!((p.line, p.column), (15, 11));
    }

    #[test]
    fn untrusted_expressions_are_flagged_where_they_are() {
        let e = extract(WORKFLOW).unwrap();
        assert_eq!(e.flagged.len(), 1, "{:?}", e.flagged);
        let f = &e.flagged[0];
        assert_eq!(f.rule_id, INJECTION_RULE);
        assert_eq!(&WORKFLOW[f.span.clone()], "${{ github.event.issue.title }}");
        let p = LineIndex::new(WORKFLOW).position(f.span.start);
        assert_eq!((p.line, p.column), (17, 17));
    }

    #[test]
    fn which_contexts_are_untrusted() {
        let u = |e: &str| untrusted_context(e);
        assert_eq!(
            u("github.event.issue.title").as_deref(),
            Some("github.event.issue.title")
        );
        assert!(u("github.event.pull_request.head.ref").is_some());
        assert!(u("github.head_ref").is_some());
        assert!(u("github.event.commits[0].message").is_some());
        assert!(u("toJSON(github.event)").is_some());
        assert!(u("toJSON(github)").is_some());
        assert!(u("github.event.issue").is_some());
        assert!(u("github.event['issue'].body").is_some());
        assert!(u("GitHub.Event.Issue.Title").is_some());
        assert!(u("github.event.pull_request.number").is_none());
        assert!(u("github.sha").is_none());
        assert!(u("matrix.os == 'github.event.issue.title'").is_none());
        assert!(u("secrets.TOKEN").is_none());
        assert!(u("github.event.pull_request.head.sha").is_none());
    }

    #[test]
    fn composite_actions() {
        let src = "runs:\n  using: composite\n  steps:\n    - run: make\n      shell: sh\n";
        let e = extract(src).unwrap();
        assert_eq!(e.commands.len(), 1);
        assert_eq!(e.commands[0].origin, "runs.steps[0].run");
    }
}
