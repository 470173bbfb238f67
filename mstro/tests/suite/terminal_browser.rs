//! The Terminal view in headless Chromium (issue 18): `mstro up` with real
//! pseudo-terminals running bash, xterm.js in the page. The owner opens a terminal,
//! types a command and sees its output rendered by xterm.js (in the 256 colours and in
//! truecolour, under the relay's Content-Security-Policy), reloads and sees it again
//! (the scrollback replayed), and the terminal takes the size of a desktop and of a
//! phone, whose key row sends arrows and Ctrl; a viewer watches, read-only, without
//! resizing it; a shell that exits shows how it ended. The layout facts of both sizes
//! are checked as `layout.rs` checks the other views, and the screenshots saved.

use std::time::Duration;

use fantoccini::{Client, Locator};
use mstro_tests::mstro_up::{MstroUp, UpConfig};
use mstro_tests::relay::Session;
use mstro_tests::require;
use mstro_tests::webdriver::{self, Chromedriver, wait_for};
use serde_json::{Value, json};

use crate::browser::{click, relay_link, signed_in_as};
use crate::layout::{assert_fits, screenshot, set_viewport};

const LIMIT: Duration = Duration::from_secs(30);
const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 800);
const ENTER: char = '\u{E007}';

/// The shown terminal's rows as xterm.js rendered them (its DOM renderer), one line
/// per row, or null when there is none.
const ROWS: &str = r#"
const rows = document.querySelector('.term-screen:not([hidden]) .xterm-rows');
if (!rows) return null;
return [...rows.children].map((r) => r.textContent.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
"#;

async fn rows(client: &Client) -> Option<String> {
    client
        .execute(ROWS, vec![])
        .await
        .ok()?
        .as_str()
        .map(str::to_owned)
}

/// Wait until the shown terminal's rows hold `needle`; the rows then.
async fn until_rows(client: &Client, what: &str, needle: &str) -> String {
    wait_for(
        client,
        &format!("{what}: {needle:?} rendered in the terminal"),
        LIMIT,
        async |c| rows(c).await.filter(|r| r.contains(needle)),
    )
    .await
}

/// Type into the shown terminal (xterm.js's textarea has the keyboard).
async fn type_in(client: &Client, text: &str) {
    let area = client
        .find(Locator::Css(
            ".term-screen:not([hidden]) .xterm-helper-textarea",
        ))
        .await
        .expect("the terminal's textarea");
    area.send_keys(text).await.expect("keys typed");
}

/// Wait until the shown terminal is attached (its output is flowing).
async fn until_attached(client: &Client, what: &str) {
    wait_for(client, what, LIMIT, async |c| {
        c.find(Locator::Css(
            ".term-screen:not([hidden])[data-state=\"attached\"] .xterm-rows",
        ))
        .await
        .ok()
    })
    .await;
}

/// Run `stty size` in the terminal; its (rows, columns) as the shell sees them.
async fn stty_size(client: &Client, marker: &str) -> (u64, u64) {
    // The marker is printed after the size, so the command line (echoed before the
    // output) cannot be mistaken for it.
    type_in(client, &format!("stty size; echo {marker}-$((2+3)){ENTER}")).await;
    let text = until_rows(client, "stty size", &format!("{marker}-5")).await;
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| l.trim() == format!("{marker}-5"))
        .unwrap_or_else(|| panic!("the marker on its own line:\n{text}"));
    let size: Vec<u64> = lines[at - 1]
        .split_whitespace()
        .map(|n| n.parse().unwrap_or_else(|_| panic!("a size:\n{text}")))
        .collect();
    (size[0], size[1])
}

/// `stty size` until the size satisfies `ok` (a resize reaches the pty after the page
/// has fitted it, debounced): that size.
async fn stty_size_when(
    client: &Client,
    what: &str,
    marker: &str,
    ok: impl Fn((u64, u64)) -> bool,
) -> (u64, u64) {
    let deadline = std::time::Instant::now() + LIMIT;
    for attempt in 0.. {
        let size = stty_size(client, &format!("{marker}{attempt}")).await;
        if ok(size) {
            return size;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: the pty's size stayed {size:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    unreachable!()
}

/// What the page measures of the Terminal view.
const TERMINAL_FACTS: &str = r#"
const vw = innerWidth, vh = innerHeight;
const shown = (el) => Boolean(el) && el.getClientRects().length > 0;
const box = (el) => { const r = el.getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom }; };
const inView = (r) => r.l >= -0.5 && r.t >= -0.5 && r.r <= vw + 0.5 && r.b <= vh + 0.5;
const screen = document.querySelector('.term-screen:not([hidden])');
const host = screen && screen.querySelector('.term-host');
const drawn = screen && screen.querySelector('.xterm-screen');
const keys = document.querySelector('#terminal-keys');
const f = {
  screenInView: Boolean(screen) && inView(box(screen)),
  rows: screen ? screen.querySelectorAll('.xterm-rows > div').length : 0,
  // The key row on screen, every key in it (none scrolled out of sight).
  keys: shown(keys) ? inView(box(keys)) && keys.scrollWidth <= keys.clientWidth + 1 : null,
  viewOnly: shown(document.querySelector('#terminal-view-only')),
  plus: shown(document.querySelector('#new-terminal')),
  csp: window.cspViolations || null,
};
if (host && drawn) {
  const h = box(host), d = box(drawn);
  // The terminal is drawn within its box (fitted, nothing cut off at the right or the
  // bottom), and fills it but for less than a cell.
  f.fitted = d.r <= h.r + 0.5 && d.b <= h.b + 0.5;
  f.slack = { x: Math.round(h.r - d.r), y: Math.round(h.b - d.b) };
}
return f;
"#;

async fn terminal_facts(client: &Client) -> Value {
    client
        .execute(TERMINAL_FACTS, vec![])
        .await
        .expect("the page measures the terminal")
}

/// Collect the page's Content-Security-Policy violations from now on.
async fn watch_csp(client: &Client) {
    client
        .execute(
            "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`));",
            vec![],
        )
        .await
        .unwrap();
}

/// The computed colour of the first span of the shown terminal whose text is `text`.
async fn colour_of(client: &Client, text: &str) -> String {
    let script = r#"
const want = arguments[0];
const spans = [...document.querySelectorAll('.term-screen:not([hidden]) .xterm-rows span')];
const span = spans.find((s) => s.textContent === want);
return span ? getComputedStyle(span).color : null;
"#;
    wait_for(
        client,
        &format!("{text} drawn in a span"),
        LIMIT,
        async |c| {
            c.execute(script, vec![json!(text)])
                .await
                .ok()?
                .as_str()
                .map(str::to_owned)
        },
    )
    .await
}

async fn reload(client: &Client, id: &str) {
    client.refresh().await.expect("the page reloads");
    wait_for(client, "the machine view, online", LIMIT, async |c| {
        c.find(Locator::Css(&format!(
            "#machine-view[data-machine-id=\"{id}\"][data-online=\"true\"]"
        )))
        .await
        .ok()
    })
    .await;
}

async fn displayed(client: &Client, css: &str) -> bool {
    match client.find(Locator::Css(css)).await {
        Ok(el) => el.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_view_types_renders_reloads_and_fits_a_phone_and_a_desktop() {
    let driver = require!(Chromedriver::start().await);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("mstro-home");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    let up = MstroUp::start(&UpConfig {
        home: &home,
        work: &work,
        user: "ada",
        env: vec![
            ("SHELL".into(), "/bin/bash".into()),
            ("HOME".into(), dir.path().join("home").display().to_string()),
            ("MSTRO_TERMINAL_BACKEND".into(), "pty".into()),
        ],
    });
    let base = up.relay_url();
    let ada_session = Session::sign_in(
        &base,
        &mstro_tests::relay::link_token(&relay_link(&home, &up, "link", "ada")).unwrap(),
    )
    .await;
    let id = ada_session.wait_online().await;
    let bob_link = relay_link(&home, &up, "add-user", "bob");
    let (status, body) = ada_session
        .post(
            &format!("/api/machines/{id}/shares"),
            json!({"user": "bob", "permission": "view"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");

    // ---------------------------------------------------------------- a desktop
    let ada = driver.connect().await;
    set_viewport(&ada, DESKTOP).await;
    ada.goto(&up.link).await.unwrap();
    signed_in_as(&ada, "ada").await;
    ada.goto(&format!("{base}/#/m/{id}")).await.unwrap();
    click(&ada, "the Terminal switch", "#show-terminal").await;
    watch_csp(&ada).await;
    click(&ada, "Open a terminal", "#open-terminal:enabled").await;
    until_attached(&ada, "the new terminal").await;
    type_in(&ada, &format!("echo hi-$((6*7)){ENTER}")).await;
    until_rows(&ada, "the echo", "hi-42").await;

    // Colours: one of the 256 (xterm.js's theme, a style sheet adopted under the CSP)
    // and a truecolour one (styled through the CSSOM).
    type_in(
        &ada,
        &format!("printf '\\e[38;5;196mRED196\\e[0m \\e[38;2;0;200;0mGREEN200\\e[0m\\n'{ENTER}"),
    )
    .await;
    assert_eq!(colour_of(&ada, "RED196").await, "rgb(255, 0, 0)");
    assert_eq!(colour_of(&ada, "GREEN200").await, "rgb(0, 200, 0)");

    // The shell sees the size the page fitted, in rows and columns.
    let (rows_desk, cols_desk) = stty_size(&ada, "desk").await;
    let f = terminal_facts(&ada).await;
    assert_eq!(
        f["rows"],
        json!(rows_desk),
        "the pty has the rows drawn: {f:#}"
    );
    assert!(cols_desk > 100, "a desktop's width: {cols_desk} columns");
    assert_eq!(f["screenInView"], json!(true), "{f:#}");
    assert_eq!(f["fitted"], json!(true), "{f:#}");
    assert_eq!(f["keys"], Value::Null, "no key row on a desktop: {f:#}");
    assert_eq!(f["viewOnly"], json!(false), "{f:#}");
    assert_eq!(f["csp"], json!([]), "nothing refused by the CSP: {f:#}");
    assert_fits(&ada, "the terminal", true).await;
    screenshot(&ada, "desktop-terminal").await;

    // A reload attaches again and replays the scrollback.
    reload(&ada, &id).await;
    until_attached(&ada, "the terminal after the reload").await;
    until_rows(&ada, "the scrollback after the reload", "hi-42").await;
    assert!(displayed(&ada, "#show-terminal[aria-pressed=\"true\"]").await);

    // ---------------------------------------------------------------- a phone
    set_viewport(&ada, PHONE).await;
    let (rows_phone, _) =
        stty_size_when(&ada, "a phone's width", "phone", |(_, cols)| cols < 60).await;
    let f = terminal_facts(&ada).await;
    assert_eq!(f["rows"], json!(rows_phone), "{f:#}");
    assert_eq!(f["screenInView"], json!(true), "{f:#}");
    assert_eq!(f["fitted"], json!(true), "{f:#}");
    assert_eq!(f["keys"], json!(true), "the key row, on screen: {f:#}");
    assert_fits(&ada, "the terminal on a phone", true).await;
    // ↑ from the key row recalls the command; Enter runs it again.
    type_in(&ada, &format!("clear{ENTER}")).await;
    type_in(&ada, &format!("echo again-$((6*7)){ENTER}")).await;
    until_rows(&ada, "the second echo", "again-42").await;
    click(&ada, "↑ on the key row", "#terminal-keys [data-key=\"up\"]").await;
    type_in(&ada, &ENTER.to_string()).await;
    wait_for(&ada, "the command run again", LIMIT, async |c| {
        rows(c).await.filter(|r| r.matches("again-42").count() >= 2)
    })
    .await;
    // Ctrl on the key row, then c from the keyboard: an interrupt (the sleep is longer
    // than the wait for what follows it).
    type_in(&ada, &format!("sleep 120; echo slept-$((1+1)){ENTER}")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    click(
        &ada,
        "Ctrl on the key row",
        "#terminal-keys [data-key=\"ctrl\"]",
    )
    .await;
    assert!(
        displayed(
            &ada,
            "#terminal-keys [data-key=\"ctrl\"][aria-pressed=\"true\"]"
        )
        .await
    );
    type_in(&ada, "c").await;
    assert!(
        displayed(
            &ada,
            "#terminal-keys [data-key=\"ctrl\"][aria-pressed=\"false\"]"
        )
        .await
    );
    type_in(&ada, &format!("echo woke-$((1+1)){ENTER}")).await;
    let seen = until_rows(&ada, "the command after the interrupt", "woke-2").await;
    assert!(!seen.contains("slept-2"), "{seen}");
    screenshot(&ada, "phone-terminal").await;

    // Back to the desktop's size, for the viewer to not change.
    set_viewport(&ada, DESKTOP).await;
    stty_size_when(&ada, "a desktop's width again", "back", |(_, cols)| {
        cols == cols_desk
    })
    .await;

    // ---------------------------------------------------------------- a viewer
    let bob = driver.connect().await;
    set_viewport(&bob, PHONE).await;
    bob.goto(&bob_link).await.unwrap();
    signed_in_as(&bob, "bob").await;
    bob.goto(&format!("{base}/#/m/{id}")).await.unwrap();
    click(&bob, "the Terminal switch", "#show-terminal").await;
    until_attached(&bob, "the viewer's terminal").await;
    until_rows(&bob, "the viewer sees the output", "back").await;
    let f = terminal_facts(&bob).await;
    assert_eq!(f["viewOnly"], json!(true), "the view-only badge: {f:#}");
    assert_eq!(f["plus"], json!(false), "no + for a viewer: {f:#}");
    assert_eq!(f["keys"], Value::Null, "no key row for a viewer: {f:#}");
    assert_eq!(f["rows"], json!(rows_desk), "the owner's size: {f:#}");
    assert_fits(&bob, "a viewer's terminal on a phone", true).await;
    // What a viewer types goes nowhere.
    type_in(&bob, &format!("echo bob-$((1+1)){ENTER}")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let seen = rows(&bob).await.unwrap_or_default();
    assert!(!seen.contains("bob-"), "a viewer typed:\n{seen}");
    // And its phone did not resize the owner's terminal.
    let (_, cols) = stty_size(&ada, "owner").await;
    assert_eq!(cols, cols_desk, "the viewer's fit resized the terminal");
    until_rows(&bob, "the viewer sees the owner's command", "owner-5").await;

    // ---------------------------------------------------------------- a second one
    // + opens another terminal beside the first; closing it while it runs asks first.
    click(&ada, "+", "#new-terminal:enabled").await;
    wait_for(&ada, "two tabs, the new one shown", LIMIT, async |c| {
        let tabs = c
            .find_all(Locator::Css("#terminal-tabs [role=\"tab\"]"))
            .await
            .ok()?;
        (tabs.len() == 2).then_some(())
    })
    .await;
    until_attached(&ada, "the second terminal").await;
    type_in(&ada, &format!("echo second-$((1+1)){ENTER}")).await;
    until_rows(&ada, "the second terminal", "second-2").await;
    click(
        &ada,
        "× on the second terminal",
        "#terminal-tabs .tab-wrap.is-selected .tab-close",
    )
    .await;
    let question = ada.get_alert_text().await.expect("a confirmation");
    assert!(question.contains("Close the terminal"), "{question}");
    ada.accept_alert().await.unwrap();
    wait_for(&ada, "the first terminal shown again", LIMIT, async |c| {
        let tabs = c
            .find_all(Locator::Css("#terminal-tabs [role=\"tab\"]"))
            .await
            .ok()?;
        (tabs.len() == 1).then_some(())
    })
    .await;
    until_rows(&ada, "the first terminal again", "owner").await;

    // ---------------------------------------------------------------- the end
    type_in(&ada, &format!("exit 3{ENTER}")).await;
    for (client, who) in [(&ada, "the owner"), (&bob, "the viewer")] {
        wait_for(client, &format!("{who}: the end shown"), LIMIT, async |c| {
            let status = c
                .find(Locator::Css(".term-screen:not([hidden]) .term-status"))
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            status.contains("Ended (exit 3)").then_some(())
        })
        .await;
    }
    // An ended terminal closes without asking; the view is empty again.
    click(&ada, "× on the ended terminal", "#terminal-tabs .tab-close").await;
    wait_for(&ada, "no terminals", LIMIT, async |c| {
        c.find(Locator::Css("#open-terminal"))
            .await
            .ok()?
            .is_displayed()
            .await
            .ok()?
            .then_some(())
    })
    .await;

    assert_eq!(webdriver::error_messages(&ada).await, Vec::<String>::new());
    ada.close().await.expect("the browser session ends");
    bob.close().await.expect("the browser session ends");
}
