//! Entry points for the fuzz targets in `fuzz/`, behind the `fuzzing` feature: each
//! takes arbitrary input and must return without panicking, hanging or crashing.

use mstro_engine::Mode;

use crate::scan::location::LineIndex;
use crate::scan::sources::{self, SourceKind};

/// The hook's decision for arbitrary stdin: always one JSON decision (or, with
/// `default_allow: pass`, nothing), never a panic.
pub fn hook_stdin(data: &[u8]) {
    // The hook writes an audit record of every decision: into a throwaway home, not the
    // fuzzing person's.
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let home = tempfile::tempdir().expect("a temporary directory");
        // SAFETY: set once, on the fuzzer's single thread, before any decision reads it.
        unsafe { std::env::set_var("MSTRO_HOME", home.path()) };
        home
    });
    if let Some(line) = crate::hook::decide(data, Some(Mode::Repl), crate::review::AiChoice::Off) {
        let v: serde_json::Value = serde_json::from_str(&line).expect("the hook prints JSON");
        assert!(v["hookSpecificOutput"]["permissionDecision"].is_string());
    }
}

/// Every kind of file `scan` reads, with every extracted command mapped back to a
/// position in the file.
pub fn scan_extract(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let kinds = [
        SourceKind::ShellScript,
        SourceKind::Dockerfile,
        SourceKind::GitHubActions,
        SourceKind::GitLabCi,
        SourceKind::Makefile,
        SourceKind::PackageJson,
        SourceKind::Compose,
    ];
    let kind = kinds[selector as usize % kinds.len()];
    let index = LineIndex::new(text);
    if let Ok(extraction) = sources::extract(kind, "", text) {
        for c in &extraction.commands {
            let command = &c.command;
            for offset in [0, command.len() / 2, command.len()] {
                let origin = command.origin(offset);
                assert!(origin <= text.len(), "mapped outside the file");
                let _ = index.position(origin);
            }
        }
    }
}
