//! Approving a call from the browser (issue 17), in headless Chromium: a `review` in a
//! session shows a card in every window of the machine; the owner approves it from a
//! second window and it runs; one denied there, and one left past its deadline, do
//! not; a viewer's window shows the card without buttons.

use std::time::Duration;

use fantoccini::{Client, Locator};
use mstro_tests::fake_api::{FakeApi, Reply};
use mstro_tests::mstro_up::{MstroUp, UpConfig, claude_env};
use mstro_tests::relay::Session;
use mstro_tests::webdriver::{Chromedriver, wait_for};
use mstro_tests::{claude, require};
use serde_json::{Value, json};

use crate::browser::{click, relay_link, send_prompt};

const LIMIT: Duration = Duration::from_secs(60);
const SECRET: &str = "API_TOKEN=sk-live-approved-in-the-browser";

/// Every prompt asks to read `.env` (a `review`: secrets); after its result, a word.
fn script(req: &Value) -> Reply {
    let last_is_result = req["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_array())
        .is_some_and(|c| c.iter().any(|b| b["type"] == "tool_result"));
    if last_is_result {
        Reply::Text("Finished.".into())
    } else {
        Reply::bash("cat .env")
    }
}

/// Open `link` (a sign-in link) and the machine `id` in `client`.
async fn open_machine(client: &Client, link: &str, id: &str) {
    client.goto(link).await.expect("the link opens");
    click(
        client,
        "the machine",
        &format!("a.machine[data-machine-id=\"{id}\"]"),
    )
    .await;
}

/// The `n`th (from 1) approval card's state, once there are `n`.
async fn card_state(client: &Client, n: usize) -> String {
    wait_for(client, &format!("approval card #{n}"), LIMIT, async |c| {
        let cards = c.find_all(Locator::Css("section.approval")).await.ok()?;
        cards.get(n - 1)?.attr("data-state").await.ok()?
    })
    .await
}

/// Wait until card `n` is in `state`.
async fn card_becomes(client: &Client, n: usize, state: &str) -> fantoccini::elements::Element {
    wait_for(
        client,
        &format!("approval card #{n} {state}"),
        LIMIT,
        async |c| {
            let cards = c.find_all(Locator::Css("section.approval")).await.ok()?;
            let card = cards.get(n - 1)?.clone();
            (card.attr("data-state").await.ok()?.as_deref() == Some(state)).then_some(card)
        },
    )
    .await
}

/// Whether the `n`th card shows its answer buttons.
async fn has_buttons(client: &Client, n: usize) -> bool {
    let js = format!(
        "const c = document.querySelectorAll('section.approval')[{}]; \
         const a = c && c.querySelector('.approval-actions'); \
         return Boolean(a && !a.hidden && a.offsetParent !== null);",
        n - 1
    );
    client
        .execute(&js, vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

/// Click `choice` on the `n`th card.
async fn answer(client: &Client, n: usize, choice: &str) {
    let js = format!(
        "document.querySelectorAll('section.approval')[{}] \
         .querySelector('button[data-choice=\"{choice}\"]').click();",
        n - 1
    );
    client.execute(&js, vec![]).await.unwrap();
}

/// Wait until `n` movements have ended (a prompt is sent only to an idle tab).
async fn ended(client: &Client, n: usize) {
    wait_for(client, &format!("{n} finished runs"), LIMIT, async |c| {
        let done = c
            .find_all(Locator::Css(
                ".movement[data-movement-id]:not([data-status=\"running\"])",
            ))
            .await
            .ok()?;
        (done.len() >= n).then_some(())
    })
    .await;
}

/// The tool outputs shown, in order.
async fn outputs(client: &Client) -> Vec<String> {
    let v = client
        .execute(
            "return [...document.querySelectorAll('.tool-call .tool-result')].map((e) => e.textContent);",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_is_approved_from_a_second_window_denied_or_left_to_expire_and_a_viewer_only_sees_it()
 {
    let driver = require!(Chromedriver::start().await);
    let claude = require!(claude::executable());
    let api = FakeApi::start(script);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join(".env"), format!("{SECRET}\n")).unwrap();
    std::fs::create_dir_all(dir.path().join("claude-home")).unwrap();
    let mut env = claude_env(claude, api.url(), &dir.path().join("claude-home"));
    env.push(("MSTRO_APPROVAL_TIMEOUT_SECS".into(), "15".into()));
    let up = MstroUp::start(&UpConfig {
        home: &home,
        work: &work,
        user: "ada",
        env,
    });
    // Ada's HTTP session, to find the machine and share it with Bob.
    let ada = Session::sign_in(
        &up.relay_url(),
        &mstro_tests::relay::link_token(&relay_link(&home, &up, "link", "ada")).unwrap(),
    )
    .await;
    let id = ada.wait_online().await;
    let bob_link = relay_link(&home, &up, "add-user", "bob");
    let (status, body) = ada
        .post(
            &format!("/api/machines/{id}/shares"),
            json!({"user": "bob", "permission": "view"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");

    // Ada's first window (a phone) sends the prompt; the call waits for a person.
    let first = driver.connect().await;
    first.set_window_size(390, 844).await.unwrap();
    open_machine(&first, &up.link, &id).await;
    send_prompt(&first, "Show me the env file").await;
    assert_eq!(card_state(&first, 1).await, "waiting");
    assert!(has_buttons(&first, 1).await, "the owner can answer");

    // Bob, a viewer, sees the card without buttons.
    let viewer = driver.connect().await;
    open_machine(&viewer, &bob_link, &id).await;
    assert_eq!(card_state(&viewer, 1).await, "waiting");
    assert!(!has_buttons(&viewer, 1).await, "a viewer cannot answer");
    let note = viewer
        .find(Locator::Css("section.approval .approval-viewer"))
        .await
        .unwrap();
    assert!(note.is_displayed().await.unwrap());

    // Ada approves it from a second window (a desktop); it runs, everywhere it shows.
    let second = driver.connect().await;
    second.set_window_size(1280, 800).await.unwrap();
    open_machine(&second, &relay_link(&home, &up, "link", "ada"), &id).await;
    assert_eq!(card_state(&second, 1).await, "waiting");
    answer(&second, 1, "once").await;
    card_becomes(&first, 1, "approved").await;
    card_becomes(&viewer, 1, "approved").await;
    wait_for(&first, "the approved read's output", LIMIT, async |c| {
        outputs(c)
            .await
            .first()
            .is_some_and(|o| o.contains(SECRET))
            .then_some(())
    })
    .await;

    // Denied from the second window: it does not run, and the movement says so.
    ended(&first, 1).await;
    send_prompt(&first, "Show me the env file again").await;
    assert_eq!(card_state(&second, 2).await, "waiting");
    answer(&second, 2, "deny").await;
    card_becomes(&first, 2, "denied").await;
    wait_for(&first, "the denied movement's note", LIMIT, async |c| {
        let notes = c.find_all(Locator::Css(".movement-denied")).await.ok()?;
        (!notes.is_empty()).then_some(())
    })
    .await;

    // Left alone: denied at its deadline.
    ended(&first, 2).await;
    send_prompt(&first, "And once more").await;
    assert_eq!(card_state(&first, 3).await, "waiting");
    card_becomes(&first, 3, "expired").await;
    wait_for(&first, "three runs' results", LIMIT, async |c| {
        let o = outputs(c).await;
        (o.len() == 3).then_some(o)
    })
    .await
    .iter()
    .skip(1)
    .for_each(|o| assert!(!o.contains(SECRET), "an unapproved read ran: {o}"));

    for client in [first, second, viewer] {
        client.close().await.expect("the browser session ends");
    }
}
