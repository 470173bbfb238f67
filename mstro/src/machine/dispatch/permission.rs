//! Who may send what, deny by default (MSTRO.md §4): `view` users read, and nothing
//! that mutates or executes; a frame without a permission (the relay always sets one)
//! may do nothing. What each request needs is [`RequestKind::needs`], an exhaustive
//! `match`: a new request does not compile until someone decides.

use mstro_protocol::Permission;

use super::request::RequestKind;

/// May a sender with `permission` send a request of `kind`? A type the machine does
/// not know (`None`) needs `owner`, who is then told it is unknown.
pub fn allows(permission: Option<Permission>, kind: Option<RequestKind>) -> bool {
    match permission {
        Some(Permission::Owner) => true,
        Some(Permission::View) => kind.is_some_and(|k| k.needs() == Permission::View),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows_type(permission: Option<Permission>, kind: &str) -> bool {
        allows(permission, RequestKind::from_type(kind))
    }

    #[test]
    fn deny_by_default() {
        for read in [
            "ping",
            "getActiveTabs",
            "initTab",
            "listDirectory",
            "readFile",
            "getSessions",
            "getSessionById",
            "searchHistory",
        ] {
            assert!(allows_type(Some(Permission::View), read), "{read}");
        }
        for mutating in [
            "execute",
            "cancel",
            "new",
            "createTab",
            "removeTab",
            "deleteSession",
            "writeFile",
            "terminalInput",
            "gitCommit",
            "somethingNew",
        ] {
            assert!(!allows_type(Some(Permission::View), mutating), "{mutating}");
            assert!(allows_type(Some(Permission::Owner), mutating));
        }
        assert!(!allows_type(None, "ping"));
    }
}
