//! `packs test --corpus`: how well the loaded rules sort a labelled corpus of tool
//! calls, so a rule author can measure a pack against their own command logs.
//!
//! Each line is `{"tool_name", "tool_input", "cwd"?, "expect"}` (or `{"command",
//! "expect"}` for Bash), with `expect` one of `allow`, `review`, `deny` or `block`
//! (review or deny). For each expectation E, *recall* is the share of lines expecting
//! E that got it, and *precision* the share of lines the engine put in E whose own
//! expectation was met (a `deny` on a line expecting `block` is not a false `deny`).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use mstro_engine::{Mode, ToolCall, Verdict};
use serde::Deserialize;
use serde_json::Value;

use crate::configured::Configured;

#[derive(Debug, Deserialize)]
struct Line {
    #[serde(default)]
    tool_name: Option<String>,
    #[serde(default)]
    tool_input: Option<Value>,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    cwd: Option<String>,
    expect: Expect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Expect {
    Allow,
    Review,
    Deny,
    Block,
}

impl Expect {
    fn met_by(self, v: Verdict) -> bool {
        match self {
            Expect::Allow => v == Verdict::Allow,
            Expect::Review => v == Verdict::Review,
            Expect::Deny => v == Verdict::Deny,
            Expect::Block => v != Verdict::Allow,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Expect::Allow => "allow",
            Expect::Review => "review",
            Expect::Deny => "deny",
            Expect::Block => "block",
        }
    }
}

/// Tallies for one expectation.
#[derive(Debug, Default)]
struct Tally {
    expected: usize,
    met: usize,
    /// Lines the engine put in this class whose own expectation was not met.
    wrongly_put_here: usize,
}

pub fn run(
    corpus: &Path,
    files: &[PathBuf],
    project: bool,
    min_recall: Option<f64>,
    mode: Option<Mode>,
) -> anyhow::Result<i32> {
    if let Some(r) = min_recall
        && !(0.0..=1.0).contains(&r)
    {
        anyhow::bail!("--min-recall is a ratio between 0 and 1, not {r}");
    }
    let cwd = super::current_dir()?;
    let mut configured = Configured::load(Some(&cwd), false)
        .map_err(|e| anyhow::anyhow!("the configuration does not load: {e}"))?;
    if !files.is_empty() {
        // Measure the given packs on top of the configured ones.
        let scope = if project {
            mstro_engine::pack::PackScope::Project
        } else {
            mstro_engine::pack::PackScope::User
        };
        for path in files {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            let source = mstro_engine::pack::parse_yaml(&text, &path.display().to_string(), scope)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            configured.config.sources.push(source);
        }
        configured.engine = mstro_engine::Engine::from_config(&configured.config)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let mode = configured.mode(mode);
    let policy = configured.policy(mode);
    let reader: Box<dyn BufRead> = if corpus == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(corpus)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", corpus.display()))?,
        ))
    };

    let mut tallies: BTreeMap<Expect, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut bad = Vec::new();
    let mut total = 0;
    for (n, line) in reader.lines().enumerate() {
        let number = n + 1;
        let line = line.map_err(|e| anyhow::anyhow!("reading {}: {e}", corpus.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = match serde_json::from_str(&line) {
            Ok(l) => l,
            Err(e) => {
                bad.push(format!("line {number}: {e}"));
                continue;
            }
        };
        let cwd = parsed.cwd.clone().unwrap_or_else(|| cwd.clone());
        let call = match (parsed.tool_name, parsed.command) {
            (Some(tool_name), _) => ToolCall {
                tool_name,
                tool_input: parsed.tool_input.unwrap_or(Value::Null),
                cwd: Some(cwd),
            },
            (None, Some(command)) => ToolCall::bash(command).with_cwd(cwd),
            (None, None) => {
                bad.push(format!(
                    "line {number}: needs `tool_name` and `tool_input`, or `command`"
                ));
                continue;
            }
        };
        let evaluation = match configured.engine.judge(&call, &configured.env, mode) {
            Ok(e) => e,
            Err(e) => {
                bad.push(format!("line {number}: {e}"));
                continue;
            }
        };
        total += 1;
        let verdict = policy.reported_verdict(&evaluation.judgement);
        let met = parsed.expect.met_by(verdict);
        let tally = tallies.entry(parsed.expect).or_default();
        tally.expected += 1;
        if met {
            tally.met += 1;
        } else {
            let rules: Vec<String> = evaluation
                .judgement
                .rule_ids
                .iter()
                .map(|r| r.to_string())
                .collect();
            misses.push(format!(
                "line {number}: expected {}, got {verdict}{}: {}",
                parsed.expect.name(),
                if rules.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", rules.join(", "))
                },
                short(evaluation.operation.primary_text())
            ));
            for class in [Expect::Allow, Expect::Review, Expect::Deny, Expect::Block] {
                if class.met_by(verdict) {
                    tallies.entry(class).or_default().wrongly_put_here += 1;
                }
            }
        }
    }

    println!(
        "corpus {}: {total} operation(s), mode {mode}",
        corpus.display()
    );
    println!(
        "{:<8} {:>6} {:>10} {:>8}",
        "EXPECT", "COUNT", "PRECISION", "RECALL"
    );
    let mut below = Vec::new();
    for (class, t) in &tallies {
        if t.expected == 0 {
            continue;
        }
        let recall = t.met as f64 / t.expected as f64;
        let precision = match t.met + t.wrongly_put_here {
            0 => None,
            n => Some(t.met as f64 / n as f64),
        };
        println!(
            "{:<8} {:>6} {:>10} {:>8.3}",
            class.name(),
            t.expected,
            precision
                .map(|p| format!("{p:.3}"))
                .unwrap_or_else(|| "-".into()),
            recall
        );
        if min_recall.is_some_and(|m| recall < m) {
            below.push(class.name());
        }
    }
    if !misses.is_empty() {
        println!("misses:");
        for m in &misses {
            println!("  {m}");
        }
    }
    for b in &bad {
        eprintln!("mstro-bouncer packs test: {b}");
    }
    if !bad.is_empty() {
        return Ok(2);
    }
    if !below.is_empty() {
        println!(
            "recall below {} for: {}",
            min_recall.unwrap_or_default(),
            below.join(", ")
        );
        return Ok(1);
    }
    Ok(0)
}

fn short(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 100 {
        format!("{}…", flat.chars().take(100).collect::<String>())
    } else {
        flat
    }
}
