//! The database schema, versioned by `PRAGMA user_version`.
//!
//! Each entry of [`MIGRATIONS`] takes the database from version `i` to `i + 1`; a
//! database is brought up to date on open, one migration per transaction, so a crash
//! midway leaves it at a version it can resume from. Released migrations are never
//! edited: a change is a new entry.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// The migrations, in order. Version `n` of the schema is the first `n` applied.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "
    CREATE TABLE users (
        id            TEXT PRIMARY KEY,
        -- ASCII only (names are validated), so NOCASE is a full case fold: it makes
        -- both the uniqueness and the lookup case-insensitive.
        name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
        -- An argon2id PHC string; NULL until a password is set (a user may sign in
        -- with a one-time link only).
        password_hash TEXT,
        created_at    INTEGER NOT NULL DEFAULT (unixepoch())
    );

    -- Tables keyed by `token_hash` hold the SHA-256 (hex) of a secret handed out
    -- once; the secret itself is never stored.
    CREATE TABLE sign_in_links (
        token_hash TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at    INTEGER
    );

    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX sessions_expires_at ON sessions(expires_at);

    CREATE TABLE device_requests (
        device_code_hash TEXT PRIMARY KEY,
        -- Normalised: eight characters, upper case, no dash.
        user_code        TEXT NOT NULL,
        client_id        TEXT NOT NULL,
        hostname         TEXT NOT NULL,
        os_type          TEXT NOT NULL,
        cpu_arch         TEXT NOT NULL,
        cli_version      TEXT NOT NULL,
        force            INTEGER NOT NULL,
        requested_at     INTEGER NOT NULL,
        expires_at       INTEGER NOT NULL,
        -- What the poller must wait between polls; grows by 5 s on each slow_down.
        interval_secs    INTEGER NOT NULL,
        last_polled_at   INTEGER,
        state            TEXT NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'approved', 'denied')),
        approved_by      TEXT REFERENCES users(id) ON DELETE CASCADE,
        decided_at       INTEGER
    );
    CREATE INDEX device_requests_user_code ON device_requests(user_code);

    CREATE TABLE machines (
        id          TEXT PRIMARY KEY,
        owner_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        -- The machine's own stable id (from its config): with the owner, what makes a
        -- re-login land on the same machine.
        client_id   TEXT NOT NULL,
        name        TEXT NOT NULL,
        hostname    TEXT NOT NULL,
        os_type     TEXT NOT NULL,
        cpu_arch    TEXT NOT NULL,
        working_dir TEXT NOT NULL DEFAULT '',
        last_seen   INTEGER,
        UNIQUE (owner_id, client_id)
    );

    -- A device is one login of a machine: its token is what the machine presents.
    -- Revoking deletes the row.
    CREATE TABLE devices (
        id         TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        client_id  TEXT NOT NULL,
        machine_id TEXT NOT NULL REFERENCES machines(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX devices_user_client ON devices(user_id, client_id);

    -- Machines shared with users other than their owner.
    CREATE TABLE machine_shares (
        machine_id TEXT NOT NULL REFERENCES machines(id) ON DELETE CASCADE,
        user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        permission TEXT NOT NULL CHECK (permission IN ('view')),
        PRIMARY KEY (machine_id, user_id)
    );
    CREATE INDEX machine_shares_user ON machine_shares(user_id);
    ",
    // 2: the sweeper deletes expired device requests by `expires_at`.
    "
    CREATE INDEX device_requests_expires_at ON device_requests(expires_at);
    ",
];

/// Bring the database to the newest schema.
///
/// Fails with [`StoreError::SchemaTooNew`] rather than touch a database a newer mstro
/// wrote: its tables may mean something this code does not know.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let supported = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    loop {
        // IMMEDIATE takes the write lock before reading the version, so two processes
        // opening the same new database cannot both run migration 1.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version > supported {
            return Err(StoreError::SchemaTooNew {
                found: version,
                supported,
            });
        }
        let next = usize::try_from(version)
            .ok()
            .and_then(|v| MIGRATIONS.get(v));
        let Some(sql) = next else {
            // Up to date (a negative version is not one we wrote; treat it as done
            // rather than guess).
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_a_new_database_to_the_newest_version_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        // A second run finds nothing to do (re-running migration 1 would fail on
        // CREATE TABLE).
        migrate(&mut conn).unwrap();
    }

    #[test]
    fn refuses_a_database_from_a_newer_mstro() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 1000).unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::SchemaTooNew { found: 1000, .. })
        ));
    }
}
