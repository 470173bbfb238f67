//! `mstro-bouncer scan`: find the commands files will run and judge them with the engine.
//!
//! ```text
//! paths ──discover──┐                          ┌─ report/text.rs
//!                   ├─ bytes ─ sources/<kind> ─ judge ─ findings ─ baseline ─┼─ report/json.rs
//! --staged ─staged──┘        (Extracted:       (engine,   (file, line,      ├─ report/sarif.rs
//!                             command + where)  by line)   column, rule)    └─ report/github.rs
//! ```
//!
//! - [`discover`]: walk the paths given (`.gitignore` honoured); [`staged`]: or read git's
//!   index.
//! - [`sources`]: one extractor per kind of file, each giving commands mapped back to
//!   the file ([`location`]).
//! - [`judge`]: the engine's verdict on each command, split into one hit per line.
//! - [`baseline`]: fingerprints of accepted findings.
//! - [`report`]: the output formats.
//!
//! Exit codes, as for `check`: 0 when no finding reached `--fail-on`, 1 when one did, 2
//! for usage errors and when any file could not be scanned (unreadable, not UTF-8, not
//! parsable), because a scan that could not read a file has not shown it to be safe.
//! A file error wins over findings; every output format lists the errors.

mod baseline;
mod discover;
mod finding;
mod judge;
pub(crate) mod location;
mod report;
mod review;
pub(crate) mod sources;
mod staged;

use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use mstro_engine::config::ConfigError;
use mstro_engine::{Engine, PathEnv, Verdict};
use thiserror::Error;

use self::baseline::BaselineError;
use self::finding::{FileError, Finding, Report, RuleInfo};
use self::judge::{Grounds, Judge};
use self::location::{LineIndex, MappedText};
use self::sources::{Cwd, Extracted, Flagged, SourceKind};
use self::staged::StagedError;
use super::cli::{FailOn, ScanArgs};
use super::configured::Configured;
use super::review::cache::ReviewCache;
use super::review::{AiChoice, ReviewSetup};

/// What stops a scan as a whole (a file that cannot be read stops nothing: it is a
/// [`FileError`] in the report).
#[derive(Debug, Error)]
pub enum ScanError {
    #[error("the configuration does not load: {0}")]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error(transparent)]
    Staged(#[from] StagedError),
    #[error("cannot determine the current directory: {0}")]
    Cwd(#[source] io::Error),
    #[error("cannot write the report: {0}")]
    Output(#[source] io::Error),
}

pub fn run(args: &ScanArgs) -> i32 {
    match run_inner(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mstro-bouncer scan: {e}");
            2
        }
    }
}

fn run_inner(args: &ScanArgs) -> Result<i32, ScanError> {
    let cwd = std::env::current_dir().map_err(ScanError::Cwd)?;
    let known = args.baseline.as_deref().map(baseline::load).transpose()?;
    let mut configured = Configured::load(cwd.to_str(), false)?;
    // No person waits on a scan, and a finding that depends on how busy the machine is
    // (`budget.deadline` on a long script) would not be reproducible: judge each command
    // with a deadline far past the hook's.
    let mut limits = configured.engine.limits().clone();
    limits.deadline = limits.deadline.max(SCAN_DEADLINE);
    // A whole script is one command line: nvm.sh alone has thousands of invocations,
    // which the hook's budget (made for one command an agent runs) would cut short.
    limits.max_invocations = limits.max_invocations.max(SCAN_MAX_INVOCATIONS);
    configured.engine = configured.engine.with_limits(limits);
    let mut scanner = Scanner::new(&configured.engine, cwd.clone(), args.strict);
    if args.staged {
        scanner.staged(&args.paths)?;
    } else if args.paths.is_empty() {
        scanner.paths(&[PathBuf::from(".")]);
    } else {
        scanner.paths(&args.paths);
    }
    let mut report = scanner.finish();
    if report.files_scanned == 0 && report.errors.is_empty() && !args.staged {
        eprintln!(
            "mstro-bouncer scan: warning: no file scan reads was found (see docs/scan.md for the kinds it reads)"
        );
    }

    if let Some(path) = &args.write_baseline {
        baseline::write(path, &report.findings)?;
        eprintln!(
            "mstro-bouncer scan: wrote {} fingerprint(s) to {}",
            report.findings.len(),
            path.display()
        );
    }
    if let Some(known) = &known {
        let before = report.findings.len();
        report.findings.retain(|f| !known.contains(&f.fingerprint));
        report.suppressed = before - report.findings.len();
    }
    // Findings just written to a baseline are accepted, like baselined ones.
    if args.write_baseline.is_some() {
        report.suppressed += report.findings.len();
        report.findings.clear();
    }
    report.finish();
    if args.ai != AiChoice::Off {
        let setup = ReviewSetup::new(
            args.ai,
            configured.config.reviewer.as_ref(),
            ReviewCache::memory(),
        );
        review::review_findings(&mut report.findings, &setup, &cwd);
    }

    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match report::write(args.format, &report, &mut out).and_then(|()| out.flush()) {
        // A reader that stopped early (`| head`) is not a failure of the scan.
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(ScanError::Output(e)),
        _ => {}
    }

    if !report.errors.is_empty() {
        return Ok(2);
    }
    let threshold = match args.fail_on {
        FailOn::Deny => Some(Verdict::Deny),
        FailOn::Review => Some(Verdict::Review),
        FailOn::Never => None,
    };
    Ok(match (threshold, report.worst()) {
        (Some(t), Some(w)) if w >= t => 1,
        _ => 0,
    })
}

/// The state of one scan.
struct Scanner<'a> {
    judge: Judge<'a>,
    /// HOME, TMPDIR and the like, from the process; the project root is set per file.
    env: PathEnv,
    cwd: PathBuf,
    report: Report,
    /// `--strict`: also report what depends on run-time values, regions the parser
    /// could not read, and files in other shell dialects, as findings.
    strict: bool,
}

/// Longest the engine may take on one command in a scan (the hook's is 50 ms).
const SCAN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// Most invocations the engine evaluates in one script (the hook's is 1000).
const SCAN_MAX_INVOCATIONS: usize = 5_000;

/// How much of a file's start tells whether it is a script (`#!` line).
const SNIFF_BYTES: u64 = 256;

impl<'a> Scanner<'a> {
    fn new(engine: &'a Engine, cwd: PathBuf, strict: bool) -> Self {
        Scanner {
            judge: Judge::new(engine),
            env: PathEnv::from_process_env(),
            cwd,
            report: Report::default(),
            strict,
        }
    }

    /// Scan files and directories on disk.
    fn paths(&mut self, paths: &[PathBuf]) {
        for arg in paths {
            let root = self.root_for(arg);
            let (found, errors) = discover::walk(std::slice::from_ref(arg));
            for e in errors {
                self.report.errors.push(FileError {
                    file: e
                        .path
                        .as_deref()
                        .map_or_else(|| self.display(arg), |p| self.display(p)),
                    position: None,
                    message: e.message,
                });
            }
            for f in found {
                let display = self.display(&f.path);
                let kind = match f.kind {
                    Some(k) => Some(k),
                    None => match sniff(&f.path) {
                        Ok(k) => k,
                        Err(e) => {
                            self.error(&display, None, format!("cannot read: {e}"));
                            continue;
                        }
                    },
                };
                let Some(kind) = kind else {
                    if f.explicit {
                        self.error(
                            &display,
                            None,
                            "not a kind of file scan reads (see docs/scan.md)".to_owned(),
                        );
                    }
                    continue;
                };
                match read_bounded(&f.path) {
                    Ok(bytes) => {
                        let abs: PathBuf = self
                            .cwd
                            .join(&f.path)
                            .components()
                            .filter(|c| !matches!(c, std::path::Component::CurDir))
                            .collect();
                        self.file(&display, &abs, &root, kind, &bytes);
                    }
                    Err(e) => self.error(&display, None, format!("cannot read: {e}")),
                }
            }
        }
    }

    /// Scan the files staged in git's index.
    fn staged(&mut self, pathspecs: &[PathBuf]) -> Result<(), StagedError> {
        let (top, files) = staged::staged_files(&self.cwd, pathspecs)?;
        for f in files {
            if discover::in_skipped_dir(&f.path) {
                continue;
            }
            let path = Path::new(&f.path);
            let Some(kind) =
                SourceKind::from_path(path).or_else(|| SourceKind::from_content(&f.contents))
            else {
                continue;
            };
            let abs = top.join(path);
            self.file(&f.path, &abs, &top, kind, &f.contents);
        }
        Ok(())
    }

    /// The project root for files under `arg`: the current directory when `arg` is in
    /// it (paths are reported relative to it), else `arg` itself.
    fn root_for(&self, arg: &Path) -> PathBuf {
        // Canonical, so that `../elsewhere` is not taken for a path inside.
        let abs = std::fs::canonicalize(self.cwd.join(arg)).unwrap_or_else(|_| self.cwd.join(arg));
        let cwd = std::fs::canonicalize(&self.cwd).unwrap_or_else(|_| self.cwd.clone());
        if abs.starts_with(&cwd) {
            self.cwd.clone()
        } else if abs.is_dir() {
            abs
        } else {
            abs.parent()
                .map_or_else(|| self.cwd.clone(), Path::to_owned)
        }
    }

    /// A path as reports show it: relative to the current directory, `/`-separated.
    fn display(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.cwd).unwrap_or(path);
        let parts: Vec<String> = rel
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let joined = parts.join("/");
        if rel.is_absolute() {
            format!("/{}", joined.trim_start_matches('/'))
        } else {
            joined
        }
    }

    fn error(&mut self, file: &str, position: Option<location::Position>, message: String) {
        self.report.errors.push(FileError {
            file: file.to_owned(),
            position,
            message,
        });
    }

    /// Extract and judge one file's commands.
    fn file(&mut self, display: &str, abs: &Path, root: &Path, kind: SourceKind, bytes: &[u8]) {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
                let at = LineIndex::new(valid).position(valid.len());
                self.error(display, Some(at), "not UTF-8 text".to_owned());
                return;
            }
        };
        let index = LineIndex::new(text);
        let extraction = match sources::extract(kind, file_name(display), text) {
            Ok(e) => e,
            Err(e) => {
                let at = e.offset.map(|o| index.position(o));
                self.error(display, at, e.message);
                return;
            }
        };
        self.report.files_scanned += 1;

        let root_str = root.to_string_lossy().into_owned();
        let dir = abs
            .parent()
            .map_or_else(|| root_str.clone(), |d| d.to_string_lossy().into_owned());
        let env = PathEnv {
            project_root: Some(root_str.clone()),
            ..self.env.clone()
        };
        let file_setting = kind.default_setting(file_name(display));
        for extracted in &extraction.commands {
            let cwd = match extracted.cwd {
                Cwd::FileDir => &dir,
                Cwd::Root => &root_str,
            };
            let setting = extracted.setting.unwrap_or(file_setting);
            let judged = extracted.shell.command_line(&extracted.command);
            for hit in self.judge.hits(judged.as_str(), cwd, &env, setting) {
                match hit.grounds {
                    Grounds::RunTime if !self.strict => self.report.unjudged += 1,
                    Grounds::Unreadable if !self.strict => {
                        let note = self.unreadable_note(display, extracted, &judged, &index, &hit);
                        self.report.notes.push(note);
                    }
                    _ => {
                        let finding = self.finding(display, kind, extracted, &judged, &index, hit);
                        self.report.findings.push(finding);
                    }
                }
            }
        }
        for flagged in &extraction.flagged {
            let finding = self.flagged(display, kind, text, &index, flagged);
            self.report.findings.push(finding);
        }
        for note in &extraction.notes {
            if self.strict {
                // A file scan does not read has not been shown to be safe.
                let flagged = Flagged {
                    span: note.span.clone(),
                    rule_id: NOT_JUDGED_RULE,
                    description: "scan did not judge this file's commands",
                    verdict: Verdict::Review,
                    severity: mstro_engine::Severity::Medium,
                    reason: note.message.clone(),
                    alternative: None,
                    origin: "file".to_owned(),
                };
                let finding = self.flagged(display, kind, text, &index, &flagged);
                self.report.findings.push(finding);
                continue;
            }
            self.report.notes.push(FileError {
                file: display.to_owned(),
                position: Some(index.position(note.span.start)),
                message: note.message.clone(),
            });
        }
    }

    fn finding(
        &self,
        file: &str,
        kind: SourceKind,
        extracted: &Extracted,
        judged: &MappedText,
        index: &LineIndex,
        hit: judge::Hit,
    ) -> Finding {
        let span = hit.span;
        let start = index.position(past_comment_lines(
            index.text(),
            judged.origin(span.start),
            judged.origin(span.end.saturating_sub(1).max(span.start)),
        ));
        let end = if span.is_empty() {
            start
        } else {
            let last = index.position(judged.origin(span.end - 1));
            location::Position {
                column: last.column + 1,
                ..last
            }
        }
        .max(start);
        let text = span.slice(judged.as_str()).unwrap_or_default();
        let rule_id = hit.rule_ids.first().cloned().unwrap_or_default();
        Finding {
            file: file.to_owned(),
            start,
            end,
            verdict: hit.verdict,
            severity: hit.severity,
            fingerprint: baseline::fingerprint(file, &rule_id, text),
            rule_id,
            rule_ids: hit.rule_ids,
            reason: hit.reason,
            alternative: hit.alternative,
            source: kind.as_str(),
            origin: extracted.origin.clone(),
            command: shown(text),
            operation: Some(judged.as_str().to_owned()),
            review: None,
        }
    }

    /// A region of a command the parser could not read, or where the engine stopped at
    /// a limit, as a note: where it starts and why (`--strict` reports it as a
    /// finding).
    fn unreadable_note(
        &self,
        file: &str,
        extracted: &Extracted,
        judged: &MappedText,
        index: &LineIndex,
        hit: &judge::Hit,
    ) -> FileError {
        let start = past_comment_lines(
            index.text(),
            judged.origin(hit.span.start),
            judged.origin(hit.span.end.saturating_sub(1).max(hit.span.start)),
        );
        FileError {
            file: file.to_owned(),
            position: Some(index.position(start)),
            message: format!(
                "{} in {}: what scan did not read there was not judged (--strict makes it a finding)",
                shown(&hit.reason),
                extracted.origin
            ),
        }
    }

    fn flagged(
        &mut self,
        file: &str,
        kind: SourceKind,
        text: &str,
        index: &LineIndex,
        f: &Flagged,
    ) -> Finding {
        self.report
            .rules
            .entry(f.rule_id.to_owned())
            .or_insert_with(|| RuleInfo {
                id: f.rule_id.to_owned(),
                description: f.description.to_owned(),
                verdict: f.verdict,
                severity: f.severity,
                help: f.alternative.clone(),
            });
        let snippet = text.get(f.span.clone()).unwrap_or_default();
        Finding {
            file: file.to_owned(),
            start: index.position(f.span.start),
            end: index.position(f.span.end),
            verdict: f.verdict,
            severity: f.severity,
            rule_id: f.rule_id.to_owned(),
            rule_ids: vec![f.rule_id.to_owned()],
            reason: f.reason.clone(),
            alternative: f.alternative.clone(),
            source: kind.as_str(),
            origin: f.origin.clone(),
            command: shown(snippet),
            operation: None,
            review: None,
            fingerprint: baseline::fingerprint(file, f.rule_id, snippet),
        }
    }

    fn finish(mut self) -> Report {
        let rules = std::mem::take(&mut self.judge.rules);
        for (id, info) in rules {
            self.report.rules.entry(id).or_insert(info);
        }
        self.report.finish();
        self.report
    }
}

/// The rule of a `--strict` finding for a file in a shell dialect scan does not read.
const NOT_JUDGED_RULE: &str = "scan.not-judged";

/// Largest file a scan reads. Commands live in small files; a bigger one is reported as
/// not scanned (exit 2), not read into memory whole.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

fn read_bounded(path: &Path) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io::Error::other(format!(
            "larger than {} MiB; not scanned",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// The kind of a file its name did not identify, from its first line.
fn sniff(path: &Path) -> io::Result<Option<SourceKind>> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)?;
    Ok(SourceKind::from_content(&head))
}

/// Where a finding that starts on a comment line (an interpreter step whose code opens
/// with a comment) is reported: the first line of code after it, within `end`.
fn past_comment_lines(text: &str, start: usize, end: usize) -> usize {
    let mut at = start;
    loop {
        let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[at.min(text.len())..]
            .find('\n')
            .map_or(text.len(), |i| at + i);
        let line = text[line_start..line_end].trim_start();
        if !line.starts_with('#') || line.starts_with("#!") || line_end + 1 > end {
            return at;
        }
        let next = line_end + 1;
        let blank = text[next..].len() - text[next..].trim_start_matches([' ', '\t']).len();
        at = next + blank;
    }
}

/// The last component of a displayed (`/`-separated) path.
fn file_name(display: &str) -> &str {
    display.rsplit('/').next().unwrap_or(display)
}

/// A command as reports show it: one line, at most 200 characters.
fn shown(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 200 {
        format!("{}…", flat.chars().take(200).collect::<String>())
    } else {
        flat
    }
}
