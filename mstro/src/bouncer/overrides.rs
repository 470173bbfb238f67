//! Reporting critical overrides. A user may switch a `critical` rule off in
//! `critical_overrides`, but never silently: every call the rule would have caught is
//! written to the audit log (`$MSTRO_HOME/logs/bouncer-audit.jsonl`) and to stderr,
//! which Claude Code keeps in its debug log.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use mstro_engine::{Evaluation, Mode, ToolCall};
use serde_json::json;

use super::configured::Configured;

/// Longest operation text kept in a log line.
const MAX_OPERATION_CHARS: usize = 500;

/// Report one call on which overridden critical rules would have fired.
pub fn report(configured: &Configured, call: &ToolCall, evaluation: &Evaluation, mode: Mode) {
    let rules: Vec<String> = evaluation
        .overridden
        .iter()
        .map(|r| r.to_string())
        .collect();
    let operation: String = evaluation
        .operation
        .primary_text()
        .chars()
        .take(MAX_OPERATION_CHARS)
        .collect();
    eprintln!(
        "mstro-bouncer: critical rule(s) {} overridden by critical_overrides in your bouncer.yaml; this call was not stopped by them",
        rules.join(", ")
    );
    let line = json!({
        "time": humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
        "event": "critical-override",
        "rule_ids": rules,
        "tool": call.tool_name,
        "operation": operation,
        "cwd": call.cwd,
        "mode": mode.as_str(),
        "verdict": evaluation.judgement.verdict,
    });
    let dir = configured.paths.user_dir.join("logs");
    if let Err(e) = append(&dir, &line.to_string()) {
        eprintln!(
            "mstro-bouncer: cannot write the audit log in {}: {e}",
            dir.display()
        );
    }
}

fn append(dir: &Path, line: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(dir.join("bouncer-audit.jsonl"))?;
    writeln!(file, "{line}")
}
