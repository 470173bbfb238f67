//! `packs validate` and `packs test`: pack files checked the way the engine loads
//! them (schema, regexes, predicates, duplicate ids), and every example run through
//! the whole engine. Examples run with the home directory `/home/dev` and the
//! working directory `/home/dev/project`.

use std::path::PathBuf;

use mstro_engine::Engine;
use mstro_engine::pack::{
    PackError, PackScope, PackSource, builtin_sources, check_examples, parse_yaml,
};

use super::current_dir;
use crate::configured::Configured;

pub fn validate(files: &[PathBuf], project: bool) -> anyhow::Result<i32> {
    let (sources, errors) = read_packs(files, project);
    // Rules without examples are reported, but the other examples still run.
    let mut lint = Vec::new();
    if errors.is_empty() {
        for source in &sources {
            for rule in &source.pack.rules {
                let missing = match &rule.examples {
                    None => Some("has no examples"),
                    Some(e) if e.matches.is_empty() => Some("has no `match` examples"),
                    Some(e) if e.no_match.is_empty() => Some("has no `no_match` examples"),
                    Some(_) => None,
                };
                if let Some(what) = missing {
                    lint.push(
                        PackError::for_rule(
                            &source.file,
                            &rule.id,
                            format!(
                                "{what}: every rule shows what it catches and what it leaves alone"
                            ),
                        )
                        .locate(source.text.as_deref()),
                    );
                }
            }
        }
    }
    finish(sources, errors, lint)
}

pub fn test(files: &[PathBuf], project: bool) -> anyhow::Result<i32> {
    if !files.is_empty() {
        let (sources, errors) = read_packs(files, project);
        return finish(sources, errors, Vec::new());
    }
    // Every loaded pack, against the engine as configured.
    let configured = Configured::load(Some(&current_dir()?), true)
        .map_err(|e| anyhow::anyhow!("the configuration does not load: {e}"))?;
    let rules = configured.engine.rules();
    let mut sources = configured.config.sources.clone();
    let mut skipped = Vec::new();
    for source in &mut sources {
        for rule in &mut source.pack.rules {
            // A rule the user switched off cannot show its examples.
            if rules
                .index_of(&rule.id)
                .and_then(|i| rules.switch(i))
                .is_some()
            {
                rule.examples = None;
                skipped.push(rule.id.clone());
            }
        }
    }
    if !skipped.is_empty() {
        println!("skipped (switched off): {}", skipped.join(", "));
    }
    Ok(report(
        &sources,
        &check_examples(&configured.engine, &sources),
    ))
}

/// Parse the files in `scope` and compile them over the built-in packs.
fn read_packs(files: &[PathBuf], project: bool) -> (Vec<PackSource>, Vec<PackError>) {
    let scope = if project {
        PackScope::Project
    } else {
        PackScope::User
    };
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => match parse_yaml(&text, &name, scope) {
                Ok(s) => sources.push(s),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(PackError::new(&name, format!("cannot read it: {e}"))),
        }
    }
    (sources, errors)
}

/// Compile the packs over the built-ins, run their examples, print, and pick the exit
/// code. `lint` problems do not stop the examples from running.
fn finish(
    sources: Vec<PackSource>,
    mut errors: Vec<PackError>,
    lint: Vec<PackError>,
) -> anyhow::Result<i32> {
    let mut engine = None;
    if errors.is_empty() {
        let mut all = builtin_sources(false).map_err(|e| anyhow::anyhow!("{e}"))?;
        all.extend(sources.iter().cloned());
        match Engine::from_sources(&all) {
            Ok(e) => engine = Some(e),
            Err(es) => errors.extend(es),
        }
    }
    for e in errors.iter().chain(&lint) {
        println!("{e}");
    }
    match engine {
        Some(engine) => {
            let code = report(&sources, &check_examples(&engine, &sources));
            if lint.is_empty() {
                Ok(code)
            } else {
                println!("{} problem(s)", lint.len());
                Ok(1)
            }
        }
        None => {
            // The YAML parser stops at the first problem in a file: fix it and run again.
            println!("{} problem(s); the packs do not load", errors.len());
            Ok(1)
        }
    }
}

/// Print example failures and a summary per pack; 1 when any example failed.
fn report(sources: &[PackSource], failures: &[mstro_engine::pack::ExampleFailure]) -> i32 {
    for f in failures {
        println!("{f}");
    }
    for source in sources {
        let (rules, examples) = source.pack.rules.iter().fold((0, 0), |(r, e), rule| {
            let n = rule
                .examples
                .as_ref()
                .map_or(0, |x| x.matches.len() + x.no_match.len());
            (r + 1, e + n)
        });
        let failed = failures.iter().filter(|f| f.file == source.file).count();
        let status = if failed == 0 { "ok  " } else { "FAIL" };
        println!(
            "{status} {} ({}): {rules} rule(s), {examples} example(s){}",
            source.file,
            source.pack.pack,
            if failed > 0 {
                format!(", {failed} failed")
            } else {
                String::new()
            }
        );
    }
    i32::from(!failures.is_empty())
}
