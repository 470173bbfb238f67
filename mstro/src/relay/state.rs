//! What every request handler and socket of the relay shares.

use std::sync::Arc;

use super::hub::Hub;
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
    pub password_checks: Arc<tokio::sync::Semaphore>,
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
    crate::home::instances::now_secs() as i64
}
