//! `~/.mstro` (or `$MSTRO_HOME`): the machine's own state (MSTRO.md §1). The directory
//! is 0700; files holding secrets are 0600; every file is written atomically.

pub mod client_id;
pub mod credentials;
pub mod instances;
pub mod settings;

use std::io;
use std::path::{Path, PathBuf};

use mstro_fs::create_private_dir;

/// Where the machine's state lives.
#[derive(Debug, Clone)]
pub struct MstroHome {
    dir: PathBuf,
}

impl MstroHome {
    /// `$MSTRO_HOME`, else `~/.mstro`.
    pub fn from_env() -> io::Result<MstroHome> {
        let dir = match std::env::var_os("MSTRO_HOME").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => {
                let home = std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| {
                        io::Error::new(
                            io::ErrorKind::NotFound,
                            "neither MSTRO_HOME nor HOME is set",
                        )
                    })?;
                PathBuf::from(home).join(".mstro")
            }
        };
        Ok(MstroHome::at(dir))
    }

    pub fn at(dir: impl Into<PathBuf>) -> MstroHome {
        MstroHome { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Create the directory (0700) if it is missing.
    pub fn ensure(&self) -> io::Result<()> {
        create_private_dir(&self.dir)
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.dir.join("credentials.json")
    }

    pub fn settings_path(&self) -> PathBuf {
        self.dir.join("config.json")
    }

    pub fn client_id_path(&self) -> PathBuf {
        self.dir.join("client-id")
    }

    pub fn instances_dir(&self) -> PathBuf {
        self.dir.join("instances")
    }

    /// Where `mstro up` and `mstro relay` keep the relay's store by default.
    pub fn relay_dir(&self) -> PathBuf {
        self.dir.join("relay")
    }
}
