//! The engine: compiled rules plus the shell model, judging one operation at a time.

use thiserror::Error;

use crate::config::{Config, ConfigError, SwitchKind};
use crate::executed::{self, FileVerdict};
use crate::operation::{InputError, Operation, ToolCall};
use crate::pack::{PackError, PackSource, builtin_sources};
use crate::path::PathEnv;
use crate::policy::Mode;
use crate::rules::{RuleSet, RuleTarget, ShellScene, Subject, ToolScene, compile};
use crate::shell::execution::CodeSource;
use crate::shell::{self, Context, Finding, FindingKind, Limits, ShellModel};
use crate::span::Span;
use crate::verdict::{Basis, Judgement, RuleId, Severity, Verdict};

/// Why the engine could not be built. The hook turns this into a `deny`.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error("rule packs do not load:\n{}", .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Packs(Vec<PackError>),
}

/// The bouncer engine.
#[derive(Debug)]
pub struct Engine {
    rules: RuleSet,
    limits: Limits,
}

/// A judgement with what led to it.
#[derive(Debug)]
pub struct Evaluation {
    pub judgement: Judgement,
    pub operation: Operation,
    /// Every rule that fired anywhere in the operation, in order, without repeats.
    pub fired: Vec<RuleId>,
    /// The shell model, for Bash (and MCP calls carrying a command).
    pub model: Option<ShellModel>,
    /// `critical` rules the user overrode that would have fired here. Consumers report
    /// every one: an override is never silent.
    pub overridden: Vec<RuleId>,
    /// The clock cut the judgement short, here or in a file it judged: it depends on
    /// more than its input (how busy the machine was), so it must not be kept and
    /// reused.
    pub cut_short: bool,
}

/// The rule of a judgement the clock cut short (`FindingKind::TooSlow`).
const DEADLINE_RULE: &str = "budget.deadline";

/// The rule that reviews running a local script because its code was not read; when
/// the engine reads and judges the file, the file's verdict replaces it.
const UNREAD_SCRIPT_RULE: &str = "execution.local-script";
/// The rule id of a file a command runs that the bouncer cannot read or locate.
const FILE_UNREADABLE: &str = "shell.unreadable-file";
/// The rule id of a file a command runs whose code no rule vouched for.
const FILE_JUDGED: &str = "shell.executed-file";

/// The rule id of an MCP argument whose derived operation no rule named.
const MCP_ARGUMENT: &str = "mcp.argument";
/// Operations derived from an MCP call are judged one level deep: they are never MCP
/// calls themselves, but a command among them may run a file.
const MAX_DERIVED_DEPTH: u8 = 4;

/// How a rule fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fired {
    /// For what the operation certainly is: the rule's own verdict.
    Certainly(Verdict),
    /// Only for what a pattern or a value known at run time may be: a review.
    Possibly,
}

/// One reason toward a verdict: a rule that fired, or a model finding.
#[derive(Debug, Clone)]
struct Hit {
    verdict: Verdict,
    severity: Severity,
    rule: RuleId,
    reason: String,
    alternative: Option<String>,
    span: Span,
}

impl Engine {
    /// The engine with the built-in packs.
    pub fn builtin() -> Result<Engine, EngineError> {
        let sources = builtin_sources(false).map_err(|e| EngineError::Packs(vec![e]))?;
        Engine::from_sources(&sources).map_err(EngineError::Packs)
    }

    /// An engine over these packs (built-in first, then user, then project).
    pub fn from_sources(sources: &[PackSource]) -> Result<Engine, Vec<PackError>> {
        Ok(Engine {
            rules: compile(sources)?,
            limits: Limits::default(),
        })
    }

    /// An engine over every configuration layer, with the user's switches applied.
    /// An unknown rule id, or a `critical` rule in `disabled_rules`, is an error.
    pub fn from_config(config: &Config) -> Result<Engine, ConfigError> {
        let mut rules = compile(&config.sources)?;
        let mut errors = Vec::new();
        for switch in &config.switches {
            let located = |message: String| PackError {
                line: switch.line,
                ..PackError::for_rule(&switch.file, &switch.rule, message)
            };
            let index = rules.index_of(&switch.rule);
            // A shipped rule this call did not need is not loaded (see `Relevance`), but
            // the same configuration must be as valid for every call.
            let critical = match index {
                Some(i) => rules.rules[i as usize].severity == Severity::Critical,
                None => match crate::pack::builtin_rule(&switch.rule) {
                    Some(r) => r.critical,
                    None => {
                        errors.push(located(
                            "there is no rule with this id (see `mstro-bouncer packs list`)".into(),
                        ));
                        continue;
                    }
                },
            };
            if switch.kind == SwitchKind::Disabled && critical {
                errors.push(located(
                    "is a critical rule and cannot be disabled; to switch it off anyway, list it under `critical_overrides:` (every use is then reported)".into(),
                ));
                continue;
            }
            if let Some(index) = index {
                rules.switched_off.insert(index, switch.kind);
            }
        }
        if !errors.is_empty() {
            return Err(ConfigError(errors));
        }
        let mut limits = Limits::default();
        if let Some(deadline) = config.deadline {
            limits.deadline = deadline;
        }
        Ok(Engine { rules, limits })
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Judge a tool call. Only malformed input is an error.
    pub fn judge(
        &self,
        call: &ToolCall,
        env: &PathEnv,
        mode: Mode,
    ) -> Result<Evaluation, InputError> {
        let env = env.for_call(call.cwd.as_deref());
        let op = Operation::from_call(call, &env)?;
        Ok(self.judge_operation(op, call.cwd.as_deref(), &env, mode))
    }

    /// Judge a normalised operation.
    pub fn judge_operation(
        &self,
        op: Operation,
        cwd: Option<&str>,
        env: &PathEnv,
        mode: Mode,
    ) -> Evaluation {
        self.judge_at_depth(op, cwd, env, mode, 0)
    }

    /// Judge a command line a file holds (a script's text, a `package.json` script),
    /// run from `dir`, `depth` files deep.
    fn judge_file_command(
        &self,
        command: &str,
        dir: Option<&str>,
        env: &PathEnv,
        mode: Mode,
        depth: u8,
    ) -> Evaluation {
        let op = Operation::Bash {
            command: command.to_owned(),
        };
        self.judge_at_depth(op, dir, &env.for_call(dir), mode, depth)
    }

    /// Judge an operation found `depth` files deep (a command a script runs).
    fn judge_at_depth(
        &self,
        op: Operation,
        cwd: Option<&str>,
        env: &PathEnv,
        mode: Mode,
        depth: u8,
    ) -> Evaluation {
        let mut hits = Vec::new();
        let mut fired = Vec::new();
        let mut cut_short = false;
        let mut vouched = true;
        let mut unvouched_span = None;
        let mut unvouched_what = None;
        let mut model = None;
        let mut overridden = Vec::new();
        let started = std::time::Instant::now();

        let command = match &op {
            Operation::Bash { command } => Some((command.as_str(), Context::Top)),
            Operation::Mcp {
                command: Some(c), ..
            } => Some((c.as_str(), Context::ToolInput)),
            _ => None,
        };
        if !matches!(op, Operation::Bash { .. }) {
            let scene = ToolScene::new(&op, env, cwd);
            let mut allowed = false;
            for &r in self.rules.tool_rules.get(&op.kind()).into_iter().flatten() {
                let rule = &self.rules.rules[r as usize];
                if let Some(how) = self.fires(r, Subject::Tool(&scene), mode, &mut overridden) {
                    allowed |= how == Fired::Certainly(Verdict::Allow);
                    fired.push(rule.id.clone());
                    let span = Span::new(0, op.primary_text().len());
                    hits.push(Hit::of_rule(rule, how, span));
                }
            }
            if !allowed {
                vouched = false;
                unvouched_span = Some(Span::new(0, op.primary_text().len()));
                unvouched_what = Some(format!("{} call", op.kind()));
            }
            // What an MCP call's arguments carry (a path, a URL, a command, SQL) is
            // judged as the operation it is; it can only make the call stricter.
            if let Operation::Mcp {
                server,
                tool,
                input,
                ..
            } = &op
                && depth < MAX_DERIVED_DEPTH
            {
                let span = Span::new(0, op.primary_text().len());
                for arg in crate::operation::mcp_derived(server, tool, input, env, cwd) {
                    let what = format!("{} ({})", arg.taken_as, arg.operation.primary_text());
                    let sub = self.judge_at_depth(arg.operation, cwd, env, mode, depth + 1);
                    for hit in Hit::of_argument(&arg.key, &what, sub.judgement, span) {
                        if !fired.contains(&hit.rule) {
                            fired.push(hit.rule.clone());
                        }
                        hits.push(hit);
                    }
                    overridden.extend(sub.overridden);
                }
            }
            // Code written to be run is judged now, as it will be when it runs.
            // An edit is judged on what it leaves in the file, when the file is there
            // to read; the new text alone otherwise.
            let left;
            let written = match &op {
                Operation::Write { path, content } => Some((path, content.as_str())),
                Operation::Edit {
                    path,
                    new_text,
                    edits,
                    ..
                } => {
                    left = executed::after_edit(path, edits);
                    Some((path, left.as_deref().unwrap_or(new_text)))
                }
                _ => None,
            };
            let mut judge_code = |command: &str, dir: Option<&str>| {
                self.judge_file_command(command, dir, env, mode, depth + 1)
            };
            // A notebook's code cells run when the notebook does.
            let files = match (&op, written) {
                (
                    Operation::NotebookEdit {
                        path,
                        source,
                        code: true,
                    },
                    _,
                ) => executed::judge_edited_cell(path, source, cwd, &mut judge_code),
                (_, Some((path, text))) if path.to_ascii_lowercase().ends_with(".ipynb") => {
                    executed::judge_notebook(path, text, cwd, &mut judge_code)
                }
                // A pushed workflow runs on a runner that holds the repository's secrets.
                (_, Some((path, text))) if executed::is_pipeline(path) => {
                    executed::judge_pipeline(path, text, &mut judge_code)
                }
                (_, Some((path, text))) => {
                    executed::judge_written(path, text, cwd, &mut judge_code)
                }
                _ => Vec::new(),
            };
            if !files.is_empty() {
                let span = Span::new(0, op.primary_text().len());
                for file in files {
                    cut_short |= file.cut_short();
                    for hit in Hit::of_file(file, span, true) {
                        if !fired.contains(&hit.rule) {
                            fired.push(hit.rule.clone());
                        }
                        hits.push(hit);
                    }
                }
            }
        }
        if let Some((command, context)) = command {
            let m = shell::model_in(command, env, cwd, &self.limits, context);
            let scene = ShellScene::new(&m, &self.rules.clis, env);
            let mut late = None;
            for idx in 0..m.invocations.len() {
                if started.elapsed() > self.limits.deadline {
                    late = Some(Finding {
                        kind: FindingKind::TooSlow,
                        span: m.invocations[idx].span,
                        detail: format!(
                            "over {} ms; {} of {} commands judged",
                            self.limits.deadline.as_millis(),
                            idx,
                            m.invocations.len()
                        ),
                    });
                    vouched = false;
                    break;
                }
                let mut allowed = false;
                let before = hits.len();
                let fired_before = fired.len();
                // A program written as a glob could be any program: no keyword gate applies.
                let program = &m.invocations[idx].program;
                let help = crate::help_only::help_only(&m.invocations[idx]);
                let candidates = if help {
                    // `terraform destroy --help` prints usage: no rule about acting applies.
                    Vec::new()
                } else if program.contains(['*', '?', '[']) {
                    (0..self.rules.rules.len() as u32)
                        .filter(|&r| self.rules.rules[r as usize].target == RuleTarget::Shell)
                        .collect()
                } else {
                    self.rules.gate.candidates(scene.text(idx))
                };
                for r in candidates {
                    let rule = &self.rules.rules[r as usize];
                    let subject = Subject::Invocation(&scene, idx);
                    if let Some(how) = self.fires(r, subject, mode, &mut overridden) {
                        allowed |= how == Fired::Certainly(Verdict::Allow);
                        if !fired.contains(&rule.id) {
                            fired.push(rule.id.clone());
                        }
                        hits.push(Hit::of_rule(rule, how, m.invocations[idx].span));
                    }
                }
                // Unknown is never vouched for: an argument only known at run time of a
                // program some rule tightens may be exactly what that rule looks for
                // (`git $(x) --hard`).
                let inv = &m.invocations[idx];
                let tightened = hits[before..].iter().any(|h| h.verdict != Verdict::Allow);
                if !tightened
                    && self.rules.guards(&inv.program)
                    && let Some(w) = unknown_operand(&scene, idx)
                {
                    let finding = Finding {
                        kind: FindingKind::UnknownArgument,
                        span: inv.span,
                        detail: format!("`{}` of `{}`", w.text, inv.program),
                    };
                    let id = FindingKind::UnknownArgument.rule_id();
                    if !fired.iter().any(|r| &**r == id) {
                        fired.push(id.into());
                    }
                    hits.push(Hit::of_finding(&finding));
                }
                // What it runs from disk (`python3 tidy.py`, `npm test`) is judged too.
                let mut judge_file = |command: &str, dir: Option<&str>| {
                    self.judge_file_command(command, dir, env, mode, depth + 1)
                };
                // `npm --version` prints and stops: it reads no `package.json` script.
                let files = match help {
                    true => Vec::new(),
                    false => executed::judge_files(inv, &m.invocations, depth, &mut judge_file),
                };
                let read = !files.is_empty()
                    && files
                        .iter()
                        .all(|f| matches!(f, FileVerdict::Judged { .. }));
                if read {
                    // The file was read and judged: its own verdict stands in for the rule
                    // that reviews a script because the bouncer had not read it, and a file
                    // whose every part is allowed vouches for the command that runs it.
                    let mut k = 0;
                    hits.retain(|h| {
                        k += 1;
                        k <= before || &*h.rule != UNREAD_SCRIPT_RULE
                    });
                    let mut k = 0;
                    fired.retain(|r| {
                        k += 1;
                        k <= fired_before || &**r != UNREAD_SCRIPT_RULE
                    });
                    // Only a file whose every part a rule vouched for vouches: one that
                    // runs a command no rule knows is as unvouched as that command.
                    allowed |= files.iter().all(|f| match f {
                        FileVerdict::Judged { evaluation, .. } => {
                            evaluation.judgement.verdict == Verdict::Allow
                                && evaluation.judgement.basis == Basis::Rule
                        }
                        FileVerdict::Unreadable { .. } => false,
                    });
                }
                for file in files {
                    cut_short |= file.cut_short();
                    for hit in Hit::of_file(file, inv.span, false) {
                        if !fired.contains(&hit.rule) {
                            fired.push(hit.rule.clone());
                        }
                        hits.push(hit);
                    }
                }
                if !allowed && vouched {
                    vouched = false;
                    unvouched_span = Some(m.invocations[idx].span);
                    unvouched_what = Some(format!("`{}`", m.invocations[idx].program));
                }
            }
            hits.extend(m.findings.iter().chain(&late).map(Hit::of_finding));
            if m.invocations.is_empty() {
                vouched = false;
            }
            drop(scene);
            model = Some(m);
        }

        cut_short |= hits.iter().any(|h| &*h.rule == DEADLINE_RULE);
        let whole = Span::new(0, op.primary_text().len());
        let judgement = combine(
            hits,
            vouched,
            unvouched_span.unwrap_or(whole),
            unvouched_what,
            whole,
        );
        Evaluation {
            judgement,
            operation: op,
            fired,
            model,
            overridden,
            cut_short,
        }
    }

    /// Does rule `r` fire on `subject`, and for certain? A rule that holds only for what
    /// a glob or a value known at run time *may* be, and not for what it plausibly is
    /// (see [`crate::path::WordClasses`]), fires only possibly: a `review` whatever the
    /// rule says (`tee /etc/s*` may write sudoers but need not). A rule under a
    /// critical override never fires, but when it would have, it is noted in
    /// `overridden`.
    fn fires(
        &self,
        r: u32,
        subject: Subject,
        mode: Mode,
        overridden: &mut Vec<RuleId>,
    ) -> Option<Fired> {
        let rule = &self.rules.rules[r as usize];
        if !self.rules.active(rule, mode) {
            return None;
        }
        match self.rules.switch(r) {
            Some(SwitchKind::Disabled) => None,
            Some(SwitchKind::CriticalOverride) => {
                if rule.check(subject).is_ok() && !overridden.contains(&rule.id) {
                    overridden.push(rule.id.clone());
                }
                None
            }
            None => {
                rule.check(subject).ok()?;
                if rule.verdict == Verdict::Allow {
                    return Some(Fired::Certainly(Verdict::Allow));
                }
                subject.read_certainly(true);
                let certain = rule.check(subject).is_ok();
                subject.read_certainly(false);
                Some(match (certain, rule.verdict) {
                    (true, v) => Fired::Certainly(v),
                    (false, _) => Fired::Possibly,
                })
            }
        }
    }
}

/// An argument of invocation `idx` only known at run time that stands where a flag, a
/// subcommand or an operand does: not the value of an option the program's vocabulary
/// declares (`git commit -m "$MSG"` is a message, whatever it says), nor a word after
/// `--`.
fn unknown_operand<'s>(scene: &'s ShellScene, idx: usize) -> Option<&'s crate::shell::Word> {
    let inv = &scene.model.invocations[idx];
    if !inv.args().iter().any(|w| w.unresolved) {
        return None;
    }
    scene.read_with(u8::MAX);
    let parsed = scene.parsed(idx);
    // After `--` there are no more flags or subcommands: only operands, which the
    // rules about what a program reads, writes and deletes judge on their own.
    let end = inv
        .argv
        .iter()
        .position(|w| w.text == "--" && !w.unresolved)
        .unwrap_or(inv.argv.len());
    // The words after the script an interpreter runs are the script's own (`node w.js
    // --queue "$Q"`): the script is judged from its file, where they are unknown too.
    let script = match crate::shell::execution::code_source(&inv.program, &inv.argv) {
        CodeSource::Interpreter(i) if i.code_words.is_empty() => i.script,
        CodeSource::ShellScript { word } | CodeSource::Source { word } => Some(word),
        _ => None,
    };
    let end = script.map_or(end, |s| end.min(s + 1));
    inv.argv[..end]
        .iter()
        .enumerate()
        .skip(1)
        .find_map(|(i, w)| {
            let decides = w.text.starts_with('-') || parsed.operands.contains(&i);
            (w.unresolved && decides && !w.is_process_substitution()).then_some(w)
        })
}

impl Hit {
    fn of_rule(rule: &crate::rules::Rule, how: Fired, span: Span) -> Hit {
        // A rule that only possibly applies explains less than one that certainly does.
        let (verdict, reason, severity) = match how {
            Fired::Certainly(v) => (v, rule.reason.clone(), rule.severity),
            Fired::Possibly => (
                Verdict::Review,
                format!("{} {}", rule.reason, crate::verdict::ONLY_POSSIBLY),
                rule.severity.min(Severity::Medium),
            ),
        };
        Hit {
            verdict,
            severity,
            rule: rule.id.clone(),
            reason,
            alternative: rule.alternative.clone(),
            span,
        }
    }

    /// What judging a file adds (one the invocation runs, or one a write leaves
    /// behind): the file's deciding rules, with the file and line in the reason.
    fn of_file(file: FileVerdict, span: Span, written: bool) -> Vec<Hit> {
        match file {
            FileVerdict::Unreadable { shown, why } => vec![Hit {
                verdict: Verdict::Review,
                severity: Severity::Medium,
                rule: FILE_UNREADABLE.into(),
                reason: format!("it runs {shown}, which the bouncer cannot judge: {why}"),
                alternative: None,
                span,
            }],
            FileVerdict::Judged {
                shown,
                line,
                evaluation,
            } => {
                let j = evaluation.judgement;
                if j.verdict == Verdict::Allow {
                    return Vec::new();
                }
                let rule_ids = if j.rule_ids.is_empty() {
                    vec![FILE_JUDGED.into()]
                } else {
                    j.rule_ids
                };
                let place = match line {
                    Some(l) => format!("{shown}, line {l}"),
                    None => shown,
                };
                rule_ids
                    .into_iter()
                    .map(|rule| Hit {
                        verdict: j.verdict,
                        severity: j.severity,
                        rule,
                        reason: if written {
                            format!("the code it writes to {place}, once run: {}", j.reason)
                        } else {
                            format!("it runs {place}: {}", j.reason)
                        },
                        alternative: j.alternative.clone(),
                        span,
                    })
                    .collect()
            }
        }
    }

    /// What an MCP argument adds, judged as the operation it carries: its deciding
    /// rules, never an allow (the call's own verdict is the floor).
    fn of_argument(key: &str, what: &str, j: Judgement, span: Span) -> Vec<Hit> {
        if j.verdict == Verdict::Allow {
            return Vec::new();
        }
        let rule_ids = if j.rule_ids.is_empty() {
            vec![MCP_ARGUMENT.into()]
        } else {
            j.rule_ids
        };
        rule_ids
            .into_iter()
            .map(|rule| Hit {
                verdict: j.verdict,
                severity: j.severity,
                rule,
                reason: format!("its argument `{key}`, {what}: {}", j.reason),
                alternative: j.alternative.clone(),
                span,
            })
            .collect()
    }

    fn of_finding(f: &Finding) -> Hit {
        let severity = match f.kind {
            FindingKind::Confusable | FindingKind::CodeFromPipe => Severity::High,
            _ => Severity::Medium,
        };
        Hit {
            verdict: Verdict::Review,
            severity,
            rule: f.kind.rule_id().into(),
            reason: format!("{} ({})", f.kind.reason(), f.detail),
            alternative: None,
            span: f.span,
        }
    }
}

/// Deny over review over allow; within a level the most severe hit explains.
fn combine(
    mut hits: Vec<Hit>,
    vouched: bool,
    unvouched_span: Span,
    unvouched_what: Option<String>,
    whole: Span,
) -> Judgement {
    for level in [Verdict::Deny, Verdict::Review] {
        let mut at: Vec<&mut Hit> = hits.iter_mut().filter(|h| h.verdict == level).collect();
        if at.is_empty() {
            continue;
        }
        at.sort_by_key(|h| std::cmp::Reverse(h.severity));
        let mut rule_ids: Vec<RuleId> = Vec::new();
        for h in &at {
            if !rule_ids.contains(&h.rule) {
                rule_ids.push(h.rule.clone());
            }
        }
        let top = &at[0];
        return Judgement {
            verdict: level,
            basis: Basis::Rule,
            rule_ids,
            reason: top.reason.clone(),
            alternative: top.alternative.clone(),
            severity: top.severity,
            span: top.span,
        };
    }
    if vouched && !hits.is_empty() {
        let mut rule_ids: Vec<RuleId> = Vec::new();
        for h in &hits {
            if !rule_ids.contains(&h.rule) {
                rule_ids.push(h.rule.clone());
            }
        }
        return Judgement {
            verdict: Verdict::Allow,
            basis: Basis::Rule,
            rule_ids,
            reason: hits[0].reason.clone(),
            alternative: None,
            severity: Severity::Low,
            span: whole,
        };
    }
    let mut j = Judgement::default_allow(unvouched_span);
    if let Some(what) = unvouched_what {
        j.reason = format!("no rule matched {what}");
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(verdict: Verdict, severity: Severity, rule: &str) -> Hit {
        Hit {
            verdict,
            severity,
            rule: rule.into(),
            reason: format!("{rule} reason"),
            alternative: None,
            span: Span::new(0, 1),
        }
    }

    #[test]
    fn deny_beats_review_beats_allow_and_the_most_severe_explains() {
        let hits = vec![
            hit(Verdict::Allow, Severity::Low, "a.allow"),
            hit(Verdict::Review, Severity::Medium, "a.review-medium"),
            hit(Verdict::Review, Severity::High, "a.review-high"),
        ];
        let j = combine(hits.clone(), true, Span::default(), None, Span::default());
        assert_eq!(j.verdict, Verdict::Review);
        assert_eq!(
            j.rule_ids,
            vec![
                RuleId::from("a.review-high"),
                RuleId::from("a.review-medium")
            ]
        );
        assert_eq!(j.reason, "a.review-high reason");
        let mut with_deny = hits;
        with_deny.push(hit(Verdict::Deny, Severity::Critical, "a.deny"));
        assert_eq!(
            combine(with_deny, true, Span::default(), None, Span::default()).verdict,
            Verdict::Deny
        );
    }

    #[test]
    fn an_allow_is_vouched_only_when_every_part_was() {
        let allow = vec![hit(Verdict::Allow, Severity::Low, "a.allow")];
        let vouched = combine(allow.clone(), true, Span::default(), None, Span::default());
        assert_eq!(
            (vouched.verdict, vouched.basis),
            (Verdict::Allow, Basis::Rule)
        );
        let partly = combine(
            allow,
            false,
            Span::new(3, 5),
            Some("`x`".into()),
            Span::default(),
        );
        assert_eq!(
            (partly.verdict, partly.basis),
            (Verdict::Allow, Basis::Default)
        );
        assert_eq!(
            partly.span,
            Span::new(3, 5),
            "points at what no rule vouched for"
        );
        assert_eq!(partly.reason, "no rule matched `x`");
    }
}
