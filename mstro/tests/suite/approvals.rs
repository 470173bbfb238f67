//! A person approving a tool call from the browser (issue 17, docs/sessions.md,
//! "Approvals"), end to end: the real Claude Code CLI against the fake Messages API,
//! the real `mstro-bouncer mcp` asking, a real relay carrying the approval request to
//! the owner's and a viewer's sockets and the owner's answer back. The fake reviewer
//! fails, so every `review` goes to the owner.

use std::path::Path;
use std::time::{Duration, Instant};

use mstro_tests::fake_api::FakeApi;
use mstro_tests::relay::{BrowserSocket, Session};
use mstro_tests::require;
use serde_json::{Value, json};

use crate::sessions::{
    Machine, RUN_LIMIT, conversation, create_tab, machine_with, pretty, start, told, until_idle,
};

const SECRET: &str = "API_TOKEN=sk-live-only-with-approval";

/// Read frames into `events` until the `n`th (from 1) event of `tab` of type `kind`
/// has arrived; that one.
pub(crate) async fn until_nth(
    socket: &mut BrowserSocket,
    tab: &str,
    kind: &str,
    n: usize,
    events: &mut Vec<Value>,
) -> Value {
    let deadline = Instant::now() + RUN_LIMIT;
    loop {
        if let Some(e) = events
            .iter()
            .filter(|e| e["tabId"] == tab && e["type"] == kind)
            .nth(n - 1)
        {
            return e.clone();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match socket.next_within(left).await {
            Some(frame) => events.push(frame),
            None => panic!("no {kind} #{n} within {RUN_LIMIT:?}:\n{}", pretty(events)),
        }
    }
}

/// `answerApproval` on `tab`; the reply frame (other frames go to `events`).
pub(crate) async fn answer(
    socket: &mut BrowserSocket,
    tab: &str,
    approval_id: &str,
    choice: &str,
    events: &mut Vec<Value>,
) -> Value {
    socket
        .request_tab(
            "answerApproval",
            tab,
            json!({"approvalId": approval_id, "choice": choice}),
            events,
        )
        .await
}

/// Bob, signed in to `m`'s relay with the machine shared with him read-only, and his
/// socket to it.
pub(crate) async fn viewer(m: &Machine) -> BrowserSocket {
    let out = std::process::Command::new(mstro_tests::binaries::mstro())
        .args(["relay", "add-user", "bob", "--data"])
        .arg(m.mstro_home().join("relay"))
        .output()
        .expect("mstro relay add-user runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let token = mstro_tests::relay::link_token(&text)
        .unwrap_or_else(|| panic!("a sign-in link for bob in:\n{text}"));
    let bob = Session::sign_in(&m.up.relay_url(), &token).await;
    let machine = m.session.wait_online().await;
    let (status, body) = m
        .session
        .post(
            &format!("/api/machines/{machine}/shares"),
            json!({"user": "bob", "permission": "view"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    bob.socket(&machine).await.expect("bob's socket opens")
}

/// The audit records of the machine's bouncer.
fn audit(home: &Path) -> Vec<Value> {
    std::fs::read_to_string(home.join("logs/bouncer-audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn decisions(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["type"] == "bouncerDecision")
        .map(|e| &e["data"])
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_approves_once_then_for_the_session_and_a_viewer_cannot_answer() {
    let api = FakeApi::start(conversation(&["cat .env", "cat .env", "cat .env"]));
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    std::fs::write(m.work().join(".env"), format!("{SECRET}\n")).unwrap();
    let mut bob = viewer(&m).await;
    let tab = create_tab(&mut socket).await;
    let mut events = start(&mut socket, &tab, "Show me the env file", "p-1").await;

    // The first `cat .env` waits for a person: a card, and no result yet.
    let card = until_nth(&mut socket, &tab, "approvalRequest", 1, &mut events).await;
    let data = &card["data"];
    assert_eq!(data["tool"], "Bash");
    assert_eq!(data["operation"], "cat .env", "the operation in full");
    assert!(
        data["ruleIds"]
            .as_array()
            .unwrap()
            .contains(&json!("secrets.read")),
        "{card}"
    );
    assert!(!data["reason"].as_str().unwrap().is_empty());
    assert!(
        humantime::parse_rfc3339(data["deadline"].as_str().unwrap()).is_ok(),
        "{card}"
    );
    assert!(
        !events
            .iter()
            .any(|e| e["type"] == "toolUse" && e["data"]["phase"] == "result"),
        "the call waits for the answer:\n{}",
        pretty(&events)
    );
    let id = data["approvalId"].as_str().unwrap().to_owned();

    // Bob sees the card and cannot answer it.
    let mut bobs = Vec::new();
    let seen = until_nth(&mut bob, &tab, "approvalRequest", 1, &mut bobs).await;
    assert_eq!(seen["data"]["approvalId"], id.as_str());
    let refused = answer(&mut bob, &tab, &id, "once", &mut bobs).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["data"]["code"], "forbidden", "{refused}");

    // Ada approves it once; a second answer finds nothing waiting.
    let taken = answer(&mut socket, &tab, &id, "once", &mut events).await;
    assert_eq!(taken["type"], "answerApproval", "{taken}");
    assert_eq!(taken["data"]["outcome"], "approved");
    let late = answer(&mut socket, &tab, &id, "deny", &mut events).await;
    assert_eq!(late["data"]["code"], "not_found", "{late}");

    // Once is once: the same command asks again; this time for the session.
    let second = until_nth(&mut socket, &tab, "approvalRequest", 2, &mut events).await;
    let second_id = second["data"]["approvalId"].as_str().unwrap().to_owned();
    assert_ne!(second_id, id);
    let taken = answer(&mut socket, &tab, &second_id, "session", &mut events).await;
    assert_eq!(taken["data"]["outcome"], "approvedForSession", "{taken}");

    // The third runs without a card.
    let events = until_idle(&mut socket, &tab, events).await;
    let cards = events
        .iter()
        .filter(|e| e["type"] == "approvalRequest")
        .count();
    assert_eq!(cards, 2, "{}", pretty(&events));
    let resolved: Vec<_> = events
        .iter()
        .filter(|e| e["type"] == "approvalResolved")
        .map(|e| (e["data"]["outcome"].clone(), e["data"]["by"].clone()))
        .collect();
    assert_eq!(
        resolved,
        vec![
            (json!("approved"), json!("ada")),
            (json!("approvedForSession"), json!("ada"))
        ]
    );
    let decided = decisions(&events);
    assert_eq!(decided.len(), 3, "{}", pretty(&events));
    for d in &decided {
        assert_eq!(
            (&d["outcome"], &d["layer"], &d["decidedBy"]),
            (&json!("allow"), &json!("person"), &json!("ada")),
            "{d}"
        );
    }
    assert!(
        decided[2]["reason"].as_str().unwrap().contains("earlier"),
        "{}",
        decided[2]
    );
    let ran = events
        .iter()
        .filter(|e| {
            e["type"] == "toolUse"
                && e["data"]["phase"] == "result"
                && e["data"]["isError"] == false
                && e["data"]["result"].as_str().unwrap_or("").contains(SECRET)
        })
        .count();
    assert_eq!(ran, 3, "the approved reads ran:\n{}", pretty(&events));
    assert!(told(&api).iter().any(|t| t.contains(SECRET)));

    // The audit log says who decided, once per call.
    let records: Vec<Value> = audit(&m.mstro_home())
        .into_iter()
        .filter(|r| r["operation"] == "cat .env")
        .collect();
    assert_eq!(records.len(), 3, "{records:?}");
    for r in &records {
        assert_eq!(
            (&r["layer"], &r["decided_by"]),
            (&json!("person"), &json!("ada"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_or_unanswered_review_does_not_run() {
    let api = FakeApi::start(conversation(&["cat .env"]));
    let (m, mut socket) =
        require!(machine_with(&api, &[("MSTRO_APPROVAL_TIMEOUT_SECS", "3")]).await);
    std::fs::write(m.work().join(".env"), format!("{SECRET}\n")).unwrap();

    // Denied by the owner.
    let tab = create_tab(&mut socket).await;
    let mut events = start(&mut socket, &tab, "Show me the env file", "p-1").await;
    let card = until_nth(&mut socket, &tab, "approvalRequest", 1, &mut events).await;
    let id = card["data"]["approvalId"].as_str().unwrap().to_owned();
    let taken = answer(&mut socket, &tab, &id, "deny", &mut events).await;
    assert_eq!(taken["data"]["outcome"], "denied", "{taken}");
    let events = until_idle(&mut socket, &tab, events).await;
    let decided = decisions(&events);
    assert_eq!(decided.len(), 1, "{}", pretty(&events));
    assert_eq!(
        (&decided[0]["outcome"], &decided[0]["layer"]),
        (&json!("deny"), &json!("person"))
    );
    assert!(
        decided[0]["reason"]
            .as_str()
            .unwrap()
            .contains("ada denied it"),
        "{}",
        decided[0]
    );

    // Left past its deadline (3 s here), in a new conversation.
    let tab = create_tab(&mut socket).await;
    let asked_at = Instant::now();
    let events = crate::sessions::run(&mut socket, &tab, "Show me the env file", "p-2").await;
    assert!(asked_at.elapsed() >= Duration::from_secs(3));
    let resolved = events
        .iter()
        .find(|e| e["type"] == "approvalResolved")
        .unwrap_or_else(|| panic!("{}", pretty(&events)));
    assert_eq!(resolved["data"]["outcome"], "expired");
    assert!(resolved["data"]["by"].is_null());
    let decided = decisions(&events);
    assert_eq!(decided[0]["outcome"], "deny");
    assert!(
        decided[0]["reason"]
            .as_str()
            .unwrap()
            .contains("nobody answered"),
        "{}",
        decided[0]
    );
    assert!(
        !told(&api).iter().any(|t| t.contains(SECRET)),
        "nothing unapproved ran: {:?}",
        told(&api)
    );
}
