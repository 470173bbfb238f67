//! The machine socket's first frames (MSTRO.md §3): `auth` from the machine, `paired`
//! from the relay, and the close codes.

use serde::{Deserialize, Serialize};

/// The relay closes the machine socket with this code when the token is not valid.
pub const CLOSE_UNAUTHORIZED: u16 = 4001;
/// The relay closes an older socket of a machine that connected again.
pub const CLOSE_REPLACED: u16 = 4000;

/// Machine → relay, the first frame.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename = "auth")]
pub struct Auth {
    pub token: String,
}

/// Relay → machine, once the token is accepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename = "paired")]
pub struct Paired {
    #[serde(rename = "connectionId")]
    pub connection_id: String,
}

/// What the machine tells the relay about itself, as query parameters of
/// `/ws/client`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineHello {
    pub name: String,
    pub machine_hostname: String,
    pub client_id: String,
    pub os_type: String,
    pub cpu_arch: String,
    pub cli_version: String,
    #[serde(default)]
    pub working_dir: String,
    pub protocol_version: u32,
}
