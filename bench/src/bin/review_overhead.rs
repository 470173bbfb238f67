//! What the AI review path costs on top of the reviewer's own round trip (budget:
//! ≤ 5 ms). A reviewer on loopback answers instantly; the hook is run on a command the
//! rules send to review, with the reviewer (a fresh session each time, so never from
//! the cache) and with `--ai off`, alternating. The reviewer's own round trip is a
//! plain HTTP request to the same server.
//!
//! `cargo build --release --bin mstro-bouncer && cargo run --release -p mstro-bench --bin review_overhead [RUNS]`

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ANSWER: &str = r#"{"id":"msg","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"{\"decision\":\"allow\",\"confidence\":90,\"reasoning\":\"fine\",\"threat_level\":\"low\"}"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}"#;

fn serve(listener: TcpListener) {
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || answer(stream));
    }
}

/// Read one HTTP request (headers and Content-Length body), answer, close.
fn answer(mut stream: TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let Ok(n) = stream.read(&mut chunk) else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                break;
            }
        }
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{ANSWER}",
        ANSWER.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || serve(listener));
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned();
    let bouncer = std::env::var_os("MSTRO_BOUNCER")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace.join("target/release/mstro-bouncer"));
    assert!(
        bouncer.is_file(),
        "build it first: cargo build --release --bin mstro-bouncer"
    );
    let home = std::env::temp_dir().join(format!("mstro-review-bench-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".mstro")).unwrap();
    std::fs::write(
        home.join(".mstro/bouncer.yaml"),
        "reviewer:\n  provider: anthropic\n",
    )
    .unwrap();

    let (mut reviewed, mut plain, mut trip) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        let event = serde_json::json!({
            "session_id": format!("bench-{i}"),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "chmod -R 777 ."},
            "cwd": "/home/dev/project",
        })
        .to_string();
        reviewed.push(hook(
            &bouncer,
            &home,
            &event,
            &format!("http://{addr}"),
            "auto",
        ));
        plain.push(hook(
            &bouncer,
            &home,
            &event,
            &format!("http://{addr}"),
            "off",
        ));
        trip.push(round_trip(addr));
    }
    let _ = std::fs::remove_dir_all(&home);
    for v in [&mut reviewed, &mut plain, &mut trip] {
        v.sort();
    }
    let median = |v: &[Duration]| v[v.len() / 2].as_secs_f64() * 1e3;
    let overhead = median(&reviewed) - median(&plain) - median(&trip);
    println!("{runs} runs each, alternating");
    println!("hook with reviewer      median {:.3} ms", median(&reviewed));
    println!("hook with --ai off      median {:.3} ms", median(&plain));
    println!("reviewer round trip     median {:.3} ms", median(&trip));
    println!("review path overhead    {overhead:.3} ms (budget 5 ms)");
}

fn hook(
    bouncer: &std::path::Path,
    home: &std::path::Path,
    event: &str,
    url: &str,
    ai: &str,
) -> Duration {
    let start = Instant::now();
    let mut child = Command::new(bouncer)
        .args(["hook", "--ai", ai])
        .env_clear()
        .env("HOME", home)
        .env("ANTHROPIC_BASE_URL", url)
        .env("ANTHROPIC_API_KEY", "sk-ant-bench")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(event.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let elapsed = start.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    let want = if ai == "off" { "\"ask\"" } else { "\"allow\"" };
    assert!(
        text.contains(want),
        "unexpected hook answer with --ai {ai}: {text}"
    );
    elapsed
}

/// One request of about the reviewer's size to the same server, on a new connection.
fn round_trip(addr: std::net::SocketAddr) -> Duration {
    let body = "x".repeat(2500);
    let start = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "POST /v1/messages HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut response = Vec::new();
    s.read_to_end(&mut response).unwrap();
    start.elapsed()
}
