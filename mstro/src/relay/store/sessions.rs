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
