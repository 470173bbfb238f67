//! Sessions end to end (issue 7, docs/sessions.md): a browser socket through a real
//! relay (`mstro up`) runs the real Claude Code CLI on the machine against a fake
//! Messages API, with `mstro-bouncer mcp` deciding every tool call it is asked about.
//! Each test asserts the exact sequence of events the browser receives.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mstro_tests::fake_api::{self, Block, FakeApi, Reply, tool_results};
use mstro_tests::mstro_up::{MstroUp, UpConfig, claude_env};
use mstro_tests::relay::{BrowserSocket, Session};
use mstro_tests::{claude, require};
use serde_json::{Value, json};

/// One run of the real CLI, generously: a loaded two-core CI machine.
pub(crate) const RUN_LIMIT: Duration = Duration::from_secs(120);

/// A machine (`mstro up`) with a workspace, a home for Claude Code and mstro, and a
/// signed-in browser.
pub(crate) struct Machine {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) up: MstroUp,
    pub(crate) session: Session,
}

impl Machine {
    pub(crate) fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }
    pub(crate) fn mstro_home(&self) -> PathBuf {
        self.dir.path().join("mstro-home")
    }
    fn history_dir(&self) -> PathBuf {
        self.work().join(".mstro/history")
    }
}

fn dirs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("work/src")).unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    std::fs::write(dir.path().join("work/src/main.rs"), "fn main() {}\n").unwrap();
    dir
}

fn up(dir: &Path, env: Vec<(String, String)>) -> MstroUp {
    MstroUp::start(&UpConfig {
        home: &dir.join("mstro-home"),
        work: &dir.join("work"),
        user: "ada",
        env,
    })
}

/// A machine whose sessions use the real CLI against `api`, or `None` (skipped) when
/// the CLI is unavailable outside CI.
pub(crate) async fn machine_with(
    api: &FakeApi,
    extra: &[(&str, &str)],
) -> Result<(Machine, BrowserSocket), String> {
    let claude = claude::executable()?;
    let dir = dirs();
    let mut env = claude_env(claude, api.url(), &dir.path().join("home"));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let up = up(dir.path(), env);
    let (session, _, socket) = up.browser().await;
    Ok((Machine { dir, up, session }, socket))
}

/// A machine whose `claude` is `program` (no real CLI needed).
async fn machine_running(program: &Path) -> (Machine, BrowserSocket) {
    let dir = dirs();
    let env = vec![
        ("MSTRO_CLAUDE_BIN".to_owned(), program.display().to_string()),
        (
            "MSTRO_BOUNCER_BIN".to_owned(),
            mstro_tests::binaries::mstro_bouncer().display().to_string(),
        ),
    ];
    let up = up(dir.path(), env);
    let (session, _, socket) = up.browser().await;
    (Machine { dir, up, session }, socket)
}

pub(crate) async fn create_tab(socket: &mut BrowserSocket) -> String {
    let reply = socket.request("createTab", json!({})).await;
    assert_eq!(reply["type"], "createTab", "{reply}");
    reply["data"]["tabId"].as_str().unwrap().to_owned()
}

/// The first tool result among `events`.
pub(crate) fn tool_result(events: &[Value]) -> &Value {
    events
        .iter()
        .find(|e| e["type"] == "toolUse" && e["data"]["phase"] == "result")
        .unwrap_or_else(|| panic!("no tool result in:\n{}", pretty(events)))
}

/// Every tool result the model was sent, in order.
pub(crate) fn told(api: &FakeApi) -> Vec<String> {
    api.requests()
        .iter()
        .flat_map(|r| {
            tool_results(r)
                .into_iter()
                .map(fake_api::result_text)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The tab's events among `frames`.
fn of_tab<'a>(frames: &'a [Value], tab: &str) -> Vec<&'a Value> {
    frames
        .iter()
        .filter(|f| f["tabId"] == tab && f["data"]["seq"].is_u64())
        .collect()
}

/// Read events of `tab` until its movement ended and the tab is idle again.
pub(crate) async fn until_idle(
    socket: &mut BrowserSocket,
    tab: &str,
    mut events: Vec<Value>,
) -> Vec<Value> {
    let deadline = Instant::now() + RUN_LIMIT;
    loop {
        let ended = events.iter().any(|e| {
            e["tabId"] == tab && (e["type"] == "movementComplete" || e["type"] == "movementError")
        });
        if ended
            && events
                .last()
                .is_some_and(|e| e["type"] == "tabStateChanged" && e["data"]["state"] != "running")
        {
            return events.into_iter().filter(|e| e["tabId"] == tab).collect();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match socket.next_within(left.min(Duration::from_secs(60))).await {
            Some(frame) => events.push(frame),
            None => panic!(
                "the movement did not end within {RUN_LIMIT:?}; events so far:\n{}",
                pretty(&events)
            ),
        }
    }
}

/// `execute` a prompt on `tab`; the frames that arrived before the ack.
pub(crate) async fn start(
    socket: &mut BrowserSocket,
    tab: &str,
    prompt: &str,
    msg_id: &str,
) -> Vec<Value> {
    let mut early = Vec::new();
    let ack = socket
        .request_tab(
            "execute",
            tab,
            json!({"prompt": prompt, "msgId": msg_id}),
            &mut early,
        )
        .await;
    assert_eq!(ack["type"], "executeAck", "{ack}");
    assert_eq!(ack["data"]["duplicate"], false);
    early
}

/// `execute` a prompt on `tab` and collect the movement's events.
pub(crate) async fn run(
    socket: &mut BrowserSocket,
    tab: &str,
    prompt: &str,
    msg_id: &str,
) -> Vec<Value> {
    let early = start(socket, tab, prompt, msg_id).await;
    until_idle(socket, tab, early).await
}

/// Read frames into `events` until `count` output events have streamed.
async fn until_output(socket: &mut BrowserSocket, events: &mut Vec<Value>, count: usize) {
    while events.iter().filter(|e| e["type"] == "output").count() < count {
        events.push(socket.next_within(RUN_LIMIT).await.expect("output streams"));
    }
}

pub(crate) fn pretty(events: &[Value]) -> String {
    events
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The sequence as a list of words: `type` (with the toolUse phase, the decision's
/// outcome, the terminal status), consecutive text chunks merged (their split depends
/// on timing), `streamingTokens` left out (when they arrive depends on timing too).
pub(crate) fn shape(events: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        let d = &e["data"];
        let word = match e["type"].as_str().unwrap() {
            "streamingTokens" => continue,
            "toolUse" => format!("toolUse:{}", d["phase"].as_str().unwrap()),
            "bouncerDecision" => format!("bouncerDecision:{}", d["outcome"].as_str().unwrap()),
            "movementComplete" => format!("movementComplete:{}", d["status"].as_str().unwrap()),
            "movementError" => format!("movementError:{}", d["kind"].as_str().unwrap()),
            "tabStateChanged" => format!("tabStateChanged:{}", d["state"].as_str().unwrap()),
            other => other.to_owned(),
        };
        if (word == "output" || word == "thinking") && out.last() == Some(&word) {
            continue;
        }
        out.push(word);
    }
    out
}

/// Every event's seq, 1 more than the one before, from `first`.
fn assert_contiguous(events: &[Value], first: u64) {
    let seqs: Vec<u64> = events
        .iter()
        .map(|e| e["data"]["seq"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = (first..first + seqs.len() as u64).collect();
    assert_eq!(
        seqs,
        expected,
        "seqs must be contiguous:\n{}",
        pretty(events)
    );
    let epochs: std::collections::HashSet<_> = events.iter().map(|e| &e["data"]["epoch"]).collect();
    assert_eq!(epochs.len(), 1, "one epoch");
}

fn text(events: &[Value], kind: &str) -> String {
    events
        .iter()
        .filter(|e| e["type"] == kind)
        .map(|e| e["data"]["text"].as_str().unwrap())
        .collect()
}

pub(crate) fn find<'a>(events: &'a [Value], kind: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in:\n{}", pretty(events)))
}

/// The conversation: the given Bash commands one after another, then a final text.
pub(crate) fn conversation(
    commands: &'static [&'static str],
) -> impl Fn(&Value) -> Reply + Send + Sync {
    move |req| match commands.get(tool_results(req).len()) {
        Some(c) => Reply::bash(c),
        None => Reply::Text("All done.".into()),
    }
}

const START: [&str; 2] = ["movementStart", "tabStateChanged:running"];

fn expect(middle: &[&str], end: &str) -> Vec<String> {
    START
        .iter()
        .chain(middle)
        .chain(&[end, "tabStateChanged:idle"])
        .map(|s| s.to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_only_streams_and_completes_with_usage_and_history() {
    let api = FakeApi::start(|_| Reply::Text("Hello from the **fake** model.".into()));
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Say hello", "p-1").await;
    assert_eq!(
        shape(&events),
        expect(&["output"], "movementComplete:completed"),
        "{}",
        pretty(&events)
    );
    assert_contiguous(&events, 1);
    assert_eq!(text(&events, "output"), "Hello from the **fake** model.");
    let start = find(&events, "movementStart");
    assert_eq!(start["data"]["prompt"], "Say hello");
    assert_eq!(start["data"]["msgId"], "p-1");
    let done = &find(&events, "movementComplete")["data"];
    assert_eq!(done["result"], "Hello from the **fake** model.");
    assert!(
        done["usage"]["outputTokens"].as_u64().unwrap() > 0,
        "{done}"
    );
    assert!(done["usage"]["costUsd"].is_number(), "{done}");
    let claude_session = done["claudeSessionId"].as_str().unwrap().to_owned();

    // The history file is there, and the session lists with its title.
    let reply = socket.request("getSessions", json!({})).await;
    let sessions = reply["data"]["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{reply}");
    assert_eq!(sessions[0]["title"], "Say hello");
    let session_id = sessions[0]["id"].as_str().unwrap().to_owned();
    assert!(m.history_dir().join(format!("{session_id}.json")).is_file());

    // A second prompt resumes Claude Code's session, without pasting the first.
    let events = run(&mut socket, &tab, "And again", "p-2").await;
    assert_eq!(
        find(&events, "movementStart")["data"]["resume"],
        claude_session.as_str()
    );
    let last = api.requests().last().cloned().unwrap();
    let user_texts: Vec<String> = last["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].to_string())
        .collect();
    assert_eq!(
        user_texts
            .iter()
            .filter(|t| t.contains("Say hello"))
            .count(),
        1,
        "the first prompt is in the conversation once, as Claude Code's own history: {user_texts:?}"
    );
    // A replayed prompt id never runs twice.
    let mut others = Vec::new();
    let dup = socket
        .request_tab(
            "execute",
            &tab,
            json!({"prompt": "Say hello", "msgId": "p-1"}),
            &mut others,
        )
        .await;
    assert_eq!(dup["data"]["duplicate"], true, "{dup}");
    let search = socket
        .request("searchHistory", json!({"query": "AGAIN"}))
        .await;
    assert_eq!(
        search["data"]["results"][0]["sessionId"],
        session_id.as_str(),
        "{search}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_call_the_rules_allow_runs_and_its_output_streams_back() {
    let api = FakeApi::start(conversation(&["touch created-by-mstro.txt && ls"]));
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    // A project that allows every Bash call in its own Claude Code settings, by rule,
    // mode and hook, and turns hooks off (a cloned repository can ship all of that),
    // does not get past the bouncer: it is still asked.
    std::fs::create_dir_all(m.work().join(".claude")).unwrap();
    let allow_hook = r#"printf '%s' '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}'"#;
    let settings = json!({
        "permissions": {"allow": ["Bash"], "defaultMode": "bypassPermissions"},
        "disableAllHooks": true,
        "hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": allow_hook}]}]},
    });
    std::fs::write(m.work().join(".claude/settings.json"), settings.to_string()).unwrap();
    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Create a file", "p-1").await;
    assert_eq!(
        shape(&events),
        expect(
            &[
                "toolUse:start",
                "toolUse:input",
                "bouncerDecision:allow",
                "toolUse:result",
                "output"
            ],
            "movementComplete:completed"
        ),
        "{}",
        pretty(&events)
    );
    let decision = &find(&events, "bouncerDecision")["data"];
    assert_eq!(decision["tool"], "Bash");
    assert!(
        decision["operation"]
            .as_str()
            .unwrap()
            .contains("touch created-by-mstro.txt")
    );
    assert!(decision["latencyMs"].is_number());
    let tool_id = find(&events, "toolUse")["data"]["toolUseId"].clone();
    assert_eq!(decision["toolUseId"], tool_id);
    let result = tool_result(&events);
    assert_eq!(result["data"]["isError"], false);
    assert!(
        result["data"]["result"]
            .as_str()
            .unwrap()
            .contains("created-by-mstro.txt"),
        "{result}"
    );
    assert!(m.work().join("created-by-mstro.txt").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_critical_tool_call_is_denied_and_the_model_sees_our_reason() {
    let api = FakeApi::start(conversation(&["rm -rf ~"]));
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    let marker = m.dir.path().join("home/keep-me");
    std::fs::write(&marker, "x").unwrap();
    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Clean up", "p-1").await;
    assert_eq!(
        shape(&events),
        expect(
            &[
                "toolUse:start",
                "toolUse:input",
                "bouncerDecision:deny",
                "toolUse:result",
                "output"
            ],
            "movementComplete:completed"
        ),
        "{}",
        pretty(&events)
    );
    let decision = &find(&events, "bouncerDecision")["data"];
    assert_eq!(decision["verdict"], "deny");
    assert_eq!(decision["layer"], "rule");
    assert!(
        !decision["ruleIds"].as_array().unwrap().is_empty(),
        "{decision}"
    );
    let reason = decision["reason"].as_str().unwrap();
    let result = tool_result(&events);
    assert_eq!(result["data"]["isError"], true);
    // What the model was told is our reason.
    let told = told(&api);
    assert!(
        told.iter().any(|t| t.contains(reason)),
        "{told:?} vs {reason}"
    );
    assert!(marker.is_file(), "the home directory survived");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_tool_call_is_decided_by_the_reviewer() {
    const PROFILE_EDIT: &str = "echo 'export MSTRO_E2E=1' >> ~/.bashrc";
    let api = FakeApi::with_reviewer(conversation(&[PROFILE_EDIT]), |_| {
        fake_api::review("allow", 95)
    });
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    std::fs::write(
        m.mstro_home().join("bouncer.yaml"),
        "reviewer:\n  provider: anthropic\n  timeout_seconds: 5\n",
    )
    .unwrap();
    let tab = create_tab(&mut socket).await;
    let events = run(
        &mut socket,
        &tab,
        "Make MSTRO_E2E available in every shell",
        "p-1",
    )
    .await;
    let decision = &find(&events, "bouncerDecision")["data"];
    assert_eq!(decision["verdict"], "review", "{}", pretty(&events));
    assert_eq!(decision["layer"], "ai");
    assert_eq!(decision["outcome"], "allow");
    assert_eq!(decision["reviewerReason"], "scripted allow");
    let asked = api.reviews();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0]
            .to_string()
            .contains("Make MSTRO_E2E available in every shell"),
        "the prompt reaches the reviewer as the person's request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thinking_and_text_in_one_reply() {
    let api = FakeApi::start(|_| {
        Reply::Blocks(vec![
            Block::Thinking("Let me think about this.".into()),
            Block::Text("Here is the answer.".into()),
        ])
    });
    let (_m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Think", "p-1").await;
    assert_eq!(
        shape(&events),
        expect(&["thinking", "output"], "movementComplete:completed"),
        "{}",
        pretty(&events)
    );
    assert_eq!(text(&events, "thinking"), "Let me think about this.");
    assert_eq!(text(&events, "output"), "Here is the answer.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_error_is_a_movement_error() {
    let api = FakeApi::start(|_| Reply::Error {
        status: 400,
        kind: "invalid_request_error".into(),
        message: "fake refusal".into(),
    });
    let (_m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Fail", "p-1").await;
    assert_eq!(
        shape(&events),
        expect(&["output"], "movementError:claude_error"),
        "{}",
        pretty(&events)
    );
    let error = &find(&events, "movementError")["data"];
    assert!(
        error["message"].as_str().unwrap().contains("400"),
        "{error}"
    );
    assert_eq!(error["exitCode"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_cancelled_mid_stream_is_recorded_as_cancelled() {
    let chunks: Vec<String> = (0..200).map(|i| format!("chunk {i} ")).collect();
    let api = FakeApi::start(move |_| Reply::Dribble {
        chunks: chunks.clone(),
        every: Duration::from_millis(100),
    });
    let (_m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;
    let mut events = start(&mut socket, &tab, "Stream", "p-1").await;
    // Wait for some output, then stop.
    until_output(&mut socket, &mut events, 1).await;
    let stopped = Instant::now();
    let reply = socket
        .request_tab("cancel", &tab, json!({}), &mut events)
        .await;
    assert_eq!(reply["data"]["cancelled"], true, "{reply}");
    let events = until_idle(&mut socket, &tab, events).await;
    assert!(
        stopped.elapsed() < Duration::from_secs(10),
        "a cancel is prompt"
    );
    assert_eq!(
        shape(&events),
        expect(&["output"], "movementComplete:cancelled"),
        "{}",
        pretty(&events)
    );
    assert_contiguous(&events, 1);
    // Recorded as such in history.
    let sessions = socket.request("getSessions", json!({})).await;
    let id = sessions["data"]["sessions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = socket
        .request("getSessionById", json!({"sessionId": id}))
        .await;
    let stored = session["data"]["session"]["movements"][0]["events"].to_string();
    assert!(stored.contains("\"cancelled\""), "{stored}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_prompts_racing_on_one_tab_run_exactly_once() {
    let api = FakeApi::start(|_| {
        Reply::Slow(
            Duration::from_millis(500),
            Box::new(Reply::Text("one".into())),
        )
    });
    let (_m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;
    for (id, msg) in [(101, "a"), (102, "b")] {
        socket
            .send(json!({"type": "execute", "id": id, "tabId": tab, "data": {"prompt": "Race", "msgId": msg}}))
            .await;
    }
    let mut frames = Vec::new();
    while frames
        .iter()
        .filter(|f: &&Value| f["id"] == 101 || f["id"] == 102)
        .count()
        < 2
    {
        frames.push(socket.next().await);
    }
    let answers: Vec<&Value> = frames
        .iter()
        .filter(|f| f["id"] == 101 || f["id"] == 102)
        .collect();
    let acks = answers.iter().filter(|f| f["type"] == "executeAck").count();
    let busy = answers
        .iter()
        .filter(|f| f["type"] == "error" && f["data"]["code"] == "tab_busy")
        .count();
    assert_eq!((acks, busy), (1, 1), "{answers:?}");
    let events = until_idle(&mut socket, &tab, frames).await;
    let events: Vec<Value> = of_tab(&events, &tab).into_iter().cloned().collect();
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "movementStart")
            .count(),
        1
    );
    let conversations = api.requests().len();
    assert_eq!(conversations, 1, "Claude Code ran once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_away_for_30_s_mid_run_gets_every_event_exactly_once() {
    // About 45 s of output, a chunk every 300 ms.
    let chunks: Vec<String> = (0..150).map(|i| format!("[{i}]")).collect();
    let all: String = chunks.concat();
    let api = FakeApi::start(move |_| Reply::Dribble {
        chunks: chunks.clone(),
        every: Duration::from_millis(300),
    });
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;
    let mut seen = start(&mut socket, &tab, "Stream slowly", "p-1").await;
    until_output(&mut socket, &mut seen, 3).await;
    let seen: Vec<Value> = of_tab(&seen, &tab).into_iter().cloned().collect();
    let last = seen.last().unwrap()["data"]["seq"].as_u64().unwrap();
    let epoch = seen[0]["data"]["epoch"].clone();
    // The network drops for 30 s.
    drop(socket);
    let drop_started = Instant::now();
    tokio::time::sleep(Duration::from_secs(30)).await;
    let machine = m.session.wait_online().await;
    let mut socket = m.session.socket(&machine).await.unwrap();
    assert!(drop_started.elapsed() >= Duration::from_secs(30));
    let mut live = Vec::new();
    let reply = socket
        .request_tab(
            "initTab",
            &tab,
            json!({"epoch": epoch, "lastSeenSeq": last}),
            &mut live,
        )
        .await;
    assert_eq!(reply["data"]["mode"], "replay", "{reply}");
    let mut all_events = seen.clone();
    all_events.extend(reply["data"]["events"].as_array().unwrap().iter().cloned());
    let replayed_to = all_events.last().unwrap()["data"]["seq"].as_u64().unwrap();
    // Live events that raced the reply are dropped by seq, as the web app does.
    let rest = until_idle(&mut socket, &tab, live).await;
    all_events.extend(
        rest.into_iter()
            .filter(|e| e["data"]["seq"].as_u64().unwrap() > replayed_to),
    );
    assert_contiguous(&all_events, 1);
    assert_eq!(
        text(&all_events, "output"),
        all,
        "every chunk exactly once, in order"
    );
    assert_eq!(
        shape(&all_events),
        expect(&["output"], "movementComplete:completed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_restart_yields_a_snapshot_and_history_survives_kill_9() {
    let chunks: Vec<String> = (0..40).map(|i| format!("<{i}>")).collect();
    let api = FakeApi::start(move |req| {
        if fake_api::last_user_text(req).contains("slow") {
            Reply::Dribble {
                chunks: chunks.clone(),
                every: Duration::from_millis(100),
            }
        } else {
            Reply::Text("Remember me.".into())
        }
    });
    let (mut m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;
    // The tab's settings come back with it.
    let settings = json!({"model": null, "askPerson": "never"});
    let mut told = Vec::new();
    let set = socket
        .request_tab("setTabSettings", &tab, settings.clone(), &mut told)
        .await;
    assert_eq!(set["data"], settings, "{set}");
    let first = run(&mut socket, &tab, "First prompt", "p-1").await;
    let epoch = first[0]["data"]["epoch"].clone();
    let last = first.last().unwrap()["data"]["seq"].clone();
    let session_id = find(&first, "tabStateChanged")["data"]["sessionId"].clone();

    // kill -9 in the middle of a second run: the history file is whole.
    let mut events = start(&mut socket, &tab, "Now slow", "p-2").await;
    until_output(&mut socket, &mut events, 1).await;
    m.up.kill();
    let file = m
        .history_dir()
        .join(format!("{}.json", session_id.as_str().unwrap()));
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
        .expect("the history file is whole JSON after kill -9");
    assert_eq!(stored["movements"][0]["prompt"], "First prompt");
    assert_eq!(
        stored["movements"][1]["prompt"], "Now slow",
        "the prompt was saved before the run"
    );
    // Every file in the directory parses (no half-written file under a session name).
    for entry in std::fs::read_dir(m.history_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str::<Value>(&std::fs::read_to_string(&path).unwrap()).unwrap();
        }
    }
    // A corrupted file beside it is reported and skipped.
    std::fs::write(m.history_dir().join("s-broken.json"), "{ not json").unwrap();

    // The machine comes back (a new process: a new epoch).
    let env = claude_env(
        claude::executable().unwrap(),
        api.url(),
        &m.dir.path().join("home"),
    );
    m.up = up(m.dir.path(), env);
    let (session, _, new_socket) = m.up.browser().await;
    socket = new_socket;
    m.session = session;
    let mut live = Vec::new();
    let reply = socket
        .request_tab(
            "initTab",
            &tab,
            json!({"epoch": epoch, "lastSeenSeq": last, "sessionId": session_id}),
            &mut live,
        )
        .await;
    let data = &reply["data"];
    assert_eq!(data["mode"], "snapshot", "{reply}");
    assert_ne!(data["epoch"], epoch);
    assert_eq!(data["snapshot"]["settings"], settings, "{reply}");
    let movements = data["snapshot"]["movements"].as_array().unwrap();
    assert_eq!(movements[0]["prompt"], "First prompt");
    assert!(movements[0]["events"].to_string().contains("Remember me."));
    assert_eq!(movements[1]["prompt"], "Now slow");
    assert!(
        of_tab(&live, &tab).is_empty(),
        "no stale increments: {live:?}"
    );
    let sessions = socket.request("getSessions", json!({})).await;
    assert_eq!(sessions["data"]["total"], 1, "{sessions}");
    assert_eq!(
        sessions["data"]["problems"][0]["file"], "s-broken.json",
        "{sessions}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_crashing_claude_is_a_clear_movement_error() {
    let (_m, mut socket) = machine_running(Path::new("/nonexistent/claude")).await;
    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Hello?", "p-1").await;
    assert_eq!(shape(&events), expect(&[], "movementError:claude_missing"));
    let message = find(&events, "movementError")["data"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("MSTRO_CLAUDE_BIN"), "{message}");

    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("claude");
    std::fs::write(
        &script,
        "#!/bin/sh\necho 'boom: the model exploded' >&2\nexit 3\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (_m, mut socket) = machine_running(&script).await;
    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Hello?", "p-1").await;
    assert_eq!(shape(&events), expect(&[], "movementError:crashed"));
    let error = &find(&events, "movementError")["data"];
    assert_eq!(error["exitCode"], 3);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("boom: the model exploded"),
        "{error}"
    );
}

/// A stand-in `claude` that starts like the real one, leaves a grandchild running,
/// then goes silent.
fn silent_claude(dir: &Path) -> PathBuf {
    let script = dir.join("claude");
    let pid_file = dir.join("grandchild.pid");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nsleep 600 &\necho $! > {}\necho '{{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s-silent\"}}'\nsleep 600\n",
            pid_file.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    script
}

fn alive(pid: &str) -> bool {
    Path::new("/proc").join(pid.trim()).exists()
        && !std::fs::read_to_string(Path::new("/proc").join(pid.trim()).join("stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_run_is_warned_about_then_killed_with_its_whole_process_group() {
    let scripts = tempfile::tempdir().unwrap();
    let program = silent_claude(scripts.path());
    let dir = dirs();
    let env = [
        ("MSTRO_CLAUDE_BIN", program.display().to_string()),
        (
            "MSTRO_BOUNCER_BIN",
            mstro_tests::binaries::mstro_bouncer().display().to_string(),
        ),
        ("MSTRO_STALL_WARN_SECS", "1".into()),
        ("MSTRO_STALL_KILL_SECS", "3".into()),
        ("MSTRO_CANCEL_GRACE_MS", "500".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let up = up(dir.path(), env);
    let (_session, _, mut socket) = up.browser().await;
    let tab = create_tab(&mut socket).await;
    let started = Instant::now();
    let events = run(&mut socket, &tab, "Hello?", "p-1").await;
    assert_eq!(
        shape(&events),
        expect(&["movementWarning"], "movementError:stalled"),
        "{}",
        pretty(&events)
    );
    assert!(started.elapsed() >= Duration::from_secs(3));
    let warning = &find(&events, "movementWarning")["data"];
    assert!(warning["silentSecs"].as_u64().unwrap() >= 1);
    let pid = std::fs::read_to_string(scripts.path().join("grandchild.pid")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(&pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !alive(&pid),
        "the whole process group was killed, grandchild {pid} too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sub_agent_runs_nested_under_its_tool_call_with_the_bouncer_in_the_loop() {
    let api = FakeApi::start(|req| {
        let done = !tool_results(req).is_empty();
        match (fake_api::is_subagent(req), done) {
            (true, false) => Reply::bash("touch made-by-subagent.txt"),
            (true, true) => Reply::Text("Sub-agent finished.".into()),
            (false, false) => Reply::agent("make a file", "Create made-by-subagent.txt"),
            (false, true) => Reply::Text("All done.".into()),
        }
    });
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Delegate it", "p-1").await;
    assert_eq!(
        shape(&events),
        expect(
            &[
                "toolUse:start",
                "toolUse:input",
                "bouncerDecision:allow",
                "toolUse:start",
                "toolUse:input",
                "bouncerDecision:allow",
                "toolUse:result",
                "toolUse:result",
                "output"
            ],
            "movementComplete:completed"
        ),
        "{}",
        pretty(&events)
    );
    let tools: Vec<&Value> = events.iter().filter(|e| e["type"] == "toolUse").collect();
    let agent_id = tools[0]["data"]["toolUseId"].clone();
    assert!(tools[0]["data"]["parentToolUseId"].is_null());
    // The sub-agent's call, its decision and its result hang under the Agent call.
    for nested in &tools[2..5] {
        assert_eq!(nested["data"]["parentToolUseId"], agent_id, "{nested}");
    }
    assert_eq!(tools[2]["data"]["name"], "Bash");
    // Both calls were judged: starting the sub-agent, and its own Bash call.
    let decisions: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "bouncerDecision")
        .map(|e| &e["data"])
        .collect();
    assert_eq!(decisions[0]["toolUseId"], agent_id);
    assert_eq!(decisions[0]["tool"], "Agent");
    assert_eq!(decisions[1]["toolUseId"], tools[2]["data"]["toolUseId"]);
    let agent_result = &tools[5]["data"];
    assert_eq!(agent_result["toolUseId"], agent_id);
    assert!(
        agent_result["result"]
            .as_str()
            .unwrap()
            .contains("Sub-agent finished.")
    );
    assert!(m.work().join("made-by-subagent.txt").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_too_large_for_one_frame_opens_in_windows() {
    // 12 movements of about 1 MiB each and one (m-5) of 5 MiB: a session file may hold
    // 32 MiB, a relay frame 8, a window 4.
    let (m, mut socket) = machine_running(Path::new("/nonexistent/claude")).await;
    let ids: Vec<String> = (0..12).map(|i| format!("m-{i}")).collect();
    let movements: Vec<Value> = ids
        .iter()
        .map(|id| {
            let chunks = if id == "m-5" { 5 } else { 1 };
            let mut events: Vec<Value> = (0..chunks)
                .map(|c| {
                    json!({"type": "output", "data": {"movementId": id, "text": "y".repeat(1 << 20),
                        "parentToolUseId": format!("toolu_{c}")}})
                })
                .collect();
            events.push(
                json!({"type": "movementComplete", "data": {"movementId": id,
                "status": "completed", "finishedAt": "2026-01-01T00:00:01Z"}}),
            );
            json!({
                "movementId": id, "msgId": format!("msg-{id}"), "prompt": format!("prompt {id}"),
                "startedAt": "2026-01-01T00:00:00Z", "events": events,
            })
        })
        .collect();
    let record = json!({
        "version": 1, "id": "s-long", "title": "Long", "createdAt": "2026-01-01T00:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z", "claudeSessionId": null, "movements": movements,
    });
    std::fs::create_dir_all(m.history_dir()).unwrap();
    std::fs::write(m.history_dir().join("s-long.json"), record.to_string()).unwrap();
    let head = |v: &Value| v.to_string().chars().take(300).collect::<String>();

    // getSessionById: the newest movements, then the older ones window by window.
    let mut seen: Vec<Value> = Vec::new();
    let mut before = Value::Null;
    let mut windows = 0;
    loop {
        let reply = socket
            .request(
                "getSessionById",
                json!({"sessionId": "s-long", "before": before}),
            )
            .await;
        assert_eq!(reply["type"], "getSessionById", "{}", head(&reply));
        windows += 1;
        let got = reply["data"]["session"]["movements"].as_array().unwrap();
        assert!(!got.is_empty());
        assert_eq!(reply["data"]["session"]["title"], "Long");
        seen.splice(0..0, got.iter().cloned());
        let omitted = reply["data"]["omitted"].as_u64().unwrap();
        assert_eq!(omitted as usize + seen.len(), ids.len());
        if omitted == 0 {
            break;
        }
        before = json!(omitted);
    }
    let seen_ids: Vec<&str> = seen
        .iter()
        .map(|m| m["movementId"].as_str().unwrap())
        .collect();
    assert_eq!(seen_ids, ids, "every movement once, in order");
    assert!(
        windows >= 4,
        "13 MiB takes several 4 MiB windows: {windows}"
    );
    // The 5 MiB movement came cut: its first events, a warning, and its end.
    let events = seen[5]["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(kinds.len() < 6, "{kinds:?}");
    assert_eq!(
        kinds[kinds.len() - 2..],
        ["movementWarning", "movementComplete"]
    );
    assert!(kinds[..kinds.len() - 2].iter().all(|k| *k == "output"));
    assert_eq!(events.last().unwrap()["data"]["status"], "completed");

    // The owner opens it as a tab: the snapshot is the newest window, and the older
    // movements come from the open tab's record.
    let reply = socket
        .request("createTab", json!({"sessionId": "s-long"}))
        .await;
    let tab = reply["data"]["tabId"].as_str().unwrap().to_owned();
    let mut live = Vec::new();
    let reply = socket
        .request_tab("initTab", &tab, json!({}), &mut live)
        .await;
    let snapshot = &reply["data"]["snapshot"];
    assert_eq!(reply["data"]["mode"], "snapshot", "{}", head(&reply));
    let shown = snapshot["movements"].as_array().unwrap();
    assert_eq!(shown.last().unwrap()["movementId"], "m-11");
    let omitted = snapshot["omitted"].as_u64().unwrap() as usize;
    assert_eq!(omitted + shown.len(), ids.len());
    let reply = socket
        .request(
            "getSessionById",
            json!({"sessionId": "s-long", "before": omitted}),
        )
        .await;
    let older = reply["data"]["session"]["movements"].as_array().unwrap();
    assert_eq!(
        older.last().unwrap()["movementId"],
        ids[omitted - 1].as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_claude_code_would_not_ask_about_are_judged_too() {
    // Claude Code reads files in the project without asking anyone; in a session the
    // bouncer is asked about every call: a plain read is allowed, `.env` is not read.
    let api = FakeApi::start(|req| {
        let work = fake_api::last_user_text(req);
        match tool_results(req).len() {
            _ if fake_api::is_subagent(req) => Reply::Text("ok".into()),
            0 if work.contains("main") => Reply::Tool {
                name: "Read".into(),
                input: json!({"file_path": "src/main.rs"}),
            },
            0 => Reply::Tool {
                name: "Read".into(),
                input: json!({"file_path": ".env"}),
            },
            _ => Reply::Text("Done.".into()),
        }
    });
    // Nobody is asked to approve here (approvals.rs has that): what the reviewer does
    // not settle is denied.
    let (m, mut socket) = require!(machine_with(&api, &[("MSTRO_ASK_PERSON", "never")]).await);
    std::fs::write(m.work().join(".env"), "API_TOKEN=sk-live-do-not-leak\n").unwrap();
    let tab = create_tab(&mut socket).await;

    let events = run(&mut socket, &tab, "Show me main", "p-1").await;
    let decision = &find(&events, "bouncerDecision")["data"];
    assert_eq!(
        (&decision["tool"], &decision["outcome"]),
        (&json!("Read"), &json!("allow")),
        "{}",
        pretty(&events)
    );
    let result = tool_result(&events);
    assert_eq!(result["data"]["isError"], false, "{}", pretty(&events));

    // A new tab, a new conversation (the fake counts the tool results of the whole one).
    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Show me the env file", "p-2").await;
    let decision = &find(&events, "bouncerDecision")["data"];
    assert_eq!(decision["tool"], "Read", "{}", pretty(&events));
    assert_eq!(decision["verdict"], "review");
    // No reviewer answers (the fake's reviewer fails): headless never allows then.
    assert_eq!(decision["outcome"], "deny");
    let told = told(&api);
    assert!(
        !told.iter().any(|t| t.contains("sk-live-do-not-leak")),
        "{told:?}"
    );
}

/// The bouncer's audit records in `mstro_home`.
fn audit_records(mstro_home: &Path) -> Vec<Value> {
    std::fs::read_to_string(mstro_home.join("logs/bouncer-audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("an audit line is JSON"))
        .collect()
}

/// The supervisor registers the program it starts (pid, start time, boot) while it
/// runs, with the gate in its environment, and removes the entry once it has exited.
#[cfg(target_os = "linux")]
#[test]
fn the_supervisor_registers_its_program_while_it_runs() {
    let registry = tempfile::tempdir().unwrap();
    let dir = registry.path().join("claude-runs");
    // The program waits until its entry is there, then says what it sees.
    let script = r#"for i in $(seq 400); do ls "$1" 2>/dev/null | grep -q "^$$-" && break; sleep 0.05; done
echo "pid=$$ gate=$MSTRO_RUN"; ls "$1"; ls -ld "$1""#;
    let out = std::process::Command::new(mstro_tests::binaries::mstro())
        .args(["movement-reaper", "--parent"])
        .arg(std::process::id().to_string())
        .args(["--grace-ms", "100", "--run-registry"])
        .arg(&dir)
        .args(["--", "/bin/sh", "-c", script, "sh"])
        .arg(&dir)
        .env_remove("MSTRO_RUN")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<&str> = text.lines().collect();
    let pid = lines[0]
        .strip_prefix("pid=")
        .and_then(|l| l.strip_suffix(" gate=1"))
        .unwrap_or_else(|| panic!("{text}"));
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let entry: Vec<&str> = lines[1].splitn(3, '-').collect();
    assert_eq!(entry[0], pid, "{text}");
    assert!(entry[1].parse::<u64>().is_ok(), "a start time: {text}");
    assert_eq!(entry[2], boot.trim(), "{text}");
    assert!(lines[2].starts_with("drwx------"), "{text}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "gone after the end"
    );
}

/// The supervisor waits for its signals with them blocked; the program it starts, and
/// what that starts, get them as usual (a terminal's Ctrl-C reaches the program in the
/// foreground; a SIGTERM ends a run at once rather than after the grace).
#[cfg(target_os = "linux")]
#[test]
fn the_supervisor_s_program_starts_with_no_signal_blocked() {
    let out = std::process::Command::new(mstro_tests::binaries::mstro())
        .args(["movement-reaper", "--parent"])
        .arg(std::process::id().to_string())
        .args(["--grace-ms", "100", "--"])
        .args(["/bin/sh", "-c", "grep -E '^SigBlk' /proc/self/status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text.trim(), "SigBlk:\t0000000000000000", "{text}");
}

/// With the bouncer's hook installed for every Claude Code session, as the README says
/// (`mstro-bouncer install`), a session mstro runs is still judged once per call: by
/// its permission tool, which reports each decision to the browser. The hook, which
/// would allow the `touch` itself and deny `rm -rf ~` with a bare error, leaves both to
/// it. The person's own settings allow Bash: the run's own hook still sends every call
/// to the permission tool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_hook_installed_every_call_is_judged_once_by_the_permission_tool() {
    let api = FakeApi::start(conversation(&["touch judged-once.txt", "rm -rf ~"]));
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    let home = m.dir.path().join("home");
    let installed = std::process::Command::new(mstro_tests::binaries::mstro_bouncer())
        .arg("install")
        .env("HOME", &home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .output()
        .unwrap();
    assert!(installed.status.success(), "{installed:?}");
    let settings_path = home.join(".claude/settings.json");
    let mut settings: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings_path).unwrap()).unwrap();
    assert!(settings.to_string().contains("mstro-bouncer"), "{settings}");
    settings["permissions"] = json!({"allow": ["Bash"]});
    std::fs::write(&settings_path, settings.to_string()).unwrap();
    let marker = home.join("keep-me");
    std::fs::write(&marker, "x").unwrap();

    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Make a file, then clean up", "p-1").await;
    let call = [
        "toolUse:start",
        "toolUse:input",
        "bouncerDecision:allow",
        "toolUse:result",
    ];
    let denied = [
        "toolUse:start",
        "toolUse:input",
        "bouncerDecision:deny",
        "toolUse:result",
    ];
    let middle: Vec<&str> = call
        .iter()
        .chain(&denied)
        .chain(&["output"])
        .copied()
        .collect();
    assert_eq!(
        shape(&events),
        expect(&middle, "movementComplete:completed"),
        "{}",
        pretty(&events)
    );
    assert!(m.work().join("judged-once.txt").is_file());
    assert!(marker.is_file(), "the home directory survived");
    let decisions: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "bouncerDecision")
        .map(|e| &e["data"])
        .collect();
    let results: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "toolUse" && e["data"]["phase"] == "result")
        .map(|e| &e["data"])
        .collect();
    for (d, r) in decisions.iter().zip(&results) {
        assert_eq!(d["toolUseId"], r["toolUseId"], "{}", pretty(&events));
    }
    assert_eq!(results[1]["isError"], true);
    let reason = decisions[1]["reason"].as_str().unwrap();
    assert!(
        told(&api).iter().any(|t| t.contains(reason)),
        "the model was told the permission tool's reason: {:?}",
        told(&api)
    );

    let records = audit_records(&m.mstro_home());
    let summary: Vec<(&Value, &Value)> = records
        .iter()
        .map(|r| (&r["source"], &r["outcome"]))
        .collect();
    assert_eq!(
        summary,
        [
            (&json!("mcp"), &json!("allow")),
            (&json!("mcp"), &json!("deny"))
        ],
        "{records:#?}"
    );
    // `claude` was registered while it ran, and is no longer.
    let registry = m.mstro_home().join("claude-runs");
    assert!(registry.is_dir(), "the run was registered");
    assert_eq!(std::fs::read_dir(&registry).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attached_file_is_saved_and_read_through_the_bouncer() {
    // The model reads the attached file it is told about.
    let api = FakeApi::start(|req| {
        let prompt = fake_api::last_user_text(req);
        let attached = prompt
            .lines()
            .find_map(|l| l.strip_prefix("- .mstro/attachments/"))
            .map(|rest| format!(".mstro/attachments/{rest}"));
        match (tool_results(req).len(), attached) {
            _ if fake_api::is_subagent(req) => Reply::Text("ok".into()),
            (0, Some(path)) => Reply::Tool {
                name: "Read".into(),
                input: json!({ "file_path": path }),
            },
            _ => Reply::Text("Read it.".into()),
        }
    });
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;

    // Bad attachments are refused before anything runs.
    for bad in [
        json!([{"name": "../escape.txt", "data": "aGk="}]),
        json!([{"name": "notes.txt", "data": "not base64!"}]),
    ] {
        let mut early = Vec::new();
        let reply = socket
            .request_tab(
                "execute",
                &tab,
                json!({"prompt": "Read it", "msgId": "bad", "attachments": bad}),
                &mut early,
            )
            .await;
        assert_eq!(reply["data"]["code"], "malformed", "{reply}");
    }
    assert!(api.requests().is_empty(), "nothing ran");
    assert!(!m.work().join(".mstro/attachments").exists());

    let mut early = Vec::new();
    let note = "remember the milk\n";
    let ack = socket
        .request_tab(
            "execute",
            &tab,
            json!({"prompt": "What does my note say?", "msgId": "p-1",
                "attachments": [{"name": "note.txt", "data": "cmVtZW1iZXIgdGhlIG1pbGsK"}]}),
            &mut early,
        )
        .await;
    assert_eq!(ack["type"], "executeAck", "{ack}");
    let events = until_idle(&mut socket, &tab, early).await;
    let start = &find(&events, "movementStart")["data"];
    let path = start["attachments"][0].as_str().unwrap().to_owned();
    assert!(
        path.starts_with(".mstro/attachments/m-") && path.ends_with("/1-note.txt"),
        "{path}"
    );
    assert_eq!(start["prompt"], "What does my note say?", "as typed");
    assert_eq!(std::fs::read_to_string(m.work().join(&path)).unwrap(), note);
    let decision = &find(&events, "bouncerDecision")["data"];
    assert_eq!(
        (&decision["tool"], &decision["outcome"]),
        (&json!("Read"), &json!("allow")),
        "{}",
        pretty(&events)
    );
    assert!(
        told(&api).iter().any(|t| t.contains("remember the milk")),
        "{:?}",
        told(&api)
    );
    // History keeps where the files are.
    let sessions = socket.request("getSessions", json!({})).await;
    let id = sessions["data"]["sessions"][0]["id"].clone();
    let session = socket
        .request("getSessionById", json!({"sessionId": id}))
        .await;
    assert_eq!(
        session["data"]["session"]["movements"][0]["attachments"][0],
        path.as_str()
    );
}

// A movement owns its whole process tree (issue 15): however a Bash command detaches,
// cancel, the watchdog and stopping `mstro` end it, and nothing it started survives.

/// One Bash call whose processes outlive it unless the movement owns its tree: one
/// detached into a new session and process group, one plain; each leaves a file if it
/// survives long enough.
const DETACHING: &str =
    "setsid sh -c 'sleep 4; touch detached' >/dev/null 2>&1 & sleep 6 && touch plain";

/// Processes whose working directory is under `dir` (every process of a run starts in
/// the workspace), other than `except`: `pid command-line` of each.
fn processes_in(dir: &Path, except: &[u32]) -> Vec<String> {
    let dir = dir.canonicalize().unwrap();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if except.contains(&pid) || !alive(&pid.to_string()) {
            continue;
        }
        let Ok(cwd) = std::fs::read_link(entry.path().join("cwd")) else {
            continue;
        };
        if cwd.starts_with(&dir) {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            found.push(format!(
                "{pid} {}",
                String::from_utf8_lossy(&cmdline).replace('\0', " ")
            ));
        }
    }
    found
}

/// After a run was stopped: nothing of it is left now, and the files its commands
/// would have made never appear (waiting past the time they would have).
async fn assert_nothing_survived(work: &Path, except: &[u32]) {
    assert_nothing_survived_past(work, except, Duration::from_secs(7)).await
}

/// As [`assert_nothing_survived`], for commands that would have touched their files
/// within `wait` of their start.
async fn assert_nothing_survived_past(work: &Path, except: &[u32], wait: Duration) {
    let left = processes_in(work, except);
    assert!(left.is_empty(), "processes of the run survived: {left:#?}");
    tokio::time::sleep(wait).await;
    for file in ["detached", "plain"] {
        assert!(
            !work.join(file).exists(),
            "`{file}` was created after the run was stopped"
        );
    }
}

/// Start a run of [`DETACHING`] and return once the bouncer allowed it (the command
/// has started).
async fn start_detaching(socket: &mut BrowserSocket, tab: &str) -> Vec<Value> {
    let mut events = start(socket, tab, "Run it", "p-1").await;
    while !events
        .iter()
        .any(|e| e["type"] == "bouncerDecision" && e["data"]["verdict"] == "allow")
    {
        let frame = socket.next_within(RUN_LIMIT).await.expect("a decision");
        assert_ne!(frame["type"], "movementComplete", "{frame}");
        events.push(frame);
    }
    // Let the command get going: the detached shell and the plain sleep both exist.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_ends_every_process_of_the_run_however_it_detached() {
    let api = FakeApi::start(conversation(&[DETACHING]));
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;
    let mut events = start_detaching(&mut socket, &tab).await;
    assert!(
        !processes_in(&m.work(), &[m.up.child.id()]).is_empty(),
        "the run's processes are visible while it runs"
    );
    let reply = socket
        .request_tab("cancel", &tab, json!({}), &mut events)
        .await;
    assert_eq!(reply["data"]["cancelled"], true, "{reply}");
    let events = until_idle(&mut socket, &tab, events).await;
    assert_eq!(
        shape(&events).iter().rev().nth(1).map(String::as_str),
        Some("movementComplete:cancelled"),
        "{}",
        pretty(&events)
    );
    // `cancelled` is reported only once nothing of the run is left.
    assert_nothing_survived(&m.work(), &[m.up.child.id()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watchdog_ends_every_process_of_a_stalled_run() {
    // A Bash call in Claude Code's background, one that detaches, then a model that
    // never answers: the run goes silent and the watchdog stops it. The kill comes 5 s
    // after the last output (a loaded machine may take 2 s to start Claude Code), well
    // before the commands' 12 s sleeps end.
    let api = FakeApi::start(|req| match tool_results(req).len() {
        0 => Reply::Tool {
            name: "Bash".into(),
            input: json!({"command": "sleep 12 && touch plain", "run_in_background": true,
                          "description": "wait then touch"}),
        },
        1 => Reply::bash("setsid sh -c 'sleep 12; touch detached' >/dev/null 2>&1 &"),
        _ => Reply::Slow(
            Duration::from_secs(120),
            Box::new(Reply::Text("late".into())),
        ),
    });
    let (m, mut socket) = require!(
        machine_with(
            &api,
            &[
                ("MSTRO_STALL_WARN_SECS", "1"),
                ("MSTRO_STALL_KILL_SECS", "5"),
                ("MSTRO_CANCEL_GRACE_MS", "500"),
            ]
        )
        .await
    );
    let tab = create_tab(&mut socket).await;
    let events = run(&mut socket, &tab, "Run them", "p-1").await;
    assert_eq!(
        shape(&events).iter().rev().nth(1).map(String::as_str),
        Some("movementError:stalled"),
        "{}",
        pretty(&events)
    );
    let decisions = events
        .iter()
        .filter(|e| e["type"] == "bouncerDecision" && e["data"]["verdict"] == "allow")
        .count();
    assert_eq!(decisions, 2, "both commands ran: {}", pretty(&events));
    assert_nothing_survived_past(&m.work(), &[m.up.child.id()], Duration::from_secs(13)).await;
}

/// Stop `mstro` with `signal` mid-run: nothing of the run survives it.
async fn stopping_mstro_ends_the_run(signal: i32) {
    let api = FakeApi::start(conversation(&[DETACHING]));
    let (mut m, mut socket) = require!(machine_with(&api, &[]).await);
    let tab = create_tab(&mut socket).await;
    start_detaching(&mut socket, &tab).await;
    let mstro = m.up.child.id();
    // SAFETY: kill(2) on the child this test started.
    unsafe { libc::kill(mstro as i32, signal) };
    let deadline = Instant::now() + Duration::from_secs(30);
    while m.up.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(m.up.child.try_wait().unwrap().is_some(), "mstro stopped");
    // Without mstro, its runs' supervisors notice within a fraction of a second.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !processes_in(&m.work(), &[]).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_nothing_survived(&m.work(), &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_of_mstro_ends_every_process_of_its_runs() {
    stopping_mstro_ends_the_run(libc::SIGINT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_mstro_leaves_no_process_of_its_runs() {
    stopping_mstro_ends_the_run(libc::SIGKILL).await;
}

// Nothing is lost without a word (issue 15): a history save that fails is a warning in
// the browser, and a session over the file limit goes on in a continuation.

/// Frames of `tab` that arrive within `wait` (after a movement ended, what follows).
async fn more_of_tab(socket: &mut BrowserSocket, tab: &str, wait: Duration) -> Vec<Value> {
    let mut more = Vec::new();
    while let Some(frame) = socket.next_within(wait).await {
        if frame["tabId"] == tab {
            more.push(frame);
        }
    }
    more
}

fn warnings(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["type"] == "movementWarning")
        .map(|e| e["data"]["message"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_that_cannot_be_saved_is_a_warning_and_the_session_goes_on() {
    let api = FakeApi::start(|_| Reply::Text("Saved or not, here is the answer.".into()));
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    // A checkout whose .mstro/history is a symlink: the store refuses to write there.
    let elsewhere = m.dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::create_dir_all(m.work().join(".mstro")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, m.history_dir()).unwrap();
    let tab = create_tab(&mut socket).await;
    let mut events = run(&mut socket, &tab, "First", "p-1").await;
    events.extend(more_of_tab(&mut socket, &tab, Duration::from_secs(2)).await);
    assert!(
        shape(&events).contains(&"movementComplete:completed".to_owned()),
        "{}",
        pretty(&events)
    );
    let told = warnings(&events);
    assert_eq!(told.len(), 1, "told once: {told:?}");
    assert!(told[0].contains("could not be saved"), "{told:?}");
    assert!(
        told[0].contains("symlink") || told[0].contains("refusing"),
        "{told:?}"
    );
    // The session goes on, and the same failure is not repeated on every save.
    let mut events = run(&mut socket, &tab, "Second", "p-2").await;
    events.extend(more_of_tab(&mut socket, &tab, Duration::from_secs(2)).await);
    assert!(shape(&events).contains(&"movementComplete:completed".to_owned()));
    assert_eq!(warnings(&events), Vec::<String>::new());
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "nothing written through the link"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_over_the_file_limit_goes_on_in_a_continuation() {
    let answer = "A long answer. ".repeat(800); // 12 000 bytes
    let api = FakeApi::start(move |_| Reply::Text(answer.clone()));
    let (m, mut socket) =
        require!(machine_with(&api, &[("MSTRO_HISTORY_FILE_LIMIT", "30000")]).await);
    let tab = create_tab(&mut socket).await;
    let mut all = Vec::new();
    let mut rolled = None;
    for i in 1..=4 {
        let mut events = run(&mut socket, &tab, &format!("Prompt {i}"), &format!("p-{i}")).await;
        events.extend(more_of_tab(&mut socket, &tab, Duration::from_secs(2)).await);
        assert!(shape(&events).contains(&"movementComplete:completed".to_owned()));
        if let Some(w) = warnings(&events)
            .into_iter()
            .find(|w| w.contains("continued"))
        {
            rolled = Some((i, w));
            all.extend(events);
            break;
        }
        all.extend(events);
    }
    let (at, warning) = rolled.expect("the session rolled over within four prompts");
    assert!(at >= 2, "not before it was needed: {at}");
    assert!(warning.contains("history is full"), "{warning}");
    // The tab now names the continuation, and both are in the history, each within the
    // limit, nothing lost: every prompt is in one of them.
    let ids: Vec<&str> = all
        .iter()
        .filter(|e| e["type"] == "tabStateChanged")
        .filter_map(|e| e["data"]["sessionId"].as_str())
        .collect();
    let (first, last) = (ids[0], *ids.last().unwrap());
    assert_ne!(first, last, "{ids:?}");
    let sessions = socket.request("getSessions", json!({})).await;
    let listed = sessions["data"]["sessions"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{sessions}");
    assert!(
        listed
            .iter()
            .any(|s| s["title"].as_str().unwrap().ends_with("(continued)"))
    );
    let mut prompts = Vec::new();
    for id in [first, last] {
        let file = m.history_dir().join(format!("{id}.json"));
        assert!(std::fs::metadata(&file).unwrap().len() <= 30000, "{id}");
        let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        for movement in saved["movements"].as_array().unwrap() {
            prompts.push(movement["prompt"].as_str().unwrap().to_owned());
        }
    }
    let expected: Vec<String> = (1..=at).map(|i| format!("Prompt {i}")).collect();
    assert_eq!(prompts, expected);
    // The next prompt goes on in the continuation.
    run(&mut socket, &tab, "After", "p-after").await;
    let cont: Value = serde_json::from_slice(
        &std::fs::read(m.history_dir().join(format!("{last}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(cont["movements"].as_array().unwrap().len(), 2);
}

/// The prompt's `@` completion (issue 17): `@ma` finds a file deep in the tree, names
/// before paths and shorter first, without what `.gitignore` leaves out or hidden
/// files; a query too long is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_ma_finds_files_across_the_whole_tree() {
    let (m, mut socket) = machine_running(Path::new("/nonexistent/claude")).await;
    let work = m.work();
    for (path, content) in [
        ("src/deep/main.rs", "fn main() {}\n"),
        ("src/domain.rs", "\n"),
        ("target/debug/main.rs", "\n"),
        (".secrets/main.txt", "\n"),
        (".gitignore", "target/\n"),
    ] {
        std::fs::create_dir_all(work.join(path).parent().unwrap()).unwrap();
        std::fs::write(work.join(path), content).unwrap();
    }
    let found = socket.request("findFiles", json!({"query": "ma"})).await;
    assert_eq!(
        found["data"],
        json!({"files": [
            {"path": "src/main.rs", "kind": "file"},
            {"path": "src/deep/main.rs", "kind": "file"},
            {"path": "src/domain.rs", "kind": "file"},
        ], "truncated": false}),
        "{found}"
    );
    let narrowed = socket
        .request("findFiles", json!({"query": "deep/ma", "limit": 1}))
        .await;
    assert_eq!(narrowed["data"]["files"][0]["path"], "src/deep/main.rs");
    let long = socket
        .request("findFiles", json!({"query": "x".repeat(300)}))
        .await;
    assert_eq!(long["data"]["code"], "malformed", "{long}");
}
