//! The workload every benchmark runs: `workload.jsonl` (realistic agent operations of
//! many ecosystems, tool calls, commit messages with heredocs, long pipelines, MCP
//! calls), plus generated pathological inputs ([`pathological`]). Each line has the
//! shape `check --jsonl` reads, plus a `kind` to group results by.

pub mod loopback;

use mstro_engine::ToolCall;
use serde_json::Value;

/// One operation of the workload.
#[derive(Debug, Clone)]
pub struct Op {
    /// `typical`, `pipeline`, `commit-heredoc`, `write`, `mcp`, ..., or a pathological kind.
    pub kind: String,
    pub call: ToolCall,
}

const WORKLOAD: &str = include_str!("../workload.jsonl");

/// The realistic operations of `workload.jsonl`.
pub fn realistic() -> Vec<Op> {
    WORKLOAD
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("workload.jsonl is JSON lines");
            Op {
                kind: v["kind"].as_str().unwrap_or("typical").to_owned(),
                call: ToolCall {
                    tool_name: v["tool_name"].as_str().unwrap_or("Bash").to_owned(),
                    tool_input: v["tool_input"].clone(),
                    cwd: v["cwd"].as_str().map(str::to_owned),
                },
            }
        })
        .collect()
}

/// The Bash commands of kind `typical`: what the latency budget is about.
pub fn typical() -> Vec<Op> {
    realistic()
        .into_iter()
        .filter(|o| o.kind == "typical")
        .collect()
}

/// Inputs built to be expensive: the 64 KiB heredocs of the budget, and the shapes an
/// attacker would send to make the hook slow.
pub fn pathological() -> Vec<Op> {
    let bash = |kind: &str, command: String| Op {
        kind: kind.to_owned(),
        call: ToolCall::bash(command).with_cwd("/home/dev/project"),
    };
    let line = "The quick brown fox jumps over the lazy dog; $HOME and `ls` are text here.\n";
    let text_64k: String = line.repeat(64 * 1024 / line.len() + 1)[..64 * 1024].to_owned();
    let code_line = "print('value', sum(range(100)))  # os.system is mentioned in a comment\n";
    let code_64k: String = code_line.repeat(64 * 1024 / code_line.len() + 1);
    let commands_64k: String = (0..64 * 1024 / 24)
        .map(|i| format!("echo step-{i} >> log.txt\n"))
        .collect();
    vec![
        bash(
            "heredoc-64k",
            format!("cat > notes.md <<'EOF'\n{text_64k}EOF"),
        ),
        bash("heredoc-64k", format!("python3 - <<'EOF'\n{code_64k}EOF")),
        bash(
            "heredoc-64k",
            format!("bash <<'EOF'\n{}EOF", &commands_64k[..64 * 1024]),
        ),
        bash(
            "heredoc-64k",
            format!("git commit -m \"$(cat <<'EOF'\n{text_64k}EOF\n)\""),
        ),
        bash("deep-nesting", {
            let mut c = "ls".to_owned();
            for _ in 0..20 {
                c = format!("echo $({c})");
            }
            c
        }),
        bash("deep-nesting", {
            let mut c = "ls".to_owned();
            for _ in 0..6 {
                c = format!("bash -c '{}'", c.replace('\'', "'\\''"));
            }
            c
        }),
        bash("many-commands", vec!["true"; 3000].join("; ")),
        bash("many-commands", vec!["echo a | cat"; 600].join(" && ")),
        bash(
            "long-string",
            format!("echo \"{}\"", "0123456789abcdef".repeat(8 * 1024)),
        ),
        bash(
            "many-redirections",
            format!(
                "echo x{}",
                (0..500)
                    .map(|i| format!(" > out{i}.txt"))
                    .collect::<String>()
            ),
        ),
    ]
}

/// Commands that run a file of the small project [`write_small_project`] makes.
pub const RUNS_A_FILE: &[&str] = &[
    "python3 tidy.py",
    "bash build.sh",
    "npm test",
    "npm run build",
    "make build",
    "cargo test",
];

/// Write a small project into `dir`: a 15-line Python script, a 10-line shell script,
/// a `package.json`, a Makefile and a cargo build script, which [`RUNS_A_FILE`] run.
pub fn write_small_project(dir: &std::path::Path) {
    let files: &[(&str, &str)] = &[
        (
            "tidy.py",
            "import os\nimport shutil\nimport subprocess\n\n\ndef main():\n    \
             for root, dirs, files in os.walk('build'):\n        for f in files:\n            \
             if f.endswith('.tmp'):\n                os.remove(os.path.join(root, f))\n    \
             shutil.rmtree('dist', ignore_errors=True)\n    \
             subprocess.run(['git', 'status', '--short'], check=True)\n\n\n\
             if __name__ == '__main__':\n    main()\n",
        ),
        (
            "build.sh",
            "#!/usr/bin/env bash\nset -euo pipefail\nout=dist\nrm -rf \"$out\"\n\
             mkdir -p \"$out\"\nfor f in src/*.c; do\n  cc -O2 -c \"$f\" -o \
             \"$out/$(basename \"${f%.c}\").o\"\ndone\ncc \"$out\"/*.o -o \"$out/app\"\n\
             echo built\n",
        ),
        (
            "package.json",
            r#"{"name":"app","scripts":{"build":"tsc -p . && node scripts/copy.js","test":"jest --ci","pretest":"npm run build"}}"#,
        ),
        (
            "Makefile",
            "CC ?= cc\nCFLAGS = -O2 -Wall\nOBJ = main.o util.o\n\nbuild: app\n\n\
             app: $(OBJ)\n\t$(CC) $(CFLAGS) -o $@ $^\n\n%.o: %.c\n\t$(CC) $(CFLAGS) -c $< -o $@\n\n\
             clean:\n\trm -f app $(OBJ)\n",
        ),
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "build.rs",
            "fn main() {\n    println!(\"cargo:rerun-if-changed=src/lib.c\");\n    \
             cc::Build::new().file(\"src/lib.c\").compile(\"lib\");\n}\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("the bench writes its project");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workload_is_what_the_issue_asks_for() {
        let ops = realistic();
        assert!(ops.len() >= 300, "{} operations", ops.len());
        assert!(typical().len() >= 200);
        for kind in [
            "commit-heredoc",
            "pipeline",
            "write",
            "edit",
            "read",
            "mcp",
            "fetch",
        ] {
            assert!(ops.iter().any(|o| o.kind == kind), "{kind}");
        }
        let big = pathological();
        assert!(
            big.iter()
                .filter(|o| o.kind == "heredoc-64k")
                .all(|o| o.call.tool_input["command"].as_str().unwrap().len() >= 64 * 1024)
        );
    }
}
