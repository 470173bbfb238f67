//! Appending to the audit log from many processes at once (every hook call is its own
//! process): each record is one line written by one `write` under an exclusive lock on
//! a side file, which also serialises rotation, so no line is ever torn, interleaved or
//! lost to a rename.

use std::fs::{self};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::AuditRecord;
use mstro_fs::create_private_dir;

/// Rotate when the log would grow past this.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Rotated files kept: `.1` (newest) to `.3`.
pub const KEEP: usize = 3;
const FILE_NAME: &str = "bouncer-audit.jsonl";

/// The audit log under `<mstro home>/logs`.
#[derive(Debug, Clone)]
pub struct AuditLog {
    dir: PathBuf,
    max_bytes: u64,
}

impl AuditLog {
    pub fn under(mstro_home: &Path) -> AuditLog {
        AuditLog {
            dir: mstro_home.join("logs"),
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    /// A log that rotates at `max_bytes` (tests).
    #[cfg(test)]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> AuditLog {
        self.max_bytes = max_bytes;
        self
    }

    /// The current file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// The files, oldest first: `.3`, `.2`, `.1`, then the current one.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = (1..=KEEP).rev().map(|n| self.rotated(n)).collect();
        files.push(self.path());
        files
    }

    fn rotated(&self, n: usize) -> PathBuf {
        self.dir.join(format!("{FILE_NAME}.{n}"))
    }

    /// Append one record.
    pub fn append(&self, record: &AuditRecord) -> io::Result<()> {
        let mut line = serde_json::to_vec(record)?;
        line.push(b'\n');
        create_private_dir(&self.dir)?;
        let lock = mstro_fs::private_file_options()
            .read(true)
            .write(true)
            .open(self.dir.join(".audit.lock"))?;
        let _guard = mstro_fs::FileLock::exclusive(&lock)?;
        let path = self.path();
        let size = match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(io::Error::other(format!(
                    "{} is a symlink; not writing through it",
                    path.display()
                )));
            }
            Ok(m) => m.len(),
            Err(_) => 0,
        };
        if size > 0 && size + line.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        let mut file = mstro_fs::private_file_options().append(true).open(&path)?;
        file.write_all(&line)
    }

    fn rotate(&self) -> io::Result<()> {
        let _ = fs::remove_file(self.rotated(KEEP));
        for n in (1..KEEP).rev() {
            let from = self.rotated(n);
            if from.exists() {
                fs::rename(&from, self.rotated(n + 1))?;
            }
        }
        fs::rename(self.path(), self.rotated(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mstro_engine::{Layer, Mode, Outcome, Verdict};

    pub(crate) fn record(n: usize) -> AuditRecord {
        AuditRecord {
            time: AuditRecord::now(),
            source: "hook".into(),
            session: Some("s".into()),
            cwd: Some("/p".into()),
            tool: "Bash".into(),
            operation: format!("echo {n}"),
            decided_by: None,
            verdict: Verdict::Allow,
            outcome: Outcome::Allow,
            layer: Layer::Rule,
            rule_ids: vec![],
            overridden: vec![],
            reason: "r".into(),
            confidence: None,
            reviewer: None,
            latency_us: 10,
            mode: Mode::Repl,
        }
    }

    #[test]
    fn rotation_keeps_three_files_and_loses_no_line_of_the_current_one() {
        let home = tempfile::tempdir().unwrap();
        let log = AuditLog::under(home.path()).with_max_bytes(2_000);
        for n in 0..200 {
            log.append(&record(n)).unwrap();
        }
        let existing: Vec<_> = log.files().into_iter().filter(|f| f.exists()).collect();
        assert_eq!(existing.len(), 4, "{existing:?}");
        assert!(!log.dir.join(format!("{FILE_NAME}.4")).exists());
        let mut last = None;
        for f in &existing {
            let text = fs::read_to_string(f).unwrap();
            assert!(text.len() <= 2_000);
            for line in text.lines() {
                let r: AuditRecord = serde_json::from_str(line).unwrap();
                let n: usize = r.operation.trim_start_matches("echo ").parse().unwrap();
                // Across the kept files, records are consecutive and in order.
                if let Some(prev) = last {
                    assert_eq!(n, prev + 1);
                }
                last = Some(n);
            }
        }
        assert_eq!(last, Some(199));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(log.path()).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
