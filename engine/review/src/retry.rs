//! One retry for transient failures (timeouts, 429, 5xx, 529), as ENGINE.md asks: enough
//! to ride out a blip, bounded so the hook always answers before Claude Code gives up.

use std::time::Duration;

use super::ReviewError;

/// The longest `retry-after` honoured; a longer one fails now instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(2);
const BACKOFF: Duration = Duration::from_millis(200);

/// A failed attempt, with the server's `retry-after` when it sent one.
pub struct Failure {
    pub error: ReviewError,
    pub retry_after: Option<Duration>,
}

impl From<ReviewError> for Failure {
    fn from(error: ReviewError) -> Self {
        Failure {
            error,
            retry_after: None,
        }
    }
}

/// Run `attempt`, and once more if the first failure was transient.
pub fn with_one_retry<T>(
    mut attempt: impl FnMut() -> Result<T, Failure>,
) -> Result<T, ReviewError> {
    match attempt() {
        Ok(v) => Ok(v),
        Err(first) if first.error.is_transient() => {
            let wait = first.retry_after.unwrap_or(BACKOFF);
            if wait > MAX_RETRY_AFTER {
                return Err(first.error);
            }
            std::thread::sleep(wait);
            attempt().map_err(|f| f.error)
        }
        Err(first) => Err(first.error),
    }
}

/// An HTTP error body's message (`{"error":{"message":...}}` in both APIs), bounded.
pub fn error_message(body: &str) -> String {
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v["error"]["message"]
                .as_str()
                .or_else(|| v["error"].as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| body.to_owned());
    message.chars().take(200).collect()
}

/// Classify a reqwest error.
pub fn transport(error: reqwest::Error, timeout: Duration) -> Failure {
    if error.is_timeout() {
        ReviewError::Timeout(timeout).into()
    } else {
        // Without the URL: it may carry credentials.
        ReviewError::Transport(error.without_url().to_string()).into()
    }
}

/// Turn a non-success response into a failure, reading `retry-after`.
pub fn status_failure(response: reqwest::blocking::Response) -> Failure {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().unwrap_or_default();
    Failure {
        error: ReviewError::Http {
            status,
            message: error_message(&body),
        },
        retry_after,
    }
}
