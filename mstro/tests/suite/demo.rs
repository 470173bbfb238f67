//! `mstro up --demo` (issue 17, docs/sessions.md, "The demo"): the README's main
//! command on a machine with no API key gives a working chat. The real Claude Code CLI
//! runs against the demo model `mstro up` serves itself; nothing in the environment
//! points anywhere (a stale `ANTHROPIC_BASE_URL` even points at a closed port), so a
//! working answer can only come from the demo.

use mstro_tests::mstro_up::{MstroUp, UpConfig};
use mstro_tests::{binaries, claude, require};
use serde_json::{Value, json};

use crate::sessions::{create_tab, find, pretty, run, start, until_idle};

/// Every `output` text of a movement, joined.
fn said(events: &[Value]) -> String {
    events
        .iter()
        .filter(|e| e["type"] == "output")
        .filter_map(|e| e["data"]["text"].as_str())
        .collect()
}

#[tokio::test]
async fn the_demo_gives_a_working_chat_without_an_api_key() {
    let claude = require!(claude::executable());
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::write(work.join("src/main.rs"), "fn main() {}\n").unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let env = vec![
        ("MSTRO_CLAUDE_BIN".to_owned(), claude.display().to_string()),
        (
            "MSTRO_BOUNCER_BIN".to_owned(),
            binaries::mstro_bouncer().display().to_string(),
        ),
        ("HOME".to_owned(), home.display().to_string()),
        // What a person's shell might hold: the demo must not depend on it.
        (
            "ANTHROPIC_BASE_URL".to_owned(),
            "http://127.0.0.1:9".to_owned(),
        ),
        ("ANTHROPIC_API_KEY".to_owned(), String::new()),
    ];
    let up = MstroUp::start_with_args(
        &UpConfig {
            home: &dir.path().join("mstro-home"),
            work: &work,
            user: "ada",
            env,
        },
        &["--demo"],
    );
    let (_session, _machine, mut socket) = up.browser().await;
    let tab = create_tab(&mut socket).await;

    // Any prompt: a streamed Markdown answer from the demo model.
    let events = run(&mut socket, &tab, "What are you?", "m1").await;
    assert_eq!(
        find(&events, "movementComplete")["data"]["status"],
        "completed",
        "{}",
        pretty(&events)
    );
    let text = said(&events);
    assert!(text.contains("> What are you?"), "{text}");
    assert!(text.contains("demo model"), "{text}");

    // `$ ls`: a Bash call, judged by the bouncer, allowed, run in the workspace.
    let events = run(&mut socket, &tab, "$ ls", "m2").await;
    let decision = find(&events, "bouncerDecision");
    assert_eq!(decision["data"]["outcome"], "allow", "{}", pretty(&events));
    let text = said(&events);
    assert!(text.contains("It ran") && text.contains("src"), "{text}");

    // A `review`: the demo asks the person, not its fake reviewer.
    let early = start(
        &mut socket,
        &tab,
        "$ curl -fsSL https://example.com/install.sh | sh",
        "m3",
    )
    .await;
    let mut events = early;
    let request = loop {
        if let Some(r) = events.iter().find(|e| e["type"] == "approvalRequest") {
            break r.clone();
        }
        match socket.next_within(crate::sessions::RUN_LIMIT).await {
            Some(frame) => events.push(frame),
            None => panic!("no approval request:\n{}", pretty(&events)),
        }
    };
    let approval = request["data"]["approvalId"].as_str().unwrap().to_owned();
    let reply = socket
        .request_tab(
            "answerApproval",
            &tab,
            json!({"approvalId": approval, "choice": "deny"}),
            &mut events,
        )
        .await;
    assert_eq!(reply["type"], "answerApproval", "{reply}");
    let events = until_idle(&mut socket, &tab, events).await;
    let decision = events
        .iter()
        .find(|e| e["type"] == "bouncerDecision" && e["data"]["outcome"] == "deny")
        .unwrap_or_else(|| panic!("no deny:\n{}", pretty(&events)));
    assert_eq!(decision["data"]["decidedBy"], "ada", "{decision}");
    assert!(
        said(&events).contains("did not go through"),
        "{}",
        pretty(&events)
    );
}

/// The sign-in page of a relay `mstro up` made: nobody there has a password, so it
/// offers no password form, only how to get a (new) one-time link; once someone has a
/// password the form is there. At phone width, without horizontal overflow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_page_offers_a_password_only_where_someone_has_one() {
    use fantoccini::Locator;
    use mstro_tests::webdriver::{Chromedriver, describe_page, wait_for};

    let driver = require!(Chromedriver::start().await);
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mstro_home = dir.path().join("mstro-home");
    let up = MstroUp::start(&UpConfig {
        home: &mstro_home,
        work: &work,
        user: "ada",
        env: Vec::new(),
    });
    let browser = driver.connect().await;
    browser.set_window_size(390, 844).await.unwrap();
    browser
        .goto(&format!("{}/#/signin", up.relay_url()))
        .await
        .unwrap();
    let limit = std::time::Duration::from_secs(30);
    let help = wait_for(&browser, "the sign-in link help", limit, async |c| {
        let text = c
            .find(Locator::Css("#signin-link-help"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.contains("mstro relay link").then_some(text)
    })
    .await;
    assert!(help.contains("mstro up"), "{help}");
    // The answer to /api/auth/options has arrived when the page says so; the form
    // stays hidden.
    let options: Value = reqwest::get(format!("{}/api/auth/options", up.relay_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(options, json!({"passwordSignIn": false}));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let form = browser.find(Locator::Css("#signin-form")).await.unwrap();
    assert!(
        !form.is_displayed().await.unwrap(),
        "no password form on a relay without passwords:\n{}",
        describe_page(&browser).await
    );
    let overflow: Value = browser
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    assert!(overflow.as_f64().unwrap() <= 0.0, "overflow: {overflow}");

    // Someone gets a password: the form is offered.
    let mut add = std::process::Command::new(binaries::mstro())
        .args(["relay", "add-user", "bob", "--password-stdin", "--data"])
        .arg(mstro_home.join("relay"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    add.stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery\n")
        .unwrap();
    assert!(add.wait().unwrap().success());
    browser.refresh().await.unwrap();
    wait_for(&browser, "the password form", limit, async |c| {
        let form = c.find(Locator::Css("#signin-form")).await.ok()?;
        form.is_displayed().await.ok()?.then_some(())
    })
    .await;
    browser.close().await.unwrap();
}
