//! Inputs that crashed the parser (a segfault is fail-open for a hook: no decision).
//! Each must come back with a verdict, in process.

use mstro_engine::{Engine, Mode, PathEnv, ToolCall, Verdict};

fn judge(command: &str) -> Verdict {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    let engine = ENGINE.get_or_init(|| Engine::builtin().unwrap());
    let call = ToolCall::bash(command).with_cwd("/home/dev/project");
    engine
        .judge(&call, &PathEnv::fixture(), Mode::Repl)
        .unwrap()
        .judgement
        .verdict
}

/// tree-sitter-bash's brace-range scanner called `isdigit` on code points above 255
/// (vendor/README.md).
#[test]
fn a_brace_followed_by_a_wide_character() {
    assert_eq!(judge("{\u{65e20}"), Verdict::Review);
    for c in [
        '\u{100}',
        '\u{ffff}',
        '\u{10000}',
        '\u{10ffff}',
        '\u{65e20}',
        'é',
        '😀',
    ] {
        for template in ["{C", "{1..C", "{1..2C", "echo {C}", "x={C"] {
            let command = template.replace('C', &c.to_string());
            // Any verdict will do: what matters is that there is one.
            let _ = judge(&command);
        }
    }
}
