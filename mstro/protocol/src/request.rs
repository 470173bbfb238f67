//! The requests a browser sends the machine, as one serde-tagged enum: a frame's `type`
//! picks the variant and its `data` must fit it; and who may send each
//! ([`RequestKind::needs`], checked by [`allows`]). The machine's handlers are in the
//! `mstro` crate (`machine/dispatch/`); here is only what the frames are.

use serde::Deserialize;

pub use crate::approval::AnswerApprovalArg;
use crate::envelope::Permission;
pub use crate::files::{
    CopyArg, CreateDirectoryArg, CreateFileArg, DeleteArg, RenameArg, RestoreTrashArg, UnwatchArg,
    WatchArg, WriteFileArg,
};
pub use crate::tab_settings::SetTabSettingsArg;
pub use crate::terminal::{
    TerminalAckArg, TerminalArg, TerminalAttachArg, TerminalCreateArg, TerminalInputArg,
    TerminalResizeArg,
};

/// A request from a browser.
// `deny_unknown_fields` makes the data-less requests (`ping`, `cancel`, ...) refuse any
// field; it has no TypeScript meaning, and ts-rs says at build time that it ignores it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(
    tag = "type",
    content = "data",
    rename_all = "camelCase",
    deny_unknown_fields
)]
pub enum Request {
    Ping {},
    ListDirectory(PathArg),
    ReadFile(PathArg),
    /// File names across the workspace matching a query (the prompt's `@` completion).
    FindFiles(FindFilesArg),
    // Tabs and sessions (docs/sessions.md); a tab's id is the envelope's `tabId`.
    GetActiveTabs {},
    CreateTab(CreateTabArg),
    RemoveTab {},
    InitTab(InitTabArg),
    Execute(ExecuteArg),
    Cancel {},
    New {},
    GetSessions(PageArg),
    GetSessionById(SessionPageArg),
    DeleteSession(SessionArg),
    SearchHistory(SearchArg),
    /// The owner's answer to an `approvalRequest` of the tab's run.
    AnswerApproval(AnswerApprovalArg),
    // Terminals (docs/terminal.md).
    TerminalCreate(TerminalCreateArg),
    TerminalList {},
    TerminalAttach(TerminalAttachArg),
    TerminalDetach(TerminalArg),
    TerminalAck(TerminalAckArg),
    TerminalInput(TerminalInputArg),
    TerminalResize(TerminalResizeArg),
    TerminalClose(TerminalArg),
    /// The owner changes the tab's settings (model, when to ask the owner).
    SetTabSettings(SetTabSettingsArg),
    // Changing files and watching them (docs/files.md).
    CreateFile(CreateFileArg),
    CreateDirectory(CreateDirectoryArg),
    Rename(RenameArg),
    Copy(CopyArg),
    Delete(DeleteArg),
    RestoreTrash(RestoreTrashArg),
    ListTrash {},
    WriteFile(WriteFileArg),
    Watch(WatchArg),
    Unwatch(UnwatchArg),
}

/// `{path}`: relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
pub struct PathArg {
    #[serde(default)]
    #[cfg_attr(test, ts(as = "Option<String>"))]
    pub path: String,
}

/// `findFiles {query, limit?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
pub struct FindFilesArg {
    /// What the person typed after `@` (at most 256 bytes).
    pub query: String,
    /// How many files to answer with (default 50, at most 200).
    pub limit: Option<usize>,
}

/// `createTab {tabId?, sessionId?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct CreateTabArg {
    pub tab_id: Option<String>,
    pub session_id: Option<String>,
}

/// `initTab {epoch?, lastSeenSeq?, sessionId?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct InitTabArg {
    pub epoch: Option<String>,
    pub last_seen_seq: Option<u64>,
    pub session_id: Option<String>,
}

/// `execute {prompt, msgId, model?, attachments?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct ExecuteArg {
    pub prompt: String,
    pub msg_id: String,
    pub model: Option<String>,
    /// Files attached to the prompt (the machine checks and saves them:
    /// `mstro/src/session/attachments.rs`).
    #[serde(default)]
    #[cfg_attr(test, ts(as = "Option<Vec<AttachmentArg>>"))]
    pub attachments: Vec<AttachmentArg>,
}

/// One file attached to an `execute`, as the browser sends it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AttachmentArg {
    /// The file name (the machine refuses paths and odd names).
    pub name: String,
    /// The content, base64 (standard alphabet, padded).
    pub data: String,
}

/// `getSessions {offset?, limit?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct PageArg {
    pub offset: Option<usize>,
    pub limit: Option<usize>,
}

/// `{sessionId}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct SessionArg {
    pub session_id: String,
}

/// `getSessionById {sessionId, before?}`: `before` is the `omitted` of a previous
/// answer, to ask for the movements before those it had.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct SessionPageArg {
    pub session_id: String,
    pub before: Option<usize>,
}

/// `searchHistory {query, limit?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct SearchArg {
    pub query: String,
    pub limit: Option<usize>,
}

/// The kind of a request, without its data: what a frame's `type` names. Every
/// question about a kind (its wire name, who may send it) is an exhaustive `match`, so
/// a new request does not compile until each is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    Ping,
    ListDirectory,
    ReadFile,
    FindFiles,
    GetActiveTabs,
    CreateTab,
    RemoveTab,
    InitTab,
    Execute,
    Cancel,
    New,
    GetSessions,
    GetSessionById,
    DeleteSession,
    SearchHistory,
    AnswerApproval,
    TerminalCreate,
    TerminalList,
    TerminalAttach,
    TerminalDetach,
    TerminalAck,
    TerminalInput,
    TerminalResize,
    TerminalClose,
    SetTabSettings,
    CreateFile,
    CreateDirectory,
    Rename,
    Copy,
    Delete,
    RestoreTrash,
    ListTrash,
    WriteFile,
    Watch,
    Unwatch,
}

impl RequestKind {
    /// Every kind, for tests and listings.
    pub const ALL: [RequestKind; 35] = [
        RequestKind::Ping,
        RequestKind::ListDirectory,
        RequestKind::ReadFile,
        RequestKind::FindFiles,
        RequestKind::GetActiveTabs,
        RequestKind::CreateTab,
        RequestKind::RemoveTab,
        RequestKind::InitTab,
        RequestKind::Execute,
        RequestKind::Cancel,
        RequestKind::New,
        RequestKind::GetSessions,
        RequestKind::GetSessionById,
        RequestKind::DeleteSession,
        RequestKind::SearchHistory,
        RequestKind::AnswerApproval,
        RequestKind::TerminalCreate,
        RequestKind::TerminalList,
        RequestKind::TerminalAttach,
        RequestKind::TerminalDetach,
        RequestKind::TerminalAck,
        RequestKind::TerminalInput,
        RequestKind::TerminalResize,
        RequestKind::TerminalClose,
        RequestKind::SetTabSettings,
        RequestKind::CreateFile,
        RequestKind::CreateDirectory,
        RequestKind::Rename,
        RequestKind::Copy,
        RequestKind::Delete,
        RequestKind::RestoreTrash,
        RequestKind::ListTrash,
        RequestKind::WriteFile,
        RequestKind::Watch,
        RequestKind::Unwatch,
    ];

    /// The frame `type` that names this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Ping => "ping",
            RequestKind::ListDirectory => "listDirectory",
            RequestKind::ReadFile => "readFile",
            RequestKind::FindFiles => "findFiles",
            RequestKind::GetActiveTabs => "getActiveTabs",
            RequestKind::CreateTab => "createTab",
            RequestKind::RemoveTab => "removeTab",
            RequestKind::InitTab => "initTab",
            RequestKind::Execute => "execute",
            RequestKind::Cancel => "cancel",
            RequestKind::New => "new",
            RequestKind::GetSessions => "getSessions",
            RequestKind::GetSessionById => "getSessionById",
            RequestKind::DeleteSession => "deleteSession",
            RequestKind::SearchHistory => "searchHistory",
            RequestKind::AnswerApproval => "answerApproval",
            RequestKind::TerminalCreate => "terminalCreate",
            RequestKind::TerminalList => "terminalList",
            RequestKind::TerminalAttach => "terminalAttach",
            RequestKind::TerminalDetach => "terminalDetach",
            RequestKind::TerminalAck => "terminalAck",
            RequestKind::TerminalInput => "terminalInput",
            RequestKind::TerminalResize => "terminalResize",
            RequestKind::TerminalClose => "terminalClose",
            RequestKind::SetTabSettings => "setTabSettings",
            RequestKind::CreateFile => "createFile",
            RequestKind::CreateDirectory => "createDirectory",
            RequestKind::Rename => "rename",
            RequestKind::Copy => "copy",
            RequestKind::Delete => "delete",
            RequestKind::RestoreTrash => "restoreTrash",
            RequestKind::ListTrash => "listTrash",
            RequestKind::WriteFile => "writeFile",
            RequestKind::Watch => "watch",
            RequestKind::Unwatch => "unwatch",
        }
    }

    /// The kind a frame's `type` names; `None` for a type this machine does not know.
    pub fn from_type(kind: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// The least permission that may send it (MSTRO.md §4): `view` reads, and nothing
    /// that mutates, executes or controls a run.
    pub fn needs(self) -> Permission {
        match self {
            RequestKind::Ping
            | RequestKind::GetActiveTabs
            | RequestKind::InitTab
            | RequestKind::ListDirectory
            | RequestKind::ReadFile
            | RequestKind::FindFiles
            | RequestKind::GetSessions
            | RequestKind::GetSessionById
            | RequestKind::SearchHistory
            // Watching a terminal: viewers may, and must be able to pace what they get.
            | RequestKind::TerminalList
            | RequestKind::TerminalAttach
            | RequestKind::TerminalDetach
            | RequestKind::TerminalAck
            // Watching files change: a viewer's tree and open file stay current too.
            | RequestKind::Watch
            | RequestKind::Unwatch => Permission::View,
            RequestKind::CreateTab
            | RequestKind::RemoveTab
            | RequestKind::Execute
            | RequestKind::Cancel
            | RequestKind::New
            | RequestKind::DeleteSession
            | RequestKind::AnswerApproval
            | RequestKind::TerminalCreate
            | RequestKind::TerminalInput
            | RequestKind::TerminalResize
            | RequestKind::TerminalClose
            | RequestKind::SetTabSettings
            | RequestKind::CreateFile
            | RequestKind::CreateDirectory
            | RequestKind::Rename
            | RequestKind::Copy
            | RequestKind::Delete
            | RequestKind::RestoreTrash
            // The trash is there to restore from, which is the owner's.
            | RequestKind::ListTrash
            | RequestKind::WriteFile => Permission::Owner,
        }
    }
}

/// May a sender with `permission` send a request of `kind`? Deny by default
/// (MSTRO.md §4): a type the machine does not know (`None`) needs `owner`, who is then
/// told it is unknown; a frame without a permission (the relay always sets one) may do
/// nothing.
pub fn allows(permission: Option<Permission>, kind: Option<RequestKind>) -> bool {
    match permission {
        Some(Permission::Owner) => true,
        Some(Permission::View) => kind.is_some_and(|k| k.needs() == Permission::View),
        None => false,
    }
}

impl Request {
    /// Its kind.
    pub fn kind(&self) -> RequestKind {
        match self {
            Request::Ping {} => RequestKind::Ping,
            Request::ListDirectory(_) => RequestKind::ListDirectory,
            Request::ReadFile(_) => RequestKind::ReadFile,
            Request::FindFiles(_) => RequestKind::FindFiles,
            Request::GetActiveTabs {} => RequestKind::GetActiveTabs,
            Request::CreateTab(_) => RequestKind::CreateTab,
            Request::RemoveTab {} => RequestKind::RemoveTab,
            Request::InitTab(_) => RequestKind::InitTab,
            Request::Execute(_) => RequestKind::Execute,
            Request::Cancel {} => RequestKind::Cancel,
            Request::New {} => RequestKind::New,
            Request::GetSessions(_) => RequestKind::GetSessions,
            Request::GetSessionById(_) => RequestKind::GetSessionById,
            Request::DeleteSession(_) => RequestKind::DeleteSession,
            Request::SearchHistory(_) => RequestKind::SearchHistory,
            Request::AnswerApproval(_) => RequestKind::AnswerApproval,
            Request::TerminalCreate(_) => RequestKind::TerminalCreate,
            Request::TerminalList {} => RequestKind::TerminalList,
            Request::TerminalAttach(_) => RequestKind::TerminalAttach,
            Request::TerminalDetach(_) => RequestKind::TerminalDetach,
            Request::TerminalAck(_) => RequestKind::TerminalAck,
            Request::TerminalInput(_) => RequestKind::TerminalInput,
            Request::TerminalResize(_) => RequestKind::TerminalResize,
            Request::TerminalClose(_) => RequestKind::TerminalClose,
            Request::SetTabSettings(_) => RequestKind::SetTabSettings,
            Request::CreateFile(_) => RequestKind::CreateFile,
            Request::CreateDirectory(_) => RequestKind::CreateDirectory,
            Request::Rename(_) => RequestKind::Rename,
            Request::Copy(_) => RequestKind::Copy,
            Request::Delete(_) => RequestKind::Delete,
            Request::RestoreTrash(_) => RequestKind::RestoreTrash,
            Request::ListTrash {} => RequestKind::ListTrash,
            Request::WriteFile(_) => RequestKind::WriteFile,
            Request::Watch(_) => RequestKind::Watch,
            Request::Unwatch(_) => RequestKind::Unwatch,
        }
    }

    /// The request in a frame of `kind` with `data` (`null` data is `{}`).
    pub fn parse(kind: &str, data: &serde_json::Value) -> Result<Request, serde_json::Error> {
        let data = if data.is_null() {
            serde_json::json!({})
        } else {
            data.clone()
        };
        serde_json::from_value(serde_json::json!({ "type": kind, "data": data }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_pick_variants_and_data_must_fit() {
        assert_eq!(
            Request::parse("ping", &json!(null)).unwrap(),
            Request::Ping {}
        );
        assert_eq!(
            Request::parse("readFile", &json!({"path": "a/b"})).unwrap(),
            Request::ReadFile(PathArg { path: "a/b".into() })
        );
        assert!(Request::parse("readFile", &json!({"path": 5})).is_err());
        assert!(Request::parse("readFile", &json!("a")).is_err());
        assert!(Request::parse("nope", &json!({})).is_err());
        let needs_data = [
            "execute",
            "getSessionById",
            "deleteSession",
            "searchHistory",
            "answerApproval",
            "terminalCreate",
            "terminalAttach",
            "terminalDetach",
            "terminalAck",
            "terminalInput",
            "terminalResize",
            "terminalClose",
            "findFiles",
            "createFile",
            "createDirectory",
            "rename",
            "copy",
            "delete",
            "restoreTrash",
            "writeFile",
            "watch",
        ];
        for kind in RequestKind::ALL
            .iter()
            .map(|k| k.as_str())
            .filter(|k| !needs_data.contains(k))
        {
            let request = Request::parse(kind, &json!({})).expect(kind);
            assert_eq!(request.kind().as_str(), kind);
        }
        for kind in needs_data {
            assert!(Request::parse(kind, &json!({})).is_err(), "{kind}");
        }
        assert_eq!(
            Request::parse("execute", &json!({"prompt": "hi", "msgId": "a1"})).unwrap(),
            Request::Execute(ExecuteArg {
                prompt: "hi".into(),
                msg_id: "a1".into(),
                model: None,
                attachments: vec![],
            })
        );
        assert!(Request::parse("initTab", &json!({"lastSeenSeq": -1})).is_err());
    }

    #[test]
    fn every_kind_is_a_variant_and_back() {
        for kind in RequestKind::ALL {
            assert_eq!(RequestKind::from_type(kind.as_str()), Some(kind));
            // The enum and the kind agree on the wire name: serde accepts it (with or
            // without data, whichever it needs), and nothing else.
            let parsed = Request::parse(kind.as_str(), &json!({}));
            assert!(
                parsed.as_ref().map_or_else(
                    |e| !e.to_string().contains("unknown variant"),
                    |r| r.kind() == kind
                ),
                "{kind:?}: {parsed:?}"
            );
        }
        assert_eq!(RequestKind::from_type("Ping"), None);
        assert_eq!(RequestKind::from_type("somethingNew"), None);
    }

    #[test]
    fn file_requests_parse() {
        assert_eq!(
            Request::parse(
                "writeFile",
                &json!({"path": "a.txt", "content": "x", "baseHash": "ab"})
            )
            .unwrap(),
            Request::WriteFile(WriteFileArg {
                path: "a.txt".into(),
                content: "x".into(),
                base_hash: Some("ab".into()),
            })
        );
        assert!(Request::parse("writeFile", &json!({"path": "a.txt"})).is_err());
        assert_eq!(
            Request::parse("rename", &json!({"from": "a", "to": "b"})).unwrap(),
            Request::Rename(RenameArg {
                from: "a".into(),
                to: "b".into(),
                overwrite: None,
            })
        );
        assert_eq!(
            Request::parse("unwatch", &json!(null)).unwrap(),
            Request::Unwatch(UnwatchArg { paths: None })
        );
        assert_eq!(
            Request::parse("watch", &json!({"paths": ["", "src"]})).unwrap(),
            Request::Watch(WatchArg {
                paths: vec!["".into(), "src".into()],
            })
        );
        assert!(Request::parse("watch", &json!({"paths": "src"})).is_err());
        assert!(Request::parse("listTrash", &json!({"x": 1})).is_err());
    }

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
            "findFiles",
            "watch",
            "unwatch",
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
            "answerApproval",
            "setTabSettings",
            "writeFile",
            "createFile",
            "createDirectory",
            "rename",
            "copy",
            "delete",
            "restoreTrash",
            "listTrash",
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
