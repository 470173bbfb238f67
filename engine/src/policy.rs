//! How a consumer turns an engine verdict into an outcome, per mode.
//!
//! This is the table in `ENGINE.md` ("How consumers turn a verdict into an outcome"),
//! written once so that the hook, the MCP permission tool and `check` cannot drift apart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::verdict::{Basis, Judgement, Verdict};

/// Where the engine is running, which decides what `review` and default allows become.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The plain Claude Code REPL: a person is there to answer Claude Code's own prompt.
    #[default]
    Repl,
    /// A headless session (`claude -p`): nobody to ask, so failures deny.
    Headless,
    /// Unattended deploy agents: unknown operations need review too, and the deploy pack is on.
    Deploy,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Repl, Mode::Headless, Mode::Deploy];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Repl => "repl",
            Mode::Headless => "headless",
            Mode::Deploy => "deploy",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "repl" => Ok(Mode::Repl),
            "headless" => Ok(Mode::Headless),
            "deploy" => Ok(Mode::Deploy),
            other => Err(format!(
                "unknown mode `{other}` (expected repl, headless or deploy)"
            )),
        }
    }
}

/// What finally happens to a tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Allow,
    /// Hand the decision to Claude Code's own prompt (REPL only).
    Ask,
    Deny,
    /// Say nothing, leaving the call to Claude Code's own permission flow.
    Pass,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Ask => "ask",
            Outcome::Deny => "deny",
            Outcome::Pass => "pass",
        }
    }
}

/// What the REPL hook does with an `allow` that no rule vouched for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DefaultAllow {
    /// Allow it (skipping Claude Code's own prompt).
    #[default]
    Allow,
    /// Print nothing: Claude Code's own permission flow decides.
    Pass,
}

/// The next step after the engine has judged an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Decided; no reviewer is involved.
    Final(Outcome),
    /// Ask a reviewer. Without one, or when it fails, the outcome is `on_failure`.
    Review { on_failure: Outcome },
}

/// The policy table for one mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub mode: Mode,
    pub default_allow: DefaultAllow,
}

impl Policy {
    pub fn new(mode: Mode) -> Self {
        Policy {
            mode,
            default_allow: DefaultAllow::Allow,
        }
    }

    /// Apply the table. A `review` never resolves to `allow` without a reviewer.
    pub fn step(&self, judgement: &Judgement) -> Step {
        let failure = match self.mode {
            Mode::Repl => Outcome::Ask,
            Mode::Headless | Mode::Deploy => Outcome::Deny,
        };
        match (judgement.verdict, judgement.basis) {
            (Verdict::Deny, _) => Step::Final(Outcome::Deny),
            (Verdict::Review, _) => Step::Review {
                on_failure: failure,
            },
            (Verdict::Allow, Basis::Rule) => Step::Final(Outcome::Allow),
            (Verdict::Allow, Basis::Default) => match self.mode {
                Mode::Deploy => Step::Review {
                    on_failure: failure,
                },
                Mode::Headless => Step::Final(Outcome::Allow),
                Mode::Repl => Step::Final(match self.default_allow {
                    DefaultAllow::Allow => Outcome::Allow,
                    DefaultAllow::Pass => Outcome::Pass,
                }),
            },
        }
    }

    /// The outcome when no reviewer is available (this only case).
    pub fn outcome_without_reviewer(&self, judgement: &Judgement) -> Outcome {
        match self.step(judgement) {
            Step::Final(o) => o,
            Step::Review { on_failure } => on_failure,
        }
    }

    /// The verdict a batch checker reports in this mode: the engine verdict, with
    /// deploy mode's escalation of unvouched allows applied.
    pub fn reported_verdict(&self, judgement: &Judgement) -> Verdict {
        match (self.mode, judgement.verdict, judgement.basis) {
            (Mode::Deploy, Verdict::Allow, Basis::Default) => Verdict::Review,
            (_, v, _) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;
    use crate::verdict::Severity;

    fn judgement(verdict: Verdict, basis: Basis) -> Judgement {
        Judgement {
            verdict,
            basis,
            rule_ids: vec![],
            reason: String::new(),
            alternative: None,
            severity: Severity::Low,
            span: Span::default(),
        }
    }

    /// Every row and column of the ENGINE.md table, without a reviewer.
    #[test]
    fn table_without_reviewer() {
        use Outcome::*;
        let rows = [
            (Verdict::Deny, Basis::Rule, [Deny, Deny, Deny]),
            (Verdict::Review, Basis::Rule, [Ask, Deny, Deny]),
            (Verdict::Allow, Basis::Rule, [Allow, Allow, Allow]),
            (Verdict::Allow, Basis::Default, [Allow, Allow, Deny]),
        ];
        for (verdict, basis, expected) in rows {
            for (mode, want) in Mode::ALL.into_iter().zip(expected) {
                let got = Policy::new(mode).outcome_without_reviewer(&judgement(verdict, basis));
                assert_eq!(got, want, "{verdict:?}/{basis:?} in {mode}");
            }
        }
    }

    #[test]
    fn review_always_goes_to_a_reviewer_and_deploy_reviews_default_allows() {
        let review = judgement(Verdict::Review, Basis::Rule);
        for mode in Mode::ALL {
            assert!(matches!(
                Policy::new(mode).step(&review),
                Step::Review { .. }
            ));
        }
        let unvouched = judgement(Verdict::Allow, Basis::Default);
        assert_eq!(
            Policy::new(Mode::Deploy).step(&unvouched),
            Step::Review {
                on_failure: Outcome::Deny
            }
        );
        assert_eq!(
            Policy::new(Mode::Deploy).reported_verdict(&unvouched),
            Verdict::Review
        );
        assert_eq!(
            Policy::new(Mode::Repl).reported_verdict(&unvouched),
            Verdict::Allow
        );
    }

    #[test]
    fn pass_through_only_for_unvouched_allows_in_the_repl() {
        let policy = Policy {
            mode: Mode::Repl,
            default_allow: DefaultAllow::Pass,
        };
        assert_eq!(
            policy.outcome_without_reviewer(&judgement(Verdict::Allow, Basis::Default)),
            Outcome::Pass
        );
        assert_eq!(
            policy.outcome_without_reviewer(&judgement(Verdict::Allow, Basis::Rule)),
            Outcome::Allow
        );
    }
}
