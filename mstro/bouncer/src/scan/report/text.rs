//! For people: `path:line:col: DENY [rule, ...] reason`, the command under it, and a
//! summary line.

use std::io::{self, Write};

use mstro_engine::Verdict;

use crate::scan::finding::Report;

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            f.file,
            f.start.line,
            f.start.column,
            f.verdict.as_str().to_uppercase(),
            f.rule_ids.join(", "),
            f.reason
        )?;
        writeln!(out, "    {}    ({})", f.command, f.origin)?;
        if let Some(alt) = &f.alternative {
            writeln!(out, "    safer: {alt}")?;
        }
        if let Some(r) = &f.review {
            let who = r.reviewer.as_deref().unwrap_or("no reviewer");
            let confidence = r
                .confidence
                .map(|c| format!(", confidence {c}"))
                .unwrap_or_default();
            writeln!(
                out,
                "    reviewed ({}, {who}{confidence}): {}",
                r.layer, r.reasoning
            )?;
        }
    }
    for e in &report.errors {
        match e.position {
            Some(p) => writeln!(
                out,
                "{}:{}:{}: ERROR {}",
                e.file, p.line, p.column, e.message
            )?,
            None => writeln!(out, "{}: ERROR {}", e.file, e.message)?,
        }
    }
    for n in &report.notes {
        let p = n
            .position
            .unwrap_or(crate::scan::location::Position { line: 1, column: 1 });
        writeln!(
            out,
            "{}:{}:{}: NOTE {}",
            n.file, p.line, p.column, n.message
        )?;
    }
    writeln!(out, "{}", summary(report))
}

/// `2 findings (1 deny, 1 review) in 14 files; 3 in the baseline; 1 file could not be
/// scanned`, with `, 1 allowed by the reviewer` in the parentheses after `scan --ai`.
pub fn summary(report: &Report) -> String {
    let n = report.findings.len();
    let allowed = report.count(Verdict::Allow);
    let mut s = format!(
        "{n} finding{} ({} deny, {} review{}) in {} file{} scanned",
        plural(n),
        report.count(Verdict::Deny),
        report.count(Verdict::Review),
        if allowed > 0 {
            format!(", {allowed} allowed by the reviewer")
        } else {
            String::new()
        },
        report.files_scanned,
        plural(report.files_scanned),
    );
    if report.suppressed > 0 {
        s.push_str(&format!("; {} in the baseline", report.suppressed));
    }
    if !report.notes.is_empty() {
        let n = report.notes.len();
        s.push_str(&format!("; {n} note{}", plural(n)));
    }
    if report.unjudged > 0 {
        let u = report.unjudged;
        s.push_str(&format!(
            "; {u} place{} that depend{} on run-time values not judged (--strict lists them)",
            plural(u),
            if u == 1 { "s" } else { "" }
        ));
    }
    if !report.errors.is_empty() {
        let e = report.errors.len();
        s.push_str(&format!("; {e} file{} could not be scanned", plural(e)));
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
