//! The fake Messages API's richer replies (several blocks, thinking, a really streamed
//! dribble, sub-agents) against the real Claude Code CLI in stream-json mode, so the
//! fake stays honest. `stored_transcripts_match_the_live_cli` checks the transcripts
//! `mstro/tests/fixtures/stream-json/live_*.jsonl` against the pinned CLI (and rewrites
//! them with `MSTRO_UPDATE_FIXTURES=1`); the translator's output for each is an `insta`
//! snapshot in `mstro/src/session/stream/snapshots/stream-json/`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use mstro_tests::fake_api::{
    Block, FakeApi, Reply, is_subagent, last_user_text, result_text, tool_results,
};
use mstro_tests::{claude, require};
use serde_json::{Value, json};

/// One `claude -p` run in stream-json mode with partial messages, as mstro runs it.
struct Transcript {
    output: Output,
    lines: Vec<Value>,
    elapsed: Duration,
}

impl Transcript {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// For assertion messages: stdout and stderr.
    fn dump(&self) -> String {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }

    fn result(&self) -> &Value {
        let last = self.lines.last().unwrap_or(&Value::Null);
        assert_eq!(
            last["type"],
            "result",
            "the result comes last\n{}",
            self.dump()
        );
        last
    }

    fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.lines.iter().filter(move |l| l["type"] == kind)
    }

    /// The `delta`s of the `content_block_delta` stream events of the given type.
    fn deltas(&self, kind: &str) -> Vec<&Value> {
        self.of_type("stream_event")
            .filter(|l| l["event"]["type"] == "content_block_delta")
            .map(|l| &l["event"]["delta"])
            .filter(|d| d["type"] == kind)
            .collect()
    }
}

fn run(api: &FakeApi, prompt: &str, extra: &[&str]) -> Transcript {
    let home = tempfile::tempdir().expect("a temp dir");
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).expect("create the project");
    run_in(home.path(), &project, api, prompt, extra)
}

fn run_in(home: &Path, project: &Path, api: &FakeApi, prompt: &str, extra: &[&str]) -> Transcript {
    let mut args: Vec<String> = [
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-partial-messages",
        "--max-turns",
        "8",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    let started = Instant::now();
    let output = claude::Run {
        home,
        cwd: project,
        api_url: api.url(),
        args,
        prompt,
        timeout: Duration::from_secs(120),
    }
    .output()
    .unwrap_or_else(|e| panic!("claude: {e}"));
    let elapsed = started.elapsed();
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    Transcript {
        output,
        lines,
        elapsed,
    }
}

#[test]
fn thinking_and_text_blocks_both_reach_stream_json() {
    require!(claude::executable());
    let api = FakeApi::start(|_| {
        Reply::Blocks(vec![
            Block::Thinking("Let me think about this.".into()),
            Block::Text("The answer is 42.".into()),
        ])
    });
    let t = run(&api, "What is the answer?", &[]);
    let result = t.result();
    assert_eq!(result["is_error"], false, "{}", t.dump());
    assert_eq!(result["result"], "The answer is 42.", "{}", t.dump());

    // One assistant line per block, sharing the message id.
    let blocks: Vec<(&Value, &Value)> = t
        .of_type("assistant")
        .flat_map(|l| {
            l["message"]["content"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |b| (&l["message"]["id"], b))
        })
        .collect();
    assert_eq!(blocks.len(), 2, "{}", t.dump());
    assert_eq!(blocks[0].1["type"], "thinking");
    assert_eq!(blocks[0].1["thinking"], "Let me think about this.");
    assert_eq!(blocks[1].1["type"], "text");
    assert_eq!(blocks[1].1["text"], "The answer is 42.");
    assert_eq!(blocks[0].0, blocks[1].0, "one message");

    // And the partial messages carry both kinds of deltas, and the signature.
    let thinking = t.deltas("thinking_delta");
    assert_eq!(thinking.len(), 1, "{}", t.dump());
    assert_eq!(thinking[0]["thinking"], "Let me think about this.");
    assert_eq!(t.deltas("signature_delta").len(), 1, "{}", t.dump());
    assert_eq!(t.deltas("text_delta").len(), 1, "{}", t.dump());
}

#[test]
fn a_dribble_streams_several_text_deltas_and_takes_its_time() {
    require!(claude::executable());
    let chunks = ["Counting: ", "one, ", "two, ", "three, ", "four."];
    let every = Duration::from_millis(400);
    let api = FakeApi::start(move |_| Reply::Dribble {
        chunks: chunks.map(String::from).to_vec(),
        every,
    });
    let t = run(&api, "Count to four.", &[]);
    assert_eq!(
        t.result()["result"],
        "Counting: one, two, three, four.",
        "{}",
        t.dump()
    );
    let deltas: Vec<&str> = t
        .deltas("text_delta")
        .iter()
        .filter_map(|d| d["text"].as_str())
        .collect();
    assert_eq!(deltas, chunks, "one stream event per chunk\n{}", t.dump());
    let least = every * (chunks.len() as u32 - 1);
    assert!(
        t.elapsed >= least,
        "the run took {:?}, less than the dribble's {least:?}",
        t.elapsed
    );
}

/// Without the CLI: the dribble's body really arrives piece by piece.
#[test]
fn a_dribble_is_sent_as_it_goes_not_buffered() {
    let every = Duration::from_millis(500);
    let api = FakeApi::start(move |_| Reply::Dribble {
        chunks: vec!["first".into(), "second".into(), "third".into()],
        every,
    });
    let started = Instant::now();
    let mut response = reqwest::blocking::Client::new()
        .post(format!("{}/v1/messages", api.url()))
        .json(&json!({"model": "m", "stream": true, "messages": [], "tools": [{"name": "Bash"}]}))
        .send()
        .expect("the fake answers");
    assert_eq!(
        response.headers()["content-type"],
        "text/event-stream",
        "an SSE stream"
    );
    let mut body = String::new();
    let mut buf = [0u8; 4096];
    let mut first_at = None;
    loop {
        let n = response.read(&mut buf).expect("read the stream");
        if n == 0 {
            break;
        }
        body.push_str(std::str::from_utf8(&buf[..n]).expect("UTF-8"));
        if first_at.is_none() && body.contains("\"first\"") {
            first_at = Some(started.elapsed());
        }
    }
    let total = started.elapsed();
    let first_at = first_at.expect("the first chunk came");
    assert!(
        first_at < every,
        "the first delta came at once, not after {first_at:?}"
    );
    assert!(total >= every * 2, "the whole body took {total:?}");
    for chunk in ["first", "second", "third"] {
        assert!(
            body.contains(&format!("\"text_delta\",\"text\":\"{chunk}\"")),
            "{body}"
        );
    }
    assert!(body.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
}

/// Without the CLI: a test that ends while a slow dribble is still going is not held up.
#[test]
fn dropping_the_fake_cuts_a_dribble_short() {
    let api = FakeApi::start(|_| Reply::Dribble {
        chunks: vec!["now".into(), "much later".into()],
        every: Duration::from_secs(600),
    });
    let mut response = reqwest::blocking::Client::new()
        .post(format!("{}/v1/messages", api.url()))
        .json(&json!({"model": "m", "stream": true, "messages": [], "tools": [{"name": "Bash"}]}))
        .send()
        .expect("the fake answers");
    let mut buf = [0u8; 4096];
    let n = response.read(&mut buf).expect("the first piece");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("\"now\""));
    let reader = std::thread::spawn(move || {
        let mut rest = Vec::new();
        let _ = response.read_to_end(&mut rest);
        String::from_utf8_lossy(&rest).into_owned()
    });
    let started = Instant::now();
    drop(api);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopping took {:?}",
        started.elapsed()
    );
    let rest = reader.join().expect("the reader ends");
    assert!(!rest.contains("much later"), "{rest}");
}

#[test]
fn a_subagent_runs_and_its_lines_carry_the_parent_tool_use_id() {
    require!(claude::executable());
    const SUB_PROMPT: &str = "List the project, then say what you saw.";
    let api = FakeApi::start(|req| {
        if is_subagent(req) {
            return match tool_results(req).len() {
                0 => Reply::bash("echo from-the-sub-agent"),
                _ => Reply::Text("The sub-agent saw from-the-sub-agent.".into()),
            };
        }
        match tool_results(req).len() {
            0 => Reply::agent("look around", SUB_PROMPT),
            _ => Reply::Text("The sub-agent is done.".into()),
        }
    });
    let t = run(&api, "Delegate a look around.", &["--allowedTools", "Bash"]);
    let result = t.result();
    assert_eq!(result["is_error"], false, "{}", t.dump());
    assert_eq!(result["result"], "The sub-agent is done.", "{}", t.dump());

    // The fake recognised the sub-agent's requests, whose last user text is its prompt.
    let requests = api.requests();
    let sub: Vec<&Value> = requests.iter().filter(|r| is_subagent(r)).collect();
    assert_eq!(sub.len(), 2, "the sub-agent asked twice");
    assert_eq!(last_user_text(sub[0]), SUB_PROMPT);
    let main: Vec<&Value> = requests.iter().filter(|r| !is_subagent(r)).collect();
    assert_eq!(main.len(), 2, "the main conversation asked twice");
    assert_eq!(last_user_text(main[0]), "Delegate a look around.");
    assert_eq!(last_user_text(main[1]), "Delegate a look around.");

    // The Agent call, then lines for the sub-agent's work that point back to it.
    let agent_call = t
        .of_type("assistant")
        .flat_map(|l| l["message"]["content"].as_array().into_iter().flatten())
        .find(|b| b["type"] == "tool_use" && b["name"] == "Agent")
        .unwrap_or_else(|| panic!("an Agent call\n{}", t.dump()));
    let id = agent_call["id"].as_str().expect("a tool_use id");
    assert!(id.starts_with("toolu_"), "{id}");
    let children: Vec<&Value> = t
        .lines
        .iter()
        .filter(|l| l["parent_tool_use_id"] == id)
        .collect();
    let kinds: Vec<(&str, &str)> = children
        .iter()
        .map(|l| {
            let first = &l["message"]["content"][0];
            (
                l["type"].as_str().unwrap_or(""),
                first["type"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("user", "text"),
            ("assistant", "tool_use"),
            ("user", "tool_result")
        ],
        "the prompt, the sub-agent's Bash call and its result\n{}",
        t.dump()
    );
    assert_eq!(children[0]["message"]["content"][0]["text"], SUB_PROMPT);
    assert!(
        result_text(&children[2]["message"]["content"][0]).contains("from-the-sub-agent"),
        "{}",
        t.dump()
    );
    assert!(
        t.lines
            .iter()
            .any(|l| l["subtype"] == "task_started" && l["tool_use_id"] == id),
        "{}",
        t.dump()
    );

    // The sub-agent's answer comes back to the main conversation as the Agent's result.
    let answer = tool_results(main[1]);
    assert_eq!(answer.len(), 1);
    assert_eq!(answer[0]["tool_use_id"], id);
    assert!(
        result_text(answer[0]).contains("The sub-agent saw from-the-sub-agent."),
        "{}",
        result_text(answer[0])
    );
}

#[test]
fn tool_calls_in_one_reply_get_their_own_ids_and_all_run() {
    require!(claude::executable());
    let api = FakeApi::start(|req| match tool_results(req).len() {
        0 => Reply::Blocks(vec![
            Block::Text("I'll run both.".into()),
            Block::bash("echo one"),
            Block::bash("echo two"),
        ]),
        _ => Reply::Text("Both ran.".into()),
    });
    let t = run(&api, "Run two commands.", &["--allowedTools", "Bash"]);
    assert_eq!(t.result()["result"], "Both ran.", "{}", t.dump());
    let requests = api.requests();
    let last = requests.last().expect("requests");
    let results = tool_results(last);
    assert_eq!(results.len(), 2, "{}", t.dump());
    assert_ne!(results[0]["tool_use_id"], results[1]["tool_use_id"]);
    // Both run at once; Claude Code sends their results in the order they finished.
    let mut outputs: Vec<String> = results.iter().map(|r| result_text(r)).collect();
    outputs.sort();
    assert_eq!(outputs, ["one", "two"], "{}", t.dump());
}

// ---- Fixtures ----------------------------------------------------------------------

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mstro/tests/fixtures/stream-json")
}

type Script = Box<dyn Fn(&Value) -> Reply + Send + Sync>;

/// The transcripts mstro's stream-json parser is tested against, each from the real CLI.
fn fixture_cases() -> Vec<(&'static str, &'static str, Script, &'static [&'static str])> {
    vec![
        (
            "text",
            "Say hello.",
            Box::new(|_| Reply::Text("Hello from the fake API.".into())),
            &[],
        ),
        (
            "bash_tool",
            "Print hello.",
            Box::new(|req| match tool_results(req).len() {
                0 => Reply::bash("echo hello"),
                _ => Reply::Text("It printed hello.".into()),
            }),
            &["--allowedTools", "Bash"],
        ),
        (
            "thinking",
            "What is the answer?",
            Box::new(|_| {
                Reply::Blocks(vec![
                    Block::Thinking("Let me think about this.".into()),
                    Block::Text("The answer is 42.".into()),
                ])
            }),
            &[],
        ),
        (
            "multi_block",
            "Print hello.",
            Box::new(|req| match tool_results(req).len() {
                0 => Reply::Blocks(vec![
                    Block::Text("I'll run it.".into()),
                    Block::bash("echo hello"),
                ]),
                _ => Reply::Text("Done: it printed hello.".into()),
            }),
            &["--allowedTools", "Bash"],
        ),
        (
            "subagent",
            "Ask a sub-agent what it sees.",
            Box::new(|req| {
                if is_subagent(req) {
                    return Reply::Text("I see an empty project.".into());
                }
                match tool_results(req).len() {
                    0 => Reply::agent("look around", "Say what you see in the project."),
                    _ => Reply::Text("The sub-agent sees an empty project.".into()),
                }
            }),
            &[],
        ),
        (
            "subagent_tool",
            "Ask a sub-agent to print hello.",
            Box::new(|req| {
                if is_subagent(req) {
                    return match tool_results(req).len() {
                        0 => Reply::bash("echo hello"),
                        _ => Reply::Text("It printed hello.".into()),
                    };
                }
                match tool_results(req).len() {
                    0 => Reply::agent("print hello", "Run echo hello and report the output."),
                    _ => Reply::Text("The sub-agent printed hello.".into()),
                }
            }),
            &["--allowedTools", "Bash"],
        ),
        (
            "api_error_400",
            "Say hello.",
            Box::new(|_| Reply::Error {
                status: 400,
                kind: "invalid_request_error".into(),
                message: "fake invalid request".into(),
            }),
            &[],
        ),
        (
            // Retried up to CLAUDE_CODE_MAX_RETRIES, which `claude::Run` sets to 0.
            "api_error_500",
            "Say hello.",
            Box::new(|_| Reply::Error {
                status: 500,
                kind: "api_error".into(),
                message: "fake server error".into(),
            }),
            &[],
        ),
        (
            "dribble",
            "Count to three.",
            Box::new(|_| Reply::Dribble {
                chunks: ["Counting: ", "one, ", "two, ", "three."]
                    .map(String::from)
                    .to_vec(),
                every: Duration::from_millis(100),
            }),
            &[],
        ),
    ]
}

/// The line kinds (`type`, and `subtype` for system lines) of a transcript, in order:
/// what the translator depends on.
fn kinds(jsonl: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(jsonl)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a JSON line");
            match v["subtype"].as_str() {
                Some(sub) => format!("{}/{sub}", v["type"].as_str().unwrap_or("?")),
                None => v["type"].as_str().unwrap_or("?").to_owned(),
            }
        })
        .collect()
}

/// The stored `live_*.jsonl` transcripts still match what the pinned CLI prints, line
/// kind for line kind, so the translator's fixture tests test today's format. With
/// `MSTRO_UPDATE_FIXTURES=1` the transcripts are rewritten instead (after a Claude
/// Code upgrade).
#[test]
fn stored_transcripts_match_the_live_cli() {
    require!(claude::executable());
    let dir = fixtures_dir();
    let update = std::env::var("MSTRO_UPDATE_FIXTURES").is_ok_and(|v| v == "1");
    for (name, prompt, script, extra) in fixture_cases() {
        let api = FakeApi::start(script);
        let t = run(&api, prompt, extra);
        let result = t.result();
        let failed = name.starts_with("api_error");
        assert_eq!(result["is_error"], failed, "{name}: {}", t.dump());
        // Only `live_*`: the other transcripts in the directory come from elsewhere.
        let path = dir.join(format!("live_{name}.jsonl"));
        if update {
            std::fs::create_dir_all(&dir).expect("create the fixtures directory");
            std::fs::write(&path, &t.output.stdout).expect("write the fixture");
            continue;
        }
        let stored = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (mut live, mut kept) = (kinds(&t.output.stdout), kinds(&stored));
        // How many status lines and deltas a run prints depends on timing; which kinds
        // appear, in which order, does not.
        live.dedup();
        kept.dedup();
        assert_eq!(
            live, kept,
            "{name}: the CLI's output changed; rerun with MSTRO_UPDATE_FIXTURES=1 and check the translator"
        );
    }
}
