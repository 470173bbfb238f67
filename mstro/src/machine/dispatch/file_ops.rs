//! The requests that change files and watch them (docs/files.md), answered by
//! [`crate::files::Files`] on the blocking pool. A `conflict` answering `writeFile`
//! carries the file's current hash beside the code and message
//! ([`ConflictData`]).

use super::{Dispatcher, blocking};
use crate::files::FileOpError;
use mstro_protocol::Envelope;
use mstro_protocol::files::ConflictData;
use mstro_protocol::request::Request;

impl Dispatcher {
    /// One of the file requests.
    pub(super) async fn file_request(&self, frame: &Envelope, request: Request) -> Envelope {
        let files = self.files.clone();
        let browser = frame.from.clone().unwrap_or_default();
        match request {
            Request::CreateFile(arg) => reply(
                frame,
                blocking(move || {
                    files.create_file(&arg.path, arg.content.as_deref().unwrap_or(""))
                })
                .await,
            ),
            Request::CreateDirectory(arg) => reply(
                frame,
                blocking(move || files.create_directory(&arg.path)).await,
            ),
            Request::WriteFile(arg) => reply(
                frame,
                blocking(move || {
                    files.write_file(&arg.path, &arg.content, arg.base_hash.as_deref())
                })
                .await,
            ),
            Request::Rename(arg) => reply(
                frame,
                blocking(move || files.rename(&arg.from, &arg.to, arg.overwrite.unwrap_or(false)))
                    .await,
            ),
            Request::Copy(arg) => reply(
                frame,
                blocking(move || files.copy(&arg.from, &arg.to)).await,
            ),
            Request::Delete(arg) => reply(frame, blocking(move || files.delete(&arg.path)).await),
            Request::RestoreTrash(arg) => {
                reply(frame, blocking(move || files.restore(&arg.id)).await)
            }
            Request::ListTrash {} => reply(frame, blocking(move || files.list_trash()).await),
            Request::Watch(arg) => reply(
                frame,
                blocking(move || files.watch(&browser, &arg.paths)).await,
            ),
            Request::Unwatch(arg) => {
                let watching = blocking(move || {
                    Ok::<_, FileOpError>(files.unwatch(&browser, arg.paths.as_deref()))
                })
                .await;
                reply(frame, watching)
            }
            other => frame.error_reply(
                mstro_protocol::ErrorCode::Internal,
                format!("`{}` is not a file request", other.kind().as_str()),
            ),
        }
    }
}

fn reply<T: serde::Serialize>(frame: &Envelope, result: Result<T, FileOpError>) -> Envelope {
    match result {
        Ok(value) => frame.reply_with(&value),
        Err(FileOpError::Conflict { path, current_hash }) => {
            let message = FileOpError::Conflict {
                path,
                current_hash: None,
            }
            .to_string();
            let data = ConflictData {
                code: mstro_protocol::ErrorCode::Conflict,
                message,
                current_hash,
            };
            Envelope {
                kind: "error".to_owned(),
                ..frame.reply_with(&data)
            }
        }
        Err(e) => frame.error_reply(e.code(), e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_conflict_is_an_error_frame_with_the_current_hash() {
        let mut frame = Envelope::new("writeFile", json!({}));
        frame.id = Some(json!(7));
        frame.from = Some("b1".into());
        let answer = reply::<()>(
            &frame,
            Err(FileOpError::Conflict {
                path: "a.md".into(),
                current_hash: Some("ab".repeat(32)),
            }),
        );
        let value: serde_json::Value = serde_json::from_str(&answer.to_text()).unwrap();
        assert_eq!(value["type"], "error");
        assert_eq!(value["id"], 7);
        assert_eq!(value["data"]["code"], "conflict");
        assert_eq!(value["data"]["currentHash"], "ab".repeat(32));
        assert!(
            value["data"]["message"]
                .as_str()
                .unwrap()
                .starts_with("a.md changed")
        );
        assert_eq!(answer.to.as_deref(), Some("b1"));
        let gone = reply::<()>(
            &frame,
            Err(FileOpError::Conflict {
                path: "a.md".into(),
                current_hash: None,
            }),
        );
        assert_eq!(gone.data["currentHash"], serde_json::Value::Null);
        let other = reply::<()>(&frame, Err(FileOpError::NotFound("x".into())));
        assert_eq!(
            other.data,
            json!({"code": "not_found", "message": "nothing is at x"})
        );
    }
}
