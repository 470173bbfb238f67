//! The machine's connection to the relay: connect, authenticate, pair, serve, and on
//! any loss back off and start again, forever (MSTRO.md §3). Only an explicit refusal
//! of the token (close code 4001, HTTP 401/403 on the upgrade) stops it: retrying
//! cannot fix a bad token, and a hot loop against the relay helps nobody.
//!
//! - [`state`]: the states, published on a `watch` channel.
//! - [`backoff`]: the delays between attempts.
//! - [`outbox`]: frames waiting for the relay, flushed in order after pairing.

pub mod backoff;
pub mod outbox;
pub mod state;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

pub use self::backoff::Backoff;
pub use self::outbox::Outbox;
pub use self::state::ConnectionState;
use mstro_protocol::handshake::{Auth, CLOSE_REPLACED, CLOSE_UNAUTHORIZED, MachineHello, Paired};
use mstro_protocol::{Envelope, MAX_FRAME_BYTES};

/// The machine pings this often...
pub const PING_EVERY: Duration = Duration::from_secs(25);
/// ...and gives up after this many pings without a pong.
const MISSED_PONGS: u32 = 2;
/// Connecting and pairing each get this long.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// What the client needs to connect.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The relay's base URL (`http(s)://host[:port]`).
    pub relay_url: String,
    pub hello: MachineHello,
}

/// The running client: frames to send, and its state.
#[derive(Clone)]
pub struct RelayHandle {
    pub outbox: Arc<Outbox>,
    pub state: watch::Receiver<ConnectionState>,
    shutdown: watch::Sender<bool>,
}

impl RelayHandle {
    /// Ask the client to close its socket and stop.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

/// Why the socket ended.
enum Ended {
    Lost { paired: bool, why: String },
    AuthFailed(String),
    Replaced,
    Shutdown,
}

/// Start the client. Frames from browsers arrive on the returned receiver; the token
/// is read at each connection attempt, so a refreshed token applies from the next one.
pub fn spawn(
    config: ClientConfig,
    token: Arc<RwLock<String>>,
) -> (RelayHandle, mpsc::Receiver<Envelope>, JoinHandle<()>) {
    // wss needs a rustls crypto provider; when a build links more than one (feature
    // unification across a workspace can), rustls will not guess. Ours is ring, as
    // reqwest's. An already installed provider is kept.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let outbox = Arc::new(Outbox::default());
    let (state_tx, state_rx) = watch::channel(ConnectionState::Connecting { attempt: 0 });
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (inbound_tx, inbound_rx) = mpsc::channel(256);
    let task = tokio::spawn(run(
        config,
        token,
        outbox.clone(),
        state_tx,
        shutdown_rx,
        inbound_tx,
    ));
    (
        RelayHandle {
            outbox,
            state: state_rx,
            shutdown: shutdown_tx,
        },
        inbound_rx,
        task,
    )
}

async fn run(
    config: ClientConfig,
    token: Arc<RwLock<String>>,
    outbox: Arc<Outbox>,
    state: watch::Sender<ConnectionState>,
    mut shutdown: watch::Receiver<bool>,
    inbound: mpsc::Sender<Envelope>,
) {
    let url = match socket_url(&config) {
        Ok(u) => u,
        Err(why) => {
            let _ = state.send(ConnectionState::AuthFailed { reason: why });
            return;
        }
    };
    let mut backoff = Backoff::default();
    loop {
        let _ = state.send(ConnectionState::Connecting {
            attempt: backoff.attempt(),
        });
        let token = token.read().unwrap_or_else(|p| p.into_inner()).clone();
        // Shutdown is watched here too, for the connect and pairing steps.
        let mut stop = shutdown.clone();
        let ended = tokio::select! {
            ended = connection(&url, &token, &outbox, &state, &inbound, &mut shutdown) => ended,
            _ = stopped(&mut stop) => Ended::Shutdown,
        };
        match ended {
            Ended::Shutdown => {
                let _ = state.send(ConnectionState::Stopped);
                return;
            }
            Ended::AuthFailed(reason) => {
                let _ = state.send(ConnectionState::AuthFailed { reason });
                return;
            }
            Ended::Replaced => {
                let _ = state.send(ConnectionState::Replaced);
                return;
            }
            Ended::Lost { paired, why } => {
                if paired {
                    backoff.reset();
                }
                let delay = backoff.next_delay();
                let _ = state.send(ConnectionState::Backoff {
                    attempt: backoff.attempt(),
                    delay,
                });
                super::log::debug(&format!(
                    "relay connection lost ({why}); retrying in {delay:.1?}"
                ));
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stopped(&mut shutdown) => {
                        let _ = state.send(ConnectionState::Stopped);
                        return;
                    }
                }
            }
        }
    }
}

/// Resolves once shutdown is asked for. (`wait_for`'s guard is not `Send`, so it must
/// not live across the other branches' awaits.)
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await.map(|_| ());
}

/// `ws(s)://relay/ws/client?...` (http→ws, https→wss). The token is never in it.
pub fn socket_url(config: &ClientConfig) -> Result<url::Url, String> {
    let mut url = url::Url::parse(&config.relay_url)
        .map_err(|e| format!("the relay URL {:?} is not valid: {e}", config.relay_url))?;
    let scheme = match url.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        other => return Err(format!("the relay URL's scheme {other:?} is not http(s)")),
    };
    url.set_scheme(scheme)
        .map_err(|()| "cannot set the WebSocket scheme".to_owned())?;
    url.set_path("/ws/client");
    let query = serde_urlencoded(&config.hello);
    url.set_query(Some(&query));
    Ok(url)
}

/// The hello as query parameters.
fn serde_urlencoded(hello: &MachineHello) -> String {
    let value = serde_json::to_value(hello).unwrap_or_default();
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    if let Some(map) = value.as_object() {
        for (k, v) in map {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            pairs.append_pair(k, &v);
        }
    }
    pairs.finish()
}

/// One socket's life: connect, authenticate, then serve until it ends.
async fn connection(
    url: &url::Url,
    token: &str,
    outbox: &Outbox,
    state: &watch::Sender<ConnectionState>,
    inbound: &mpsc::Sender<Envelope>,
    shutdown: &mut watch::Receiver<bool>,
) -> Ended {
    use tokio_tungstenite::tungstenite::Error;
    let lost = |why: String| Ended::Lost { paired: false, why };
    let mut config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default();
    config.max_message_size = Some(MAX_FRAME_BYTES + 4096);
    config.max_frame_size = Some(MAX_FRAME_BYTES + 4096);
    // `true`: TCP_NODELAY. A reply and an event go out back to back; with Nagle the
    // second waits for the relay's delayed ACK (about 40 ms per terminal keystroke).
    let connect = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true);
    let mut ws = match tokio::time::timeout(STEP_TIMEOUT, connect).await {
        Err(_) => return lost("connect timed out".to_owned()),
        Ok(Err(Error::Http(response))) if matches!(response.status().as_u16(), 401 | 403) => {
            return Ended::AuthFailed(format!("the relay answered HTTP {}", response.status()));
        }
        Ok(Err(e)) => return lost(e.to_string()),
        Ok(Ok((ws, _))) => ws,
    };

    let _ = state.send(ConnectionState::Authenticating);
    let auth = serde_json::to_string(&Auth {
        token: token.to_owned(),
    })
    .expect("serialisable");
    if let Err(e) = ws.send(Message::Text(auth.into())).await {
        return lost(e.to_string());
    }
    let paired = match tokio::time::timeout(STEP_TIMEOUT, ws.next()).await {
        Err(_) => return lost("no answer to auth".to_owned()),
        Ok(Some(Ok(Message::Text(text)))) => match serde_json::from_str::<Paired>(&text) {
            Ok(p) => p,
            Err(_) => return lost(format!("unexpected first frame: {text}")),
        },
        Ok(Some(Ok(Message::Close(Some(frame)))))
            if u16::from(frame.code) == CLOSE_UNAUTHORIZED =>
        {
            return Ended::AuthFailed("the relay refused the token (4001)".to_owned());
        }
        Ok(other) => return lost(format!("the relay closed before pairing: {other:?}")),
    };
    let _ = state.send(ConnectionState::Paired {
        connection_id: paired.connection_id,
    });
    let lost = |why: String| Ended::Lost { paired: true, why };

    let mut ping = tokio::time::interval(PING_EVERY);
    // After a long flush, one ping, not a burst that counts as missed pongs.
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await; // the first tick is immediate
    let mut missed = 0;
    loop {
        // Flush everything queued, in order; a frame is forgotten only once sent.
        while let Some(frame) = outbox.next() {
            if let Err(e) = ws.send(Message::Text(frame.text.into())).await {
                return lost(e.to_string());
            }
            outbox.sent(frame.seq);
        }
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Text(text))) => match Envelope::parse_within(&text, MAX_FRAME_BYTES + 4096) {
                    Ok(envelope) => {
                        if inbound.send(envelope).await.is_err() {
                            return Ended::Shutdown;
                        }
                    }
                    Err(e) => super::log::debug(&format!("ignoring a bad frame from the relay: {e}")),
                },
                Some(Ok(Message::Pong(_))) => missed = 0,
                Some(Ok(Message::Close(Some(frame)))) if u16::from(frame.code) == CLOSE_UNAUTHORIZED => {
                    return Ended::AuthFailed("the relay revoked the token (4001)".to_owned());
                }
                // Another process with this machine's identity connected: two of us
                // replacing each other every second helps nobody.
                Some(Ok(Message::Close(Some(frame)))) if u16::from(frame.code) == CLOSE_REPLACED => {
                    return Ended::Replaced;
                }
                Some(Ok(Message::Close(frame))) => return lost(format!("closed by the relay: {frame:?}")),
                Some(Ok(_)) => {}
                Some(Err(e)) => return lost(e.to_string()),
                None => return lost("the socket ended".to_owned()),
            },
            _ = ping.tick() => {
                if missed >= MISSED_PONGS {
                    return lost(format!("{MISSED_PONGS} pings without a pong"));
                }
                missed += 1;
                if let Err(e) = ws.send(Message::Ping(Vec::new().into())).await {
                    return lost(e.to_string());
                }
            }
            _ = outbox.changed() => {}
            _ = stopped(&mut *shutdown) => {
                let _ = ws.send(Message::Close(Some(CloseFrame {
                    code: CloseCode::Normal,
                    reason: "machine shutting down".into(),
                }))).await;
                return Ended::Shutdown;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(relay_url: &str) -> ClientConfig {
        ClientConfig {
            relay_url: relay_url.to_owned(),
            hello: crate::machine::hello("client-1", "/w"),
        }
    }

    #[test]
    fn the_socket_url_follows_the_relay_scheme_and_carries_no_token() {
        let url = socket_url(&config("http://relay.example:4100/")).unwrap();
        assert_eq!(url.scheme(), "ws");
        assert_eq!(url.path(), "/ws/client");
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["clientId"], "client-1");
        assert_eq!(query["protocolVersion"], "1");
        assert!(!url.as_str().contains("token"));
        assert_eq!(
            socket_url(&config("https://relay.example"))
                .unwrap()
                .scheme(),
            "wss"
        );
        assert!(socket_url(&config("ftp://relay.example")).is_err());
        assert!(socket_url(&config("not a url")).is_err());
    }
}
