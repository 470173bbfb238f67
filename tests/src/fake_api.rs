//! A fake Anthropic Messages API on loopback, for the real Claude Code CLI (protocol
//! reference §4). A test scripts the replies; the fake records every request, so the
//! test can read what the CLI sent back (tool results carry the bouncer's reasons).
//!
//! The same fake serves mstro-bouncer's AI reviewer (protocol reference §5): requests
//! whose system prompt is the reviewer's go to a separate script, which can answer with
//! any text, any HTTP error, or slowly.

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

/// What the fake answers to one request of the conversation.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Final text (`stop_reason: end_turn`).
    Text(String),
    /// One tool call (`stop_reason: tool_use`).
    Tool { name: String, input: Value },
    /// An API error with this HTTP status and error type.
    Error {
        status: u16,
        kind: String,
        message: String,
    },
    /// Any HTTP status and JSON body, as is.
    Raw { status: u16, body: Value },
    /// Wait, then reply.
    Slow(std::time::Duration, Box<Reply>),
}

impl Reply {
    pub fn bash(command: &str) -> Reply {
        Reply::Tool {
            name: "Bash".into(),
            input: json!({ "command": command, "description": "run a command" }),
        }
    }
}

type Script = dyn Fn(&Value) -> Reply + Send + Sync;

struct Shared {
    requests: Mutex<Vec<Value>>,
    reviews: Mutex<Vec<Value>>,
    script: Box<Script>,
    reviewer: Box<Script>,
    ids: AtomicU64,
}

/// Does this request come from mstro-bouncer's reviewer?
pub fn is_review(request: &Value) -> bool {
    request["system"]
        .as_str()
        .is_some_and(|s| s.starts_with("You are mstro-bouncer's security reviewer"))
}

/// The reviewer's answer as the Messages API returns it: one text block.
pub fn review_text(text: &str) -> Reply {
    Reply::Raw {
        status: 200,
        body: json!({"id": "msg_review", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": 50, "output_tokens": 20}}),
    }
}

/// A well-formed reviewer decision.
pub fn review(decision: &str, confidence: u8) -> Reply {
    review_text(
        &json!({"decision": decision, "confidence": confidence, "reasoning": format!("scripted {decision}"), "threat_level": "medium"})
            .to_string(),
    )
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
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            reviews: Mutex::new(Vec::new()),
            script: Box::new(script),
            reviewer: Box::new(reviewer),
            ids: AtomicU64::new(1),
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind loopback");
                addr_tx
                    .send(listener.local_addr().expect("bound address"))
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
        let addr = addr_rx.recv().expect("the fake API starts");
        FakeApi {
            url: format!("http://{addr}"),
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
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
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The `tool_result` blocks in a request's messages, in order.
pub fn tool_results(request: &Value) -> Vec<&Value> {
    request["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_array())
        .flatten()
        .filter(|b| b["type"] == "tool_result")
        .collect()
}

/// A tool result's content as text (it is a string or a list of text blocks).
pub fn result_text(block: &Value) -> String {
    match &block["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
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
    let (block, stop_reason) = match reply {
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
        Reply::Text(text) => (json!({"type": "text", "text": text}), "end_turn"),
        Reply::Tool { name, input } => (
            json!({"type": "tool_use", "id": format!("toolu_fake{n:020}"), "name": name, "input": input}),
            "tool_use",
        ),
    };
    let usage = json!({"input_tokens": 120, "output_tokens": 25, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0});
    if request["stream"] != true {
        let message = json!({"id": message_id, "type": "message", "role": "assistant", "model": model, "content": [block], "stop_reason": stop_reason, "stop_sequence": null, "usage": usage});
        return axum::Json(message).into_response();
    }
    let mut sse = String::new();
    let mut event =
        |name: &str, data: Value| sse.push_str(&format!("event: {name}\ndata: {data}\n\n"));
    event(
        "message_start",
        json!({"type": "message_start", "message": {"id": message_id, "type": "message", "role": "assistant", "model": model, "content": [], "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 120, "output_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}),
    );
    match block["type"].as_str() {
        Some("tool_use") => {
            let start =
                json!({"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}});
            event(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0, "content_block": start}),
            );
            let partial = block["input"].to_string();
            event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": partial}}),
            );
        }
        _ => {
            event(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            );
            event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": block["text"]}}),
            );
        }
    }
    event(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    );
    event(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null}, "usage": {"output_tokens": 25}}),
    );
    event("message_stop", json!({"type": "message_stop"}));
    let mut response = sse.into_response();
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

fn error(status: u16, kind: &str, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        code,
        axum::Json(json!({"type": "error", "error": {"type": kind, "message": message}})),
    )
        .into_response()
}
