//! Compiled rules: what the engine evaluates. Built from pack files by [`compile`].

mod args;
mod compile;
mod gate;
mod predicate;
mod value;

use std::collections::HashMap;

pub use args::{FlagSpec, ParsedArgs, ProgramCli};
pub use compile::compile;
pub use predicate::Miss;
pub(crate) use predicate::{ShellScene, Subject, ToolScene};
pub use value::url_host;

use crate::config::SwitchKind;
use crate::operation::ToolKind;
use crate::pack::PackScope;
use crate::policy::Mode;
use crate::verdict::{RuleId, Severity, Verdict};

/// Every loaded rule, compiled, with the indexes that make evaluation fast.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub packs: Vec<PackInfo>,
    /// Program vocabularies by layer (built-in, + user, + project); see [`Rule::vocab`].
    pub(crate) clis: Vec<Vocabulary>,
    pub(crate) gate: gate::Gate,
    pub(crate) tool_rules: HashMap<ToolKind, Vec<u32>>,
    /// Rules the user switched off, by index.
    pub switched_off: HashMap<u32, SwitchKind>,
    /// Programs named by a `deny` or `review` rule (see [`RuleSet::guards`]).
    pub(crate) guarded: std::collections::HashSet<String>,
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: RuleId,
    /// Index into [`RuleSet::packs`].
    pub pack: usize,
    pub verdict: Verdict,
    pub severity: Severity,
    pub reason: String,
    pub alternative: Option<String>,
    pub mitre: Vec<String>,
    pub(crate) when: predicate::Pred,
    pub(crate) unless: Option<predicate::Pred>,
    pub target: RuleTarget,
    /// The vocabulary layer its command lines are read with: its own scope's and those
    /// below it, never a later scope's.
    pub(crate) vocab: u8,
}

/// Program vocabularies, shared between layers that add nothing.
pub(crate) type Vocabulary = std::sync::Arc<HashMap<String, ProgramCli>>;

/// What a rule judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleTarget {
    /// Each shell invocation.
    Shell,
    /// Operations of these tools.
    Tools(Vec<ToolKind>),
}

/// A loaded pack, for listings and for mode filtering.
#[derive(Debug, Clone)]
pub struct PackInfo {
    pub id: String,
    pub description: String,
    pub scope: PackScope,
    pub file: String,
    pub modes: Option<Vec<Mode>>,
    /// Rules by verdict: allow, review, deny.
    pub counts: [usize; 3],
}

impl RuleSet {
    /// Is this rule's pack on in `mode`? (Whether the user switched the rule off is
    /// [`RuleSet::switched_off`].)
    pub fn active(&self, rule: &Rule, mode: Mode) -> bool {
        self.packs[rule.pack]
            .modes
            .as_ref()
            .is_none_or(|m| m.contains(&mode))
    }

    /// How the rule at `index` is switched off, if it is.
    pub fn switch(&self, index: u32) -> Option<SwitchKind> {
        self.switched_off.get(&index).copied()
    }

    /// What the packs of every scope together say about a program's command line.
    pub fn program(&self, name: &str) -> Option<&ProgramCli> {
        self.clis.last().and_then(|c| c.get(name))
    }

    /// The index of the rule with this id.
    pub fn index_of(&self, id: &str) -> Option<u32> {
        self.rules
            .iter()
            .position(|r| &*r.id == id)
            .map(|i| i as u32)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| &*r.id == id)
    }

    /// Does a `deny` or `review` rule look at this program's command lines? Then an
    /// argument only known at run time may be the one it looks for.
    pub fn guards(&self, program: &str) -> bool {
        self.guarded.contains(program)
    }

    /// Rules that are checked for every invocation (no keyword gate).
    pub fn ungated_rule_count(&self) -> usize {
        self.gate.always_count()
    }
}

impl Rule {
    /// Check the rule against a subject: `Ok` when it fires, otherwise why not.
    pub(crate) fn check(&self, subject: Subject) -> Result<(), Miss> {
        if let Subject::Invocation(scene, _) = subject {
            scene.read_with(self.vocab);
        }
        let skip = std::cell::Cell::new(0);
        self.when.check(subject, &skip)?;
        if let Some(unless) = &self.unless
            && unless
                .check(subject, &std::cell::Cell::new(skip.get()))
                .is_ok()
        {
            return Err(Miss("unless"));
        }
        Ok(())
    }
}
