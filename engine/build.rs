//! Compiles the shipped rule packs (`../rules/*.yaml`) into the binary.
//!
//! The hook is a new process per tool call, so it must not parse YAML, nor even every
//! rule, at start-up. Each pack is split here into compact JSON pieces without examples
//! (which only tests and `packs test` need): the pack's header, each program's
//! vocabulary, and each rule, indexed by the programs it can fire on. A call then loads
//! only the rules that can concern its programs (see `config::Relevance`). The YAML
//! text is embedded too, for examples and `packs show`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

use serde_json::Value;

fn main() {
    // At run time, not `env!`: a build script compiled for one checkout is reused by
    // another that shares the target directory (a git worktree), and must read its rules.
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let rules = Path::new(&manifest).join("../rules");
    println!("cargo:rerun-if-changed={}", rules.display());
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).to_path_buf();

    let mut files: Vec<_> = fs::read_dir(&rules)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", rules.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();

    let mut table = String::from("pub static BUILTIN: &[BuiltinPack] = &[\n");
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("pack file names are UTF-8");
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut pack: Value = serde_yaml::from_str(&text)
            .unwrap_or_else(|e| panic!("rules/{name} is not valid YAML: {e}"));
        let object = pack
            .as_object_mut()
            .unwrap_or_else(|| panic!("rules/{name} is not a mapping"));
        let programs = object.remove("programs").unwrap_or(Value::Null);
        let rules = object.remove("rules").unwrap_or(Value::Null);
        object.insert("programs".into(), Value::Object(Default::default()));
        object.insert("rules".into(), Value::Array(Vec::new()));

        writeln!(
            table,
            "    BuiltinPack {{\n        file: {name:?},\n        yaml: include_str!({yaml:?}),\n        header: {header:?},\n        programs: &[",
            yaml = path.canonicalize().expect("pack path exists").display().to_string(),
            header = json(&pack),
        )
        .expect("writing to a String");
        for (program, spec) in programs.as_object().into_iter().flatten() {
            writeln!(table, "            ({program:?}, {:?}),", json(spec)).expect("writing");
        }
        table.push_str("        ],\n        rules: &[\n");
        for rule in rules.as_array().into_iter().flatten() {
            let mut rule = rule.clone();
            if let Some(obj) = rule.as_object_mut() {
                obj.remove("examples");
            }
            let when = &rule["when"];
            let gate = if when.get("tool").is_some() {
                "RuleGate::Tools".to_owned()
            } else {
                match required_programs(when) {
                    Some(set) => {
                        format!("RuleGate::Programs(&{:?})", set.iter().collect::<Vec<_>>())
                    }
                    None => "RuleGate::Always".to_owned(),
                }
            };
            let mut refs = BTreeSet::new();
            referenced_programs(&rule, &mut refs);
            writeln!(
                table,
                "            BuiltinRule {{ id: {id:?}, critical: {critical}, gate: {gate}, refs: &{refs:?}, json: {json:?} }},",
                id = rule["id"].as_str().unwrap_or(""),
                critical = rule["severity"] == "critical",
                refs = refs.iter().collect::<Vec<_>>(),
                json = json(&rule),
            )
            .expect("writing");
        }
        table.push_str("        ],\n    },\n");
    }
    table.push_str("];\n");
    fs::write(out.join("builtin_packs.rs"), table).expect("cannot write builtin_packs.rs");
}

fn json(v: &Value) -> String {
    serde_json::to_string(v).expect("JSON values serialise")
}

/// The programs a predicate can only hold for (its invocation's program is one of
/// them), or `None` when it may hold for any program. Sound rather than tight: a rule
/// whose set is unknown is loaded for every call.
fn required_programs(pred: &Value) -> Option<BTreeSet<String>> {
    if let Some(program) = pred.get("program") {
        let names: Vec<&str> = match program {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => return None,
        };
        // A glob (`mkfs*`) may name any program; so may an empty list.
        if names.is_empty() || names.iter().any(|n| n.contains(['*', '?', '['])) {
            return None;
        }
        return Some(names.iter().map(|n| n.to_lowercase()).collect());
    }
    // Every listed condition must hold: one that names programs is enough.
    if let Some(all) = pred.get("all").and_then(Value::as_array)
        && let Some(set) = all.iter().find_map(required_programs)
    {
        return Some(set);
    }
    // One of them holds: each must name programs.
    if let Some(any) = pred.get("any").and_then(Value::as_array) {
        let mut union = BTreeSet::new();
        for branch in any {
            union.extend(required_programs(branch)?);
        }
        if !union.is_empty() {
            return Some(union);
        }
    }
    None
}

/// Every program named anywhere in a rule (`program`, nested predicates included), so
/// that the vocabularies its flags and options refer to are loaded with it.
fn referenced_programs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "program" {
                    match value {
                        Value::String(s) => {
                            out.insert(s.to_lowercase());
                        }
                        Value::Array(items) => {
                            out.extend(
                                items
                                    .iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_lowercase),
                            );
                        }
                        _ => {}
                    }
                } else {
                    referenced_programs(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| referenced_programs(i, out)),
        _ => {}
    }
}
