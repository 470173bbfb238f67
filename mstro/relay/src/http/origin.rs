//! Whether a browser request comes from the relay's own pages.

use axum::http::{HeaderMap, header};

/// A page of another site must not ride on the person's cookie (SameSite=Strict
/// already stops that; this is the second lock). The Origin must be the relay's public
/// URL, or name the Host asked for (a proxy may rewrite Host). Non-browser clients send
/// no Origin.
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    if origin
        .to_str()
        .is_ok_and(|o| o.eq_ignore_ascii_case(public_url.trim_end_matches('/')))
    {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest);
    matches!((host, origin_host), (Some(h), Some(o)) if h.eq_ignore_ascii_case(o))
}
