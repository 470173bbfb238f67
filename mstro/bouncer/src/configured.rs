//! The engine as this run is configured: built-in packs, then the user's `~/.mstro`
//! (`$MSTRO_HOME`), then the project's `.mstro`, found from the working directory.

use mstro_engine::config::{Config, ConfigError, ConfigPaths};
use mstro_engine::pack::Relevance;
use mstro_engine::{Engine, Mode, PathEnv, Policy, ToolCall};

/// An engine with the configuration it was built from.
pub struct Configured {
    /// The engine over every layer.
    pub engine: Engine,
    /// What the layers said.
    pub config: Config,
    /// Home, project root, temporary and configuration directories, as resolved.
    pub env: PathEnv,
}

impl Configured {
    /// Load every layer for work in `cwd`. With `with_examples`, packs keep their
    /// examples (for `packs test`).
    pub fn load(cwd: Option<&str>, with_examples: bool) -> Result<Configured, ConfigError> {
        Configured::load_with(Configured::env_for(cwd), cwd, |paths| {
            Config::load(paths, with_examples)
        })
    }

    /// Load every layer for judging `call` alone, in `env` (from
    /// [`Configured::env_for`]): of the shipped rules, only those `relevance`
    /// (`relevance_of` the call) says it can need are compiled (the hook starts anew
    /// for every call).
    pub fn load_relevant(
        env: PathEnv,
        call: &ToolCall,
        relevance: &Relevance,
    ) -> Result<Configured, ConfigError> {
        Configured::load_with(env, call.cwd.as_deref(), |paths| {
            Config::load_for(paths, relevance)
        })
    }

    /// The process's environment for work in `cwd`, with a `$MSTRO_HOME` the project
    /// could have chosen replaced by the default.
    pub fn env_for(cwd: Option<&str>) -> PathEnv {
        let mut env = PathEnv::from_process_env();
        if let Some(why) = untrusted_mstro_home(&env, cwd) {
            // A project's `.claude/settings.json` can set the hook's environment: it must
            // not be able to pick the "user" configuration, which may switch rules off.
            eprintln!(
                "mstro-bouncer: ignoring MSTRO_HOME={} ({why}); using {}/.mstro",
                env.mstro_home, env.home
            );
            env.mstro_home = format!("{}/.mstro", env.home.trim_end_matches('/'));
        }
        env
    }

    fn load_with(
        env: PathEnv,
        cwd: Option<&str>,
        load: impl FnOnce(&ConfigPaths) -> Result<Config, ConfigError>,
    ) -> Result<Configured, ConfigError> {
        let paths = ConfigPaths::discover(&env, cwd);
        let config = load(&paths)?;
        let engine = Engine::from_config(&config)?;
        Ok(Configured {
            engine,
            config,
            env,
        })
    }

    /// The mode: the command line's, else the user's configured default, else `repl`.
    pub fn mode(&self, flag: Option<Mode>) -> Mode {
        flag.or(self.config.mode).unwrap_or_default()
    }

    pub fn policy(&self, mode: Mode) -> Policy {
        Policy {
            mode,
            default_allow: self.config.default_allow,
        }
    }
}

/// Why `$MSTRO_HOME` cannot be the user's configuration, if it cannot: it lies inside
/// the project or the working directory (where the agent and the repository write),
/// or in `/proc`.
fn untrusted_mstro_home(env: &PathEnv, cwd: Option<&str>) -> Option<&'static str> {
    let home = std::path::Path::new(&env.mstro_home);
    let default = format!("{}/.mstro", env.home.trim_end_matches('/'));
    if env.mstro_home == default {
        return None;
    }
    if home.starts_with("/proc") {
        return Some("it is under /proc");
    }
    let inside = |dir: Option<&str>| dir.is_some_and(|d| home.starts_with(d));
    if inside(env.project_root.as_deref()) {
        return Some("it is inside the project");
    }
    // Work in the home directory itself is no project: `~/.config/mstro` is fine there.
    let cwd_is_home_or_above = cwd.is_some_and(|c| std::path::Path::new(&env.home).starts_with(c));
    if inside(cwd) && !cwd_is_home_or_above {
        return Some("it is inside the working directory");
    }
    None
}
