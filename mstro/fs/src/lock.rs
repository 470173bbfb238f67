//! An exclusive lock on an open file, for writers in several processes (the hook of
//! every Claude Code session appends to one audit log).

use std::fs::File;
use std::io;

/// An exclusive advisory lock on a file (`flock` on unix, `LockFileEx` on Windows),
/// held until dropped. Other processes that lock the same file wait for it.
#[must_use = "the lock is released when the guard is dropped"]
pub struct FileLock<'a>(&'a File);

impl<'a> FileLock<'a> {
    /// Waits for, then takes, the exclusive lock on `file`.
    pub fn exclusive(file: &'a File) -> io::Result<FileLock<'a>> {
        file.lock()?;
        Ok(FileLock(file))
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        // Closing the descriptor would release it too; unlocking now lets the next
        // writer in before the caller drops the file.
        let _ = self.0.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let a = File::create(&path).unwrap();
        let b = File::options().write(true).open(&path).unwrap();
        let guard = FileLock::exclusive(&a).unwrap();
        // Held: another descriptor cannot take it.
        assert!(matches!(
            b.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(guard);
        // Released on drop.
        b.try_lock().unwrap();
    }
}
