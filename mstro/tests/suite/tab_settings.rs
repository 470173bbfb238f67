//! A tab's own settings end to end (issue 17, docs/sessions.md, "Tab settings"): the
//! owner sets them through a real relay, a viewer is told and may not change them,
//! and the tab's next run of the real Claude Code CLI uses them: "ask me" puts a
//! `review` to the owner although an AI reviewer is configured (without the setting,
//! `sessions::an_ambiguous_tool_call_is_decided_by_the_reviewer` shows the same call
//! settled by that reviewer), and the model reaches the Messages API.

use mstro_tests::fake_api::{self, FakeApi};
use mstro_tests::require;
use serde_json::{Value, json};

use crate::approvals::{answer, until_nth, viewer};
use crate::sessions::{conversation, create_tab, machine_with, pretty, start, until_idle};

const PROFILE_EDIT: &str = "echo 'export MSTRO_E2E=1' >> ~/.bashrc";
/// A model name no Claude Code picks by itself.
const MODEL: &str = "claude-mstro-test-7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_me_first_and_the_model_apply_to_the_tab_s_next_run() {
    let api = FakeApi::with_reviewer(conversation(&[PROFILE_EDIT]), |_| {
        fake_api::review("allow", 95)
    });
    let (m, mut socket) = require!(machine_with(&api, &[]).await);
    std::fs::write(
        m.mstro_home().join("bouncer.yaml"),
        "reviewer:\n  provider: anthropic\n  timeout_seconds: 5\n",
    )
    .unwrap();
    let mut bob = viewer(&m).await;
    let tab = create_tab(&mut socket).await;
    let mut ours = Vec::new();
    let mut bobs = Vec::new();

    // Everyone reads them; the machine says what the defaults are.
    let listed = bob.request("getActiveTabs", json!({})).await;
    assert_eq!(
        listed["data"]["tabs"][0]["settings"],
        json!({"model": null, "askPerson": null}),
        "{listed}"
    );
    assert_eq!(listed["data"]["defaults"]["askPerson"], "after-reviewer");

    // A viewer may not change them; bad values are refused.
    let refused = bob
        .request_tab(
            "setTabSettings",
            &tab,
            json!({"askPerson": "never"}),
            &mut bobs,
        )
        .await;
    assert_eq!(refused["data"]["code"], "forbidden", "{refused}");
    for bad in [
        json!({"model": "--dangerously-skip-permissions"}),
        json!({"model": "a b"}),
        json!({"askPerson": "always"}),
        json!({"temperature": 2}),
    ] {
        let reply = socket
            .request_tab("setTabSettings", &tab, bad.clone(), &mut ours)
            .await;
        assert_eq!(reply["data"]["code"], "malformed", "{bad}: {reply}");
    }

    // Ada: ask me first, and a model. Both browsers are told.
    let set = socket
        .request_tab(
            "setTabSettings",
            &tab,
            json!({"model": MODEL, "askPerson": "first"}),
            &mut ours,
        )
        .await;
    assert_eq!(set["type"], "setTabSettings", "{set}");
    let wanted = json!({"model": MODEL, "askPerson": "first"});
    assert_eq!(set["data"], wanted);
    let told = until_nth(&mut bob, &tab, "tabSettingsChanged", 1, &mut bobs).await;
    assert_eq!(told["data"]["model"], MODEL);
    assert_eq!(told["data"]["askPerson"], "first");
    let listed = bob.request("getActiveTabs", json!({})).await;
    assert_eq!(listed["data"]["tabs"][0]["settings"], wanted);

    // The run: the review goes to Ada, not to the configured reviewer.
    let mut events = start(
        &mut socket,
        &tab,
        "Make MSTRO_E2E available in every shell",
        "p-1",
    )
    .await;
    let card = until_nth(&mut socket, &tab, "approvalRequest", 1, &mut events).await;
    assert_eq!(card["data"]["operation"], PROFILE_EDIT, "{card}");
    assert!(api.reviews().is_empty(), "the reviewer was not asked");
    let id = card["data"]["approvalId"].as_str().unwrap().to_owned();
    let taken = answer(&mut socket, &tab, &id, "once", &mut events).await;
    assert_eq!(taken["data"]["outcome"], "approved", "{taken}");
    let events = until_idle(&mut socket, &tab, events).await;
    let decision = events
        .iter()
        .find(|e| e["type"] == "bouncerDecision")
        .unwrap_or_else(|| panic!("{}", pretty(&events)));
    assert_eq!(
        (&decision["data"]["layer"], &decision["data"]["outcome"]),
        (&json!("person"), &json!("allow")),
        "{decision}"
    );
    assert!(api.reviews().is_empty(), "nor later");

    // The model reached Claude Code's requests for the conversation.
    let models: Vec<Value> = api
        .requests()
        .iter()
        .filter(|r| r["tools"].as_array().is_some_and(|t| !t.is_empty()))
        .map(|r| r["model"].clone())
        .collect();
    assert!(!models.is_empty());
    assert!(models.iter().all(|m| m == MODEL), "{models:?}");
}
