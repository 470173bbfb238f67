//! The relay, the machine and the browser side on loopback, as real processes: device
//! login, pairing, reading files through the relay, a relay restart with frames
//! queued on the machine, a revoked token, `view` sharing, and isolation between
//! browsers and users.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use mstro::machine::relay_client::{self, ClientConfig, ConnectionState};
use mstro_protocol::Envelope;
use mstro_tests::binaries;
use mstro_tests::relay::{RelayProcess, Session};
use serde_json::{Value, json};

/// A machine's home and working directory.
struct MachineDirs {
    dir: tempfile::TempDir,
}

impl MachineDirs {
    fn new() -> MachineDirs {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("work/src")).unwrap();
        std::fs::write(
            dir.path().join("work/hello.txt"),
            "hello from the machine\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("work/src/main.rs"), "fn main() {}\n").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "outside the workspace").unwrap();
        MachineDirs { dir }
    }
    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }
    fn mstro(&self) -> Command {
        let mut c = Command::new(binaries::mstro());
        c.env("MSTRO_HOME", self.home())
            .env_remove("PLATFORM_URL")
            .env_remove("PORT");
        c
    }
    /// `mstro ARGS` to completion.
    fn run(&self, args: &[&str]) -> std::process::Output {
        self.mstro().args(args).output().unwrap()
    }

    fn token(&self) -> String {
        let c: Value = serde_json::from_str(
            &std::fs::read_to_string(self.home().join("credentials.json")).unwrap(),
        )
        .unwrap();
        c["token"].as_str().unwrap().to_owned()
    }

    /// `mstro login` approved by `session` in the relay.
    async fn login(&self, relay: &str, session: &Session) {
        let mut child = self
            .mstro()
            .args(["login", "--platform", relay])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let code = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("mstro login prints a code");
            if let Some((_, code)) = line.split_once("shows the code") {
                break code.trim().to_owned();
            }
        };
        let (status, body) = session
            .post("/api/device/lookup", json!({ "userCode": code }))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["device"]["osType"], std::env::consts::OS);
        let (status, body) = session
            .post(
                "/api/device/approve",
                json!({ "userCode": code.to_lowercase() }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let status = wait_exit(&mut child, Duration::from_secs(30));
        assert_eq!(status, Some(0), "mstro login exits 0");
    }

    /// `mstro -w work` in the background.
    fn start(&self, relay: &str) -> MachineProcess {
        let child = self
            .mstro()
            .args(["--platform", relay, "-w"])
            .arg(self.work())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        MachineProcess { child }
    }
}

struct MachineProcess {
    child: Child,
}

impl Drop for MachineProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A relay with one signed-in user.
async fn relay_with_user(name: &str) -> (tempfile::TempDir, RelayProcess, Session) {
    let data = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(data.path(), 0);
    let token = relay.add_user(name);
    let session = Session::sign_in(&relay.url, &token).await;
    (data, relay, session)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_login_pairing_and_reading_files_through_the_relay() {
    let (_data, relay, ada) = relay_with_user("ada").await;

    // The device endpoints by hand: pending, then slow_down for polling too fast.
    let http = reqwest::Client::new();
    let grant: Value = http
        .post(format!("{}/api/auth/device/request", relay.url))
        .json(&json!({"clientId": "c-1", "machineHostname": "h", "osType": "linux", "cpuArch": "x86_64", "cliVersion": "0"}))
        .send().await.unwrap().json().await.unwrap();
    assert!(
        grant["verificationUrlComplete"]
            .as_str()
            .unwrap()
            .contains(grant["userCode"].as_str().unwrap())
    );
    let poll = || async {
        let r = http
            .post(format!("{}/api/auth/device/poll", relay.url))
            .json(&json!({ "deviceCode": grant["deviceCode"] }))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(
        poll().await,
        (400, json!({"error": "authorization_pending"}))
    );
    assert_eq!(poll().await, (400, json!({"error": "slow_down"})));
    // A signed-out browser cannot approve.
    let anonymous = http
        .post(format!("{}/api/device/approve", relay.url))
        .json(&json!({ "userCode": grant["userCode"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // The CLI's whole flow, approved in the relay.
    let machine = MachineDirs::new();
    machine.login(&relay.url, &ada).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(machine.home().join("credentials.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = std::fs::metadata(machine.home())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let whoami = machine.run(&["whoami"]);
    assert!(
        whoami.status.success(),
        "{}",
        String::from_utf8_lossy(&whoami.stderr)
    );
    assert!(String::from_utf8_lossy(&whoami.stdout).contains("ada"));

    let _running = machine.start(&relay.url);
    let id = ada.wait_online().await;
    let mut socket = ada.socket(&id).await.unwrap();
    let status = socket.next().await;
    assert_eq!(status["type"], "machineStatus");

    let listing = socket.request("listDirectory", json!({ "path": "" })).await;
    let names: Vec<&str> = listing["data"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["src", "hello.txt"], "{listing}");
    let file = socket
        .request("readFile", json!({ "path": "hello.txt" }))
        .await;
    assert_eq!(file["type"], "readFile");
    assert_eq!(file["data"]["content"], "hello from the machine\n");
    assert!(
        file.get("to").is_none() && file.get("from").is_none(),
        "routing fields are the relay's: {file}"
    );
    let escape = socket
        .request("readFile", json!({ "path": "../secret.txt" }))
        .await;
    assert_eq!(escape["type"], "error");
    assert_eq!(escape["data"]["code"], "outside_workspace");
    let unknown = socket.request("launchMissiles", json!({})).await;
    assert_eq!(unknown["data"]["code"], "unknown_type");
    // A file over the read cap, full of characters JSON escapes: the reply grows past
    // 1 MiB and must still arrive, and the machine stay connected.
    let big: String = "\"quoted\"\tline\n".repeat(100_000);
    std::fs::write(machine.work().join("big.txt"), &big).unwrap();
    let read = socket
        .request("readFile", json!({ "path": "big.txt" }))
        .await;
    assert_eq!(
        read["data"]["truncated"],
        true,
        "{}",
        &read.to_string()[..200]
    );
    assert_eq!(read["data"]["content"].as_str().unwrap().len(), 1024 * 1024);
    let again = socket
        .request("readFile", json!({ "path": "hello.txt" }))
        .await;
    assert_eq!(again["data"]["content"], "hello from the machine\n");
    socket.send(json!(["not", "an", "envelope"])).await;
    assert_eq!(socket.next().await["data"]["code"], "malformed");

    // status lists the running instance.
    let status = machine.run(&["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("reachable") && text.contains("instance:  http://127.0.0.1:"),
        "{text}"
    );
}

/// A machine's relay client in this process (so the test can queue frames on it)
/// against a relay process the test kills and restarts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_restart_loses_no_queued_frame() {
    let (data, mut relay, ada) = relay_with_user("ada").await;
    let machine = MachineDirs::new();
    machine.login(&relay.url, &ada).await;
    let token = Arc::new(RwLock::new(machine.token()));
    let config = ClientConfig {
        relay_url: relay.url.clone(),
        hello: mstro::machine::hello("c-restart", &machine.work().display().to_string()),
    };
    let (handle, _inbound, _task) = relay_client::spawn(config, token);
    let mut state = handle.state.clone();
    let paired = |s: &ConnectionState| s.is_paired();
    tokio::time::timeout(Duration::from_secs(20), state.wait_for(paired))
        .await
        .unwrap()
        .unwrap();
    let id = ada.wait_online().await;
    let port = relay.addr.port();

    // The scenario needs the browser attached before the machine re-pairs; if the
    // machine wins that race (its backoff is random), run it again.
    for attempt in 0..3 {
        relay.kill();
        tokio::time::timeout(Duration::from_secs(20), state.wait_for(|s| !s.is_paired()))
            .await
            .unwrap()
            .unwrap();
        for n in 0..200 {
            handle.outbox.push(&Envelope::new(
                "event",
                json!({ "attempt": attempt, "n": n }),
            ));
        }
        relay = RelayProcess::start(data.path(), port);
        let mut socket = ada.socket(&id).await.unwrap();
        let first = socket.next().await;
        if first["data"]["online"] == true {
            eprintln!("the machine re-paired before the browser attached; again");
            continue;
        }
        let mut seen = Vec::new();
        while seen.len() < 200 {
            let frame = socket.next().await;
            match frame["type"].as_str() {
                Some("event") => seen.push(frame["data"]["n"].as_u64().unwrap()),
                Some("machineStatus") => assert_eq!(frame["data"]["online"], true),
                other => panic!("unexpected frame {other:?}: {frame}"),
            }
        }
        assert_eq!(
            seen,
            (0..200).collect::<Vec<u64>>(),
            "every queued frame, in order"
        );
        assert!(handle.outbox.is_empty());
        return;
    }
    panic!("the browser never attached before the machine re-paired");
}

/// The `mstro` process itself, cut off by a relay killed with -9, comes back by
/// itself when the relay does, and serves the same browser session again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_process_reconnects_after_a_relay_restart() {
    let (data, mut relay, ada) = relay_with_user("ada").await;
    let machine = MachineDirs::new();
    machine.login(&relay.url, &ada).await;
    let _running = machine.start(&relay.url);
    let id = ada.wait_online().await;
    let port = relay.addr.port();
    relay.kill();
    assert!(ada.socket(&id).await.is_err(), "the relay is down");
    relay = RelayProcess::start(data.path(), port);
    assert_eq!(
        ada.wait_online().await,
        id,
        "the same machine, the same session cookie"
    );
    let mut socket = ada.socket(&id).await.unwrap();
    let file = socket
        .request("readFile", json!({ "path": "hello.txt" }))
        .await;
    assert_eq!(file["data"]["content"], "hello from the machine\n");
    drop(relay);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_one_clear_failure_and_no_reconnect_storm() {
    let (_data, relay, ada) = relay_with_user("ada").await;
    let machine = MachineDirs::new();
    machine.login(&relay.url, &ada).await;
    let mut running = machine.start(&relay.url);
    ada.wait_online().await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/auth/device/deregister", relay.url))
        .bearer_auth(machine.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let code = wait_exit(&mut running.child, Duration::from_secs(15));
    assert_eq!(code, Some(1), "the machine stops instead of retrying");
    let mut stderr = String::new();
    std::io::Read::read_to_string(running.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("mstro login --force"), "{stderr}");

    // A client started with the dead token fails once and stays failed.
    let token = Arc::new(RwLock::new(machine.token()));
    let config = ClientConfig {
        relay_url: relay.url.clone(),
        hello: mstro::machine::hello("c-revoked", ""),
    };
    let (handle, _inbound, task) = relay_client::spawn(config, token);
    let mut state = handle.state.clone();
    let failed = tokio::time::timeout(
        Duration::from_secs(15),
        state.wait_for(|s| matches!(s, ConnectionState::AuthFailed { .. })),
    )
    .await;
    assert!(failed.is_ok(), "auth failure reported");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the client stops")
        .unwrap();

    let whoami = machine.run(&["whoami"]);
    assert_eq!(whoami.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&whoami.stderr).contains("mstro login --force"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_user_is_refused_every_mutating_type_and_users_never_see_each_others_replies() {
    let (_data, relay, ada) = relay_with_user("ada").await;
    let bob = Session::sign_in(&relay.url, &relay.add_user("bob")).await;
    let machine = MachineDirs::new();
    machine.login(&relay.url, &ada).await;
    let _running = machine.start(&relay.url);
    let id = ada.wait_online().await;

    // Bob cannot open Ada's machine until she shares it.
    assert!(bob.socket(&id).await.is_err());
    let (status, _) = bob
        .post(
            &format!("/api/machines/{id}/shares"),
            json!({ "user": "bob" }),
        )
        .await;
    assert_eq!(status, 404, "only the owner shares");
    let (status, body) = ada
        .post(
            &format!("/api/machines/{id}/shares"),
            json!({ "user": "bob", "permission": "view" }),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(bob.machines().await[0]["permission"], "view");
    assert_eq!(
        bob.machines().await[0]["sharedBy"],
        "ada",
        "bob is told whose it is"
    );
    assert_eq!(ada.machines().await[0]["sharedBy"], Value::Null);

    let mut viewer = bob.socket(&id).await.unwrap();
    let mutating = [
        "execute",
        "cancel",
        "createTab",
        "removeTab",
        "new",
        "deleteSession",
        "writeFile",
        "createFile",
        "createDirectory",
        "deleteFile",
        "renameFile",
        "terminalInit",
        "terminalInput",
        "terminalResize",
        "terminalClose",
        "gitStage",
        "gitCommit",
        "gitCheckout",
        "uploadChunk",
        "answerApproval",
        "setTabSettings",
        "somethingNew",
    ];
    for kind in mutating {
        let reply = viewer
            .request(kind, json!({ "path": "x", "prompt": "rm -rf ~" }))
            .await;
        assert_eq!(reply["data"]["code"], "forbidden", "{kind}: {reply}");
    }
    // A permission the browser claims for itself is overwritten by the relay.
    viewer
        .send(json!({ "type": "writeFile", "id": "forged", "permission": "owner", "data": {} }))
        .await;
    loop {
        let f = viewer.next().await;
        if f["id"] == "forged" {
            assert_eq!(f["data"]["code"], "forbidden");
            break;
        }
    }
    let read = viewer
        .request("readFile", json!({ "path": "hello.txt" }))
        .await;
    assert_eq!(read["data"]["content"], "hello from the machine\n");
    let found = viewer
        .request("findFiles", json!({ "query": "main" }))
        .await;
    assert_eq!(
        found["data"],
        json!({"files": [{"path": "src/main.rs", "kind": "file"}], "truncated": false}),
        "a viewer may search file names: {found}"
    );

    // Two browsers on the same machine: a reply reaches only the one that asked.
    let mut owner = ada.socket(&id).await.unwrap();
    let mut other_tab = ada.socket(&id).await.unwrap();
    let _ = owner.next().await; // machineStatus
    let _ = other_tab.next().await;
    let reply = owner
        .request("readFile", json!({ "path": "src/main.rs" }))
        .await;
    assert_eq!(reply["data"]["content"], "fn main() {}\n");
    assert!(
        other_tab
            .next_within(Duration::from_millis(500))
            .await
            .is_none(),
        "another browser saw the reply"
    );
    assert!(
        viewer
            .next_within(Duration::from_millis(200))
            .await
            .is_none(),
        "another user saw the reply"
    );

    // Bob's own machine: Ada cannot reach it at all.
    let bobs = MachineDirs::new();
    bobs.login(&relay.url, &bob).await;
    let _bobs_running = bobs.start(&relay.url);
    let deadline = Instant::now() + Duration::from_secs(20);
    let bobs_id = loop {
        let own: Vec<Value> = bob
            .machines()
            .await
            .into_iter()
            .filter(|m| m["permission"] == "owner" && m["online"] == true)
            .collect();
        if let Some(m) = own.first() {
            break m["id"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(ada.socket(&bobs_id).await.is_err());
    assert!(
        ada.machines()
            .await
            .iter()
            .all(|m| m["id"] != bobs_id.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mstro_up_gives_a_working_sign_in_link_on_loopback_only() {
    let machine = MachineDirs::new();
    let mut child = machine
        .mstro()
        .args(["up", "--listen", "127.0.0.1:0", "--user", "newcomer", "-w"])
        .arg(machine.work())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = String::new();
    let link = loop {
        let line = lines.next().expect("mstro up prints a link").unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("/#/link/") {
            break line.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let relay = link.split("/#/").next().unwrap().to_owned();
    assert!(relay.starts_with("http://127.0.0.1:"), "{printed}");
    let token = mstro_tests::relay::link_token(&link).unwrap();

    // The page itself, with its security headers.
    let page = reqwest::get(format!("{relay}/")).await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(page.text().await.unwrap().contains("/js/main.js"));

    let session = Session::sign_in(&relay, &token).await;
    let id = session.wait_online().await;
    let mut socket = session.socket(&id).await.unwrap();
    let file = socket
        .request("readFile", json!({ "path": "hello.txt" }))
        .await;
    assert_eq!(file["data"]["content"], "hello from the machine\n");
    // The link worked once.
    let again = reqwest::Client::new()
        .post(format!("{relay}/api/auth/link"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);

    // Both listeners (the relay's and the machine's local server) are loopback only.
    // Registrations only: a heartbeat's atomic write may have its `.tmp-*.part` there
    // for a moment.
    let instances: Vec<PathBuf> = std::fs::read_dir(machine.home().join("instances"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(instances.len(), 1, "{instances:?}");
    let instance: Value =
        serde_json::from_str(&std::fs::read_to_string(&instances[0]).unwrap()).unwrap();
    let relay_port: u16 = relay.rsplit(':').next().unwrap().parse().unwrap();
    let local_port = instance["port"].as_u64().unwrap() as u16;
    let health: Value = reqwest::get(format!("http://127.0.0.1:{local_port}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    for port in [relay_port, local_port] {
        let addrs = listening_addresses(port);
        assert!(!addrs.is_empty(), "nothing listens on {port}");
        assert!(
            addrs.iter().all(|a| a == "0100007F"),
            "port {port} listens on {addrs:?}"
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The local IPv4 addresses (hex, as /proc/net/tcp writes them) listening on `port`.
fn listening_addresses(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (fields.get(1), fields.get(3)) else {
                continue;
            };
            let Some((addr, p)) = local.split_once(':') else {
                continue;
            };
            if *state == "0A" && u16::from_str_radix(p, 16) == Ok(port) {
                found.push(addr.to_owned());
            }
        }
    }
    found
}

#[test]
fn unknown_subcommands_are_errors_not_a_server() {
    let out = Command::new(binaries::mstro())
        .arg("frobnicate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("frobnicate"));
}

/// The token keeper replaces a token older than a week (the old one stops working,
/// the saved one works); `logout` deregisters; `telemetry` persists its setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_refresh_logout_and_preferences() {
    use mstro::home::MstroHome;
    use mstro::home::credentials::Credentials;
    use mstro::machine::relay_api::{RelayApi, RelayApiError};
    use mstro::machine::token_keeper::refresh_if_due;

    let (_data, relay, ada) = relay_with_user("ada").await;
    let machine = MachineDirs::new();
    machine.login(&relay.url, &ada).await;
    let home = MstroHome::at(machine.home());
    let platform = RelayApi::new(&relay.url);
    let old = machine.token();
    let token = RwLock::new(old.clone());

    assert!(
        !refresh_if_due(&platform, &token, &home).await.unwrap(),
        "a fresh token is kept"
    );
    let mut credentials = Credentials::load(&home).unwrap().unwrap();
    credentials.last_refreshed_at = "2020-01-01T00:00:00Z".to_owned();
    credentials.save(&home).unwrap();
    assert!(refresh_if_due(&platform, &token, &home).await.unwrap());
    let new = machine.token();
    assert_ne!(new, old);
    assert_eq!(
        *token.read().unwrap(),
        new,
        "the running machine uses the new token"
    );
    assert!(matches!(
        platform.verify(&old).await,
        Err(RelayApiError::Unauthorized)
    ));
    assert_eq!(platform.verify(&new).await.unwrap().user.name, "ada");
    assert_eq!(machine.run(&["whoami"]).status.code(), Some(0));

    let out = machine.run(&["logout"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!machine.home().join("credentials.json").exists());
    assert!(
        matches!(
            platform.verify(&new).await,
            Err(RelayApiError::Unauthorized)
        ),
        "deregistered"
    );
    assert_eq!(machine.run(&["whoami"]).status.code(), Some(1));

    let out = machine.run(&["telemetry", "on"]);
    assert!(out.status.success());
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(machine.home().join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config["telemetry"], true);
    let out = machine.run(&["telemetry"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("telemetry: on"));
    assert!(machine.run(&["setup-terminal"]).status.success());
}

/// Issue 15, revocation: logging out, ending a session from another one, and taking
/// back a share each close the sockets they concern at once, and only those; sharing
/// answers the same whether or not a name exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_is_taken_back_at_once_and_only_where_asked() {
    let (_data, relay, ada) = relay_with_user("ada").await;
    let bob = Session::sign_in(&relay.url, &relay.add_user("bob")).await;
    let machine = MachineDirs::new();
    machine.login(&relay.url, &ada).await;
    let _running = machine.start(&relay.url);
    let id = ada.wait_online().await;
    let shares = format!("/api/machines/{id}/shares");
    let quick = Duration::from_secs(5);

    // Sharing does not tell whether a name exists.
    let (unknown, _) = ada.post(&shares, json!({ "user": "nobody-here" })).await;
    let (known, _) = ada.post(&shares, json!({ "user": "bob" })).await;
    assert_eq!((unknown, known), (204, 204));
    // The owner sees whom it is shared with; the viewer is not told.
    let (status, listed) = ada.get(&shares).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        listed,
        json!({"shares": [{"user": "bob", "permission": "view"}]})
    );
    assert_eq!(bob.get(&shares).await.0, 404, "not the viewer's to list");

    // Taking a share back closes the viewer's socket now, not at its next request.
    let mut viewer = bob.socket(&id).await.unwrap();
    let mut owner = ada.socket(&id).await.unwrap();
    assert_eq!(
        viewer.request("getActiveTabs", json!({})).await["type"],
        "getActiveTabs"
    );
    let (status, _) = bob.delete(&format!("{shares}/bob")).await;
    assert_eq!(status, 404, "only the owner takes a share back");
    let (status, _) = ada.delete(&format!("{shares}/bob")).await;
    assert_eq!(status, 204);
    let (code, reason) = viewer.closed_within(quick).await.expect("closed at once");
    assert_eq!(code, 4403, "{reason}");
    assert!(bob.socket(&id).await.is_err(), "and cannot come back");
    assert!(bob.machines().await.is_empty());
    assert_eq!(ada.get(&shares).await.1, json!({"shares": []}));
    let (again, _) = ada.delete(&format!("{shares}/bob")).await;
    let (nobody, _) = ada.delete(&format!("{shares}/nobody-here")).await;
    assert_eq!((again, nobody), (204, 204), "the same answer either way");

    // Ending another session from this one closes that session's sockets only.
    let phone = Session::sign_in(&relay.url, &relay.link("ada")).await;
    let mut on_phone = phone.socket(&id).await.unwrap();
    let (status, listed) = ada.get("/api/sessions").await;
    assert_eq!(status, 200, "{listed}");
    let sessions = listed["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{listed}");
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{listed}");
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = bob.delete(&format!("/api/sessions/{other}")).await;
    assert_eq!(status, 404, "not bob's to end");
    let (status, _) = ada.delete(&format!("/api/sessions/{other}")).await;
    assert_eq!(status, 204);
    let (code, _) = on_phone.closed_within(quick).await.expect("closed at once");
    assert_eq!(code, 4401);
    assert_eq!(phone.get("/api/me").await.0, 401, "the phone is signed out");
    assert_eq!(
        owner.request("getActiveTabs", json!({})).await["type"],
        "getActiveTabs"
    );

    // "Sign out everywhere else", then logging out closes this session's own socket.
    let laptop = Session::sign_in(&relay.url, &relay.link("ada")).await;
    let mut on_laptop = laptop.socket(&id).await.unwrap();
    let (status, ended) = ada.post("/api/sessions/end-others", json!({})).await;
    assert_eq!((status, ended["ended"].as_u64()), (200, Some(1)), "{ended}");
    assert_eq!(
        on_laptop.closed_within(quick).await.map(|c| c.0),
        Some(4401)
    );
    assert_eq!(
        owner.request("getActiveTabs", json!({})).await["type"],
        "getActiveTabs"
    );
    let (status, _) = ada.post("/api/auth/logout", json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(owner.closed_within(quick).await.map(|c| c.0), Some(4401));
}

/// Issue 15: requests from other sites and other host names are refused. A
/// cross-site form cannot sign anyone out, and a page that rebinds its own domain to
/// the relay's or the machine's loopback address gets nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_forms_and_foreign_host_names_are_refused() {
    let (_data, relay, ada) = relay_with_user("ada").await;
    let http = reqwest::Client::new();
    let logout = format!("{}/api/auth/logout", relay.url);
    // A form post (no JSON), with and without a foreign Origin: refused, still signed in.
    let form = http
        .post(&logout)
        .header("cookie", &ada.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    let foreign = http
        .post(&logout)
        .header("cookie", &ada.cookie)
        .header("origin", "https://attacker.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let foreign_delete = http
        .delete(format!("{}/api/sessions/0000000000000000", relay.url))
        .header("cookie", &ada.cookie)
        .header("origin", "null")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign_delete.status(), 403);
    assert_eq!(ada.get("/api/me").await.0, 200, "still signed in");
    // Our own page's request goes through.
    let own = http
        .post(&logout)
        .header("cookie", &ada.cookie)
        .header("origin", &relay.url)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 204);
    assert_eq!(ada.get("/api/me").await.0, 401);

    // A rebound name: the relay answers only to its own names, loopback and IPs.
    let rebound = http
        .get(format!("{}/api/me", relay.url))
        .header("host", format!("attacker.example:{}", relay.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
    let by_name = http
        .get(format!("http://localhost:{}/health", relay.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.status(), 200);

    // The machine's local server too: its /health names the workspace.
    let machine = MachineDirs::new();
    let fresh = Session::sign_in(&relay.url, &relay.link("ada")).await;
    machine.login(&relay.url, &fresh).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _running = MachineProcess {
        child: machine
            .mstro()
            .args(["--platform", &relay.url, "-p", &port.to_string(), "-w"])
            .arg(machine.work())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    };
    fresh.wait_online().await;
    let rebound = http
        .get(format!("http://127.0.0.1:{port}/health"))
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
    assert!(!rebound.text().await.unwrap().contains("work"));
    let own = http
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
}

/// Issue 15, abuse limits: password guesses, link redemptions and device requests from
/// one address are answered 429 with Retry-After once over the limit, a guessed-at
/// account is limited however the name is spelled, and the limits are per address and
/// per account (another account still signs in).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_from_one_address_get_429_with_retry_after() {
    let data = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(data.path(), 0);
    let http = reqwest::Client::new();
    let post =
        |path: &str, body: Value| http.post(format!("{}{path}", relay.url)).json(&body).send();
    let retry_after = |r: &reqwest::Response| {
        r.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
    };

    // Guessing ada's password: the account's allowance runs out first, then every
    // answer is 429 with a wait, whatever the spelling of the name.
    let mut statuses = Vec::new();
    for i in 0..8 {
        let name = if i % 2 == 0 { "ada" } else { "ADA" };
        let r = post(
            "/api/auth/login",
            json!({"name": name, "password": "wrong-guess"}),
        )
        .await
        .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            let wait = retry_after(&r).expect("Retry-After on 429");
            assert!((1..=60).contains(&wait), "{wait}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited", "{body}");
        }
    }
    assert!(
        statuses[..5].iter().all(|s| *s == 401),
        "the first guesses are answered: {statuses:?}"
    );
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");

    // Another account from the same address is still answered (the address's own
    // allowance, 10 at once, is larger than one account's, 5).
    let r = post("/api/auth/login", json!({"name": "bob", "password": "x"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Device requests: 5 at once, then 429 with a wait.
    let request = json!({"clientId": "c", "machineHostname": "h", "osType": "linux",
                         "cpuArch": "x86_64", "cliVersion": "0"});
    let mut granted = 0;
    let mut limited = None;
    for _ in 0..12 {
        let r = post("/api/auth/device/request", request.clone())
            .await
            .unwrap();
        match r.status().as_u16() {
            200 => granted += 1,
            429 => {
                limited = retry_after(&r);
                break;
            }
            s => panic!("unexpected {s}"),
        }
    }
    assert_eq!(granted, 5);
    assert!(limited.is_some_and(|w| w >= 1), "{limited:?}");

    // Link redemption by guessing tokens.
    let mut last = 0;
    for _ in 0..12 {
        last = post("/api/auth/link", json!({"token": "0".repeat(64)}))
            .await
            .unwrap()
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
}

/// Issue 15: the relay's operator can see and end a person's sessions from the shell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_commands_list_and_end_a_person_s_sessions() {
    let (data, relay, ada) = relay_with_user("ada").await;
    let second = Session::sign_in(&relay.url, &relay.link("ada")).await;
    let relay_cmd = |args: &[&str]| {
        let out = Command::new(mstro_tests::binaries::mstro())
            .arg("relay")
            .args(args)
            .arg("--data")
            .arg(data.path())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, listed, _) = relay_cmd(&["sessions", "ada"]);
    assert!(ok);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    let (ok, said, _) = relay_cmd(&["sign-out", "ada"]);
    assert!(ok);
    assert!(said.contains("out of 2 browsers"), "{said}");
    assert_eq!(ada.get("/api/me").await.0, 401);
    assert_eq!(second.get("/api/me").await.0, 401);
    let (ok, listed, _) = relay_cmd(&["sessions", "ada"]);
    assert!(ok && listed.contains("not signed in anywhere"), "{listed}");
    let (ok, _, err) = relay_cmd(&["sign-out", "nobody"]);
    assert!(!ok && err.contains("add-user nobody"), "{err}");

    // Machines: listed, and signed out by id (only the owner's).
    let machine = MachineDirs::new();
    let fresh = Session::sign_in(&relay.url, &relay.link("ada")).await;
    machine.login(&relay.url, &fresh).await;
    let (ok, listed, _) = relay_cmd(&["machines", "ada"]);
    assert!(ok);
    let id = listed.split_whitespace().next().unwrap().to_owned();
    let (ok, _, err) = relay_cmd(&["sign-out-machine", "bob-does-not-exist", &id]);
    assert!(!ok, "{err}");
    let (ok, said, _) = relay_cmd(&["sign-out-machine", "ada", &id]);
    assert!(ok && said.contains("1 token"), "{said}");
    let r = reqwest::Client::new()
        .post(format!("{}/api/auth/device/verify", relay.url))
        .bearer_auth(machine.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "its token is dead");
}

/// Issue 15: the owner signs a machine out from the web API (a stolen laptop): its
/// token stops working, it stops with a clear message, and a viewer cannot do it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_signs_a_machine_out_and_it_stops() {
    let (_data, relay, ada) = relay_with_user("ada").await;
    let bob = Session::sign_in(&relay.url, &relay.add_user("bob")).await;
    let machine = MachineDirs::new();
    machine.login(&relay.url, &ada).await;
    let mut running = machine.start(&relay.url);
    let id = ada.wait_online().await;
    let sign_out = format!("/api/machines/{id}/sign-out");
    ada.post(
        &format!("/api/machines/{id}/shares"),
        json!({"user": "bob"}),
    )
    .await;
    assert_eq!(
        bob.post(&sign_out, json!({})).await.0,
        404,
        "not the viewer's"
    );
    assert_eq!(ada.machines().await[0]["online"], true);
    assert_eq!(ada.post(&sign_out, json!({})).await.0, 204);
    let code = wait_exit(&mut running.child, Duration::from_secs(15));
    assert_eq!(code, Some(1), "the machine stops instead of retrying");
    let mut stderr = String::new();
    std::io::Read::read_to_string(running.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("mstro login --force"), "{stderr}");
    let r = reqwest::Client::new()
        .post(format!("{}/api/auth/device/verify", relay.url))
        .bearer_auth(machine.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "its token is dead");
}
