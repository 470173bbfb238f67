//! What the browser, the relay and the machine say to each other (MSTRO.md §2–5,
//! docs/relay-api.md): the frame envelope, the machine's handshake, the device-login
//! bodies, and the error codes.

pub mod device;
pub mod envelope;
pub mod error;
pub mod handshake;

pub use envelope::{Envelope, MAX_FRAME_BYTES, MAX_MACHINE_FRAME_BYTES, Permission};
pub use error::ErrorCode;

/// The machine ⇄ relay protocol version this build speaks (`protocolVersion=`).
pub const PROTOCOL_VERSION: u32 = 1;
