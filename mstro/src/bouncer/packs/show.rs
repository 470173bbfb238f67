//! `packs show ID`: a pack's rules, or one rule in full with its examples.

use std::fmt::Write as _;

use mstro_engine::pack::format::{Example, RuleSpec};
use mstro_engine::pack::{PackSource, line_of_rule};

use super::current_dir;
use crate::bouncer::configured::Configured;

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
    eprintln!("mstro-bouncer packs show: no pack or rule `{id}` (see `mstro-bouncer packs list`)");
    Ok(1)
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
