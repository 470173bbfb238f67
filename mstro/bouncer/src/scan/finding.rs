//! What a scan reports: findings, files it could not read, and the rules behind them.

use std::collections::BTreeMap;

use mstro_engine::{Severity, Verdict};
use serde::Serialize;

use super::location::Position;
use super::review::FindingReview;

/// A command in a file that the engine (or the extractor) would not allow.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Path relative to the scan root, with `/` separators.
    pub file: String,
    pub start: Position,
    /// Just past the last character (exclusive), as SARIF's `endColumn`.
    pub end: Position,
    pub verdict: Verdict,
    pub severity: Severity,
    /// The rule that explains it (the most severe at this verdict).
    pub rule_id: String,
    /// Every rule that fired here at this verdict, `rule_id` first.
    pub rule_ids: Vec<String>,
    pub reason: String,
    pub alternative: Option<String>,
    /// The kind of file (`dockerfile`, `github-actions`, ...).
    pub source: &'static str,
    /// Where in the file the command comes from (`RUN`, `jobs.test.steps[2].run`, ...).
    pub origin: String,
    /// The part of the command that decided it, as the engine read it (on one line,
    /// shortened for reports).
    pub command: String,
    /// The whole command it is part of, exactly as judged: what the reviewer of
    /// `scan --ai` reads. `None` for the extractors' own findings, which are not
    /// commands.
    #[serde(skip)]
    pub operation: Option<String>,
    /// What the reviewer made of it, with `--ai`.
    pub review: Option<FindingReview>,
    /// Stable across unrelated edits: see [`super::baseline::fingerprint`].
    pub fingerprint: String,
}

/// A file that could not be scanned, and why (never skipped silently); also a note
/// about a file (see [`Report::notes`]).
#[derive(Debug, Clone, Serialize)]
pub struct FileError {
    pub file: String,
    /// Where in the file, when the problem has a place (a YAML syntax error).
    pub position: Option<Position>,
    pub message: String,
}

/// What a rule id means, for SARIF's rule metadata.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub id: String,
    /// The rule's general reason (not one finding's details).
    pub description: String,
    pub verdict: Verdict,
    pub severity: Severity,
    pub help: Option<String>,
}

/// The whole result of a scan.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub errors: Vec<FileError>,
    /// What a person should know about a file that is neither a finding nor an error
    /// (a script in a shell dialect scan does not read). Fails nothing.
    pub notes: Vec<FileError>,
    /// The rules the findings refer to, by id.
    pub rules: BTreeMap<String, RuleInfo>,
    /// Files whose commands were read.
    pub files_scanned: usize,
    /// Findings left out because the baseline knows them.
    pub suppressed: usize,
    /// Places (one per line of a command) whose danger depends on values only known
    /// at run time, left out without `--strict`.
    pub unjudged: usize,
}

impl Report {
    /// Findings in file order, each reported once.
    pub fn finish(&mut self) {
        self.findings
            .sort_by(|a, b| (&a.file, a.start, &a.rule_id).cmp(&(&b.file, b.start, &b.rule_id)));
        self.findings
            .dedup_by(|a, b| a.file == b.file && a.start == b.start && a.rule_id == b.rule_id);
        self.errors
            .sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
        self.notes
            .sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
        let used: std::collections::BTreeSet<&str> = self
            .findings
            .iter()
            .flat_map(|f| f.rule_ids.iter().map(String::as_str))
            .collect();
        self.rules.retain(|id, _| used.contains(id.as_str()));
    }

    pub fn count(&self, verdict: Verdict) -> usize {
        self.findings
            .iter()
            .filter(|f| f.verdict == verdict)
            .count()
    }

    /// The strongest verdict among the findings (a finding the reviewer allowed is
    /// `allow`, the weakest, and fails nothing).
    pub fn worst(&self) -> Option<Verdict> {
        self.findings.iter().map(|f| f.verdict).max()
    }
}
