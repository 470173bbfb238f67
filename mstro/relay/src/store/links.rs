//! One-time sign-in links: what `mstro relay add-user` prints so a new user can get in
//! (and set a password) without one being sent around.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::tokens::{UserTokens, token_hash};
use super::users::user_by_id;
use super::{Store, StoreError, User};

/// Links that can no longer be redeemed are swept when a new one is made.
const LINKS: UserTokens = UserTokens {
    table: "sign_in_links",
    sweep: "DELETE FROM sign_in_links WHERE expires_at <= ?1 OR used_at IS NOT NULL",
};

impl Store {
    /// A new sign-in link token for user `user_id`, valid once until `now + ttl_secs`.
    ///
    /// The token is returned once; the store keeps only its hash. Fails with
    /// [`StoreError::NotFound`] for an unknown user.
    pub fn create_sign_in_link(
        &self,
        user_id: &str,
        now: i64,
        ttl_secs: i64,
    ) -> Result<String, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let token = LINKS.issue(&tx, user_id, now, ttl_secs)?;
        tx.commit()?;
        Ok(token)
    }

    /// Whom a sign-in link would sign in, without using it: its user if `token` is a
    /// link that is neither used nor expired. (Whoever holds the token could redeem it;
    /// knowing the name first lets the web app ask before switching accounts.)
    pub fn peek_sign_in_link(&self, token: &str, now: i64) -> Result<Option<User>, StoreError> {
        let conn = self.conn();
        let user_id: Option<String> = conn
            .query_row(
                "SELECT user_id FROM sign_in_links
                 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                params![token_hash(token), now],
                |row| row.get(0),
            )
            .optional()?;
        match user_id {
            Some(id) => Ok(conn
                .query_row(
                    "SELECT id, name FROM users WHERE id = ?1",
                    [id],
                    super::users::user_from_row,
                )
                .optional()?),
            None => Ok(None),
        }
    }

    /// Redeem a sign-in link: its user if `token` is a link that is neither used nor
    /// expired, which it then is (used); `None` otherwise.
    pub fn redeem_sign_in_link(&self, token: &str, now: i64) -> Result<Option<User>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Finding the link and marking it used is one statement, so two redemptions of
        // the same link (even from two processes) cannot both find it unused.
        let user_id: Option<String> = tx
            .query_row(
                "UPDATE sign_in_links SET used_at = ?2
                 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2
                 RETURNING user_id",
                params![token_hash(token), now],
                |row| row.get(0),
            )
            .optional()?;
        let user = match user_id {
            Some(id) => user_by_id(&tx, &id)?,
            None => None,
        };
        tx.commit()?;
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_works_once() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let token = store.create_sign_in_link(&ana.id, 1000, 60).unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(store.redeem_sign_in_link("not-a-link", 1001).unwrap(), None);
        // Looking does not use it up.
        assert_eq!(
            store.peek_sign_in_link(&token, 1001).unwrap(),
            Some(ana.clone())
        );
        assert_eq!(
            store.peek_sign_in_link(&token, 1001).unwrap(),
            Some(ana.clone())
        );
        assert_eq!(store.redeem_sign_in_link(&token, 1001).unwrap(), Some(ana));
        assert_eq!(store.peek_sign_in_link(&token, 1001).unwrap(), None, "used");
        assert_eq!(store.redeem_sign_in_link(&token, 1002).unwrap(), None);
    }

    #[test]
    fn link_expires() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let token = store.create_sign_in_link(&ana.id, 1000, 60).unwrap();
        // Valid while now < expires_at.
        assert_eq!(store.redeem_sign_in_link(&token, 1060).unwrap(), None);
        let token = store.create_sign_in_link(&ana.id, 1000, 60).unwrap();
        assert_eq!(store.redeem_sign_in_link(&token, 1059).unwrap(), Some(ana));
    }

    #[test]
    fn only_the_hash_is_stored() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let token = store.create_sign_in_link(&ana.id, 1000, 60).unwrap();
        let stored: String = store
            .conn()
            .query_row("SELECT token_hash FROM sign_in_links", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, token_hash(&token));
        assert_ne!(stored, token);
    }

    #[test]
    fn link_for_an_unknown_user_is_not_found() {
        let store = Store::open_in_memory().unwrap();
        assert!(matches!(
            store.create_sign_in_link("nobody", 1000, 60),
            Err(StoreError::NotFound)
        ));
    }
}
