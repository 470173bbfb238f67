//! The `claude` command line of one movement and the MCP configuration that puts
//! `mstro-bouncer mcp` in the loop (docs/sessions.md, "The run").

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::json;

use mstro_bouncer::cli::AskPerson;
use mstro_bouncer::run_channel::{SOCKET_ENV, TOKEN_ENV};

/// The MCP server's name; Claude Code calls its tool `mcp__mstro-bouncer__approval_prompt`.
pub const SERVER_NAME: &str = "mstro-bouncer";
/// `--permission-prompt-tool`'s value.
pub const PERMISSION_TOOL: &str = "mcp__mstro-bouncer__approval_prompt";
/// The person's request is shown to the reviewer; an environment variable cannot hold
/// much more than this (Linux caps one at 128 KiB), and a reviewer needs less.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// Which binaries a run uses.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// `claude`: `MSTRO_CLAUDE_BIN`, or `claude` looked up on `PATH` at spawn time.
    pub claude: PathBuf,
    /// `mstro-bouncer`: `MSTRO_BOUNCER_BIN`, or the one beside this executable.
    pub bouncer: PathBuf,
}

impl Binaries {
    pub fn from_env() -> Binaries {
        let claude = std::env::var_os("MSTRO_CLAUDE_BIN")
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from("claude"), PathBuf::from);
        let bouncer = std::env::var_os("MSTRO_BOUNCER_BIN")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                std::env::current_exe()
                    .ok()
                    .and_then(|exe| exe.parent().map(|d| d.join("mstro-bouncer")))
                    .unwrap_or_else(|| PathBuf::from("mstro-bouncer"))
            });
        Binaries { claude, bouncer }
    }
}

/// What one movement runs.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    /// Our history session id (keys the bouncer's review cache and audit records).
    pub session_id: &'a str,
    pub prompt: &'a str,
    /// Claude Code's session to continue.
    pub resume: Option<&'a str>,
    pub model: Option<&'a str>,
    /// When the owner is asked, if the tab chose; `None`: the machine's
    /// ([`RunnerConfig::ask_person`](super::RunnerConfig::ask_person)).
    pub ask_person: Option<AskPerson>,
    pub workspace: &'a Path,
}

/// The MCP configuration file's JSON.
pub fn mcp_config(
    bouncer: &Path,
    invocation: &Invocation<'_>,
    socket: &Path,
    token: &str,
    ask_person: AskPerson,
) -> serde_json::Value {
    let ask_person = match ask_person {
        AskPerson::AfterReviewer => "after-reviewer",
        AskPerson::First => "first",
        AskPerson::Never => "never",
    };
    let mut env = json!({
        "MSTRO_USER_REQUEST": cut(invocation.prompt, MAX_REQUEST_BYTES),
        "MSTRO_BOUNCER_MODE": "headless",
        "MSTRO_ASK_PERSON": ask_person,
        SOCKET_ENV: socket,
        TOKEN_ENV: token,
    });
    // The bouncer must read the same ~/.mstro as we do (configuration, audit log), also
    // when a launcher filters the environment.
    if let Some(home) = std::env::var_os("MSTRO_HOME") {
        env["MSTRO_HOME"] = json!(home.to_string_lossy());
    }
    json!({"mcpServers": {SERVER_NAME: {
        "type": "stdio",
        "command": bouncer,
        "args": [
            "mcp",
            format!("--session-id={}", invocation.session_id),
            "--cwd",
            invocation.workspace,
        ],
        "env": env,
    }}})
}

/// `claude`'s arguments (the prompt goes on stdin: no length limit, never parsed as a flag).
pub fn arguments(invocation: &Invocation<'_>, mcp_config: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-partial-messages",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    // `--flag=value`: a value can never be read as another option.
    if let Some(resume) = invocation.resume {
        args.push(format!("--resume={resume}").into());
    }
    if let Some(model) = invocation.model {
        args.push(format!("--model={model}").into());
    }
    args.extend([
        // The bouncer decides what Claude Code would otherwise ask about; a project's
        // `.claude/settings*.json` (a cloned repository) must not allow tools or
        // switch the mode so that it is never asked. The person's own settings apply.
        "--setting-sources".into(),
        "user".into(),
        "--permission-mode".into(),
        "default".into(),
        "--mcp-config".into(),
        mcp_config.as_os_str().to_owned(),
        // Only our server: a project's `.mcp.json` must not be able to define a server
        // of the same name whose "approval" tool allows everything.
        "--strict-mcp-config".into(),
        "--permission-prompt-tool".into(),
        PERMISSION_TOOL.into(),
        // Claude Code lets some calls through without asking anyone (reads in the
        // project, read-only commands): a hook that answers `ask` to every call sends
        // each of them to the permission tool, so the bouncer judges all of them (a
        // `Read` of `.env` included). It only asks; the bouncer decides.
        format!("--settings={}", ask_every_call()).into(),
    ]);
    args
}

/// Settings with one PreToolUse hook for every tool, answering `ask`.
fn ask_every_call() -> String {
    json!({"hooks": {"PreToolUse": [{
        "matcher": "*",
        "hooks": [{"type": "command", "command": ASK_HOOK_COMMAND}],
    }]}})
    .to_string()
}

/// It reads the call from stdin first: a large input (a big `Write`) would otherwise
/// meet a closed pipe, and a failed hook lets Claude Code fall back to its own rules.
/// The answer is a shell builtin's, so it comes even without `cat`.
const ASK_HOOK_COMMAND: &str = r#"cat >/dev/null; printf '%s' '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask"}}'"#;

/// Is `model` a plausible model name? It becomes an argument, so nothing else is passed.
pub fn valid_model(model: &str) -> bool {
    !model.is_empty()
        && model.len() <= 100
        && !model.starts_with('-')
        && model
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-[]@/".contains(&b))
}

fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invocation<'a>(resume: Option<&'a str>, prompt: &'a str) -> Invocation<'a> {
        Invocation {
            session_id: "s-1",
            prompt,
            resume,
            model: Some("claude-sonnet-4-5"),
            ask_person: None,
            workspace: Path::new("/w"),
        }
    }

    #[test]
    fn arguments_follow_the_design() {
        let args = arguments(&invocation(Some("abc"), "hi"), Path::new("/t/mcp.json"));
        let args: Vec<_> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let expected = format!(
            "-p --output-format stream-json --verbose --include-partial-messages --resume=abc \
             --model=claude-sonnet-4-5 --setting-sources user --permission-mode default \
             --mcp-config /t/mcp.json --strict-mcp-config \
             --permission-prompt-tool mcp__mstro-bouncer__approval_prompt --settings={}",
            ask_every_call()
        );
        assert_eq!(args.join(" "), expected);
        let fresh = arguments(&invocation(None, "hi"), Path::new("/t/mcp.json"));
        assert!(
            !fresh
                .iter()
                .any(|a| a.to_string_lossy().starts_with("--resume"))
        );
    }

    #[test]
    fn the_hook_answers_ask_to_every_tool() {
        let settings: serde_json::Value = serde_json::from_str(&ask_every_call()).unwrap();
        let entry = &settings["hooks"]["PreToolUse"][0];
        assert_eq!(entry["matcher"], "*");
        // Claude Code runs the command with bash and writes the call to its stdin; what
        // it prints is the hook's answer. A large call is read whole, not cut off.
        let mut hook = std::process::Command::new("bash")
            .arg("-c")
            .arg(entry["hooks"][0]["command"].as_str().unwrap())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = hook.stdin.take().unwrap();
        let call = format!(
            r#"{{"tool_input":{{"content":"{}"}}}}"#,
            "x".repeat(4 << 20)
        );
        std::io::Write::write_all(&mut stdin, call.as_bytes()).expect("the hook reads it all");
        drop(stdin);
        let out = hook.wait_with_output().unwrap();
        assert!(out.status.success());
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            answer,
            json!({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "ask"}})
        );
    }

    #[test]
    fn the_mcp_config_starts_the_bouncer_with_the_session_and_request() {
        let long = "é".repeat(20_000);
        let c = mcp_config(
            Path::new("/bin/mstro-bouncer"),
            &invocation(None, &long),
            Path::new("/tmp/x/decisions.sock"),
            "tok",
            AskPerson::First,
        );
        let server = &c["mcpServers"]["mstro-bouncer"];
        assert_eq!(server["command"], "/bin/mstro-bouncer");
        assert_eq!(
            server["args"],
            json!(["mcp", "--session-id=s-1", "--cwd", "/w"])
        );
        assert_eq!(server["env"][TOKEN_ENV], "tok");
        assert_eq!(server["env"]["MSTRO_BOUNCER_MODE"], "headless");
        assert_eq!(server["env"]["MSTRO_ASK_PERSON"], "first");
        let request = server["env"]["MSTRO_USER_REQUEST"].as_str().unwrap();
        assert!(request.len() <= MAX_REQUEST_BYTES && request.starts_with("éé"));
    }

    #[test]
    fn models_are_names_not_flags() {
        assert!(valid_model("claude-opus-4-8[1m]"));
        assert!(valid_model("us.anthropic.claude-sonnet-4-5@v1"));
        for bad in [
            "",
            "--dangerously-skip-permissions",
            "a b",
            "a;b",
            &"m".repeat(101),
        ] {
            assert!(!valid_model(bad), "{bad}");
        }
    }
}
