//! Reporting critical overrides. A user may switch a `critical` rule off in
//! `critical_overrides`, but never silently: every call the rule would have caught says
//! so on stderr (which Claude Code keeps in its debug log) and in the audit log, where
//! the record's `overridden` names the rules.

use mstro_engine::{Evaluation, Mode, ToolCall};

use super::audit::{AuditLog, AuditRecord};
use super::configured::Configured;

/// Say on stderr that overridden critical rules would have fired on this call.
pub fn warn(evaluation: &Evaluation) {
    let rules: Vec<String> = evaluation
        .overridden
        .iter()
        .map(|r| r.to_string())
        .collect();
    eprintln!(
        "mstro-bouncer: critical rule(s) {} overridden by critical_overrides in your bouncer.yaml; this call was not stopped by them",
        rules.join(", ")
    );
}

/// `check` writes no audit record of its own, except for a call on which an overridden
/// critical rule would have fired.
pub fn report_for_check(
    configured: &Configured,
    call: &ToolCall,
    evaluation: &Evaluation,
    mode: Mode,
) {
    warn(evaluation);
    let j = &evaluation.judgement;
    let policy = configured.policy(mode);
    let record = AuditRecord {
        time: AuditRecord::now(),
        source: "check".into(),
        session: None,
        cwd: call.cwd.clone(),
        tool: call.tool_name.clone(),
        operation: AuditRecord::operation_for_log(&super::hook::audit_operation(call)),
        verdict: j.verdict,
        outcome: policy.outcome_without_reviewer(j),
        layer: if j.basis == mstro_engine::Basis::Rule {
            mstro_engine::Layer::Rule
        } else {
            mstro_engine::Layer::Default
        },
        rule_ids: j.rule_ids.iter().map(|r| r.to_string()).collect(),
        overridden: evaluation
            .overridden
            .iter()
            .map(|r| r.to_string())
            .collect(),
        reason: j.reason.clone(),
        confidence: None,
        reviewer: None,
        latency_us: 0,
        mode,
    };
    if let Err(e) =
        AuditLog::under(std::path::Path::new(&configured.env.mstro_home)).append(&record)
    {
        eprintln!("mstro-bouncer: cannot write the audit log: {e}");
    }
}
