//! The web app's layout on a phone (390×844) and a desktop (1280×800), measured in
//! headless Chromium: every view fits the viewport, sideways and downwards, the prompt
//! box is on screen, the new-tab button is clear of the tabs, the Machines link is
//! there, every toolbar is one row (also with the History open, a prompt running and
//! another queued), also after a chat with a long command line and a long output
//! (issue 17).
//!
//! Each test saves screenshots: to `<target>/screenshots/`, or to the directory named
//! by `MSTRO_SCREENSHOTS` (relative to the workspace; the README's come from
//! `MSTRO_SCREENSHOTS=docs/screenshots`).

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, Locator};
use mstro_tests::fake_api::{self, FakeApi, Reply, tool_results};
use mstro_tests::mstro_up::{MstroUp, UpConfig, claude_env};
use mstro_tests::webdriver::{self, Chromedriver, wait_for};
use mstro_tests::{claude, require};
use serde_json::{Value, json};

use crate::browser::{click, send_prompt, signed_in_as};

const LIMIT: Duration = Duration::from_secs(30);
const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 800);

/// A directory and a file whose names do not fit a phone's width.
const LONG_DIR: &str = "src/a-rather-long-directory-name/another-deeply-nested-directory";
const LONG_FILE: &str = "a-file-with-a-really-long-name-that-does-not-fit-on-a-phone.txt";

/// One line of 400 characters without a space to break at.
fn long_line() -> String {
    format!("/{}", "very-long-path-segment/".repeat(17))
}

/// A work directory with the long path, its file holding the long line.
fn long_work(root: &std::path::Path) -> PathBuf {
    let work = root.join("work");
    std::fs::create_dir_all(work.join(LONG_DIR)).unwrap();
    std::fs::write(
        work.join(LONG_DIR).join(LONG_FILE),
        format!("{}\n", long_line()),
    )
    .unwrap();
    std::fs::write(work.join("hello.txt"), "hello\n").unwrap();
    std::fs::write(work.join(README), README_TEXT).unwrap();
    work
}

/// A Markdown file with a long name: its head holds the name, its size and Preview /
/// Source.
const README: &str = "README-with-a-name-long-enough-to-crowd-its-head.md";
const README_TEXT: &str = "# A heading that is rather long for a phone\n\nSome *text*, a [link](https://example.com) and `code`.\n\n```rust\nfn main() {}\n```\n";

/// Resize the window until the page's viewport (`innerWidth` × `innerHeight`) is
/// exactly `size`: the window's size also counts the browser's own bars.
pub(crate) async fn set_viewport(client: &Client, (width, height): (u32, u32)) {
    let mut window = (width, height);
    // Chromium applies a new window size asynchronously (slowly on a loaded machine):
    // measure again before correcting for the window's frame.
    for attempt in 0..8 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
        }
        client.set_window_size(window.0, window.1).await.unwrap();
        let inner = client
            .execute("return [innerWidth, innerHeight]", vec![])
            .await
            .unwrap();
        let (w, h) = (inner[0].as_u64().unwrap(), inner[1].as_u64().unwrap());
        if (w, h) == (u64::from(width), u64::from(height)) {
            return;
        }
        window.0 = (i64::from(window.0) + i64::from(width) - w as i64) as u32;
        window.1 = (i64::from(window.1) + i64::from(height) - h as i64) as u32;
    }
    panic!("cannot make the viewport {width}×{height}");
}

/// Where screenshots go: `MSTRO_SCREENSHOTS` (relative to the workspace), or
/// `<target>/screenshots`.
fn screenshot_dir() -> PathBuf {
    let dir = match std::env::var_os("MSTRO_SCREENSHOTS") {
        Some(dir) => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(dir),
        None => webdriver::target_dir().join("screenshots"),
    };
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    dir
}

pub(crate) async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot: {}", path.display());
}

/// What the page measures of itself (see `FACTS`).
pub(crate) async fn facts(client: &Client) -> Value {
    client
        .execute(FACTS, vec![])
        .await
        .expect("the page measures itself")
}

/// The layout facts the assertions read, measured by the page itself.
const FACTS: &str = r##"
const vw = innerWidth, vh = innerHeight, de = document.documentElement;
const shown = (el) => Boolean(el) && el.getClientRects().length > 0;
const box = (el) => { const r = el.getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom }; };
const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).trim().replace(/\s+/g, '.') : '');
const clip = (a, b) => ({ l: Math.max(a.l, b.l), t: Math.max(a.t, b.t), r: Math.min(a.r, b.r), b: Math.min(a.b, b.b) });
const overlaps = (a, b) => { const c = clip(a, b); return c.r - c.l > 0.5 && c.b - c.t > 0.5; };
const hits = (el) => { const r = box(el); const at = document.elementFromPoint((r.l + r.r) / 2, (r.t + r.b) / 2); return Boolean(at) && el.contains(at); };
const inView = (r) => r.l >= -0.5 && r.t >= -0.5 && r.r <= vw + 0.5 && r.b <= vh + 0.5;
// The panes that scroll up and down: none of them may scroll sideways too (what is
// wider than the screen scrolls in its own box: a code block, the tab strip, a path).
const panes = [...document.querySelectorAll(
  'header.topbar, main, .mv-head, .chat-bar, .transcript-panel, .chat-foot, .content-body, .history, .session-list')]
  .filter(shown)
  .filter((el) => el.scrollWidth > el.clientWidth + 1)
  .map((el) => `${name(el)}: ${el.scrollWidth} > ${el.clientWidth}`);
const facts = { vw, vh, scrollWidth: de.scrollWidth, scrollHeight: de.scrollHeight, widePanes: panes };
const machines = document.querySelector('header.topbar a.nav-link[href="#/"]');
facts.machinesLink = shown(machines) && inView(box(machines)) && hits(machines);
const prompt = document.querySelector('.prompt-box');
if (shown(prompt)) facts.promptInView = inView(box(prompt));
const plus = document.querySelector('#new-tab');
const strip = document.querySelector('.tabs-scroll');
if (shown(plus) && strip) {
  // What is seen of each tab: its box cut by every ancestor that clips (the strip it
  // scrolls in).
  const seen = (el) => {
    let r = box(el);
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') r = clip(r, box(a));
    }
    return r;
  };
  const tabs = [...document.querySelectorAll('#tabs .tab-wrap')];
  facts.tabs = tabs.length;
  facts.tabsUnderPlus = tabs.filter((t) => overlaps(seen(t), box(plus))).map((t) => t.textContent);
  facts.plusClickable = inView(box(plus)) && hits(plus);
}
// Rows that must stay one line: each visible item's vertical centre, the spread.
const spread = (sel) => {
  const ys = [...document.querySelectorAll(sel)].filter(shown).map((el) => { const r = box(el); return (r.t + r.b) / 2; });
  return ys.length ? Math.max(...ys) - Math.min(...ys) : 0;
};
facts.chatBarSpread = spread('.chat-bar > *');
facts.promptActionsSpread = spread('.prompt-actions .run-state > *, .prompt-actions .prompt-buttons > *');
// Toolbars that must be one row: every item beside every other (no item below
// another), nothing spilling out of the bar, and no item's own text broken over two
// lines.
// A text broken over lines has boxes at more than one height.
const lines = (el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let most = 0;
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    if (!t.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(t);
    const tops = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0).map((r) => r.top);
    const rows = tops.filter((top, i) => tops.findIndex((o) => Math.abs(o - top) < 2) === i).length;
    most = Math.max(most, rows);
  }
  return most;
};
facts.wrappedToolbars = [...document.querySelectorAll(
  '.chat-bar, .prompt-actions, .run-state, .prompt-buttons, .history-head, .mv-head, .mv-titlebar, .file-head, .pane-switch')]
  .filter(shown)
  .map((el) => {
    const kids = [...el.children].filter(shown).filter((k) => box(k).b - box(k).t > 0);
    const top = Math.max(...kids.map((k) => box(k).t));
    const bottom = Math.min(...kids.map((k) => box(k).b));
    const broken = kids.filter((k) => k.textContent.trim() && lines(k) > 1).map(name);
    if (kids.length > 1 && top >= bottom) return `${name(el)}: an item below another (${kids.map((k) => `${name(k)} ${Math.round(box(k).t)}–${Math.round(box(k).b)}`).join(', ')})`;
    if (el.scrollHeight > el.clientHeight + 1) return `${name(el)}: ${el.scrollHeight} px of content in ${el.clientHeight} px`;
    if (broken.length) return `${name(el)}: on two lines: ${broken.join(', ')}`;
    return null;
  })
  .filter(Boolean);
return facts;
"##;

/// The page fits the viewport: nothing scrolls sideways, the document is no taller
/// than the screen (the app scrolls in its panes; a page taller than the screen is
/// what pushed the prompt box below the fold), and the header's Machines link is on
/// screen when `nav`.
pub(crate) async fn assert_fits(client: &Client, what: &str, nav: bool) -> Value {
    let f = facts(client).await;
    let (vw, vh) = (f["vw"].as_f64().unwrap(), f["vh"].as_f64().unwrap());
    assert!(
        f["scrollWidth"].as_f64().unwrap() <= vw,
        "{what} at {vw} px scrolls sideways: {f:#}"
    );
    assert!(
        f["scrollHeight"].as_f64().unwrap() <= vh,
        "{what} at {vw} px: the document is taller than the screen: {f:#}"
    );
    assert_eq!(
        f["widePanes"],
        json!([]),
        "{what} at {vw} px: a pane scrolls sideways: {f:#}"
    );
    if nav {
        assert_eq!(
            f["machinesLink"],
            json!(true),
            "{what} at {vw} px: the Machines link is not on screen: {f:#}"
        );
    }
    assert_eq!(
        f["wrappedToolbars"],
        json!([]),
        "{what} at {vw} px: a toolbar is more than one row: {f:#}"
    );
    f
}

/// The chat's own facts: the prompt box on screen, the + clear of the tabs and
/// clickable, the tab bar and the prompt's toolbar each on one line.
async fn assert_chat_fits(client: &Client, what: &str) {
    let f = assert_fits(client, what, true).await;
    let vw = &f["vw"];
    assert_eq!(
        f["promptInView"],
        json!(true),
        "{what} at {vw} px: the prompt box is not all on screen: {f:#}"
    );
    assert_eq!(
        f["tabsUnderPlus"],
        json!([]),
        "{what} at {vw} px: the + overlaps a tab: {f:#}"
    );
    assert_eq!(
        f["plusClickable"],
        json!(true),
        "{what} at {vw} px: the + is covered or off screen: {f:#}"
    );
    for row in ["chatBarSpread", "promptActionsSpread"] {
        assert!(
            f[row].as_f64().unwrap() < 4.0,
            "{what} at {vw} px: {row}: the row wraps: {f:#}"
        );
    }
}

async fn wait_css(client: &Client, what: &str, css: &str) {
    wait_for(client, what, LIMIT, async |c| {
        c.find(Locator::Css(css)).await.ok()
    })
    .await;
}

async fn goto_hash(client: &Client, base: &str, hash: &str) {
    client.goto(&format!("{base}/{hash}")).await.unwrap();
}

/// The id of `mstro up`'s machine, once it is online in the list.
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

/// A `mstro login` waiting for approval, from a machine with a very long host name;
/// its user code.
async fn pending_device(relay: &str) -> String {
    let grant: Value = reqwest::Client::new()
        .post(format!("{relay}/api/auth/device/request"))
        .json(&json!({
            "clientId": "layout-test",
            "machineHostname": "a-build-server-with-an-extraordinarily-long-hostname.internal.example.com",
            "osType": "linux", "cpuArch": "x86_64", "cliVersion": "0.1.0",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    grant["userCode"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_fits_a_phone_and_a_desktop() {
    let driver = require!(Chromedriver::start().await);
    let dir = tempfile::tempdir().unwrap();
    let work = long_work(dir.path());
    let up = MstroUp::start(&UpConfig {
        home: &dir.path().join("home"),
        work: &work,
        user: "ada",
        env: Vec::new(),
    });
    let base = up.relay_url();
    let browser = driver.connect().await;
    let code = pending_device(&base).await;

    // Signed out: the sign-in page.
    for size in [PHONE, DESKTOP] {
        set_viewport(&browser, size).await;
        goto_hash(&browser, &base, "#/signin").await;
        wait_css(&browser, "the sign-in form", "#signin-form").await;
        assert_fits(&browser, "the sign-in page", false).await;
    }
    browser.goto(&up.link).await.unwrap();
    signed_in_as(&browser, "ada").await;
    let id = online_machine(&browser).await;

    for (size, device) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        set_viewport(&browser, size).await;
        goto_hash(&browser, &base, "#/").await;
        online_machine(&browser).await;
        assert_fits(&browser, "the machine list", true).await;
        screenshot(&browser, &format!("{device}-machines")).await;

        goto_hash(&browser, &base, &format!("#/device/{code}")).await;
        wait_css(&browser, "the device to approve", "#device-approve").await;
        assert_fits(&browser, "the device approval", true).await;

        goto_hash(&browser, &base, "#/account").await;
        wait_css(
            &browser,
            "this browser's session",
            "#session-list li[data-current]",
        )
        .await;
        assert_fits(&browser, "the account page", true).await;

        goto_hash(&browser, &base, "#/link/not-a-real-token").await;
        wait_css(&browser, "the link's error", ".link-body .error").await;
        assert_fits(&browser, "a sign-in link", false).await;

        goto_hash(&browser, &base, "#/no/such/page").await;
        wait_css(&browser, "the not-found page", ".card-title").await;
        assert_fits(&browser, "the not-found page", true).await;

        // The machine: its chat, then a directory and a file with long names.
        goto_hash(&browser, &base, &format!("#/m/{id}")).await;
        wait_css(&browser, "the prompt box", "#prompt:enabled").await;
        assert_chat_fits(&browser, "the machine's chat").await;
        goto_hash(&browser, &base, &format!("#/m/{id}/{LONG_DIR}")).await;
        wait_css(
            &browser,
            "the long directory",
            &format!("#dir-view[data-path=\"{LONG_DIR}\"] a.entry"),
        )
        .await;
        assert_fits(&browser, "a directory with a long path", true).await;
        screenshot(&browser, &format!("{device}-files")).await;
        click(
            &browser,
            "the file with a long name",
            &format!("#dir-view a.entry[href$=\"{LONG_FILE}\"]"),
        )
        .await;
        wait_css(
            &browser,
            "the file with a long line",
            "#file-view #file-content",
        )
        .await;
        assert_fits(&browser, "a file with a long line", true).await;
        // A Markdown file, rendered, its head with Preview / Source.
        goto_hash(&browser, &base, &format!("#/m/{id}/{README}")).await;
        wait_css(
            &browser,
            "the Markdown file rendered",
            "#file-view #file-preview:not([hidden]) .md-codeblock",
        )
        .await;
        assert_fits(&browser, "a Markdown file", true).await;
        screenshot(&browser, &format!("{device}-markdown")).await;
        click(&browser, "Source", "#md-source").await;
        wait_css(
            &browser,
            "the Markdown source",
            ".code-scroll:not([hidden]) #file-content",
        )
        .await;
        assert_fits(&browser, "a Markdown file's source", true).await;
        click(&browser, "Preview", "#md-preview").await;
        click(&browser, "the Chat switch", "#show-chat").await;
        wait_css(&browser, "the chat again", "#chat #prompt").await;
        assert_chat_fits(&browser, "the chat after the files").await;
    }
    browser.close().await.expect("the browser session ends");
}

/// The conversation: any prompt prints the long file with a long command line (a tool
/// card with a long input and a long output), then answers with the long line in a
/// code block and inline; a prompt asking to go "slowly" streams for a minute.
fn long_output_script(req: &Value) -> Reply {
    if fake_api::last_user_text(req).contains("slowly") {
        return Reply::Dribble {
            chunks: (0..300).map(|i| format!("word {i} ")).collect(),
            every: Duration::from_millis(200),
        };
    }
    if tool_results(req).is_empty() {
        Reply::bash(&format!(
            "cat {LONG_DIR}/{LONG_FILE} {LONG_DIR}/../another-deeply-nested-directory/{LONG_FILE}"
        ))
    } else {
        let line = long_line();
        Reply::Text(format!(
            "It holds one long line, `{line}`:\n\n```text\n{line} {line}\n```\n"
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_with_long_output_fits_a_phone_and_a_desktop() {
    let driver = require!(Chromedriver::start().await);
    let claude = require!(claude::executable());
    let api = FakeApi::start(long_output_script);
    let dir = tempfile::tempdir().unwrap();
    let work = long_work(dir.path());
    std::fs::create_dir_all(dir.path().join("claude-home")).unwrap();
    let up = MstroUp::start(&UpConfig {
        home: &dir.path().join("home"),
        work: &work,
        user: "ada",
        env: claude_env(claude, api.url(), &dir.path().join("claude-home")),
    });
    let browser = driver.connect().await;
    set_viewport(&browser, PHONE).await;
    browser.goto(&up.link).await.unwrap();
    let id = online_machine(&browser).await;
    goto_hash(&browser, &up.relay_url(), &format!("#/m/{id}")).await;

    send_prompt(&browser, "Show me the file with the long name").await;
    wait_for(&browser, "the answer", LIMIT * 4, async |c| {
        let done = c
            .find(Locator::Css(".movement[data-status=\"completed\"] .output"))
            .await
            .ok()?;
        done.text()
            .await
            .ok()?
            .contains("one long line")
            .then_some(())
    })
    .await;
    // The tool card open: its long command line and its long output.
    click(
        &browser,
        "the tool card",
        ".tool-call[data-name=\"Bash\"] > summary",
    )
    .await;
    wait_css(
        &browser,
        "the tool's output",
        ".tool-call[open] .tool-output",
    )
    .await;
    // Two more tabs: on a phone the strip of three scrolls.
    for n in 2..=3 {
        click(&browser, "a new tab", "#new-tab").await;
        wait_for(&browser, "the new tab", LIMIT, async |c| {
            let tabs = c.find_all(Locator::Css("#tabs [role=tab]")).await.ok()?;
            (tabs.len() == n).then_some(())
        })
        .await;
    }
    click(
        &browser,
        "the first tab",
        "#tabs .tab-wrap:first-child [role=tab]",
    )
    .await;
    wait_css(
        &browser,
        "the first tab's transcript",
        ".tool-call[open] .tool-output",
    )
    .await;

    for (size, device) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        set_viewport(&browser, size).await;
        assert_chat_fits(&browser, "a chat with a long output").await;
        // Scrolled back to the prompt: what lay below the fold is now further down.
        browser
            .execute(
                "document.querySelector('.transcript-panel:not([hidden])').scrollTop = 0",
                vec![],
            )
            .await
            .unwrap();
        assert_chat_fits(&browser, "a chat with a long output, from its start").await;
        screenshot(&browser, &format!("{device}-chat")).await;

        // The history beside the chat (a desktop), or over it (a phone).
        click(&browser, "History", "#history-toggle").await;
        wait_css(
            &browser,
            "the history",
            "#history:not([hidden]) .session-item",
        )
        .await;
        assert_chat_fits(&browser, "the chat with the history open").await;
        screenshot(&browser, &format!("{device}-history")).await;
        click(&browser, "History again", "#history-toggle").await;
        wait_css(&browser, "the history closed", "#history[hidden]").await;

        // The tab's settings: a panel on screen; the owner asks to be asked first.
        click(&browser, "Settings", "#tab-settings-toggle").await;
        wait_css(&browser, "the settings", "#tab-settings:not([hidden])").await;
        assert_chat_fits(&browser, "the chat with the tab's settings open").await;
        let inside: Value = browser
            .execute(
                "const r = document.querySelector('#tab-settings').getBoundingClientRect(); \
                 return r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            inside,
            json!(true),
            "{device}: the settings panel is not all on screen"
        );
        screenshot(&browser, &format!("{device}-settings")).await;
        click(&browser, "Ask me first", "#tab-ask-first").await;
        click(&browser, "Save", "#tab-settings-save").await;
        wait_for(&browser, "the settings saved", LIMIT, async |c| {
            let text = c
                .find(Locator::Css(".settings-status"))
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            text.starts_with("Saved").then_some(())
        })
        .await;
        click(&browser, "Settings again", "#tab-settings-toggle").await;
        wait_css(&browser, "the settings closed", "#tab-settings[hidden]").await;
    }

    // The fullest toolbar: a prompt running (its time and tokens, Stop) and the next
    // one queued behind it (Send reads Queue), with the History open beside it or over
    // it.
    send_prompt(&browser, "Answer slowly").await;
    wait_css(
        &browser,
        "the slow run",
        ".movement[data-status=\"running\"] .output",
    )
    .await;
    send_prompt(&browser, "Then print the file again").await;
    wait_css(
        &browser,
        "the queued prompt",
        ".movement.pending[data-pending=\"queued\"]",
    )
    .await;
    for (size, device) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        set_viewport(&browser, size).await;
        browser
            .execute(
                "const p = document.querySelector('#prompt'); p.value = 'a third prompt, typed'; \
                 p.dispatchEvent(new Event('input'));",
                vec![],
            )
            .await
            .unwrap();
        wait_css(&browser, "Queue", "#send:enabled").await;
        assert_chat_fits(&browser, "a running chat with a queued prompt").await;
        click(&browser, "History", "#history-toggle").await;
        wait_css(&browser, "the history", "#history:not([hidden])").await;
        assert_chat_fits(&browser, "a running chat with the history open").await;
        screenshot(&browser, &format!("{device}-running-history")).await;
        click(&browser, "History again", "#history-toggle").await;
        wait_css(&browser, "the history closed", "#history[hidden]").await;
    }
    // Stopped, the run ends and the queued prompt goes by itself.
    click(&browser, "Stop", "#stop").await;
    wait_for(
        &browser,
        "the queued prompt answered",
        LIMIT * 4,
        async |c| {
            let done = c
                .find_all(Locator::Css(".movement[data-status=\"completed\"] .prompt"))
                .await
                .ok()?;
            let mut texts = Vec::new();
            for p in done {
                texts.push(p.text().await.ok()?);
            }
            texts
                .iter()
                .any(|t| t == "Then print the file again")
                .then_some(())
        },
    )
    .await;
    assert!(
        browser
            .find(Locator::Css(".movement[data-status=\"cancelled\"]"))
            .await
            .is_ok(),
        "the slow run was stopped"
    );
    assert_eq!(
        browser
            .find(Locator::Css("#prompt"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("a third prompt, typed"),
        "what was typed meanwhile is still in the box"
    );
    assert_eq!(
        webdriver::error_messages(&browser).await,
        Vec::<String>::new()
    );
    browser.close().await.expect("the browser session ends");
}
