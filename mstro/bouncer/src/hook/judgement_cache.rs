//! Judgements of calls that run a project's files, kept between hook processes.
//!
//! A command that runs a file (`bash build.sh`, `npm test`, `make`) needs every rule,
//! since any rule may be about what the file holds, and building all of them is most
//! of what such a call costs the hook (bench/README.md, "Judging a file again"). The
//! same command is often run again and again in a session, with its files unchanged.
//!
//! An entry is reused only when judging again would give the same judgement:
//! - its key is the same: this binary (path, size, inode, times), the environment the
//!   engine sees ([`PathEnv`]), the call (tool, input, working directory), the mode
//!   asked for, and the configuration, to the text of every file in the user's and the
//!   project's configuration directories;
//! - every look the engine took at the disk while judging it (`mstro_engine::disk`:
//!   the scripts, manifests and Makefiles it read, the files whose presence mattered,
//!   where links led) sees the same now;
//! - it is younger than [`TTL`], our own private file, and within bounds.
//!
//! A judgement cut short by the clock is never kept. What follows a judgement (the
//! policy, the AI reviewer, the audit record) happens afresh on every call.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use mstro_engine::config::ReviewerConfig;
use mstro_engine::disk::{Observation, Recorded};
use mstro_engine::policy::DefaultAllow;
use mstro_engine::{ConfigPaths, Evaluation, Judgement, Mode, Operation, PathEnv, ToolCall};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cache_dir::{CacheDir, now};
use crate::call_digest::hex;

/// How long a judgement is kept.
pub const TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Most judgements kept.
const CAPACITY: usize = 256;
/// Largest entry read back.
const MAX_ENTRY_BYTES: u64 = 512 * 1024;
/// Most files of one configuration directory's `rules/` taken into the key; a
/// directory with more is not cached.
const MAX_RULE_FILES: usize = 256;
/// Most bytes of one configuration directory read into the key (the loader refuses
/// more: `MAX_SCOPE_BYTES` in `engine/src/config/load.rs`).
const MAX_CONFIG_BYTES_PER_SCOPE: u64 = 4 * 1024 * 1024;

/// What identifies a judgement: a SHA-256 over everything but the disk it looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgementKey(String);

impl JudgementKey {
    /// The key of judging `call` in `env` with the mode flag `mode`; `None` when some
    /// part of it cannot be read (then nothing is cached).
    pub fn new(call: &ToolCall, env: &PathEnv, mode: Option<Mode>) -> Option<JudgementKey> {
        let mut h = Sha256::new();
        let mut part = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        part(b"mstro judgement cache 1");
        part(env!("CARGO_PKG_VERSION").as_bytes());
        part(this_binary()?.as_bytes());
        part(format!("{env:?}").as_bytes());
        part(format!("{mode:?}").as_bytes());
        part(call.tool_name.as_bytes());
        part(call.cwd.as_deref().unwrap_or("").as_bytes());
        part(serde_json::to_string(&call.tool_input).ok()?.as_bytes());
        let paths = ConfigPaths::discover(env, call.cwd.as_deref());
        part(format!("{paths:?}").as_bytes());
        part(configuration_state(&paths.user_dir, true)?.as_bytes());
        for dir in &paths.project_dirs {
            part(configuration_state(dir, false)?.as_bytes());
        }
        Some(JudgementKey(hex(&h.finalize())))
    }
}

/// The running binary as the filesystem has it: a rebuilt or reinstalled bouncer
/// judges with other code and other built-in rules.
fn this_binary() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let exe = std::env::current_exe().ok()?;
    let m = std::fs::metadata(&exe).ok()?;
    Some(format!(
        "{} {} {} {} {}.{} {}.{}",
        exe.display(),
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

/// What a configuration directory holds that the loader reads: the directory itself,
/// `bouncer.yaml`, `rules/` and every entry in it, each by its kind and, for a regular
/// file, a SHA-256 of its text. A project's links are recorded as links, never
/// followed (its loader refuses them); the user's are followed, as the loader does.
/// Nothing but a regular file is ever read: a FIFO, a device or `/proc/self/fd/1`
/// would block or never end. `None` when there is more than the loader would read
/// anyway (it then refuses the configuration itself, and nothing is kept).
fn configuration_state(dir: &Path, follow_links: bool) -> Option<String> {
    let mut budget = MAX_CONFIG_BYTES_PER_SCOPE;
    let mut out = String::new();
    if !follow_links {
        // A project's `.mstro` that is a link is refused by the loader. (Whether the
        // user's exists at all changes with the first audit record; what is in it is
        // what counts.)
        out.push_str(&entry_state(dir, false, &mut budget)?);
    }
    out.push_str(&entry_state(
        &dir.join("bouncer.yaml"),
        follow_links,
        &mut budget,
    )?);
    let rules = dir.join("rules");
    out.push_str(&entry_state(&rules, follow_links, &mut budget)?);
    let listing = if follow_links {
        std::fs::read_dir(&rules)
    } else {
        // `read_dir` would follow a link; a project's `rules` link is recorded above.
        match std::fs::symlink_metadata(&rules) {
            Ok(m) if m.is_dir() => std::fs::read_dir(&rules),
            _ => return Some(out),
        }
    };
    if let Ok(read) = listing {
        let mut names: Vec<_> = read.flatten().map(|e| e.file_name()).collect();
        if names.len() > MAX_RULE_FILES {
            return None;
        }
        names.sort();
        for name in names {
            out.push_str(&format!("{name:?}"));
            out.push_str(&entry_state(&rules.join(name), follow_links, &mut budget)?);
        }
    }
    Some(out)
}

/// One entry: its kind (`lstat`, or `stat` through a link when `follow_links`), and
/// the SHA-256 of a regular file's text, opened without blocking and checked to be a
/// regular file once open. `None` once the directory's bytes are past `budget`.
fn entry_state(path: &Path, follow_links: bool, budget: &mut u64) -> Option<String> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let kind = |t: std::fs::FileType| {
        if t.is_symlink() {
            "link"
        } else if t.is_file() {
            "file"
        } else if t.is_dir() {
            "dir"
        } else if t.is_fifo() {
            "fifo"
        } else {
            "other"
        }
    };
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => return Some(format!("{:?};", e.kind())),
    };
    if meta.file_type().is_symlink() && !follow_links {
        let target = std::fs::read_link(path).ok();
        return Some(format!("link {target:?};"));
    }
    let mut flags = libc::O_NONBLOCK;
    if !follow_links {
        flags |= libc::O_NOFOLLOW;
    }
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path);
    let file = match opened {
        Ok(f) => f,
        Err(e) => return Some(format!("{} {:?};", kind(meta.file_type()), e.kind())),
    };
    let Ok(open_meta) = file.metadata() else {
        return Some(format!("{} unreadable;", kind(meta.file_type())));
    };
    if !open_meta.is_file() {
        return Some(format!(
            "{} {};",
            kind(meta.file_type()),
            kind(open_meta.file_type())
        ));
    }
    if open_meta.len() > *budget {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(*budget + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > *budget {
        return None;
    }
    *budget -= bytes.len() as u64;
    Some(format!(
        "{} {};",
        kind(meta.file_type()),
        hex(&Sha256::digest(&bytes))
    ))
}

/// A kept judgement, with the configuration's say in what follows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kept {
    key: String,
    stored_at: u64,
    observations: Vec<Observation>,
    pub judgement: Judgement,
    pub fired: Vec<String>,
    pub overridden: Vec<String>,
    /// The configured mode, default-allow and reviewer (the configuration is in the key).
    pub mode: Option<Mode>,
    pub default_allow: DefaultAllow,
    pub reviewer: Option<ReviewerConfig>,
}

impl Kept {
    /// The evaluation this stands for. The operation is read from the call again
    /// (cheap, and the same); the shell model is not kept (nothing after the
    /// judgement uses it).
    pub fn evaluation(&self, call: &ToolCall, env: &PathEnv) -> Option<Evaluation> {
        let operation = Operation::from_call(call, &env.for_call(call.cwd.as_deref())).ok()?;
        Some(Evaluation {
            judgement: self.judgement.clone(),
            operation,
            fired: self.fired.iter().map(|r| r.as_str().into()).collect(),
            model: None,
            overridden: self.overridden.iter().map(|r| r.as_str().into()).collect(),
            cut_short: false,
        })
    }
}

/// The judgements kept under `~/.mstro/cache/judgements/`.
pub struct JudgementCache {
    dir: CacheDir,
}

impl JudgementCache {
    pub fn under(mstro_home: &Path) -> JudgementCache {
        JudgementCache {
            dir: CacheDir::new(
                mstro_home.join("cache").join("judgements"),
                TTL,
                CAPACITY,
                MAX_ENTRY_BYTES,
            ),
        }
    }

    /// The judgement kept under `key`, if judging again would give it.
    pub fn get(&self, key: &JudgementKey) -> Option<Kept> {
        let kept: Kept = serde_json::from_slice(&self.dir.read(&key.0)?).ok()?;
        if kept.key != key.0 || !self.dir.fresh(&key.0, kept.stored_at) {
            return None;
        }
        if !mstro_engine::disk::still_holds(&kept.observations) {
            self.dir.remove(&key.0);
            return None;
        }
        Some(kept)
    }

    /// Keep `evaluation`, judged under `key` with `recorded` looks at the disk, if it
    /// may be reused: it looked at the disk (else judging is cheap), saw all it
    /// depended on, was not cut short by the clock, and `key` still holds now
    /// (`key_now`: the configuration may have changed while it was read).
    pub fn put(
        &self,
        key: &JudgementKey,
        key_now: impl FnOnce() -> Option<JudgementKey>,
        evaluation: &Evaluation,
        recorded: Recorded,
        config: &mstro_engine::Config,
    ) {
        if !recorded.complete || recorded.observations.is_empty() || evaluation.cut_short {
            return;
        }
        if key_now().as_ref() != Some(key) {
            return;
        }
        let kept = Kept {
            key: key.0.clone(),
            stored_at: now(),
            observations: recorded.observations,
            judgement: evaluation.judgement.clone(),
            fired: evaluation.fired.iter().map(|r| r.to_string()).collect(),
            overridden: evaluation
                .overridden
                .iter()
                .map(|r| r.to_string())
                .collect(),
            mode: config.mode,
            default_allow: config.default_allow,
            reviewer: config.reviewer.clone(),
        };
        let written = serde_json::to_vec(&kept)
            .map_err(std::io::Error::other)
            .and_then(|bytes| self.dir.write(&key.0, &bytes));
        if let Err(e) = written {
            eprintln!("mstro-bouncer: could not keep the judgement: {e}");
        }
    }
}
