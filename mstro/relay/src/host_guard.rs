//! The defence against DNS rebinding for our HTTP servers (the relay, the machine's
//! local server): a page on an attacker's domain that re-points its name at 127.0.0.1
//! reaches a loopback server with the attacker's name in `Host`, so a request is
//! answered only when `Host` names this server: its public URL's host, a loopback name,
//! or an IP address (a rebinding attack needs a name it controls, never a literal).

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mstro_protocol::http::UnknownHostBody;

/// The host names a server answers to besides loopback names and IP literals.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    /// Lower case, without port.
    names: Vec<String>,
}

impl AllowedHosts {
    /// The host of `public_url` (if it has one), plus loopback names and IP literals.
    pub fn for_public_url(public_url: &str) -> AllowedHosts {
        let names = url::Url::parse(public_url)
            .ok()
            .and_then(|u| {
                u.host_str()
                    .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
            })
            .into_iter()
            .collect();
        AllowedHosts { names }
    }

    /// Loopback names and IP literals only.
    pub fn loopback() -> AllowedHosts {
        AllowedHosts::default()
    }

    /// Whether a request with this `Host` header is for us.
    pub fn allows(&self, host: &str) -> bool {
        let name = host_name(host).to_ascii_lowercase();
        if name.is_empty() {
            return false;
        }
        name == "localhost"
            || name.ends_with(".localhost")
            || name.parse::<IpAddr>().is_ok()
            || self.names.contains(&name)
    }
}

/// The name part of a `Host` header: without the port, and without the brackets of an
/// IPv6 literal.
fn host_name(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split_once(']').map_or("", |(name, _)| name);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// Middleware: answer 421 to a request whose `Host` is not ours (or missing).
pub async fn check_host(
    State(allowed): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    match host {
        Some(h) if allowed.allows(h) => next.run(request).await,
        _ => (
            StatusCode::MISDIRECTED_REQUEST,
            axum::Json(UnknownHostBody::new(
                "this server does not answer to that host name; use its own URL (a relay behind a proxy needs --public-url)",
            )),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_names_loopback_and_ip_literals_are_answered() {
        let relay = AllowedHosts::for_public_url("https://Relay.Example.com");
        for ok in [
            "relay.example.com",
            "RELAY.example.com:443",
            "localhost:4100",
            "app.localhost",
            "127.0.0.1:4100",
            "10.0.0.7",
            "[::1]:4100",
            "[fe80::1]",
        ] {
            assert!(relay.allows(ok), "{ok}");
        }
        for bad in [
            "attacker.example",
            "relay.example.com.attacker.example",
            "localhost.attacker.example",
            "evil-localhost",
            "",
            ":4100",
            "[::1",
            "127.0.0.1.nip.io",
        ] {
            assert!(!relay.allows(bad), "{bad}");
        }
        let local = AllowedHosts::loopback();
        assert!(local.allows("127.0.0.1:4101"));
        assert!(!local.allows("relay.example.com"));
    }
}
