//! `mstro-bouncer audit`: read the log, filter, follow, and summarise.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};
use mstro_engine::{PathEnv, Verdict};

use super::{AuditLog, AuditRecord};
use crate::cli::AuditArgs;

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
    if args.stats {
        print!("{}", stats(&records, args.json));
        return Ok(());
    }
    let tail = args
        .tail
        .unwrap_or(if args.follow { 10 } else { usize::MAX });
    let skip = records.len().saturating_sub(tail);
    let mut out = std::io::stdout().lock();
    for r in &records[skip..] {
        writeln!(out, "{}", render(r, args.json))?;
    }
    out.flush()?;
    drop(out);
    if args.follow {
        follow(&log, &filter, args.json)?;
    }
    Ok(())
}

fn render(r: &AuditRecord, json: bool) -> String {
    if json {
        return serde_json::to_string(r).unwrap_or_default();
    }
    let rules = if r.rule_ids.is_empty() {
        String::new()
    } else {
        format!(" [{}]", r.rule_ids.join(", "))
    };
    let confidence = r.confidence.map(|c| format!(" ({c}%)")).unwrap_or_default();
    let op: String = r.operation.split_whitespace().collect::<Vec<_>>().join(" ");
    let op: String = if op.chars().count() > 100 {
        op.chars().take(100).collect::<String>() + "…"
    } else {
        op
    };
    format!(
        "{}  {:<6} {:<5} {:<8} {:<12} {op}{rules}{confidence}  {} µs",
        r.time.get(..19).unwrap_or(&r.time),
        r.verdict.to_string(),
        r.outcome.as_str(),
        r.layer.as_str(),
        r.tool,
        r.latency_us
    )
}

/// Print new records as they are appended, across rotations, until interrupted.
fn follow(log: &AuditLog, filter: &Filter, json: bool) -> anyhow::Result<()> {
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
                writeln!(out, "{}", render(&r, json))?;
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
