//! What the machine answers each request with: the `data` of the reply frame, which
//! echoes the request's `type` and `id` (`executeAck` answers `execute`). One struct per
//! reply, so the JSON a browser gets is what these types serialise to, and the web
//! app's declarations are generated from them. An `error` frame
//! ([`crate::envelope::ErrorData`]) is the other answer.
//!
//! Optional values are sent as `null`, never left out: a browser reads `sessionId:
//! null` as "no session yet", the same as the machine means it.

use serde::Serialize;
use serde_json::Value;

use crate::event::TabState;
use crate::history::{MovementRecord, SearchHit, SessionRecord};
use crate::tab_settings::TabSettings;

/// `ping`: `{pong: true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Pong {
    /// Always `true`.
    pub pong: bool,
}

impl Pong {
    /// The one answer to `ping`.
    pub const REPLY: Pong = Pong { pong: true };
}

/// One directory entry, as `listDirectory` reports it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The file name (lossy if it is not UTF-8).
    pub name: String,
    /// The entry's display path (relative to the root, `/`-separated).
    pub path: String,
    /// What it is, without following a symlink.
    pub kind: EntryKind,
    /// The length in bytes for files (and, for symlinks, of the link itself); 0 for
    /// directories and other kinds.
    pub size: u64,
    /// Last modification, RFC 3339 UTC to the second (`2026-11-21T10:00:00Z`); `None` when
    /// the platform does not say or the year is outside 0000–9999.
    pub modified: Option<String>,
}

/// What an entry is, without following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (never followed).
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// The reply to `listDirectory`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Listing {
    /// The display path of the directory listed (`""` for the root). For a directory
    /// reached through a symlink this is its real (canonical) place.
    pub path: String,
    /// Directories first, then everything else; each group by case-insensitive name (ties
    /// by exact name).
    pub entries: Vec<Entry>,
    /// The directory has more than 10 000 (`MAX_ENTRIES` on the machine) entries and reading stopped there. The
    /// entries kept are the first ones the OS returned (an arbitrary subset), sorted as
    /// usual.
    pub truncated: bool,
}

/// The reply to `readFile`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FileContent {
    /// The display path of the file read (its real place if reached through a symlink).
    pub path: String,
    /// The file's full size in bytes.
    pub size: u64,
    /// The content is not UTF-8 text; `content` is then `None`.
    pub binary: bool,
    /// Only the first 1 MiB (`MAX_READ_BYTES` on the machine) bytes were read.
    pub truncated: bool,
    /// The text read. When truncated in the middle of a multi-byte character, the partial
    /// character is dropped.
    pub content: Option<String>,
    /// Lowercase hex SHA-256 of the file's bytes: what `writeFile` sends back as
    /// `baseHash` to replace exactly this version. `null` when `truncated` (the file
    /// was not read whole).
    pub hash: Option<String>,
}

/// `findFiles`: the workspace's files whose paths match the query, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FoundFiles {
    pub files: Vec<FoundFile>,
    /// The search stopped before it had looked at every file (too many files, or it
    /// took too long): a better match may exist.
    pub truncated: bool,
}

/// One file of [`FoundFiles`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FoundFile {
    /// Relative to the workspace root, `/`-separated.
    pub path: String,
    /// [`EntryKind::File`], or [`EntryKind::Symlink`] for a link that stays inside the
    /// workspace.
    pub kind: EntryKind,
}

/// `getActiveTabs`: the open tabs of this machine process, in the order they were
/// opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ActiveTabs {
    /// The machine's event-log epoch (it changes with every start).
    pub epoch: String,
    pub tabs: Vec<TabSummary>,
    /// What a tab setting left at `null` means on this machine (`model: null`:
    /// Claude Code's own default).
    pub defaults: TabSettings,
}

/// One tab of [`ActiveTabs`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TabSummary {
    pub tab_id: String,
    /// The history session it shows; `null` before its first prompt.
    pub session_id: Option<String>,
    /// That session's title; `null` without one.
    pub title: Option<String>,
    pub state: TabState,
    /// The seq of the tab's last event (0 before any).
    pub seq: u64,
    pub settings: TabSettings,
}

/// `createTab`: the tab, new or already open (a known tab id, or the tab that already
/// shows the session asked for).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TabInfo {
    pub tab_id: String,
    /// `null` before the tab's first prompt.
    pub session_id: Option<String>,
    pub state: TabState,
    pub epoch: String,
    /// The seq of the tab's last event (0 before any).
    pub seq: u64,
    pub settings: TabSettings,
}

/// `initTab`: what the browser missed since its `{epoch, lastSeenSeq}`, or, when the
/// machine's log cannot say (another epoch, or the gap was evicted), a snapshot of the
/// tab. Tagged by `mode`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "mode", rename_all = "camelCase")]
pub enum InitTab {
    /// Exactly the events after `lastSeenSeq`, in order, and the tab's settings now.
    Replay {
        epoch: String,
        events: Vec<ReplayedEvent>,
        settings: TabSettings,
    },
    /// The tab as it is now; events from `seq` on follow live.
    Snapshot {
        epoch: String,
        seq: u64,
        snapshot: TabSnapshot,
    },
}

/// One event of an [`InitTab::Replay`]: the frame the browser missed, as it was sent
/// (a [`crate::event::TabEvent`]'s `type` and `data`, the data stamped with `epoch`
/// and `seq`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReplayedEvent {
    #[serde(rename = "type")]
    pub kind: String,
    pub tab_id: Option<String>,
    #[cfg_attr(test, ts(type = "unknown"))]
    pub data: Value,
}

/// The tab in an [`InitTab::Snapshot`]: its session's newest movements that fit in one
/// frame, and how many older ones were left out (`getSessionById {before}` has them).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TabSnapshot {
    pub tab_id: String,
    /// `null` before the tab's first prompt.
    pub session_id: Option<String>,
    /// The session's title as browsers are shown it; `null` without a session.
    pub title: Option<String>,
    pub state: TabState,
    pub movements: Vec<MovementRecord>,
    pub omitted: usize,
    pub settings: TabSettings,
}

/// `removeTab`: `{removed: true}` (a running prompt is cancelled first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Removed {
    pub removed: bool,
}

/// `executeAck`, the answer to `execute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ExecuteAck {
    /// The `msgId` of the prompt.
    pub msg_id: String,
    /// The movement started; `null` for a duplicate, which starts nothing.
    pub movement_id: Option<String>,
    /// This `msgId` ran already: the prompt is not run twice.
    pub duplicate: bool,
}

/// `cancel`: whether there was a run to cancel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Cancelled {
    pub cancelled: bool,
}

/// `new`: the tab leaves its session; its next prompt starts a fresh one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewSession {
    /// Always `null`: the new session has no id until its first prompt.
    #[cfg_attr(test, ts(type = "null"))]
    pub session_id: Option<String>,
}

/// `getSessionById`: the session, with its newest movements that fit in one frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SessionById {
    /// The session; its `movements` are only the window sent.
    pub session: SessionRecord,
    /// How many movements come before those sent: the `before` that asks for more.
    pub omitted: usize,
}

/// `deleteSession`: whether there was such a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Deleted {
    pub deleted: bool,
}

/// `searchHistory`: the matching sessions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SearchResults {
    pub results: Vec<SearchHit>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tab_settings::AskPerson;
    use serde_json::json;

    fn wire(value: impl Serialize) -> String {
        serde_json::to_string(&value).unwrap()
    }

    /// The replies keep the exact JSON the machine sent when they were `json!`
    /// literals: field order, and `null` rather than an absent field.
    #[test]
    fn replies_keep_their_wire_shape() {
        assert_eq!(wire(Pong::REPLY), r#"{"pong":true}"#);
        assert_eq!(
            wire(FoundFiles {
                files: vec![FoundFile {
                    path: "src/deep/main.rs".into(),
                    kind: EntryKind::File,
                }],
                truncated: false,
            }),
            r#"{"files":[{"path":"src/deep/main.rs","kind":"file"}],"truncated":false}"#
        );
        assert_eq!(
            wire(NewSession { session_id: None }),
            r#"{"sessionId":null}"#
        );
        assert_eq!(
            wire(ExecuteAck {
                msg_id: "g1".into(),
                movement_id: None,
                duplicate: true,
            }),
            r#"{"msgId":"g1","movementId":null,"duplicate":true}"#
        );
        assert_eq!(
            wire(TabInfo {
                tab_id: "t1".into(),
                session_id: None,
                state: TabState::Idle,
                epoch: "e1".into(),
                seq: 0,
                settings: TabSettings::default(),
            }),
            r#"{"tabId":"t1","sessionId":null,"state":"idle","epoch":"e1","seq":0,"settings":{"model":null,"askPerson":null}}"#
        );
        assert_eq!(
            wire(ActiveTabs {
                epoch: "e1".into(),
                tabs: vec![TabSummary {
                    tab_id: "t1".into(),
                    session_id: Some("s1".into()),
                    title: None,
                    state: TabState::Running,
                    seq: 3,
                    settings: TabSettings {
                        model: Some("opus".into()),
                        ask_person: Some(AskPerson::First),
                    },
                }],
                defaults: TabSettings {
                    model: None,
                    ask_person: Some(AskPerson::AfterReviewer),
                },
            }),
            r#"{"epoch":"e1","tabs":[{"tabId":"t1","sessionId":"s1","title":null,"state":"running","seq":3,"settings":{"model":"opus","askPerson":"first"}}],"defaults":{"model":null,"askPerson":"after-reviewer"}}"#
        );
    }

    #[test]
    fn init_tab_is_tagged_by_mode_first() {
        let replay = InitTab::Replay {
            epoch: "e1".into(),
            events: vec![ReplayedEvent {
                kind: "output".into(),
                tab_id: Some("t1".into()),
                data: json!({"text": "hi", "epoch": "e1", "seq": 4}),
            }],
            settings: TabSettings::default(),
        };
        assert_eq!(
            wire(replay),
            r#"{"mode":"replay","epoch":"e1","events":[{"type":"output","tabId":"t1","data":{"text":"hi","epoch":"e1","seq":4}}],"settings":{"model":null,"askPerson":null}}"#
        );
        let snapshot = InitTab::Snapshot {
            epoch: "e1".into(),
            seq: 7,
            snapshot: TabSnapshot {
                tab_id: "t1".into(),
                session_id: None,
                title: None,
                state: TabState::Idle,
                movements: vec![],
                omitted: 0,
                settings: TabSettings::default(),
            },
        };
        assert_eq!(
            wire(snapshot),
            r#"{"mode":"snapshot","epoch":"e1","seq":7,"snapshot":{"tabId":"t1","sessionId":null,"title":null,"state":"idle","movements":[],"omitted":0,"settings":{"model":null,"askPerson":null}}}"#
        );
    }
}
