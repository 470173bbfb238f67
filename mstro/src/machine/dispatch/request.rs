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
    GetActiveTabs {},
    ListDirectory(PathArg),
    ReadFile(PathArg),
}

/// `{path}`: relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PathArg {
    #[serde(default)]
    pub path: String,
}

/// Every `type` the machine knows (any other is `unknown_type`).
pub const KNOWN: &[&str] = &["ping", "getActiveTabs", "listDirectory", "readFile"];

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
        for kind in KNOWN {
            assert!(Request::parse(kind, &json!({})).is_ok(), "{kind}");
        }
    }
}
