//! The Anthropic Messages API (protocol reference §5): one small non-streaming request.

use std::time::Duration;

use serde_json::{Value, json};

use super::prompt::Prompt;
use super::retry::{Failure, status_failure, transport, with_one_retry};
use super::{ReviewAnswer, ReviewError, ReviewRequest, Reviewer};

/// Reviews through `POST {base}/v1/messages`.
pub struct AnthropicReviewer {
    client: reqwest::blocking::Client,
    base_url: String,
    credential: Credential,
    model: String,
    timeout: Duration,
}

/// How requests authenticate.
#[derive(Clone)]
pub enum Credential {
    /// `x-api-key` (`ANTHROPIC_API_KEY`).
    ApiKey(String),
    /// `Authorization: Bearer` (`ANTHROPIC_AUTH_TOKEN`, for gateways).
    Bearer(String),
}

impl AnthropicReviewer {
    pub fn new(
        base_url: &str,
        credential: Credential,
        model: &str,
        timeout: Duration,
    ) -> Result<Self, ReviewError> {
        Ok(AnthropicReviewer {
            client: super::openai::http_client(timeout)?,
            base_url: base_url.trim_end_matches('/').to_owned(),
            credential,
            model: model.to_owned(),
            timeout,
        })
    }

    fn attempt(&self, body: &Value) -> Result<ReviewAnswer, Failure> {
        let request = self
            .client
            .post(format!("{}/v1/messages", self.base_url))
            .header("anthropic-version", "2023-06-01")
            .json(body);
        let request = match &self.credential {
            Credential::ApiKey(key) => request.header("x-api-key", key),
            Credential::Bearer(token) => request.bearer_auth(token),
        };
        let response = request.send().map_err(|e| transport(e, self.timeout))?;
        if !response.status().is_success() {
            return Err(status_failure(response));
        }
        let message: Value = response.json().map_err(|e| transport(e, self.timeout))?;
        Ok(answer_of(&message)?)
    }
}

/// The answer in a Messages API response: the first content block must be text, and
/// the model must have finished on its own.
fn answer_of(message: &Value) -> Result<ReviewAnswer, ReviewError> {
    match message["stop_reason"].as_str() {
        Some("refusal") => return Err(ReviewError::Refusal),
        Some("max_tokens") => return Err(ReviewError::Truncated),
        _ => {}
    }
    let first = &message["content"][0];
    match first["type"].as_str() {
        Some("text") => {}
        Some(other) => return Err(ReviewError::NotText(other.to_owned())),
        None => return Err(ReviewError::NotText("none".to_owned())),
    }
    let text = first["text"]
        .as_str()
        .ok_or_else(|| ReviewError::NotText("text without a string".into()))?;
    ReviewAnswer::parse(text)
}

impl Reviewer for AnthropicReviewer {
    fn name(&self) -> String {
        format!("anthropic:{}", self.model)
    }

    fn review(&self, request: &ReviewRequest) -> Result<ReviewAnswer, ReviewError> {
        let prompt = Prompt::new(request);
        let body = json!({
            "model": self.model,
            "max_tokens": 400,
            "temperature": 0,
            "system": prompt.system,
            "messages": [{"role": "user", "content": prompt.user}],
        });
        with_one_retry(|| self.attempt(&body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"decision":"deny","confidence":95,"reasoning":"wipes the disk","threat_level":"critical"}"#;

    #[test]
    fn the_first_block_must_be_text_and_finished() {
        let ok = json!({"content": [{"type": "text", "text": GOOD}], "stop_reason": "end_turn"});
        assert!(answer_of(&ok).is_ok());
        let thinking_first = json!({"content": [{"type": "thinking", "thinking": "hm"}, {"type": "text", "text": GOOD}], "stop_reason": "end_turn"});
        assert!(
            matches!(answer_of(&thinking_first), Err(ReviewError::NotText(k)) if k == "thinking")
        );
        let refusal =
            json!({"content": [{"type": "text", "text": GOOD}], "stop_reason": "refusal"});
        assert!(matches!(answer_of(&refusal), Err(ReviewError::Refusal)));
        let cut = json!({"content": [{"type": "text", "text": GOOD}], "stop_reason": "max_tokens"});
        assert!(matches!(answer_of(&cut), Err(ReviewError::Truncated)));
        let empty = json!({"content": [], "stop_reason": "end_turn"});
        assert!(matches!(answer_of(&empty), Err(ReviewError::NotText(_))));
    }
}
