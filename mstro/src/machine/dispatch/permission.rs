//! Who may send what, deny by default (MSTRO.md §4): `view` users read, and nothing
//! that mutates or executes; a frame without a permission (the relay always sets one)
//! may do nothing.

use mstro_protocol::Permission;

/// Everything a `view` user may send. A type not listed here needs `owner`, so a new
/// message type is owner-only until someone decides otherwise.
pub const VIEW_MAY: &[&str] = &[
    "ping",
    "getActiveTabs",
    "initTab",
    "listDirectory",
    "readFile",
    "getSessions",
    "getSessionById",
    "searchHistory",
];

/// May a sender with `permission` send a frame of `kind`?
pub fn allows(permission: Option<Permission>, kind: &str) -> bool {
    match permission {
        Some(Permission::Owner) => true,
        Some(Permission::View) => VIEW_MAY.contains(&kind),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_by_default() {
        assert!(allows(Some(Permission::View), "readFile"));
        for mutating in [
            "execute",
            "writeFile",
            "deleteFile",
            "terminalInput",
            "gitCommit",
            "somethingNew",
        ] {
            assert!(!allows(Some(Permission::View), mutating), "{mutating}");
            assert!(allows(Some(Permission::Owner), mutating));
        }
        assert!(!allows(None, "ping"));
    }
}
