//! A rule pack from arbitrary YAML: parsed, compiled over the built-in packs, and
//! its examples run; errors are fine, panics are not.
#![no_main]

use std::sync::OnceLock;

use mstro_engine::Engine;
use mstro_engine::pack::{PackScope, PackSource, builtin_sources, check_examples, parse_yaml};

fn builtins() -> &'static Vec<PackSource> {
    static B: OnceLock<Vec<PackSource>> = OnceLock::new();
    B.get_or_init(|| builtin_sources(false).unwrap())
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scope = if data.len() % 2 == 0 { PackScope::User } else { PackScope::Project };
    if let Ok(source) = parse_yaml(text, "fuzz.yaml", scope) {
        let mut all = builtins().clone();
        all.push(source.clone());
        if let Ok(engine) = Engine::from_sources(&all) {
            let _ = check_examples(&engine, &[source]);
        }
    }
});
