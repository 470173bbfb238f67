//! The facts about the machine that path resolution and classification depend on.

use super::resolve::normalize;

/// Where "home", "temp", the project and the bouncer's own files are.
///
/// Built once per process from the environment (or fixed, for pack examples),
/// so that classification never touches the filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEnv {
    /// The user's home directory, absolute and normalised.
    pub home: String,
    /// The project root when known (e.g. `CLAUDE_PROJECT_DIR`); the cwd also counts as project.
    pub project_root: Option<String>,
    /// Temporary directories besides the usual `/tmp`, e.g. `$TMPDIR`.
    pub extra_temp_dirs: Vec<String>,
    /// The bouncer's state directory (`MSTRO_HOME`, default `~/.mstro`).
    pub mstro_home: String,
    /// `CLAUDE_CONFIG_DIR` when set (default `~/.claude`).
    pub claude_config_dir: Option<String>,
    /// The bouncer's installed binaries, absolute: the running `mstro-bouncer` or `mstro`
    /// (what the hook command in the settings runs). See [`PathClass::BouncerBinary`].
    ///
    /// [`PathClass::BouncerBinary`]: crate::path::PathClass::BouncerBinary
    pub bouncer_binaries: Vec<String>,
    /// Judge file tools' paths also by where their symbolic links lead (see
    /// [`real_path`](crate::path::real_path)). Off for pack examples, whose fixed paths
    /// must not depend on the machine that tests them.
    pub follow_links: bool,
}

impl PathEnv {
    /// A fixed environment for pack examples and tests: home `/home/dev`,
    /// project and cwd `/home/dev/project`.
    pub fn fixture() -> Self {
        PathEnv {
            follow_links: false,
            ..PathEnv::new("/home/dev", Some("/home/dev/project"))
        }
    }

    pub fn new(home: &str, project_root: Option<&str>) -> Self {
        let home = normalize(home);
        PathEnv {
            mstro_home: format!("{home}/.mstro"),
            home,
            project_root: project_root.map(normalize),
            extra_temp_dirs: Vec::new(),
            claude_config_dir: None,
            bouncer_binaries: Vec::new(),
            follow_links: true,
        }
    }

    /// This environment with every directory it names replaced by where it really is
    /// (symbolic links followed), and the real `cwd`: what a path found by following
    /// links is classified against, so that a project reached through a link
    /// (`~/code` -> `/data/code`) is still the project.
    pub fn physical(&self, cwd: Option<&str>) -> (PathEnv, Option<String>) {
        let real = |p: &str| super::links::real_path(p).unwrap_or_else(|| p.to_owned());
        let env = PathEnv {
            home: real(&self.home),
            project_root: self.project_root.as_deref().map(real),
            extra_temp_dirs: self.extra_temp_dirs.iter().map(|d| real(d)).collect(),
            mstro_home: real(&self.mstro_home),
            claude_config_dir: self.claude_config_dir.as_deref().map(real),
            bouncer_binaries: self.bouncer_binaries.clone(),
            follow_links: self.follow_links,
        };
        (env, cwd.map(real))
    }

    /// This environment for a call made in `cwd`: when no project root is known, the
    /// call's working directory is the project.
    pub fn for_call(&self, cwd: Option<&str>) -> std::borrow::Cow<'_, PathEnv> {
        match (&self.project_root, cwd) {
            (None, Some(cwd)) if cwd.starts_with('/') => std::borrow::Cow::Owned(PathEnv {
                project_root: Some(normalize(cwd)),
                ..self.clone()
            }),
            _ => std::borrow::Cow::Borrowed(self),
        }
    }

    /// Read `HOME`, `TMPDIR`, `MSTRO_HOME`, `CLAUDE_CONFIG_DIR` and `CLAUDE_PROJECT_DIR`.
    pub fn from_process_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| v.starts_with('/'));
        let home = var("HOME").unwrap_or_else(|| "/root".to_owned());
        let mut env = PathEnv::new(&home, var("CLAUDE_PROJECT_DIR").as_deref());
        if let Some(t) = var("TMPDIR") {
            env.extra_temp_dirs.push(normalize(&t));
        }
        if let Some(m) = var("MSTRO_HOME") {
            env.mstro_home = normalize(&m);
        }
        env.claude_config_dir = var("CLAUDE_CONFIG_DIR").map(|c| normalize(&c));
        // The hook is this process: whatever it is called and wherever `install` put it,
        // replacing or removing it switches the bouncer off.
        if let Ok(exe) = std::env::current_exe()
            && let Some(name) = exe.file_name().and_then(|n| n.to_str())
            && (name == "mstro-bouncer" || name == "mstro")
            && let Some(exe) = exe.to_str()
        {
            env.bouncer_binaries.push(normalize(exe));
        }
        env
    }
}
