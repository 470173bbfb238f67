//! Tabs' own settings, kept on disk so that they survive a restart of mstro the way
//! tabs do: a browser brings its tabs back by id (`initTab`), and a tab that comes
//! back finds its settings. One file, `<project>/.mstro/tabs/settings.json` (0600, the
//! directory 0700 with a `.gitignore` of `*`), replaced atomically on every change:
//! `{version: 1, tabs: {<tabId>: {model, askPerson, updatedAt}}}`. A tab with nothing
//! chosen has no entry, and `removeTab` deletes the tab's.
//!
//! Bounded: at most [`MAX_KEPT`] tabs (the settings changed longest ago go first) and
//! [`MAX_FILE_BYTES`]. The project may come from someone else, so what is read is
//! checked like what a browser sends: `.mstro` and `.mstro/tabs` must be real
//! directories, the file a regular one (never through a symbolic link), every id and
//! model valid; an entry that is not is left out, and a file that does not parse is
//! reported on stderr and replaced by the next change.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::ids;
use super::runner::command::valid_model;
use mstro_protocol::tab_settings::TabSettings;

/// The most tabs whose settings are kept.
pub const MAX_KEPT: usize = 256;
/// The largest settings file read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
const VERSION: u32 = 1;

/// Why settings could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum TabSettingsError {
    /// `.mstro` or `.mstro/tabs` is a symbolic link or not a directory.
    #[error(transparent)]
    Unsafe(#[from] mstro_fs::DirError),
    /// The file system failed.
    #[error(
        "could not write the tab settings: {0}. Check that .mstro/tabs in the project is \
         writable by you and the disk is not full"
    )]
    Io(#[from] io::Error),
}

/// The settings of every tab that has some, in memory and in the file.
#[derive(Debug)]
pub struct TabSettingsStore {
    /// `<project>/.mstro`.
    mstro_dir: PathBuf,
    /// `<project>/.mstro/tabs`.
    dir: PathBuf,
    tabs: Mutex<BTreeMap<String, Stored>>,
    /// Held while the file is written, so that writes happen one at a time and the
    /// file is always the map as the last change left it.
    writing: Mutex<()>,
}

/// One tab's entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    #[serde(flatten)]
    settings: TabSettings,
    /// When they were last changed (RFC 3339): the oldest go first past [`MAX_KEPT`].
    updated_at: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct SettingsFile {
    version: u32,
    tabs: BTreeMap<String, serde_json::Value>,
}

impl TabSettingsStore {
    /// The store of `<project_root>/.mstro/tabs`, with what its file holds. A file that
    /// cannot be used is a line on stderr and an empty store: settings are a
    /// convenience, never a reason for mstro not to start.
    pub fn open(project_root: &Path) -> TabSettingsStore {
        let mstro_dir = project_root.join(".mstro");
        let dir = mstro_dir.join("tabs");
        let tabs = match read(&mstro_dir, &dir) {
            Ok(tabs) => tabs,
            Err(why) => {
                eprintln!(
                    "mstro: the tab settings in {} were not read ({why}); tabs start with \
                     the default settings",
                    dir.join("settings.json").display()
                );
                BTreeMap::new()
            }
        };
        TabSettingsStore {
            mstro_dir,
            dir,
            tabs: Mutex::new(tabs),
            writing: Mutex::new(()),
        }
    }

    fn tabs(&self) -> MutexGuard<'_, BTreeMap<String, Stored>> {
        self.tabs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tab `tab_id`'s settings (the defaults when it has none).
    pub fn get(&self, tab_id: &str) -> TabSettings {
        self.tabs()
            .get(tab_id)
            .map(|s| s.settings.clone())
            .unwrap_or_default()
    }

    /// Make `settings` tab `tab_id`'s, on disk first: when the write fails nothing
    /// changed. Blocks on the disk.
    pub fn set(&self, tab_id: &str, settings: TabSettings) -> Result<(), TabSettingsError> {
        self.change(|tabs| {
            if settings.is_default() {
                tabs.remove(tab_id);
            } else {
                tabs.insert(
                    tab_id.to_owned(),
                    Stored {
                        settings,
                        updated_at: mstro_protocol::timestamp::now(),
                    },
                );
                while tabs.len() > MAX_KEPT {
                    let oldest = tabs
                        .iter()
                        .filter(|(id, _)| id.as_str() != tab_id)
                        .min_by(|a, b| a.1.updated_at.cmp(&b.1.updated_at))
                        .map(|(id, _)| id.clone());
                    match oldest {
                        Some(id) => tabs.remove(&id),
                        None => break,
                    };
                }
            }
        })
    }

    /// Forget tab `tab_id` (it was closed). Blocks on the disk.
    pub fn forget(&self, tab_id: &str) -> Result<(), TabSettingsError> {
        if !self.tabs().contains_key(tab_id) {
            return Ok(());
        }
        self.change(|tabs| {
            tabs.remove(tab_id);
        })
    }

    fn change(
        &self,
        f: impl FnOnce(&mut BTreeMap<String, Stored>),
    ) -> Result<(), TabSettingsError> {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let mut next = self.tabs().clone();
        f(&mut next);
        let file = SettingsFile {
            version: VERSION,
            tabs: next
                .iter()
                .map(|(id, s)| (id.clone(), serde_json::to_value(s).unwrap_or_default()))
                .collect(),
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(io::Error::from)?;
        self.prepare_dirs()?;
        mstro_fs::write_atomic(&self.dir.join("settings.json"), &bytes, 0o600)?;
        *self.tabs() = next;
        Ok(())
    }

    /// Makes `.mstro` and `.mstro/tabs` (0700) and `tabs/.gitignore` exist.
    fn prepare_dirs(&self) -> Result<(), TabSettingsError> {
        mstro_fs::create_real_dir(&self.mstro_dir)?;
        mstro_fs::create_real_dir(&self.dir)?;
        let gitignore = self.dir.join(".gitignore");
        match fs::symlink_metadata(&gitignore) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Ok(mstro_fs::write_atomic(&gitignore, b"*\n", 0o600)?)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The valid entries of the settings file, or why it cannot be used. No file (or no
/// directory) is no settings.
fn read(mstro_dir: &Path, dir: &Path) -> Result<BTreeMap<String, Stored>, String> {
    for d in [mstro_dir, dir] {
        if !mstro_fs::real_dir_exists(d).map_err(|e| e.to_string())? {
            return Ok(BTreeMap::new());
        }
    }
    let path = dir.join("settings.json");
    let file = match mstro_fs::open_read_no_follow(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("it cannot be opened as a regular file: {e}")),
    };
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.file_type().is_file() {
        return Err("it is not a regular file".into());
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("it is over {} KiB", MAX_FILE_BYTES / 1024));
    }
    let parsed: SettingsFile =
        serde_json::from_slice(&bytes).map_err(|e| format!("it is not valid: {e}"))?;
    if parsed.version != VERSION {
        return Err(format!("it is version {}, not {VERSION}", parsed.version));
    }
    let mut tabs: BTreeMap<String, Stored> = parsed
        .tabs
        .into_iter()
        .filter(|(id, _)| ids::is_valid(id))
        .filter_map(|(id, value)| Some((id, serde_json::from_value::<Stored>(value).ok()?)))
        .filter(|(_, s)| s.settings.model.as_deref().is_none_or(valid_model))
        .filter(|(_, s)| !s.settings.is_default())
        .collect();
    // A file written by hand may hold more than the store keeps.
    while tabs.len() > MAX_KEPT {
        let oldest = tabs
            .iter()
            .min_by(|a, b| a.1.updated_at.cmp(&b.1.updated_at))
            .map(|(id, _)| id.clone());
        if let Some(id) = oldest {
            tabs.remove(&id);
        }
    }
    Ok(tabs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstro_protocol::tab_settings::AskPerson;

    fn opus_first() -> TabSettings {
        TabSettings {
            model: Some("claude-opus-4-1".into()),
            ask_person: Some(AskPerson::First),
        }
    }

    #[test]
    fn settings_survive_a_restart_and_closing_a_tab_forgets_them() {
        let tmp = tempfile::tempdir().unwrap();
        let store = TabSettingsStore::open(tmp.path());
        assert_eq!(store.get("t-1"), TabSettings::default());
        assert!(!tmp.path().join(".mstro").exists(), "nothing written yet");
        store.set("t-1", opus_first()).unwrap();
        store
            .set(
                "t-2",
                TabSettings {
                    model: None,
                    ask_person: Some(AskPerson::Never),
                },
            )
            .unwrap();

        let again = TabSettingsStore::open(tmp.path());
        assert_eq!(again.get("t-1"), opus_first());
        assert_eq!(again.get("t-2").ask_person, Some(AskPerson::Never));
        let dir = tmp.path().join(".mstro/tabs");
        assert_eq!(fs::read_to_string(dir.join(".gitignore")).unwrap(), "*\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&dir.join("settings.json")), 0o600);
        }

        again.forget("t-1").unwrap();
        again.set("t-2", TabSettings::default()).unwrap();
        let third = TabSettingsStore::open(tmp.path());
        assert_eq!(third.get("t-1"), TabSettings::default());
        assert_eq!(third.get("t-2"), TabSettings::default());
        assert!(third.tabs().is_empty(), "defaults take no entry");
    }

    #[test]
    fn what_is_read_is_checked_like_what_a_browser_sends() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(".mstro/tabs");
        fs::create_dir_all(&dir).unwrap();
        let at = "2026-01-01T00:00:00Z";
        fs::write(
            dir.join("settings.json"),
            serde_json::json!({"version": 1, "tabs": {
                "t-ok": {"model": "sonnet", "askPerson": "first", "updatedAt": at},
                "t-flag": {"model": "--dangerously-skip-permissions", "askPerson": null, "updatedAt": at},
                "../x": {"model": "sonnet", "askPerson": null, "updatedAt": at},
                "t-odd": {"model": null, "askPerson": "always", "updatedAt": at},
            }})
            .to_string(),
        )
        .unwrap();
        let store = TabSettingsStore::open(tmp.path());
        assert_eq!(
            store.tabs().keys().collect::<Vec<_>>(),
            ["t-ok"],
            "a flag for a model, a path for an id and an unknown value are left out"
        );

        fs::write(dir.join("settings.json"), "{ not json").unwrap();
        let store = TabSettingsStore::open(tmp.path());
        assert!(store.tabs().is_empty());
        store.set("t-1", opus_first()).unwrap();
        assert_eq!(TabSettingsStore::open(tmp.path()).get("t-1"), opus_first());
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_link_is_neither_read_nor_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        fs::create_dir(tmp.path().join("p")).unwrap();
        fs::create_dir(tmp.path().join("p/.mstro")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, tmp.path().join("p/.mstro/tabs")).unwrap();
        let store = TabSettingsStore::open(&tmp.path().join("p"));
        let err = store.set("t-1", opus_first()).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
        assert_eq!(store.get("t-1"), TabSettings::default(), "nothing changed");
    }

    #[test]
    fn at_most_max_kept_tabs_the_oldest_change_goes_first() {
        let tmp = tempfile::tempdir().unwrap();
        let store = TabSettingsStore::open(tmp.path());
        {
            // Filled in memory (a write each would be slow), then one change writes all.
            let mut tabs = store.tabs();
            for i in 0..MAX_KEPT {
                tabs.insert(
                    format!("t-{i:03}"),
                    Stored {
                        settings: opus_first(),
                        updated_at: format!("2026-01-01T00:{:02}:{:02}Z", i / 60, i % 60),
                    },
                );
            }
        }
        store.set("t-new", opus_first()).unwrap();
        let again = TabSettingsStore::open(tmp.path());
        let tabs = again.tabs();
        assert_eq!(tabs.len(), MAX_KEPT);
        assert!(!tabs.contains_key("t-000"), "the oldest went");
        assert!(tabs.contains_key("t-001") && tabs.contains_key("t-new"));
    }
}
