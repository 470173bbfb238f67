//! `instances/`: one file per running `mstro`, so `mstro status` can list them. Each is
//! removed on clean shutdown; a file whose process is gone or whose heartbeat is old is
//! stale and pruned by whoever looks.

use std::io;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::MstroHome;
use mstro_fs::create_private_dir;
use mstro_fs::write_atomic;

/// How often a running instance refreshes its heartbeat.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);
/// A heartbeat older than this marks an instance stale.
const STALE_AFTER: Duration = Duration::from_secs(120);

/// One running instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub pid: u32,
    pub port: u16,
    pub working_dir: String,
    pub relay: String,
    /// Unix seconds.
    pub started_at: u64,
    /// Unix seconds.
    pub heartbeat: u64,
}

/// This process's instance file: written on start, refreshed by [`Registration::beat`],
/// removed on drop.
pub struct Registration {
    path: PathBuf,
    instance: Instance,
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Registration {
    pub fn register(
        home: &MstroHome,
        port: u16,
        working_dir: String,
        relay: String,
    ) -> io::Result<Registration> {
        let dir = home.instances_dir();
        create_private_dir(&dir)?;
        let pid = std::process::id();
        let now = now_secs();
        let reg = Registration {
            path: dir.join(format!("{pid}.json")),
            instance: Instance {
                pid,
                port,
                working_dir,
                relay,
                started_at: now,
                heartbeat: now,
            },
        };
        reg.write()?;
        Ok(reg)
    }

    fn write(&self) -> io::Result<()> {
        let text = serde_json::to_vec_pretty(&self.instance).map_err(io::Error::other)?;
        write_atomic(&self.path, &text, 0o600)
    }

    /// Refresh the heartbeat.
    pub fn beat(&mut self) -> io::Result<()> {
        self.instance.heartbeat = now_secs();
        self.write()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The live instances, pruning stale files on the way.
pub fn live(home: &MstroHome) -> io::Result<Vec<Instance>> {
    let dir = home.instances_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let now = now_secs();
    let mut live = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let instance = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<Instance>(&t).ok());
        match instance {
            Some(i)
                if process_alive(i.pid)
                    && now.saturating_sub(i.heartbeat) <= STALE_AFTER.as_secs() =>
            {
                live.push(i)
            }
            _ => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    live.sort_by_key(|i| i.port);
    Ok(live)
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // Signal 0 checks existence; EPERM means it exists but is someone else's.
    // SAFETY: kill with signal 0 sends nothing.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_listed_removed_and_stale_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let home = MstroHome::at(dir.path());
        let reg = Registration::register(&home, 4101, "/w".into(), "http://r".into()).unwrap();
        assert_eq!(live(&home).unwrap().len(), 1);
        // A dead process's file (pid far above pid_max) is pruned.
        let dead = Instance {
            pid: 4_000_000_000,
            ..reg.instance.clone()
        };
        let dead_path = home.instances_dir().join("dead.json");
        std::fs::write(&dead_path, serde_json::to_string(&dead).unwrap()).unwrap();
        // So is an old heartbeat.
        let old = Instance {
            heartbeat: 1,
            ..reg.instance.clone()
        };
        let old_path = home.instances_dir().join("old.json");
        std::fs::write(&old_path, serde_json::to_string(&old).unwrap()).unwrap();
        assert_eq!(live(&home).unwrap(), std::slice::from_ref(&reg.instance));
        assert!(!dead_path.exists() && !old_path.exists());
        drop(reg);
        assert!(live(&home).unwrap().is_empty());
    }
}
