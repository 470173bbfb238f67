//! What a judgement read of the disk is recorded (`mstro_engine::disk`), and a
//! judgement whose every probe still sees the same is the judgement judging again
//! gives: the property the hook's judgement cache rests on, checked over generated
//! sequences of edits to a project's files (scripts, manifests, Makefiles and their
//! includes, modules, symbolic links) between judgements of the commands that run them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use mstro_engine::disk::{Observation, Probe, recording, still_holds};
use mstro_engine::{Engine, Judgement, Mode, PathEnv, ToolCall, Verdict};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("built-in packs load"))
}

/// The files of the project, each with the texts it may be given.
const FILES: &[(&str, &[&str])] = &[
    (
        "build.sh",
        &[
            "rm -rf dist\nmkdir -p dist\n",
            "rm -rf ~/.ssh\n",
            "source env.sh\necho built\n",
            "python3 tidy.py\n",
        ],
    ),
    (
        "tidy.py",
        &[
            "import shutil\nshutil.rmtree('dist', ignore_errors=True)\n",
            "import os, shutil\nshutil.rmtree(os.path.expanduser('~/.ssh'))\n",
            "print('hi')\n",
        ],
    ),
    ("env.sh", &["export A=1\n", "rm -rf ~\n"]),
    (
        "package.json",
        &[
            r#"{"scripts":{"test":"jest --ci"}}"#,
            r#"{"scripts":{"test":"rm -rf ~/.ssh"}}"#,
            r#"{"scripts":{"test":"bash build.sh","pretest":"node x.js"}}"#,
        ],
    ),
    (
        "Makefile",
        &[
            "build:\n\tcc -o app main.c\n",
            "build:\n\trm -rf ~/.ssh\n",
            "include other.mk\n",
        ],
    ),
    ("other.mk", &["build:\n\trm -rf /\n", "build:\n\techo ok\n"]),
    (
        "tool.py",
        &["print(1)\n", "import os\nos.system('rm -rf ~')\n"],
    ),
    (
        "Cargo.toml",
        &[
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\nbuild = \"gen.rs\"\n",
            "[workspace]\nmembers = [\"crates/*\"]\n",
        ],
    ),
    (
        "gen.rs",
        &[
            "fn main() { println!(\"cargo:rerun-if-changed=x\"); }\n",
            "fn main() { std::fs::remove_dir_all(\"/home\").ok(); }\n",
        ],
    ),
    (
        "crates/b/Cargo.toml",
        &["[package]\nname = \"b\"\nversion = \"0.1.0\"\nbuild = \"../../gen.rs\"\n"],
    ),
];

/// The commands judged, each running some of the files.
const COMMANDS: &[&str] = &[
    "bash build.sh",
    "./build.sh",
    "python3 tidy.py",
    "python3 -m tool",
    "npm test",
    "make build",
    "cargo test",
    "source env.sh",
    "cat tidy.py",
    // File tools: judged also by where a symbolic link leads.
    "Read tidy.py",
    "Write env.sh",
];

/// The call `COMMANDS[c]` stands for, made in `root`.
fn call(c: usize, root: &str) -> ToolCall {
    let (tool, input) = match COMMANDS[c].split_once(' ') {
        Some(("Read", file)) => (
            "Read",
            serde_json::json!({"file_path": format!("{root}/{file}")}),
        ),
        Some(("Write", file)) => (
            "Write",
            serde_json::json!({"file_path": format!("{root}/{file}"), "content": "export B=2\n"}),
        ),
        _ => return ToolCall::bash(COMMANDS[c]).with_cwd(root),
    };
    ToolCall {
        tool_name: tool.into(),
        tool_input: input,
        cwd: Some(root.to_owned()),
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// Give file `i` its text `j` (modulo the choices).
    Write(usize, usize),
    Remove(usize),
    /// Make file `i` a symbolic link to file `j`, or to a directory outside the
    /// project when `j` is past the files.
    Link(usize, usize),
    Judge(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let n = FILES.len();
    prop_oneof![
        3 => (0..n, 0..4usize).prop_map(|(i, j)| Step::Write(i, j)),
        1 => (0..n).prop_map(Step::Remove),
        1 => (0..n, 0..n + 1).prop_map(|(i, j)| Step::Link(i, j)),
        4 => (0..COMMANDS.len()).prop_map(Step::Judge),
    ]
}

struct Project {
    _dir: tempfile::TempDir,
    home: String,
    root: String,
}

fn project() -> Project {
    let dir = tempfile::tempdir().expect("a temp dir");
    let home = dir.path().join("home");
    let root = home.join("project");
    std::fs::create_dir_all(root.join("crates/b")).unwrap();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    Project {
        home: home.display().to_string(),
        root: root.display().to_string(),
        _dir: dir,
    }
}

fn apply(p: &Project, step: &Step) {
    let path = |i: usize| Path::new(&p.root).join(FILES[i].0);
    let clear = |at: &Path| {
        let _ = std::fs::remove_file(at);
    };
    match *step {
        Step::Write(i, j) => {
            let at = path(i);
            clear(&at);
            let texts = FILES[i].1;
            std::fs::write(&at, texts[j % texts.len()]).unwrap();
        }
        Step::Remove(i) => clear(&path(i)),
        Step::Link(i, j) => {
            let at = path(i);
            clear(&at);
            let target = if j < FILES.len() {
                path(j)
            } else {
                Path::new(&p.home).join(".ssh")
            };
            std::os::unix::fs::symlink(target, &at).unwrap();
        }
        Step::Judge(_) => {}
    }
}

/// What a consumer shows of a judgement: the verdict, the rules and the reason.
type Shown = (Verdict, Vec<String>, String);

fn shown(j: &Judgement) -> Shown {
    (
        j.verdict,
        j.rule_ids.iter().map(|r| r.to_string()).collect(),
        j.reason.clone(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_judgement_whose_probes_still_hold_is_the_judgement_judging_again_gives(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        let p = project();
        let env = PathEnv::new(&p.home, Some(&p.root));
        let mut kept: HashMap<usize, (Vec<Observation>, Shown)> = HashMap::new();
        for step in &steps {
            apply(&p, step);
            let Step::Judge(c) = *step else { continue };
            let call = call(c, &p.root);
            let (evaluation, recorded) =
                recording(|| engine().judge(&call, &env, Mode::Repl).expect("a valid call"));
            // A judgement cut short by the clock depends on more than the disk.
            if evaluation.cut_short {
                kept.remove(&c);
                continue;
            }
            let now = shown(&evaluation.judgement);
            if let Some((observations, then)) = kept.get(&c)
                && still_holds(observations)
            {
                prop_assert_eq!(&now, then, "{} after {:?}", COMMANDS[c], steps);
            }
            prop_assert!(recorded.complete);
            kept.insert(c, (recorded.observations, now));
        }
    }
}

#[test]
fn a_script_read_is_recorded_and_an_edit_to_it_is_seen() {
    let p = project();
    let script = Path::new(&p.root).join("build.sh");
    std::fs::write(&script, "mkdir -p dist\n").unwrap();
    let env = PathEnv::new(&p.home, Some(&p.root));
    let call = ToolCall::bash("bash build.sh").with_cwd(&p.root);
    let (e, recorded) = recording(|| engine().judge(&call, &env, Mode::Repl).unwrap());
    assert_eq!(e.judgement.verdict, Verdict::Allow);
    assert!(
        recorded
            .observations
            .iter()
            .any(|o| o.probe == Probe::Text(script.clone())),
        "{recorded:?}"
    );
    assert!(still_holds(&recorded.observations));

    std::fs::write(&script, "rm -rf ~/.ssh\n").unwrap();
    assert!(!still_holds(&recorded.observations), "an edit is seen");
    std::fs::write(&script, "mkdir -p dist\n").unwrap();
    assert!(still_holds(&recorded.observations), "and so is its undoing");
    std::fs::remove_file(&script).unwrap();
    assert!(!still_holds(&recorded.observations), "a removal is seen");
}

#[test]
fn a_command_that_runs_no_file_records_nothing_and_outside_a_recording_nothing_is_kept() {
    let p = project();
    let env = PathEnv::new(&p.home, Some(&p.root));
    let call = ToolCall::bash("ls -la && git status").with_cwd(&p.root);
    let (_, recorded) = recording(|| engine().judge(&call, &env, Mode::Repl).unwrap());
    assert!(recorded.observations.is_empty(), "{recorded:?}");

    // A recording inside another one: the outer one sees what the inner one saw.
    std::fs::write(Path::new(&p.root).join("x.sh"), "echo\n").unwrap();
    let run = ToolCall::bash("bash x.sh").with_cwd(&p.root);
    let ((_, inner), outer) =
        recording(|| recording(|| engine().judge(&run, &env, Mode::Repl).unwrap()));
    assert!(!inner.observations.is_empty());
    assert_eq!(inner.observations, outer.observations);
}
