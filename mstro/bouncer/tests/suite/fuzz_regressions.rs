//! Every input the fuzz targets in `fuzz/` found a bug with, run again as the targets
//! run them: `fuzz/regressions/<target>/<what it found>`.

use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
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
fn scan_extract_regressions() {
    let found = inputs("scan_extract");
    assert!(
        !found.is_empty(),
        "the regression inputs are in fuzz/regressions"
    );
    for (name, data) in found {
        let result = std::panic::catch_unwind(|| mstro_bouncer::fuzzing::scan_extract(&data));
        assert!(result.is_ok(), "fuzz/regressions/scan_extract/{name}");
    }
}

#[test]
fn hook_stdin_regressions() {
    for (name, data) in inputs("hook_stdin") {
        let result = std::panic::catch_unwind(|| mstro_bouncer::fuzzing::hook_stdin(&data));
        assert!(result.is_ok(), "fuzz/regressions/hook_stdin/{name}");
    }
}
