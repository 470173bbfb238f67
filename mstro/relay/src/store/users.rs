//! People: a uuid and a name that is unique without regard to case.

use mstro_protocol::http::Person;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Store, StoreError};

/// The longest user name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// A person who may sign in to the relay. What the API sends of them is a
/// [`Person`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// A uuid (v4), stable for the user's life.
    pub id: String,
    /// The name as given when the user was created (lookups ignore case).
    pub name: String,
}

impl From<User> for Person {
    fn from(user: User) -> Person {
        Person {
            id: user.id,
            name: user.name,
        }
    }
}

impl Store {
    /// Create a user named `name`, without a password (see [`Store::set_password`] and
    /// [`Store::create_sign_in_link`]).
    ///
    /// A name is 1 to [`MAX_NAME_CHARS`] characters of `A-Z a-z 0-9 . _ @ -`
    /// ([`StoreError::InvalidName`]); it is unique case-insensitively, so `Ana` and `ana`
    /// cannot both exist ([`StoreError::NameTaken`]).
    pub fn create_user(&self, name: &str) -> Result<User, StoreError> {
        validate_name(name)?;
        let user = User {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
        };
        let inserted = self.conn().execute(
            "INSERT INTO users (id, name) VALUES (?1, ?2)",
            params![user.id, user.name],
        );
        match inserted {
            Ok(_) => Ok(user),
            // The UNIQUE NOCASE index decides, rather than a lookup first: it also holds
            // against another process (`mstro relay add-user`) writing at the same time.
            Err(e) if is_unique_violation(&e) => Err(StoreError::NameTaken(name.to_owned())),
            Err(e) => Err(e.into()),
        }
    }

    /// The user with id `id`.
    pub fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        user_by_id(&self.conn(), id)
    }

    /// The user named `name`, compared case-insensitively.
    pub fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        let user = self
            .conn()
            .query_row(
                "SELECT id, name FROM users WHERE name = ?1",
                [name],
                user_from_row,
            )
            .optional()?;
        Ok(user)
    }
}

/// Check `name` against the rules of [`Store::create_user`].
fn validate_name(name: &str) -> Result<(), StoreError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-');
    // All allowed characters are ASCII, so the byte length is the character count.
    if name.is_empty() || name.len() > MAX_NAME_CHARS || !name.chars().all(allowed) {
        return Err(StoreError::InvalidName(name.to_owned()));
    }
    Ok(())
}

/// The user with id `id`, on a connection (or transaction) the caller holds.
pub(super) fn user_by_id(conn: &Connection, id: &str) -> Result<Option<User>, StoreError> {
    let user = conn
        .query_row(
            "SELECT id, name FROM users WHERE id = ?1",
            [id],
            user_from_row,
        )
        .optional()?;
    Ok(user)
}

/// Fail with [`StoreError::NotFound`] unless user `id` exists: checked before writing
/// a row that refers to the user, so the caller gets `NotFound` rather than a foreign
/// key failure.
pub(super) fn require_user(conn: &Connection, id: &str) -> Result<User, StoreError> {
    user_by_id(conn, id)?.ok_or(StoreError::NotFound)
}

/// A [`User`] from a row whose first two columns are `id, name`.
pub(super) fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        name: row.get(1)?,
    })
}

/// Whether `e` is a UNIQUE constraint failing.
fn is_unique_violation(e: &rusqlite::Error) -> bool {
    e.sqlite_extended_error_code() == Some(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        let store = Store::open_in_memory().unwrap();
        for bad in ["", "a b", "ana/x", "é", "a\n", "x:y", &"a".repeat(65)] {
            assert!(
                matches!(store.create_user(bad), Err(StoreError::InvalidName(_))),
                "{bad:?} should be rejected"
            );
        }
        for good in ["a", "Ana.Maria_x-1@example.org", &"b".repeat(64)] {
            let user = store.create_user(good).unwrap();
            assert_eq!(user.name, good);
        }
    }

    #[test]
    fn names_are_unique_case_insensitively_and_found_case_insensitively() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("Ana").unwrap();
        assert!(matches!(
            store.create_user("aNA"),
            Err(StoreError::NameTaken(name)) if name == "aNA"
        ));
        assert_eq!(store.user_by_name("ANA").unwrap(), Some(ana.clone()));
        assert_eq!(store.user(&ana.id).unwrap(), Some(ana.clone()));
        assert_eq!(store.user_by_name("bob").unwrap(), None);
        assert_eq!(store.user("no-such-id").unwrap(), None);
        // Ids are uuids, distinct per user.
        let bob = store.create_user("bob").unwrap();
        assert_ne!(bob.id, ana.id);
        assert!(uuid::Uuid::parse_str(&bob.id).is_ok());
    }
}
