//! The machine's local HTTP server: on `127.0.0.1` only, the first free port from 4101
//! (or the one asked for). The socket is bound once and kept, so there is no window
//! between finding a free port and using it.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

/// The first port tried.
pub const FIRST_PORT: u16 = 4101;
/// How many ports upward are tried.
const PORTS_TRIED: u16 = 100;

/// Bind `127.0.0.1:port`, or the first free port from 4101 upward.
pub async fn bind(port: Option<u16>) -> io::Result<TcpListener> {
    if let Some(port) = port {
        return TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|e| {
                io::Error::new(e.kind(), format!("cannot listen on 127.0.0.1:{port}: {e}"))
            });
    }
    for port in FIRST_PORT..FIRST_PORT + PORTS_TRIED {
        match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!(
            "ports {FIRST_PORT} to {} are all in use; pass -p PORT",
            FIRST_PORT + PORTS_TRIED - 1
        ),
    ))
}

/// What `/health` reports.
#[derive(Clone)]
struct Health {
    working_dir: String,
    relay: String,
}

/// Serve `/health` on `listener` in the background.
pub fn serve(listener: TcpListener, working_dir: String, relay: String) -> io::Result<SocketAddr> {
    let addr = listener.local_addr()?;
    let health = Health { working_dir, relay };
    let app = Router::new().route(
        "/health",
        get(move || {
            let h = health.clone();
            async move {
                axum::Json(serde_json::json!({
                    "status": "ok",
                    "version": env!("CARGO_PKG_VERSION"),
                    "workingDir": h.working_dir,
                    "relay": h.relay,
                }))
            }
        }),
    );
    // Loopback only, and only for loopback names: a page that rebinds its own name to
    // 127.0.0.1 must not read the workspace path.
    let app = app.layer(axum::middleware::from_fn_with_state(
        std::sync::Arc::new(mstro_relay::host_guard::AllowedHosts::loopback()),
        mstro_relay::host_guard::check_host,
    ));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}
