//! The relay's HTTP side: the router, the JSON error shape, and the security headers
//! every response carries.

pub mod client_address;
pub mod device;
pub mod error;
pub mod machines;
pub mod origin;
pub mod people;
pub mod session;
pub mod web;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use mstro_protocol::ErrorCode;
use mstro_protocol::http::Health;
use std::sync::Arc;

use crate::host_guard::{AllowedHosts, check_host};
use axum::routing::{delete, get, post};

use super::socket;
use super::state::RelayState;

/// Content-Security-Policy: our own scripts only (no inline script), never framed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/// Every route of the relay.
pub fn router(state: RelayState) -> Router {
    let hosts = Arc::new(AllowedHosts::for_public_url(&state.public_url));
    Router::new()
        .route("/health", get(health))
        .route("/api/auth/options", get(people::sign_in_options))
        .route("/api/auth/login", post(people::login))
        .route("/api/auth/link", post(people::redeem_link))
        .route("/api/auth/link/peek", post(people::peek_link))
        .route("/api/auth/logout", post(people::logout))
        .route("/api/me", get(people::me))
        .route("/api/sessions", get(people::sessions))
        .route("/api/sessions/end-others", post(people::end_other_sessions))
        .route("/api/sessions/{id}", delete(people::end_session))
        .route("/api/machines", get(machines::list))
        .route("/api/machines/events", get(machines::events))
        .route(
            "/api/machines/{id}/shares",
            get(machines::shares).post(machines::share),
        )
        .route("/api/machines/{id}/sign-out", post(machines::sign_out))
        .route(
            "/api/machines/{id}/shares/{user}",
            delete(machines::unshare),
        )
        .route("/api/device/lookup", post(device::lookup))
        .route("/api/device/approve", post(device::approve))
        .route("/api/device/deny", post(device::deny))
        .route("/api/auth/device/request", post(device::request))
        .route("/api/auth/device/poll", post(device::poll))
        .route("/api/auth/device/refresh", post(device::refresh))
        .route("/api/auth/device/verify", post(device::verify))
        .route("/api/auth/device/deregister", post(device::deregister))
        .route("/ws/client", get(socket::machine::upgrade))
        .route("/ws/web", get(socket::browser::upgrade))
        .fallback(web::asset)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            same_origin_json,
        ))
        .layer(middleware::from_fn_with_state(hosts, check_host))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// A request that changes state must come from our own pages or from a client that
/// is not a browser: a cross-site form can post without CORS, but cannot send JSON
/// (that needs a preflight we never answer), set `Authorization`, nor forge `Origin`.
/// So: no foreign `Origin`, and a JSON body unless the request is a DELETE or carries
/// a bearer token (the machine's device calls).
async fn same_origin_json(
    axum::extract::State(state): axum::extract::State<RelayState>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    use axum::http::Method;
    let method = request.method().clone();
    if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    if !origin::same_origin(headers, &state.public_url) {
        return error::ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            ErrorCode::CrossOrigin,
            "this request came from another site",
        )
        .into_response();
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    let bearer = headers.contains_key(header::AUTHORIZATION);
    if method != Method::DELETE && !bearer && !json {
        return error::ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::JsonRequired,
            "send the request body as JSON (Content-Type: application/json)",
        )
        .into_response();
    }
    next.run(request).await
}

async fn health() -> axum::Json<Health> {
    axum::Json(Health::ok(env!("CARGO_PKG_VERSION")))
}

async fn security_headers(request: axum::extract::Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    response
}
