//! Workloads shared by the benchmarks.

/// Everyday agent commands of several ecosystems.
pub const TYPICAL: &[&str] = &[
    "git status",
    "ls -la",
    "cargo test --workspace 2>&1 | tail -20",
    "npm run build && npm test",
    "grep -rn TODO src/ | head -50",
    "python3 -m pytest -q tests/",
    "git diff --stat HEAD~1",
    "find . -name '*.rs' | xargs wc -l",
    "rm -rf target/debug/incremental",
    "git commit -m \"$(cat <<'EOF'\nfix: handle empty input\n\nEOF\n)\"",
];
