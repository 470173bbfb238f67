//! The device-code login of machines (RFC 8628 style): the machine asks for a code, a
//! signed-in user approves it in the browser by its short user code, and the machine,
//! polling with its long device code, gets a device token once.

use rand::RngExt;
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};

use super::devices::register_device;
use super::tokens::{new_token, token_hash};
use super::users::require_user;
use super::{Store, StoreError, User};

/// The user code's characters: consonants without vowels (no words spelled by
/// accident) and digits without 0 and 1 (not mistaken for O and I).
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ23456789";

/// The user code's length, without its dash. 28^8 is about 3.8e11 codes.
const USER_CODE_LEN: usize = 8;

/// How many fresh user codes to try before giving up on finding one not in use. With
/// live requests a tiny fraction of all codes, one try almost always does.
const USER_CODE_ATTEMPTS: usize = 16;

/// How much [`Store::poll_device_request`] adds to the interval on each `slow_down`
/// (RFC 8628 §3.5).
const SLOW_DOWN_STEP_SECS: i64 = 5;

/// How long a request is kept after it expires, so that its code is still answered
/// "expired" (rather than "unknown") for a while before it is swept.
const KEEP_EXPIRED_SECS: i64 = 24 * 60 * 60;

/// What a machine says about itself when it asks to sign in: shown to the user who is
/// asked to approve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The machine's own stable id (from its config).
    pub client_id: String,
    /// Its host name.
    pub hostname: String,
    /// Its OS.
    pub os_type: String,
    /// Its CPU architecture.
    pub cpu_arch: String,
    /// The version of mstro asking.
    pub cli_version: String,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    /// Waiting for a user.
    Pending,
    /// A user approved it; the machine has not yet collected its token.
    Approved,
    /// A user denied it.
    Denied,
}

impl RequestState {
    /// The database name.
    fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Denied => "denied",
        }
    }
}

/// A sign-in request, as the approving user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRequest {
    /// What the machine said about itself.
    pub info: DeviceInfo,
    /// The user code, `XXXX-XXXX`.
    pub user_code: String,
    /// When the machine asked (unix seconds).
    pub requested_at: i64,
    /// When the request stops being approvable (unix seconds).
    pub expires_at: i64,
    /// Where it stands.
    pub state: RequestState,
}

impl DeviceRequest {
    /// Whether the request has expired at `now` (and can no longer be decided).
    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }
}

/// The answer to a machine's poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// Nobody has decided yet: poll again after the interval.
    Pending,
    /// Polled sooner than the interval allows; the interval grew by 5 s.
    SlowDown,
    /// The request expired undecided (or its token was not collected in time).
    Expired,
    /// A user denied it.
    Denied,
    /// Approved: the device token, returned this once.
    Approved {
        /// The device token (the store keeps only its hash).
        token: String,
        /// The user who approved, and owns the device.
        user: User,
        /// The new device's id.
        device_id: String,
    },
    /// No such device code (never issued, swept, or already collected).
    Unknown,
}

impl Store {
    /// Delete what can no longer be used: device requests a day after they expired
    /// (until then a poll still answers `expired_token`), expired sessions, and used or
    /// expired sign-in links. Run by the relay's sweeper, not by requests, so a flood
    /// of requests does not also pay for sweeping. The number of device requests
    /// deleted.
    pub fn sweep_expired(&self, now: i64) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let requests = tx.execute(
            "DELETE FROM device_requests WHERE expires_at <= ?1",
            [now.saturating_sub(KEEP_EXPIRED_SECS)],
        )?;
        tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        tx.execute(
            "DELETE FROM sign_in_links WHERE expires_at <= ?1 OR used_at IS NOT NULL",
            [now],
        )?;
        tx.commit()?;
        Ok(requests)
    }

    /// Start a sign-in for the machine `info`: returns the device code (for the
    /// machine, which polls with it) and the user code (`XXXX-XXXX`, for the person).
    /// The request is valid until `now + ttl_secs`; the machine is to poll no more often
    /// than every `interval_secs`.
    ///
    /// `force` is recorded with the request. The store treats a forced re-registration
    /// and a plain re-login alike: on approval the user's earlier device for the same
    /// client is revoked either way ([`Store::poll_device_request`]).
    pub fn create_device_request(
        &self,
        info: &DeviceInfo,
        force: bool,
        now: i64,
        ttl_secs: i64,
        interval_secs: i64,
    ) -> Result<(String, String), StoreError> {
        let device_code = new_token();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // A user code names one live request: the approver types it. An expired one may
        // share it (lookups prefer the live request).
        let mut user_code = None;
        for _ in 0..USER_CODE_ATTEMPTS {
            let candidate = new_user_code();
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM device_requests
                                WHERE user_code = ?1 AND expires_at > ?2)",
                params![candidate, now],
                |row| row.get(0),
            )?;
            if !taken {
                user_code = Some(candidate);
                break;
            }
        }
        let user_code = user_code.ok_or(StoreError::NoFreeUserCode)?;
        tx.execute(
            "INSERT INTO device_requests (
                 device_code_hash, user_code, client_id, hostname, os_type, cpu_arch,
                 cli_version, force, requested_at, expires_at, interval_secs)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                token_hash(&device_code),
                user_code,
                info.client_id,
                info.hostname,
                info.os_type,
                info.cpu_arch,
                info.cli_version,
                force,
                now,
                now.saturating_add(ttl_secs),
                interval_secs,
            ],
        )?;
        tx.commit()?;
        Ok((device_code, display_user_code(&user_code)))
    }

    /// The request with user code `user_code` (any case, with or without the dash).
    ///
    /// An expired request is still returned, with `expires_at <= now`
    /// ([`DeviceRequest::is_expired`]), so the caller can say "expired" rather than
    /// "unknown". If a code was reused, the live request wins.
    pub fn device_request(
        &self,
        user_code: &str,
        now: i64,
    ) -> Result<Option<DeviceRequest>, StoreError> {
        let Some(code) = normalize_user_code(user_code) else {
            return Ok(None);
        };
        let request = self
            .conn()
            .query_row(
                "SELECT client_id, hostname, os_type, cpu_arch, cli_version, user_code,
                        requested_at, expires_at, state
                 FROM device_requests WHERE user_code = ?1
                 ORDER BY expires_at > ?2 DESC, requested_at DESC, rowid DESC
                 LIMIT 1",
                params![code, now],
                request_from_row,
            )
            .optional()?;
        Ok(request)
    }

    /// Approve the live, pending request with user code `user_code` for user
    /// `user_id`. `false` if there is none (unknown, expired or already decided);
    /// [`StoreError::NotFound`] if the user does not exist.
    pub fn approve_device_request(
        &self,
        user_code: &str,
        user_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.decide(user_code, RequestState::Approved, Some(user_id), now)
    }

    /// Deny the live, pending request with user code `user_code`. `false` if there is
    /// none (unknown, expired or already decided).
    pub fn deny_device_request(&self, user_code: &str, now: i64) -> Result<bool, StoreError> {
        self.decide(user_code, RequestState::Denied, None, now)
    }

    /// Record a decision on the live, pending request with `user_code`.
    fn decide(
        &self,
        user_code: &str,
        state: RequestState,
        user_id: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let Some(code) = normalize_user_code(user_code) else {
            return Ok(false);
        };
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(user_id) = user_id {
            require_user(&tx, user_id)?;
        }
        // The state guard makes the decision final: a second approve or a deny after an
        // approve changes nothing and reports false.
        let changed = tx.execute(
            "UPDATE device_requests SET state = ?2, approved_by = ?3, decided_at = ?4
             WHERE user_code = ?1 AND state = 'pending' AND expires_at > ?4",
            params![code, state.as_str(), user_id, now],
        )?;
        tx.commit()?;
        Ok(changed > 0)
    }

    /// A machine's poll with `device_code`, in this order: [`PollOutcome::Unknown`]
    /// for no such request; [`PollOutcome::Expired`] once it has expired;
    /// [`PollOutcome::SlowDown`] if this poll came sooner than the interval after the
    /// previous one (and the interval grows by 5 s); then [`PollOutcome::Denied`],
    /// [`PollOutcome::Pending`] or, once, [`PollOutcome::Approved`].
    ///
    /// Approval signs the machine in for the approving user: the machine is found by
    /// (user, client id) or created, the user's earlier device of that client is
    /// revoked, and a new device is created whose token is returned. The request is
    /// consumed, so polling again answers `Unknown`.
    pub fn poll_device_request(
        &self,
        device_code: &str,
        now: i64,
    ) -> Result<PollOutcome, StoreError> {
        let hash = token_hash(device_code);
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = tx
            .query_row(
                "SELECT client_id, hostname, os_type, cpu_arch, cli_version, user_code,
                        requested_at, expires_at, state,
                        interval_secs, last_polled_at, approved_by
                 FROM device_requests WHERE device_code_hash = ?1",
                [&hash],
                |row| {
                    Ok((
                        request_from_row(row)?,
                        row.get::<_, i64>(9)?,
                        row.get::<_, Option<i64>>(10)?,
                        row.get::<_, Option<String>>(11)?,
                    ))
                },
            )
            .optional()?;
        let Some((request, interval, last_polled, approved_by)) = found else {
            return Ok(PollOutcome::Unknown);
        };
        if request.is_expired(now) {
            return Ok(PollOutcome::Expired);
        }
        if let Some(last) = last_polled
            && now.saturating_sub(last) < interval
        {
            tx.execute(
                "UPDATE device_requests
                 SET interval_secs = interval_secs + ?2, last_polled_at = ?3
                 WHERE device_code_hash = ?1",
                params![hash, SLOW_DOWN_STEP_SECS, now],
            )?;
            tx.commit()?;
            return Ok(PollOutcome::SlowDown);
        }
        let outcome = match (request.state, approved_by) {
            (RequestState::Pending, _) => PollOutcome::Pending,
            (RequestState::Denied, _) => PollOutcome::Denied,
            (RequestState::Approved, Some(user_id)) => {
                let user = require_user(&tx, &user_id)?;
                let (device_id, token) = register_device(&tx, &user.id, &request.info, now)?;
                tx.execute(
                    "DELETE FROM device_requests WHERE device_code_hash = ?1",
                    [&hash],
                )?;
                tx.commit()?;
                return Ok(PollOutcome::Approved {
                    token,
                    user,
                    device_id,
                });
            }
            // Approved by nobody: not a row this store writes. Treat it as undecided
            // rather than sign anyone in.
            (RequestState::Approved, None) => PollOutcome::Pending,
        };
        // Every poll counts from the previous one, whatever it answered.
        tx.execute(
            "UPDATE device_requests SET last_polled_at = ?2 WHERE device_code_hash = ?1",
            params![hash, now],
        )?;
        tx.commit()?;
        Ok(outcome)
    }
}

/// A fresh user code, normalised (no dash).
fn new_user_code() -> String {
    let mut rng = rand::rng();
    (0..USER_CODE_LEN)
        .map(|_| char::from(USER_CODE_ALPHABET[rng.random_range(0..USER_CODE_ALPHABET.len())]))
        .collect()
}

/// `code` as stored: upper case without the dash, or `None` if it cannot be a user
/// code (so it is not looked up at all).
fn normalize_user_code(code: &str) -> Option<String> {
    let code: String = code
        .trim()
        .chars()
        .filter(|&c| c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid =
        code.len() == USER_CODE_LEN && code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b));
    valid.then_some(code)
}

/// A stored user code as shown: `XXXX-XXXX`.
fn display_user_code(code: &str) -> String {
    let (head, tail) = code.split_at(code.len() / 2);
    format!("{head}-{tail}")
}

/// A [`DeviceRequest`] from a row whose first nine columns are `client_id, hostname,
/// os_type, cpu_arch, cli_version, user_code, requested_at, expires_at, state`.
fn request_from_row(row: &Row<'_>) -> rusqlite::Result<DeviceRequest> {
    let state: String = row.get(8)?;
    let state = match state.as_str() {
        "pending" => RequestState::Pending,
        "approved" => RequestState::Approved,
        "denied" => RequestState::Denied,
        other => {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                8,
                Type::Text,
                format!("unknown request state {other:?}").into(),
            ));
        }
    };
    Ok(DeviceRequest {
        info: DeviceInfo {
            client_id: row.get(0)?,
            hostname: row.get(1)?,
            os_type: row.get(2)?,
            cpu_arch: row.get(3)?,
            cli_version: row.get(4)?,
        },
        user_code: display_user_code(&row.get::<_, String>(5)?),
        requested_at: row.get(6)?,
        expires_at: row.get(7)?,
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: i64 = 600;
    const INTERVAL: i64 = 5;

    fn info(client_id: &str) -> DeviceInfo {
        DeviceInfo {
            client_id: client_id.to_owned(),
            hostname: "laptop".to_owned(),
            os_type: "linux".to_owned(),
            cpu_arch: "x86_64".to_owned(),
            cli_version: "0.1.0".to_owned(),
        }
    }

    fn request(store: &Store, client_id: &str, now: i64) -> (String, String) {
        store
            .create_device_request(&info(client_id), false, now, TTL, INTERVAL)
            .unwrap()
    }

    #[test]
    fn codes_have_the_documented_shape() {
        let store = Store::open_in_memory().unwrap();
        let (device_code, user_code) = request(&store, "c1", 1000);
        assert_eq!(device_code.len(), 64);
        assert_eq!(user_code.len(), 9);
        assert_eq!(&user_code[4..5], "-");
        assert!(
            user_code
                .bytes()
                .filter(|&b| b != b'-')
                .all(|b| USER_CODE_ALPHABET.contains(&b)),
            "{user_code}"
        );
        let stored: String = store
            .conn()
            .query_row("SELECT device_code_hash FROM device_requests", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(stored, token_hash(&device_code));
    }

    #[test]
    fn user_code_lookup_ignores_case_and_dash() {
        let store = Store::open_in_memory().unwrap();
        let (_, user_code) = request(&store, "c1", 1000);
        let bare = user_code.replace('-', "");
        for spelling in [
            user_code.clone(),
            user_code.to_lowercase(),
            bare.clone(),
            bare.to_lowercase(),
            format!(" {user_code} "),
        ] {
            let found = store.device_request(&spelling, 1001).unwrap();
            let found = found.unwrap_or_else(|| panic!("{spelling:?} not found"));
            assert_eq!(found.user_code, user_code);
            assert_eq!(found.info, info("c1"));
            assert_eq!(found.requested_at, 1000);
            assert_eq!(found.expires_at, 1000 + TTL);
            assert_eq!(found.state, RequestState::Pending);
            assert!(!found.is_expired(1001));
        }
        for wrong in ["", "BCDF-GHJ", "AAAA-AAAA", "BCDF-GHJKL"] {
            assert_eq!(
                store.device_request(wrong, 1001).unwrap(),
                None,
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn pending_then_slow_down_grows_the_interval() {
        let store = Store::open_in_memory().unwrap();
        let (code, _) = request(&store, "c1", 1000);
        // The first poll has nothing to be too soon after.
        assert_eq!(
            store.poll_device_request(&code, 1000).unwrap(),
            PollOutcome::Pending
        );
        assert_eq!(
            store.poll_device_request(&code, 1005).unwrap(),
            PollOutcome::Pending
        );
        // 2 s after the last poll, with 5 s asked: slow down, and now 10 s.
        assert_eq!(
            store.poll_device_request(&code, 1007).unwrap(),
            PollOutcome::SlowDown
        );
        // 9 s after that poll is still too soon for 10 s: 15 s now.
        assert_eq!(
            store.poll_device_request(&code, 1016).unwrap(),
            PollOutcome::SlowDown
        );
        assert_eq!(
            store.poll_device_request(&code, 1030).unwrap(),
            PollOutcome::SlowDown
        );
        // The interval is now 20 s: 20 s after the last poll is fine.
        assert_eq!(
            store.poll_device_request(&code, 1050).unwrap(),
            PollOutcome::Pending
        );
        assert_eq!(
            store.poll_device_request(&code, 1069).unwrap(),
            PollOutcome::SlowDown
        );
    }

    #[test]
    fn denied() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let (code, user_code) = request(&store, "c1", 1000);
        assert!(store.deny_device_request(&user_code, 1001).unwrap());
        assert_eq!(
            store.poll_device_request(&code, 1002).unwrap(),
            PollOutcome::Denied
        );
        // The decision is final.
        assert!(
            !store
                .approve_device_request(&user_code, &ana.id, 1003)
                .unwrap()
        );
        assert!(!store.deny_device_request(&user_code, 1003).unwrap());
        assert_eq!(
            store.poll_device_request(&code, 1010).unwrap(),
            PollOutcome::Denied
        );
        let found = store.device_request(&user_code, 1010).unwrap().unwrap();
        assert_eq!(found.state, RequestState::Denied);
    }

    #[test]
    fn expired() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let (code, user_code) = request(&store, "c1", 1000);
        let end = 1000 + TTL;
        assert_eq!(
            store.poll_device_request(&code, end).unwrap(),
            PollOutcome::Expired
        );
        let found = store.device_request(&user_code, end).unwrap().unwrap();
        assert!(found.is_expired(end));
        assert!(found.expires_at <= end);
        assert!(
            !store
                .approve_device_request(&user_code, &ana.id, end)
                .unwrap()
        );
        assert!(!store.deny_device_request(&user_code, end).unwrap());

        // Approved but not collected in time: expired as well.
        let (code, user_code) = request(&store, "c2", 2000);
        assert!(
            store
                .approve_device_request(&user_code, &ana.id, 2001)
                .unwrap()
        );
        assert_eq!(
            store.poll_device_request(&code, 2000 + TTL).unwrap(),
            PollOutcome::Expired
        );
    }

    #[test]
    fn expired_requests_are_swept_after_a_day() {
        let store = Store::open_in_memory().unwrap();
        let (code, user_code) = request(&store, "c1", 1000);
        let (live, _) = request(&store, "c2", 1000 + TTL);
        let later = 1000 + TTL + KEEP_EXPIRED_SECS;
        // Still known (as expired) until a day after it expired...
        assert_eq!(store.sweep_expired(later - 1).unwrap(), 0);
        assert_eq!(
            store.poll_device_request(&code, later - 1).unwrap(),
            PollOutcome::Expired
        );
        // ...then swept; the younger one stays.
        assert_eq!(store.sweep_expired(later).unwrap(), 1);
        assert_ne!(
            store.poll_device_request(&live, later).unwrap(),
            PollOutcome::Unknown
        );
        assert_eq!(store.device_request(&user_code, later).unwrap(), None);
        assert_eq!(
            store.poll_device_request(&code, later).unwrap(),
            PollOutcome::Unknown
        );
    }

    #[test]
    fn approved_exactly_once_and_the_token_works() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let (code, user_code) = request(&store, "c1", 1000);
        assert_eq!(
            store.poll_device_request("bogus", 1000).unwrap(),
            PollOutcome::Unknown
        );
        assert_eq!(
            store.poll_device_request(&code, 1000).unwrap(),
            PollOutcome::Pending
        );

        assert!(matches!(
            store.approve_device_request(&user_code, "nobody", 1001),
            Err(StoreError::NotFound)
        ));
        // Approved by typing the code in lower case without the dash.
        let typed = user_code.replace('-', "").to_lowercase();
        assert!(store.approve_device_request(&typed, &ana.id, 1001).unwrap());
        assert!(
            !store
                .approve_device_request(&user_code, &ana.id, 1002)
                .unwrap()
        );
        assert!(!store.deny_device_request(&user_code, 1002).unwrap());
        assert_eq!(
            store
                .device_request(&user_code, 1002)
                .unwrap()
                .unwrap()
                .state,
            RequestState::Approved
        );

        let PollOutcome::Approved {
            token,
            user,
            device_id,
        } = store.poll_device_request(&code, 1005).unwrap()
        else {
            panic!("expected approval");
        };
        assert_eq!(user, ana);
        assert_eq!(token.len(), 64);
        assert_eq!(
            store.poll_device_request(&code, 1010).unwrap(),
            PollOutcome::Unknown
        );

        let device = store.device_by_token(&token).unwrap().unwrap();
        assert_eq!(device.id, device_id);
        assert_eq!(device.user_id, ana.id);
        assert_eq!(device.client_id, "c1");
        let machine = store.machine(&device.machine_id).unwrap().unwrap();
        assert_eq!(machine.owner_id, ana.id);
        assert_eq!(machine.name, "laptop");
    }

    #[test]
    fn re_login_revokes_the_previous_token_and_keeps_the_machine() {
        let store = Store::open_in_memory().unwrap();
        let ana = store.create_user("ana").unwrap();
        let bob = store.create_user("bob").unwrap();
        let sign_in = |user: &User, client_id: &str, force: bool, now: i64| {
            let (code, user_code) = store
                .create_device_request(&info(client_id), force, now, TTL, INTERVAL)
                .unwrap();
            assert!(
                store
                    .approve_device_request(&user_code, &user.id, now)
                    .unwrap()
            );
            match store.poll_device_request(&code, now).unwrap() {
                PollOutcome::Approved { token, .. } => token,
                other => panic!("expected approval, got {other:?}"),
            }
        };
        let first = sign_in(&ana, "c1", false, 1000);
        let other_client = sign_in(&ana, "c2", false, 1000);
        let first_device = store.device_by_token(&first).unwrap().unwrap();

        let second = sign_in(&ana, "c1", false, 2000);
        assert_eq!(store.device_by_token(&first).unwrap(), None);
        let second_device = store.device_by_token(&second).unwrap().unwrap();
        assert_ne!(second_device.id, first_device.id);
        assert_eq!(second_device.machine_id, first_device.machine_id);

        // Forced re-registration does the same.
        let third = sign_in(&ana, "c1", true, 3000);
        assert_eq!(store.device_by_token(&second).unwrap(), None);
        let third_device = store.device_by_token(&third).unwrap().unwrap();
        assert_eq!(third_device.machine_id, first_device.machine_id);

        // The user's other machine is untouched.
        assert!(store.device_by_token(&other_client).unwrap().is_some());
        // Another user signing in the same client gets their own machine, and does not
        // sign the first user out.
        let bobs = sign_in(&bob, "c1", false, 4000);
        let bobs_device = store.device_by_token(&bobs).unwrap().unwrap();
        assert_ne!(bobs_device.machine_id, first_device.machine_id);
        assert!(store.device_by_token(&third).unwrap().is_some());
        assert_eq!(store.machines_for_user(&ana.id).unwrap().len(), 2);
    }

    #[test]
    fn normalize_and_display_user_codes() {
        assert_eq!(
            normalize_user_code("bcdf-ghjk").as_deref(),
            Some("BCDFGHJK")
        );
        assert_eq!(normalize_user_code("BCDFGHJK").as_deref(), Some("BCDFGHJK"));
        assert_eq!(normalize_user_code("BCDF-GHJ0"), None);
        assert_eq!(normalize_user_code("BCDF-GHJ"), None);
        assert_eq!(display_user_code("BCDFGHJK"), "BCDF-GHJK");
    }
}
