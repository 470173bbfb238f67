//! Device-code login (MSTRO.md §2): the machine's side (`/api/auth/device/*`, Bearer
//! token after approval) and the person's (`/api/device/*`, signed in: look up and
//! approve a user code).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mstro_protocol::ErrorCode;
use serde::Deserialize;

use super::client_address::ClientAddress;
use super::error::{ApiError, JsonBody};
use super::session::SignedIn;
use crate::limits::Attempt;
use crate::state::{RelayState, now};
use crate::store::{Device, DeviceInfo, PollOutcome, RequestState};
use mstro_protocol::device::{
    DeviceGrant, DeviceRequest, Poll, PollError, Refreshed, Token, UserInfo, Verified,
};
use mstro_protocol::handshake::CLOSE_UNAUTHORIZED;
use mstro_protocol::http::{DeviceApproved, DeviceDescription, DeviceLookup, WaitingDevice};

/// How long a user code can be approved.
const CODE_TTL_SECS: i64 = 15 * 60;
/// Longest accepted field of a device request.
const MAX_FIELD: usize = 256;

pub async fn request(
    State(state): State<RelayState>,
    client: ClientAddress,
    JsonBody(body): JsonBody<DeviceRequest>,
) -> Result<Json<DeviceGrant>, ApiError> {
    client.attempt(&state, Attempt::DeviceRequest)?;
    let fields = [
        &body.client_id,
        &body.machine_hostname,
        &body.os_type,
        &body.cpu_arch,
        &body.cli_version,
    ];
    if fields.iter().any(|f| f.len() > MAX_FIELD) || body.client_id.trim().is_empty() {
        return Err(ApiError::bad_request(
            "clientId is required and no field may exceed 256 bytes",
        ));
    }
    let info = DeviceInfo {
        client_id: body.client_id,
        hostname: body.machine_hostname,
        os_type: body.os_type,
        cpu_arch: body.cpu_arch,
        cli_version: body.cli_version,
    };
    let force = body.force;
    let interval = state.device_poll_interval_secs;
    let (device_code, user_code) = state
        .db(move |s| s.create_device_request(&info, force, now(), CODE_TTL_SECS, interval))
        .await?;
    Ok(Json(DeviceGrant {
        verification_url_complete: format!("{}/#/device/{user_code}", state.public_url),
        device_code,
        user_code,
        interval: Some(interval as u64),
        expires_in: CODE_TTL_SECS as u64,
    }))
}

/// RFC 8628's error answer: 400 `{"error": code}`.
fn poll_error(code: &str) -> Response {
    let body = PollError {
        error: code.to_owned(),
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

pub async fn poll(
    State(state): State<RelayState>,
    client: ClientAddress,
    JsonBody(body): JsonBody<Poll>,
) -> Response {
    if let Err(e) = client.attempt(&state, Attempt::DevicePoll) {
        return e.into_response();
    }
    if body.device_code.len() > 128 {
        return poll_error("invalid_grant");
    }
    let outcome = state
        .db(move |s| s.poll_device_request(&body.device_code, now()))
        .await;
    match outcome {
        Ok(PollOutcome::Approved { token, user, .. }) => Json(Token {
            access_token: token,
            user: UserInfo {
                id: user.id,
                email: None,
                name: user.name,
            },
        })
        .into_response(),
        Ok(PollOutcome::Pending) => poll_error("authorization_pending"),
        Ok(PollOutcome::SlowDown) => poll_error("slow_down"),
        Ok(PollOutcome::Expired) => poll_error("expired_token"),
        Ok(PollOutcome::Denied) => poll_error("access_denied"),
        Ok(PollOutcome::Unknown) => poll_error("invalid_grant"),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The device a Bearer token belongs to.
async fn device(state: &RelayState, headers: &HeaderMap) -> Result<Device, ApiError> {
    let token = bearer(headers).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "Bearer token required",
        )
    })?;
    state
        .db(move |s| s.device_by_token(&token))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidToken,
                "this device token is not valid (revoked or replaced); run `mstro login --force`",
            )
        })
}

pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty() && token.len() <= 128).then(|| token.to_owned())
}

pub async fn refresh(
    State(state): State<RelayState>,
    headers: HeaderMap,
) -> Result<Json<Refreshed>, ApiError> {
    let device = device(&state, &headers).await?;
    let token = state.db(move |s| s.rotate_device_token(&device.id)).await?;
    Ok(Json(Refreshed {
        access_token: token,
    }))
}

pub async fn verify(
    State(state): State<RelayState>,
    headers: HeaderMap,
) -> Result<Json<Verified>, ApiError> {
    let device = device(&state, &headers).await?;
    let user_id = device.user_id.clone();
    let user = state.db(move |s| s.user(&user_id)).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidToken,
            "the user is gone",
        )
    })?;
    Ok(Json(Verified {
        user: UserInfo {
            id: user.id,
            email: None,
            name: user.name,
        },
        device_id: device.id,
    }))
}

pub async fn deregister(
    State(state): State<RelayState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let device = device(&state, &headers).await?;
    let (id, machine) = (device.id.clone(), device.machine_id.clone());
    state.db(move |s| s.revoke_device(&id)).await?;
    state
        .hub
        .disconnect_machine(&machine, CLOSE_UNAUTHORIZED, "deregistered");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCode {
    user_code: String,
}

/// A user code as typed: at most a few characters more than `XXXX-XXXX`.
fn user_code(body: UserCode) -> Result<String, ApiError> {
    let code = body.user_code.trim().to_owned();
    if code.is_empty() || code.len() > 16 {
        return Err(ApiError::bad_request(
            "enter the code your terminal shows, like BCDF-2345",
        ));
    }
    Ok(code)
}

/// User codes are guessable by brute force only at a rate: count each lookup,
/// approval or denial against the person.
fn decision_attempt(state: &RelayState, user_id: &str) -> Result<(), ApiError> {
    state
        .limits
        .on_account(Attempt::DeviceDecision, user_id)
        .map_err(ApiError::rate_limited)
}

fn unknown_code() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownCode,
        "no device is waiting with this code; check it against your terminal",
    )
}

pub async fn lookup(
    State(state): State<RelayState>,
    SignedIn(user): SignedIn,
    JsonBody(body): JsonBody<UserCode>,
) -> Result<Json<DeviceLookup>, ApiError> {
    decision_attempt(&state, &user.id)?;
    let code = user_code(body)?;
    let request = state
        .db(move |s| s.device_request(&code, now()))
        .await?
        .ok_or_else(unknown_code)?;
    if request.expires_at <= now() {
        return Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::Expired,
            "this code has expired; run `mstro login` again for a new one",
        ));
    }
    if !matches!(request.state, RequestState::Pending) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::AlreadyDecided,
            "this code has already been approved or denied",
        ));
    }
    Ok(Json(DeviceLookup {
        device: WaitingDevice {
            requested_at: mstro_protocol::timestamp::rfc3339_unix(request.requested_at),
            device: described(request.info),
        },
    }))
}

pub async fn approve(
    State(state): State<RelayState>,
    SignedIn(user): SignedIn,
    JsonBody(body): JsonBody<UserCode>,
) -> Result<Json<DeviceApproved>, ApiError> {
    decision_attempt(&state, &user.id)?;
    let code = user_code(body)?;
    let c = code.clone();
    let request = state
        .db(move |s| s.device_request(&c, now()))
        .await?
        .ok_or_else(unknown_code)?;
    let approved = state
        .db(move |s| s.approve_device_request(&code, &user.id, now()))
        .await?;
    if !approved {
        return Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::Expired,
            "this code has expired or was already used; run `mstro login` again",
        ));
    }
    Ok(Json(DeviceApproved {
        device: described(request.info),
    }))
}

/// What the person deciding is shown of a machine (not its `clientId`).
fn described(info: DeviceInfo) -> DeviceDescription {
    DeviceDescription {
        hostname: info.hostname,
        os_type: info.os_type,
        cpu_arch: info.cpu_arch,
        cli_version: info.cli_version,
    }
}

pub async fn deny(
    State(state): State<RelayState>,
    SignedIn(user): SignedIn,
    JsonBody(body): JsonBody<UserCode>,
) -> Result<StatusCode, ApiError> {
    decision_attempt(&state, &user.id)?;
    let code = user_code(body)?;
    if state
        .db(move |s| s.deny_device_request(&code, now()))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(unknown_code())
    }
}
