//! The relay's HTTP side: the router, the JSON error shape, and the security headers
//! every response carries.

pub mod device;
pub mod error;
pub mod machines;
pub mod people;
pub mod session;
pub mod web;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use super::socket;
use super::state::RelayState;

/// Content-Security-Policy: our own scripts only (no inline script), never framed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/// Every route of the relay.
pub fn router(state: RelayState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/api/auth/login", post(people::login))
        .route("/api/auth/link", post(people::redeem_link))
        .route("/api/auth/logout", post(people::logout))
        .route("/api/me", get(people::me))
        .route("/api/machines", get(machines::list))
        .route("/api/machines/events", get(machines::events))
        .route("/api/machines/{id}/shares", post(machines::share))
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
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
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
