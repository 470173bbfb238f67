//! The bodies of the relay's HTTP API that the web app reads (docs/relay-api.md):
//! health, the signed-in person, their machines and browser sessions, the device a
//! person approves, and the error answer. The machine's side of device login is in
//! [`crate::device`].
//!
//! The relay answers with these types and the web app's declarations are generated from
//! them, so the two cannot drift. Optional values are sent as `null`, never left out.

use serde::{Deserialize, Serialize};

use crate::envelope::{ErrorData, Permission};
use crate::error::ErrorCode;

/// `GET /health`: `{"status": "ok", "version"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Health {
    /// Always `ok`: a relay that answers is up.
    pub status: String,
    /// The relay's version (`0.1.0`).
    pub version: String,
}

impl Health {
    /// The answer of a relay of version `version`.
    pub fn ok(version: impl Into<String>) -> Health {
        Health {
            status: "ok".to_owned(),
            version: version.into(),
        }
    }
}

/// A person with an account on the relay, as the web app shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Person {
    /// A uuid, stable for the person's life.
    pub id: String,
    /// The name they sign in with, as it was given when the account was created.
    pub name: String,
}

/// `GET /api/auth/options`: how people sign in to this relay, for the sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SignInOptions {
    /// Whether anyone has a password here. Nobody does on a relay that only `mstro up`
    /// or `mstro relay add-user` (without `--password-stdin`) made: everyone signs in
    /// with one-time links, and a password form would only mislead.
    pub password_sign_in: bool,
}

/// `{"user"}`: whom a browser is signed in as (`POST /api/auth/login`,
/// `POST /api/auth/link`, `GET /api/me`), or whom a sign-in link would sign it in as
/// (`POST /api/auth/link/peek`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SignedInAs {
    pub user: Person,
}

/// `GET /api/machines`, and the data of each `machines` event of
/// `GET /api/machines/events`: the person's own machines and those shared with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Machines {
    pub machines: Vec<MachineSummary>,
}

/// One machine of [`Machines`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct MachineSummary {
    /// The relay's id for the machine (a uuid).
    pub id: String,
    /// Its display name (its host name until it reports one).
    pub name: String,
    pub hostname: String,
    /// As the machine reports it (`linux`, `macos`, ...).
    pub os_type: String,
    /// As the machine reports it (`x86_64`, `aarch64`, ...).
    pub cpu_arch: String,
    /// The directory it serves; empty until it has connected.
    pub working_dir: String,
    /// Connected to the relay now.
    pub online: bool,
    /// When it was last connected or heard from, RFC 3339; `null` if never.
    pub last_seen: Option<String>,
    /// What the person may do on it.
    pub permission: Permission,
    /// For a machine shared with the person (`permission: "view"`), the name of its
    /// owner, who shared it; `null` for their own.
    #[serde(default)]
    pub shared_by: Option<String>,
}

/// `GET /api/machines/{id}/shares` (the owner only): whom the machine is shared with,
/// by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MachineShares {
    pub shares: Vec<MachineShare>,
}

/// One person of [`MachineShares`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MachineShare {
    /// Their sign-in name.
    pub user: String,
    /// What they may do there (only `view` exists).
    pub permission: Permission,
}

/// `GET /api/sessions`: the person's signed-in browsers, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BrowserSessions {
    pub sessions: Vec<BrowserSession>,
}

/// One signed-in browser of [`BrowserSessions`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BrowserSession {
    /// 16 hex digits: enough to tell the person's sessions apart, not to sign in.
    pub id: String,
    /// When it signed in, RFC 3339 (`null` only for a date RFC 3339 cannot write).
    pub created_at: Option<String>,
    /// When it stops being signed in, RFC 3339 (`null` as for `createdAt`).
    pub expires_at: Option<String>,
    /// It is the session of the browser asking.
    pub current: bool,
}

/// `POST /api/sessions/end-others`: how many other sessions were signed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct EndedSessions {
    pub ended: u64,
}

/// A machine asking to sign in with `mstro login`, as it describes itself to the
/// person asked to approve it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DeviceDescription {
    pub hostname: String,
    pub os_type: String,
    pub cpu_arch: String,
    /// The version of mstro asking.
    pub cli_version: String,
}

/// A [`DeviceDescription`] still waiting for a decision, with when it asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct WaitingDevice {
    #[serde(flatten)]
    pub device: DeviceDescription,
    /// When the machine asked, RFC 3339 (`null` only for a date RFC 3339 cannot write).
    pub requested_at: Option<String>,
}

/// `POST /api/device/lookup`: the machine waiting with the user code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DeviceLookup {
    pub device: WaitingDevice,
}

/// `POST /api/device/approve`: the machine now signed in as the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DeviceApproved {
    pub device: DeviceDescription,
}

/// Every error answer of the API, with a status that fits the code:
/// `{"error": {"code", "message"}}`. Two answers keep older shapes: the device-login
/// poll's RFC 8628 errors ([`crate::device::PollError`]) and the 421 for an unknown
/// host ([`UnknownHostBody`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ErrorBody {
    pub error: ErrorData,
}

impl ErrorBody {
    /// The answer for `code`, with `message` for a person.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            error: ErrorData {
                code,
                message: message.into(),
            },
        }
    }
}

/// The 421 answer to a request whose `Host` names neither the server nor a loopback
/// name or IP address: `{"error": "unknown_host", "message"}`, the code not nested as
/// in [`ErrorBody`] (a historical shape, kept so that clients reading it still do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UnknownHostBody {
    /// Always [`ErrorCode::UnknownHost`].
    pub error: ErrorCode,
    pub message: String,
}

impl UnknownHostBody {
    /// The answer, with `message` for a person.
    pub fn new(message: impl Into<String>) -> UnknownHostBody {
        UnknownHostBody {
            error: ErrorCode::UnknownHost,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Each body against the JSON the relay sent before these types existed, byte for
    //! byte (field order included), and back.

    use super::*;

    fn same_json<T>(value: &T, json: &str)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        assert_eq!(serde_json::to_string(value).unwrap(), json);
        assert_eq!(&serde_json::from_str::<T>(json).unwrap(), value);
    }

    #[test]
    fn health() {
        same_json(&Health::ok("0.1.0"), r#"{"status":"ok","version":"0.1.0"}"#);
    }

    #[test]
    fn sign_in_options() {
        same_json(
            &SignInOptions {
                password_sign_in: false,
            },
            r#"{"passwordSignIn":false}"#,
        );
    }

    #[test]
    fn signed_in_as() {
        same_json(
            &SignedInAs {
                user: Person {
                    id: "u1".to_owned(),
                    name: "ana".to_owned(),
                },
            },
            r#"{"user":{"id":"u1","name":"ana"}}"#,
        );
    }

    #[test]
    fn machines() {
        let machine = |last_seen: Option<&str>, permission: Permission| MachineSummary {
            id: "m1".to_owned(),
            name: "box".to_owned(),
            hostname: "box.local".to_owned(),
            os_type: "linux".to_owned(),
            cpu_arch: "x86_64".to_owned(),
            working_dir: "/w".to_owned(),
            online: last_seen.is_none(),
            last_seen: last_seen.map(str::to_owned),
            shared_by: (permission == Permission::View).then(|| "ana".to_owned()),
            permission,
        };
        same_json(
            &Machines {
                machines: vec![
                    machine(Some("2026-11-21T10:00:00Z"), Permission::Owner),
                    machine(None, Permission::View),
                ],
            },
            concat!(
                r#"{"machines":["#,
                r#"{"id":"m1","name":"box","hostname":"box.local","osType":"linux","cpuArch":"x86_64","workingDir":"/w","online":false,"lastSeen":"2026-11-21T10:00:00Z","permission":"owner","sharedBy":null},"#,
                r#"{"id":"m1","name":"box","hostname":"box.local","osType":"linux","cpuArch":"x86_64","workingDir":"/w","online":true,"lastSeen":null,"permission":"view","sharedBy":"ana"}"#,
                r#"]}"#,
            ),
        );
        same_json(&Machines { machines: vec![] }, r#"{"machines":[]}"#);
        same_json(
            &MachineShares {
                shares: vec![MachineShare {
                    user: "bob".to_owned(),
                    permission: Permission::View,
                }],
            },
            r#"{"shares":[{"user":"bob","permission":"view"}]}"#,
        );
    }

    #[test]
    fn browser_sessions() {
        same_json(
            &BrowserSessions {
                sessions: vec![BrowserSession {
                    id: "0123456789abcdef".to_owned(),
                    created_at: Some("2026-11-21T10:00:00Z".to_owned()),
                    expires_at: None,
                    current: true,
                }],
            },
            r#"{"sessions":[{"id":"0123456789abcdef","createdAt":"2026-11-21T10:00:00Z","expiresAt":null,"current":true}]}"#,
        );
        same_json(&EndedSessions { ended: 2 }, r#"{"ended":2}"#);
    }

    #[test]
    fn devices() {
        let device = DeviceDescription {
            hostname: "box".to_owned(),
            os_type: "linux".to_owned(),
            cpu_arch: "aarch64".to_owned(),
            cli_version: "0.1.0".to_owned(),
        };
        same_json(
            &DeviceLookup {
                device: WaitingDevice {
                    device: device.clone(),
                    requested_at: Some("2026-11-21T10:00:00Z".to_owned()),
                },
            },
            r#"{"device":{"hostname":"box","osType":"linux","cpuArch":"aarch64","cliVersion":"0.1.0","requestedAt":"2026-11-21T10:00:00Z"}}"#,
        );
        same_json(
            &DeviceLookup {
                device: WaitingDevice {
                    device: device.clone(),
                    requested_at: None,
                },
            },
            r#"{"device":{"hostname":"box","osType":"linux","cpuArch":"aarch64","cliVersion":"0.1.0","requestedAt":null}}"#,
        );
        same_json(
            &DeviceApproved { device },
            r#"{"device":{"hostname":"box","osType":"linux","cpuArch":"aarch64","cliVersion":"0.1.0"}}"#,
        );
    }

    #[test]
    fn errors() {
        same_json(
            &ErrorBody::new(
                ErrorCode::RateLimited,
                "too many attempts; try again in 3 s",
            ),
            r#"{"error":{"code":"rate_limited","message":"too many attempts; try again in 3 s"}}"#,
        );
        same_json(
            &UnknownHostBody::new("use its own URL"),
            r#"{"error":"unknown_host","message":"use its own URL"}"#,
        );
    }
}
