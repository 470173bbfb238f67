//! The ids of tabs, sessions and prompts. They come from browsers (hostile) and name
//! files (`<sessionId>.json`), so they are checked in one place.

/// The longest id accepted.
pub const MAX_ID_LEN: usize = 64;

/// Is `id` 1–64 characters of `A-Z a-z 0-9 _ -`, starting with a letter or digit?
/// Nothing else can reach a file name or a command line (never read as an option).
pub fn is_valid(id: &str) -> bool {
    id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A fresh random id with a readable prefix (`s` session, `t` tab, `m` movement).
pub fn fresh(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_pass() {
        for ok in ["a", "s-0123abcd", "TAB_1", &"x".repeat(64)] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/b",
            "a.json",
            "a b",
            "é",
            "a\0",
            &"x".repeat(65),
            ".",
            "..",
        ] {
            assert!(!is_valid(bad), "{bad:?}");
        }
        assert!(is_valid(&fresh("s")));
        assert_ne!(fresh("s"), fresh("s"));
    }
}
