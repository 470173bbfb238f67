//! The configuration layers: built-in, then the user's `$MSTRO_HOME`, then the
//! project's `.mstro`. A project may only tighten; switching rules off is the user's.

use std::fs;
use std::path::Path;

use mstro_engine::config::{Config, ConfigPaths};
use mstro_engine::{Basis, Engine, Mode, PathEnv, ToolCall, Verdict};
use tempfile::TempDir;

struct Layers {
    _dir: TempDir,
    user: std::path::PathBuf,
    project: std::path::PathBuf,
}

impl Layers {
    fn new() -> Layers {
        let dir = TempDir::new().unwrap();
        let user = dir.path().join("home/.mstro");
        let project = dir.path().join("home/work/app");
        fs::create_dir_all(&user).unwrap();
        fs::create_dir_all(project.join(".mstro")).unwrap();
        Layers {
            _dir: dir,
            user,
            project,
        }
    }

    fn write(&self, relative: &str, text: &str) {
        let path = if let Some(rest) = relative.strip_prefix("user/") {
            self.user.join(rest)
        } else {
            self.project
                .join(relative.strip_prefix("project/").unwrap())
        };
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn paths(&self) -> ConfigPaths {
        ConfigPaths {
            user_dir: self.user.clone(),
            project_dirs: vec![self.project.join(".mstro")],
        }
    }

    fn load(&self) -> Result<Config, String> {
        Config::load(&self.paths(), false).map_err(|e| e.to_string())
    }

    fn engine(&self) -> Result<Engine, String> {
        let config = self.load()?;
        Engine::from_config(&config).map_err(|e| e.to_string())
    }
}

fn judge(engine: &Engine, command: &str) -> mstro_engine::Evaluation {
    let call = ToolCall::bash(command).with_cwd("/home/dev/project");
    engine
        .judge(&call, &PathEnv::fixture(), Mode::Repl)
        .unwrap()
}

#[test]
fn nothing_configured_is_the_builtin_engine() {
    let layers = Layers::new();
    let engine = layers.engine().unwrap();
    assert_eq!(
        judge(&engine, "git reset --hard").judgement.verdict,
        Verdict::Review
    );
    let config = layers.load().unwrap();
    assert!(config.files.is_empty());
    assert_eq!(config.mode, None);
}

#[test]
fn user_settings_switch_rules_off_and_set_defaults() {
    let layers = Layers::new();
    layers.write(
        "user/bouncer.yaml",
        "# mine\nmode: headless\ndefault_allow: pass\ndisabled_rules:\n  - git.reset-hard\n",
    );
    let config = layers.load().unwrap();
    assert_eq!(config.mode, Some(Mode::Headless));
    assert_eq!(
        config.default_allow,
        mstro_engine::policy::DefaultAllow::Pass
    );
    let engine = Engine::from_config(&config).unwrap();
    let e = judge(&engine, "git reset --hard");
    assert!(
        !e.judgement
            .rule_ids
            .iter()
            .any(|r| &**r == "git.reset-hard")
    );
    assert_eq!(
        judge(&engine, "git clean -fd").judgement.verdict,
        Verdict::Review
    );
}

#[test]
fn a_critical_rule_is_not_disabled_but_may_be_overridden_and_reported() {
    let layers = Layers::new();
    layers.write(
        "user/bouncer.yaml",
        "disabled_rules: [filesystem.rm-root-or-home]\n",
    );
    let err = layers.engine().unwrap_err();
    assert!(err.contains("bouncer.yaml:1"), "{err}");
    assert!(err.contains("filesystem.rm-root-or-home"), "{err}");
    assert!(err.contains("critical_overrides"), "{err}");

    layers.write(
        "user/bouncer.yaml",
        "critical_overrides:\n  - filesystem.rm-root-or-home\n",
    );
    let engine = layers.engine().unwrap();
    let e = judge(&engine, "rm -rf ~");
    assert!(
        !e.judgement
            .rule_ids
            .iter()
            .any(|r| &**r == "filesystem.rm-root-or-home")
    );
    assert_eq!(
        e.overridden
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>(),
        vec!["filesystem.rm-root-or-home"]
    );
    assert!(judge(&engine, "ls").overridden.is_empty());
}

#[test]
fn unknown_rule_ids_and_keys_are_errors_with_their_line() {
    let layers = Layers::new();
    layers.write(
        "user/bouncer.yaml",
        "mode: repl\ndisabled_rules: [git.no-such-rule]\n",
    );
    let err = layers.engine().unwrap_err();
    assert!(
        err.contains("bouncer.yaml:2") && err.contains("git.no-such-rule"),
        "{err}"
    );

    layers.write(
        "user/bouncer.yaml",
        "mode: repl\ndisabled_rule: [git.reset-hard]\n",
    );
    let err = layers.load().unwrap_err();
    assert!(
        err.contains("bouncer.yaml:2") && err.contains("disabled_rule"),
        "{err}"
    );

    layers.write("user/bouncer.yaml", "mode: lenient\n");
    let err = layers.load().unwrap_err();
    assert!(
        err.contains("bouncer.yaml:1") && err.contains("lenient"),
        "{err}"
    );
}

#[test]
fn user_packs_and_rules_may_allow() {
    let layers = Layers::new();
    layers.write(
        "user/rules/team.yaml",
        r#"pack: team
description: Our deploy script is fine.
rules:
  - id: team.status
    verdict: allow
    severity: low
    when: {program: teamctl, subcommand: status}
    reason: Read-only status of our internal tool.
    examples:
      match: [teamctl status]
      no_match: [teamctl deploy]
"#,
    );
    layers.write(
        "user/bouncer.yaml",
        r#"rules:
  - id: user.no-terraform-destroy
    verdict: deny
    severity: high
    when: {program: terraform, subcommand: destroy}
    reason: Never from an agent.
"#,
    );
    let engine = layers.engine().unwrap();
    // An allow rule vouches for what no rule knew (it matters in deploy mode, where an
    // unvouched allow is reviewed); it never outvotes another rule's review or deny.
    let vouched = judge(&engine, "teamctl status").judgement;
    assert_eq!(
        (vouched.verdict, vouched.basis),
        (Verdict::Allow, Basis::Rule)
    );
    assert_eq!(
        judge(&engine, "teamctl deploy").judgement.basis,
        Basis::Default
    );
    assert_eq!(
        judge(&engine, "teamctl status; rm -rf ~").judgement.verdict,
        Verdict::Deny
    );
    assert_eq!(
        judge(&engine, "terraform destroy").judgement.verdict,
        Verdict::Deny
    );
}

#[test]
fn a_project_may_only_tighten() {
    let layers = Layers::new();
    layers.write(
        "project/.mstro/rules/strict.yaml",
        r#"pack: strict
description: No pushes from agents here.
rules:
  - id: strict.no-push
    verdict: deny
    severity: high
    when: {program: git, subcommand: push}
    reason: Pushes go through CI in this repository.
"#,
    );
    layers.write(
        "project/.mstro/bouncer.yaml",
        r#"rules:
  - id: project.no-npm-publish
    verdict: review
    severity: medium
    when: {program: npm, subcommand: publish}
    reason: Releases are cut by CI.
"#,
    );
    let engine = layers.engine().unwrap();
    assert_eq!(
        judge(&engine, "git push origin main").judgement.verdict,
        Verdict::Deny
    );
    assert_eq!(
        judge(&engine, "npm publish").judgement.verdict,
        Verdict::Review
    );

    // Loosening from a project, in each of its forms, names the file and the rule.
    layers.write(
        "project/.mstro/rules/loose.yaml",
        r#"pack: loose
description: Trying to allow.
rules:
  - id: loose.allow-rm
    verdict: allow
    severity: low
    when: {program: rm}
    reason: Trust me.
"#,
    );
    let err = layers.engine().unwrap_err();
    assert!(
        err.contains("loose.yaml") && err.contains("loose.allow-rm"),
        "{err}"
    );
    assert!(err.contains("only tighten"), "{err}");
    fs::remove_file(layers.project.join(".mstro/rules/loose.yaml")).unwrap();

    layers.write(
        "project/.mstro/bouncer.yaml",
        "disabled_rules:\n  - git.reset-hard\n",
    );
    let err = layers.load().unwrap_err();
    assert!(
        err.contains(".mstro/bouncer.yaml:2") && err.contains("git.reset-hard"),
        "{err}"
    );
    assert!(err.contains("only tighten"), "{err}");

    layers.write(
        "project/.mstro/bouncer.yaml",
        "critical_overrides: [filesystem.rm-root-or-home]\n",
    );
    let err = layers.load().unwrap_err();
    assert!(
        err.contains("filesystem.rm-root-or-home") && err.contains("switch rules off"),
        "{err}"
    );

    layers.write("project/.mstro/bouncer.yaml", "default_allow: pass\n");
    let err = layers.load().unwrap_err();
    assert!(err.contains("`default_allow`"), "{err}");
}

/// A pack's program vocabulary reads its own rules' command lines, never a built-in
/// rule's: declaring `-r` an option of `rm` must not turn `rm -r /` into no flag.
#[test]
fn later_scopes_cannot_reshape_how_built_in_rules_read_a_command() {
    let layers = Layers::new();
    let dummy = |pack: &str, programs: &str| {
        format!(
            "pack: {pack}\ndescription: d\nprograms:\n{programs}\nrules:\n  - id: {pack}.x\n    verdict: deny\n    severity: low\n    when: {{program: no-such-tool}}\n    reason: r\n"
        )
    };
    layers.write(
        "project/.mstro/rules/p.yaml",
        &dummy("p", "  rm: {long_single_dash: true}"),
    );
    layers.write(
        "user/rules/u.yaml",
        &dummy(
            "u",
            "  rm: {options: {x: [-r, -f]}}\n  chmod: {key_value: true}",
        ),
    );
    let engine = layers.engine().unwrap();
    for cmd in ["rm -rf /", "rm -r -f ~", "rm -rf $HOME", "chmod -R 777 /"] {
        assert_eq!(
            judge(&engine, cmd).judgement.verdict,
            Verdict::Deny,
            "{cmd}"
        );
    }
    // The pack's own rules do read with its vocabulary.
    layers.write(
        "user/rules/y.yaml",
        r#"pack: y
description: d
programs:
  yarn: {global_options: [--cwd]}
rules:
  - id: y.deploy
    verdict: review
    severity: low
    when: {program: yarn, subcommand: deploy}
    reason: r
"#,
    );
    let engine = layers.engine().unwrap();
    assert_eq!(
        judge(&engine, "yarn --cwd app deploy").judgement.verdict,
        Verdict::Review
    );
}

#[test]
fn broken_packs_and_files_are_reported_with_file_and_line() {
    let layers = Layers::new();
    layers.write(
        "user/rules/bad.yaml",
        "pack: bad\ndescription: x\nrules:\n  - id: bad.x\n    verdict: maybe\n",
    );
    let err = layers.load().unwrap_err();
    assert!(err.contains("bad.yaml:5") && err.contains("maybe"), "{err}");

    fs::remove_file(layers.user.join("rules/bad.yaml")).unwrap();
    fs::write(layers.user.join("bouncer.yaml"), [0xff, 0xfe, 0x00]).unwrap();
    let err = layers.load().unwrap_err();
    assert!(
        err.contains("bouncer.yaml") && err.contains("UTF-8"),
        "{err}"
    );
}

fn env_for(layers: &Layers) -> PathEnv {
    let home = layers.user.parent().unwrap();
    let mut env = PathEnv::new(home.to_str().unwrap(), None);
    env.mstro_home = layers.user.to_string_lossy().into_owned();
    env
}

#[test]
fn the_project_is_found_from_a_subdirectory_but_never_the_users_own_directory() {
    let layers = Layers::new();
    layers.write("project/.mstro/bouncer.yaml", "");
    let env = env_for(&layers);
    let deep = layers.project.join("src/nested");
    fs::create_dir_all(&deep).unwrap();
    let paths = ConfigPaths::discover(&env, deep.to_str());
    assert_eq!(paths.project_dirs, vec![layers.project.join(".mstro")]);

    // Work directly under the home directory: its .mstro is the user's, not a project's.
    layers.write("user/bouncer.yaml", "");
    let home = layers.user.parent().unwrap();
    let paths = ConfigPaths::discover(&env, home.join("scratch").to_str());
    assert!(paths.project_dirs.is_empty());
    assert!(Path::new(&paths.user_dir).ends_with(".mstro"));

    // Nor when the home directory is reached through a symbolic link.
    #[cfg(unix)]
    {
        let link = layers
            .user
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("home-link");
        std::os::unix::fs::symlink(home, &link).unwrap();
        let mut env = env_for(&layers);
        env.home = link.to_string_lossy().into_owned();
        env.mstro_home = link.join(".mstro").to_string_lossy().into_owned();
        let paths = ConfigPaths::discover(&env, home.join("scratch").to_str());
        assert!(paths.project_dirs.is_empty(), "{:?}", paths.project_dirs);
    }
}

/// Every `.mstro` from the repository's root down to the working directory counts, so an
/// empty one made deeper down cannot hide the root's rules.
#[test]
fn nested_project_directories_all_apply() {
    let layers = Layers::new();
    fs::create_dir_all(layers.project.join(".git")).unwrap();
    layers.write(
        "project/.mstro/rules/root.yaml",
        "pack: root\ndescription: d\nrules:\n  - id: root.no-deploy\n    verdict: deny\n    severity: high\n    when: {program: make, subcommand: deploy}\n    reason: r\n",
    );
    layers.write("project/pkg/x/.mstro/rules/.keep", "");
    let env = env_for(&layers);
    let cwd = layers.project.join("pkg/x");
    let paths = ConfigPaths::discover(&env, cwd.to_str());
    assert_eq!(
        paths.project_dirs,
        vec![layers.project.join(".mstro"), cwd.join(".mstro")]
    );
    let engine = Engine::from_config(&Config::load(&paths, false).unwrap()).unwrap();
    assert_eq!(
        judge(&engine, "make deploy").judgement.verdict,
        Verdict::Deny
    );

    // A repository inside the project (a submodule, or one the agent just made with
    // `git init`) does not shed the project's rules.
    fs::create_dir_all(layers.project.join("pkg/.git")).unwrap();
    let paths = ConfigPaths::discover(&env, cwd.to_str());
    assert_eq!(
        paths.project_dirs,
        vec![layers.project.join(".mstro"), cwd.join(".mstro")]
    );
}

/// Outside any repository only the working directory's own `.mstro` counts: one left in
/// `/tmp` by someone else does not apply to work in `/tmp/x`.
#[test]
fn without_a_root_only_the_working_directorys_own_applies() {
    let layers = Layers::new();
    let outside = layers
        .user
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("scratch");
    fs::create_dir_all(outside.join(".mstro/rules")).unwrap();
    fs::create_dir_all(outside.join("x")).unwrap();
    let env = env_for(&layers);
    let paths = ConfigPaths::discover(&env, outside.join("x").to_str());
    assert!(paths.project_dirs.is_empty(), "{:?}", paths.project_dirs);
    let paths = ConfigPaths::discover(&env, outside.to_str());
    assert_eq!(paths.project_dirs, vec![outside.join(".mstro")]);
}

#[cfg(unix)]
#[test]
fn a_projects_symbolic_links_are_refused_and_reads_are_bounded() {
    let layers = Layers::new();
    let secret = layers.project.join(".env");
    fs::write(
        &secret,
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&secret, layers.project.join(".mstro/bouncer.yaml")).unwrap();
    let err = layers.load().unwrap_err();
    assert!(err.contains("symbolic link"), "{err}");
    assert!(!err.contains("wJalr"), "no contents in the message: {err}");
    fs::remove_file(layers.project.join(".mstro/bouncer.yaml")).unwrap();

    fs::create_dir_all(layers.project.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(
        layers.project.join("elsewhere"),
        layers.project.join(".mstro/rules"),
    )
    .unwrap();
    assert!(layers.load().unwrap_err().contains("symbolic link"));
    fs::remove_file(layers.project.join(".mstro/rules")).unwrap();

    // The user may link their own files, but a file that never ends is cut short.
    if Path::new("/proc/self/pagemap").exists() {
        fs::create_dir_all(layers.user.join("rules")).unwrap();
        std::os::unix::fs::symlink("/proc/self/pagemap", layers.user.join("rules/a.yaml")).unwrap();
        let started = std::time::Instant::now();
        let err = layers.load().unwrap_err();
        assert!(err.contains("a.yaml"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}

#[test]
fn parser_messages_do_not_repeat_long_input() {
    let layers = Layers::new();
    layers.write(
        "user/bouncer.yaml",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY OTHER=1\n",
    );
    let err = layers.load().unwrap_err();
    assert!(!err.contains("bPxRfiCYEXAMPLEKEY"), "{err}");
}
