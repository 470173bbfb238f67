//! The requests the machine serves, as one serde-tagged enum: a frame's `type` picks
//! the variant and its `data` must fit it.

use serde::Deserialize;

/// A request from a browser.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
}

/// `{path}`: relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PathArg {
    #[serde(default)]
    pub path: String,
}

/// `createTab {tabId?, sessionId?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTabArg {
    pub tab_id: Option<String>,
    pub session_id: Option<String>,
}

/// `initTab {epoch?, lastSeenSeq?, sessionId?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitTabArg {
    pub epoch: Option<String>,
    pub last_seen_seq: Option<u64>,
    pub session_id: Option<String>,
}

/// `execute {prompt, msgId, model?, attachments?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecuteArg {
    pub prompt: String,
    pub msg_id: String,
    pub model: Option<String>,
    /// Files attached to the prompt ([`crate::session::attachments`]).
    #[serde(default)]
    pub attachments: Vec<crate::session::attachments::AttachmentArg>,
}

/// `getSessions {offset?, limit?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageArg {
    pub offset: Option<usize>,
    pub limit: Option<usize>,
}

/// `{sessionId}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionArg {
    pub session_id: String,
}

/// `getSessionById {sessionId, before?}`: `before` is the `omitted` of a previous
/// answer, to ask for the movements before those it had.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionPageArg {
    pub session_id: String,
    pub before: Option<usize>,
}

/// `searchHistory {query, limit?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchArg {
    pub query: String,
    pub limit: Option<usize>,
}

/// Every `type` the machine knows (any other is `unknown_type`).
pub const KNOWN: &[&str] = &[
    "ping",
    "listDirectory",
    "readFile",
    "getActiveTabs",
    "createTab",
    "removeTab",
    "initTab",
    "execute",
    "cancel",
    "new",
    "getSessions",
    "getSessionById",
    "deleteSession",
    "searchHistory",
];

impl Request {
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
        ];
        for kind in KNOWN.iter().filter(|k| !needs_data.contains(k)) {
            assert!(Request::parse(kind, &json!({})).is_ok(), "{kind}");
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
}
