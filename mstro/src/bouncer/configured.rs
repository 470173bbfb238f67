//! The engine as this run is configured: built-in packs, then the user's `~/.mstro`
//! (`$MSTRO_HOME`), then the project's `.mstro`, found from the working directory.

use mstro_engine::config::{Config, ConfigError, ConfigPaths};
use mstro_engine::{Engine, Mode, PathEnv, Policy};

/// An engine with the configuration it was built from.
pub struct Configured {
    pub engine: Engine,
    pub config: Config,
    pub env: PathEnv,
    pub paths: ConfigPaths,
}

impl Configured {
    /// Load every layer for work in `cwd`. With `with_examples`, packs keep their
    /// examples (for `packs test`).
    pub fn load(cwd: Option<&str>, with_examples: bool) -> Result<Configured, ConfigError> {
        let env = PathEnv::from_process_env();
        let paths = ConfigPaths::discover(&env, cwd);
        let config = Config::load(&paths, with_examples)?;
        let engine = Engine::from_config(&config)?;
        Ok(Configured {
            engine,
            config,
            env,
            paths,
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
