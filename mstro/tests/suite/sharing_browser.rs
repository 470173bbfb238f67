//! Sharing a machine from the machine list (issue 17), in headless Chromium, on a
//! phone and on a desktop: the owner shares it read-only with a second user by name,
//! that user's browser shows it at once as shared by the owner and view only (with no
//! way to share it on), the owner sees whom it is shared with and takes it back, and it
//! disappears from the second user's list.

use std::time::Duration;

use fantoccini::{Client, Locator};
use mstro_tests::mstro_up::{MstroUp, UpConfig};
use mstro_tests::require;
use mstro_tests::webdriver::{self, Chromedriver, wait_for};

use crate::browser::{click, overflows_sideways, relay_link, signed_in_as, text_of};

const LIMIT: Duration = Duration::from_secs(30);

/// Type `text` into the element matching `css`.
async fn type_into(client: &Client, css: &str, text: &str) {
    let input = wait_for(client, &format!("{css} to type into"), LIMIT, async |c| {
        c.find(Locator::Css(css)).await.ok()
    })
    .await;
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// Wait until `css` matches `n` elements.
async fn count_becomes(client: &Client, what: &str, css: &str, n: usize) {
    wait_for(client, what, LIMIT, async |c| {
        (c.find_all(Locator::Css(css)).await.ok()?.len() == n).then_some(())
    })
    .await;
}

/// Wait until the element matching `css` has text containing `part`; that text.
async fn text_with(client: &Client, what: &str, css: &str, part: &str) -> String {
    wait_for(client, what, LIMIT, async |c| {
        text_of(c, css).await.filter(|t| t.contains(part))
    })
    .await
}

/// The element matching `css` lies within the window's width.
async fn fits(client: &Client, css: &str, width: u32) {
    let element = client.find(Locator::Css(css)).await.unwrap();
    let (x, _, w, _) = element.rectangle().await.unwrap();
    assert!(
        x >= 0.0 && x + w <= f64::from(width) + 0.5,
        "{css} fits {width} px: {x}+{w}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_shares_a_machine_read_only_and_takes_it_back_on_a_phone_and_a_desktop() {
    let driver = require!(Chromedriver::start().await);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let up = MstroUp::start(&UpConfig {
        home: &home,
        work: &work,
        user: "ada",
        env: Vec::new(),
    });
    let bob_link = relay_link(&home, &up, "add-user", "bob");
    let owner = driver.connect().await;
    let viewer = driver.connect().await;
    owner.goto(&up.link).await.unwrap();
    signed_in_as(&owner, "ada").await;
    viewer.goto(&bob_link).await.unwrap();
    signed_in_as(&viewer, "bob").await;
    let id = wait_for(&owner, "ada's machine online", LIMIT, async |c| {
        let card = c
            .find(Locator::Css("#machine-list a.machine[data-machine-id]"))
            .await
            .ok()?;
        card.find(Locator::Css(".status[data-online=\"true\"]"))
            .await
            .ok()?;
        card.attr("data-machine-id").await.ok()?
    })
    .await;
    let bobs_card = format!("#machine-list a.machine[data-machine-id=\"{id}\"]");
    let panel = format!("details.machine-share[data-share-for=\"{id}\"]");
    let rows = format!("{panel} li.share-row");
    count_becomes(&viewer, "bob's empty list", &bobs_card, 0).await;

    for (round, (width, height)) in [(390, 844), (1280, 800)].into_iter().enumerate() {
        for client in [&owner, &viewer] {
            client.set_window_size(width, height).await.unwrap();
        }
        // A fresh page each round: the panel starts folded.
        owner.refresh().await.unwrap();
        click(&owner, "the sharing panel", &format!("{panel} > summary")).await;
        text_with(
            &owner,
            "nobody yet",
            &format!("{panel} .share-list"),
            "Only you",
        )
        .await;

        if round == 0 {
            // A name without an account: said so, and nothing shared.
            type_into(&owner, &format!("{panel} input.share-user"), "nobody-here").await;
            click(&owner, "Share", &format!("{panel} button.share-add")).await;
            text_with(
                &owner,
                "the unknown name",
                &format!("{panel} .share-status"),
                "Nobody named",
            )
            .await;
            count_becomes(&owner, "no share", &rows, 0).await;
        }

        // Ada shares with bob.
        type_into(&owner, &format!("{panel} input.share-user"), "bob").await;
        click(&owner, "Share", &format!("{panel} button.share-add")).await;
        count_becomes(
            &owner,
            "bob in the list",
            &format!("{rows}[data-share-user=\"bob\"]"),
            1,
        )
        .await;
        let said = text_of(&owner, &format!("{panel} .share-status"))
            .await
            .unwrap_or_default();
        assert!(said.contains("Shared with bob"), "{said}");
        let row = text_of(&owner, &rows).await.unwrap_or_default();
        assert!(row.contains("view only"), "{row}");

        // Bob's list shows it at once, shared by ada, view only, with no sharing of
        // his own.
        let badge = text_with(
            &viewer,
            "the shared machine in bob's list",
            &format!("{bobs_card}[data-permission=\"view\"] .shared-badge"),
            "ada",
        )
        .await;
        assert!(
            badge.contains("Shared with you by ada") && badge.contains("view only"),
            "{badge}"
        );
        count_becomes(&viewer, "no sharing for bob", "details.machine-share", 0).await;

        for (client, who) in [(&owner, "ada"), (&viewer, "bob")] {
            assert!(
                !overflows_sideways(client).await,
                "{who}'s list scrolls sideways at {width} px"
            );
        }
        for part in [
            "input.share-user",
            "button.share-add",
            "button[data-unshare=\"bob\"]",
        ] {
            fits(&owner, &format!("{panel} {part}"), width).await;
        }
        fits(&viewer, &format!("{bobs_card} .shared-badge"), width).await;
        let device = if width < 500 { "phone" } else { "desktop" };
        for (client, who) in [(&owner, "owner"), (&viewer, "viewer")] {
            match webdriver::screenshot(client, &format!("{device}-sharing-{who}.png")).await {
                Ok(path) => eprintln!("screenshot: {}", path.display()),
                Err(why) => eprintln!("no screenshot: {why}"),
            }
        }

        // Ada takes it back: gone from her list and from bob's.
        click(
            &owner,
            "Revoke",
            &format!("{panel} button[data-unshare=\"bob\"]"),
        )
        .await;
        count_becomes(&owner, "bob gone from the list", &rows, 0).await;
        text_with(
            &owner,
            "revoked",
            &format!("{panel} .share-status"),
            "no longer",
        )
        .await;
        count_becomes(&viewer, "the machine gone from bob's list", &bobs_card, 0).await;
    }
    assert_eq!(
        webdriver::error_messages(&owner).await,
        Vec::<String>::new()
    );
}
