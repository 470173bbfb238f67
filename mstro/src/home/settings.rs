//! `config.json`: the person's preferences for `mstro`.

use std::io;

use serde::{Deserialize, Serialize};

use super::MstroHome;
use mstro_fs::write_atomic;

/// Preferences; unknown keys from newer versions are kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// `mstro telemetry on|off`. This build sends no telemetry whatever it says.
    #[serde(default)]
    pub telemetry: Option<bool>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Settings {
    pub fn load(home: &MstroHome) -> io::Result<Settings> {
        match std::fs::read_to_string(home.settings_path()) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is not valid JSON: {e}", home.settings_path().display()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(e),
        }
    }

    pub fn save(&self, home: &MstroHome) -> io::Result<()> {
        home.ensure()?;
        let text = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        write_atomic(&home.settings_path(), &text, 0o600)
    }
}
