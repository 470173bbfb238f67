//! How a consumer turns an engine verdict into an outcome, per mode.
//!
//! This is the table in `ENGINE.md` ("How consumers turn a verdict into an outcome"),
//! written once so that the hook, the MCP permission tool and `check` cannot drift apart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::review::{ReviewAnswer, ReviewDecision};
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

/// Which part of the bouncer made the final decision (the audit log's `layer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// An explicit rule decided, or sent it to a person with no reviewer involved.
    Rule,
    /// No rule matched; the mode's default applied.
    Default,
    /// A reviewer decision remembered from earlier in the session.
    Cache,
    /// The AI reviewer decided.
    Ai,
    /// The reviewer failed (error, bad answer, low-confidence allow): the failure outcome.
    AiError,
    /// The input was too big, too deep or too slow to judge: never sent to the AI
    /// reviewer, and never allowed unless a person approves it.
    Budget,
    /// A person decided, answering the approval request of a session in the browser
    /// (`mstro`; docs/sessions.md, "Approvals").
    Person,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Rule => "rule",
            Layer::Default => "default",
            Layer::Cache => "cache",
            Layer::Ai => "ai",
            Layer::AiError => "ai-error",
            Layer::Budget => "budget",
            Layer::Person => "person",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What asking the reviewer gave.
#[derive(Debug, Clone)]
pub enum Reviewed {
    /// No reviewer is available and none was required: the failure outcome applies, as
    /// it would without AI review at all.
    NoReviewer,
    /// A well-formed answer, fresh or from the cache.
    Answer { answer: ReviewAnswer, cached: bool },
    /// No usable answer (or a reviewer was required and none is available).
    Failed(String),
}

/// How a judgement was resolved, with what the person and the model are told.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub outcome: Outcome,
    pub layer: Layer,
    pub detail: Detail,
}

/// Why the resolution is what it is.
#[derive(Debug, Clone)]
pub enum Detail {
    /// The table decided without a reviewer.
    Decided,
    /// A cap was hit: sent to the failure outcome without asking a reviewer.
    OverBudget,
    /// The reviewer's answer was taken.
    Reviewed(ReviewAnswer),
    /// The reviewer allowed with less confidence than the threshold.
    LowConfidence { answer: ReviewAnswer, threshold: u8 },
    /// The reviewer failed.
    ReviewFailed(String),
    /// No reviewer available.
    Unreviewed,
}

impl Resolution {
    /// The reviewer's confidence, when a reviewer answered.
    pub fn confidence(&self) -> Option<u8> {
        match &self.detail {
            Detail::Reviewed(a) | Detail::LowConfidence { answer: a, .. } => Some(a.confidence),
            _ => None,
        }
    }
}

impl Policy {
    /// Resolve a judgement to its final outcome, asking `review` only when the table
    /// sends it to a reviewer. A reviewer can turn `review` into `allow` or `deny`; every
    /// failure, and every allow below `threshold`, becomes the mode's failure outcome.
    pub fn resolve(
        &self,
        judgement: &Judgement,
        threshold: u8,
        review: impl FnOnce() -> Reviewed,
    ) -> Resolution {
        let plain = if judgement.basis == Basis::Rule || judgement.verdict == Verdict::Deny {
            Layer::Rule
        } else {
            Layer::Default
        };
        let on_failure = match self.step(judgement) {
            Step::Final(outcome) => {
                return Resolution {
                    outcome,
                    layer: plain,
                    detail: Detail::Decided,
                };
            }
            Step::Review { on_failure } => on_failure,
        };
        if judgement.rule_ids.iter().any(|r| r.starts_with("budget.")) {
            return Resolution {
                outcome: on_failure,
                layer: Layer::Budget,
                detail: Detail::OverBudget,
            };
        }
        let failed = |layer, detail| Resolution {
            outcome: on_failure,
            layer,
            detail,
        };
        match review() {
            Reviewed::NoReviewer => failed(plain, Detail::Unreviewed),
            Reviewed::Failed(why) => failed(Layer::AiError, Detail::ReviewFailed(why)),
            Reviewed::Answer { answer, cached } => {
                let layer = if cached { Layer::Cache } else { Layer::Ai };
                match answer.decision {
                    ReviewDecision::Deny => Resolution {
                        outcome: Outcome::Deny,
                        layer,
                        detail: Detail::Reviewed(answer),
                    },
                    ReviewDecision::Allow if answer.confidence >= threshold => Resolution {
                        outcome: Outcome::Allow,
                        layer,
                        detail: Detail::Reviewed(answer),
                    },
                    ReviewDecision::Allow => {
                        failed(Layer::AiError, Detail::LowConfidence { answer, threshold })
                    }
                }
            }
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

    fn answer(decision: ReviewDecision, confidence: u8) -> Reviewed {
        Reviewed::Answer {
            answer: ReviewAnswer {
                decision,
                confidence,
                reasoning: "because".into(),
                threat_level: crate::review::ThreatLevel::Low,
            },
            cached: false,
        }
    }

    /// The table with a reviewer: every reviewer outcome in every mode. No failure and
    /// no low-confidence allow ever allows.
    #[test]
    fn table_with_reviewer() {
        use Outcome::*;
        let review = judgement(Verdict::Review, Basis::Rule);
        type Case = (fn() -> Reviewed, [Outcome; 3], Layer);
        let cases: [Case; 6] = [
            (
                || answer(ReviewDecision::Allow, 90),
                [Allow, Allow, Allow],
                Layer::Ai,
            ),
            (
                || answer(ReviewDecision::Allow, 70),
                [Allow, Allow, Allow],
                Layer::Ai,
            ),
            (
                || answer(ReviewDecision::Allow, 69),
                [Ask, Deny, Deny],
                Layer::AiError,
            ),
            (
                || answer(ReviewDecision::Deny, 10),
                [Deny, Deny, Deny],
                Layer::Ai,
            ),
            (
                || Reviewed::Failed("timeout".into()),
                [Ask, Deny, Deny],
                Layer::AiError,
            ),
            (|| Reviewed::NoReviewer, [Ask, Deny, Deny], Layer::Rule),
        ];
        for (reviewed, expected, layer) in cases {
            for (mode, want) in Mode::ALL.into_iter().zip(expected) {
                let r = Policy::new(mode).resolve(&review, 70, reviewed);
                assert_eq!(
                    (r.outcome, r.layer),
                    (want, layer),
                    "{mode}: {:?}",
                    reviewed()
                );
            }
        }
    }

    #[test]
    fn the_reviewer_is_asked_only_when_the_table_says_so() {
        for (verdict, basis) in [(Verdict::Deny, Basis::Rule), (Verdict::Allow, Basis::Rule)] {
            for mode in Mode::ALL {
                let r = Policy::new(mode).resolve(&judgement(verdict, basis), 70, || {
                    panic!("reviewer asked about {verdict:?} in {mode}")
                });
                assert_eq!(r.layer, Layer::Rule);
            }
        }
        let unvouched = judgement(Verdict::Allow, Basis::Default);
        let r = Policy::new(Mode::Deploy).resolve(&unvouched, 70, || Reviewed::NoReviewer);
        assert_eq!((r.outcome, r.layer), (Outcome::Deny, Layer::Default));
        let mut over = judgement(Verdict::Review, Basis::Rule);
        over.rule_ids = vec!["budget.deadline".into()];
        for mode in Mode::ALL {
            let r =
                Policy::new(mode).resolve(&over, 70, || panic!("a budget hit is never reviewed"));
            assert_eq!(r.layer, Layer::Budget);
            assert_ne!(r.outcome, Outcome::Allow);
        }
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
