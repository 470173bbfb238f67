//! A file tool's path is judged by where it really points and by every spelling a
//! case-insensitive filesystem reaches it by (issue 14, point 9).
//!
//! Symbolic links are made for real in a temporary home; every dangerous case has a
//! benign twin of the same shape that stays allowed.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use mstro_engine::{Engine, Mode, PathEnv, ToolCall, Verdict};
use serde_json::{Value, json};

fn engine() -> Engine {
    Engine::builtin().expect("built-in packs load")
}

/// A home with credentials and a project in it, as a cloned repository would find it.
struct Machine {
    _dir: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
}

impl Machine {
    fn new() -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let home = root.join("home/dev");
        let project = home.join("project");
        for d in [".aws", ".ssh", ".config/gh", "project/src", "project/docs"] {
            std::fs::create_dir_all(home.join(d)).unwrap();
        }
        std::fs::write(home.join(".aws/credentials"), "[default]\n").unwrap();
        std::fs::write(home.join(".ssh/id_rsa"), "key").unwrap();
        std::fs::write(project.join("src/main.rs"), "fn main() {}\n").unwrap();
        std::fs::write(project.join("README.md"), "# x\n").unwrap();
        Machine {
            _dir: dir,
            home,
            project,
        }
    }

    fn env(&self) -> PathEnv {
        PathEnv::new(s(&self.home), Some(s(&self.project)))
    }

    fn link(&self, target: impl AsRef<Path>, at: &str) {
        let at = self.project.join(at);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        symlink(target, at).unwrap();
    }

    fn judge(&self, tool: &str, input: Value) -> Verdict {
        self.judge_with(&self.env(), tool, input)
    }

    fn judge_with(&self, env: &PathEnv, tool: &str, input: Value) -> Verdict {
        let call = ToolCall {
            tool_name: tool.into(),
            tool_input: input,
            cwd: Some(s(&self.project).into()),
        };
        engine()
            .judge(&call, env, Mode::Repl)
            .unwrap()
            .judgement
            .verdict
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_link_to_a_secret_is_read_as_the_secret() {
    let m = Machine::new();
    m.link(m.home.join(".aws/credentials"), "docs/setup.md");
    m.link("../src/main.rs", "docs/main.rs");
    let direct = m.judge(
        "Read",
        json!({"file_path": s(&m.home.join(".aws/credentials"))}),
    );
    assert_eq!(direct, Verdict::Review, "reading credentials is reviewed");
    assert_eq!(
        m.judge("Read", json!({"file_path": "docs/setup.md"})),
        direct
    );
    // A link inside the project to another project file is an ordinary read.
    assert_eq!(
        m.judge("Read", json!({"file_path": "docs/main.rs"})),
        Verdict::Allow
    );
    assert_eq!(
        m.judge("Read", json!({"file_path": "README.md"})),
        Verdict::Allow
    );
}

#[test]
fn a_linked_directory_is_judged_as_its_target() {
    let m = Machine::new();
    m.link(m.home.join(".ssh"), "vendor/keys");
    m.link(m.project.join("src"), "lib");
    assert_eq!(
        m.judge("Read", json!({"file_path": "vendor/keys/id_rsa"})),
        Verdict::Review
    );
    assert_eq!(
        m.judge("Grep", json!({"pattern": "x", "path": "vendor/keys"})),
        m.judge(
            "Grep",
            json!({"pattern": "x", "path": s(&m.home.join(".ssh"))})
        ),
    );
    assert_eq!(
        m.judge("Grep", json!({"pattern": "x", "path": "vendor/keys"})),
        Verdict::Review
    );
    // `..` after a link is the parent of the link's target, as the kernel reads it.
    m.link(m.home.join(".config"), "cfg");
    assert_eq!(
        m.judge("Read", json!({"file_path": "cfg/../.aws/credentials"})),
        Verdict::Review
    );
    assert_eq!(
        m.judge("Read", json!({"file_path": "lib/main.rs"})),
        Verdict::Allow
    );
    assert_eq!(
        m.judge("Read", json!({"file_path": "lib/../README.md"})),
        Verdict::Allow
    );
    assert_eq!(
        m.judge("Grep", json!({"pattern": "TODO", "path": "lib"})),
        Verdict::Allow
    );
}

#[test]
fn writing_through_a_link_writes_its_target_even_when_it_does_not_exist_yet() {
    let m = Machine::new();
    // The target does not exist: writing through the link creates it.
    m.link(m.home.join(".bashrc"), "notes.txt");
    m.link(m.home.join(".claude/settings.json"), "config/settings.json");
    let bashrc = m.judge(
        "Write",
        json!({"file_path": s(&m.home.join(".bashrc")), "content": "x"}),
    );
    assert!(bashrc >= Verdict::Review, "{bashrc:?}");
    assert_eq!(
        m.judge("Write", json!({"file_path": "notes.txt", "content": "x"})),
        bashrc
    );
    assert_eq!(
        m.judge(
            "Write",
            json!({"file_path": "config/settings.json", "content": "{}"})
        ),
        Verdict::Deny,
        "a settings file without the hook"
    );
    m.link("src/main.rs", "main.rs");
    assert_eq!(
        m.judge(
            "Write",
            json!({"file_path": "main.rs", "content": "fn main() {}\n"})
        ),
        Verdict::Allow
    );
    assert_eq!(
        m.judge(
            "Edit",
            json!({"file_path": "main.rs", "old_string": "fn", "new_string": "pub fn"})
        ),
        Verdict::Allow
    );
}

#[test]
fn a_project_reached_through_a_link_is_still_the_project() {
    let m = Machine::new();
    let alias = m.home.join("code");
    symlink(&m.project, &alias).unwrap();
    let env = PathEnv::new(s(&m.home), Some(s(&alias)));
    let call = |tool: &str, input: Value| ToolCall {
        tool_name: tool.into(),
        tool_input: input,
        cwd: Some(s(&alias).into()),
    };
    let judge = |c: ToolCall| engine().judge(&c, &env, Mode::Repl).unwrap().judgement;
    let write = judge(call(
        "Write",
        json!({"file_path": "src/new.rs", "content": "fn f() {}\n"}),
    ));
    assert_eq!(write.verdict, Verdict::Allow, "{write:?}");
    let read = judge(call("Read", json!({"file_path": "src/main.rs"})));
    assert_eq!(read.verdict, Verdict::Allow, "{read:?}");
}

#[test]
fn a_link_loop_is_judged_as_named() {
    let m = Machine::new();
    symlink(m.project.join("b"), m.project.join("a")).unwrap();
    symlink(m.project.join("a"), m.project.join("b")).unwrap();
    assert_eq!(m.judge("Read", json!({"file_path": "a"})), Verdict::Allow);
}

#[test]
fn without_following_links_the_path_is_judged_as_named() {
    let m = Machine::new();
    m.link(m.home.join(".aws/credentials"), "docs/setup.md");
    let mut env = m.env();
    env.follow_links = false;
    assert_eq!(
        m.judge_with(&env, "Read", json!({"file_path": "docs/setup.md"})),
        Verdict::Allow
    );
}
