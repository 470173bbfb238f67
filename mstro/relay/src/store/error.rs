//! What can go wrong in the store.

/// An error from the relay's store.
///
/// The variants a caller answers differently (a taken name, a weak password, an
/// unknown or foreign machine) are their own; everything SQLite reports is `Sqlite`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (including a constraint the store did not expect to hit).
    #[error("relay database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Creating the store's directory or database file failed.
    #[error("relay store: {0}")]
    Io(#[from] std::io::Error),
    /// A user name outside 1 to 64 characters of `A-Z a-z 0-9 . _ @ -`.
    #[error("invalid user name {0:?}: use 1 to 64 letters, digits, '.', '_', '@' or '-'")]
    InvalidName(String),
    /// A user of that name (compared case-insensitively) exists already.
    #[error("the user name {0:?} is taken")]
    NameTaken(String),
    /// A password shorter than [`MIN_PASSWORD_CHARS`](super::MIN_PASSWORD_CHARS).
    #[error(
        "the password is too short: use at least {} characters",
        super::MIN_PASSWORD_CHARS
    )]
    WeakPassword,
    /// The user, device or machine the call names does not exist (or, for a machine,
    /// is not visible to the caller: the store does not confirm that it exists).
    #[error("not found")]
    NotFound,
    /// The caller may see the machine but not do this to it (only its owner may).
    #[error("only the machine's owner may do that")]
    Forbidden,
    /// The user named as the other party (e.g. whom to share a machine with) does not
    /// exist.
    #[error("no user named {0:?}")]
    UnknownUser(String),
    /// Hashing or verifying a password failed for a reason other than a wrong
    /// password (e.g. a stored hash that does not parse).
    #[error("password hash: {0}")]
    Hash(String),
    /// No user code not already in use was found in several tries (practically
    /// impossible: there are 28^8 codes).
    #[error("could not find a free user code; try again")]
    NoFreeUserCode,
    /// The database was written by a newer mstro whose schema this one does not know.
    #[error("the relay database has schema version {found}; this mstro knows up to {supported}")]
    SchemaTooNew {
        /// The database's `user_version`.
        found: i64,
        /// The newest version this build migrates to.
        supported: i64,
    },
}
