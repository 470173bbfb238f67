//! The browser's session cookie, and the extractor that turns it into a signed-in
//! user.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};

use super::error::ApiError;
use crate::state::{RelayState, now};
use crate::store::{SessionInfo, User};

pub const COOKIE_NAME: &str = "mstro_session";
/// How long a browser stays signed in.
pub const SESSION_TTL_SECS: i64 = 30 * 24 * 3600;

/// A request from a signed-in browser.
pub struct SignedIn(pub User);

impl FromRequestParts<RelayState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &RelayState) -> Result<Self, ApiError> {
        let token = session_token(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        let user = state
            .db(move |s| s.session_user(&token, now()))
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        Ok(SignedIn(user))
    }
}

/// A request from a signed-in browser, with the session it is signed in with (for
/// what must be tied to the session: its sockets, "end my other sessions").
pub struct SignedInSession(pub SessionInfo);

impl FromRequestParts<RelayState> for SignedInSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &RelayState) -> Result<Self, ApiError> {
        let token = session_token(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        let session = state
            .db(move |s| s.session(&token, now()))
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        Ok(SignedInSession(session))
    }
}

/// The session token from the `Cookie` header, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// `Set-Cookie` for a new session (or, with `None`, clearing it).
pub fn set_cookie(
    state: &RelayState,
    token: Option<&str>,
) -> (axum::http::HeaderName, HeaderValue) {
    let secure = if state.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let value = match token {
        Some(t) => format!(
            "{COOKIE_NAME}={t}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_TTL_SECS}{secure}"
        ),
        None => format!("{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}"),
    };
    (
        SET_COOKIE,
        HeaderValue::from_str(&value).expect("a token is hex, a valid header value"),
    )
}
