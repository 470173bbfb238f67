//! The demo's model (`mstro up --demo`): a deterministic script that shows what a
//! session looks like without access to the hosted API.
//!
//! - mstro-bouncer's AI reviewer: always a deny (confidence 90) whose reason says it is
//!   the demo reviewer. A fake must never approve anything. (`mstro up --demo` asks the
//!   person first, so the reviewer is only reached when they chose otherwise.)
//! - a conversation turn whose last user message is a tool result: final text quoting
//!   what the tool returned (cut to about 400 characters), or that it was refused or
//!   failed, quoting the reason the result gives;
//! - a prompt with a line starting with `$ `: "I'll run it." and a Bash call of the rest
//!   of that line (`$ ls` is allowed, `$ rm -rf ~` is denied by the bouncer);
//! - any other prompt: a Markdown answer, streamed in small pieces, that echoes the
//!   prompt, shows a fenced code block and explains the `$ ` trick;
//! - Claude Code's side requests (a title, a quota check: no tools offered) and
//!   sub-agents: a short text, never a tool call.

use std::time::Duration;

use serde_json::{Value, json};

use crate::request::{
    is_review, is_subagent, last_user_text, result_text, review_text, tool_results,
};
use crate::{Block, FakeApi, Reply};

/// The key Claude Code is given; the fake ignores it, but the CLI wants one.
pub const KEY: &str = "sk-ant-fake-key-for-the-local-demo";

/// Start the demo model on a free loopback port.
pub fn start() -> std::io::Result<FakeApi> {
    FakeApi::with_reviewer_on(0, answer, answer)
}

/// What Claude Code's environment needs to talk to the demo model at `url`, and to
/// nothing else: it has no access to reach Anthropic for telemetry, error reports or
/// updates.
pub fn claude_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ANTHROPIC_BASE_URL", url.to_owned()),
        ("ANTHROPIC_API_KEY", KEY.to_owned()),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".to_owned()),
        ("DISABLE_AUTOUPDATER", "1".to_owned()),
        ("DISABLE_TELEMETRY", "1".to_owned()),
    ]
}

/// The reviewer's reason, shown in the session as the bouncer's decision.
const REVIEWER_REASON: &str = "This is mstro's demo reviewer (a local fake Messages API): it never approves anything, so every call sent for review is denied.";

/// The answer to requests that are not the conversation.
const SIDE_REPLY: &str = "ok";

/// How much of a prompt or tool result is quoted back.
const QUOTE_CHARS: usize = 400;

/// The scripted answer to one `POST /v1/messages` body.
pub fn answer(request: &Value) -> Reply {
    if is_review(request) {
        let decision = json!({"decision": "deny", "confidence": 90, "reasoning": REVIEWER_REASON, "threat_level": "medium"});
        return review_text(&decision.to_string());
    }
    // Only the main conversation offers tools; anything else (a title, a quota check)
    // or a sub-agent (the script never launches one) gets a harmless text.
    let offers_tools = request["tools"].as_array().is_some_and(|t| !t.is_empty());
    if !offers_tools || is_subagent(request) {
        return Reply::Text(SIDE_REPLY.into());
    }
    if last_user_message_is_tool_result(request)
        && let Some(result) = tool_results(request).last()
    {
        return Reply::Text(quote_result(result));
    }
    let prompt = last_user_text(request);
    if let Some(command) = dollar_command(&prompt) {
        return Reply::Blocks(vec![
            Block::Text("I'll run it.".into()),
            Block::bash(command),
        ]);
    }
    Reply::Dribble {
        chunks: chunks(&markdown_answer(&prompt)),
        every: Duration::from_millis(80),
    }
}

/// Does the last user message (the `role: "system"` ones 2.1.197 adds aside) carry a
/// tool result? Claude Code may add `<system-reminder>` text beside it.
fn last_user_message_is_tool_result(request: &Value) -> bool {
    request["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_array())
        .is_some_and(|blocks| blocks.iter().any(|b| b["type"] == "tool_result"))
}

fn quote_result(result: &Value) -> String {
    let text = result_text(result);
    let text = text.trim();
    if result["is_error"] == true {
        let reason = if text.is_empty() {
            "(no reason given)"
        } else {
            text
        };
        return format!(
            "That did not go through: it was refused or it failed. The result says:\n\n{}",
            blockquote(&cut(reason, QUOTE_CHARS))
        );
    }
    if text.is_empty() {
        return "It ran, and printed nothing.".into();
    }
    format!(
        "It ran. It returned:\n\n{}",
        fenced("text", &cut(text, QUOTE_CHARS))
    )
}

/// The command of the first line that starts with `$ `, if it names one.
fn dollar_command(prompt: &str) -> Option<&str> {
    prompt
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("$ "))
        .map(str::trim)
        .find(|command| !command.is_empty())
}

fn markdown_answer(prompt: &str) -> String {
    let prompt = prompt.trim();
    let echoed = if prompt.is_empty() {
        "> (nothing)".to_owned()
    } else {
        blockquote(&cut(prompt, QUOTE_CHARS))
    };
    format!(
        "You said:\n\n{echoed}\n\n\
         I am **mstro's demo model**, a local fake of the Anthropic Messages API: I do not \
         think, I follow a script. This answer streams in small pieces so you can watch it \
         arrive, and here is some code to highlight:\n\n\
         {code}\n\n\
         To see the bouncer decide, send a line that starts with `$ ` and a command; I will \
         ask to run it with Bash:\n\n\
         - `$ ls` is allowed, and I quote what it printed\n\
         - `$ rm -rf ~` is denied by a rule before it runs\n\
         - `$ curl -fsSL https://example.com/install.sh | sh` needs a review: it waits \
         for you to approve or deny it\n",
        code = fenced(
            "rust",
            "fn main() {\n    let verdict = \"allow\";\n    println!(\"the bouncer says {verdict}\");\n}"
        ),
    )
}

/// `text` in pieces of a few words (at least 24 bytes, except the last), for a dribble.
fn chunks(text: &str) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current = String::new();
    for piece in text.split_inclusive(char::is_whitespace) {
        current.push_str(piece);
        if current.len() >= 24 {
            chunks.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// At most `max` characters of `text`, with `…` when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

fn blockquote(text: &str) -> String {
    text.lines()
        .map(|line| format!("> {line}").trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A fenced code block whose fence is longer than any run of backticks in `text`.
fn fenced(lang: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{text}\n{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOOLS: &str = r#"[{"name": "Bash", "input_schema": {"type": "object"}}]"#;

    fn conversation(messages: Value) -> Value {
        let tools: Value = serde_json::from_str(TOOLS).unwrap();
        json!({"model": "claude-opus-4-8", "system": [{"type": "text", "text": "You are Claude Code."}],
            "tools": tools, "messages": messages, "stream": true})
    }

    fn user(text: &str) -> Value {
        json!({"role": "user", "content": [
            {"type": "text", "text": "<system-reminder>context</system-reminder>"},
            {"type": "text", "text": text}]})
    }

    fn calls(reply: &Reply) -> Vec<String> {
        match reply {
            Reply::Tool { name, input } => vec![format!("{name}: {}", input["command"])],
            Reply::Blocks(blocks) => blocks
                .iter()
                .filter_map(|b| match b {
                    Block::Tool { name, input } => {
                        Some(format!("{name}: {}", input["command"].as_str().unwrap()))
                    }
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn text(reply: &Reply) -> String {
        match reply {
            Reply::Text(t) => t.clone(),
            Reply::Dribble { chunks, .. } => chunks.concat(),
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn a_dollar_line_becomes_a_bash_call() {
        let reply = answer(&conversation(json!([user("please\n$ ls -la  \nthanks")])));
        assert_eq!(calls(&reply), ["Bash: ls -la"]);
        let Reply::Blocks(blocks) = &reply else {
            panic!("{reply:?}")
        };
        assert!(matches!(&blocks[0], Block::Text(t) if t == "I'll run it."));
        // Not at the start of a line, or with nothing after it: no call.
        for prompt in ["it costs $ 5", "$ ", "$ls"] {
            assert!(calls(&answer(&conversation(json!([user(prompt)])))).is_empty());
        }
    }

    #[test]
    fn a_tool_result_is_quoted() {
        let request = conversation(json!([
            user("$ echo hi"),
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "echo hi"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "hi", "is_error": false},
                {"type": "text", "text": "<system-reminder>later</system-reminder>"}]}
        ]));
        let reply = answer(&request);
        assert!(calls(&reply).is_empty(), "{reply:?}");
        let said = text(&reply);
        assert!(said.contains("```text\nhi\n```"), "{said}");

        // A long result is cut.
        let long = "x".repeat(2000);
        let mut request = request;
        request["messages"][2]["content"][0]["content"] = json!([{"type": "text", "text": long}]);
        let said = text(&answer(&request));
        assert!(said.contains(&format!("{}…", "x".repeat(400))), "{said}");
        assert!(!said.contains(&"x".repeat(401)));
    }

    #[test]
    fn a_refusal_is_quoted_with_its_reason() {
        let request = conversation(json!([
            user("$ rm -rf ~"),
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "rm -rf ~"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "is_error": true,
                "content": "mstro-bouncer denied this: deleting a home directory"}]}
        ]));
        let reply = answer(&request);
        assert!(calls(&reply).is_empty());
        let said = text(&reply);
        assert!(said.contains("refused"), "{said}");
        assert!(
            said.contains("> mstro-bouncer denied this: deleting a home directory"),
            "{said}"
        );
    }

    #[test]
    fn a_later_prompt_is_answered_not_the_old_tool_result() {
        let request = conversation(json!([
            user("$ ls"),
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a\nb"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "It ran."}]},
            user("$ pwd")
        ]));
        assert_eq!(calls(&answer(&request)), ["Bash: pwd"]);
    }

    #[test]
    fn any_other_prompt_streams_markdown_that_echoes_it() {
        let reply = answer(&conversation(json!([user("What is **this**?")])));
        let Reply::Dribble { chunks, every } = &reply else {
            panic!("{reply:?}")
        };
        assert!(chunks.len() > 5, "{chunks:?}");
        assert_eq!(*every, Duration::from_millis(80));
        let said = chunks.concat();
        assert!(said.contains("> What is **this**?"), "{said}");
        assert!(said.contains("```rust\n"), "{said}");
        assert!(said.contains("`$ ls`"), "{said}");
    }

    #[test]
    fn the_reviewer_always_denies() {
        let request = json!({"system": "You are mstro-bouncer's security reviewer. ...",
            "messages": [{"role": "user", "content": "allow this please: ls"}]});
        let Reply::Raw { status, body } = answer(&request) else {
            panic!("not a raw reply")
        };
        assert_eq!(status, 200);
        let decision: Value =
            serde_json::from_str(body["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(decision["decision"], "deny");
        assert_eq!(decision["confidence"], 90);
        assert!(
            decision["reasoning"]
                .as_str()
                .unwrap()
                .contains("never approves")
        );
    }

    #[test]
    fn side_requests_and_sub_agents_never_get_a_tool_call() {
        // A title or quota request: no tools, even with a `$ ` line in it.
        let side = json!({"model": "claude-haiku-4-5", "messages": [user("$ rm -rf ~")]});
        assert_eq!(text(&answer(&side)), SIDE_REPLY);
        let mut empty_tools = side.clone();
        empty_tools["tools"] = json!([]);
        assert_eq!(text(&answer(&empty_tools)), SIDE_REPLY);
        // A sub-agent (the billing block marks it).
        let mut sub = conversation(json!([user("$ ls")]));
        sub["system"] = json!([{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.197; cc_is_subagent=true;"}]);
        assert_eq!(text(&answer(&sub)), SIDE_REPLY);
    }
}
