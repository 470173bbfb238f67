//! Device-code login bodies (MSTRO.md §2), shared by the relay and `mstro login`.

use serde::{Deserialize, Serialize};

/// `POST /api/auth/device/request`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRequest {
    pub client_id: String,
    pub machine_hostname: String,
    pub os_type: String,
    pub cpu_arch: String,
    pub cli_version: String,
    #[serde(default)]
    pub force: bool,
}

/// Its answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceGrant {
    pub device_code: String,
    pub user_code: String,
    pub verification_url_complete: String,
    #[serde(default)]
    pub interval: Option<u64>,
    pub expires_in: u64,
}

/// `POST /api/auth/device/poll`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Poll {
    pub device_code: String,
}

/// A person, as the relay describes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    pub name: String,
}

/// The poll's answer once approved.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    pub access_token: String,
    pub user: UserInfo,
}

/// The poll's answer before that, as RFC 8628: `{"error": "authorization_pending"}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PollError {
    pub error: String,
}

/// `POST /api/auth/device/verify`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    pub user: UserInfo,
    pub device_id: String,
}

/// `POST /api/auth/device/refresh`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refreshed {
    pub access_token: String,
}
