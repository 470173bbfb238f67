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
    // `check` asks no reviewer: the outcome is the table's without one.
    let resolution = configured
        .policy(mode)
        .resolve(j, 100, || mstro_engine::Reviewed::NoReviewer);
    let record = AuditRecord::new(
        "check",
        call,
        evaluation,
        &resolution,
        j.reason.clone(),
        mode,
    );
    if let Err(e) =
        AuditLog::under(std::path::Path::new(&configured.env.mstro_home)).append(&record)
    {
        eprintln!("mstro-bouncer: cannot write the audit log: {e}");
    }
}
