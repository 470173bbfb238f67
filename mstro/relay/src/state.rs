//! What every request handler and socket of the relay shares.

use std::sync::Arc;

use super::hub::Hub;
use super::limits::Limits;
use super::store::{Store, StoreError};

/// The relay's shared state.
#[derive(Clone)]
pub struct RelayState {
    pub store: Arc<Store>,
    pub hub: Arc<Hub>,
    /// The base URL people reach the relay at (for links and `verificationUrlComplete`),
    /// without a trailing slash.
    pub public_url: Arc<str>,
    /// How often machines may poll during device login.
    pub device_poll_interval_secs: i64,
    /// Password checks at once: each argon2 verification takes ~19 MiB and real CPU,
    /// and anyone can ask for one.
    pub password_checks: Arc<PasswordChecks>,
    /// Abuse limits per client address and account.
    pub limits: Arc<Limits>,
}

/// Password checks run a few at a time, and only a few more may wait: each argon2
/// verification takes ~19 MiB and real CPU and anyone can ask for one, so a flood
/// is turned away at once (429) instead of queueing in front of real sign-ins.
pub struct PasswordChecks {
    running: tokio::sync::Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
}

/// How many password checks may wait for a slot.
pub const PASSWORD_QUEUE: usize = 8;

impl Default for PasswordChecks {
    fn default() -> Self {
        PasswordChecks {
            running: tokio::sync::Semaphore::new(PASSWORD_CHECKS),
            waiting: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl PasswordChecks {
    /// A slot to check one password, or `None` when the queue is full.
    pub async fn slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        use std::sync::atomic::Ordering;
        if let Ok(permit) = self.running.try_acquire() {
            return Some(permit);
        }
        // Leaves the queue however the wait ends (a client that hangs up drops it).
        struct InQueue<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for InQueue<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let queued = InQueue(&self.waiting);
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= PASSWORD_QUEUE {
            return None;
        }
        let permit = self.running.acquire().await.ok();
        drop(queued);
        permit
    }
}

/// How many password checks run at once.
pub const PASSWORD_CHECKS: usize = 2;

impl RelayState {
    /// The cookie gets `Secure` when people reach the relay over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Run a store call off the async threads (SQLite and password hashing block).
    pub async fn db<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(r) => r,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64
}
