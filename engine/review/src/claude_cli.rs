//! `claude -p` as the reviewer: uses the person's own Claude login, so it works without
//! an API key. No tools, no MCP servers, no session on disk, bounded in time.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::prompt::Prompt;
use super::retry::with_one_retry;
use super::{ReviewAnswer, ReviewError, ReviewRequest, Reviewer};

/// Reviews by running `claude -p --output-format json` with the prompt on stdin.
pub struct ClaudeCliReviewer {
    program: PathBuf,
    model: String,
    timeout: Duration,
}

/// The most output read from the CLI.
const MAX_OUTPUT: u64 = 1024 * 1024;

impl ClaudeCliReviewer {
    pub fn new(program: PathBuf, model: &str, timeout: Duration) -> Self {
        ClaudeCliReviewer {
            program,
            model: model.to_owned(),
            timeout,
        }
    }

    fn run(&self, prompt: &Prompt) -> Result<String, ReviewError> {
        let mut child = Command::new(&self.program)
            .args(["-p", "--output-format", "json", "--model", &self.model])
            .args([
                "--tools",
                "",
                "--strict-mcp-config",
                "--no-session-persistence",
            ])
            .args(["--max-turns", "1", "--system-prompt", &prompt.system])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                ReviewError::Unavailable(format!("cannot run {}: {e}", self.program.display()))
            })?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let user = prompt.user.clone();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(user.as_bytes());
        });
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = (&mut stdout).take(MAX_OUTPUT).read_to_end(&mut out);
            out
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ReviewError::Timeout(self.timeout));
                }
                Err(e) => return Err(ReviewError::Process(e.to_string())),
            }
        };
        let _ = writer.join();
        let out = reader.join().unwrap_or_default();
        let out = String::from_utf8_lossy(&out).into_owned();
        if !status.success() && out.trim().is_empty() {
            return Err(ReviewError::Process(format!("claude exited with {status}")));
        }
        Ok(out)
    }
}

/// The `result` of `--output-format json`.
fn answer_of(output: &str) -> Result<ReviewAnswer, ReviewError> {
    let result: serde_json::Value = serde_json::from_str(output.trim()).map_err(|e| {
        ReviewError::Process(format!(
            "claude printed something other than its JSON result: {e}"
        ))
    })?;
    if result["is_error"] != false {
        let why: String = result["result"]
            .as_str()
            .unwrap_or("no message")
            .chars()
            .take(200)
            .collect();
        return Err(ReviewError::Process(format!(
            "claude reported an error: {why}"
        )));
    }
    let text = result["result"]
        .as_str()
        .ok_or_else(|| ReviewError::NotText("no result text".into()))?;
    ReviewAnswer::parse(text)
}

impl Reviewer for ClaudeCliReviewer {
    fn name(&self) -> String {
        format!("claude-cli:{}", self.model)
    }

    fn review(&self, request: &ReviewRequest) -> Result<ReviewAnswer, ReviewError> {
        let prompt = Prompt::new(request);
        with_one_retry(|| Ok(answer_of(&self.run(&prompt)?)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_line_is_read_strictly() {
        let good = r#"{"type":"result","is_error":false,"result":"{\"decision\":\"allow\",\"confidence\":75,\"reasoning\":\"ok\",\"threat_level\":\"low\"}"}"#;
        assert!(answer_of(good).is_ok());
        let error = r#"{"type":"result","is_error":true,"result":"API Error: 401"}"#;
        assert!(matches!(answer_of(error), Err(ReviewError::Process(_))));
        assert!(answer_of("Not logged in").is_err());
        let prose = r#"{"type":"result","is_error":false,"result":"I think it is fine."}"#;
        assert!(matches!(answer_of(prose), Err(ReviewError::Malformed(_))));
    }
}
