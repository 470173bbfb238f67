//! Reading a `POST /v1/messages` body: who sent it (the conversation, a sub-agent,
//! mstro-bouncer's reviewer) and what it says.

use serde_json::{Value, json};

use crate::Reply;

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
