//! What the fake answers: a [`Reply`] per request, made of [`Block`]s.

use std::time::Duration;

use serde_json::{Value, json};

use crate::request::AGENT_TOOL;

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
