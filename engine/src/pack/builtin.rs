//! The packs shipped in `rules/`, embedded at build time (see `build.rs`).

use super::{PackError, PackScope, PackSource, parse_yaml};

/// One shipped pack: its YAML (for examples and display) and a compact JSON form
/// without examples (for start-up).
#[derive(Debug, Clone, Copy)]
pub struct BuiltinPack {
    pub file: &'static str,
    pub yaml: &'static str,
    pub json: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/builtin_packs.rs"));

/// The shipped packs.
pub fn builtin_packs() -> &'static [BuiltinPack] {
    BUILTIN
}

/// The shipped packs as sources. `with_examples` parses the YAML (slower; for tests and
/// pack tooling), otherwise the compact JSON.
pub fn builtin_sources(with_examples: bool) -> Result<Vec<PackSource>, PackError> {
    BUILTIN
        .iter()
        .map(|b| {
            let file = format!("rules/{}", b.file);
            if with_examples {
                parse_yaml(b.yaml, &file, PackScope::BuiltIn)
            } else {
                serde_json::from_str(b.json)
                    .map(|pack| PackSource {
                        scope: PackScope::BuiltIn,
                        file: file.clone(),
                        text: None,
                        pack,
                    })
                    .map_err(|e| PackError::new(&file, format!("embedded pack does not load: {e}")))
            }
        })
        .collect()
}
