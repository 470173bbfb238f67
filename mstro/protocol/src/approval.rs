//! A person approving a tool call from the browser (MSTRO.md §6, docs/sessions.md,
//! "Approvals"): a `review` the AI reviewer does not settle becomes an
//! [`ApprovalRequest`] event in the tab, the owner answers it with `answerApproval`
//! ([`AnswerApprovalArg`]), and an [`ApprovalResolved`] event says how it ended, whoever
//! ended it (a person, the deadline, the end of the run).
//!
//! Both events are ordinary tab events: they are logged, replayed to a browser that
//! comes back (a phone whose screen was locked finds the card still there) and kept in
//! the session's history.

use serde::{Deserialize, Serialize};

/// `approvalRequest`: a call waits for a person's answer until `deadline`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRequest {
    pub movement_id: String,
    /// Names this request in `answerApproval` and `approvalResolved`.
    pub approval_id: String,
    /// The tool call waiting, when Claude Code said which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    pub tool: String,
    /// The operation in full (secrets redacted), not an excerpt.
    pub operation: String,
    /// Why the bouncer wants a person: the rules' reason.
    pub reason: String,
    /// The safer way to get the same done, when the rule knows one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
    pub rule_ids: Vec<String>,
    /// What the AI reviewer said, when it was asked and did not settle it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_reason: Option<String>,
    /// When an unanswered request is denied (RFC 3339).
    pub deadline: String,
}

/// What the owner answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ApprovalChoice {
    /// Run this call.
    Once,
    /// Run this call, and the same operation again in this session without asking.
    Session,
    /// Do not run it.
    Deny,
}

/// How an approval request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ApprovalOutcome {
    /// A person approved this call.
    Approved,
    /// A person approved this call and the same operation for the rest of the session.
    ApprovedForSession,
    /// A person denied it.
    Denied,
    /// Nobody answered before the deadline: denied.
    Expired,
    /// The run ended (stopped, or Claude Code exited) before anyone answered.
    Ended,
}

impl ApprovalOutcome {
    /// Does the call run?
    pub fn allows(self) -> bool {
        matches!(
            self,
            ApprovalOutcome::Approved | ApprovalOutcome::ApprovedForSession
        )
    }
}

impl From<ApprovalChoice> for ApprovalOutcome {
    fn from(choice: ApprovalChoice) -> Self {
        match choice {
            ApprovalChoice::Once => ApprovalOutcome::Approved,
            ApprovalChoice::Session => ApprovalOutcome::ApprovedForSession,
            ApprovalChoice::Deny => ApprovalOutcome::Denied,
        }
    }
}

/// `approvalResolved`: the end of an approval request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalResolved {
    pub movement_id: String,
    pub approval_id: String,
    pub outcome: ApprovalOutcome,
    /// Who answered (the name the relay knows them by), when a person did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// `answerApproval {approvalId, choice}` (owner only; the tab is the envelope's `tabId`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AnswerApprovalArg {
    pub approval_id: String,
    pub choice: ApprovalChoice,
}

/// The reply to `answerApproval`: the answer was taken. A request already decided
/// (in another window, or by its deadline) is an `error` with code `not_found`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalAnswered {
    pub approval_id: String,
    pub outcome: ApprovalOutcome,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn choices_and_outcomes_are_camel_case_words() {
        let arg: AnswerApprovalArg =
            serde_json::from_value(json!({"approvalId": "a1", "choice": "session"})).unwrap();
        assert_eq!(arg.choice, ApprovalChoice::Session);
        assert!(
            serde_json::from_value::<AnswerApprovalArg>(
                json!({"approvalId": "a1", "choice": "yes"})
            )
            .is_err()
        );
        assert_eq!(
            serde_json::to_value(ApprovalOutcome::ApprovedForSession).unwrap(),
            json!("approvedForSession")
        );
        for choice in [ApprovalChoice::Once, ApprovalChoice::Session] {
            assert!(ApprovalOutcome::from(choice).allows());
        }
        for outcome in [
            ApprovalOutcome::Denied,
            ApprovalOutcome::Expired,
            ApprovalOutcome::Ended,
        ] {
            assert!(!outcome.allows());
        }
    }
}
