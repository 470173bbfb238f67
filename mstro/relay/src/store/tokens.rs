//! The secrets the store hands out, and the hashes it keeps of them instead.
//!
//! Every token (session, sign-in link, device code, device token) is 32 bytes from the
//! thread-local CSPRNG as 64 lowercase hex characters. The database holds only the
//! SHA-256 of that text, so reading the database does not yield a usable token, and a
//! presented token is checked by hashing it and looking the hash up: the comparison is
//! an index lookup on a value the presenter cannot steer, not a byte-by-byte compare
//! of the secret.

use rand::Rng;
use rusqlite::{Transaction, params};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::users::require_user;

/// A table of tokens that stand for a user until they expire (sessions, sign-in
/// links): `(token_hash, user_id, created_at, expires_at)`.
pub(super) struct UserTokens {
    pub table: &'static str,
    /// Deletes the rows that can no longer be used (`?1` is now). Issuing a token is
    /// the moment to sweep: no timer, and the table stays as small as what is live.
    pub sweep: &'static str,
}

impl UserTokens {
    /// A new token for `user_id`, valid until `now + ttl_secs`; the table keeps only
    /// its hash. [`StoreError::NotFound`] for an unknown user.
    pub fn issue(
        &self,
        tx: &Transaction<'_>,
        user_id: &str,
        now: i64,
        ttl_secs: i64,
    ) -> Result<String, StoreError> {
        require_user(tx, user_id)?;
        tx.execute(self.sweep, [now])?;
        let token = new_token();
        tx.execute(
            &format!(
                "INSERT INTO {} (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                self.table
            ),
            params![token_hash(&token), user_id, now, now.saturating_add(ttl_secs)],
        )?;
        Ok(token)
    }
}

/// A fresh token: 32 random bytes, lowercase hex.
pub(super) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The SHA-256 of `token`'s text, lowercase hex: what the store keeps and looks up.
pub(super) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_lowercase_hex_and_differ() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        );
        assert_ne!(a, b);
    }

    #[test]
    fn hash_is_sha256_hex() {
        // The well-known SHA-256 of "abc".
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
