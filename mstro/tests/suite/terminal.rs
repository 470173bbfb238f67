//! Terminals (issue 18, docs/terminal.md) end to end: a browser socket through a real
//! relay (`mstro up`) to real pseudo-terminals on the machine running bash, and, where
//! tmux is installed, terminals that outlive a restart of `mstro`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use mstro_tests::mstro_up::{MstroUp, UpConfig};
use mstro_tests::relay::{BrowserSocket, Session};
use mstro_tests::require;
use serde_json::{Value, json};

/// Generous: a loaded two-core CI machine.
const LIMIT: Duration = Duration::from_secs(30);

/// A browser's view of one terminal: every byte it was sent, in order, checked
/// against the offsets, acknowledged as it arrives (unless told not to).
struct Term {
    socket: BrowserSocket,
    id: String,
    /// The offset of `screen[0]`.
    start: u64,
    screen: Vec<u8>,
    next_id: u64,
    /// Acknowledge output as it arrives (a browser that reads).
    acking: bool,
    /// Other frames (events, replies to acks).
    others: Vec<Value>,
}

impl Term {
    fn new(socket: BrowserSocket) -> Term {
        Term {
            socket,
            id: String::new(),
            start: 0,
            screen: Vec::new(),
            next_id: 1_000_000,
            acking: true,
            others: Vec::new(),
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.screen).into_owned()
    }

    fn end(&self) -> u64 {
        self.start + self.screen.len() as u64
    }

    /// Take one frame: output of our terminal goes on the screen.
    async fn take(&mut self, frame: Value) {
        if frame["type"] == "terminalOutput" && frame["data"]["terminalId"] == self.id.as_str() {
            let data = decode(&frame["data"]["data"]);
            let offset = frame["data"]["offset"].as_u64().unwrap();
            if frame["data"]["reset"] == true {
                self.start = offset;
                self.screen.clear();
            }
            assert_eq!(offset, self.end(), "output continues where it left off");
            self.screen.extend_from_slice(&data);
            if self.acking {
                let ack = json!({"type": "terminalAck", "id": format!("ack{}", self.end()),
                    "data": {"terminalId": self.id, "offset": self.end()}});
                self.socket.send(ack).await;
            }
        } else {
            self.others.push(frame);
        }
    }

    /// Send a request, keep taking frames until its answer.
    async fn call(&mut self, kind: &str, data: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.socket
            .send(json!({"type": kind, "id": id, "data": data}))
            .await;
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self
                .socket
                .next_within(left)
                .await
                .unwrap_or_else(|| panic!("no answer to {kind} within {LIMIT:?}"));
            if frame["id"] == id {
                return frame;
            }
            self.take(frame).await;
        }
    }

    /// Create a terminal and attach to it.
    async fn create(&mut self, cols: u16, rows: u16) {
        let created = self
            .call("terminalCreate", json!({"cols": cols, "rows": rows}))
            .await;
        assert_eq!(created["type"], "terminalCreate", "{created}");
        self.id = created["data"]["terminalId"].as_str().unwrap().to_owned();
        self.attach(None).await;
    }

    /// Attach to `self.id` from `from`; the answer.
    async fn attach(&mut self, from: Option<u64>) -> Value {
        let mut data = json!({"terminalId": self.id});
        if let Some(from) = from {
            data["fromOffset"] = json!(from);
        }
        let attached = self.call("terminalAttach", data).await;
        assert_eq!(attached["type"], "terminalAttach", "{attached}");
        let offset = attached["data"]["offset"].as_u64().unwrap();
        if attached["data"]["reset"] == true {
            self.start = offset;
            self.screen.clear();
        } else {
            assert_eq!(offset, self.end());
        }
        self.screen
            .extend_from_slice(&decode(&attached["data"]["data"]));
        let ack =
            json!({"type": "terminalAck", "data": {"terminalId": self.id, "offset": self.end()}});
        self.socket.send(ack).await;
        attached
    }

    async fn type_in(&mut self, text: &str) {
        let answer = self
            .call(
                "terminalInput",
                json!({"terminalId": self.id, "data": text}),
            )
            .await;
        assert_eq!(answer["data"]["ok"], true, "{answer}");
    }

    /// Take frames until the screen holds `needle`.
    async fn until(&mut self, needle: &str) {
        let deadline = Instant::now() + LIMIT;
        while !self.text().contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.socket.next_within(left).await {
                Some(frame) => self.take(frame).await,
                None => panic!(
                    "{needle:?} did not appear within {LIMIT:?}; the terminal shows:\n{}",
                    self.text()
                ),
            }
        }
    }

    /// Take frames until an event of `kind` arrives; that one.
    async fn until_event(&mut self, kind: &str) -> Value {
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Some(i) = self.others.iter().position(|f| f["type"] == kind) {
                return self.others.remove(i);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self
                .socket
                .next_within(left)
                .await
                .unwrap_or_else(|| panic!("no {kind} within {LIMIT:?}"));
            self.take(frame).await;
        }
    }
}

fn decode(data: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(data.as_str().expect("base64 text"))
        .expect("valid base64")
}

/// A machine (`mstro up`) with a workspace and a home of its own.
struct Machine {
    dir: tempfile::TempDir,
    up: MstroUp,
    session: Session,
}

impl Machine {
    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    async fn socket(&self) -> BrowserSocket {
        let machine = self.session.wait_online().await;
        self.session.socket(&machine).await.expect("a socket")
    }
}

fn env(dir: &Path, backend: &str) -> Vec<(String, String)> {
    vec![
        ("SHELL".into(), "/bin/bash".into()),
        ("HOME".into(), dir.join("home").display().to_string()),
        ("MSTRO_TERMINAL_BACKEND".into(), backend.into()),
        // A prompt that is easy to wait for and never matches a command's output.
        ("PS1".into(), "$ ".into()),
    ]
}

fn start_up(dir: &Path, backend: &str) -> MstroUp {
    MstroUp::start(&UpConfig {
        home: &dir.join("mstro-home"),
        work: &dir.join("work"),
        user: "ada",
        env: env(dir, backend),
    })
}

async fn machine(backend: &str) -> Machine {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("work")).unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    let up = start_up(dir.path(), backend);
    let (session, _, _) = up.browser().await;
    Machine { dir, up, session }
}

#[tokio::test]
async fn typing_resizing_and_a_full_screen_program() {
    let m = machine("pty").await;
    let mut t = Term::new(m.socket().await);
    t.create(80, 24).await;

    t.type_in("echo hello-$((6*7))\r").await;
    t.until("hello-42").await;

    let resized = t
        .call(
            "terminalResize",
            json!({"terminalId": t.id, "cols": 100, "rows": 30}),
        )
        .await;
    assert_eq!(resized["data"]["ok"], true, "{resized}");
    t.type_in("stty size\r").await;
    t.until("30 100").await;
    let list = t.call("terminalList", json!({})).await;
    assert_eq!(list["data"]["terminals"][0]["cols"], 100, "{list}");

    // vi switches to the alternate screen and draws its tildes; :q! leaves it.
    t.type_in("vi -u NONE -N notes.txt\r").await;
    t.until("\u{1b}[?1049h").await;
    t.until("~").await;
    t.type_in("\u{1b}:q!\r").await;
    t.until("\u{1b}[?1049l").await;

    // Bad sizes are refused, and nothing else changes.
    let refused = t
        .call(
            "terminalResize",
            json!({"terminalId": t.id, "cols": 0, "rows": 30}),
        )
        .await;
    assert_eq!(refused["data"]["code"], "malformed", "{refused}");

    // The shell's end is reported with its status.
    t.type_in("exit 3\r").await;
    let exit = t.until_event("terminalExit").await;
    assert_eq!(exit["data"]["terminalId"], t.id.as_str());
    assert_eq!(exit["data"]["exit"]["code"], 3, "{exit}");
    let typed = t
        .call("terminalInput", json!({"terminalId": t.id, "data": "ls\r"}))
        .await;
    assert_eq!(typed["data"]["code"], "invalid", "{typed}");
}

#[tokio::test]
async fn ctrl_c_interrupts_the_program_in_the_foreground() {
    let m = machine("pty").await;
    let mut t = Term::new(m.socket().await);
    t.create(80, 24).await;
    t.type_in("echo ready-$((1+1))\r").await;
    t.until("ready-2").await;
    t.type_in("sleep 60; echo slept-$((1+1))\r").await;
    // Typed before sleep runs, the ^C would only clear the command line.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now();
    t.type_in("\u{3}").await;
    t.type_in("echo after-$((1+1))\r").await;
    t.until("after-2").await;
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "the sleep ran on: {:?}",
        t.text()
    );
    assert!(!t.text().contains("slept-2"), "{}", t.text());
}

#[tokio::test]
async fn a_browser_that_comes_back_gets_the_scrollback_and_continues() {
    let m = machine("pty").await;
    let mut first = Term::new(m.socket().await);
    first.create(80, 24).await;
    // The command line is echoed too: wait for what only the output holds.
    first.type_in("echo before-$((40+2))\r").await;
    first.until("before-42").await;
    let seen = first.end();
    let id = first.id.clone();
    drop(first);

    // Nobody watches: the terminal lives on and keeps what it prints.
    let mut second = Term::new(m.socket().await);
    second.id = id.clone();
    let list = second.call("terminalList", json!({})).await;
    assert_eq!(list["data"]["terminals"][0]["terminalId"], id.as_str());
    assert!(list["data"]["terminals"][0]["exit"].is_null(), "{list}");
    // Continue from where the first browser was: no reset, nothing seen twice.
    second.start = seen;
    let attached = second.attach(Some(seen)).await;
    assert_eq!(attached["data"]["reset"], false, "{attached}");
    assert!(!second.text().contains("before-42"));
    second.type_in("echo after-$((1+1))\r").await;
    second.until("after-2").await;

    // A third browser with nothing: the whole scrollback.
    let mut third = Term::new(m.socket().await);
    third.id = id;
    let attached = third.attach(None).await;
    assert_eq!(attached["data"]["reset"], true);
    third.until("before-42").await;
    third.until("after-2").await;
}

#[tokio::test]
async fn a_flood_is_paced_to_what_each_browser_takes() {
    let m = machine("pty").await;
    let pid = m.up.child.id();
    let mut owner = Term::new(m.socket().await);
    owner.create(80, 24).await;
    let before = rss_kib(pid);

    // A browser that reads nothing after attaching: it is sent one window, no more,
    // while the program keeps printing (to the owner, who reads).
    let mut stuck = Term::new(m.socket().await);
    stuck.id = owner.id.clone();
    stuck.acking = false;
    stuck.attach(None).await;
    let stuck_from = stuck.end();

    owner
        .type_in(
            "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 64000000; echo FLOOD-$((40+2))\r",
        )
        .await;
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    while !owner.text().contains("FLOOD-42") {
        assert!(Instant::now() < deadline, "the flood did not end");
        if let Some(frame) = owner.socket.next_within(LIMIT).await {
            owner.take(frame).await;
        }
        // Keep only the tail: the test's own memory is not what is measured.
        if owner.screen.len() > 1 << 20 {
            let cut = owner.screen.len() - 4096;
            owner.screen.drain(..cut);
            owner.start += cut as u64;
        }
        peak = peak.max(rss_kib(pid));
    }
    assert!(
        owner.end() > 64_000_000,
        "the owner got all of it: {}",
        owner.end()
    );
    // The machine's memory stayed within the documented bound (docs/terminal.md):
    // 64 MB went through it.
    let grown = peak.saturating_sub(before);
    eprintln!("mstro's resident memory: {before} KiB before, {peak} KiB at the peak of the flood");
    assert!(
        grown < 24 * 1024,
        "mstro grew by {grown} KiB during a 64 MB flood (before {before} KiB, peak {peak} KiB)"
    );

    // The stuck browser was sent at most one window (256 KiB) beyond what it had.
    let mut got = 0u64;
    while let Some(frame) = stuck.socket.next_within(Duration::from_millis(500)).await {
        if frame["type"] == "terminalOutput" {
            got += decode(&frame["data"]["data"]).len() as u64;
            assert_eq!(frame["data"]["terminalId"], stuck.id.as_str());
        }
    }
    assert!(
        got <= 256 * 1024,
        "a browser that acknowledged nothing was sent {got} bytes past {stuck_from}"
    );
    // And once it acknowledges, it is sent more: from the oldest kept byte, with a
    // reset, since it fell further behind than the scrollback.
    stuck.acking = true;
    let ack = json!({"type": "terminalAck", "data": {"terminalId": stuck.id, "offset": stuck_from + got}});
    stuck.socket.send(ack).await;
    let frame = loop {
        let frame = stuck.socket.next_within(LIMIT).await.expect("more output");
        if frame["type"] == "terminalOutput" {
            break frame;
        }
    };
    assert_eq!(frame["data"]["reset"], true, "{frame}");
}

/// Resident memory of `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_viewer_watches_but_cannot_type() {
    let m = machine("pty").await;
    let mut owner = Term::new(m.socket().await);
    owner.create(80, 24).await;

    // Bob, with the machine shared read-only.
    let out = std::process::Command::new(mstro_tests::binaries::mstro())
        .args(["relay", "add-user", "bob", "--data"])
        .arg(m.dir.path().join("mstro-home/relay"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let token = mstro_tests::relay::link_token(&text).expect("a link for bob");
    let bob = Session::sign_in(&m.up.relay_url(), &token).await;
    let machine = m.session.wait_online().await;
    let (status, _) = m
        .session
        .post(
            &format!("/api/machines/{machine}/shares"),
            json!({"user": "bob", "permission": "view"}),
        )
        .await;
    assert_eq!(status, 204);
    let mut viewer = Term::new(bob.socket(&machine).await.unwrap());
    viewer.id = owner.id.clone();
    viewer.attach(None).await;

    owner.type_in("echo shared-$((2*3))\r").await;
    viewer.until("shared-6").await;

    for (kind, data) in [
        (
            "terminalInput",
            json!({"terminalId": owner.id, "data": "rm -rf ~\r"}),
        ),
        (
            "terminalResize",
            json!({"terminalId": owner.id, "cols": 10, "rows": 10}),
        ),
        ("terminalClose", json!({"terminalId": owner.id})),
        ("terminalCreate", json!({"cols": 80, "rows": 24})),
    ] {
        let refused = viewer.call(kind, data).await;
        assert_eq!(refused["data"]["code"], "forbidden", "{kind}: {refused}");
    }
    let list = viewer.call("terminalList", json!({})).await;
    assert_eq!(list["data"]["terminals"].as_array().unwrap().len(), 1);
    assert_eq!(
        list["data"]["terminals"][0]["cols"], 80,
        "not resized by the viewer"
    );
}

#[tokio::test]
async fn closing_a_terminal_ends_everything_it_started() {
    let m = machine("pty").await;
    let mut t = Term::new(m.socket().await);
    t.create(80, 24).await;
    let marker = format!("{}", std::process::id() % 1000 + 7000);
    // In the background, in a session of its own, and immune to hangups.
    t.type_in(&format!(
        "sleep {marker}1 & setsid sleep {marker}2 & nohup sleep {marker}3 >/dev/null 2>&1 & echo STARTED\r"
    ))
    .await;
    t.until("STARTED").await;
    let deadline = Instant::now() + LIMIT;
    while sleepers(&marker).len() < 3 {
        assert!(Instant::now() < deadline, "the sleeps did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let closed = t.call("terminalClose", json!({"terminalId": t.id})).await;
    assert_eq!(closed["data"]["ok"], true, "{closed}");
    let deadline = Instant::now() + LIMIT;
    while !sleepers(&marker).is_empty() {
        assert!(
            Instant::now() < deadline,
            "still running after close: {:?}",
            sleepers(&marker)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let list = t.call("terminalList", json!({})).await;
    assert_eq!(list["data"]["terminals"], json!([]), "{list}");
    let gone = t
        .call("terminalInput", json!({"terminalId": t.id, "data": "x"}))
        .await;
    assert_eq!(gone["data"]["code"], "not_found", "{gone}");
}

/// The pids of the test's `sleep {marker}N` processes.
fn sleepers(marker: &str) -> Vec<String> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.starts_with("sleep ") && cmdline.contains(&format!(" {marker}")) {
            pids.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    pids
}

/// tmux is what makes terminals outlive `mstro`.
fn tmux() -> Result<(), String> {
    match std::process::Command::new("tmux").arg("-V").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err("tmux is not installed".into()),
    }
}

#[tokio::test]
async fn with_tmux_a_terminal_outlives_a_restart_of_mstro() {
    require!(tmux());
    let mut m = machine("tmux").await;
    let mut t = Term::new(m.socket().await);
    t.create(80, 24).await;
    let list = t.call("terminalList", json!({})).await;
    assert_eq!(list["data"]["terminals"][0]["backend"], "tmux", "{list}");
    t.type_in("i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.2; done\r")
        .await;
    t.until("tick-3").await;
    let id = t.id.clone();
    drop(t);

    // mstro dies (as in a crash or an upgrade) and starts again.
    m.up.kill();
    m.up = start_up(m.dir.path(), "tmux");
    let token = mstro_tests::relay::link_token(&m.up.link).unwrap();
    m.session = Session::sign_in(&m.up.relay_url(), &token).await;
    let mut t = Term::new(m.socket().await);
    t.id = id.clone();
    let list = t.call("terminalList", json!({})).await;
    assert_eq!(
        list["data"]["terminals"][0]["terminalId"],
        id.as_str(),
        "{list}"
    );
    t.attach(None).await;
    // The loop is still running: ticks keep coming, past any number seen before.
    t.until("tick-").await;
    let highest = |text: &str| {
        text.split("tick-")
            .skip(1)
            .filter_map(|s| {
                s.split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse::<u32>()
                    .ok()
            })
            .max()
            .unwrap_or(0)
    };
    let now = highest(&t.text());
    t.until(&format!("tick-{}", now + 3)).await;

    let closed = t.call("terminalClose", json!({"terminalId": id})).await;
    assert_eq!(closed["data"]["ok"], true, "{closed}");
    let _ = m.work();
}

#[test]
fn setup_terminal_says_what_the_terminal_will_do() {
    let run = |backend: &str| {
        let out = std::process::Command::new(mstro_tests::binaries::mstro())
            .arg("setup-terminal")
            .env("SHELL", "/bin/bash")
            .env("MSTRO_TERMINAL_BACKEND", backend)
            .env("MSTRO_TERMINAL_IDLE_HOURS", "2")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run("pty");
    assert!(text.contains("pseudo-terminals: work"), "{text}");
    assert!(text.contains("/bin/bash (from $SHELL)"), "{text}");
    assert!(
        text.contains("not used (MSTRO_TERMINAL_BACKEND=pty)"),
        "{text}"
    );
    assert!(text.contains("terminals end when mstro stops"), "{text}");
    assert!(text.contains("for 2 h"), "{text}");
    if tmux().is_ok() {
        let text = run("tmux");
        assert!(text.contains("outlive a restart of mstro"), "{text}");
    }
}
