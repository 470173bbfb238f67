//! `scan --ai`: a second opinion on the findings the rules sent to `review`.
//!
//! Each `review` finding is resolved as the REPL hook would resolve the command it
//! names: the reviewer's allow (at or above the confidence threshold) makes it `allow`,
//! its deny makes it `deny`, and any failure leaves it `review`, so a reviewer that is
//! down can never make a scan pass that would fail without it. `deny` findings are
//! never reviewed. The finding keeps the rule's reason; the reviewer's account is in
//! [`FindingReview`].
//!
//! Identical commands (the same text in the same directory) are reviewed once per
//! scan: a scan is one "session" for the review cache.

use std::path::Path;

use mstro_engine::policy::Detail;
use mstro_engine::span::Span;
use mstro_engine::verdict::RuleId;
use mstro_engine::{Basis, Judgement, Layer, Mode, Outcome, Policy, ToolCall, Verdict};
use serde::Serialize;

use super::finding::Finding;
use crate::review::ReviewSetup;

/// The review cache's session for one scan. Only this process reads its memory cache,
/// so the name does not need to be unique.
const SESSION: &str = "mstro-bouncer-scan";

/// What the reviewer said about a finding.
#[derive(Debug, Clone, Serialize)]
pub struct FindingReview {
    /// `ai`, `cache` (an identical command earlier in this scan) or `ai-error`.
    pub layer: Layer,
    /// The reviewer that answered, e.g. `anthropic:claude-haiku-4-5`.
    pub reviewer: Option<String>,
    pub confidence: Option<u8>,
    /// The reviewer's reasoning, or why there is no usable answer.
    pub reasoning: String,
}

/// Resolve every `review` finding with the reviewer, changing its verdict to what the
/// reviewer decided. Returns how many were asked about.
pub fn review_findings(findings: &mut [Finding], setup: &ReviewSetup, cwd: &Path) -> usize {
    // Scanned commands are judged in REPL mode (see judge.rs); its failure outcome is a
    // person's approval, which for a scan means the finding stays `review`.
    let policy = Policy::new(Mode::Repl);
    let cwd = cwd.to_string_lossy();
    let mut asked = 0;
    for finding in findings.iter_mut().filter(|f| f.verdict == Verdict::Review) {
        // Findings of the extractors (an expression spliced into a workflow's script)
        // are about the file, not a command a reviewer could read on its own.
        let Some(operation) = finding.operation.clone() else {
            continue;
        };
        asked += 1;
        let call = ToolCall::bash(operation.as_str()).with_cwd(cwd.as_ref());
        let judgement = Judgement {
            verdict: Verdict::Review,
            basis: Basis::Rule,
            rule_ids: finding
                .rule_ids
                .iter()
                .map(|r| RuleId::from(r.as_str()))
                .collect(),
            reason: finding.reason.clone(),
            alternative: finding.alternative.clone(),
            severity: finding.severity,
            span: Span::new(0, operation.len()),
        };
        let resolved = setup.resolve(&policy, &call, &judgement, Some(SESSION), || None);
        let r = resolved.resolution;
        // `auto` with no reviewer configured: the rules' verdict stands, unannotated,
        // exactly as without `--ai`.
        if !matches!(r.layer, Layer::Ai | Layer::Cache | Layer::AiError) {
            continue;
        }
        finding.verdict = match r.outcome {
            Outcome::Allow | Outcome::Pass => Verdict::Allow,
            Outcome::Deny => Verdict::Deny,
            Outcome::Ask => Verdict::Review,
        };
        let confidence = r.confidence();
        let reasoning = match r.detail {
            Detail::Reviewed(answer) => answer.reasoning,
            Detail::LowConfidence { answer, threshold } => format!(
                "allowed with confidence {} below the threshold {threshold}: {}",
                answer.confidence, answer.reasoning
            ),
            Detail::ReviewFailed(why) => format!("the reviewer failed: {why}"),
            Detail::Unreviewed => "no reviewer is available".to_owned(),
            Detail::Decided | Detail::OverBudget => String::new(),
        };
        finding.review = Some(FindingReview {
            layer: r.layer,
            reviewer: resolved.reviewer,
            confidence,
            reasoning,
        });
    }
    asked
}
