//! Passwords: argon2id at the argon2 crate's default parameters, kept as a PHC string
//! (which carries its own salt and parameters, so old hashes keep verifying if the
//! defaults change).
//!
//! Hashing is slow on purpose, so it runs without holding the store's lock: a sign-in
//! must not stall every other request for its duration.

use argon2::password_hash::Error as HashError;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rusqlite::{OptionalExtension, params};

use super::users::{require_user, user_from_row};
use super::{Store, StoreError, User};

/// The shortest password [`Store::set_password`] accepts, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The hash verified against when the name is unknown or has no password, so that
/// answer takes as long as a wrong password and timing does not tell which names exist.
/// It is of a random password nobody knows, at the default parameters (a test checks
/// they still are: a cheaper dummy would make unknown names answer faster).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$PsDAX71LVpaiTHEekRWNOw$sTqzA7MnYABldj1hDEESkFh/WC3LxVLKxS3UxEivnk0";

impl Store {
    /// Set (or replace) the password of user `user_id`.
    ///
    /// Fails with [`StoreError::WeakPassword`] under [`MIN_PASSWORD_CHARS`] characters
    /// and [`StoreError::NotFound`] for an unknown user.
    pub fn set_password(&self, user_id: &str, password: &str) -> Result<(), StoreError> {
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(StoreError::WeakPassword);
        }
        // Checked first so an unknown id does not cost a hash.
        require_user(&self.conn(), user_id)?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes())
            .map_err(|e| StoreError::Hash(e.to_string()))?
            .to_string();
        let changed = self.conn().execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![user_id, hash],
        )?;
        if changed == 0 {
            // Deleted while we were hashing.
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Whether any user has a password (the sign-in page offers the form only then).
    pub fn any_password(&self) -> Result<bool, StoreError> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE password_hash IS NOT NULL)",
            [],
            |row| row.get(0),
        )?)
    }

    /// The user named `name` (case-insensitively) if `password` is theirs; `None` for a
    /// wrong password, an unknown name or a user without a password, which all take
    /// one argon2 verification.
    pub fn check_password(&self, name: &str, password: &str) -> Result<Option<User>, StoreError> {
        let found = self
            .conn()
            .query_row(
                "SELECT id, name, password_hash FROM users WHERE name = ?1",
                [name],
                |row| Ok((user_from_row(row)?, row.get::<_, Option<String>>(2)?)),
            )
            .optional()?;
        let (user, hash) = match found {
            Some((user, Some(hash))) => (Some(user), hash),
            // Nobody to sign in; verify anyway, and answer no whatever it says.
            _ => (None, DUMMY_HASH.to_owned()),
        };
        match Argon2::default().verify_password(password.as_bytes(), hash.as_str()) {
            Ok(()) => Ok(user),
            Err(HashError::PasswordInvalid) => Ok(None),
            Err(e) => Err(StoreError::Hash(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use argon2::{Params, PasswordHash};

    use super::*;

    #[test]
    fn any_password_tells_whether_the_form_is_of_use() {
        let store = Store::open_in_memory().unwrap();
        assert!(!store.any_password().unwrap(), "an empty relay");
        let ana = store.create_user("ana").unwrap();
        store.create_user("bob").unwrap();
        assert!(
            !store.any_password().unwrap(),
            "users signed in by link only"
        );
        store.set_password(&ana.id, "correct horse").unwrap();
        assert!(store.any_password().unwrap());
    }

    #[test]
    fn password_set_and_check() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("Ana").unwrap();
        let bob = store.create_user("bob").unwrap();

        // Rejected before any hashing.
        assert!(matches!(
            store.set_password(&ana.id, "1234567"),
            Err(StoreError::WeakPassword)
        ));
        assert!(matches!(
            store.set_password("no-such-id", "long enough"),
            Err(StoreError::NotFound)
        ));

        store.set_password(&ana.id, "correct horse").unwrap();
        let stored: String = store
            .conn()
            .query_row(
                "SELECT password_hash FROM users WHERE id = ?1",
                [&ana.id],
                |r| r.get(0),
            )
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("correct horse"));

        // The name is matched case-insensitively, as at creation.
        assert_eq!(
            store.check_password("ana", "correct horse").unwrap(),
            Some(ana)
        );
        assert_eq!(store.check_password("Ana", "wrong horse").unwrap(), None);
        assert_eq!(
            store.check_password("nobody", "correct horse").unwrap(),
            None
        );
        // A user who never set a password cannot sign in with one.
        assert_eq!(
            store.check_password(&bob.name, "correct horse").unwrap(),
            None
        );
    }

    #[test]
    fn dummy_hash_costs_what_a_real_hash_costs() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(dummy.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&dummy).unwrap();
        let default = Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
    }
}
