//! One JSON document: `{"version", "tool", "findings", "errors", "summary"}`. Findings
//! have `file`, `line`, `column`, `end_line`, `end_column`, `verdict`, `severity`,
//! `rule_id`, `rule_ids`, `reason`, `alternative`, `source`, `origin`, `command`,
//! `fingerprint` and `review` (null unless `--ai` asked a reviewer: `layer`,
//! `reviewer`, `confidence`, `reasoning`); errors `file`, `line`, `column` (null when
//! unknown) and `message`. The summary counts `allowed` findings, those the reviewer
//! cleared.

use std::io::{self, Write};

use mstro_engine::{Severity, Verdict};
use serde::Serialize;

use super::{TOOL, VERSION};
use crate::scan::finding::{FileError, Report};
use crate::scan::review::FindingReview;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<Finding<'a>>,
    errors: Vec<Error<'a>>,
    notes: Vec<Error<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Finding<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    verdict: Verdict,
    severity: Severity,
    rule_id: &'a str,
    rule_ids: &'a [String],
    reason: &'a str,
    alternative: Option<&'a str>,
    source: &'a str,
    origin: &'a str,
    command: &'a str,
    fingerprint: &'a str,
    review: Option<&'a FindingReview>,
}

#[derive(Serialize)]
struct Error<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    findings: usize,
    deny: usize,
    review: usize,
    allowed: usize,
    suppressed: usize,
    errors: usize,
    notes: usize,
    /// Places left out without `--strict` because they depend on run-time values.
    unjudged: usize,
}

fn error(e: &FileError) -> Error<'_> {
    Error {
        file: &e.file,
        line: e.position.map(|p| p.line),
        column: e.position.map(|p| p.column),
        message: &e.message,
    }
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        version: 1,
        tool: Tool {
            name: TOOL,
            version: VERSION,
        },
        findings: report
            .findings
            .iter()
            .map(|f| Finding {
                file: &f.file,
                line: f.start.line,
                column: f.start.column,
                end_line: f.end.line,
                end_column: f.end.column,
                verdict: f.verdict,
                severity: f.severity,
                rule_id: &f.rule_id,
                rule_ids: &f.rule_ids,
                reason: &f.reason,
                alternative: f.alternative.as_deref(),
                source: f.source,
                origin: &f.origin,
                command: &f.command,
                fingerprint: &f.fingerprint,
                review: f.review.as_ref(),
            })
            .collect(),
        errors: report.errors.iter().map(error).collect(),
        notes: report.notes.iter().map(error).collect(),
        summary: Summary {
            files_scanned: report.files_scanned,
            findings: report.findings.len(),
            deny: report.count(Verdict::Deny),
            review: report.count(Verdict::Review),
            allowed: report.count(Verdict::Allow),
            suppressed: report.suppressed,
            errors: report.errors.len(),
            notes: report.notes.len(),
            unjudged: report.unjudged,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
