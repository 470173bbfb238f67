//! The server: `POST /v1/messages` on loopback, answered by a script, streamed as
//! server-sent events the way the hosted API streams them (protocol reference §4).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use serde_json::{Value, json};

use crate::request::is_review;
use crate::sse::Sse;
use crate::{Block, Reply};

type Script = dyn Fn(&Value) -> Reply + Send + Sync;

struct Shared {
    requests: Mutex<Vec<Value>>,
    reviews: Mutex<Vec<Value>>,
    script: Box<Script>,
    reviewer: Box<Script>,
    ids: AtomicU64,
    /// Set when the fake stops, so a dribble in flight ends instead of holding up the
    /// shutdown (which waits for open responses).
    stopping: tokio::sync::watch::Sender<bool>,
}

/// A running fake API; stops when dropped.
pub struct FakeApi {
    url: String,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeApi {
    /// Start on a free loopback port. `script` sees each conversation request (those
    /// that offer tools) and picks the reply; side requests get a short text.
    pub fn start(script: impl Fn(&Value) -> Reply + Send + Sync + 'static) -> FakeApi {
        FakeApi::with_reviewer(script, |_| Reply::Error {
            status: 500,
            kind: "api_error".into(),
            message: "no reviewer scripted".into(),
        })
    }

    /// Start with a conversation script and a reviewer script.
    pub fn with_reviewer(
        script: impl Fn(&Value) -> Reply + Send + Sync + 'static,
        reviewer: impl Fn(&Value) -> Reply + Send + Sync + 'static,
    ) -> FakeApi {
        FakeApi::with_reviewer_on(0, script, reviewer).expect("bind loopback")
    }

    /// [`FakeApi::with_reviewer`] on a chosen loopback port (`127.0.0.1:port`; `0`
    /// picks a free one), with an error rather than a panic when the port cannot be
    /// bound (it is taken, say). For `mstro up --demo`; tests want `0`.
    pub fn with_reviewer_on(
        port: u16,
        script: impl Fn(&Value) -> Reply + Send + Sync + 'static,
        reviewer: impl Fn(&Value) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<FakeApi> {
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            reviews: Mutex::new(Vec::new()),
            script: Box::new(script),
            reviewer: Box::new(reviewer),
            ids: AtomicU64::new(1),
            stopping: tokio::sync::watch::Sender::new(false),
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<std::io::Result<SocketAddr>>();
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(listener) => listener,
                    Err(e) => {
                        let _ = addr_tx.send(Err(e));
                        return;
                    }
                };
                addr_tx
                    .send(Ok(listener.local_addr().expect("bound address")))
                    .expect("the test waits for the address");
                let app = Router::new()
                    .route("/v1/messages", post(messages))
                    .fallback(any(other))
                    .with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop.await;
                    })
                    .await
                    .expect("the fake API serves");
            });
        });
        let addr = match addr_rx.recv().expect("the fake API starts") {
            Ok(addr) => addr,
            Err(e) => {
                let _ = thread.join();
                return Err(e);
            }
        };
        Ok(FakeApi {
            url: format!("http://{addr}"),
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every reviewer request received so far, in order (not in `requests`).
    pub fn reviews(&self) -> Vec<Value> {
        self.shared
            .reviews
            .lock()
            .expect("no test panicked holding the lock")
            .clone()
    }

    /// Every `POST /v1/messages` body received so far, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.shared
            .requests
            .lock()
            .expect("no test panicked holding the lock")
            .clone()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.shared.stopping.send_replace(true);
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn other(headers: HeaderMap) -> Response {
    // The CLI preconnects with `HEAD /`; anything else is not part of the fake.
    let _ = headers;
    (
        StatusCode::NOT_FOUND,
        axum::Json(
            json!({"type": "error", "error": {"type": "not_found_error", "message": "not faked"}}),
        ),
    )
        .into_response()
}

async fn messages(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error(400, "invalid_request_error", &format!("bad JSON: {e}")),
    };
    let mut reply = if is_review(&request) {
        shared.reviews.lock().expect("lock").push(request.clone());
        (shared.reviewer)(&request)
    } else {
        shared.requests.lock().expect("lock").push(request.clone());
        let conversation = request["tools"].as_array().is_some_and(|t| !t.is_empty());
        if conversation {
            (shared.script)(&request)
        } else {
            Reply::Text("ok".into())
        }
    };
    while let Reply::Slow(delay, then) = reply {
        tokio::time::sleep(delay).await;
        reply = *then;
    }
    let n = shared.ids.fetch_add(1, Ordering::Relaxed);
    let model = request["model"]
        .as_str()
        .unwrap_or("claude-opus-4-8")
        .to_owned();
    let message_id = format!("msg_fake{n:020}");
    let streaming = request["stream"] == true;
    // The blocks to send, and for a dribble the pause between its text deltas.
    let (blocks, dribble) = match reply {
        Reply::Error {
            status,
            kind,
            message,
        } => return error(status, &kind, &message),
        Reply::Raw { status, body } => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (code, axum::Json(body)).into_response();
        }
        Reply::Slow(..) => unreachable!("unwrapped above"),
        Reply::Text(text) => (vec![Block::Text(text)], None),
        Reply::Tool { name, input } => (vec![Block::Tool { name, input }], None),
        Reply::Blocks(blocks) => (blocks, None),
        Reply::Dribble { chunks, every } if streaming => (Vec::new(), Some((chunks, every))),
        Reply::Dribble { chunks, .. } => (vec![Block::Text(chunks.concat())], None),
    };
    let content: Vec<Value> = blocks
        .into_iter()
        .map(|block| match block {
            Block::Thinking(thinking) => {
                json!({"type": "thinking", "thinking": thinking, "signature": FAKE_SIGNATURE})
            }
            Block::Text(text) => json!({"type": "text", "text": text}),
            Block::Tool { name, input } => {
                let id = shared.ids.fetch_add(1, Ordering::Relaxed);
                json!({"type": "tool_use", "id": format!("toolu_fake{id:020}"), "name": name, "input": input})
            }
        })
        .collect();
    let stop_reason = if content.iter().any(|b| b["type"] == "tool_use") {
        "tool_use"
    } else {
        "end_turn"
    };
    let usage = json!({"input_tokens": 120, "output_tokens": 25, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0});
    if !streaming {
        let message = json!({"id": message_id, "type": "message", "role": "assistant", "model": model, "content": content, "stop_reason": stop_reason, "stop_sequence": null, "usage": usage});
        return axum::Json(message).into_response();
    }

    let mut sse = Sse::default();
    sse.event(
        "message_start",
        json!({"type": "message_start", "message": {"id": message_id, "type": "message", "role": "assistant", "model": model, "content": [], "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 120, "output_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}),
    );
    for (index, block) in content.iter().enumerate() {
        match block["type"].as_str() {
            Some("tool_use") => {
                sse.start(
                    index,
                    json!({"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}),
                );
                sse.delta(
                    index,
                    json!({"type": "input_json_delta", "partial_json": block["input"].to_string()}),
                );
            }
            Some("thinking") => {
                sse.start(
                    index,
                    json!({"type": "thinking", "thinking": "", "signature": ""}),
                );
                sse.delta(
                    index,
                    json!({"type": "thinking_delta", "thinking": block["thinking"]}),
                );
                sse.delta(
                    index,
                    json!({"type": "signature_delta", "signature": FAKE_SIGNATURE}),
                );
            }
            _ => {
                sse.start(index, json!({"type": "text", "text": ""}));
                sse.delta(index, json!({"type": "text_delta", "text": block["text"]}));
            }
        }
        sse.stop(index);
    }
    if let Some((chunks, every)) = dribble {
        let index = content.len();
        sse.start(index, json!({"type": "text", "text": ""}));
        for (i, chunk) in chunks.iter().enumerate() {
            if i > 0 {
                sse.pause(every);
            }
            sse.delta(index, json!({"type": "text_delta", "text": chunk}));
        }
        sse.stop(index);
    }
    sse.event(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null}, "usage": {"output_tokens": 25}}),
    );
    sse.event("message_stop", json!({"type": "message_stop"}));
    let mut response = sse.into_body(shared.stopping.subscribe()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(
        "request-id",
        HeaderValue::from_str(&format!("req_fake_{n}")).expect("ASCII"),
    );
    response
}

/// The made-up thinking signature; the CLI echoes it back and never checks it.
const FAKE_SIGNATURE: &str = "fakesig==";

fn error(status: u16, kind: &str, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        code,
        axum::Json(json!({"type": "error", "error": {"type": kind, "message": message}})),
    )
        .into_response()
}
