//! The reviewer's answer, parsed strictly: exactly
//! `{"decision":"allow|deny","confidence":0-100,"reasoning":"...","threat_level":"low|medium|high|critical"}`
//! and nothing else. Prose around it, a code fence, an extra key, a missing field, a
//! decision of `"maybe"` or a confidence of 101 are all failures: a reviewer that can
//! be talked out of the format can be talked out of its judgement too.

use serde::{Deserialize, Serialize};

use super::ReviewError;

/// A well-formed reviewer answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewAnswer {
    pub decision: ReviewDecision,
    /// 0 to 100.
    pub confidence: u8,
    pub reasoning: String,
    pub threat_level: ThreatLevel,
}

/// What the reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewDecision {
    Allow,
    Deny,
}

/// How dangerous the reviewer judged the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThreatLevel {
    Low,
    Medium,
    High,
    Critical,
}

/// The longest reasoning kept; it is shown to the model and the person.
const MAX_REASONING_CHARS: usize = 500;

impl ReviewAnswer {
    /// Parse the reviewer's whole reply text. Surrounding whitespace is the only slack.
    pub fn parse(text: &str) -> Result<ReviewAnswer, ReviewError> {
        let trimmed = text.trim();
        if !trimmed.starts_with('{') || !trimmed.ends_with('}') {
            return Err(ReviewError::Malformed(format!(
                "expected one JSON object, got {}",
                excerpt(trimmed)
            )));
        }
        let mut answer: ReviewAnswer = serde_json::from_str(trimmed)
            .map_err(|e| ReviewError::Malformed(format!("{e} in {}", excerpt(trimmed))))?;
        if answer.confidence > 100 {
            return Err(ReviewError::Malformed(format!(
                "confidence {} is outside 0-100",
                answer.confidence
            )));
        }
        let reasoning = answer.reasoning.trim();
        if reasoning.is_empty() {
            return Err(ReviewError::Malformed("the reasoning is empty".into()));
        }
        // One line, bounded: it ends up in a hook reason and an audit record.
        let mut one_line: String = reasoning.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > MAX_REASONING_CHARS {
            one_line = one_line
                .chars()
                .take(MAX_REASONING_CHARS)
                .collect::<String>()
                + "…";
        }
        answer.reasoning = one_line;
        Ok(answer)
    }
}

fn excerpt(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if text.chars().count() > 80 {
        s.push('…');
    }
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"decision":"allow","confidence":90,"reasoning":"builds the project","threat_level":"low"}"#;

    #[test]
    fn the_exact_shape_parses() {
        let a = ReviewAnswer::parse(&format!("\n  {GOOD}\n")).unwrap();
        assert_eq!(a.decision, ReviewDecision::Allow);
        assert_eq!(a.confidence, 90);
        assert_eq!(a.threat_level, ThreatLevel::Low);
    }

    #[test]
    fn anything_else_is_a_failure() {
        let bad = [
            format!("Sure! {GOOD}"),
            format!("```json\n{GOOD}\n```"),
            r#"{"decision":"maybe","confidence":90,"reasoning":"x","threat_level":"low"}"#.into(),
            r#"{"decision":"allow","confidence":101,"reasoning":"x","threat_level":"low"}"#.into(),
            r#"{"decision":"allow","confidence":-1,"reasoning":"x","threat_level":"low"}"#.into(),
            r#"{"decision":"allow","confidence":"90","reasoning":"x","threat_level":"low"}"#.into(),
            r#"{"decision":"allow","confidence":90.5,"reasoning":"x","threat_level":"low"}"#.into(),
            r#"{"decision":"allow","confidence":90,"reasoning":"x"}"#.into(),
            r#"{"decision":"allow","confidence":90,"reasoning":"x","threat_level":"low","also":1}"#
                .into(),
            r#"{"decision":"allow","confidence":90,"reasoning":"  ","threat_level":"low"}"#.into(),
            r#"{"decision":"ALLOW","confidence":90,"reasoning":"x","threat_level":"low"}"#.into(),
            format!("{GOOD}{GOOD}"),
            "allow".into(),
            String::new(),
        ];
        for text in bad {
            assert!(
                matches!(ReviewAnswer::parse(&text), Err(ReviewError::Malformed(_))),
                "accepted {text:?}"
            );
        }
    }

    #[test]
    fn reasoning_becomes_one_bounded_line() {
        let long = "word ".repeat(400);
        let text = format!(
            r#"{{"decision":"deny","confidence":80,"reasoning":"line one\nline two {long}","threat_level":"high"}}"#
        );
        let a = ReviewAnswer::parse(&text).unwrap();
        assert!(!a.reasoning.contains('\n'));
        assert!(a.reasoning.chars().count() <= MAX_REASONING_CHARS + 1);
    }
}
