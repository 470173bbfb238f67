//! The one JSON object the hook prints (protocol reference §1.5).

use serde::Serialize;

/// What the hook tells Claude Code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Ask,
    Deny,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Specific<'a> {
    hook_event_name: &'static str,
    permission_decision: &'static str,
    permission_decision_reason: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Output<'a> {
    hook_specific_output: Specific<'a>,
}

/// The PreToolUse decision as one line of JSON.
pub fn render(decision: Decision, reason: &str) -> String {
    let permission_decision = match decision {
        Decision::Allow => "allow",
        Decision::Ask => "ask",
        Decision::Deny => "deny",
    };
    let out = Output {
        hook_specific_output: Specific {
            hook_event_name: "PreToolUse",
            permission_decision,
            permission_decision_reason: reason,
        },
    };
    serde_json::to_string(&out).unwrap_or_else(|_| {
        // Serialising three strings cannot fail; if it somehow did, still deny.
        r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"mstro-bouncer could not format its decision"}}"#.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_shape() {
        assert_eq!(
            render(Decision::Deny, "no \"way\""),
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"no \"way\""}}"#
        );
    }
}
