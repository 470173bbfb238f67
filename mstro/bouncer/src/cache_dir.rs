//! A private directory of small files, one per key, that the one-shot hook keeps
//! between processes: the reviewers' decisions (`review::cache`) and the judgements of
//! calls that run files (`hook::judgement_cache`).
//!
//! Only our own private regular files are read back: a file another user could have
//! written, a link, or anything larger than the bound is ignored. Entries are pruned
//! by age, then oldest first down to a capacity.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mstro_fs::create_private_dir;

/// One directory of keyed files.
pub struct CacheDir {
    dir: PathBuf,
    /// How long an entry is kept.
    ttl: Duration,
    /// Most entries kept.
    capacity: usize,
    /// Largest file read back.
    max_bytes: u64,
}

/// Seconds since the epoch, for entries' `stored_at`.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl CacheDir {
    pub fn new(dir: PathBuf, ttl: Duration, capacity: usize, max_bytes: u64) -> CacheDir {
        CacheDir {
            dir,
            ttl,
            capacity,
            max_bytes,
        }
    }

    /// The file of `key` (a hex digest).
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The bytes stored under `key`, if they are ours, private and within bounds.
    pub fn read(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.path(key);
        let meta = fs::symlink_metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > self.max_bytes || !private(&meta) {
            return None;
        }
        fs::read(&path).ok()
    }

    /// Whether an entry stored at `stored_at` is still to be used; one that is not is
    /// removed.
    pub fn fresh(&self, key: &str, stored_at: u64) -> bool {
        let age = now().saturating_sub(stored_at);
        let fresh = age <= self.ttl.as_secs() && stored_at <= now() + 60;
        if !fresh {
            self.remove(key);
        }
        fresh
    }

    pub fn remove(&self, key: &str) {
        let _ = fs::remove_file(self.path(key));
    }

    /// Store `bytes` under `key` (0600, atomically), then prune.
    pub fn write(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        create_private_dir(&self.dir)?;
        mstro_fs::write_atomic(&self.path(key), bytes, 0o600)?;
        self.prune();
        Ok(())
    }

    /// Expired entries out, then the oldest until at most `capacity` remain.
    fn prune(&self) {
        mstro_fs::sweep_leftovers(&self.dir, mstro_fs::LEFTOVER_AGE);
        let Ok(read) = fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(SystemTime, PathBuf)> = read
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        let cutoff = SystemTime::now() - self.ttl;
        files.retain(|(at, path)| {
            let keep = *at > cutoff;
            if !keep {
                let _ = fs::remove_file(path);
            }
            keep
        });
        if files.len() > self.capacity {
            files.sort();
            for (_, path) in &files[..files.len() - self.capacity] {
                let _ = fs::remove_file(path);
            }
        }
    }
}

#[cfg(unix)]
fn private(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    meta.mode() & 0o077 == 0 && meta.uid() == unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
fn private(_: &fs::Metadata) -> bool {
    true
}
