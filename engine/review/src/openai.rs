//! Any OpenAI-compatible `/v1/chat/completions` endpoint: a llama.cpp server, Ollama,
//! vLLM or a hosted gateway. The JSON response format is requested; the answer is still
//! parsed as strictly as any other.

use std::time::Duration;

use serde_json::{Value, json};

use super::prompt::Prompt;
use super::retry::{Failure, status_failure, transport, with_one_retry};
use super::{ReviewAnswer, ReviewError, ReviewRequest, Reviewer};

/// Reviews through `POST {base}/v1/chat/completions`.
pub struct OpenAiReviewer {
    client: reqwest::blocking::Client,
    base_url: String,
    api_key: Option<String>,
    model: String,
    timeout: Duration,
}

/// A blocking HTTP client with the per-attempt timeout. Redirects are not followed: a
/// reviewer endpoint that redirects is misconfigured, and following could send the key
/// elsewhere.
pub(super) fn http_client(timeout: Duration) -> Result<reqwest::blocking::Client, ReviewError> {
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("mstro-bouncer/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ReviewError::Transport(e.to_string()))
}

impl OpenAiReviewer {
    /// `base_url` is the server root or its `/v1`; both work.
    pub fn new(
        base_url: &str,
        api_key: Option<String>,
        model: &str,
        timeout: Duration,
    ) -> Result<Self, ReviewError> {
        let base = base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base);
        Ok(OpenAiReviewer {
            client: http_client(timeout)?,
            base_url: base.to_owned(),
            api_key,
            model: model.to_owned(),
            timeout,
        })
    }

    fn attempt(&self, body: &Value) -> Result<ReviewAnswer, Failure> {
        let mut request = self
            .client
            .post(format!("{}/v1/chat/completions", self.base_url))
            .json(body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().map_err(|e| transport(e, self.timeout))?;
        if !response.status().is_success() {
            return Err(status_failure(response));
        }
        let completion: Value = response.json().map_err(|e| transport(e, self.timeout))?;
        Ok(answer_of(&completion)?)
    }
}

fn answer_of(completion: &Value) -> Result<ReviewAnswer, ReviewError> {
    let choice = &completion["choices"][0];
    match choice["finish_reason"].as_str() {
        Some("length") => return Err(ReviewError::Truncated),
        Some("content_filter") => return Err(ReviewError::Refusal),
        _ => {}
    }
    if choice["message"]["refusal"].is_string() {
        return Err(ReviewError::Refusal);
    }
    let text = choice["message"]["content"]
        .as_str()
        .ok_or_else(|| ReviewError::NotText("no message content".into()))?;
    ReviewAnswer::parse(text)
}

impl Reviewer for OpenAiReviewer {
    fn name(&self) -> String {
        format!("openai:{}", self.model)
    }

    fn review(&self, request: &ReviewRequest) -> Result<ReviewAnswer, ReviewError> {
        let prompt = Prompt::new(request);
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "max_tokens": 400,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
        });
        with_one_retry(|| self.attempt(&body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_are_read_strictly() {
        let good =
            r#"{"decision":"allow","confidence":80,"reasoning":"runs tests","threat_level":"low"}"#;
        let ok = json!({"choices": [{"message": {"role": "assistant", "content": good}, "finish_reason": "stop"}]});
        assert!(answer_of(&ok).is_ok());
        let cut = json!({"choices": [{"message": {"content": good}, "finish_reason": "length"}]});
        assert!(matches!(answer_of(&cut), Err(ReviewError::Truncated)));
        let refused = json!({"choices": [{"message": {"content": null, "refusal": "no"}, "finish_reason": "stop"}]});
        assert!(matches!(answer_of(&refused), Err(ReviewError::Refusal)));
        assert!(answer_of(&json!({"choices": []})).is_err());
    }
}
