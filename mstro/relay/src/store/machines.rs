//! Machines, and who may use them: the owner, who signed the machine in, and the users
//! the owner shared it with (view only).

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::device_flow::DeviceInfo;
use super::users::user_by_id;
use super::{Store, StoreError};

/// What a user may do on a machine: the protocol's permission (the permission table
/// itself is the machine's; see docs/relay-api.md).
pub use mstro_protocol::Permission;

/// A machine as the relay knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Machine {
    /// A uuid (v4) the relay gave the machine when it first signed in.
    pub id: String,
    /// The user who signed it in.
    pub owner_id: String,
    /// The display name (the hostname until the machine reports one).
    pub name: String,
    /// The machine's host name.
    pub hostname: String,
    /// Its OS, as the machine reports it (e.g. `linux`).
    pub os_type: String,
    /// Its CPU architecture, as the machine reports it (e.g. `x86_64`).
    pub cpu_arch: String,
    /// The directory the machine serves (empty until it has connected).
    pub working_dir: String,
    /// When the machine last connected or was heard from (unix seconds).
    pub last_seen: Option<i64>,
}

/// A machine as one user sees it: [`Store::machines_for_user`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibleMachine {
    pub machine: Machine,
    /// What the user may do there.
    pub permission: Permission,
    /// The sign-in name of its owner (who shared it, for a viewer).
    pub owner_name: String,
}

/// What a machine reports about itself when it connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineInfo {
    /// The display name.
    pub name: String,
    /// The host name.
    pub hostname: String,
    /// The OS.
    pub os_type: String,
    /// The CPU architecture.
    pub cpu_arch: String,
    /// The directory it serves.
    pub working_dir: String,
}

/// The columns [`machine_from_row`] reads, in order, for a `machines` table aliased `m`.
const MACHINE_COLUMNS: &str =
    "m.id, m.owner_id, m.name, m.hostname, m.os_type, m.cpu_arch, m.working_dir, m.last_seen";

impl Store {
    /// Record what machine `machine_id` reports about itself, and that it was seen
    /// `now`. Fails with [`StoreError::NotFound`] for an unknown machine.
    pub fn update_machine(
        &self,
        machine_id: &str,
        info: &MachineInfo,
        now: i64,
    ) -> Result<(), StoreError> {
        let changed = self.conn().execute(
            "UPDATE machines
             SET name = ?2, hostname = ?3, os_type = ?4, cpu_arch = ?5, working_dir = ?6,
                 last_seen = ?7
             WHERE id = ?1",
            params![
                machine_id,
                info.name,
                info.hostname,
                info.os_type,
                info.cpu_arch,
                info.working_dir,
                now
            ],
        )?;
        found_if_changed(changed)
    }

    /// Record that machine `machine_id` was seen `now`. Fails with
    /// [`StoreError::NotFound`] for an unknown machine.
    pub fn touch_machine(&self, machine_id: &str, now: i64) -> Result<(), StoreError> {
        let changed = self.conn().execute(
            "UPDATE machines SET last_seen = ?2 WHERE id = ?1",
            params![machine_id, now],
        )?;
        found_if_changed(changed)
    }

    /// Machine `machine_id`, whoever's it is (check [`Store::permission`] before
    /// showing it to someone).
    pub fn machine(&self, machine_id: &str) -> Result<Option<Machine>, StoreError> {
        let machine = self
            .conn()
            .query_row(
                &format!("SELECT {MACHINE_COLUMNS} FROM machines m WHERE m.id = ?1"),
                [machine_id],
                machine_from_row,
            )
            .optional()?;
        Ok(machine)
    }

    /// The machines user `user_id` may see, with what they may do there: their own
    /// ([`Permission::Owner`]) and those shared with them ([`Permission::View`]), by
    /// name (case-insensitively, then id so equal names keep a stable order), each with
    /// its owner's name.
    pub fn machines_for_user(&self, user_id: &str) -> Result<Vec<VisibleMachine>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {MACHINE_COLUMNS}, 'owner' AS permission, u.name, m.name AS sort_name
             FROM machines m JOIN users u ON u.id = m.owner_id WHERE m.owner_id = ?1
             UNION ALL
             SELECT {MACHINE_COLUMNS}, s.permission, u.name, m.name
             FROM machine_shares s JOIN machines m ON m.id = s.machine_id
             JOIN users u ON u.id = m.owner_id
             WHERE s.user_id = ?1 AND m.owner_id <> ?1
             ORDER BY sort_name COLLATE NOCASE, 1"
        ))?;
        let rows = stmt.query_map([user_id], |row| {
            Ok(VisibleMachine {
                machine: machine_from_row(row)?,
                permission: permission_from_row(row, 8)?,
                owner_name: row.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Whom `owner_id`'s machine `machine_id` is shared with: their names and
    /// permissions, by name (case-insensitively). Errors as
    /// [`share_machine`](Self::share_machine) for a machine the owner does not own.
    pub fn machine_shares(
        &self,
        machine_id: &str,
        owner_id: &str,
    ) -> Result<Vec<(String, Permission)>, StoreError> {
        let conn = self.conn();
        match permission_on(&conn, owner_id, machine_id)? {
            Some(Permission::Owner) => {}
            Some(Permission::View) => return Err(StoreError::Forbidden),
            None => return Err(StoreError::NotFound),
        }
        let mut stmt = conn.prepare(
            "SELECT u.name, s.permission FROM machine_shares s JOIN users u ON u.id = s.user_id
             WHERE s.machine_id = ?1 ORDER BY u.name COLLATE NOCASE, u.id",
        )?;
        let rows = stmt.query_map([machine_id], |row| {
            Ok((row.get(0)?, permission_from_row(row, 1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// What user `user_id` may do on machine `machine_id`: [`Permission::Owner`] if it
    /// is theirs, [`Permission::View`] if it is shared with them, `None` otherwise
    /// (including an unknown machine).
    pub fn permission(
        &self,
        user_id: &str,
        machine_id: &str,
    ) -> Result<Option<Permission>, StoreError> {
        permission_on(&self.conn(), user_id, machine_id)
    }

    /// Share machine `machine_id` with the user named `with_user`, view only, on behalf
    /// of `owner_id`. Sharing again, or with the owner, changes nothing.
    ///
    /// Fails with [`StoreError::NotFound`] if `owner_id` cannot see the machine (so its
    /// existence is not confirmed), [`StoreError::Forbidden`] if they can but do not
    /// own it, and [`StoreError::UnknownUser`] if nobody is named `with_user`.
    pub fn share_machine(
        &self,
        machine_id: &str,
        owner_id: &str,
        with_user: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        match permission_on(&tx, owner_id, machine_id)? {
            Some(Permission::Owner) => {}
            Some(Permission::View) => return Err(StoreError::Forbidden),
            None => return Err(StoreError::NotFound),
        }
        let with_id: Option<String> = tx
            .query_row("SELECT id FROM users WHERE name = ?1", [with_user], |row| {
                row.get(0)
            })
            .optional()?;
        let Some(with_id) = with_id else {
            return Err(StoreError::UnknownUser(with_user.to_owned()));
        };
        // The owner already has more than view; a share row for them would be noise.
        if with_id != owner_id {
            tx.execute(
                "INSERT OR IGNORE INTO machine_shares (machine_id, user_id, permission)
                 VALUES (?1, ?2, ?3)",
                params![machine_id, with_id, Permission::View.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Take back user `with_user`'s view of `owner_id`'s machine; the user's id when a
    /// share was removed (so their sockets can be closed), `None` when there was none.
    /// Errors as [`share_machine`](Self::share_machine) for a machine the owner does
    /// not own.
    pub fn unshare_machine(
        &self,
        machine_id: &str,
        owner_id: &str,
        with_user: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        match permission_on(&tx, owner_id, machine_id)? {
            Some(Permission::Owner) => {}
            Some(Permission::View) => return Err(StoreError::Forbidden),
            None => return Err(StoreError::NotFound),
        }
        let removed: Option<String> = tx
            .query_row(
                "DELETE FROM machine_shares WHERE machine_id = ?1
                 AND user_id = (SELECT id FROM users WHERE name = ?2)
                 RETURNING user_id",
                params![machine_id, with_user],
                |row| row.get(0),
            )
            .optional()?;
        tx.commit()?;
        Ok(removed)
    }
}

/// The id of `owner_id`'s machine whose client id is `info.client_id`, created (named
/// after its host) if this is its first sign-in: a machine that signs in again is the
/// same machine, with the same shares.
pub(super) fn machine_for_client(
    tx: &Transaction<'_>,
    owner_id: &str,
    info: &DeviceInfo,
) -> Result<String, StoreError> {
    let existing: Option<String> = tx
        .query_row(
            "SELECT id FROM machines WHERE owner_id = ?1 AND client_id = ?2",
            params![owner_id, info.client_id],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    if user_by_id(tx, owner_id)?.is_none() {
        return Err(StoreError::NotFound);
    }
    let id = uuid::Uuid::new_v4().to_string();
    tx.execute(
        "INSERT INTO machines (id, owner_id, client_id, name, hostname, os_type, cpu_arch)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
        params![
            id,
            owner_id,
            info.client_id,
            info.hostname,
            info.os_type,
            info.cpu_arch
        ],
    )?;
    Ok(id)
}

/// What `user_id` may do on `machine_id`, on a connection the caller holds.
fn permission_on(
    conn: &Connection,
    user_id: &str,
    machine_id: &str,
) -> Result<Option<Permission>, StoreError> {
    let row = conn
        .query_row(
            "SELECT CASE WHEN m.owner_id = ?1 THEN 'owner' ELSE s.permission END
             FROM machines m
             LEFT JOIN machine_shares s ON s.machine_id = m.id AND s.user_id = ?1
             WHERE m.id = ?2",
            params![user_id, machine_id],
            |row| row.get::<_, Option<String>>(0),
        )
        .optional()?;
    // No row: no such machine; a NULL: the machine exists but is not shared with them.
    match row.flatten() {
        Some(name) => Ok(Some(parse_permission(&name).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, Type::Text, e.into())
        })?)),
        None => Ok(None),
    }
}

/// A [`Machine`] from a row that starts with [`MACHINE_COLUMNS`].
fn machine_from_row(row: &Row<'_>) -> rusqlite::Result<Machine> {
    Ok(Machine {
        id: row.get(0)?,
        owner_id: row.get(1)?,
        name: row.get(2)?,
        hostname: row.get(3)?,
        os_type: row.get(4)?,
        cpu_arch: row.get(5)?,
        working_dir: row.get(6)?,
        last_seen: row.get(7)?,
    })
}

/// The [`Permission`] in column `idx`.
fn permission_from_row(row: &Row<'_>, idx: usize) -> rusqlite::Result<Permission> {
    let name: String = row.get(idx)?;
    parse_permission(&name)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, e.into()))
}

/// A permission from its database name.
fn parse_permission(name: &str) -> Result<Permission, String> {
    match name {
        "owner" => Ok(Permission::Owner),
        "view" => Ok(Permission::View),
        other => Err(format!("unknown permission {other:?}")),
    }
}

/// `Ok` if an `UPDATE` by id changed a row, else [`StoreError::NotFound`].
fn found_if_changed(changed: usize) -> Result<(), StoreError> {
    if changed == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::sign_in_machine;
    use super::*;

    #[test]
    fn a_new_machine_is_named_after_its_host_and_owned_by_its_user() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let (_, device) = sign_in_machine(&store, &ana, "c1", "laptop", 1000);
        let machine = store.machine(&device.machine_id).unwrap().unwrap();
        assert_eq!(machine.owner_id, ana.id);
        assert_eq!(machine.name, "laptop");
        assert_eq!(machine.hostname, "laptop");
        assert_eq!(machine.os_type, "linux");
        assert_eq!(machine.cpu_arch, "x86_64");
        assert_eq!(machine.working_dir, "");
        assert_eq!(machine.last_seen, None);
        assert_eq!(store.machine("no-such-machine").unwrap(), None);
    }

    #[test]
    fn update_and_touch_set_last_seen() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let (_, device) = sign_in_machine(&store, &ana, "c1", "laptop", 1000);
        let info = MachineInfo {
            name: "work".to_owned(),
            hostname: "laptop.local".to_owned(),
            os_type: "macos".to_owned(),
            cpu_arch: "aarch64".to_owned(),
            working_dir: "/home/ana/src".to_owned(),
        };
        store
            .update_machine(&device.machine_id, &info, 1100)
            .unwrap();
        let machine = store.machine(&device.machine_id).unwrap().unwrap();
        assert_eq!(
            (
                machine.name.as_str(),
                machine.hostname.as_str(),
                machine.os_type.as_str(),
                machine.cpu_arch.as_str(),
                machine.working_dir.as_str(),
                machine.last_seen
            ),
            (
                "work",
                "laptop.local",
                "macos",
                "aarch64",
                "/home/ana/src",
                Some(1100)
            )
        );
        store.touch_machine(&device.machine_id, 1200).unwrap();
        let machine = store.machine(&device.machine_id).unwrap().unwrap();
        assert_eq!(machine.last_seen, Some(1200));
        assert_eq!(machine.name, "work");

        assert!(matches!(
            store.update_machine("nope", &info, 1300),
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.touch_machine("nope", 1300),
            Err(StoreError::NotFound)
        ));
    }

    #[test]
    fn permissions_and_sharing_by_the_owner_only() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let bob = store.create_user("bob").unwrap();
        let carol = store.create_user("carol").unwrap();
        let (_, device) = sign_in_machine(&store, &ana, "c1", "laptop", 1000);
        let m = device.machine_id;

        assert_eq!(
            store.permission(&ana.id, &m).unwrap(),
            Some(Permission::Owner)
        );
        assert_eq!(store.permission(&bob.id, &m).unwrap(), None);
        assert_eq!(store.permission(&ana.id, "no-such-machine").unwrap(), None);

        // Someone who cannot see it is told it does not exist.
        assert!(matches!(
            store.share_machine(&m, &bob.id, "carol"),
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.share_machine("no-such-machine", &ana.id, "bob"),
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.share_machine(&m, &ana.id, "dave"),
            Err(StoreError::UnknownUser(name)) if name == "dave"
        ));

        // The user is named case-insensitively; sharing twice is fine.
        store.share_machine(&m, &ana.id, "BOB").unwrap();
        store.share_machine(&m, &ana.id, "bob").unwrap();
        assert_eq!(
            store.permission(&bob.id, &m).unwrap(),
            Some(Permission::View)
        );
        assert_eq!(store.permission(&carol.id, &m).unwrap(), None);

        // A viewer may not pass it on.
        assert!(matches!(
            store.share_machine(&m, &bob.id, "carol"),
            Err(StoreError::Forbidden)
        ));
        assert_eq!(store.permission(&carol.id, &m).unwrap(), None);

        // The owner sees whom it is shared with; nobody else does.
        store.share_machine(&m, &ana.id, "carol").unwrap();
        assert_eq!(
            store.machine_shares(&m, &ana.id).unwrap(),
            vec![
                ("bob".to_owned(), Permission::View),
                ("carol".to_owned(), Permission::View)
            ]
        );
        assert!(matches!(
            store.machine_shares(&m, &bob.id),
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store.machine_shares(&m, &store.create_user("dave").unwrap().id),
            Err(StoreError::NotFound)
        ));
        store.unshare_machine(&m, &ana.id, "carol").unwrap();
        assert_eq!(store.machine_shares(&m, &ana.id).unwrap().len(), 1);

        // Sharing with oneself leaves the owner the owner.
        store.share_machine(&m, &ana.id, "ana").unwrap();
        assert_eq!(
            store.permission(&ana.id, &m).unwrap(),
            Some(Permission::Owner)
        );
        assert_eq!(store.machines_for_user(&ana.id).unwrap().len(), 1);
    }

    #[test]
    fn machines_for_user_lists_own_and_shared_by_name() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let bob = store.create_user("bob").unwrap();
        let (_, zeta) = sign_in_machine(&store, &ana, "c1", "zeta", 1000);
        let (_, alpha) = sign_in_machine(&store, &ana, "c2", "Alpha", 1000);
        let (_, mid) = sign_in_machine(&store, &bob, "c3", "mid", 1000);
        let (_, bobs_other) = sign_in_machine(&store, &bob, "c4", "other", 1000);
        store
            .share_machine(&mid.machine_id, &bob.id, "ana")
            .unwrap();

        let listed: Vec<(String, Permission)> = store
            .machines_for_user(&ana.id)
            .unwrap()
            .into_iter()
            .map(|v| (v.machine.id, v.permission))
            .collect();
        assert_eq!(
            listed,
            vec![
                (alpha.machine_id, Permission::Owner),
                (mid.machine_id.clone(), Permission::View),
                (zeta.machine_id, Permission::Owner),
            ]
        );
        let shared = &store.machines_for_user(&ana.id).unwrap()[1];
        assert_eq!(
            (shared.permission, shared.owner_name.as_str()),
            (Permission::View, "bob"),
            "a viewer is told whose machine it is"
        );
        assert_eq!(
            store.machines_for_user(&ana.id).unwrap()[0].owner_name,
            "ana"
        );
        let bobs: Vec<(String, Permission)> = store
            .machines_for_user(&bob.id)
            .unwrap()
            .into_iter()
            .map(|v| (v.machine.id, v.permission))
            .collect();
        assert_eq!(
            bobs,
            vec![
                (mid.machine_id, Permission::Owner),
                (bobs_other.machine_id, Permission::Owner),
            ]
        );
    }

    #[test]
    fn machine_serialises_camel_case_and_permission_lowercase() {
        let machine = Machine {
            id: "m".to_owned(),
            owner_id: "u".to_owned(),
            name: "n".to_owned(),
            hostname: "h".to_owned(),
            os_type: "linux".to_owned(),
            cpu_arch: "x86_64".to_owned(),
            working_dir: "/w".to_owned(),
            last_seen: None,
        };
        let json = serde_json::to_value(&machine).unwrap();
        assert_eq!(json["ownerId"], "u");
        assert_eq!(json["osType"], "linux");
        assert_eq!(json["cpuArch"], "x86_64");
        assert_eq!(json["workingDir"], "/w");
        assert!(json["lastSeen"].is_null());
        assert_eq!(serde_json::to_value(Permission::View).unwrap(), "view");
        assert_eq!(serde_json::to_value(Permission::Owner).unwrap(), "owner");
    }
}
