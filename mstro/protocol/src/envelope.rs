//! The envelope every WebSocket frame is: `{type, id?, tabId?, data}`, plus the routing
//! fields only the relay and the machine set (`from`, `to`, `permission`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ErrorCode;

/// A browser's frames larger than this are refused (by the relay, and by the machine
/// after the relay's stamp).
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;
/// A machine's frames may be larger: a 1 MiB file read grows when escaped as JSON.
pub const MAX_MACHINE_FRAME_BYTES: usize = 8 * 1024 * 1024;
/// Longest `id` (as a string) or `tabId`: they are echoed in every reply.
const MAX_ID_BYTES: usize = 128;

/// What a browser may do on a machine. Set by the relay from its own records, never
/// taken from a browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// The machine's owner: everything.
    Owner,
    /// Shared read-only: reads, never mutations or execution.
    View,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Owner => "owner",
            Permission::View => "view",
        }
    }
}

/// One frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
pub struct Envelope {
    /// The message type (`readFile`, `machineStatus`, `error`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Chosen by the browser; replies echo it. A string or a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(as = "Option<crate::typescript::Id>"))]
    pub id: Option<Value>,
    #[serde(rename = "tabId", default, skip_serializing_if = "Option::is_none")]
    pub tab_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(test, ts(type = "unknown"))]
    pub data: Value,
    /// Relay → machine: the browser connection the frame came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Machine → relay: the one browser a reply is for (absent: every browser on the
    /// machine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Relay → machine: what the sending browser's user may do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<Permission>,
    /// Relay → machine: the name of the signed-in person who sent it, for the records
    /// that say who decided (an approval). Overwritten by the relay like `permission`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// Why a frame is not an envelope.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the frame is {0} bytes, over the limit")]
    TooLarge(usize),
    #[error("the frame is not a JSON object with a string `type`: {0}")]
    Malformed(String),
}

impl Envelope {
    /// A frame of `kind` with `data`.
    pub fn new(kind: impl Into<String>, data: Value) -> Envelope {
        Envelope {
            kind: kind.into(),
            id: None,
            tab_id: None,
            data,
            from: None,
            to: None,
            permission: None,
            user: None,
        }
    }

    /// Parse a browser's text frame, bounded by [`MAX_FRAME_BYTES`].
    pub fn parse(text: &str) -> Result<Envelope, FrameError> {
        Envelope::parse_within(text, MAX_FRAME_BYTES)
    }

    /// Parse a text frame of at most `limit` bytes.
    pub fn parse_within(text: &str, limit: usize) -> Result<Envelope, FrameError> {
        if text.len() > limit {
            return Err(FrameError::TooLarge(text.len()));
        }
        // serde would also read a struct from a JSON array (`["readFile", 1]`).
        if !text.trim_start().starts_with('{') {
            return Err(FrameError::Malformed("not a JSON object".to_owned()));
        }
        let envelope: Envelope =
            serde_json::from_str(text).map_err(|e| FrameError::Malformed(e.to_string()))?;
        if envelope.kind.is_empty() || envelope.kind.len() > MAX_ID_BYTES {
            return Err(FrameError::Malformed(
                "`type` is empty or too long".to_owned(),
            ));
        }
        let id_ok = match &envelope.id {
            None | Some(Value::Number(_)) => true,
            Some(Value::String(s)) => s.len() <= MAX_ID_BYTES,
            Some(_) => false,
        };
        if !id_ok
            || envelope
                .tab_id
                .as_ref()
                .is_some_and(|t| t.len() > MAX_ID_BYTES)
        {
            return Err(FrameError::Malformed(format!(
                "`id` must be a number or a string, and `id`/`tabId` at most {MAX_ID_BYTES} bytes"
            )));
        }
        Ok(envelope)
    }

    /// The reply to this frame: same `type` and `id`, addressed to its sender.
    pub fn reply(&self, data: Value) -> Envelope {
        Envelope {
            kind: self.kind.clone(),
            id: self.id.clone(),
            tab_id: self.tab_id.clone(),
            data,
            from: None,
            to: self.from.clone(),
            permission: None,
            user: None,
        }
    }

    /// The reply to this frame carrying `data`, one of [`crate::reply`]'s types.
    pub fn reply_with(&self, data: &impl Serialize) -> Envelope {
        self.reply(to_data(data))
    }

    /// An `error` reply to this frame.
    pub fn error_reply(&self, code: ErrorCode, message: impl Into<String>) -> Envelope {
        Envelope {
            kind: "error".to_owned(),
            ..self.reply(error_data(code, message))
        }
    }

    /// An `error` frame about something that could not even be read as an envelope.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Envelope {
        Envelope::new("error", error_data(code, message))
    }

    /// A `gap` frame, to every browser on the machine: `dropped` frames the machine
    /// had queued for the relay were lost (its outbox overflowed while the relay was
    /// unreachable). What they carried must be asked for again.
    pub fn gap(dropped: u64) -> Envelope {
        Envelope::new(GAP, to_data(&Gap { dropped }))
    }

    /// A `machineStatus` frame: whether the machine is connected to the relay. The
    /// relay sends it to a browser on connect and to every browser on each change.
    pub fn machine_status(online: bool) -> Envelope {
        Envelope::new(MACHINE_STATUS, to_data(&MachineStatus { online }))
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("an envelope always serialises")
    }
}

/// The `data` of an `error` frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ErrorData {
    pub code: ErrorCode,
    /// For a person: what went wrong, and what to do if anything can be done.
    pub message: String,
}

/// The `type` of a [`MachineStatus`] frame.
pub const MACHINE_STATUS: &str = "machineStatus";

/// The `data` of a `machineStatus` frame ([`Envelope::machine_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MachineStatus {
    pub online: bool,
}

/// The `type` of the relay's word to a machine that a browser left it (the frame's
/// `from`), so that the machine stops sending it anything (terminal output). Only the
/// relay sends it: a browser's frame of this type is refused.
pub const BROWSER_LEFT: &str = "browserLeft";

/// The `type` of a [`Gap`] frame.
pub const GAP: &str = "gap";

/// The `data` of a `gap` frame ([`Envelope::gap`]). A browser that gets one re-reads
/// what it shows: a tab's missing events come back through `initTab`'s replay, a
/// listing through a new read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Gap {
    /// How many frames were lost.
    pub dropped: u64,
}

fn error_data(code: ErrorCode, message: impl Into<String>) -> Value {
    to_data(&ErrorData {
        code,
        message: message.into(),
    })
}

/// A reply's data as JSON. The wire types serialise to JSON objects with string keys
/// only, which cannot fail.
fn to_data(data: &impl Serialize) -> Value {
    serde_json::to_value(data).expect("a reply always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_s_status_and_a_gap_are_the_frames_the_web_app_reads() {
        assert_eq!(
            Envelope::machine_status(true).to_text(),
            r#"{"type":"machineStatus","data":{"online":true}}"#
        );
        assert_eq!(
            Envelope::gap(3).to_text(),
            r#"{"type":"gap","data":{"dropped":3}}"#
        );
    }

    #[test]
    fn parses_and_replies() {
        let e = Envelope::parse(r#"{"type":"readFile","id":7,"data":{"path":"a"},"from":"b1"}"#)
            .unwrap();
        assert_eq!(e.kind, "readFile");
        let r = e.reply(serde_json::json!({"ok":true}));
        assert_eq!(r.to.as_deref(), Some("b1"));
        assert_eq!(r.id, Some(7.into()));
        let text = e.error_reply(ErrorCode::Forbidden, "no").to_text();
        assert!(text.contains(r#""type":"error""#) && text.contains(r#""code":"forbidden""#));
    }

    #[test]
    fn refuses_what_is_not_an_envelope() {
        for bad in [
            "[]",
            "1",
            "{}",
            r#"{"type":5}"#,
            r#"{"type":""}"#,
            "not json",
        ] {
            assert!(Envelope::parse(bad).is_err(), "{bad}");
        }
        let big = format!(r#"{{"type":"x","data":"{}"}}"#, "a".repeat(MAX_FRAME_BYTES));
        assert!(matches!(
            Envelope::parse(&big),
            Err(FrameError::TooLarge(_))
        ));
    }

    #[test]
    fn ids_are_short_strings_or_numbers() {
        assert!(Envelope::parse(r#"{"type":"x","id":"abc"}"#).is_ok());
        assert!(Envelope::parse(&format!(r#"{{"type":"x","id":"{}"}}"#, "a".repeat(129))).is_err());
        assert!(Envelope::parse(r#"{"type":"x","id":{"big":[1,2,3]}}"#).is_err());
        assert!(
            Envelope::parse(&format!(r#"{{"type":"x","tabId":"{}"}}"#, "a".repeat(129))).is_err()
        );
    }

    #[test]
    fn a_permission_that_is_not_one_is_malformed() {
        assert!(Envelope::parse(r#"{"type":"x","permission":"admin"}"#).is_err());
    }
}
