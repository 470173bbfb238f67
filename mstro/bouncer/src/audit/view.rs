//! `mstro-bouncer audit`: read the log, filter, follow, and summarise.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};
use mstro_engine::{PathEnv, Verdict};

use super::{AuditLog, AuditRecord};
use crate::cli::{AuditArgs, AuditFormat};

pub fn run(args: &AuditArgs) -> i32 {
    match view(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mstro-bouncer audit: {e:#}");
            2
        }
    }
}

struct Filter {
    verdict: Option<Verdict>,
    since: Option<SystemTime>,
}

impl Filter {
    fn keeps(&self, r: &AuditRecord) -> bool {
        self.verdict.is_none_or(|v| r.verdict == v)
            && self.since.is_none_or(|since| {
                humantime::parse_rfc3339_weak(&r.time).is_ok_and(|t| t >= since)
            })
    }
}

fn parse_since(text: &str) -> anyhow::Result<SystemTime> {
    if let Ok(ago) = humantime::parse_duration(text) {
        return Ok(SystemTime::now() - ago);
    }
    humantime::parse_rfc3339_weak(text).with_context(|| {
        format!("--since {text:?} is neither a duration (30m, 2h, 1day) nor a time (2026-11-21T09:00:00Z)")
    })
}

fn view(args: &AuditArgs) -> anyhow::Result<()> {
    let env = PathEnv::from_process_env();
    let log = AuditLog::under(std::path::Path::new(&env.mstro_home));
    let filter = Filter {
        verdict: args.decision.map(Into::into),
        since: args.since.as_deref().map(parse_since).transpose()?,
    };
    if args.stats && args.follow {
        bail!("--stats and --follow do not go together");
    }
    let mut records = Vec::new();
    let mut unreadable = 0usize;
    for path in log.files() {
        let Ok(file) = File::open(&path) else {
            continue;
        };
        for line in BufReader::new(file).lines() {
            let line = line.with_context(|| format!("reading {}", path.display()))?;
            match serde_json::from_str::<AuditRecord>(&line) {
                Ok(r) if filter.keeps(&r) => records.push(r),
                Ok(_) => {}
                Err(_) if line.trim().is_empty() => {}
                Err(_) => unreadable += 1,
            }
        }
    }
    if unreadable > 0 {
        eprintln!("mstro-bouncer audit: skipped {unreadable} unreadable line(s)");
    }
    let format = args.format();
    if args.json {
        eprintln!("mstro-bouncer audit: --json is deprecated; use --format json");
    }
    if args.stats {
        print!("{}", stats(&records, format == AuditFormat::Json));
        return Ok(());
    }
    let tail = args
        .tail
        .unwrap_or(if args.follow { 10 } else { usize::MAX });
    let skip = records.len().saturating_sub(tail);
    let shown = &records[skip..];
    let table = Table::new(terminal_width(), shown);
    let mut out = std::io::stdout().lock();
    if format == AuditFormat::Text && (!shown.is_empty() || args.follow) {
        writeln!(out, "{}", table.header())?;
    }
    for r in shown {
        writeln!(out, "{}", render(r, format, &table))?;
    }
    out.flush()?;
    drop(out);
    if args.follow {
        follow(&log, &filter, format, &table)?;
    }
    Ok(())
}

fn render(r: &AuditRecord, format: AuditFormat, table: &Table) -> String {
    match format {
        AuditFormat::Json => serde_json::to_string(r).unwrap_or_default(),
        AuditFormat::Text => table.row(r),
    }
}

/// The table's width: `COLUMNS` when the shell exports it, else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, the operation would have no room at all.
const MIN_WIDTH: usize = 72;
const TIME: usize = 19;
const VERDICT: usize = 7;
const OUTCOME: usize = 7;
const LAYER: usize = 8;
/// The source and tool columns fit their longest value among the rows shown first,
/// within these bounds; longer values are cut.
const SOURCE: (usize, usize) = (6, 24);
const TOOL: (usize, usize) = (4, 12);
/// The least room the operation gets: the source and then the tool column give way.
const OPERATION: usize = 20;

/// The text table: columns sized once, from the rows printed first, so that rows
/// `--follow` prints later line up with them. Each row fits `width` characters: the
/// operation, last, takes what is left and is cut with an ellipsis.
struct Table {
    width: usize,
    source: usize,
    tool: usize,
}

impl Table {
    fn new(width: usize, rows: &[AuditRecord]) -> Table {
        let widest = |f: &dyn Fn(&AuditRecord) -> usize, (min, max): (usize, usize)| {
            rows.iter().map(f).max().unwrap_or(0).clamp(min, max)
        };
        let mut table = Table {
            width,
            source: widest(&|r| source_of(r).chars().count(), SOURCE),
            tool: widest(&|r| r.tool.chars().count(), TOOL),
        };
        let short = OPERATION.saturating_sub(table.operation());
        let from_source = short.min(table.source.saturating_sub(12));
        table.source -= from_source;
        table.tool -= (short - from_source).min(table.tool - TOOL.0);
        table
    }

    /// Room left for the operation.
    fn operation(&self) -> usize {
        let fixed = TIME + VERDICT + OUTCOME + LAYER + self.source + self.tool + 6;
        self.width.saturating_sub(fixed)
    }

    fn header(&self) -> String {
        self.line([
            "TIME",
            "VERDICT",
            "OUTCOME",
            "LAYER",
            "SOURCE",
            "TOOL",
            "OPERATION",
        ])
    }

    fn row(&self, r: &AuditRecord) -> String {
        let time = r.time.get(..19).unwrap_or(&r.time).replacen('T', " ", 1);
        let rules = if r.rule_ids.is_empty() {
            String::new()
        } else {
            format!(" [{}]", r.rule_ids.join(", "))
        };
        let confidence = r.confidence.map(|c| format!(" ({c}%)")).unwrap_or_default();
        let op = r.operation.split_whitespace().collect::<Vec<_>>().join(" ");
        self.line([
            &time,
            &r.verdict.to_string(),
            r.outcome.as_str(),
            r.layer.as_str(),
            &source_of(r),
            &r.tool,
            &operation_cell(&op, &format!("{rules}{confidence}"), self.operation()),
        ])
    }

    fn line(&self, cells: [&str; 7]) -> String {
        let widths = [
            TIME,
            VERDICT,
            OUTCOME,
            LAYER,
            self.source,
            self.tool,
            self.operation(),
        ];
        let mut line = String::with_capacity(self.width);
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push(' ');
            }
            line.push_str(&fit(cell, width));
        }
        line.truncate(line.trim_end().len());
        line
    }
}

/// Which consumer decided, in which mode, and the person when one did: `hook/repl`,
/// `mcp/headless by ana`.
fn source_of(r: &AuditRecord) -> String {
    match &r.decided_by {
        Some(person) => format!("{}/{} by {person}", r.source, r.mode),
        None => format!("{}/{}", r.source, r.mode),
    }
}

/// The operation and, after it, the rules and confidence, in `width` characters. The
/// rules say what decided, so a long operation is cut before them rather than them
/// being cut, unless they would take more than half the room.
fn operation_cell(op: &str, after: &str, width: usize) -> String {
    let (op_len, after_len) = (op.chars().count(), after.chars().count());
    if op_len + after_len <= width || after_len > width / 2 {
        return cut(&format!("{op}{after}"), width);
    }
    format!("{}{after}", cut(op, width - after_len))
}

/// `text` in exactly `width` characters: cut with an ellipsis, or padded. Control
/// characters are shown as `?`: the log holds what an agent wrote, and an escape
/// sequence must not reach the terminal.
fn fit(text: &str, width: usize) -> String {
    let cut = cut(text, width);
    let pad = width.saturating_sub(cut.chars().count());
    format!("{cut}{}", " ".repeat(pad))
}

/// `text` in at most `width` characters, cut with an ellipsis, control characters
/// replaced.
fn cut(text: &str, width: usize) -> String {
    let clean = text.chars().map(|c| if c.is_control() { '?' } else { c });
    if text.chars().count() <= width {
        return clean.collect();
    }
    let mut s: String = clean.take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Print new records as they are appended, across rotations, until interrupted.
fn follow(
    log: &AuditLog,
    filter: &Filter,
    format: AuditFormat,
    table: &Table,
) -> anyhow::Result<()> {
    let path = log.path();
    let mut offset = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut pending = String::new();
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let Ok(mut file) = File::open(&path) else {
            continue;
        };
        let len = file.metadata()?.len();
        if len < offset {
            offset = 0; // rotated: the new file starts over
            pending.clear();
        }
        if len == offset {
            continue;
        }
        file.seek(SeekFrom::Start(offset))?;
        let mut reader = BufReader::new(file);
        let mut chunk = String::new();
        let read = std::io::Read::read_to_string(&mut reader, &mut chunk)?;
        offset += read as u64;
        pending.push_str(&chunk);
        let mut out = std::io::stdout().lock();
        while let Some(end) = pending.find('\n') {
            let line: String = pending.drain(..=end).collect();
            if let Ok(r) = serde_json::from_str::<AuditRecord>(line.trim_end())
                && filter.keeps(&r)
            {
                writeln!(out, "{}", render(&r, format, table))?;
            }
        }
        out.flush()?;
    }
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn stats(records: &[AuditRecord], json: bool) -> String {
    let mut by_verdict: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_outcome: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_layer: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut latencies: Vec<u64> = Vec::with_capacity(records.len());
    for r in records {
        *by_verdict.entry(r.verdict.to_string()).or_default() += 1;
        *by_outcome.entry(r.outcome.as_str().to_owned()).or_default() += 1;
        *by_layer.entry(r.layer.as_str().to_owned()).or_default() += 1;
        for rule in &r.rule_ids {
            *by_rule.entry(rule.clone()).or_default() += 1;
        }
        latencies.push(r.latency_us);
    }
    latencies.sort_unstable();
    let lat = [
        ("p50", percentile(&latencies, 0.50)),
        ("p90", percentile(&latencies, 0.90)),
        ("p99", percentile(&latencies, 0.99)),
        ("max", latencies.last().copied().unwrap_or(0)),
    ];
    if json {
        let v = serde_json::json!({
            "decisions": records.len(),
            "verdict": by_verdict,
            "outcome": by_outcome,
            "layer": by_layer,
            "rule": by_rule,
            "latency_us": lat.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>(),
        });
        return format!("{v}\n");
    }
    let mut s = format!("{} decisions\n", records.len());
    for (title, map) in [
        ("verdict", &by_verdict),
        ("outcome", &by_outcome),
        ("layer", &by_layer),
    ] {
        s.push_str(&format!("\nby {title}\n"));
        for (k, n) in map {
            s.push_str(&format!("  {k:<10} {n}\n"));
        }
    }
    let mut rules: Vec<(&String, &usize)> = by_rule.iter().collect();
    rules.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    s.push_str("\nby rule\n");
    for (k, n) in rules.iter().take(25) {
        s.push_str(&format!("  {k:<45} {n}\n"));
    }
    s.push_str("\nlatency (µs)\n");
    for (k, v) in lat {
        s.push_str(&format!("  {k:<4} {v}\n"));
    }
    s
}
