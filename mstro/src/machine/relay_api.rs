//! The relay's HTTP API as the machine uses it: device login, token refresh and
//! verification, deregistration, health.

use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use mstro_protocol::device::{
    DeviceGrant, DeviceRequest, Poll, PollError, Refreshed, Token, Verified,
};

/// Why a call to the relay failed.
#[derive(Debug, thiserror::Error)]
pub enum RelayApiError {
    #[error("cannot reach the relay at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The relay refused the token (401/403).
    #[error("the relay does not accept this machine's token; run `mstro login --force`")]
    Unauthorized,
    #[error("the relay answered {status}: {body}")]
    Status { status: StatusCode, body: String },
    #[error("the relay's answer is not what mstro expects: {0}")]
    Invalid(String),
}

/// One poll's outcome.
#[derive(Debug)]
pub enum PollResult {
    Approved(Token),
    /// `authorization_pending`, `slow_down`, `expired_token`, `access_denied`, ...
    NotYet(String),
}

/// A client for one relay.
pub struct RelayApi {
    base: String,
    http: reqwest::Client,
}

impl RelayApi {
    pub fn new(base: &str) -> RelayApi {
        RelayApi {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .expect("a TLS client builds"),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, RelayApiError> {
        request
            .send()
            .await
            .map_err(|source| RelayApiError::Unreachable {
                url: self.base.clone(),
                source,
            })
    }

    async fn json<T: DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<T, RelayApiError> {
        let status = response.status();
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            return Err(RelayApiError::Unauthorized);
        }
        let body = response
            .text()
            .await
            .map_err(|source| RelayApiError::Unreachable {
                url: self.base.clone(),
                source,
            })?;
        if !status.is_success() {
            return Err(RelayApiError::Status { status, body });
        }
        serde_json::from_str(&body).map_err(|e| RelayApiError::Invalid(format!("{e}: {body}")))
    }

    /// `GET /health`.
    pub async fn health(&self) -> Result<serde_json::Value, RelayApiError> {
        let r = self.send(self.http.get(self.url("/health"))).await?;
        self.json(r).await
    }

    pub async fn request_device_code(
        &self,
        body: &DeviceRequest,
    ) -> Result<DeviceGrant, RelayApiError> {
        let r = self
            .send(
                self.http
                    .post(self.url("/api/auth/device/request"))
                    .json(body),
            )
            .await?;
        self.json(r).await
    }

    pub async fn poll(&self, device_code: &str) -> Result<PollResult, RelayApiError> {
        let body = Poll {
            device_code: device_code.to_owned(),
        };
        let r = self
            .send(
                self.http
                    .post(self.url("/api/auth/device/poll"))
                    .json(&body),
            )
            .await?;
        // Over the relay's limit for this address (many machines behind one NAT):
        // the same as being told to slow down.
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            return Ok(PollResult::NotYet("slow_down".to_owned()));
        }
        if r.status() == StatusCode::BAD_REQUEST {
            let text = r.text().await.unwrap_or_default();
            return match serde_json::from_str::<PollError>(&text) {
                Ok(e) => Ok(PollResult::NotYet(e.error)),
                Err(_) => Err(RelayApiError::Invalid(text)),
            };
        }
        self.json(r).await.map(PollResult::Approved)
    }

    pub async fn verify(&self, token: &str) -> Result<Verified, RelayApiError> {
        let r = self
            .send(
                self.http
                    .post(self.url("/api/auth/device/verify"))
                    .bearer_auth(token),
            )
            .await?;
        self.json(r).await
    }

    pub async fn refresh(&self, token: &str) -> Result<Refreshed, RelayApiError> {
        let r = self
            .send(
                self.http
                    .post(self.url("/api/auth/device/refresh"))
                    .bearer_auth(token),
            )
            .await?;
        self.json(r).await
    }

    pub async fn deregister(&self, token: &str) -> Result<(), RelayApiError> {
        let r = self
            .send(
                self.http
                    .post(self.url("/api/auth/device/deregister"))
                    .bearer_auth(token),
            )
            .await?;
        match r.status() {
            s if s.is_success() => Ok(()),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(RelayApiError::Unauthorized),
            status => Err(RelayApiError::Status {
                status,
                body: r.text().await.unwrap_or_default(),
            }),
        }
    }
}
