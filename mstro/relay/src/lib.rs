//! `mstro-relay`, run as `mstro relay`: the self-hostable relay and web app (MSTRO.md
//! §2–4; the exact contract is docs/relay-api.md).
//!
//! - [`store`]: users, sessions, devices and machines in SQLite.
//! - [`hub`]: the live sockets and the routing between browsers and machines.
//! - [`http`]: the API, the device login, the web app's files, security headers.
//! - [`socket`]: the machine and browser WebSocket endpoints.
//! - [`host_guard`]: the DNS-rebinding defence, also used by the machine's local server.

pub mod host_guard;
pub mod http;
pub mod hub;
pub mod limits;
pub mod socket;
pub mod state;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use self::hub::Hub;
use self::state::RelayState;
use self::store::{Store, StoreError};

/// How long a one-time sign-in link works.
pub const SIGN_IN_LINK_TTL_SECS: i64 = 24 * 3600;

/// Where and how a relay runs.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    pub listen: SocketAddr,
    /// The store's directory.
    pub data_dir: PathBuf,
    /// The URL people reach it at, if not `http://<listen>` (behind a proxy).
    pub public_url: Option<String>,
    /// How often machines may poll during device login (RFC 8628 suggests 5 s).
    pub device_poll_interval_secs: i64,
}

impl RelayConfig {
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> RelayConfig {
        RelayConfig {
            listen,
            data_dir,
            public_url: None,
            device_poll_interval_secs: 5,
        }
    }
}

/// Why a relay did not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("cannot open the relay's store in {dir}")]
    Store {
        dir: String,
        #[source]
        source: StoreError,
    },
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A relay serving in the background.
pub struct RunningRelay {
    pub addr: SocketAddr,
    pub public_url: String,
    pub store: Arc<Store>,
    task: JoinHandle<()>,
}

impl RunningRelay {
    /// Serve until the process ends.
    pub async fn wait(self) {
        let _ = self.task.await;
    }

    /// Stop serving (open sockets are dropped).
    pub fn stop(self) {
        self.task.abort();
    }

    /// A one-time sign-in link for `user_id`.
    pub fn sign_in_link(&self, user_id: &str) -> Result<String, StoreError> {
        sign_in_link(&self.store, &self.public_url, user_id)
    }
}

/// A one-time sign-in link: the token rides in the fragment, which browsers never send.
pub fn sign_in_link(store: &Store, public_url: &str, user_id: &str) -> Result<String, StoreError> {
    let token = store.create_sign_in_link(user_id, state::now(), SIGN_IN_LINK_TTL_SECS)?;
    Ok(format!("{public_url}/#/link/{token}"))
}

/// The URL people use for a relay listening on `addr`.
pub fn default_public_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// Every minute: drop expired rows (so that a flood of device requests leaves nothing
/// behind for long, and no request pays for the sweep) and forget idle rate-limit keys.
async fn sweep(state: RelayState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every.tick().await;
        state.limits.forget_idle();
        if let Err(e) = state.db(|s| s.sweep_expired(state::now())).await {
            eprintln!("mstro relay: cannot sweep expired rows: {e}");
        }
    }
}

/// Open the store, bind, and serve in the background.
pub async fn start(config: RelayConfig) -> Result<RunningRelay, RelayError> {
    let store = Store::open(&config.data_dir).map_err(|source| RelayError::Store {
        dir: config.data_dir.display().to_string(),
        source,
    })?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| RelayError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| RelayError::Bind {
        addr: config.listen,
        source,
    })?;
    let public_url = config
        .public_url
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| default_public_url(addr));
    let store = Arc::new(store);
    let state = RelayState {
        store: store.clone(),
        hub: Arc::new(Hub::default()),
        public_url: public_url.clone().into(),
        device_poll_interval_secs: config.device_poll_interval_secs.max(1),
        password_checks: Arc::new(state::PasswordChecks::default()),
        limits: Arc::new(limits::Limits::default()),
    };
    tokio::spawn(sweep(state.clone()));
    let app = http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let task = tokio::spawn(async move {
        // Frames are small and come in pairs (a reply, then an event): without
        // TCP_NODELAY the second waits for the peer's delayed ACK, some 40 ms a
        // keystroke in a terminal.
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("mstro relay: server stopped: {e}");
        }
    });
    Ok(RunningRelay {
        addr,
        public_url,
        store,
        task,
    })
}
