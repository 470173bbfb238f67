//! The address a request came from (the TCP peer), for the abuse limits.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::error::ApiError;
use crate::limits::Attempt;
use crate::state::RelayState;

/// The peer's address; the unspecified address when the server was not started with
/// connection info (a router driven directly in a test), so that such requests share
/// one allowance rather than none.
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(ClientAddress(ip))
    }
}

impl ClientAddress {
    /// Count `attempt` from this address: `429` with `Retry-After` over the limit.
    pub fn attempt(&self, state: &RelayState, attempt: Attempt) -> Result<(), ApiError> {
        state
            .limits
            .from_address(attempt, self.0)
            .map_err(ApiError::rate_limited)
    }
}
