//! A real `mstro relay` process on loopback, and the browser side of it: a cookie
//! session over HTTP and the browser WebSocket.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::binaries;

/// A relay process with its own data directory.
pub struct RelayProcess {
    child: Child,
    pub addr: SocketAddr,
    pub url: String,
    pub data: PathBuf,
}

impl RelayProcess {
    /// Start `mstro relay` on `127.0.0.1:port` (0: any free port).
    pub fn start(data: &Path, port: u16) -> RelayProcess {
        let mut child = Command::new(binaries::mstro())
            .args(["relay", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(data)
            .args(["--device-poll-interval", "1"])
            .env("MSTRO_HOME", data.join("home"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("mstro relay starts");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let line = lines
            .next()
            .expect("the relay prints where it listens")
            .expect("readable");
        let addr: SocketAddr = line
            .rsplit_once("listening on ")
            .and_then(|(_, rest)| rest.trim_end_matches(')').parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {line}"));
        // Keep draining stdout so the relay never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        RelayProcess {
            child,
            addr,
            url: format!("http://{addr}"),
            data: data.to_owned(),
        }
    }

    /// Kill -9: no goodbye to anyone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `mstro relay add-user NAME`: the sign-in token of the link it prints.
    pub fn add_user(&self, name: &str) -> String {
        self.sign_in_link(&["add-user", name])
    }

    /// `mstro relay link NAME`: a new sign-in token for an existing user.
    pub fn link(&self, name: &str) -> String {
        self.sign_in_link(&["link", name])
    }

    fn sign_in_link(&self, command: &[&str]) -> String {
        let out = Command::new(binaries::mstro())
            .arg("relay")
            .args(command)
            .arg("--data")
            .arg(&self.data)
            .args(["--public-url", &self.url])
            .output()
            .expect("mstro relay add-user runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        link_token(&stdout).unwrap_or_else(|| panic!("no sign-in link in {stdout}"))
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The token of a `.../#/link/TOKEN` sign-in link in `text`.
pub fn link_token(text: &str) -> Option<String> {
    let (_, rest) = text.split_once("/#/link/")?;
    Some(rest.split_whitespace().next()?.to_owned())
}

/// A signed-in browser session (its cookie) against one relay.
#[derive(Clone)]
pub struct Session {
    pub relay: String,
    pub cookie: String,
    http: reqwest::Client,
}

impl Session {
    /// Sign in with a one-time link's token.
    pub async fn sign_in(relay: &str, token: &str) -> Session {
        let http = reqwest::Client::new();
        let r = http
            .post(format!("{relay}/api/auth/link"))
            .json(&json!({ "token": token }))
            .send()
            .await
            .expect("the relay answers");
        assert_eq!(r.status(), 200, "sign-in failed: {:?}", r.text().await);
        let set_cookie = r
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("a session cookie")
            .to_owned();
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        Session {
            relay: relay.to_owned(),
            cookie,
            http,
        }
    }

    /// POST JSON with the cookie: (status, body).
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.relay))
            .header("cookie", &self.cookie)
            .json(&body)
            .send()
            .await
            .expect("the relay answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// DELETE with the cookie: (status, body).
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .delete(format!("{}{path}", self.relay))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("the relay answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.relay))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("the relay answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The user's machines.
    pub async fn machines(&self) -> Vec<Value> {
        let (status, body) = self.get("/api/machines").await;
        assert_eq!(status, 200, "{body}");
        body["machines"].as_array().cloned().unwrap_or_default()
    }

    /// Wait until a machine is online; its id.
    pub async fn wait_online(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(m) = self.machines().await.iter().find(|m| m["online"] == true) {
                return m["id"].as_str().unwrap().to_owned();
            }
            assert!(Instant::now() < deadline, "no machine came online");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Open the browser socket to `machine`.
    pub async fn socket(&self, machine: &str) -> Result<BrowserSocket, String> {
        let url = format!(
            "{}/ws/web?machine={machine}",
            self.relay.replacen("http://", "ws://", 1)
        );
        let mut request = url.into_client_request().map_err(|e| e.to_string())?;
        request
            .headers_mut()
            .insert("cookie", self.cookie.parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| e.to_string())?;
        Ok(BrowserSocket { ws, next_id: 1 })
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A browser's socket to one machine.
pub struct BrowserSocket {
    ws: Ws,
    next_id: u64,
}

impl BrowserSocket {
    pub async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::Text(frame.to_string().into()))
            .await
            .expect("the socket is open");
    }

    /// The next text frame, or `None` after `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match tokio::time::timeout(wait, self.ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    return Some(serde_json::from_str(&t).expect("JSON"));
                }
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }

    /// Read until the relay closes the socket, at most `wait`: the close code and
    /// reason (`None` if it stayed open or ended without a Close frame).
    pub async fn closed_within(&mut self, wait: Duration) -> Option<(u16, String)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Ok(Some(Ok(Message::Close(Some(frame))))) => {
                    return Some((frame.code.into(), frame.reason.to_string()));
                }
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }

    pub async fn next(&mut self) -> Value {
        self.next_within(Duration::from_secs(15))
            .await
            .expect("a frame within 15 s")
    }

    /// Send a request about `tab` and wait for its answer; frames that arrive
    /// meanwhile (a tab's events) are kept in `others`, in order.
    pub async fn request_tab(
        &mut self,
        kind: &str,
        tab: &str,
        data: Value,
        others: &mut Vec<Value>,
    ) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "type": kind, "id": id, "tabId": tab, "data": data }))
            .await;
        loop {
            let frame = self.next().await;
            if frame["id"] == id {
                return frame;
            }
            others.push(frame);
        }
    }

    /// Send a request and wait for the frame answering it (skipping others).
    pub async fn request(&mut self, kind: &str, data: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "type": kind, "id": id, "data": data }))
            .await;
        loop {
            let frame = self.next().await;
            if frame["id"] == id {
                return frame;
            }
        }
    }
}
