//! SARIF 2.1.0, as GitHub code scanning takes it (validated against the OASIS schema in
//! the tests).
//!
//! One run: `tool.driver` names mstro-bouncer and describes every rule the results use
//! (`security-severity` lets GitHub rank them); each finding is a result with its rule,
//! level (`deny` is `error`, `review` is `warning`), message, location (a relative
//! `/`-separated URI, 1-based line and column in Unicode code points) and our baseline
//! fingerprint as a partial fingerprint. The command as the engine read it (variables
//! expanded, placeholders in) goes in the result's properties, not in a region
//! `snippet`, which SARIF reserves for the file's own text. Files that could not be scanned are
//! `invocations[0].toolExecutionNotifications`.

use std::io::{self, Write};

use mstro_engine::{Severity, Verdict};
use serde_json::{Value, json};

use super::{TOOL, VERSION};
use crate::scan::finding::{FileError, Finding, Report};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key our fingerprints go under in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "mstroFingerprint/v1";

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(report))?;
    writeln!(out)
}

fn document(report: &Report) -> Value {
    let rule_ids: Vec<&String> = report.rules.keys().collect();
    let rules: Vec<Value> = report
        .rules
        .values()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": first_sentence(&r.description)},
                "fullDescription": {"text": r.description},
                "help": {"text": r.help.as_deref().unwrap_or(&r.description)},
                "defaultConfiguration": {"level": level(r.verdict)},
                "properties": {
                    "tags": ["security"],
                    "security-severity": security_severity(r.severity),
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rule_ids.iter().position(|id| **id == f.rule_id)))
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| notification(e, "error"))
        .chain(report.notes.iter().map(|n| notification(n, "note")))
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL,
                "version": VERSION,
                "semanticVersion": VERSION,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut r = json!({
        "ruleId": f.rule_id,
        "level": level(f.verdict),
        "message": {"text": f.reason},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(&f.file)},
            "region": {
                "startLine": f.start.line,
                "startColumn": f.start.column,
                "endLine": f.end.line,
                "endColumn": f.end.column,
            },
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "verdict": f.verdict,
            "severity": f.severity,
            "ruleIds": f.rule_ids,
            "source": f.source,
            "origin": f.origin,
            "command": f.command,
        },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(review) = &f.review {
        r["properties"]["review"] = json!(review);
    }
    r
}

fn notification(e: &FileError, level: &str) -> Value {
    let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": uri(&e.file)}}});
    if let Some(p) = e.position {
        location["physicalLocation"]["region"] =
            json!({"startLine": p.line, "startColumn": p.column});
    }
    json!({
        "level": level,
        "message": {"text": e.message},
        "locations": [location],
    })
}

fn level(v: Verdict) -> &'static str {
    match v {
        Verdict::Deny => "error",
        Verdict::Review => "warning",
        Verdict::Allow => "note",
    }
}

/// GitHub's scale: 9.0 and up is critical, 7.0 high, 4.0 medium, below that low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn first_sentence(s: &str) -> &str {
    match s.find(". ") {
        Some(i) => &s[..=i],
        None => s,
    }
}

/// A report path as a URI reference: relative paths stay relative (GitHub resolves them
/// against the checkout), absolute ones become `file://` URIs; anything outside RFC
/// 3986's path characters is percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // A relative path whose first segment has a colon would read as a scheme.
    if !path.starts_with('/') && out.split('/').next().is_some_and(|s| s.contains(':')) {
        out.insert_str(0, "./");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(uri(".github/workflows/ci.yml"), ".github/workflows/ci.yml");
        assert_eq!(uri("dir with space/é.sh"), "dir%20with%20space/%C3%A9.sh");
        assert_eq!(uri("/abs/x#y"), "file:///abs/x%23y");
        assert_eq!(uri("a:b/c"), "./a:b/c");
    }
}
