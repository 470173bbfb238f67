//! The machine view in headless Chromium (issue 17): a reload opens the pane it was
//! left in, on the file or directory it showed, on a desktop and on a phone; the file
//! viewer highlights code, renders Markdown with its source a click away, and warns
//! over a file that likely holds secrets, for the owner and for a viewer alike.

use std::time::Duration;

use fantoccini::{Client, Locator};
use mstro_tests::mstro_up::{MstroUp, UpConfig};
use mstro_tests::relay::Session;
use mstro_tests::require;
use mstro_tests::webdriver::{self, Chromedriver, wait_for};
use serde_json::json;

use crate::browser::{click, relay_link, signed_in_as, text_of};

const LIMIT: Duration = Duration::from_secs(30);
const MAIN_RS: &str = "fn main() {\n    let greeting = \"hello\"; // a comment\n}\n";
const README: &str = "# The project\n\nIt does **one** thing.\n\n- a list\n";
const ENV: &str = "API_TOKEN=sk-live-shown-to-the-browser\n";

/// A work directory: `src/main.rs`, `README.md`, `.env`, `hello.txt`.
fn work(root: &std::path::Path) -> std::path::PathBuf {
    let work = root.join("work");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::write(work.join("src/main.rs"), MAIN_RS).unwrap();
    std::fs::write(work.join("README.md"), README).unwrap();
    std::fs::write(work.join(".env"), ENV).unwrap();
    std::fs::write(work.join("hello.txt"), "hello\n").unwrap();
    work
}

async fn wait_css(client: &Client, what: &str, css: &str) {
    wait_for(client, what, LIMIT, async |c| {
        c.find(Locator::Css(css)).await.ok()
    })
    .await;
}

/// Whether an element matching `css` is on screen (rendered, not hidden by its pane).
async fn visible(client: &Client, css: &str) -> bool {
    match client.find(Locator::Css(css)).await {
        Ok(el) => el.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

/// Reload the page and wait until the machine view is back, online.
async fn reload(client: &Client, id: &str) {
    client
        .execute("window.beforeReload = true", vec![])
        .await
        .unwrap();
    client.refresh().await.expect("the page reloads");
    wait_for(client, "a fresh page", LIMIT, async |c| {
        let fresh = c
            .execute("return window.beforeReload === undefined", vec![])
            .await
            .ok()?;
        (fresh == serde_json::Value::Bool(true)).then_some(())
    })
    .await;
    wait_css(
        client,
        "the machine view, online",
        &format!("#machine-view[data-machine-id=\"{id}\"][data-online=\"true\"]"),
    )
    .await;
}

/// The pane shown: "chat" or "files", with its switch pressed to match.
async fn pane(client: &Client) -> String {
    let pane = wait_for(client, "the pane", LIMIT, async |c| {
        c.find(Locator::Css(".mv-main"))
            .await
            .ok()?
            .attr("data-pane")
            .await
            .ok()?
    })
    .await;
    let pressed = client
        .find(Locator::Css(&format!("#show-{pane}")))
        .await
        .unwrap()
        .attr("aria-pressed")
        .await
        .unwrap();
    assert_eq!(
        pressed.as_deref(),
        Some("true"),
        "the {pane} switch is pressed"
    );
    pane
}

async fn fragment(client: &Client) -> String {
    let url = client.current_url().await.unwrap();
    url.fragment().unwrap_or_default().to_owned()
}

async fn online_machine(client: &Client) -> String {
    wait_for(client, "an online machine", LIMIT, async |c| {
        let card = c
            .find(Locator::Css("#machine-list a.machine[data-machine-id]"))
            .await
            .ok()?;
        card.find(Locator::Css(".status[data-online=\"true\"]"))
            .await
            .ok()?;
        card.attr("data-machine-id").await.ok()?
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_opens_the_pane_and_the_file_it_was_left_on() {
    let driver = require!(Chromedriver::start().await);
    let dir = tempfile::tempdir().unwrap();
    let work = work(dir.path());
    let up = MstroUp::start(&UpConfig {
        home: &dir.path().join("home"),
        work: &work,
        user: "ada",
        env: Vec::new(),
    });
    let browser = driver.connect().await;

    // A desktop: the tree beside the viewer.
    browser.set_window_size(1280, 800).await.unwrap();
    browser.goto(&up.link).await.unwrap();
    let id = online_machine(&browser).await;
    click(
        &browser,
        "the machine",
        &format!("a.machine[data-machine-id=\"{id}\"]"),
    )
    .await;
    wait_css(&browser, "the prompt box", "#prompt:enabled").await;
    assert_eq!(pane(&browser).await, "chat", "a first visit opens the chat");

    // Files, a file: a reload shows that file, in Files.
    click(&browser, "Files", "#show-files").await;
    click(
        &browser,
        "src in the tree",
        "#file-tree [role=\"treeitem\"][data-path=\"src\"]",
    )
    .await;
    click(
        &browser,
        "src/main.rs in the tree",
        "#file-tree [role=\"treeitem\"][data-path=\"src/main.rs\"]",
    )
    .await;
    wait_css(
        &browser,
        "src/main.rs",
        "#file-view[data-path=\"src/main.rs\"] #file-content",
    )
    .await;
    reload(&browser, &id).await;
    wait_css(
        &browser,
        "src/main.rs after the reload",
        "#file-view[data-path=\"src/main.rs\"] #file-content",
    )
    .await;
    assert_eq!(pane(&browser).await, "files");
    assert!(visible(&browser, "#file-view #file-content").await);

    // The chat over that file: a reload shows the chat, the file still open behind it.
    click(&browser, "Chat", "#show-chat").await;
    wait_css(&browser, "the chat", ".mv-main[data-pane=\"chat\"]").await;
    reload(&browser, &id).await;
    wait_css(&browser, "the prompt box", "#prompt:enabled").await;
    assert_eq!(pane(&browser).await, "chat", "the chat it was left on");
    assert!(visible(&browser, "#prompt").await);
    wait_css(
        &browser,
        "the file open behind the chat",
        "#file-view[data-path=\"src/main.rs\"] #file-content",
    )
    .await;
    wait_css(
        &browser,
        "the file marked in the tree",
        "#file-tree [role=\"treeitem\"][data-path=\"src/main.rs\"][aria-selected=\"true\"]",
    )
    .await;
    assert_eq!(fragment(&browser).await, format!("/m/{id}/src/main.rs"));
    click(&browser, "Files", "#show-files").await;
    assert!(visible(&browser, "#file-view[data-path=\"src/main.rs\"]").await);

    // From the machine list, the machine opens where it was left too.
    click(&browser, "Chat", "#show-chat").await;
    browser
        .goto(&format!("{}/#/", up.relay_url()))
        .await
        .unwrap();
    click(
        &browser,
        "the machine",
        &format!("a.machine[data-machine-id=\"{id}\"]"),
    )
    .await;
    wait_css(
        &browser,
        "the file open behind the chat",
        "#file-view[data-path=\"src/main.rs\"]",
    )
    .await;
    assert_eq!(pane(&browser).await, "chat");
    assert_eq!(fragment(&browser).await, format!("/m/{id}/src/main.rs"));

    // A phone: Files is the listing; a directory there comes back after a reload.
    browser.set_window_size(390, 844).await.unwrap();
    click(&browser, "Files", "#show-files").await;
    click(&browser, "the root in the path", ".crumbs a").await;
    click(
        &browser,
        "src in the listing",
        "#dir-view a.entry[href$=\"/src\"]",
    )
    .await;
    wait_css(&browser, "src listed", "#dir-view[data-path=\"src\"]").await;
    reload(&browser, &id).await;
    wait_css(
        &browser,
        "src listed after the reload",
        "#dir-view[data-path=\"src\"] a.entry",
    )
    .await;
    assert_eq!(pane(&browser).await, "files");
    assert!(visible(&browser, "#dir-view a.entry[href$=\"/src/main.rs\"]").await);
    click(&browser, "Chat", "#show-chat").await;
    reload(&browser, &id).await;
    wait_css(&browser, "the prompt box", "#prompt:enabled").await;
    assert_eq!(pane(&browser).await, "chat");
    assert!(visible(&browser, "#prompt").await);

    assert_eq!(
        webdriver::error_messages(&browser).await,
        Vec::<String>::new()
    );
    browser.close().await.expect("the browser session ends");
}

/// The viewer as `client` shows it: code highlighted, Markdown rendered then as
/// source, the warning over `.env` and none over `hello.txt`.
async fn check_viewer(client: &Client, base: &str, id: &str, who: &str) {
    client
        .goto(&format!("{base}/#/m/{id}/src/main.rs"))
        .await
        .unwrap();
    wait_css(
        client,
        "src/main.rs highlighted",
        "#file-view[data-path=\"src/main.rs\"] #file-content .tok-kw",
    )
    .await;
    let content = client
        .find(Locator::Css("#file-content"))
        .await
        .unwrap()
        .prop("textContent")
        .await
        .unwrap();
    assert_eq!(
        content.as_deref(),
        Some(MAIN_RS),
        "the text as it is on disk"
    );
    assert_eq!(
        text_of(client, "#file-content .tok-str").await.as_deref(),
        Some("\"hello\"")
    );
    assert_eq!(
        text_of(client, "#file-content .tok-com").await.as_deref(),
        Some("// a comment")
    );
    let color = |css: &'static str| async move {
        client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .css_value("color")
            .await
            .unwrap()
    };
    assert_ne!(
        color("#file-content .tok-kw").await,
        color("#file-content").await,
        "a keyword is coloured"
    );
    assert!(
        client.find(Locator::Css("#secret-warning")).await.is_err(),
        "{who}: no warning over code"
    );

    // Markdown: rendered, then its source.
    client
        .goto(&format!("{base}/#/m/{id}/README.md"))
        .await
        .unwrap();
    wait_css(
        client,
        "README.md rendered",
        "#file-preview:not([hidden]) strong",
    )
    .await;
    assert_eq!(
        text_of(client, "#file-preview strong").await.as_deref(),
        Some("one")
    );
    assert!(
        !visible(client, "#file-content").await,
        "the source is not shown"
    );
    click(client, "Source", "#md-source").await;
    wait_for(client, "the Markdown source", LIMIT, async |c| {
        visible(c, "#file-content").await.then_some(())
    })
    .await;
    assert!(
        text_of(client, "#file-content")
            .await
            .unwrap()
            .contains("It does **one** thing.")
    );
    assert!(!visible(client, "#file-preview").await);
    click(client, "Preview", "#md-preview").await;
    wait_css(client, "rendered again", "#file-preview:not([hidden])").await;

    // A file that likely holds secrets: the warning first, then the contents.
    client.goto(&format!("{base}/#/m/{id}/.env")).await.unwrap();
    wait_css(
        client,
        ".env",
        "#file-view[data-path=\".env\"] #file-content",
    )
    .await;
    let warning = wait_for(client, "the secrets warning", LIMIT, async |c| {
        text_of(c, "#file-view #secret-warning").await
    })
    .await;
    assert!(
        warning.contains("may contain secrets") && warning.contains("this browser"),
        "{who}: {warning}"
    );
    assert!(visible(client, "#secret-warning").await);
    let above = client
        .execute(
            "const w = document.querySelector('#secret-warning').getBoundingClientRect(); \
             const c = document.querySelector('.code-scroll').getBoundingClientRect(); \
             return w.bottom <= c.top;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        above,
        json!(true),
        "{who}: the warning is above the contents"
    );
    client
        .goto(&format!("{base}/#/m/{id}/hello.txt"))
        .await
        .unwrap();
    wait_css(
        client,
        "hello.txt",
        "#file-view[data-path=\"hello.txt\"] #file-content",
    )
    .await;
    assert!(
        client.find(Locator::Css("#secret-warning")).await.is_err(),
        "{who}: no warning over hello.txt"
    );
    assert_eq!(
        webdriver::error_messages(client).await,
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_highlights_code_renders_markdown_and_warns_over_secrets() {
    let driver = require!(Chromedriver::start().await);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let work = work(dir.path());
    let up = MstroUp::start(&UpConfig {
        home: &home,
        work: &work,
        user: "ada",
        env: Vec::new(),
    });
    let base = up.relay_url();
    let ada = Session::sign_in(
        &base,
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

    let owner = driver.connect().await;
    owner.set_window_size(1280, 800).await.unwrap();
    owner.goto(&up.link).await.unwrap();
    signed_in_as(&owner, "ada").await;
    check_viewer(&owner, &base, &id, "the owner").await;
    owner.close().await.expect("the browser session ends");

    let viewer = driver.connect().await;
    viewer.set_window_size(390, 844).await.unwrap();
    viewer.goto(&bob_link).await.unwrap();
    signed_in_as(&viewer, "bob").await;
    check_viewer(&viewer, &base, &id, "a viewer").await;
    viewer.close().await.expect("the browser session ends");
}
