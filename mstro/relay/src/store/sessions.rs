//! Browser sessions: the `mstro_session` cookie's token, stored as its hash.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::tokens::{UserTokens, token_hash};
use super::users::user_from_row;
use super::{Store, StoreError, User};

/// Expired sessions are swept at sign-in.
const SESSIONS: UserTokens = UserTokens {
    table: "sessions",
    sweep: "DELETE FROM sessions WHERE expires_at <= ?1",
};

/// A live browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub user: User,
    /// The hash of its token: what identifies the session inside the relay (its sockets
    /// are tagged with it) without being able to sign in.
    pub key: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl SessionInfo {
    /// The id shown to the person (a prefix of the key, enough to tell sessions apart).
    pub fn public_id(&self) -> &str {
        &self.key[..PUBLIC_ID_LEN]
    }
}

/// Hex digits of a session's public id: 64 bits, unique among one user's sessions.
pub const PUBLIC_ID_LEN: usize = 16;

/// The key of session `token` (see [`SessionInfo::key`]).
pub fn session_key(token: &str) -> String {
    token_hash(token)
}

impl Store {
    /// A new session token for user `user_id`, valid until `now + ttl_secs`.
    ///
    /// Fails with [`StoreError::NotFound`] for an unknown user.
    pub fn create_session(
        &self,
        user_id: &str,
        now: i64,
        ttl_secs: i64,
    ) -> Result<String, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let token = SESSIONS.issue(&tx, user_id, now, ttl_secs)?;
        tx.commit()?;
        Ok(token)
    }

    /// The user signed in by session `token`, if it exists and has not expired.
    pub fn session_user(&self, token: &str, now: i64) -> Result<Option<User>, StoreError> {
        let user = self
            .conn()
            .query_row(
                "SELECT u.id, u.name FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2",
                params![token_hash(token), now],
                user_from_row,
            )
            .optional()?;
        Ok(user)
    }

    /// Session `token` with its user, if it exists and has not expired.
    pub fn session(&self, token: &str, now: i64) -> Result<Option<SessionInfo>, StoreError> {
        let info = self
            .conn()
            .query_row(
                "SELECT u.id, u.name, s.token_hash, s.created_at, s.expires_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2",
                params![token_hash(token), now],
                |row| {
                    Ok(SessionInfo {
                        user: user_from_row(row)?,
                        key: row.get(2)?,
                        created_at: row.get(3)?,
                        expires_at: row.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(info)
    }

    /// Whether the session with key `key` still exists and has not expired.
    pub fn session_alive(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE token_hash = ?1 AND expires_at > ?2)",
            params![key, now],
            |row| row.get(0),
        )?)
    }

    /// The user's live sessions, newest first.
    pub fn sessions_of(&self, user_id: &str, now: i64) -> Result<Vec<SessionInfo>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT u.id, u.name, s.token_hash, s.created_at, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.user_id = ?1 AND s.expires_at > ?2
             ORDER BY s.created_at DESC, s.token_hash",
        )?;
        let rows = statement.query_map(params![user_id, now], |row| {
            Ok(SessionInfo {
                user: user_from_row(row)?,
                key: row.get(2)?,
                created_at: row.get(3)?,
                expires_at: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// End the sessions of `user_id` whose public id is `public_id`; the keys of the
    /// sessions ended (none when the id is not one of theirs).
    pub fn end_session(&self, user_id: &str, public_id: &str) -> Result<Vec<String>, StoreError> {
        if public_id.len() != PUBLIC_ID_LEN || !public_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Vec::new());
        }
        let conn = self.conn();
        let mut statement = conn.prepare(
            "DELETE FROM sessions WHERE user_id = ?1 AND substr(token_hash, 1, ?2) = ?3
             RETURNING token_hash",
        )?;
        let keys = statement
            .query_map(
                params![
                    user_id,
                    PUBLIC_ID_LEN as i64,
                    public_id.to_ascii_lowercase()
                ],
                |row| row.get(0),
            )?
            .collect::<Result<_, _>>()?;
        Ok(keys)
    }

    /// End every session of `user_id` but the one with key `keep`; their keys.
    pub fn end_other_sessions(&self, user_id: &str, keep: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2 RETURNING token_hash",
        )?;
        let keys = statement
            .query_map(params![user_id, keep], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(keys)
    }

    /// End session `token` (sign out). Ending an unknown session is not an error: the
    /// outcome, no such session, is the same.
    pub fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM sessions WHERE token_hash = ?1",
            [token_hash(token)],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_lifecycle() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let bob = store.create_user("bob").unwrap();
        let a = store.create_session(&ana.id, 1000, 3600).unwrap();
        let b = store.create_session(&bob.id, 1000, 3600).unwrap();
        assert_ne!(a, b);
        assert_eq!(store.session_user(&a, 1001).unwrap(), Some(ana.clone()));
        assert_eq!(store.session_user(&b, 1001).unwrap(), Some(bob.clone()));
        assert_eq!(store.session_user("bogus", 1001).unwrap(), None);

        store.delete_session(&a).unwrap();
        assert_eq!(store.session_user(&a, 1002).unwrap(), None);
        // Only that session ended.
        assert_eq!(store.session_user(&b, 1002).unwrap(), Some(bob));
        store.delete_session(&a).unwrap();
    }

    #[test]
    fn sessions_are_listed_and_ended_only_by_their_own_user() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let bob = store.create_user("bob").unwrap();
        let a1 = store.create_session(&ana.id, 1000, 3600).unwrap();
        let a2 = store.create_session(&ana.id, 1001, 3600).unwrap();
        let a3 = store.create_session(&ana.id, 1002, 3600).unwrap();
        let b1 = store.create_session(&bob.id, 1000, 3600).unwrap();
        let listed = store.sessions_of(&ana.id, 1003).unwrap();
        let keys: Vec<&str> = listed.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            keys,
            [session_key(&a3), session_key(&a2), session_key(&a1)],
            "newest first, only ana's"
        );
        assert_eq!(store.sessions_of(&ana.id, 5000).unwrap(), [], "expired");
        // Bob cannot end ana's session, even knowing its id.
        let a2_id = listed[1].public_id().to_owned();
        assert_eq!(
            store.end_session(&bob.id, &a2_id).unwrap(),
            Vec::<String>::new()
        );
        assert!(store.session(&a2, 1003).unwrap().is_some());
        assert_eq!(
            store.end_session(&ana.id, "'; DROP TABLE x").unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            store.end_session(&ana.id, &a2_id).unwrap(),
            [session_key(&a2)]
        );
        assert!(store.session(&a2, 1003).unwrap().is_none());
        assert!(!store.session_alive(&session_key(&a2), 1003).unwrap());
        assert!(store.session_alive(&session_key(&a3), 1003).unwrap());
        assert!(
            !store.session_alive(&session_key(&a3), 999_999).unwrap(),
            "expired"
        );
        // Ending the others keeps this one, and bob's.
        let ended = store
            .end_other_sessions(&ana.id, &session_key(&a3))
            .unwrap();
        assert_eq!(ended, [session_key(&a1)]);
        assert!(store.session(&a3, 1003).unwrap().is_some());
        assert!(store.session(&b1, 1003).unwrap().is_some());
    }

    #[test]
    fn session_expires() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let token = store.create_session(&ana.id, 1000, 60).unwrap();
        assert_eq!(store.session_user(&token, 1059).unwrap(), Some(ana.clone()));
        assert_eq!(store.session_user(&token, 1060).unwrap(), None);
        // A later sign-in sweeps it, and the new session works.
        let fresh = store.create_session(&ana.id, 2000, 60).unwrap();
        let rows: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
        assert_eq!(store.session_user(&fresh, 2001).unwrap(), Some(ana));
    }

    #[test]
    fn session_for_an_unknown_user_is_not_found() {
        let store = Store::open_in_memory().unwrap();
        assert!(matches!(
            store.create_session("nobody", 1000, 60),
            Err(StoreError::NotFound)
        ));
    }
}
