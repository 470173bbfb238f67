//! Reviewer decisions remembered per session and operation, so an agent repeating a
//! call does not pay for (or wait on) a second review.
//!
//! Only well-formed decisions at or above the confidence threshold are stored, never
//! failures, and the key always contains the session id: the same command in another
//! session is reviewed afresh. Long-lived processes (`mcp`) keep them in memory; the
//! one-shot hook keeps them on disk under `~/.mstro/cache/reviews/`, one 0600 file per
//! key, bounded in number and age.

use std::collections::HashMap;
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mstro_engine::ToolCall;
use mstro_engine::review::ReviewAnswer;
use serde::{Deserialize, Serialize};

use crate::cache_dir::{CacheDir, now};
use crate::call_digest;

/// How long a decision is reused.
pub const TTL: Duration = Duration::from_secs(60 * 60);
/// Most entries kept, in memory or on disk.
pub const CAPACITY: usize = 512;

/// Identifies one operation in one session: a SHA-256 over both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// `None` without a session id: nothing is shared between unknown sessions.
    pub fn new(session: Option<&str>, call: &ToolCall) -> Option<CacheKey> {
        let session = session.filter(|s| !s.is_empty())?;
        let [tool, cwd, input] = call_digest::operation_parts(call);
        Some(CacheKey(call_digest::digest(&[
            session, &tool, &cwd, &input,
        ])))
    }
}

/// A stored decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    key: String,
    stored_at: u64,
    reviewer: String,
    answer: ReviewAnswer,
}

/// Where reviewer decisions are remembered.
pub enum ReviewCache {
    /// Nothing is remembered.
    Off,
    Memory(Mutex<MemoryCache>),
    Disk(DiskCache),
}

impl ReviewCache {
    pub fn memory() -> ReviewCache {
        ReviewCache::Memory(Mutex::new(MemoryCache::default()))
    }

    pub fn get(&self, key: &CacheKey) -> Option<(String, ReviewAnswer)> {
        match self {
            ReviewCache::Off => None,
            ReviewCache::Memory(m) => m.lock().ok()?.get(key),
            ReviewCache::Disk(d) => d.get(key),
        }
    }

    pub fn put(&self, key: &CacheKey, reviewer: &str, answer: &ReviewAnswer) {
        match self {
            ReviewCache::Off => {}
            ReviewCache::Memory(m) => {
                if let Ok(mut m) = m.lock() {
                    m.put(key, reviewer, answer)
                }
            }
            ReviewCache::Disk(d) => {
                if let Err(e) = d.put(key, reviewer, answer) {
                    eprintln!("mstro-bouncer: could not cache the review: {e}");
                }
            }
        }
    }
}

/// LRU with TTL, for long-lived processes.
#[derive(Default)]
pub struct MemoryCache {
    entries: HashMap<CacheKey, (Instant, u64, String, ReviewAnswer)>,
    tick: u64,
}

impl MemoryCache {
    fn get(&mut self, key: &CacheKey) -> Option<(String, ReviewAnswer)> {
        self.tick += 1;
        let tick = self.tick;
        let entry = self.entries.get_mut(key)?;
        if entry.0.elapsed() > TTL {
            self.entries.remove(key);
            return None;
        }
        entry.1 = tick;
        Some((entry.2.clone(), entry.3.clone()))
    }

    fn put(&mut self, key: &CacheKey, reviewer: &str, answer: &ReviewAnswer) {
        self.tick += 1;
        if self.entries.len() >= CAPACITY && !self.entries.contains_key(key) {
            // Least recently used out; O(n) is fine at this size and this rate.
            if let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.1)
                .map(|(k, _)| k.clone())
            {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(
            key.clone(),
            (
                Instant::now(),
                self.tick,
                reviewer.to_owned(),
                answer.clone(),
            ),
        );
    }
}

/// One file per key under a private directory, for the one-shot hook.
pub struct DiskCache {
    dir: CacheDir,
}

impl DiskCache {
    /// `~/.mstro/cache/reviews` under the given mstro home.
    pub fn under(mstro_home: &Path) -> DiskCache {
        DiskCache {
            dir: CacheDir::new(
                mstro_home.join("cache").join("reviews"),
                TTL,
                CAPACITY,
                16 * 1024,
            ),
        }
    }

    #[cfg(test)]
    fn path(&self, key: &CacheKey) -> PathBuf {
        self.dir.path(&key.0)
    }

    fn get(&self, key: &CacheKey) -> Option<(String, ReviewAnswer)> {
        let stored: Stored = serde_json::from_slice(&self.dir.read(&key.0)?).ok()?;
        if stored.key != key.0 || !self.dir.fresh(&key.0, stored.stored_at) {
            return None;
        }
        Some((stored.reviewer, stored.answer))
    }

    fn put(&self, key: &CacheKey, reviewer: &str, answer: &ReviewAnswer) -> std::io::Result<()> {
        let stored = Stored {
            key: key.0.clone(),
            stored_at: now(),
            reviewer: reviewer.to_owned(),
            answer: answer.clone(),
        };
        self.dir.write(&key.0, &serde_json::to_vec(&stored)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstro_engine::review::{ReviewDecision, ThreatLevel};
    use std::fs;

    fn answer() -> ReviewAnswer {
        ReviewAnswer {
            decision: ReviewDecision::Allow,
            confidence: 90,
            reasoning: "fine".into(),
            threat_level: ThreatLevel::Low,
        }
    }

    fn call(command: &str) -> ToolCall {
        let mut c = ToolCall::bash(command).with_cwd("/p");
        c.tool_input["description"] = "anything".into();
        c
    }

    #[test]
    fn keys_separate_sessions_and_ignore_key_order_and_descriptions() {
        let a = CacheKey::new(Some("s1"), &call("make")).unwrap();
        assert_eq!(
            a,
            CacheKey::new(Some("s1"), &ToolCall::bash("make").with_cwd("/p")).unwrap()
        );
        assert_ne!(a, CacheKey::new(Some("s2"), &call("make")).unwrap());
        assert_ne!(a, CacheKey::new(Some("s1"), &call("make install")).unwrap());
        assert_ne!(
            a,
            CacheKey::new(Some("s1"), &call("make").with_cwd("/q")).unwrap()
        );
        assert!(CacheKey::new(None, &call("make")).is_none());
        let reordered = ToolCall {
            tool_name: "Bash".into(),
            tool_input: serde_json::json!({"timeout": 5, "command": "make"}),
            cwd: Some("/p".into()),
        };
        let ordered = ToolCall {
            tool_input: serde_json::json!({"command": "make", "timeout": 5}),
            ..reordered.clone()
        };
        assert_eq!(
            CacheKey::new(Some("s1"), &reordered),
            CacheKey::new(Some("s1"), &ordered)
        );
    }

    #[test]
    fn the_disk_cache_round_trips_privately_and_ignores_foreign_files() {
        let home = tempfile::tempdir().unwrap();
        let cache = ReviewCache::Disk(DiskCache::under(home.path()));
        let key = CacheKey::new(Some("s"), &call("make")).unwrap();
        assert!(cache.get(&key).is_none());
        cache.put(&key, "anthropic:m", &answer());
        assert_eq!(cache.get(&key).unwrap().1, answer());
        let ReviewCache::Disk(d) = &cache else {
            unreachable!()
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = d.path(&key);
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            // A file others can write is not trusted.
            fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
            assert!(cache.get(&key).is_none());
        }
        // A file stored under another key's name is not used.
        let other = CacheKey::new(Some("s"), &call("make clean")).unwrap();
        cache.put(&other, "anthropic:m", &answer());
        fs::copy(d.path(&other), d.path(&key)).unwrap();
        assert!(cache.get(&key).is_none());
    }

    #[test]
    fn memory_cache_evicts_the_least_recently_used() {
        let mut m = MemoryCache::default();
        let keys: Vec<CacheKey> = (0..=CAPACITY)
            .map(|i| CacheKey::new(Some("s"), &call(&format!("make {i}"))).unwrap())
            .collect();
        for k in &keys[..CAPACITY] {
            m.put(k, "r", &answer());
        }
        assert!(m.get(&keys[0]).is_some()); // now recently used
        m.put(&keys[CAPACITY], "r", &answer());
        assert!(m.get(&keys[0]).is_some());
        assert!(m.get(&keys[1]).is_none());
        assert_eq!(m.entries.len(), CAPACITY);
    }
}
