//! One command end to end (bash in the sandbox, the engine's model, the comparison), and
//! the statistics of many.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use mstro_engine::PathEnv;
use mstro_engine::shell::{self, Invocation, Limits, ShellModel};

use crate::compare::{self, Divergence, Verdict};
use crate::driver::{HOME, PROJECT};
use crate::record::{Exec, Outcome};
use crate::sandbox::{Sandbox, SandboxError};

/// The engine's model of `command` as run in the sandbox's project directory.
pub fn model(command: &str) -> ShellModel {
    shell::model(
        command,
        &PathEnv::new(HOME, Some(PROJECT)),
        Some(PROJECT),
        &Limits::default(),
    )
}

/// One command: what bash ran, what the engine extracted, and the verdict on each exec.
#[derive(Debug, Clone)]
pub struct Checked {
    pub command: String,
    pub outcome: Outcome,
    pub model: ShellModel,
    pub verdicts: Vec<Verdict>,
}

/// Run `command` in the sandbox and compare it with the engine's model.
pub fn check(
    sandbox: &mut Sandbox,
    command: &str,
    syntax_check: bool,
) -> Result<Checked, SandboxError> {
    let outcome = sandbox.run(command, syntax_check)?;
    Ok(judge(command, outcome))
}

/// Compare an outcome (from the sandbox, or made up by a test) with the engine's model.
pub fn judge(command: &str, outcome: Outcome) -> Checked {
    let model = model(command);
    let verdicts = compare::compare(&model, &outcome.execs);
    Checked {
        command: command.to_owned(),
        outcome,
        model,
        verdicts,
    }
}

impl Checked {
    /// The execs the engine missed or got wrong, with how.
    pub fn divergences(&self) -> Vec<(&Exec, Divergence)> {
        self.outcome
            .execs
            .iter()
            .zip(&self.verdicts)
            .filter_map(|(e, v)| match v {
                Verdict::Divergence(d) => Some((e, *d)),
                _ => None,
            })
            .collect()
    }

    /// The whole story, for a failure message: the command, every exec with its verdict,
    /// every invocation the engine extracted, and its findings.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "command: {:?}", self.command);
        let _ = writeln!(s, "---\n{}\n---", self.command);
        let _ = writeln!(
            s,
            "bash ran (exit {}{}):",
            self.outcome
                .status
                .map_or("-".to_owned(), |c| c.to_string()),
            if self.outcome.timed_out {
                ", timed out"
            } else {
                ""
            }
        );
        for (e, v) in self.outcome.execs.iter().zip(&self.verdicts) {
            let mark = match v {
                Verdict::Exact => "ok     ".to_owned(),
                Verdict::Loose => "loose  ".to_owned(),
                Verdict::Wrapper => "wrapper".to_owned(),
                Verdict::Explained(k) => format!("explained by {}", compare::kind_names(k)),
                Verdict::Divergence(d) => format!("DIVERGENCE ({})", d.describe()),
            };
            let _ = writeln!(s, "  {mark}  {}", e.display());
        }
        for line in &self.outcome.bad_lines {
            let _ = writeln!(s, "  unreadable record: {line}");
        }
        let _ = writeln!(s, "the engine extracted:");
        for inv in &self.model.invocations {
            let _ = writeln!(s, "  {}", describe(inv));
        }
        for f in &self.model.findings {
            let _ = writeln!(s, "  finding {}: {}", f.kind.rule_id(), f.detail);
        }
        s
    }
}

/// An invocation for a person: program, words (`?` marks unresolved words, `*` globs),
/// wrappers, cwd.
pub fn describe(inv: &Invocation) -> String {
    let words: Vec<String> = inv
        .argv
        .iter()
        .map(|w| {
            let mark = match (w.unresolved, w.glob) {
                (true, _) => "?",
                (false, true) => "*",
                _ => "",
            };
            format!("{mark}{:?}", w.text)
        })
        .collect();
    let mut s = format!("{} [{}]", inv.program, words.join(", "));
    if !inv.wrappers.is_empty() {
        let _ = write!(s, " wrappers {:?}", inv.wrappers);
    }
    let _ = write!(s, " in {}", inv.cwd.as_deref().unwrap_or("?"));
    let _ = write!(s, " ({})", inv.context);
    s
}

/// Counts over many commands.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub commands: usize,
    pub syntax_checked: usize,
    pub syntax_ok: usize,
    pub timed_out: usize,
    pub execs: usize,
    pub exact: usize,
    pub loose: usize,
    pub wrapper: usize,
    /// Unmatched execs the engine had findings for, by the findings' kinds.
    pub explained: BTreeMap<String, usize>,
    pub divergences: BTreeMap<Divergence, usize>,
    pub commands_diverging: usize,
    pub bad_lines: usize,
    pub elapsed: Duration,
}

impl Stats {
    pub fn add(&mut self, c: &Checked) {
        self.commands += 1;
        if let Some(ok) = c.outcome.syntax_ok {
            self.syntax_checked += 1;
            self.syntax_ok += usize::from(ok);
        }
        self.timed_out += usize::from(c.outcome.timed_out);
        self.bad_lines += c.outcome.bad_lines.len();
        self.execs += c.verdicts.len();
        let mut diverged = false;
        for v in &c.verdicts {
            match v {
                Verdict::Exact => self.exact += 1,
                Verdict::Loose => self.loose += 1,
                Verdict::Wrapper => self.wrapper += 1,
                Verdict::Explained(k) => {
                    *self.explained.entry(compare::kind_names(k)).or_default() += 1;
                }
                Verdict::Divergence(d) => {
                    *self.divergences.entry(*d).or_default() += 1;
                    diverged = true;
                }
            }
        }
        self.commands_diverging += usize::from(diverged);
    }

    pub fn merge(&mut self, o: &Stats) {
        self.commands += o.commands;
        self.syntax_checked += o.syntax_checked;
        self.syntax_ok += o.syntax_ok;
        self.timed_out += o.timed_out;
        self.execs += o.execs;
        self.exact += o.exact;
        self.loose += o.loose;
        self.wrapper += o.wrapper;
        for (k, n) in &o.explained {
            *self.explained.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &o.divergences {
            *self.divergences.entry(*k).or_default() += n;
        }
        self.commands_diverging += o.commands_diverging;
        self.bad_lines += o.bad_lines;
        self.elapsed = self.elapsed.max(o.elapsed);
    }

    pub fn divergence_count(&self) -> usize {
        self.divergences.values().sum()
    }

    /// Share of execs matched word for word.
    pub fn exact_share(&self) -> f64 {
        self.exact as f64 / self.execs.max(1) as f64
    }

    pub fn summary(&self) -> String {
        let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
        let mut s = format!(
            "{} commands in {:.1}s ({:.0}/s), {} timed out; bash -n accepted {}/{} ({:.1}%)\n",
            self.commands,
            self.elapsed.as_secs_f64(),
            self.commands as f64 / self.elapsed.as_secs_f64().max(1e-9),
            self.timed_out,
            self.syntax_ok,
            self.syntax_checked,
            pct(self.syntax_ok, self.syntax_checked),
        );
        let _ = writeln!(
            s,
            "{} execs: {} exact ({:.1}%), {} loose ({:.1}%), {} wrappers ({:.1}%), {} explained ({:.1}%), {} divergences ({:.1}%) in {} commands",
            self.execs,
            self.exact,
            pct(self.exact, self.execs),
            self.loose,
            pct(self.loose, self.execs),
            self.wrapper,
            pct(self.wrapper, self.execs),
            self.explained.values().sum::<usize>(),
            pct(self.explained.values().sum(), self.execs),
            self.divergence_count(),
            pct(self.divergence_count(), self.execs),
            self.commands_diverging,
        );
        for (k, n) in &self.explained {
            let _ = writeln!(s, "  explained by {k}: {n}");
        }
        for (k, n) in &self.divergences {
            let _ = writeln!(s, "  divergences {}: {n}", k.describe());
        }
        if self.bad_lines > 0 {
            let _ = writeln!(s, "  {} unreadable records", self.bad_lines);
        }
        s
    }
}
