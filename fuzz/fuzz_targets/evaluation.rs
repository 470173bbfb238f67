//! The whole evaluation: a tool call (JSON) or a Bash command (anything else).
#![no_main]

use std::sync::OnceLock;

use mstro_engine::{Engine, Mode, PathEnv, ToolCall};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::builtin().unwrap())
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let call = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(o)) => ToolCall {
            tool_name: o.get("tool_name").and_then(|t| t.as_str()).unwrap_or("Bash").to_owned(),
            tool_input: o.get("tool_input").cloned().unwrap_or(serde_json::Value::Null),
            cwd: o.get("cwd").and_then(|c| c.as_str()).map(str::to_owned),
        },
        _ => ToolCall::bash(text).with_cwd("/home/dev/project"),
    };
    for mode in [Mode::Repl, Mode::Deploy] {
        if let Ok(e) = engine().judge(&call, &PathEnv::fixture(), mode) {
            assert!(e.judgement.span.start <= e.judgement.span.end);
        }
    }
});
