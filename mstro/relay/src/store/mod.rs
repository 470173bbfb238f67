//! The relay's embedded SQLite store: people and their passwords, one-time sign-in
//! links, browser sessions, the device-code login of machines, device tokens, machines
//! and who may see them (docs/relay-api.md).
//!
//! Secrets handed out (session, sign-in link, device code, device token) are never
//! stored: the store keeps the SHA-256 of each and looks presented tokens up by it
//! (`tokens.rs`), so a copy of the database lets nobody in.
//!
//! Time is a parameter: every method that depends on it takes `now` in unix seconds,
//! so tests control the clock. Anything with an `expires_at` is valid while
//! `now < expires_at`.
//!
//! The store is one connection behind a mutex. The relay is one process and SQLite
//! serialises writers anyway; the exception, `mstro relay add-user` run next to a live
//! relay, is why writes that read first use `BEGIN IMMEDIATE` and the connection waits
//! on a busy database instead of failing. Argon2, slow on purpose, runs outside the lock.

mod device_flow;
mod devices;
mod error;
mod links;
mod machines;
mod passwords;
mod schema;
mod sessions;
mod tokens;
mod users;

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::Connection;

pub use device_flow::{DeviceInfo, DeviceRequest, PollOutcome, RequestState};
pub use devices::Device;
pub use error::StoreError;
pub use machines::{Machine, MachineInfo, Permission, VisibleMachine};
pub use passwords::MIN_PASSWORD_CHARS;
pub use sessions::{PUBLIC_ID_LEN, SessionInfo, session_key};
pub use users::{MAX_NAME_CHARS, User};

/// The database's file name inside the directory given to [`Store::open`].
pub const DB_FILE: &str = "relay.db";

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The relay's database. `Send + Sync`: share it behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Open (creating if need be) the store in `dir`: the directory is created with
    /// mode 0700 and the database file `relay.db` with 0600 (on unix), since it holds
    /// password hashes. The schema is created or migrated to this build's version.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        mstro_fs::create_private_dir(dir)?;
        let path = dir.join(DB_FILE);
        mstro_fs::ensure_private_file(&path)?;
        let conn = Connection::open(&path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL: readers do not wait for the writer. SQLite creates the -wal and -shm
        // files with the database file's mode, so they are 0600 too. A file system
        // without WAL support keeps its old mode, which still works.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        // In WAL mode NORMAL is still safe against corruption; a power cut may lose
        // the last commits, which for sessions and logins is acceptable.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::init(conn)
    }

    /// A store in memory, gone when dropped (tests, and trying things out).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    /// Settings every connection needs, then the schema.
    fn init(mut conn: Connection) -> Result<Store, StoreError> {
        // Off by default in SQLite, and per connection: without it the REFERENCES
        // clauses (and their cascades) are decoration.
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    /// The connection. A panic while it was held cannot have left a transaction half
    /// applied (an unfinished one rolls back when dropped), so a poisoned lock is taken
    /// over rather than failing every later request.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Helpers shared by the tests of the store's files.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Run the whole device login for `user` on machine `client_id` (requested and
    /// polled at `now`): the device token and the device.
    pub fn sign_in_machine(
        store: &Store,
        user: &User,
        client_id: &str,
        hostname: &str,
        now: i64,
    ) -> (String, Device) {
        let info = DeviceInfo {
            client_id: client_id.to_owned(),
            hostname: hostname.to_owned(),
            os_type: "linux".to_owned(),
            cpu_arch: "x86_64".to_owned(),
            cli_version: "0.1.0".to_owned(),
        };
        let (device_code, user_code) = store
            .create_device_request(&info, false, now, 600, 5)
            .unwrap();
        assert!(
            store
                .approve_device_request(&user_code, &user.id, now)
                .unwrap()
        );
        match store.poll_device_request(&device_code, now).unwrap() {
            PollOutcome::Approved { token, .. } => {
                let device = store.device_by_token(&token).unwrap().unwrap();
                (token, device)
            }
            other => panic!("expected approval, got {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Store>();
    }

    #[test]
    fn foreign_keys_are_enforced() {
        let store = Store::open_in_memory().unwrap();
        let inserted = store.conn().execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
             VALUES ('h', 'no-such-user', 0, 1)",
            [],
        );
        assert!(inserted.is_err());
    }

    #[cfg(unix)]
    #[test]
    fn open_creates_a_private_directory_and_file() {
        use std::fs;
        use std::os::unix::fs::PermissionsExt;

        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("relay").join("data");
        let _store = Store::open(&dir).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(DB_FILE)), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn open_tightens_an_existing_database_file() {
        use std::fs;
        use std::os::unix::fs::PermissionsExt;

        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(DB_FILE);
        fs::write(&path, b"").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let _store = Store::open(tmp.path()).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn open_uses_wal() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path()).unwrap();
        let mode: String = store
            .conn()
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn reopening_keeps_the_data() {
        let tmp = tempfile::tempdir().unwrap();
        let (ana, session, token, device) = {
            let store = Store::open(tmp.path()).unwrap();
            let ana = store.create_user("ana").unwrap();
            let session = store.create_session(&ana.id, 1000, 3600).unwrap();
            let (token, device) =
                test_support::sign_in_machine(&store, &ana, "client-1", "laptop", 1000);
            (ana, session, token, device)
        };
        let store = Store::open(tmp.path()).unwrap();
        assert_eq!(store.user_by_name("ana").unwrap(), Some(ana.clone()));
        assert_eq!(store.session_user(&session, 1001).unwrap(), Some(ana));
        let found = store.device_by_token(&token).unwrap().unwrap();
        assert_eq!(found.id, device.id);
        assert_eq!(found.machine_id, device.machine_id);
        assert!(matches!(
            store.create_user("ANA"),
            Err(StoreError::NameTaken(_))
        ));
    }
}
