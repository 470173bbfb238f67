//! What the engine decides about an operation, and why.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::span::Span;

/// The engine's three verdicts, weakest first, so that `max` picks the strongest.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Safe to run without asking.
    Allow,
    /// May be legitimate, may be an injection or a costly mistake: needs a second opinion.
    Review,
    /// Never legitimate in development work, or irreversible.
    Deny,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Review => "review",
            Verdict::Deny => "deny",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad it is if a matched operation runs when it should not have.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an explicit rule decided, or nothing matched and the default applied.
///
/// A known-safe `allow` and an "unknown, nothing suspicious" `allow` are different
/// facts: deploy mode escalates the second to `review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    Rule,
    Default,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Rule => "rule",
            Basis::Default => "default",
        }
    }
}

/// A rule id such as `filesystem.rm-root-or-home`; cheap to clone.
pub type RuleId = Arc<str>;

/// The engine's decision about one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    pub verdict: Verdict,
    pub basis: Basis,
    /// Every rule that fired at the deciding verdict level, strongest severity first.
    pub rule_ids: Vec<RuleId>,
    /// One line a model and a person can both act on.
    pub reason: String,
    /// A safer way to reach the same goal, when one exists.
    pub alternative: Option<String>,
    pub severity: Severity,
    /// The part of the input that decided it.
    pub span: Span,
}

impl Judgement {
    /// Nothing matched: the default verdict for an unremarkable operation.
    pub fn default_allow(span: Span) -> Self {
        Judgement {
            verdict: Verdict::Allow,
            basis: Basis::Default,
            rule_ids: Vec::new(),
            reason: "no rule matched".to_owned(),
            alternative: None,
            severity: Severity::Low,
            span,
        }
    }
}

/// Said after the reason of a rule that holds only for what a pattern, or a value only
/// known when the command runs, may be: it is a `review`, at most of medium severity,
/// whatever the rule's own verdict.
pub const ONLY_POSSIBLY: &str = "(Only possibly: a pattern, or a value known only when the command runs, may name such a path.)";
