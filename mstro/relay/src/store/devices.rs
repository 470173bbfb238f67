//! Devices: one sign-in of a machine by a user, and the bearer token the machine
//! presents for it. A device is revoked by deleting it, which is what makes its token
//! stop working.

use rusqlite::{OptionalExtension, Transaction, params};

use super::device_flow::DeviceInfo;
use super::machines::machine_for_client;
use super::tokens::{new_token, token_hash};
use super::{Store, StoreError};

/// A signed-in machine's device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// A uuid (v4), new at each sign-in.
    pub id: String,
    /// The user who approved the sign-in (and owns the machine).
    pub user_id: String,
    /// The machine's own stable id.
    pub client_id: String,
    /// The relay's id of the machine.
    pub machine_id: String,
}

impl Store {
    /// The device whose token is `token`, if it has not been revoked or rotated away.
    pub fn device_by_token(&self, token: &str) -> Result<Option<Device>, StoreError> {
        let device = self
            .conn()
            .query_row(
                "SELECT id, user_id, client_id, machine_id FROM devices WHERE token_hash = ?1",
                [token_hash(token)],
                |row| {
                    Ok(Device {
                        id: row.get(0)?,
                        user_id: row.get(1)?,
                        client_id: row.get(2)?,
                        machine_id: row.get(3)?,
                    })
                },
            )
            .optional()?;
        Ok(device)
    }

    /// A new token for device `device_id`; the old one stops working. Fails with
    /// [`StoreError::NotFound`] for an unknown (or revoked) device.
    pub fn rotate_device_token(&self, device_id: &str) -> Result<String, StoreError> {
        let token = new_token();
        let changed = self.conn().execute(
            "UPDATE devices SET token_hash = ?2 WHERE id = ?1",
            params![device_id, token_hash(&token)],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(token)
    }

    /// Revoke device `device_id`: its token stops working. Revoking an unknown or
    /// already revoked device is not an error (the outcome is the same), so a
    /// deregistration can be retried.
    pub fn revoke_device(&self, device_id: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM devices WHERE id = ?1", [device_id])?;
        Ok(())
    }
}

impl Store {
    /// Sign machine `machine_id` out: every device token `owner_id` holds for it stops
    /// working. [`StoreError::NotFound`] unless `owner_id` owns the machine (a viewer
    /// cannot sign it out); how many tokens were revoked.
    pub fn revoke_machine_devices(
        &self,
        machine_id: &str,
        owner_id: &str,
    ) -> Result<usize, StoreError> {
        if self.permission(owner_id, machine_id)? != Some(super::Permission::Owner) {
            return Err(StoreError::NotFound);
        }
        Ok(self.conn().execute(
            "DELETE FROM devices WHERE machine_id = ?1 AND user_id = ?2",
            params![machine_id, owner_id],
        )?)
    }
}

/// Sign machine `info` in for user `user_id`: find or create its machine, revoke the
/// user's earlier devices of the same client (a re-login, forced or not, leaves one
/// working token per machine and user), and create the device. Returns the device id
/// and its token.
pub(super) fn register_device(
    tx: &Transaction<'_>,
    user_id: &str,
    info: &DeviceInfo,
    now: i64,
) -> Result<(String, String), StoreError> {
    let machine_id = machine_for_client(tx, user_id, info)?;
    tx.execute(
        "DELETE FROM devices WHERE user_id = ?1 AND client_id = ?2",
        params![user_id, info.client_id],
    )?;
    let id = uuid::Uuid::new_v4().to_string();
    let token = new_token();
    tx.execute(
        "INSERT INTO devices (id, user_id, client_id, machine_id, token_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            user_id,
            info.client_id,
            machine_id,
            token_hash(&token),
            now
        ],
    )?;
    Ok((id, token))
}

#[cfg(test)]
mod tests {
    use rusqlite::TransactionBehavior;

    use super::super::test_support::sign_in_machine;
    use super::*;

    /// [`register_device`] in its own transaction: a device without the device flow.
    fn register(
        store: &Store,
        user_id: &str,
        info: &DeviceInfo,
        now: i64,
    ) -> Result<(String, String), StoreError> {
        let mut conn = store.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let registered = register_device(&tx, user_id, info, now)?;
        tx.commit()?;
        Ok(registered)
    }

    #[test]
    fn rotate_replaces_the_token() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let (old, device) = sign_in_machine(&store, &ana, "c1", "laptop", 1000);
        let new = store.rotate_device_token(&device.id).unwrap();
        assert_ne!(new, old);
        assert_eq!(store.device_by_token(&old).unwrap(), None);
        assert_eq!(store.device_by_token(&new).unwrap(), Some(device));
        assert!(matches!(
            store.rotate_device_token("no-such-device"),
            Err(StoreError::NotFound)
        ));
    }

    #[test]
    fn revoke_ends_the_token() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let (token, device) = sign_in_machine(&store, &ana, "c1", "laptop", 1000);
        let (other_token, other) = sign_in_machine(&store, &ana, "c2", "desktop", 1000);
        store.revoke_device(&device.id).unwrap();
        assert_eq!(store.device_by_token(&token).unwrap(), None);
        // Only that device: another machine of the same user keeps working.
        assert_eq!(store.device_by_token(&other_token).unwrap(), Some(other));
        // Again, and then rotating it, find nothing.
        store.revoke_device(&device.id).unwrap();
        assert!(matches!(
            store.rotate_device_token(&device.id),
            Err(StoreError::NotFound)
        ));
        // The machine stays: signing in again lands on it.
        assert!(store.machine(&device.machine_id).unwrap().is_some());
    }

    #[test]
    fn only_the_hash_of_a_device_token_is_stored() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let info = DeviceInfo {
            client_id: "c1".to_owned(),
            hostname: "laptop".to_owned(),
            os_type: "linux".to_owned(),
            cpu_arch: "x86_64".to_owned(),
            cli_version: "0.1.0".to_owned(),
        };
        let (id, token) = register(&store, &ana.id, &info, 1000).unwrap();
        let stored: String = store
            .conn()
            .query_row("SELECT token_hash FROM devices WHERE id = ?1", [&id], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(stored, token_hash(&token));
        assert_ne!(stored, token);
        assert!(matches!(
            register(&store, "nobody", &info, 1000),
            Err(StoreError::NotFound)
        ));
    }
}
