//! GitHub Actions: `run:` steps of workflow jobs (`jobs.<id>.steps[*].run`) and of
//! composite actions (`runs.steps[*].run` in `action.yml`).
//!
//! The shell is the step's `shell:`, else the job's or the workflow's `defaults.run.shell`,
//! else GitHub's default: `bash` (`pwsh` on a Windows runner). POSIX shells are judged
//! directly, `python` as `python -c CODE`, `pwsh`/`powershell`/`cmd` as their command
//! lines, which the engine cannot read and so reviews.
//!
//! The environment a step sees is resolved before its script is judged, so that
//! `cargo_cmd: cargo` in `env:` and `$cargo_cmd build` in the script read as
//! `cargo build`, not as a program known only at run time: the workflow's, the job's
//! and the step's `env:` (the innermost wins) become `export NAME='value'` lines in
//! front of the script (pointing at the `env:` entry). A value holding an expression
//! has it replaced as below. A variable a step writes to `$GITHUB_ENV` is, in the steps
//! after it, a value the workflow chose that scan does not know: the placeholder word
//! `_NAME_`, as for make variables set elsewhere.
//!
//! `${{ ... }}` expressions are pasted into the script as text before the shell starts.
//! `${{ env.NAME }}` becomes the variable's value as above; every other expression
//! becomes the placeholder word `_expr_`. Where the expression reads
//! data an outsider controls (an issue title, a pull request's branch name, a commit
//! message), the paste is a script injection, reported as
//! `scan.actions-expression-injection`.

use std::ops::Range;

use mstro_engine::{Severity, Verdict};

use super::yaml::{self, Node};
use super::{Cwd, Extracted, Extraction, Flagged, Setting, Shell, SourceError, push_quoted};
use crate::scan::location::MappedText;

pub const INJECTION_RULE: &str = "scan.actions-expression-injection";

/// What an expression becomes in the judged script.
const PLACEHOLDER: &str = "_expr_";

pub fn extract(text: &str) -> Result<Extraction, SourceError> {
    let mut out = Extraction::default();
    for doc in yaml::load(text)? {
        let workflow_shell = default_shell(&doc);
        let workflow_env = env_of(&doc, text, &[]);
        for (job_id, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
            let runs_on = job.get("runs-on");
            let windows = runs_on.is_some_and(|r| mentions(r, "windows"));
            // A self-hosted runner is someone's machine, which lasts; a hosted one is
            // thrown away after the job.
            let self_hosted = runs_on.is_some_and(|r| mentions(r, "self-hosted"));
            let posix_matrix = posix_shell_matrix_keys(job);
            let job_shell = default_shell(job).or(workflow_shell.clone());
            let job_env = env_of(job, text, &workflow_env);
            steps(
                text,
                job.get("steps"),
                &Inherited {
                    shell: job_shell.as_deref(),
                    windows,
                    self_hosted,
                    posix_matrix: &posix_matrix,
                    env: &job_env,
                },
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
                &Inherited {
                    shell: None,
                    windows: false,
                    self_hosted: false,
                    posix_matrix: &[],
                    env: &[],
                },
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

/// Whether `runs-on` (a label, a list of labels, or `{group, labels}`) names `word`.
fn mentions(runs_on: &Node, word: &str) -> bool {
    match runs_on {
        Node::Scalar { value, .. } => value.to_ascii_lowercase().contains(word),
        Node::Sequence(items) => items.iter().any(|i| mentions(i, word)),
        Node::Mapping(_) => runs_on.get("labels").is_some_and(|l| mentions(l, word)),
        _ => false,
    }
}

/// The keys of the job's `strategy.matrix` whose every value is a POSIX-family shell
/// (nvm runs its steps under `shell: script -q -e -c "${{ matrix.shell }} {0}"` with
/// `shell: [sh, bash, dash, zsh]`), so that such a `shell:` is known to be POSIX.
fn posix_shell_matrix_keys(job: &Node) -> Vec<String> {
    let Some(matrix) = job.get("strategy").and_then(|s| s.get("matrix")) else {
        return Vec::new();
    };
    matrix
        .entries()
        .iter()
        .filter(|(_, values)| match values {
            Node::Sequence(items) => {
                !items.is_empty()
                    && items.iter().all(|i| {
                        i.as_str()
                            .is_some_and(|v| Shell::from_argv(&[v.to_owned()]).is_posix())
                    })
            }
            _ => false,
        })
        .map(|(k, _)| k.to_owned())
        .collect()
}

/// What a job (or a composite action) hands its steps.
struct Inherited<'a> {
    shell: Option<&'a str>,
    windows: bool,
    self_hosted: bool,
    /// Matrix keys whose values are all POSIX shells.
    posix_matrix: &'a [String],
    env: &'a [EnvVar],
}

/// A variable of a step's environment: its value as the script sees it, and the byte
/// offset of where it is set in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EnvVar {
    name: String,
    value: String,
    at: usize,
}

/// `inherited` with the `env:` of `node` (a workflow, job or step) over it.
fn env_of(node: &Node, text: &str, inherited: &[EnvVar]) -> Vec<EnvVar> {
    let mut env = inherited.to_vec();
    for (name, value) in node.get("env").map(Node::entries).unwrap_or_default() {
        let (Some(raw), Node::Scalar { raw: range, .. }) = (value.as_str(), value) else {
            continue;
        };
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            continue;
        }
        // `TARGET_FLAGS:` with nothing after it is empty, not the word `null`.
        let value = if matches!(text[range.clone()].trim(), "" | "~" | "null") {
            String::new()
        } else {
            let (replaced, _) = replace_expressions(&MappedText::verbatim(0, raw), inherited);
            replaced.as_str().to_owned()
        };
        set(&mut env, name, value, range.start);
    }
    env
}

fn set(env: &mut Vec<EnvVar>, name: &str, value: String, at: usize) {
    env.retain(|v| v.name != name);
    env.push(EnvVar {
        name: name.to_owned(),
        value,
        at,
    });
}

/// The names a script writes to `$GITHUB_ENV` (`echo "NAME=value" >> $GITHUB_ENV`,
/// `NAME<<EOF`), which the steps after it see.
fn github_env_writes(script: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in script.lines().filter(|l| l.contains("GITHUB_ENV")) {
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = &line[start..i];
            let boundary = start == 0 || !matches!(bytes[start - 1], b'$' | b'{' | b'.' | b'-');
            let assigns = line[i..].starts_with('=') || line[i..].starts_with("<<");
            if i > start
                && boundary
                && assigns
                && !word.starts_with(|c: char| c.is_ascii_digit())
                && word != "GITHUB_ENV"
                && !names.iter().any(|n| n == word)
            {
                names.push(word.to_owned());
            }
            i = i.max(start + 1);
        }
    }
    names
}

/// What a variable written to `$GITHUB_ENV` reads as: set by the workflow, to a value
/// scan does not know.
fn unknown_value(name: &str) -> String {
    format!("_{name}_")
}

fn steps(
    text: &str,
    steps: Option<&Node>,
    inherited: &Inherited,
    origin: &str,
    out: &mut Extraction,
) {
    let Some(Node::Sequence(steps)) = steps else {
        return;
    };
    // The job's environment as `$GITHUB_ENV` writes of earlier steps leave it.
    let mut job_env = inherited.env.to_vec();
    for (i, step) in steps.iter().enumerate() {
        let Some(run) = step.get("run").and_then(|r| r.mapped(text)) else {
            continue;
        };
        let shell_name = step
            .get("shell")
            .and_then(Node::as_str)
            .or(inherited.shell)
            .unwrap_or(if inherited.windows { "pwsh" } else { "bash" });
        let origin = format!("{origin}[{i}].run");
        let env = env_of(step, text, &job_env);
        let (script, expressions) = replace_expressions(&run, &env);
        for (span, expression) in expressions {
            if let Some(context) = untrusted_context(&expression) {
                out.flagged
                    .push(injection(span, &expression, context, &origin));
            }
        }
        let shell = shell_of(shell_name, inherited.posix_matrix);
        let command = if shell.is_posix() {
            with_env(&env, &script)
        } else {
            script
        };
        for name in github_env_writes(run.as_str()) {
            let value = unknown_value(&name);
            set(&mut job_env, &name, value, run.start());
        }
        out.commands.push(Extracted {
            shell,
            command,
            cwd: Cwd::Root,
            origin,
            setting: inherited.self_hosted.then_some(Setting::Machine),
        });
    }
}

/// `script` after `export NAME='value'` lines for its environment, each pointing at
/// where the variable is set.
fn with_env(env: &[EnvVar], script: &MappedText) -> MappedText {
    if env.is_empty() {
        return script.clone();
    }
    let mut out = MappedText::new();
    for var in env {
        out.push_synthetic(var.at, &format!("export {}=", var.name));
        let mut quoted = MappedText::new();
        quoted.push_synthetic(var.at, &var.value);
        if var.value.is_empty() {
            out.push_synthetic(var.at, "''");
        } else {
            push_quoted(&mut out, &quoted);
        }
        out.push_synthetic(var.at, "\n");
    }
    out.push_mapped(script);
    out
}

/// `bash`, `python`, or a custom `perl {0}` / `bash --noprofile -e {0}`.
/// The shell a step's `shell:` names. It is a command line with `{0}` for the script
/// file, split as the runner splits it (quotes respected). A wrapper that runs its
/// `-c` string through a shell (`script -q -e -c "bash {0}"`) is looked through, and a
/// `${{ matrix.KEY }}` whose values are all POSIX shells is one.
fn shell_of(shell: &str, posix_matrix: &[String]) -> Shell {
    // `${{ matrix.shell }}` is one word to the runner, which pastes its value in.
    let shell = without_blanks_in_expressions(shell);
    let Some(mut argv) = shlex::split(&shell) else {
        // Unbalanced quotes: the runner would not start it; judge it as written.
        return Shell::Interpreter(vec![shell]);
    };
    if argv.first().is_some_and(|p| p == "script")
        && let Some(i) = argv.iter().position(|w| w == "-c" || w == "--command")
        && let Some(inner) = argv.get(i + 1).and_then(|c| shlex::split(c))
    {
        argv = inner;
    }
    argv.retain(|w| !w.contains("{0}"));
    if let Some(first) = argv.first_mut()
        && let Some(key) = matrix_key(first)
        && posix_matrix.iter().any(|k| k == key)
    {
        *first = "sh".to_owned();
    }
    Shell::from_argv(&argv)
}

/// `text` with the blanks inside each `${{ ... }}` removed.
fn without_blanks_in_expressions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("${{") {
        let Some(close) = rest[open..].find("}}").map(|i| open + i + 2) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.extend(rest[open..close].chars().filter(|c| !c.is_whitespace()));
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// `KEY` of a whole-word `${{ matrix.KEY }}` (blanks removed).
fn matrix_key(word: &str) -> Option<&str> {
    word.strip_prefix("${{")?
        .strip_suffix("}}")?
        .trim()
        .strip_prefix("matrix.")
        .filter(|k| {
            k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

/// The script with every `${{ ... }}` replaced: `${{ env.NAME }}` by the variable's
/// value in `env` when it has one, anything else by [`PLACEHOLDER`]; and each
/// expression (its source byte range, its inner text).
fn replace_expressions(
    run: &MappedText,
    env: &[EnvVar],
) -> (MappedText, Vec<(Range<usize>, String)>) {
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
        let inner = s[open + 3..close - 2].trim();
        let value = inner
            .strip_prefix("env.")
            .and_then(|name| env.iter().find(|v| v.name == name))
            .map_or(PLACEHOLDER, |v| v.value.as_str());
        out.push_replacement(source.clone(), value);
        found.push((source, inner.to_owned()));
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
    use crate::scan::location::LineIndex;

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
    fn the_environment_is_resolved_before_judging() {
        let src = "\
env:
  CARGO: cargo
  EMPTY:
jobs:
  t:
    env:
      TARGET: ${{ matrix.target }}
    steps:
      - run: ${{ env.CARGO }} build --target $TARGET
        env:
          CARGO: cross
      - run: echo \"BIN=target/rg\" >> $GITHUB_ENV
      - run: |
          \"$BIN\" --version ${{ env.CARGO }}
";
        let e = extract(src).unwrap();
        let got: Vec<&str> = e.commands.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(
            got,
            [
                "export EMPTY=''\nexport TARGET=_expr_\nexport CARGO=cross\ncross build --target $TARGET",
                "export CARGO=cargo\nexport EMPTY=''\nexport TARGET=_expr_\necho \"BIN=target/rg\" >> $GITHUB_ENV",
                "export CARGO=cargo\nexport EMPTY=''\nexport TARGET=_expr_\nexport BIN=_BIN_\n\"$BIN\" --version cargo\n",
            ]
        );
        // The exports point at where each variable is set.
        let idx = LineIndex::new(src);
        let c = &e.commands[0].command;
        let p = idx.position(c.origin(c.as_str().find("cross").unwrap()));
        assert_eq!(p.line, 11);
    }

    #[test]
    fn a_custom_shell_is_split_as_the_runner_splits_it() {
        let posix = ["shell".to_owned()];
        for (shell, is_posix) in [
            // nvm: `script` runs its -c string through the matrix's shell.
            ("script -q -e -c \"${{ matrix.shell }} {0}\"", true),
            ("script -q -e -c \"bash {0}\"", true),
            ("bash --noprofile --norc -eo pipefail {0}", true),
            ("python {0}", false),
            // A matrix key whose values are not all POSIX shells says nothing.
            ("${{ matrix.other }} {0}", false),
            ("pwsh -command \". '{0}'\"", false),
        ] {
            assert_eq!(shell_of(shell, &posix).is_posix(), is_posix, "{shell}");
        }
        let text = "jobs:\n  t:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        shell: [sh, bash, zsh]\n        awk: [gawk, mawk]\n    steps:\n      - run: echo hi\n        shell: 'script -q -e -c \"${{ matrix.shell }} {0}\"'\n      - run: echo hi\n        shell: '${{ matrix.awk }} {0}'\n";
        let e = extract(text).unwrap();
        let got: Vec<bool> = e.commands.iter().map(|c| c.shell.is_posix()).collect();
        assert_eq!(got, vec![true, false]);
    }

    #[test]
    fn self_hosted_jobs_run_on_someones_machine() {
        let text = "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n  b:\n    runs-on: [self-hosted, linux]\n    steps:\n      - run: make\n  c:\n    runs-on:\n      group: big\n      labels: [self-hosted]\n    steps:\n      - run: make\n";
        let e = extract(text).unwrap();
        let got: Vec<Option<Setting>> = e.commands.iter().map(|c| c.setting).collect();
        assert_eq!(
            got,
            vec![None, Some(Setting::Machine), Some(Setting::Machine)]
        );
    }

    #[test]
    fn composite_actions() {
        let src = "runs:\n  using: composite\n  steps:\n    - run: make\n      shell: sh\n";
        let e = extract(src).unwrap();
        assert_eq!(e.commands.len(), 1);
        assert_eq!(e.commands[0].origin, "runs.steps[0].run");
    }
}
