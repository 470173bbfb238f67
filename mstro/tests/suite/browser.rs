//! The web app in a real browser (headless Chromium over WebDriver), as a new user
//! meets it: `mstro up`, the one-time sign-in link it prints, the live machine list,
//! the file tree and viewer, and a reload that keeps the session.

use std::time::Duration;

use fantoccini::{Client, Locator};
use mstro_tests::fake_api::{self, FakeApi, Reply, tool_results};
use mstro_tests::mstro_up::claude_env;
use mstro_tests::mstro_up::{MstroUp, UpConfig};
use mstro_tests::webdriver::{self, Chromedriver, wait_for};
use mstro_tests::{claude, require};
use serde_json::Value;

const USER: &str = "newcomer";
const HELLO: &str = "hello from the machine\n";
const MAIN_RS: &str = "fn main() {}\n";
/// Generous: a slow two-core CI machine starting Chromium and a machine at once.
const LIMIT: Duration = Duration::from_secs(30);

/// The text of the first element matching `css`, if there is one.
pub(crate) async fn text_of(client: &Client, css: &str) -> Option<String> {
    client.find(Locator::Css(css)).await.ok()?.text().await.ok()
}

/// The exact text content (`getText` trims and normalises; this does not) of the
/// first element matching `css`.
async fn content_of(client: &Client, css: &str) -> Option<String> {
    let element = client.find(Locator::Css(css)).await.ok()?;
    element.prop("textContent").await.ok()?
}

/// Click the element matching `css` once it is there. A click that WebDriver carried
/// out is never repeated (a second click on a directory would fold it again).
pub(crate) async fn click(client: &Client, what: &str, css: &str) {
    wait_for(
        client,
        &format!("{what} ({css}) to be clickable"),
        LIMIT,
        async |c| c.find(Locator::Css(css)).await.ok()?.click().await.ok(),
    )
    .await;
}

/// Wait until the file viewer shows `path` with exactly `content`.
async fn wait_for_file(client: &Client, path: &str, content: &str) {
    let css = format!("#file-view[data-path=\"{path}\"] #file-content");
    let shown = wait_for(
        client,
        &format!("the viewer to show {path}"),
        LIMIT,
        async |c| content_of(c, &css).await,
    )
    .await;
    assert_eq!(shown, content, "the viewer shows {path} as it is on disk");
    // What a person sees: WebDriver's getText may drop the trailing newline.
    let visible = text_of(client, &css).await.unwrap_or_default();
    assert_eq!(visible.trim_end(), content.trim_end(), "{path} is visible");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_signs_in_with_the_link_and_reads_files_in_the_browser() {
    let driver = require!(Chromedriver::start().await);

    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::write(work.join("hello.txt"), HELLO).unwrap();
    std::fs::write(work.join("src/main.rs"), MAIN_RS).unwrap();
    let up = MstroUp::start(&UpConfig {
        home: &dir.path().join("home"),
        work: &work,
        user: USER,
        env: Vec::new(),
    });

    let browser = driver.connect().await;
    browser
        .goto(&up.link)
        .await
        .expect("the browser opens the link");

    // Signed in by the link, on the machine list, with `mstro up`'s machine online.
    wait_for(&browser, "the header to name the user", LIMIT, async |c| {
        (text_of(c, "#user-name").await? == USER).then_some(())
    })
    .await;
    let id = wait_for(
        &browser,
        "an online machine in #machine-list",
        LIMIT,
        async |c| {
            let card = c
                .find(Locator::Css("#machine-list a.machine[data-machine-id]"))
                .await
                .ok()?;
            let status = card.find(Locator::Css(".status")).await.ok()?;
            let online = status.text().await.ok()? == "online"
                && status.attr("data-online").await.ok()?? == "true";
            if online {
                card.attr("data-machine-id").await.ok()?
            } else {
                None
            }
        },
    )
    .await;
    let machines = browser
        .find_all(Locator::Css("#machine-list a.machine"))
        .await
        .unwrap();
    assert_eq!(machines.len(), 1, "mstro up connects exactly one machine");

    // The machine: its tree, then a file.
    click(
        &browser,
        "the machine",
        &format!("a.machine[data-machine-id=\"{id}\"]"),
    )
    .await;
    wait_for(&browser, "the machine view, online", LIMIT, async |c| {
        c.find(Locator::Css(&format!(
            "#machine-view[data-machine-id=\"{id}\"][data-online=\"true\"]"
        )))
        .await
        .ok()
    })
    .await;
    let hello = r#"#file-tree [role="treeitem"][data-path="hello.txt"][data-kind="file"]"#;
    wait_for(&browser, "hello.txt in the tree", LIMIT, async |c| {
        c.find(Locator::Css(hello)).await.ok()
    })
    .await;
    click(&browser, "hello.txt in the tree", hello).await;
    wait_for_file(&browser, "hello.txt", HELLO).await;

    // A directory, then a file in it.
    click(
        &browser,
        "src in the tree",
        r#"#file-tree [role="treeitem"][data-path="src"][data-kind="dir"]"#,
    )
    .await;
    let main_rs = r#"#file-tree [role="treeitem"][data-path="src/main.rs"][data-kind="file"]"#;
    wait_for(&browser, "src/main.rs in the tree", LIMIT, async |c| {
        c.find(Locator::Css(main_rs)).await.ok()
    })
    .await;
    click(&browser, "src/main.rs in the tree", main_rs).await;
    wait_for_file(&browser, "src/main.rs", MAIN_RS).await;
    assert_eq!(
        webdriver::error_messages(&browser).await,
        Vec::<String>::new()
    );
    match webdriver::screenshot(&browser, "browser-test.png").await {
        Ok(path) => eprintln!("screenshot: {}", path.display()),
        Err(why) => eprintln!("no screenshot: {why}"),
    }

    // A reload keeps the session: still signed in, back on the same file.
    let address = browser.current_url().await.unwrap();
    assert!(
        address.fragment() == Some(format!("/m/{id}/src/main.rs").as_str()),
        "the address names the file: {address}"
    );
    browser
        .execute("window.beforeReload = true", vec![])
        .await
        .unwrap();
    browser.refresh().await.expect("the page reloads");
    wait_for(
        &browser,
        "a fresh page after the reload",
        LIMIT,
        async |c| {
            let fresh = c
                .execute("return window.beforeReload === undefined", vec![])
                .await
                .ok()?;
            (fresh == serde_json::Value::Bool(true)).then_some(())
        },
    )
    .await;
    wait_for(
        &browser,
        "the header to name the user after the reload",
        LIMIT,
        async |c| (text_of(c, "#user-name").await? == USER).then_some(()),
    )
    .await;
    wait_for_file(&browser, "src/main.rs", MAIN_RS).await;
    assert!(
        browser
            .find_all(Locator::Css("#signin-form"))
            .await
            .unwrap()
            .is_empty(),
        "no sign-in form after the reload:\n{}",
        webdriver::describe_page(&browser).await
    );
    assert_eq!(browser.current_url().await.unwrap(), address);

    browser.close().await.expect("the browser session ends");
}

/// The conversation of the chat test: "slow" streams for a long time; anything else
/// makes one file (which the rules allow), then answers in Markdown.
fn chat_script(req: &Value) -> Reply {
    if fake_api::last_user_text(req).contains("my note") {
        return Reply::Text("Noted.".into());
    }
    if fake_api::last_user_text(req).contains("go slow") {
        return Reply::Dribble {
            chunks: (0..300).map(|i| format!("part {i} ")).collect(),
            every: Duration::from_millis(200),
        };
    }
    if tool_results(req).is_empty() {
        Reply::bash("touch made-in-the-browser.txt")
    } else {
        Reply::Text("Done **nicely**.".into())
    }
}

/// Wait until the prompt box lists an attached file named `name`.
async fn wait_for_chip(client: &Client, what: &str, name: &str) {
    wait_for(client, what, LIMIT, async |c| {
        let chip = c
            .find(Locator::Css("#attachments .attachment-name"))
            .await
            .ok()?;
        (chip.text().await.ok()? == name).then_some(())
    })
    .await;
}

/// Type into `#prompt` and press Enter.
pub(crate) async fn send_prompt(client: &Client, text: &str) {
    let prompt = wait_for(client, "the prompt box", LIMIT, async |c| {
        let p = c.find(Locator::Css("#prompt")).await.ok()?;
        p.is_enabled().await.ok()?.then_some(p)
    })
    .await;
    prompt
        .send_keys(&format!("{text}\u{E007}"))
        .await
        .expect("typing into the prompt box");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_streams_with_bouncer_badges_stops_and_survives_a_reload() {
    let driver = require!(Chromedriver::start().await);
    let claude = require!(claude::executable());
    let api = FakeApi::start(chat_script);
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(dir.path().join("claude-home")).unwrap();
    let up = MstroUp::start(&UpConfig {
        home: &dir.path().join("home"),
        work: &work,
        user: USER,
        env: claude_env(claude, api.url(), &dir.path().join("claude-home")),
    });
    let browser = driver.connect().await;
    browser
        .goto(&up.link)
        .await
        .expect("the browser opens the link");
    let id = wait_for(&browser, "an online machine", LIMIT, async |c| {
        let card = c
            .find(Locator::Css("#machine-list a.machine[data-machine-id]"))
            .await
            .ok()?;
        let online = card
            .find(Locator::Css(".status[data-online=\"true\"]"))
            .await
            .is_ok();
        if online {
            card.attr("data-machine-id").await.ok()?
        } else {
            None
        }
    })
    .await;
    click(
        &browser,
        "the machine",
        &format!("a.machine[data-machine-id=\"{id}\"]"),
    )
    .await;

    // A prompt: the answer streams in as Markdown, with the bouncer's badge.
    send_prompt(&browser, "Create a file").await;
    let answer = wait_for(&browser, "the streamed answer", LIMIT * 4, async |c| {
        let done = c
            .find(Locator::Css(".movement[data-status=\"completed\"] .output"))
            .await
            .ok()?;
        let text = done.text().await.ok()?;
        text.contains("Done nicely").then_some(text)
    })
    .await;
    assert!(!answer.contains("**"), "Markdown is rendered: {answer}");
    let badge = wait_for(&browser, "an allowed bouncer badge", LIMIT, async |c| {
        c.find(Locator::Css(
            ".tool-call[data-name=\"Bash\"] .badge.bouncer[data-outcome=\"allow\"]",
        ))
        .await
        .ok()
    })
    .await;
    assert_eq!(
        badge.attr("data-layer").await.unwrap().as_deref(),
        Some("rule")
    );
    assert!(work.join("made-in-the-browser.txt").is_file());

    // A file attached with the picker goes with the next prompt and shows under it.
    let note = dir.path().join("note.txt");
    std::fs::write(&note, "remember the milk\n").unwrap();
    browser
        .find(Locator::Css("#attach-input"))
        .await
        .expect("the file picker")
        .send_keys(note.to_str().unwrap())
        .await
        .expect("picking a file");
    wait_for_chip(&browser, "the attachment chip", "note.txt").await;
    // Picked files belong to their tab: a new tab has none, and they come back with it.
    click(&browser, "a new tab", "#new-tab").await;
    wait_for(&browser, "a new tab without the file", LIMIT, async |c| {
        let tabs = c.find_all(Locator::Css("#tabs [role=tab]")).await.ok()?;
        let chips = c
            .find_all(Locator::Css("#attachments .attachment"))
            .await
            .ok()?;
        (tabs.len() == 2 && chips.is_empty()).then_some(())
    })
    .await;
    click(&browser, "the first tab", "#tabs [role=tab]:first-of-type").await;
    wait_for_chip(&browser, "the file back with its tab", "note.txt").await;
    send_prompt(&browser, "Read my note").await;
    wait_for(
        &browser,
        "the prompt with its attachment",
        LIMIT * 4,
        async |c| {
            let done = c
                .find(Locator::Css(
                    ".movement[data-status=\"completed\"] .prompt-row .attachment-name",
                ))
                .await
                .ok()?;
            (done.text().await.ok()? == "note.txt").then_some(())
        },
    )
    .await;
    let saved = std::fs::read_dir(work.join(".mstro/attachments"))
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.path().join("1-note.txt").is_file())
        .expect("the note was saved in the workspace");
    assert_eq!(
        std::fs::read_to_string(saved.path().join("1-note.txt")).unwrap(),
        "remember the milk\n"
    );
    assert!(
        browser
            .find(Locator::Css("#attachments .attachment"))
            .await
            .is_err(),
        "the picker is empty again"
    );
    match webdriver::screenshot(&browser, "browser-chat.png").await {
        Ok(path) => eprintln!("screenshot: {}", path.display()),
        Err(why) => eprintln!("no screenshot: {why}"),
    }

    // A long run, stopped from the browser.
    send_prompt(&browser, "Now go slow").await;
    wait_for(
        &browser,
        "the running indicator and streamed output",
        LIMIT * 4,
        async |c| {
            c.find(Locator::Css("#run-state[data-state=\"running\"]"))
                .await
                .ok()?;
            let out = c
                .find(Locator::Css(".movement[data-status=\"running\"] .output"))
                .await
                .ok()?;
            out.text().await.ok()?.contains("part 1").then_some(())
        },
    )
    .await;
    click(&browser, "the stop button", "#stop").await;
    wait_for(&browser, "the run to be cancelled", LIMIT, async |c| {
        c.find(Locator::Css(".movement[data-status=\"cancelled\"]"))
            .await
            .ok()?;
        c.find(Locator::Css("#run-state[data-state=\"idle\"]"))
            .await
            .ok()
    })
    .await;

    // A reload finds the conversation.
    browser.refresh().await.expect("the page reloads");
    wait_for(
        &browser,
        "the conversation after the reload",
        LIMIT,
        async |c| {
            let prompts = c.find_all(Locator::Css(".movement .prompt")).await.ok()?;
            let mut texts = Vec::new();
            for p in prompts {
                texts.push(p.text().await.ok()?);
            }
            let first = texts.iter().any(|t| t.contains("Create a file"));
            let second = texts.iter().any(|t| t.contains("Now go slow"));
            let answered = c
                .find(Locator::Css(".movement[data-status=\"completed\"] .output"))
                .await
                .ok()?
                .text()
                .await
                .ok()?
                .contains("Done nicely");
            (first && second && answered).then_some(())
        },
    )
    .await;
    browser.close().await.expect("the browser session ends");
}

/// A one-time link printed by `mstro relay add-user` or `mstro relay link` for the
/// relay of `mstro up` (its store is under the home it was given).
pub(crate) fn relay_link(
    home: &std::path::Path,
    up: &MstroUp,
    command: &str,
    name: &str,
) -> String {
    let out = std::process::Command::new(mstro_tests::binaries::mstro())
        .args(["relay", command, name, "--data"])
        .arg(home.join("relay"))
        .args(["--public-url", &up.relay_url()])
        .output()
        .expect("mstro relay runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let token = mstro_tests::relay::link_token(&text).expect("a link");
    format!("{}/#/link/{token}", up.relay_url())
}

/// Whether the page scrolls sideways (something wider than the window).
pub(crate) async fn overflows_sideways(client: &Client) -> bool {
    let v = client
        .execute(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth",
            vec![],
        )
        .await
        .unwrap();
    v.as_bool().unwrap_or(true)
}

pub(crate) async fn signed_in_as(client: &Client, name: &str) {
    wait_for(
        client,
        &format!("the header to name {name}"),
        LIMIT,
        async |c| (text_of(c, "#user-name").await? == name).then_some(()),
    )
    .await;
}

/// Issue 15: opening someone else's one-time link in a signed-in browser does not
/// switch accounts silently (a lure for approving a stranger's `mstro login` into the
/// stranger's account): the page names both accounts and waits, on a phone and on a
/// desktop. Staying keeps the account and the link unused; switching uses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_account_s_link_asks_before_switching_on_a_phone_and_a_desktop() {
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
    let browser = driver.connect().await;
    let mut ada_link = up.link.clone();
    let mut mallory_link = relay_link(&home, &up, "add-user", "mallory");
    for (width, height) in [(390, 844), (1280, 800)] {
        browser.set_window_size(width, height).await.unwrap();
        browser.goto(&ada_link).await.unwrap();
        if width != 390 {
            // Signed in as mallory from the round before: this switch is asked too.
            click(&browser, "the switch to ada", "#link-switch").await;
        }
        signed_in_as(&browser, "ada").await;

        browser.goto(&mallory_link).await.unwrap();
        let question = wait_for(
            &browser,
            "the question before switching",
            LIMIT,
            async |c| text_of(c, "#link-switch-question").await,
        )
        .await;
        assert!(
            question.contains("signed in as ada") && question.contains("signs in as mallory"),
            "{question}"
        );
        for id in ["#link-switch", "#link-stay"] {
            let button = browser.find(Locator::Css(id)).await.unwrap();
            let (x, _, w, _) = button.rectangle().await.unwrap();
            assert!(
                x >= 0.0 && x + w <= f64::from(width),
                "{id} fits {width} px: {x}+{w}"
            );
        }
        assert!(
            !overflows_sideways(&browser).await,
            "no sideways scroll at {width} px"
        );

        // Staying: still ada, and the link was not used up.
        click(&browser, "stay", "#link-stay").await;
        signed_in_as(&browser, "ada").await;
        browser.goto(&mallory_link).await.unwrap();
        click(&browser, "the switch to mallory", "#link-switch").await;
        signed_in_as(&browser, "mallory").await;

        ada_link = relay_link(&home, &up, "link", "ada");
        mallory_link = relay_link(&home, &up, "link", "mallory");
    }
}

/// Issue 15: a person sees the browsers signed in as them and signs the others out, on
/// a phone and on a desktop; a browser signed out this way is signed out at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_page_signs_other_browsers_out_on_a_phone_and_a_desktop() {
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
    let browser = driver.connect().await;
    browser.goto(&up.link).await.unwrap();
    signed_in_as(&browser, "ada").await;
    let token_of = |link: &str| link.rsplit_once("/#/link/").unwrap().1.to_owned();
    for (width, height) in [(390, 844), (1280, 800)] {
        browser.set_window_size(width, height).await.unwrap();
        // Two other browsers (plain HTTP sessions) signed in as ada.
        let phone = mstro_tests::relay::Session::sign_in(
            &up.relay_url(),
            &token_of(&relay_link(&home, &up, "link", "ada")),
        )
        .await;
        let laptop = mstro_tests::relay::Session::sign_in(
            &up.relay_url(),
            &token_of(&relay_link(&home, &up, "link", "ada")),
        )
        .await;
        // From another page, so that the list is read anew in the second round.
        browser
            .goto(&format!("{}/#/", up.relay_url()))
            .await
            .unwrap();
        click(
            &browser,
            "the Account link",
            "a.nav-link[href=\"#/account\"]",
        )
        .await;
        let rows = "#session-list li[data-session-id]";
        wait_for(&browser, "three signed-in browsers", LIMIT, async |c| {
            (c.find_all(Locator::Css(rows)).await.ok()?.len() == 3).then_some(())
        })
        .await;
        let current = browser
            .find_all(Locator::Css("#session-list li[data-current=\"true\"]"))
            .await
            .unwrap();
        assert_eq!(current.len(), 1, "this browser is marked");
        assert!(
            !overflows_sideways(&browser).await,
            "no sideways scroll at {width} px"
        );
        // One of them, then all the others.
        click(
            &browser,
            "sign out one",
            "#session-list button[data-end-session]",
        )
        .await;
        wait_for(&browser, "two signed-in browsers", LIMIT, async |c| {
            (c.find_all(Locator::Css(rows)).await.ok()?.len() == 2).then_some(())
        })
        .await;
        click(&browser, "sign out the others", "#end-other-sessions").await;
        wait_for(&browser, "only this browser", LIMIT, async |c| {
            (c.find_all(Locator::Css(rows)).await.ok()?.len() == 1).then_some(())
        })
        .await;
        assert_eq!(phone.get("/api/me").await.0, 401);
        assert_eq!(laptop.get("/api/me").await.0, 401);
        signed_in_as(&browser, "ada").await;
        let status = text_of(&browser, "#sessions-status")
            .await
            .unwrap_or_default();
        assert!(status.contains("No other browser"), "{status}");
        let machine = "#owned-machine-list li[data-machine-id]";
        wait_for(&browser, "the machine of mstro up", LIMIT, async |c| {
            c.find(Locator::Css(machine)).await.ok()
        })
        .await;
    }
    // Signing the machine out (the last step: `mstro up`'s machine stops for good).
    browser
        .execute("window.confirm = () => true;", vec![])
        .await
        .unwrap();
    click(
        &browser,
        "sign the machine out",
        "button[data-sign-out-machine]",
    )
    .await;
    wait_for(&browser, "the machine signed out", LIMIT, async |c| {
        (text_of(c, "button[data-sign-out-machine]").await? == "Signed out").then_some(())
    })
    .await;
}
