//! A fake Anthropic Messages API on loopback, for the real Claude Code CLI (protocol
//! reference §4). A test scripts the replies; the fake records every request, so the
//! test can read what the CLI sent back (tool results carry the bouncer's reasons).
//!
//! The same fake serves mstro-bouncer's AI reviewer (protocol reference §5): requests
//! whose system prompt is the reviewer's go to a separate script, which can answer with
//! any text, any HTTP error, or slowly.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
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
    Slow(Duration, Box<Reply>),
    /// One assistant message with several content blocks, in order (`stop_reason:
    /// tool_use` if any block is a tool call, else `end_turn`).
    Blocks(Vec<Block>),
    /// Final text whose deltas arrive over a really streamed HTTP body: one
    /// `content_block_delta` per chunk, `every` apart (the first comes at once, so the
    /// body takes about `(chunks - 1) × every`). Nothing is buffered; a client that
    /// goes away stops the stream. A non-streaming request gets the joined text at once.
    Dribble {
        chunks: Vec<String>,
        every: Duration,
    },
}

/// One content block of a [`Reply::Blocks`] message.
#[derive(Debug, Clone)]
pub enum Block {
    /// A thinking block (`thinking_delta`, then a made-up `signature_delta`).
    Thinking(String),
    Text(String),
    /// A tool call; the fake mints its unique `toolu_` id.
    Tool {
        name: String,
        input: Value,
    },
}

impl Block {
    pub fn bash(command: &str) -> Block {
        Block::Tool {
            name: "Bash".into(),
            input: json!({ "command": command, "description": "run a command" }),
        }
    }

    /// Launch a general-purpose sub-agent with this prompt (see [`is_subagent`]).
    pub fn agent(description: &str, prompt: &str) -> Block {
        Block::Tool {
            name: AGENT_TOOL.into(),
            input: agent_input(description, prompt),
        }
    }
}

fn agent_input(description: &str, prompt: &str) -> Value {
    json!({ "description": description, "prompt": prompt, "subagent_type": "general-purpose" })
}

impl Reply {
    pub fn bash(command: &str) -> Reply {
        Reply::Tool {
            name: "Bash".into(),
            input: json!({ "command": command, "description": "run a command" }),
        }
    }

    /// Launch a general-purpose sub-agent with this prompt (see [`is_subagent`]).
    pub fn agent(description: &str, prompt: &str) -> Reply {
        Reply::Tool {
            name: AGENT_TOOL.into(),
            input: agent_input(description, prompt),
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
    /// Set when the fake stops, so a dribble in flight ends instead of holding up the
    /// shutdown (which waits for open responses).
    stopping: tokio::sync::watch::Sender<bool>,
}

/// Does this request come from mstro-bouncer's reviewer?
pub fn is_review(request: &Value) -> bool {
    request["system"]
        .as_str()
        .is_some_and(|s| s.starts_with("You are mstro-bouncer's security reviewer"))
}

/// The tool that launches a sub-agent, as the model calls it. Claude Code 2.1.197
/// offers it to the API as `Agent` but lists it as `Task` in stream-json's
/// `system/init.tools`; a call named `Task` works too.
pub const AGENT_TOOL: &str = "Agent";

/// Does this request come from a sub-agent rather than the main conversation?
///
/// What Claude Code 2.1.197 does with an `Agent` call in `-p` mode (seen live):
/// - Input: `{description, prompt, subagent_type?, model?, run_in_background?,
///   isolation?}`; `description` and `prompt` are required, `subagent_type` defaults to
///   `general-purpose` (others: `Explore`, which asks for `claude-haiku-4-5-…`, `Plan`,
///   `claude`, `statusline-setup`; an unknown type is an `is_error` tool result).
/// - The sub-agent's own requests go to the same endpoint, with its own, shorter
///   `tools` list and system prompt. The reliable marker is the billing block
///   `system[0]`, which ends `cc_is_subagent=true;` (the main one has no such field);
///   its first user message is the `<system-reminder>` context then the `prompt`
///   (so [`last_user_text`] is the prompt). Its metadata shares the main `session_id`.
/// - stream-json: `system/task_started` (`tool_use_id`, `description`, `prompt`,
///   `subagent_type`), a `user` line holding the prompt with `parent_tool_use_id` = the
///   Agent call's id, then for each sub-agent tool call an `assistant` line (tool_use
///   blocks only: its text and thinking blocks are not printed) and a `user`
///   tool_result line, both with that `parent_tool_use_id`, and `system/task_progress`;
///   then `system/task_updated` and `system/task_notification`, and the Agent call's
///   tool_result (`parent_tool_use_id: null`) whose content is the sub-agent's final
///   text, for most types followed by an `agentId: …` block (`tool_use_result.content`
///   has just the text).
///   No `stream_event` line is forwarded for the sub-agent.
/// - `--permission-prompt-tool`: the Agent call itself is allowed without asking it;
///   the sub-agent's own tool calls are asked about like any other, with their own
///   `tool_use_id` and nothing that names the parent.
pub fn is_subagent(request: &Value) -> bool {
    request["system"].as_array().is_some_and(|blocks| {
        blocks.iter().any(|b| {
            b["text"].as_str().is_some_and(|t| {
                t.starts_with("x-anthropic-billing-header:") && t.contains("cc_is_subagent=true")
            })
        })
    })
}

/// The last thing the person (or, for a sub-agent, its parent) said: the last text in
/// a user message that is not a `<system-reminder>` the CLI adds. Tool results are not
/// text, and neither are the `role: "system"` messages 2.1.197 puts in `messages`
/// (the list of agent types or skills); `""` if there is none.
pub fn last_user_text(request: &Value) -> String {
    let messages = request["messages"].as_array().into_iter().flatten().rev();
    for message in messages.filter(|m| m["role"] == "user") {
        let texts: Vec<&str> = match &message["content"] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(blocks) => blocks
                .iter()
                .filter(|b| b["type"] == "text")
                .filter_map(|b| b["text"].as_str())
                .collect(),
            _ => Vec::new(),
        };
        if let Some(text) = texts
            .into_iter()
            .rev()
            .find(|t| !t.trim_start().starts_with("<system-reminder>"))
        {
            return text.to_owned();
        }
    }
    String::new()
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
        FakeApi::with_reviewer_on(0, script, reviewer).expect("bind loopback")
    }

    /// [`FakeApi::with_reviewer`] on a chosen loopback port (`127.0.0.1:port`; `0`
    /// picks a free one), with an error rather than a panic when the port cannot be
    /// bound (it is taken, say). For the `fake-messages-api` binary; tests want `0`.
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

/// A streamed SSE body, in pieces: each piece goes out after its pause, so only a
/// dribble's later deltas wait; everything else is sent at once.
struct Sse {
    pieces: Vec<(Duration, String)>,
}

impl Default for Sse {
    fn default() -> Sse {
        Sse {
            pieces: vec![(Duration::ZERO, String::new())],
        }
    }
}

impl Sse {
    fn event(&mut self, name: &str, data: Value) {
        let piece = self.pieces.last_mut().expect("never empty");
        piece
            .1
            .push_str(&format!("event: {name}\ndata: {data}\n\n"));
    }

    fn pause(&mut self, pause: Duration) {
        self.pieces.push((pause, String::new()));
    }

    fn start(&mut self, index: usize, block: Value) {
        self.event(
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": block}),
        );
    }

    fn delta(&mut self, index: usize, delta: Value) {
        self.event(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index, "delta": delta}),
        );
    }

    fn stop(&mut self, index: usize) {
        self.event(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        );
    }

    /// A body that sends each piece after its pause. It ends when the client goes
    /// (hyper drops it) or, cut short, when the fake stops.
    fn into_body(self, stopping: tokio::sync::watch::Receiver<bool>) -> Body {
        let state = (self.pieces.into_iter(), stopping);
        let pieces = futures_util::stream::unfold(state, |(mut rest, mut stopping)| async move {
            let (pause, text) = rest.next()?;
            if !pause.is_zero() {
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    _ = stopping.wait_for(|stop| *stop) => return None,
                }
            }
            Some((Ok::<_, Infallible>(Bytes::from(text)), (rest, stopping)))
        });
        Body::from_stream(pieces)
    }
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
