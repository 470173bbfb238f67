//! Why the engine decided what it decided: the invocations it saw, how it resolved
//! their paths, every candidate rule and why it fired or not, and the time per stage.

use std::time::Instant;

use serde::Serialize;

use crate::config::SwitchKind;
use crate::engine::Engine;
use crate::operation::{InputError, Operation, ToolCall};
use crate::path::{PathEnv, WordClasses, absolutize, classify_word};
use crate::policy::Mode;
use crate::rules::{RuleSet, ShellScene, Subject, ToolScene};
use crate::shell::{self, Context, Finding};
use crate::span::Span;
use crate::verdict::{Judgement, RuleId, Verdict};

/// The whole story of one judgement.
#[derive(Debug, Serialize)]
pub struct Explanation {
    pub operation: Operation,
    pub judgement: Judgement,
    /// For Bash (and MCP calls carrying a command): each invocation.
    pub invocations: Vec<InvocationReport>,
    pub findings: Vec<Finding>,
    /// For other tools: the paths and the tool rules checked.
    pub paths: Vec<PathReport>,
    pub tool_rules: Vec<CandidateReport>,
    pub timings_us: Timings,
}

/// Time per stage, in microseconds.
#[derive(Debug, Serialize)]
pub struct Timings {
    /// Parsing and building the shell model.
    pub model: u64,
    /// The judgement as the hook makes it (model included).
    pub judgement: u64,
    /// Everything, including this report.
    pub total: u64,
}

/// One invocation as the rules saw it.
#[derive(Debug, Serialize)]
pub struct InvocationReport {
    pub index: usize,
    pub program: String,
    pub argv: Vec<String>,
    pub wrappers: Vec<String>,
    pub contexts: Vec<&'static str>,
    pub cwd: Option<String>,
    pub span: Span,
    pub redirects: Vec<String>,
    pub env: Vec<String>,
    pub upstream: Vec<usize>,
    pub downstream: Vec<usize>,
    pub output_executed: bool,
    pub background: bool,
    pub self_call: bool,
    pub stdin: Option<String>,
    pub code: Option<String>,
    /// Semantic flags present, as the packs' vocabulary for the program names them.
    pub flags: Vec<String>,
    /// Options with their values, as written (`--namespace=prod`).
    pub options: Vec<String>,
    pub operands: Vec<PathReport>,
    /// Rules the keyword gate let through, and what they made of it.
    pub candidates: Vec<CandidateReport>,
    /// Rules the keyword gate ruled out without checking.
    pub gated_out: usize,
}

/// A word or path and how it resolved.
#[derive(Debug, Serialize)]
pub struct PathReport {
    pub word: String,
    pub resolved: Option<String>,
    /// Classes some match may have.
    pub classes: Vec<&'static str>,
    /// Classes every match has (differs from `classes` for globs).
    pub certain: Vec<&'static str>,
}

/// One candidate rule.
#[derive(Debug, Serialize)]
pub struct CandidateReport {
    pub rule: RuleId,
    /// What firing it means here: the rule's verdict, or `review` when it holds only for
    /// what a pattern or a value known at run time may be.
    pub verdict: Verdict,
    pub fired: bool,
    /// It holds only for what a pattern or a value known at run time may be.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub possibly: bool,
    /// The condition that did not hold (`program`, `flags`, `operands`, `unless`, ...).
    pub why_not: Option<String>,
    /// The user switched it off: it never fires (a critical override is still reported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switched_off: Option<SwitchKind>,
}

impl CandidateReport {
    fn new(rules: &RuleSet, r: u32, subject: Subject) -> Self {
        let rule = &rules.rules[r as usize];
        let result = rule.check(subject);
        // As the engine judges: a rule that tightens must hold for certain, or it is a
        // review (see `Engine::fires`).
        let possibly = result.is_ok() && rule.verdict != Verdict::Allow && {
            subject.read_certainly(true);
            let certain = rule.check(subject).is_ok();
            subject.read_certainly(false);
            !certain
        };
        let switched_off = rules.switch(r);
        CandidateReport {
            rule: rule.id.clone(),
            verdict: if possibly {
                Verdict::Review
            } else {
                rule.verdict
            },
            possibly,
            fired: result.is_ok() && switched_off.is_none(),
            why_not: match (&result, switched_off) {
                (Err(m), _) => Some(m.0.to_owned()),
                (Ok(()), Some(SwitchKind::Disabled)) => Some("disabled_rules".to_owned()),
                (Ok(()), Some(SwitchKind::CriticalOverride)) => {
                    Some("critical_overrides (would have fired)".to_owned())
                }
                (Ok(()), None) => None,
            },
            switched_off,
        }
    }
}

const SHOWN: usize = 200;

fn shorten(s: &str) -> String {
    if s.chars().count() <= SHOWN {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(SHOWN).collect::<String>())
    }
}

impl Engine {
    /// Judge a tool call and explain the judgement.
    pub fn explain(
        &self,
        call: &ToolCall,
        env: &PathEnv,
        mode: Mode,
    ) -> Result<Explanation, InputError> {
        let start = Instant::now();
        let env = &*env.for_call(call.cwd.as_deref());
        let op = Operation::from_call(call, env)?;
        let cwd = call.cwd.as_deref();

        let judge_start = Instant::now();
        let evaluation = self.judge_operation(op.clone(), cwd, env, mode);
        let judgement_us = judge_start.elapsed().as_micros() as u64;

        let model_start = Instant::now();
        let command = match &op {
            Operation::Bash { command } => Some((command.as_str(), Context::Top)),
            Operation::Mcp {
                command: Some(c), ..
            } => Some((c.as_str(), Context::ToolInput)),
            _ => None,
        };
        let model = command.map(|(c, ctx)| shell::model_in(c, env, cwd, self.limits(), ctx));
        let model_us = model_start.elapsed().as_micros() as u64;

        let rules = self.rules();
        let mut invocations = Vec::new();
        if let Some(m) = &model {
            let scene = ShellScene::new(m, &rules.clis, env);
            for (idx, inv) in m.invocations.iter().enumerate() {
                let candidates: Vec<CandidateReport> = rules
                    .gate
                    .candidates(scene.text(idx))
                    .into_iter()
                    .filter(|&r| rules.active(&rules.rules[r as usize], mode))
                    .map(|r| CandidateReport::new(rules, r, Subject::Invocation(&scene, idx)))
                    .collect();
                let shell_rules = rules
                    .rules
                    .iter()
                    .filter(|r| {
                        r.target == crate::rules::RuleTarget::Shell && rules.active(r, mode)
                    })
                    .count();
                // The report reads the words with every scope's vocabulary.
                scene.read_with(u8::MAX);
                let operands = scene
                    .parsed(idx)
                    .operands
                    .iter()
                    .map(|&w| {
                        let word = &inv.argv[w];
                        let WordClasses { may, must, .. } = classify_word(
                            &word.text,
                            word.glob,
                            &word.holes(),
                            env,
                            inv.cwd.as_deref(),
                        );
                        PathReport {
                            word: word.text.clone(),
                            resolved: (!word.unresolved)
                                .then(|| absolutize(&word.text, inv.cwd.as_deref()))
                                .flatten(),
                            classes: may.names(),
                            certain: must.names(),
                        }
                    })
                    .collect();
                let parsed = scene.parsed(idx);
                let mut flags: Vec<String> = rules
                    .program(&inv.program)
                    .map(|cli| {
                        cli.flags
                            .iter()
                            .filter(|(_, spec)| spec.present(parsed))
                            .map(|(name, _)| name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                flags.sort();
                let options = parsed
                    .options
                    .iter()
                    .map(|o| format!("{}={}", o.spelling, shorten(&o.value)))
                    .collect();
                invocations.push(InvocationReport {
                    flags,
                    options,
                    index: idx,
                    program: inv.program.clone(),
                    argv: inv
                        .argv
                        .iter()
                        .map(|w| {
                            if w.unresolved {
                                format!("{} (unresolved)", w.text)
                            } else {
                                w.text.clone()
                            }
                        })
                        .collect(),
                    wrappers: inv.wrappers.clone(),
                    contexts: inv.contexts.names(),
                    cwd: inv.cwd.clone(),
                    span: inv.span,
                    redirects: inv
                        .redirects
                        .iter()
                        .map(|r| {
                            format!(
                                "{}{} {}",
                                r.fd.map(|f| f.to_string()).unwrap_or_default(),
                                redirect_op(r.op),
                                shorten(&r.target.text)
                            )
                        })
                        .collect(),
                    env: inv
                        .env
                        .iter()
                        .map(|(k, v)| format!("{k}={}", shorten(v)))
                        .collect(),
                    upstream: inv.upstream.clone(),
                    downstream: inv.downstream.clone(),
                    output_executed: inv.output_executed,
                    background: inv.background,
                    self_call: inv.self_call,
                    stdin: inv.stdin.as_deref().map(shorten),
                    code: inv.code.as_ref().map(|c| {
                        format!(
                            "{}: {}",
                            c.language.name(),
                            c.text
                                .as_deref()
                                .map(shorten)
                                .unwrap_or_else(|| "(unreadable)".into())
                        )
                    }),
                    operands,
                    gated_out: shell_rules.saturating_sub(candidates.len()),
                    candidates,
                });
            }
        }

        let mut paths = Vec::new();
        let mut tool_rules = Vec::new();
        if !matches!(op, Operation::Bash { .. }) {
            let scene = ToolScene::new(&op, env, cwd);
            for (path, glob) in op.paths() {
                let WordClasses { may, must, .. } = classify_word(&path, glob, &[], env, cwd);
                paths.push(PathReport {
                    resolved: absolutize(&path, cwd),
                    word: path,
                    classes: may.names(),
                    certain: must.names(),
                });
            }
            for &r in rules.tool_rules.get(&op.kind()).into_iter().flatten() {
                let rule = &rules.rules[r as usize];
                if !rules.active(rule, mode) {
                    continue;
                }
                tool_rules.push(CandidateReport::new(rules, r, Subject::Tool(&scene)));
            }
        }

        Ok(Explanation {
            judgement: evaluation.judgement,
            findings: model.map(|m| m.findings).unwrap_or_default(),
            operation: op,
            invocations,
            paths,
            tool_rules,
            timings_us: Timings {
                model: model_us,
                judgement: judgement_us,
                total: start.elapsed().as_micros() as u64,
            },
        })
    }
}

fn redirect_op(op: crate::shell::RedirectOp) -> &'static str {
    use crate::shell::RedirectOp::*;
    match op {
        Read => "<",
        Write => ">",
        Append => ">>",
        ReadWrite => "<>",
        Duplicate => ">&",
        Heredoc => "<<",
        Herestring => "<<<",
    }
}
