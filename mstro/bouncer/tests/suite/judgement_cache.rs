//! The hook keeps the judgement of a call that runs a project's files
//! (`src/hook/judgement_cache.rs`) and reuses it only while judging again would give
//! the same: these tests change each thing a judgement depends on (the file run, a
//! file it sources, the configuration) between two runs of the same call, and check
//! the answer is the one a fresh judgement gives.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::common;

struct Setup {
    _dir: TempDir,
    home: PathBuf,
    project: PathBuf,
}

fn setup(files: &[(&str, &str)]) -> Setup {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join("home");
    let project = home.join("project");
    std::fs::create_dir_all(project.join(".git")).unwrap();
    for (name, text) in files {
        std::fs::write(project.join(name), text).unwrap();
    }
    Setup {
        _dir: dir,
        home,
        project,
    }
}

/// The hook's decision and reason for `command` run in the project, with `home` as
/// the home directory.
fn hook(s: &Setup, home: &Path, command: &str) -> (String, String) {
    let event = serde_json::json!({
        "session_id": "s1",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "cwd": s.project,
    });
    let out = common::pipe(
        common::bouncer(["hook"]).env("HOME", home),
        event.to_string().as_bytes(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let o = &v["hookSpecificOutput"];
    (
        o["permissionDecision"].as_str().unwrap_or("").to_owned(),
        o["permissionDecisionReason"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

/// The answer with the kept judgements, checked against the answer of a home that has
/// none (judged afresh).
fn answer(s: &Setup, command: &str) -> (String, String) {
    let kept = hook(s, &s.home, command);
    let fresh_home = TempDir::new().unwrap();
    let fresh = hook(s, fresh_home.path(), command);
    assert_eq!(kept, fresh, "a kept judgement differs from judging afresh");
    kept
}

fn entries(s: &Setup) -> Vec<PathBuf> {
    match std::fs::read_dir(s.home.join(".mstro/cache/judgements")) {
        Ok(read) => read.flatten().map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn a_script_is_judged_again_when_it_or_a_file_it_sources_changes() {
    let s = setup(&[
        ("build.sh", "source env.sh\nmkdir -p dist\n"),
        ("env.sh", "export OUT=dist\n"),
    ]);
    assert_eq!(answer(&s, "bash build.sh").0, "allow");
    assert_eq!(entries(&s).len(), 1, "the judgement is kept");
    assert_eq!(answer(&s, "bash build.sh").0, "allow");

    std::fs::write(s.project.join("env.sh"), "rm -rf ~/.ssh\n").unwrap();
    let (decision, reason) = answer(&s, "bash build.sh");
    assert_ne!(decision, "allow", "{reason}");
    assert!(reason.contains("env.sh"), "{reason}");

    std::fs::write(s.project.join("env.sh"), "export OUT=dist\n").unwrap();
    assert_eq!(answer(&s, "bash build.sh").0, "allow");
    std::fs::write(s.project.join("build.sh"), "rm -rf /\n").unwrap();
    assert_eq!(answer(&s, "bash build.sh").0, "deny");
}

#[test]
fn a_change_to_the_configuration_is_judged_afresh() {
    let s = setup(&[("build.sh", "mkdir -p dist\n")]);
    assert_eq!(answer(&s, "bash build.sh").0, "allow");
    let rules = s.project.join(".mstro/rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("strict.yaml"),
        "pack: strict\ndescription: No dist here.\nrules:\n  - id: strict.no-mkdir\n    verdict: deny\n    severity: high\n    when: {program: mkdir}\n    reason: Nothing is made here.\n",
    )
    .unwrap();
    let (decision, reason) = answer(&s, "bash build.sh");
    assert_eq!(decision, "deny", "{reason}");
    assert!(reason.contains("strict.no-mkdir"), "{reason}");

    std::fs::remove_file(rules.join("strict.yaml")).unwrap();
    std::fs::write(s.home.join(".mstro/bouncer.yaml"), "mode: headless\n").unwrap();
    assert_eq!(answer(&s, "bash build.sh").0, "allow");
}

/// A kept judgement is what the hook answers with (here one doctored to say deny), and
/// only from our own private file.
#[test]
fn only_our_own_private_entries_are_read_back() {
    let s = setup(&[("build.sh", "mkdir -p dist\n")]);
    assert_eq!(hook(&s, &s.home, "bash build.sh").0, "allow");
    let found = entries(&s);
    let [entry] = &found[..] else {
        panic!("one entry: {found:?}")
    };
    let mut kept: serde_json::Value =
        serde_json::from_slice(&std::fs::read(entry).unwrap()).unwrap();
    kept["judgement"]["verdict"] = "deny".into();
    kept["judgement"]["reason"] = "doctored".into();
    std::fs::write(entry, serde_json::to_vec(&kept).unwrap()).unwrap();
    let (decision, reason) = hook(&s, &s.home, "bash build.sh");
    assert_eq!(decision, "deny", "the kept judgement is used: {reason}");
    assert!(reason.contains("doctored"), "{reason}");

    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(entry, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        hook(&s, &s.home, "bash build.sh").0,
        "allow",
        "a file others may read or write is not ours alone"
    );
}

#[test]
fn calls_that_run_no_file_are_not_kept() {
    let s = setup(&[]);
    assert_eq!(answer(&s, "ls -la && git status").0, "allow");
    assert_eq!(hook(&s, &s.home, "rm -rf /").0, "deny");
    assert!(entries(&s).is_empty(), "{:?}", entries(&s));
}

/// A judgement the clock cut short depends on how busy the machine was: it is never
/// kept, whether the cut fell in the command line or in a file it runs.
#[test]
fn a_judgement_cut_short_by_the_clock_is_not_kept() {
    let long: String = (0..400).map(|i| format!("echo {i}\n")).collect();
    let s = setup(&[
        ("a1.sh", &long),
        ("a2.sh", &long),
        ("a3.sh", &long),
        ("evil.sh", "rm -rf ~/\n"),
    ]);
    std::fs::create_dir_all(s.home.join(".mstro")).unwrap();
    std::fs::write(s.home.join(".mstro/bouncer.yaml"), "deadline_ms: 1\n").unwrap();
    let (decision, reason) = hook(
        &s,
        &s.home,
        "bash a1.sh; bash a2.sh; bash a3.sh; bash evil.sh",
    );
    assert!(reason.contains("budget.deadline"), "{decision}: {reason}");
    assert!(entries(&s).is_empty(), "{:?}", entries(&s));
}

/// What a cloned repository puts in its `.mstro` can neither hang the hook (a link to
/// a pipe, a FIFO) nor keep a judgement the loader would now refuse (a `.mstro` that
/// became a link).
#[test]
fn a_project_s_configuration_is_read_for_the_key_as_the_loader_reads_it() {
    let s = setup(&[("build.sh", "mkdir -p dist\n")]);
    let rules = s.project.join(".mstro/rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::os::unix::fs::symlink("/proc/self/fd/1", rules.join("README")).unwrap();
    let fifo = std::ffi::CString::new(rules.join("pipe.yaml").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    // `hook` waits for the answer: a hook that blocked would hang the test here.
    let (decision, reason) = answer(&s, "bash build.sh");
    assert_ne!(decision, "", "{reason}");

    let s = setup(&[("build.sh", "mkdir -p dist\n")]);
    let config = s.project.join(".mstro");
    std::fs::create_dir_all(config.join("rules")).unwrap();
    std::fs::write(config.join("bouncer.yaml"), "{}\n").unwrap();
    assert_eq!(answer(&s, "bash build.sh").0, "allow");
    let moved = s.home.join("elsewhere");
    std::fs::rename(&config, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &config).unwrap();
    let (decision, reason) = answer(&s, "bash build.sh");
    assert_eq!(decision, "deny", "a linked .mstro is refused: {reason}");
}
