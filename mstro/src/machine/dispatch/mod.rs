//! Serving the browser's requests on the machine: permission first (deny by default,
//! [`request::allows`]), then the typed request ([`Request`], both in `mstro-protocol`),
//! then its handler. Every frame gets exactly one answer, a
//! reply or an `error`, addressed to the browser that sent it.

pub mod file_ops;
pub mod files;
pub mod find_files;
pub mod fuzzy;
pub mod terminal;

use std::sync::Arc;

use self::files::FileError;
use crate::files::Files;
use crate::session::attachments;
use crate::session::tabs::{Refusal, Tabs, ack_frame};
use crate::terminal::Terminals;
use mstro_fs::Workspace;
use mstro_protocol::reply::{
    Cancelled, Deleted, NewSession, Pong, Removed, SearchResults, SessionById,
};
use mstro_protocol::request::{self, Request, RequestKind};
use mstro_protocol::{Envelope, ErrorCode};

/// `getSessions`' page size, by default and at most.
const PAGE_DEFAULT: usize = 20;
const PAGE_MAX: usize = 100;

/// The largest reply sent: the relay takes machine frames up to
/// [`MAX_MACHINE_FRAME_BYTES`](mstro_protocol::MAX_MACHINE_FRAME_BYTES); leave room.
const MAX_REPLY_BYTES: usize = mstro_protocol::MAX_MACHINE_FRAME_BYTES - 64 * 1024;

/// The machine's request handlers.
pub struct Dispatcher {
    workspace: Arc<Workspace>,
    sessions: Tabs,
    terminals: Terminals,
    files: Files,
}

impl Dispatcher {
    pub fn new(
        workspace: Arc<Workspace>,
        sessions: Tabs,
        terminals: Terminals,
        files: Files,
    ) -> Dispatcher {
        Dispatcher {
            workspace,
            sessions,
            terminals,
            files,
        }
    }

    /// The answer to one frame from the relay, never larger than the relay accepts.
    /// Serialised once, here: the size check needs the text, and so does the relay.
    pub async fn handle(&self, frame: &Envelope) -> String {
        let reply = self.answer(frame).await.to_text();
        if reply.len() > MAX_REPLY_BYTES {
            return frame
                .error_reply(
                    ErrorCode::TooLarge,
                    "the answer is too large to send through the relay",
                )
                .to_text();
        }
        reply
    }

    /// The request in `frame`, if its sender may send it and it parses; else the
    /// error answer.
    fn admit(frame: &Envelope) -> Result<Request, Box<Envelope>> {
        let kind = RequestKind::from_type(&frame.kind);
        if !request::allows(frame.permission, kind) {
            return Err(Box::new(frame.error_reply(
                ErrorCode::Forbidden,
                format!("`{}` needs the owner's permission", frame.kind),
            )));
        }
        if kind.is_none() {
            return Err(Box::new(frame.error_reply(
                ErrorCode::UnknownType,
                format!("this machine does not know `{}`", frame.kind),
            )));
        }
        Request::parse(&frame.kind, &frame.data).map_err(|e| {
            Box::new(frame.error_reply(
                ErrorCode::Malformed,
                format!("bad `{}` data: {e}", frame.kind),
            ))
        })
    }

    async fn answer(&self, frame: &Envelope) -> Envelope {
        let request = match Self::admit(frame) {
            Ok(r) => r,
            Err(refused) => return *refused,
        };
        match request {
            Request::Ping {} => frame.reply_with(&Pong::REPLY),
            Request::ListDirectory(arg) => {
                let ws = self.workspace.clone();
                let result = blocking(move || files::list_directory(&ws, &arg.path)).await;
                answer(frame, result)
            }
            Request::ReadFile(arg) => {
                let ws = self.workspace.clone();
                let result = blocking(move || files::read_file(&ws, &arg.path)).await;
                answer(frame, result)
            }
            Request::FindFiles(arg) => {
                let ws = self.workspace.clone();
                let bounds = find_files::Bounds::default();
                let result =
                    blocking(move || find_files::find_files(&ws, &arg.query, arg.limit, bounds))
                        .await;
                match result {
                    Ok(found) => frame.reply_with(&found),
                    Err(e) => frame.error_reply(ErrorCode::Malformed, e.to_string()),
                }
            }
            Request::TerminalCreate(_)
            | Request::TerminalList {}
            | Request::TerminalAttach(_)
            | Request::TerminalDetach(_)
            | Request::TerminalAck(_)
            | Request::TerminalInput(_)
            | Request::TerminalResize(_)
            | Request::TerminalClose(_) => self.terminal_request(frame, request).await,
            Request::CreateFile(_)
            | Request::CreateDirectory(_)
            | Request::Rename(_)
            | Request::Copy(_)
            | Request::Delete(_)
            | Request::RestoreTrash(_)
            | Request::ListTrash {}
            | Request::WriteFile(_)
            | Request::Watch(_)
            | Request::Unwatch(_) => self.file_request(frame, request).await,
            tabs_or_sessions => match self.session_request(frame, tabs_or_sessions).await {
                Ok(reply) => reply,
                Err(refusal) => frame.error_reply(refusal.code, refusal.message),
            },
        }
    }

    /// Tabs and sessions (docs/sessions.md).
    async fn session_request(
        &self,
        frame: &Envelope,
        request: Request,
    ) -> Result<Envelope, Refusal> {
        let sessions = &self.sessions;
        let tab = || {
            frame.tab_id.clone().ok_or_else(|| Refusal {
                code: ErrorCode::Malformed,
                message: format!("`{}` needs a `tabId`", frame.kind),
            })
        };
        let reply = match request {
            Request::GetActiveTabs {} => frame.reply_with(&sessions.active_tabs()),
            Request::CreateTab(arg) => frame.reply_with(
                &sessions
                    .create_tab(arg.tab_id.or_else(|| frame.tab_id.clone()), arg.session_id)
                    .await?,
            ),
            Request::RemoveTab {} => {
                sessions.remove_tab(tab()?)?;
                frame.reply_with(&Removed { removed: true })
            }
            Request::InitTab(arg) => frame.reply_with(
                &sessions
                    .init_tab(
                        tab()?,
                        arg.epoch,
                        arg.last_seen_seq,
                        arg.session_id,
                        frame.permission,
                    )
                    .await?,
            ),
            Request::Execute(arg) => {
                let attachments =
                    attachments::check(arg.attachments).map_err(|message| Refusal {
                        code: ErrorCode::Malformed,
                        message: format!("{message}; nothing was run"),
                    })?;
                let ack =
                    sessions.execute(tab()?, arg.prompt, arg.msg_id, arg.model, attachments)?;
                ack_frame(frame, &ack)
            }
            Request::Cancel {} => frame.reply_with(&Cancelled {
                cancelled: sessions.cancel(tab()?)?,
            }),
            Request::New {} => {
                sessions.new_session(tab()?)?;
                frame.reply_with(&NewSession { session_id: None })
            }
            Request::GetSessions(arg) => {
                let history = sessions.history();
                let offset = arg.offset.unwrap_or(0);
                let limit = arg.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
                let page = blocking(move || history.list(offset, limit)).await?;
                frame.reply_with(&page)
            }
            Request::GetSessionById(arg) => {
                let (session, omitted) = sessions.session(arg.session_id, arg.before).await?;
                frame.reply_with(&SessionById { session, omitted })
            }
            Request::DeleteSession(arg) => frame.reply_with(&Deleted {
                deleted: sessions.delete_session(arg.session_id).await?,
            }),
            Request::SearchHistory(arg) => {
                let history = sessions.history();
                let limit = arg.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
                let results = blocking(move || history.search(&arg.query, limit)).await?;
                frame.reply_with(&SearchResults { results })
            }
            Request::AnswerApproval(arg) => frame.reply_with(
                &sessions
                    .answer_approval(tab()?, arg, frame.user.clone())
                    .await?,
            ),
            Request::SetTabSettings(arg) => {
                frame.reply_with(&sessions.set_tab_settings(tab()?, arg).await?)
            }
            Request::Ping {}
            | Request::ListDirectory(_)
            | Request::ReadFile(_)
            | Request::FindFiles(_)
            | Request::TerminalCreate(_)
            | Request::TerminalList {}
            | Request::TerminalAttach(_)
            | Request::TerminalDetach(_)
            | Request::TerminalAck(_)
            | Request::TerminalInput(_)
            | Request::TerminalResize(_)
            | Request::TerminalClose(_)
            | Request::CreateFile(_)
            | Request::CreateDirectory(_)
            | Request::Rename(_)
            | Request::Copy(_)
            | Request::Delete(_)
            | Request::RestoreTrash(_)
            | Request::ListTrash {}
            | Request::WriteFile(_)
            | Request::Watch(_)
            | Request::Unwatch(_) => {
                return Err(Refusal {
                    code: ErrorCode::Internal,
                    message: "not a tab or session request".into(),
                });
            }
        };
        Ok(reply)
    }
}

/// Run disk work on the blocking pool; a panic there stays a panic.
async fn blocking<T: Send + 'static, E: Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

fn answer<T: serde::Serialize>(frame: &Envelope, result: Result<T, FileError>) -> Envelope {
    match result {
        Ok(value) => frame.reply_with(&value),
        Err(e) => frame.error_reply(e.code(), e.to_string()),
    }
}
