//! `credentials.json`: the device token `mstro login` obtained, and who it is for.

use std::io;

use serde::{Deserialize, Serialize};

use super::MstroHome;
use mstro_fs::write_atomic;

/// What `mstro login` stores (0600).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub token: String,
    pub user_id: String,
    #[serde(default)]
    pub email: Option<String>,
    pub name: String,
    pub client_id: String,
    /// The relay that issued the token.
    #[serde(default)]
    pub platform_url: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub last_refreshed_at: String,
}

/// Why the credentials cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path} is not valid credentials ({source}); run `mstro login --force`")]
    Invalid {
        path: String,
        #[source]
        source: serde_json::Error,
    },
}

impl Credentials {
    /// The stored credentials, `None` when not logged in.
    pub fn load(home: &MstroHome) -> Result<Option<Credentials>, CredentialsError> {
        let path = home.credentials_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(CredentialsError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|source| CredentialsError::Invalid {
                path: path.display().to_string(),
                source,
            })
    }

    pub fn save(&self, home: &MstroHome) -> io::Result<()> {
        home.ensure()?;
        let text = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        write_atomic(&home.credentials_path(), &text, 0o600)
    }

    /// Delete them; not being logged in already is fine.
    pub fn delete(home: &MstroHome) -> io::Result<()> {
        match std::fs::remove_file(home.credentials_path()) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}
