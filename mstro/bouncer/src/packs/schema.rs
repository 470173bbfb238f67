//! The JSON Schema of the pack format and of `bouncer.yaml`, generated from the Rust
//! types the engine deserialises, so it cannot drift from what actually loads.
//! `rules/schema.json` and `rules/bouncer.schema.json` are checked current by a test.

use mstro_engine::config::ConfigFile;
use mstro_engine::pack::PackFile;

/// The pack format's schema, as pretty JSON.
pub fn pack_schema() -> String {
    pretty(schemars::schema_for!(PackFile))
}

/// `bouncer.yaml`'s schema, as pretty JSON.
pub fn config_schema() -> String {
    pretty(schemars::schema_for!(ConfigFile))
}

fn pretty(schema: schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

pub fn run(config: bool) -> anyhow::Result<i32> {
    print!(
        "{}",
        if config {
            config_schema()
        } else {
            pack_schema()
        }
    );
    Ok(0)
}
