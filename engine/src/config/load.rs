//! Finding and reading the configuration files of every scope.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::file::{ConfigFile, ReviewerConfig};
use crate::pack::format::PackFile;
use crate::pack::{
    PackError, PackScope, PackSource, Relevance, builtin_sources, builtin_sources_for, parse_yaml,
    parser_message,
};
use crate::path::PathEnv;
use crate::policy::{DefaultAllow, Mode};

/// Largest configuration or pack file read; anything bigger is an error, not a hang.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Where each scope's configuration lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPaths {
    /// `$MSTRO_HOME`, or `~/.mstro`.
    pub user_dir: PathBuf,
    /// The project's `.mstro` directories, outermost first: every one from the
    /// project's root down to the working directory, so that a nested, emptier
    /// `.mstro` can never hide a stricter one above it (a project only tightens).
    pub project_dirs: Vec<PathBuf>,
}

impl ConfigPaths {
    /// The user's directory, and the project's `.mstro` directories: those in the
    /// working directory and its ancestors up to the project's root (the outermost
    /// directory with `.git`, or `$CLAUDE_PROJECT_DIR`), never the home directory or
    /// above it. With no
    /// root in sight (work outside any repository), only the working directory's own
    /// `.mstro` counts, so that a `/tmp/.mstro` someone else left cannot apply. The
    /// user's own directory, however it is spelled, is never taken for a project's.
    pub fn discover(env: &PathEnv, cwd: Option<&str>) -> ConfigPaths {
        let user_dir = PathBuf::from(&env.mstro_home);
        let user_real = std::fs::canonicalize(&user_dir).ok();
        let is_users = |d: &Path| {
            d == user_dir || user_real.is_some() && std::fs::canonicalize(d).ok() == user_real
        };
        let is_project_dir = |d: &Path| {
            !is_users(d) && (exists(&d.join("bouncer.yaml")) || exists(&d.join("rules")))
        };
        let home = Path::new(&env.home);
        let root = env.project_root.as_deref().map(Path::new);
        let mut found = Vec::new();
        if let Some(cwd) = cwd {
            let cwd_path = Path::new(cwd);
            let under_home = cwd_path.starts_with(home) && cwd_path != home;
            // How many of `found` lie at or below the outermost repository seen. A
            // repository inside another (a submodule, or one `git init` just made)
            // does not end the walk: the outer project's rules, which may only tighten,
            // still apply inside it.
            let mut in_a_repository = None;
            let mut bounded = false;
            for dir in cwd_path.ancestors() {
                if under_home && dir == home {
                    bounded = true;
                    break;
                }
                let candidate = dir.join(".mstro");
                if is_project_dir(&candidate) {
                    found.push(candidate);
                }
                if Some(dir) == root {
                    bounded = true;
                    break;
                }
                if exists(&dir.join(".git")) {
                    in_a_repository = Some(found.len());
                }
            }
            if !bounded {
                match in_a_repository {
                    Some(n) => found.truncate(n),
                    None => found.truncate(usize::from(
                        found.first().is_some_and(|d| d.parent() == Some(cwd_path)),
                    )),
                }
            }
        }
        if let Some(root) = root {
            let candidate = root.join(".mstro");
            if !found.contains(&candidate) && is_project_dir(&candidate) {
                found.push(candidate);
            }
        }
        found.reverse();
        ConfigPaths {
            user_dir,
            project_dirs: found,
        }
    }
}

/// Whether anything is at `path`, a symbolic link included (a broken one too).
fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Everything the configuration layers say, ready to build an engine from.
#[derive(Debug, Clone)]
pub struct Config {
    /// The default mode, when the command line gives none.
    pub mode: Option<Mode>,
    /// What the REPL hook does with an `allow` no rule vouched for.
    pub default_allow: DefaultAllow,
    /// The AI reviewer's settings, when the user configured one.
    pub reviewer: Option<ReviewerConfig>,
    /// The judgement's time budget, when the user set one.
    pub deadline: Option<std::time::Duration>,
    /// Packs in layer order: built-in, user, project.
    pub sources: Vec<PackSource>,
    /// Rules the user switched off.
    pub switches: Vec<RuleSwitch>,
    /// The files that were read, in order.
    pub files: Vec<LoadedFile>,
}

/// A configuration file that took part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadedFile {
    /// The file, as read.
    pub path: String,
    /// The layer it belongs to.
    pub scope: PackScope,
}

/// A rule switched off in a user's `bouncer.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSwitch {
    /// The rule id.
    pub rule: String,
    /// Disabled, or a critical override.
    pub kind: SwitchKind,
    /// Where it was switched off, for errors and listings.
    pub file: String,
    pub line: Option<usize>,
}

/// How a rule is switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SwitchKind {
    /// `disabled_rules`: the rule is not evaluated.
    Disabled,
    /// `critical_overrides`: a critical rule no longer decides, but every call it would
    /// have caught is reported.
    CriticalOverride,
}

/// The configuration does not load. Every problem is listed with its file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub Vec<PackError>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl From<Vec<PackError>> for ConfigError {
    fn from(errors: Vec<PackError>) -> Self {
        ConfigError(errors)
    }
}

impl Config {
    /// Only the built-in packs, with default settings.
    pub fn builtin() -> Result<Config, ConfigError> {
        Ok(Config {
            mode: None,
            default_allow: DefaultAllow::default(),
            reviewer: None,
            deadline: None,
            sources: builtin_sources(false).map_err(|e| ConfigError(vec![e]))?,
            switches: Vec::new(),
            files: Vec::new(),
        })
    }

    /// Read every scope. With `with_examples`, packs keep their examples (for
    /// `packs test`); the built-ins then come from their YAML rather than the
    /// precompiled form.
    pub fn load(paths: &ConfigPaths, with_examples: bool) -> Result<Config, ConfigError> {
        let builtin = builtin_sources(with_examples).map_err(|e| ConfigError(vec![e]))?;
        Config::load_with(paths, builtin)
    }

    /// As [`Config::load`], with only the shipped rules `relevance` needs (the hook's
    /// way: it judges one call and starts for every call). User and project packs are
    /// always read whole: they are few, and their errors must always show.
    pub fn load_for(paths: &ConfigPaths, relevance: &Relevance) -> Result<Config, ConfigError> {
        let builtin = builtin_sources_for(relevance).map_err(|e| ConfigError(vec![e]))?;
        Config::load_with(paths, builtin)
    }

    fn load_with(paths: &ConfigPaths, builtin: Vec<PackSource>) -> Result<Config, ConfigError> {
        let mut config = Config {
            sources: builtin,
            ..Config::builtin_settings()
        };
        let mut errors = Vec::new();
        config.read_scope(&paths.user_dir, PackScope::User, &mut errors);
        for dir in &paths.project_dirs {
            config.read_scope(dir, PackScope::Project, &mut errors);
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError(errors))
        }
    }

    fn builtin_settings() -> Config {
        Config {
            mode: None,
            default_allow: DefaultAllow::default(),
            reviewer: None,
            deadline: None,
            sources: Vec::new(),
            switches: Vec::new(),
            files: Vec::new(),
        }
    }

    /// `bouncer.yaml`, then `rules/*.yaml` in name order. A project's files must be
    /// regular files in the repository: a symbolic link could point anywhere (a
    /// `/proc` file that never ends, a `.env` whose contents an error would echo).
    fn read_scope(&mut self, dir: &Path, scope: PackScope, errors: &mut Vec<PackError>) {
        let follow = scope != PackScope::Project;
        let mut budget = ScopeBudget::default();
        if !follow && let Err(e) = not_a_link(dir) {
            errors.push(e);
            return;
        }
        let settings = dir.join("bouncer.yaml");
        match read_text(&settings, follow, &mut budget) {
            Ok(Some(text)) => self.apply_settings(&settings, &text, scope, errors),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
        let rules_dir = dir.join("rules");
        if !follow
            && exists(&rules_dir)
            && let Err(e) = not_a_link(&rules_dir)
        {
            errors.push(e);
            return;
        }
        let entries = match std::fs::read_dir(&rules_dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => {
                errors.push(PackError::new(
                    &display(&rules_dir),
                    format!("cannot read the directory: {e}"),
                ));
                return;
            }
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = match entry {
                Ok(e) => e.path(),
                Err(e) => {
                    errors.push(PackError::new(
                        &display(&rules_dir),
                        format!("cannot read the directory: {e}"),
                    ));
                    continue;
                }
            };
            match path.extension().and_then(|e| e.to_str()) {
                Some("yaml" | "yml") => files.push(path),
                Some(ext)
                    if ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml") =>
                {
                    errors.push(PackError::new(
                        &display(&path),
                        "is not read: pack files end in `.yaml` or `.yml` (lower case); rename it",
                    ));
                }
                _ => {}
            }
        }
        files.sort();
        if files.len() > MAX_FILES_PER_SCOPE {
            errors.push(PackError::new(
                &display(&rules_dir),
                format!(
                    "holds {} pack files; at most {MAX_FILES_PER_SCOPE} are read",
                    files.len()
                ),
            ));
            return;
        }
        for path in files {
            match read_text(&path, follow, &mut budget) {
                Ok(Some(text)) => match parse_yaml(&text, &display(&path), scope) {
                    Ok(source) if matches!(source.pack.pack.as_str(), "user" | "project") => {
                        errors.push(PackError::new(
                            &display(&path),
                            format!(
                                "pack id `{}` is reserved for the rules in bouncer.yaml; choose another",
                                source.pack.pack
                            ),
                        ));
                    }
                    Ok(source) => {
                        self.files.push(LoadedFile {
                            path: display(&path),
                            scope,
                        });
                        self.sources.push(source);
                    }
                    Err(e) => errors.push(e),
                },
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
    }

    fn apply_settings(
        &mut self,
        path: &Path,
        text: &str,
        scope: PackScope,
        errors: &mut Vec<PackError>,
    ) {
        let file = display(path);
        // An empty file (or one with only comments) is an empty configuration.
        let parsed = if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            Ok(ConfigFile::default())
        } else {
            serde_yaml::from_str::<ConfigFile>(text)
        };
        let settings = match parsed {
            Ok(s) => s,
            Err(e) => {
                let location = e.location();
                let message = e.to_string();
                errors.push(PackError {
                    file,
                    line: location.as_ref().map(|l| l.line()),
                    column: location.map(|l| l.column()),
                    rule: None,
                    message: parser_message(&message),
                });
                return;
            }
        };
        self.files.push(LoadedFile {
            path: file.clone(),
            scope,
        });
        if scope == PackScope::Project {
            let forbidden = settings.user_only_keys();
            for key in &forbidden {
                errors.push(PackError {
                    line: line_of_key(text, key),
                    ..PackError::new(
                        &file,
                        format!(
                            "a project may only tighten: `{key}` is read from your user configuration (bouncer.yaml in ~/.mstro or $MSTRO_HOME), not from a project"
                        ),
                    )
                });
            }
            for rule in settings
                .disabled_rules
                .iter()
                .chain(&settings.critical_overrides)
            {
                errors.push(PackError {
                    line: line_of_item(text, rule),
                    ..PackError::for_rule(&file, rule, "a project may not switch rules off")
                });
            }
            if !forbidden.is_empty() {
                return;
            }
        } else {
            self.mode = settings.mode.or(self.mode);
            self.default_allow = settings.default_allow.unwrap_or(self.default_allow);
            self.reviewer = settings.reviewer.clone().or(self.reviewer.take());
            if let Some(ms) = settings.deadline_ms {
                self.deadline = Some(std::time::Duration::from_millis(u64::from(ms.max(1))));
            }
            for (rules, kind) in [
                (&settings.disabled_rules, SwitchKind::Disabled),
                (&settings.critical_overrides, SwitchKind::CriticalOverride),
            ] {
                for rule in rules {
                    self.switches.push(RuleSwitch {
                        rule: rule.clone(),
                        kind,
                        file: file.clone(),
                        line: line_of_item(text, rule),
                    });
                }
            }
        }
        if !settings.rules.is_empty() || !settings.programs.is_empty() {
            let pack = match scope {
                PackScope::Project => "project",
                _ => "user",
            };
            self.sources.push(PackSource {
                scope,
                file: file.clone(),
                text: Some(text.to_owned()),
                pack: PackFile {
                    pack: pack.to_owned(),
                    description: format!("Rules in {file}"),
                    modes: None,
                    programs: settings.programs,
                    rules: settings.rules,
                },
            });
        }
    }
}

/// Most pack files read from one scope's `rules/`.
const MAX_FILES_PER_SCOPE: usize = 64;

/// Most bytes read from one scope, all files together: every hook call reads them.
const MAX_SCOPE_BYTES: u64 = 4 * 1024 * 1024;

/// Bytes left to read in one scope.
#[derive(Debug)]
struct ScopeBudget(u64);

impl Default for ScopeBudget {
    fn default() -> Self {
        ScopeBudget(MAX_SCOPE_BYTES)
    }
}

fn not_a_link(path: &Path) -> Result<(), PackError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(PackError::new(
            &display(path),
            "is a symbolic link; a project's configuration must be regular files and directories in the project",
        )),
        _ => Ok(()),
    }
}

/// A file's text; `None` when it does not exist. Reads at most [`MAX_FILE_BYTES`] (and
/// what is left of the scope's budget) whatever the file claims its size is.
fn read_text(
    path: &Path,
    follow_links: bool,
    budget: &mut ScopeBudget,
) -> Result<Option<String>, PackError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = display(path);
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(PackError::new(&file, format!("cannot read it: {e}"))),
        Ok(_) if !follow_links => not_a_link(path)?,
        Ok(_) => {}
    }
    // Without blocking: a FIFO (or a link to one, or to a pipe in `/proc/self/fd`) would
    // wait for a writer forever, and a hook that never answers fails open. Whatever is
    // not a regular file is refused below, once open.
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| PackError::new(&file, format!("cannot read it: {e}")))?;
    let meta = opened
        .metadata()
        .map_err(|e| PackError::new(&file, format!("cannot read it: {e}")))?;
    if !meta.is_file() {
        return Err(PackError::new(&file, "is not a regular file"));
    }
    let limit = MAX_FILE_BYTES.min(budget.0);
    let mut bytes = Vec::new();
    opened
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| PackError::new(&file, format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(PackError::new(
            &file,
            format!(
                "is too big: configuration files are limited to {MAX_FILE_BYTES} bytes, and a scope's files to {MAX_SCOPE_BYTES} together"
            ),
        ));
    }
    budget.0 -= bytes.len() as u64;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| PackError::new(&file, "is not UTF-8 text"))
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The line (1-based) of a top-level `key:`.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

/// The line of a list item or inline list entry naming `item`.
fn line_of_item(text: &str, item: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | ',' | '"' | '\''))
                .any(|w| w == item)
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_keys_and_items() {
        let text = "mode: repl\ndisabled_rules:\n  - git.destructive-reset\ncritical_overrides: [a.b, c.d]\n";
        assert_eq!(line_of_key(text, "disabled_rules"), Some(2));
        assert_eq!(line_of_item(text, "git.destructive-reset"), Some(3));
        assert_eq!(line_of_item(text, "c.d"), Some(4));
        assert_eq!(line_of_item(text, "git"), None);
    }
}
