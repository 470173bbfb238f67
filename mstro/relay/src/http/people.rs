//! Signing in (password or one-time link), signing out, and who is signed in.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use mstro_protocol::ErrorCode;
use mstro_protocol::http::{
    BrowserSession, BrowserSessions, EndedSessions, SignInOptions, SignedInAs,
};
use serde::Deserialize;

use super::client_address::ClientAddress;
use super::error::{ApiError, JsonBody};
use super::session::{SESSION_TTL_SECS, SignedIn, SignedInSession, session_token, set_cookie};
use crate::limits::Attempt;
use crate::state::{RelayState, now};
use crate::store::{User, session_key};

#[derive(Deserialize)]
pub struct Login {
    name: String,
    password: String,
}

#[derive(Deserialize)]
pub struct Link {
    token: String,
}

pub async fn login(
    State(state): State<RelayState>,
    client: ClientAddress,
    JsonBody(body): JsonBody<Login>,
) -> Result<impl IntoResponse, ApiError> {
    if body.name.len() > 256 || body.password.len() > 1024 {
        return Err(ApiError::bad_request("name or password too long"));
    }
    client.attempt(&state, Attempt::Login)?;
    state
        .limits
        .on_account(Attempt::Login, &body.name)
        .map_err(ApiError::rate_limited)?;
    let Some(_slot) = state.password_checks.slot().await else {
        return Err(ApiError::rate_limited(std::time::Duration::from_secs(1)));
    };
    let user = state
        .db(move |s| s.check_password(&body.name, &body.password))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::BadCredentials,
                "wrong name or password",
            )
        })?;
    signed_in(&state, user).await
}

pub async fn redeem_link(
    State(state): State<RelayState>,
    client: ClientAddress,
    JsonBody(body): JsonBody<Link>,
) -> Result<impl IntoResponse, ApiError> {
    if body.token.len() > 128 {
        return Err(ApiError::bad_request("not a sign-in token"));
    }
    client.attempt(&state, Attempt::RedeemLink)?;
    let user = state
        .db(move |s| s.redeem_sign_in_link(&body.token, now()))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidLink,
                "this sign-in link has already been used or has expired",
            )
        })?;
    signed_in(&state, user).await
}

/// `POST /api/auth/link/peek {token}`: whom the link signs in, without using it, so
/// that the web app can ask before switching a signed-in browser to another account.
pub async fn peek_link(
    State(state): State<RelayState>,
    client: ClientAddress,
    JsonBody(body): JsonBody<Link>,
) -> Result<Json<SignedInAs>, ApiError> {
    if body.token.len() > 128 {
        return Err(ApiError::bad_request("not a sign-in token"));
    }
    client.attempt(&state, Attempt::RedeemLink)?;
    let user = state
        .db(move |s| s.peek_sign_in_link(&body.token, now()))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidLink,
                "this sign-in link has already been used or has expired",
            )
        })?;
    Ok(Json(SignedInAs { user: user.into() }))
}

async fn signed_in(state: &RelayState, user: User) -> Result<impl IntoResponse + use<>, ApiError> {
    let id = user.id.clone();
    let token = state
        .db(move |s| s.create_session(&id, now(), SESSION_TTL_SECS))
        .await?;
    Ok((
        [set_cookie(state, Some(&token))],
        Json(SignedInAs { user: user.into() }),
    ))
}

pub async fn logout(
    State(state): State<RelayState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(token) = session_token(&headers) {
        let key = session_key(&token);
        state.db(move |s| s.delete_session(&token)).await?;
        // Its sockets end now, not when they next try something.
        state.hub.close_session(&key);
    }
    Ok((StatusCode::NO_CONTENT, [set_cookie(&state, None)]))
}

/// `GET /api/sessions`: the person's signed-in browsers.
pub async fn sessions(
    State(state): State<RelayState>,
    SignedInSession(current): SignedInSession,
) -> Result<Json<BrowserSessions>, ApiError> {
    let user_id = current.user.id.clone();
    let all = state.db(move |s| s.sessions_of(&user_id, now())).await?;
    let sessions = all
        .iter()
        .map(|s| BrowserSession {
            id: s.public_id().to_owned(),
            created_at: mstro_protocol::timestamp::rfc3339_unix(s.created_at),
            expires_at: mstro_protocol::timestamp::rfc3339_unix(s.expires_at),
            current: s.key == current.key,
        })
        .collect();
    Ok(Json(BrowserSessions { sessions }))
}

/// `DELETE /api/sessions/{id}`: end one of the person's sessions (its sockets close).
/// 404 when it is not one of theirs.
pub async fn end_session(
    State(state): State<RelayState>,
    SignedIn(user): SignedIn,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    let ended = state.db(move |s| s.end_session(&user.id, &id)).await?;
    if ended.is_empty() {
        return Err(ApiError::not_found("session"));
    }
    for key in &ended {
        state.hub.close_session(key);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/sessions/end-others`: sign out every other browser of the person.
pub async fn end_other_sessions(
    State(state): State<RelayState>,
    SignedInSession(current): SignedInSession,
) -> Result<Json<EndedSessions>, ApiError> {
    let (user_id, keep) = (current.user.id.clone(), current.key.clone());
    let ended = state
        .db(move |s| s.end_other_sessions(&user_id, &keep))
        .await?;
    for key in &ended {
        state.hub.close_session(key);
    }
    Ok(Json(EndedSessions {
        ended: ended.len() as u64,
    }))
}

/// `GET /api/auth/options`: whether the sign-in page should offer a password form.
pub async fn sign_in_options(
    State(state): State<RelayState>,
) -> Result<Json<SignInOptions>, ApiError> {
    let password_sign_in = state.db(|s| s.any_password()).await?;
    Ok(Json(SignInOptions { password_sign_in }))
}

pub async fn me(SignedIn(user): SignedIn) -> Json<SignedInAs> {
    Json(SignedInAs { user: user.into() })
}
