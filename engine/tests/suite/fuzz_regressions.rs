//! Every input the engine's fuzz targets found a bug with (`fuzz/regressions/`), run
//! again as the targets run them.

use std::path::Path;

use mstro_engine::shell::{Limits, model};
use mstro_engine::{Engine, Mode, PathEnv, ToolCall};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn shell_model_and_evaluation_regressions() {
    let engine = Engine::builtin().unwrap();
    let mut found = inputs("shell_model");
    found.extend(inputs("evaluation"));
    assert!(
        !found.is_empty(),
        "the regression inputs are in fuzz/regressions"
    );
    for (name, data) in found {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let m = model(
            text,
            &PathEnv::fixture(),
            Some("/home/dev/project"),
            &Limits::default(),
        );
        for inv in &m.invocations {
            assert!(inv.span.end <= text.len(), "{name}");
        }
        let call = ToolCall::bash(text).with_cwd("/home/dev/project");
        assert!(
            engine.judge(&call, &PathEnv::fixture(), Mode::Repl).is_ok(),
            "{name}"
        );
    }
}
