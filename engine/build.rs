//! Compiles the shipped rule packs (`../rules/*.yaml`) into the binary.
//!
//! The hook runs once per tool call, so it must not parse YAML at start-up: each pack
//! is converted here to compact JSON without its examples (which only tests and
//! `packs test` need). The YAML text is embedded too, for examples and `packs show`.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
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
        let mut value: serde_json::Value = serde_yaml::from_str(&text)
            .unwrap_or_else(|e| panic!("rules/{name} is not valid YAML: {e}"));
        if let Some(rules) = value.get_mut("rules").and_then(|r| r.as_array_mut()) {
            for rule in rules {
                if let Some(obj) = rule.as_object_mut() {
                    obj.remove("examples");
                }
            }
        }
        let json_path = out.join(format!("{name}.json"));
        fs::write(
            &json_path,
            serde_json::to_string(&value).expect("JSON values serialise"),
        )
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", json_path.display()));
        writeln!(
            table,
            "    BuiltinPack {{ file: {name:?}, yaml: include_str!({yaml:?}), json: include_str!({json:?}) }},",
            yaml = path.canonicalize().expect("pack path exists").display().to_string(),
            json = json_path.display().to_string(),
        )
        .expect("writing to a String");
    }
    table.push_str("];\n");
    fs::write(out.join("builtin_packs.rs"), table).expect("cannot write builtin_packs.rs");
}
