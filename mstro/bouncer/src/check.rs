//! `mstro-bouncer check`: judge commands or tool calls in batch.
//!
//! The `--jsonl` contract is relied on by external evaluation harnesses and must not
//! change: exactly one output line per input line, in order, either
//! `{"decision","basis","rule_ids","reason","severity","span","latency_us"}` or
//! `{"error"}`. Exit 0 when nothing reached `--fail-on`, 1 otherwise, 2 for usage or
//! I/O errors (including input lines that are not valid requests).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use mstro_engine::{Policy, ToolCall, Verdict};

use super::configured::Configured;
use super::overrides;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::cli::{CheckArgs, FailOn, Format};
use super::review::cache::ReviewCache;
use super::review::{AiChoice, ReviewSetup};

/// One result line: exactly the contract's fields, in its order.
#[derive(Debug, Serialize)]
struct Line {
    decision: Verdict,
    basis: &'static str,
    rule_ids: Vec<String>,
    reason: String,
    severity: &'static str,
    span: [usize; 2],
    latency_us: u64,
    /// With `--ai`: which layer decided a `review` (`ai`, `cache`, `ai-error`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<&'static str>,
    /// With `--ai`: the reviewer's confidence, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<u8>,
}

/// The result for one request.
enum Outcome {
    Judged {
        line: Line,
        alternative: Option<String>,
    },
    Error(String),
}

impl Outcome {
    fn jsonl(&self) -> String {
        match self {
            Outcome::Judged { line, .. } => serde_json::to_string(line).unwrap_or_else(|e| {
                serde_json::json!({ "error": format!("cannot encode result: {e}") }).to_string()
            }),
            Outcome::Error(message) => serde_json::json!({ "error": message }).to_string(),
        }
    }

    /// `DENY\t[rule] reason` for people (errors as `ERROR\t...`), with the safer way.
    fn text(&self, input: Option<&str>) -> String {
        let (head, body) = match self {
            Outcome::Error(e) => ("ERROR".to_owned(), e.clone()),
            Outcome::Judged { line, alternative } => {
                let rules = if line.rule_ids.is_empty() {
                    format!("({})", line.basis)
                } else {
                    format!("[{}]", line.rule_ids.join(", "))
                };
                let mut body = format!("{rules} {}", line.reason);
                if let Some(alt) = alternative {
                    body.push_str(&format!("\n\tsafer: {alt}"));
                }
                (line.decision.as_str().to_uppercase(), body)
            }
        };
        match input {
            Some(i) => format!("{head}\t{}\n\t{body}", one_line(i)),
            None => format!("{head}\t{body}"),
        }
    }
}

/// A `--jsonl` request: a Bash command, or a full tool call. Other fields are ignored.
#[derive(Debug, Deserialize)]
struct Request {
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    tool_name: Option<String>,
    #[serde(default)]
    tool_input: Option<Value>,
    #[serde(default)]
    cwd: Option<String>,
}

pub fn run(args: &CheckArgs) -> i32 {
    match run_inner(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mstro-bouncer check: {e:#}");
            2
        }
    }
}

fn run_inner(args: &CheckArgs) -> anyhow::Result<i32> {
    if args.jsonl.is_some() && !args.commands.is_empty() {
        anyhow::bail!("give commands as arguments or with --jsonl, not both");
    }
    if args.jsonl.is_none() && args.commands.is_empty() {
        anyhow::bail!("nothing to check: give a command, or --jsonl FILE (- for stdin)");
    }
    let default_cwd = match &args.cwd {
        Some(dir) => std::path::absolute(dir)?.to_string_lossy().into_owned(),
        None => std::env::current_dir()?.to_string_lossy().into_owned(),
    };
    // The configuration of the default working directory's project applies to every
    // request, whatever its own `cwd`.
    let configured = Configured::load(Some(&default_cwd), false)
        .map_err(|e| anyhow::anyhow!("the configuration does not load: {e}"))?;
    let policy = configured.policy(configured.mode(args.mode.map(Into::into)));
    let review = (args.ai != AiChoice::Off).then(|| {
        ReviewSetup::new(
            args.ai,
            configured.config.reviewer.as_ref(),
            ReviewCache::Off,
        )
    });
    let mut checker = Checker {
        configured: &configured,
        review,
        policy,
        cwd: default_cwd,
        worst: None,
        bad_input: false,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());

    match &args.jsonl {
        Some(path) => {
            let format = args.format.unwrap_or(Format::Jsonl);
            let reader: Box<dyn BufRead> = if path == Path::new("-") {
                Box::new(BufReader::new(io::stdin().lock()))
            } else {
                Box::new(BufReader::new(File::open(path).map_err(|e| {
                    anyhow::anyhow!("cannot open {}: {e}", path.display())
                })?))
            };
            let mut results = Vec::new();
            for line in reader.lines() {
                let line = line.map_err(|e| anyhow::anyhow!("reading input: {e}"))?;
                let result = checker.request_line(&line);
                match format {
                    Format::Jsonl => writeln!(out, "{}", result.jsonl())?,
                    Format::Json => results.push(result.jsonl()),
                    Format::Text => writeln!(out, "{}", result.text(None))?,
                }
            }
            if format == Format::Json {
                writeln!(out, "[{}]", results.join(","))?;
            }
        }
        None => {
            let format = args.format.unwrap_or(Format::Text);
            let mut results = Vec::new();
            for arg in &args.commands {
                let call = call_from_arg(&args.tool, arg, &checker.cwd);
                let result = checker.judge(&call);
                match format {
                    Format::Jsonl => writeln!(out, "{}", result.jsonl())?,
                    Format::Json => results.push(result.jsonl()),
                    Format::Text => writeln!(out, "{}", result.text(Some(arg)))?,
                }
            }
            if format == Format::Json {
                writeln!(out, "[{}]", results.join(","))?;
            }
        }
    }
    out.flush()?;
    if checker.bad_input {
        return Ok(2);
    }
    let threshold = match args.fail_on {
        FailOn::Deny => Some(Verdict::Deny),
        FailOn::Review => Some(Verdict::Review),
        FailOn::Never => None,
    };
    Ok(match (threshold, checker.worst) {
        (Some(t), Some(w)) if w >= t => 1,
        _ => 0,
    })
}

struct Checker<'a> {
    configured: &'a Configured,
    /// With `--ai`: `review` verdicts go to the reviewer.
    review: Option<ReviewSetup>,
    policy: Policy,
    cwd: String,
    worst: Option<Verdict>,
    bad_input: bool,
}

impl Checker<'_> {
    /// One `--jsonl` line to one output line.
    fn request_line(&mut self, line: &str) -> Outcome {
        let request = match serde_json::from_str::<Request>(line) {
            Ok(r) => r,
            Err(e) => return self.error(&format!("not a JSON request object: {e}")),
        };
        let cwd = request.cwd.unwrap_or_else(|| self.cwd.clone());
        let call = match (request.tool_name, request.command) {
            (Some(tool_name), _) => ToolCall {
                tool_name,
                tool_input: request.tool_input.unwrap_or(Value::Null),
                cwd: Some(cwd),
            },
            (None, Some(command)) => ToolCall::bash(command).with_cwd(cwd),
            (None, None) => {
                return self.error("a request needs `command` or `tool_name` and `tool_input`");
            }
        };
        self.judge(&call)
    }

    fn judge(&mut self, call: &ToolCall) -> Outcome {
        let start = Instant::now();
        let evaluation =
            match self
                .configured
                .engine
                .judge(call, &self.configured.env, self.policy.mode)
            {
                Ok(e) => e,
                Err(e) => return self.error(&e.to_string()),
            };
        let latency_us = start.elapsed().as_micros() as u64;
        if !evaluation.overridden.is_empty() {
            overrides::report_for_check(self.configured, call, &evaluation, self.policy.mode);
        }
        let j = &evaluation.judgement;
        let mut decision = self.policy.reported_verdict(j);
        let (mut reason, mut layer, mut confidence) = (j.reason.clone(), None, None);
        if decision == Verdict::Review
            && let Some(setup) = &self.review
        {
            let resolved = setup.resolve(&self.policy, call, j, None, || None);
            let r = &resolved.resolution;
            decision = match r.outcome {
                mstro_engine::Outcome::Allow | mstro_engine::Outcome::Pass => Verdict::Allow,
                mstro_engine::Outcome::Deny => Verdict::Deny,
                mstro_engine::Outcome::Ask => Verdict::Review,
            };
            reason = super::hook::reason::resolved(&evaluation.operation, j, r, self.policy.mode);
            layer = Some(r.layer.as_str());
            confidence = r.confidence();
        }
        self.worst = self.worst.max(Some(decision));
        let line = Line {
            decision,
            layer,
            confidence,
            basis: j.basis.as_str(),
            rule_ids: j.rule_ids.iter().map(|r| r.to_string()).collect(),
            reason,
            severity: j.severity.as_str(),
            span: [j.span.start, j.span.end],
            latency_us,
        };
        Outcome::Judged {
            line,
            alternative: j.alternative.clone(),
        }
    }

    fn error(&mut self, message: &str) -> Outcome {
        self.bad_input = true;
        Outcome::Error(message.to_owned())
    }
}

/// A positional argument as a tool call: JSON object input, or the tool's main field.
fn call_from_arg(tool: &str, arg: &str, cwd: &str) -> ToolCall {
    if tool.eq_ignore_ascii_case("bash") {
        return ToolCall::bash(arg).with_cwd(cwd);
    }
    let input = match serde_json::from_str::<Value>(arg) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            let field = match tool.to_ascii_lowercase().as_str() {
                "write" | "edit" | "multiedit" | "read" => "file_path",
                "notebookedit" => "notebook_path",
                "webfetch" => "url",
                "websearch" => "query",
                "glob" | "grep" => "pattern",
                "agent" | "task" => "prompt",
                _ => "command",
            };
            let mut input = serde_json::json!({ field: arg });
            // Fill the other required fields so a path-only check is a valid call.
            match tool.to_ascii_lowercase().as_str() {
                "write" => input["content"] = "".into(),
                "edit" => {
                    input["old_string"] = "".into();
                    input["new_string"] = "".into();
                }
                "webfetch" => input["prompt"] = "".into(),
                _ => {}
            }
            input
        }
    };
    ToolCall {
        tool_name: tool.to_owned(),
        tool_input: input,
        cwd: Some(cwd.to_owned()),
    }
}

fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 100 {
        format!("{}…", flat.chars().take(100).collect::<String>())
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_args_become_calls() {
        let c = call_from_arg("Read", "~/.ssh/id_rsa", "/p");
        assert_eq!(c.tool_input["file_path"], "~/.ssh/id_rsa");
        let c = call_from_arg("Write", r#"{"file_path":"/x","content":"y"}"#, "/p");
        assert_eq!(c.tool_input["content"], "y");
        let c = call_from_arg("bash", "ls", "/p");
        assert_eq!(c.tool_input["command"], "ls");
    }
}
