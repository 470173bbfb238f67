//! `packs show ID`: a pack's rules, or one rule in full with its examples.

use std::fmt::Write as _;

use mstro_engine::pack::format::{Example, RuleSpec};
use mstro_engine::pack::{PackSource, line_of_rule};
use mstro_engine::rules::{FlagSpec, ProgramCli};

use super::current_dir;
use crate::configured::Configured;

pub fn run(id: &str) -> anyhow::Result<i32> {
    let configured = Configured::load(Some(&current_dir()?), true)
        .map_err(|e| anyhow::anyhow!("the configuration does not load: {e}"))?;
    let sources = &configured.config.sources;
    if let Some(source) = sources.iter().find(|s| s.pack.pack == id) {
        print!("{}", pack(source));
        return Ok(0);
    }
    for source in sources {
        if let Some(rule) = source.pack.rules.iter().find(|r| r.id == id) {
            let switched = configured
                .engine
                .rules()
                .index_of(id)
                .and_then(|i| configured.engine.rules().switch(i));
            print!(
                "{}",
                rule_text(source, rule, switched.map(|s| format!("{s:?}")))
            );
            return Ok(0);
        }
    }
    if let Some(cli) = configured.engine.rules().program(id) {
        print!("{}", program(id, cli));
        return Ok(0);
    }
    eprintln!(
        "mstro-bouncer packs show: no pack, rule or program `{id}` (see `mstro-bouncer packs list`)"
    );
    Ok(1)
}

/// A program's vocabulary, merged from every pack that declares it.
fn program(name: &str, cli: &ProgramCli) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "program     {name} (merged from every pack that declares it)"
    );
    let spellings = |f: &FlagSpec| {
        let mut all: Vec<String> = f.shorts.iter().map(|c| format!("-{c}")).collect();
        all.extend(f.longs.iter().map(|l| format!("--{l}")));
        all.extend(f.exact.iter().cloned());
        all.join(" ")
    };
    let mut flags: Vec<_> = cli.flags.iter().collect();
    flags.sort_by_key(|(k, _)| k.as_str());
    if !flags.is_empty() {
        let _ = writeln!(s, "flags");
        for (k, f) in flags {
            let _ = writeln!(s, "  {k:<18} {}", spellings(f));
        }
    }
    let mut options: Vec<_> = cli.options.iter().collect();
    options.sort_by_key(|(k, _)| k.as_str());
    if !options.is_empty() {
        let _ = writeln!(s, "options (take a value)");
        for (k, o) in options {
            let _ = writeln!(s, "  {k:<18} {}", o.join(" "));
        }
    }
    let named: Vec<&String> = cli.options.values().flatten().collect();
    let mut others: Vec<&String> = cli
        .value_options
        .iter()
        .filter(|v| !named.contains(v))
        .collect();
    others.sort();
    if !others.is_empty() {
        let _ = writeln!(
            s,
            "other options taking a value (global options, file options)"
        );
        let _ = writeln!(
            s,
            "  {}",
            others
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    for (what, which) in [
        ("reads", cli.reads),
        ("writes", cli.writes),
        ("deletes", cli.deletes),
    ] {
        if let Some(w) = which {
            let _ = writeln!(s, "{what:<11} {w:?} operands");
        }
    }
    for (what, list) in [
        ("read opts", &cli.read_options),
        ("write opts", &cli.write_options),
    ] {
        if !list.is_empty() {
            let _ = writeln!(s, "{what:<11} {}", list.join(" "));
        }
    }
    if cli.long_single_dash {
        let _ = writeln!(s, "single-dash words are whole option names (`-name`)");
    }
    if cli.key_value {
        let _ = writeln!(s, "`key=value` operands are options");
    }
    s
}

fn pack(source: &PackSource) -> String {
    let p = &source.pack;
    let mut s = String::new();
    let _ = writeln!(s, "pack        {}", p.pack);
    let _ = writeln!(s, "source      {} ({})", source.scope, source.file);
    if let Some(modes) = &p.modes {
        let names: Vec<&str> = modes.iter().map(|m| m.as_str()).collect();
        let _ = writeln!(s, "modes       {}", names.join(", "));
    }
    let _ = writeln!(s, "about       {}", p.description.trim());
    if !p.programs.is_empty() {
        let names: Vec<&str> = p.programs.keys().map(String::as_str).collect();
        let _ = writeln!(s, "programs    {}", names.join(", "));
    }
    let _ = writeln!(s, "rules");
    for r in &p.rules {
        let _ = writeln!(
            s,
            "  {:<7} {:<8} {}\n          {}",
            r.verdict.as_str(),
            r.severity.as_str(),
            r.id,
            r.reason.trim()
        );
    }
    s
}

fn rule_text(source: &PackSource, rule: &RuleSpec, switched: Option<String>) -> String {
    let mut s = String::new();
    let line = source
        .text
        .as_deref()
        .and_then(|t| line_of_rule(t, &rule.id));
    let _ = writeln!(s, "rule        {}", rule.id);
    let _ = writeln!(
        s,
        "defined in  {}{}",
        source.file,
        line.map(|l| format!(":{l}")).unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "verdict     {} (severity {})",
        rule.verdict,
        rule.severity.as_str()
    );
    if let Some(sw) = switched {
        let _ = writeln!(s, "switched    off by your bouncer.yaml ({sw})");
    }
    let _ = writeln!(s, "reason      {}", rule.reason.trim());
    if let Some(alt) = &rule.alternative {
        let _ = writeln!(s, "safer       {}", alt.trim());
    }
    if !rule.mitre.is_empty() {
        let _ = writeln!(s, "mitre       {}", rule.mitre.join(", "));
    }
    let _ = writeln!(s, "when\n{}", indent(&yaml(&rule.when)));
    if let Some(unless) = &rule.unless {
        let _ = writeln!(s, "unless\n{}", indent(&yaml(unless)));
    }
    if let Some(ex) = &rule.examples {
        let _ = writeln!(s, "fires on");
        for e in &ex.matches {
            let _ = writeln!(s, "  {}", describe(e));
        }
        let _ = writeln!(s, "does not fire on");
        for e in &ex.no_match {
            let _ = writeln!(s, "  {}", describe(e));
        }
    }
    s
}

fn describe(e: &Example) -> String {
    match e {
        Example::Command(c) => c.clone(),
        Example::Call(call) => format!("{} {}", call.tool, call.input),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A predicate back in YAML, for display.
fn yaml<T: serde::Serialize>(value: &T) -> String {
    serde_yaml::to_string(value).unwrap_or_else(|e| format!("(cannot show: {e})"))
}
