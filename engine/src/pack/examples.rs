//! Running each rule's examples through the whole engine: a `match` example must make
//! the rule fire (and the engine's verdict be at least the rule's), a `no_match`
//! example must not make it fire.

use std::fmt;

use serde::Serialize;

use super::format::{Example, RuleSpec};
use super::{PackSource, line_of_rule};
use crate::engine::Engine;
use crate::operation::ToolCall;
use crate::path::PathEnv;
use crate::policy::Mode;
use crate::verdict::Verdict;

/// The working directory examples run in (inside [`PathEnv::fixture`]'s home).
pub const EXAMPLE_CWD: &str = "/home/dev/project";

/// An example that did not behave as its rule promises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExampleFailure {
    pub file: String,
    pub line: Option<usize>,
    pub rule: String,
    pub example: String,
    pub problem: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        write!(
            f,
            ": rule {}: example `{}`: {}",
            self.rule, self.example, self.problem
        )
    }
}

/// Check every example of the given packs against `engine` (which must have loaded them).
pub fn check_examples(engine: &Engine, sources: &[PackSource]) -> Vec<ExampleFailure> {
    let env = PathEnv::fixture();
    let mut failures = Vec::new();
    for source in sources {
        let mode = source
            .pack
            .modes
            .as_ref()
            .and_then(|m| m.first().copied())
            .unwrap_or(Mode::Repl);
        for rule in &source.pack.rules {
            let Some(examples) = &rule.examples else {
                continue;
            };
            let fail = |example: &Example, problem: String| ExampleFailure {
                file: source.file.clone(),
                line: source
                    .text
                    .as_deref()
                    .and_then(|t| line_of_rule(t, &rule.id)),
                rule: rule.id.clone(),
                example: describe(example),
                problem,
            };
            for ex in &examples.matches {
                if let Some(problem) = check_match(engine, rule, ex, &env, mode) {
                    failures.push(fail(ex, problem));
                }
            }
            for ex in &examples.no_match {
                match run(engine, ex, &env, mode) {
                    Ok(eval) if eval.fired.iter().any(|id| **id == rule.id) => failures.push(fail(
                        ex,
                        format!(
                            "should not fire, but did (verdict {})",
                            eval.judgement.verdict
                        ),
                    )),
                    Ok(_) => {}
                    Err(e) => failures.push(fail(ex, e)),
                }
            }
        }
    }
    failures
}

fn check_match(
    engine: &Engine,
    rule: &RuleSpec,
    ex: &Example,
    env: &PathEnv,
    mode: Mode,
) -> Option<String> {
    let eval = match run(engine, ex, env, mode) {
        Ok(e) => e,
        Err(e) => return Some(e),
    };
    let got = eval.judgement.verdict;
    if !eval.fired.iter().any(|id| **id == rule.id) {
        let others = if eval.fired.is_empty() {
            "nothing fired".to_owned()
        } else {
            format!("fired: {}", eval.fired.join(", "))
        };
        return Some(format!(
            "should fire, but did not ({others}; verdict {got})"
        ));
    }
    let ok = match rule.verdict {
        Verdict::Allow => got == Verdict::Allow,
        wanted => got >= wanted,
    };
    (!ok).then(|| {
        format!(
            "fired, but the engine's verdict is {got} ({}: {})",
            eval.judgement.rule_ids.join(", "),
            eval.judgement.reason
        )
    })
}

fn run(
    engine: &Engine,
    ex: &Example,
    env: &PathEnv,
    mode: Mode,
) -> Result<crate::engine::Evaluation, String> {
    let call = match ex {
        Example::Command(cmd) => ToolCall::bash(cmd.clone()).with_cwd(EXAMPLE_CWD),
        Example::Call(c) => ToolCall {
            tool_name: c.tool.clone(),
            tool_input: c.input.clone(),
            cwd: Some(c.cwd.clone().unwrap_or_else(|| EXAMPLE_CWD.to_owned())),
        },
    };
    engine
        .judge(&call, env, mode)
        .map_err(|e| format!("not a valid tool call: {e}"))
}

fn describe(ex: &Example) -> String {
    match ex {
        Example::Command(c) => c.clone(),
        Example::Call(c) => format!("{} {}", c.tool, c.input),
    }
}
