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
            project_dir: Some(self.project.join(".mstro")),
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

#[test]
fn the_project_is_found_from_a_subdirectory_but_never_the_users_own_directory() {
    let layers = Layers::new();
    layers.write("project/.mstro/bouncer.yaml", "");
    let root = layers.user.parent().unwrap();
    let mut env = PathEnv::new(root.to_str().unwrap(), None);
    env.mstro_home = layers.user.to_string_lossy().into_owned();
    let deep = layers.project.join("src/nested");
    fs::create_dir_all(&deep).unwrap();
    let paths = ConfigPaths::discover(&env, deep.to_str());
    assert_eq!(
        paths.project_dir.as_deref(),
        Some(layers.project.join(".mstro").as_path())
    );

    // Work directly under the home directory: its .mstro is the user's, not a project's.
    layers.write("user/bouncer.yaml", "");
    let paths = ConfigPaths::discover(&env, root.join("scratch").to_str());
    assert_eq!(paths.project_dir, None);
    assert!(Path::new(&paths.user_dir).ends_with(".mstro"));
}
