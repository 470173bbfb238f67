//! `packs list`: every loaded pack, where it comes from, and its rules by verdict.

use mstro_engine::Mode;
use mstro_engine::rules::PackInfo;
use serde::Serialize;

use super::current_dir;
use crate::configured::Configured;

/// One line of `packs list --json`.
#[derive(Debug, Serialize)]
struct Listed<'a> {
    id: &'a str,
    source: String,
    file: &'a str,
    description: &'a str,
    /// Modes the pack is on in (every mode when absent).
    modes: Option<Vec<&'static str>>,
    rules: Counts,
    /// On in the configured mode.
    enabled: bool,
    /// Rules of this pack the user switched off.
    switched_off: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Counts {
    allow: usize,
    review: usize,
    deny: usize,
}

pub fn run(json: bool) -> anyhow::Result<i32> {
    let configured = Configured::load(Some(&current_dir()?), false)
        .map_err(|e| anyhow::anyhow!("the configuration does not load: {e}"))?;
    let mode = configured.mode(None);
    let rules = configured.engine.rules();
    let listed: Vec<Listed> = rules
        .packs
        .iter()
        .enumerate()
        .map(|(i, p)| Listed {
            id: &p.id,
            source: p.scope.to_string(),
            file: &p.file,
            description: &p.description,
            modes: p
                .modes
                .as_ref()
                .map(|m| m.iter().map(|m| m.as_str()).collect()),
            rules: Counts {
                allow: p.counts[0],
                review: p.counts[1],
                deny: p.counts[2],
            },
            enabled: enabled(p, mode),
            switched_off: rules
                .rules
                .iter()
                .enumerate()
                .filter(|(r, rule)| rule.pack == i && rules.switch(*r as u32).is_some())
                .map(|(_, rule)| rule.id.to_string())
                .collect(),
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&listed)?);
        return Ok(0);
    }
    println!(
        "{:<18} {:<9} {:>5} {:>6} {:>4}  {:<18} FILE",
        "PACK", "SOURCE", "ALLOW", "REVIEW", "DENY", "ENABLED"
    );
    for l in &listed {
        let enabled = match (&l.modes, l.enabled) {
            (None, _) => "yes".to_owned(),
            (Some(m), true) => format!("yes ({})", m.join(",")),
            (Some(m), false) => format!("no ({} only)", m.join(",")),
        };
        println!(
            "{:<18} {:<9} {:>5} {:>6} {:>4}  {:<18} {}",
            l.id, l.source, l.rules.allow, l.rules.review, l.rules.deny, enabled, l.file
        );
        if !l.switched_off.is_empty() {
            println!("{:<18} switched off: {}", "", l.switched_off.join(", "));
        }
    }
    println!("mode: {mode}");
    Ok(0)
}

fn enabled(pack: &PackInfo, mode: Mode) -> bool {
    pack.modes.as_ref().is_none_or(|m| m.contains(&mode))
}
