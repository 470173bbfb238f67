//! `mstro-bouncer mcp`: the permission tool of headless sessions. Claude Code started
//! with `--permission-prompt-tool mcp__mstro-bouncer__approval_prompt` calls
//! `approval_prompt` for every tool call its own settings do not decide (protocol
//! reference §2); we answer with exactly one text block holding
//! `{"behavior":"allow","updatedInput":{...}}` or `{"behavior":"deny","message":"..."}`.
//!
//! The engine is loaded once for the session; each call is judged on tokio's blocking
//! pool (the reviewer's HTTP client is blocking) and resolved under the mode's policy,
//! headless by default: a reviewer failure denies. In a session `mstro` runs, a
//! `review` nothing else settled goes to the owner instead (`--ask-person`): the run
//! shows an approval card in their browsers and this call waits for the answer
//! ([`crate::run_channel`]); anything but an approval denies.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mstro_engine::policy::{Detail, Step};
use mstro_engine::{Judgement, Layer, Mode, Outcome, Policy, Resolution, ToolCall};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, CustomRequest,
    CustomResult, ErrorCode, Implementation, JsonObject, ListToolsResult, PaginatedRequestParams,
    ProtocolVersion, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Value, json};

use super::audit::{AuditLog, AuditRecord};
use super::cli::{AskPerson, McpArgs};
use super::configured::Configured;
use super::hook::reason;
use super::review::cache::ReviewCache;
use super::review::{AiChoice, ReviewSetup, operation_text};
use crate::run_channel::{ApprovalAsk, Reporter};
use mstro_protocol::event::Decision;

/// The tool's name; Claude Code is told `mcp__<server name>__approval_prompt`.
pub const TOOL_NAME: &str = "approval_prompt";

/// Everything a decision needs, shared by concurrent calls.
struct Session {
    configured: Configured,
    setup: ReviewSetup,
    mode: Mode,
    id: Option<String>,
    user_request: Option<String>,
    cwd: String,
    audit: AuditLog,
    /// The mstro session run that started us, told about every decision and asked for
    /// approvals.
    reporter: Reporter,
    /// When the run's owner decides a `review` (only with a run to ask).
    ask_person: AskPerson,
}

pub fn run(args: &McpArgs) -> i32 {
    match serve(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mstro-bouncer mcp: {e:#}");
            1
        }
    }
}

fn serve(args: &McpArgs) -> anyhow::Result<()> {
    let cwd = match &args.cwd {
        Some(d) => d.clone(),
        None => std::env::current_dir()?,
    };
    let cwd = cwd.to_string_lossy().into_owned();
    // A configuration error still starts the server: every call is then denied with
    // the reason, which the session shows, instead of a server that fails to connect.
    let configured = Configured::load(Some(&cwd), false);
    let mode = Mode::from(args.mode);
    // Built outside the runtime: reqwest's blocking client may not be created (or
    // dropped) on a runtime thread.
    let reporter = Reporter::from_env();
    let ask_person = if reporter.has_run() {
        args.ask_person
    } else {
        AskPerson::Never
    };
    // "Ask me": the owner decides instead of the AI reviewer.
    let ai = if ask_person == AskPerson::First {
        AiChoice::Off
    } else {
        args.ai
    };
    let session = match configured {
        Ok(configured) => {
            let setup = ReviewSetup::new(
                ai,
                configured.config.reviewer.as_ref(),
                ReviewCache::memory(),
            )
            .prepare();
            Ok(Arc::new(Session {
                audit: AuditLog::under(std::path::Path::new(&configured.env.mstro_home)),
                configured,
                setup,
                mode,
                id: args.session_id.clone(),
                user_request: args.user_request.clone(),
                cwd,
                reporter,
                ask_person,
            }))
        }
        Err(e) => Err(Arc::new(format!(
            "mstro-bouncer's configuration does not load ({e}); a person needs to fix that file (`mstro-bouncer doctor` shows the problem)"
        ))),
    };
    let server = PermissionServer::new(session.clone());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async move {
        let service = server.serve(rmcp::transport::stdio()).await?;
        service.waiting().await?;
        anyhow::Ok(())
    });
    // Runtime shutdown waits for blocking tasks; a reviewer stuck past its own timeout
    // must not keep the process alive after Claude Code hung up.
    rt.shutdown_timeout(Duration::from_millis(200));
    drop(session);
    result
}

#[derive(Clone)]
struct PermissionServer {
    session: Result<Arc<Session>, Arc<String>>,
    tool: Arc<Tool>,
}

impl PermissionServer {
    fn new(session: Result<Arc<Session>, Arc<String>>) -> Self {
        let Value::Object(schema) = json!({
            "type": "object",
            "properties": {
                "tool_name": {"type": "string", "description": "The tool Claude Code wants to use"},
                "input": {"type": "object", "description": "The tool's input"},
                "tool_use_id": {"type": "string", "description": "The tool use id"}
            },
            "required": ["tool_name", "input"]
        }) else {
            unreachable!("a JSON object literal")
        };
        let tool = Tool::new(
            TOOL_NAME,
            "mstro-bouncer decides whether a tool call may run",
            Arc::new(schema),
        );
        PermissionServer {
            session,
            tool: Arc::new(tool),
        }
    }
}

fn deny(message: impl Into<String>) -> Value {
    json!({"behavior": "deny", "message": message.into()})
}

/// Exactly one text block whose text is the decision's JSON.
fn text_result(decision: &Value) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(decision.to_string())])
}

/// A call's arguments: the tool, its input, and Claude Code's id for the call.
struct Arguments {
    tool_name: String,
    input: JsonObject,
    tool_use_id: Option<String>,
}

/// The arguments, checked by hand: malformed ones are denied, not errored.
fn parse_arguments(args: Option<&JsonObject>) -> Result<Arguments, String> {
    let args = args.ok_or("no arguments")?;
    let tool_name = match args.get("tool_name") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(_) => return Err("`tool_name` must be a non-empty string".into()),
        None => return Err("`tool_name` is missing".into()),
    };
    let input = match args.get("input") {
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err("`input` must be an object".into()),
        None => return Err("`input` is missing".into()),
    };
    let tool_use_id = args
        .get("tool_use_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(Arguments {
        tool_name,
        input,
        tool_use_id,
    })
}

/// Judge and resolve one call; blocking (the reviewer).
fn decide(session: &Session, args: Arguments) -> Value {
    let started = Instant::now();
    let Arguments {
        tool_name,
        input,
        tool_use_id,
    } = args;
    let call = ToolCall {
        tool_name,
        tool_input: Value::Object(input.clone()),
        cwd: Some(session.cwd.clone()),
    };
    let configured = &session.configured;
    let evaluation = match configured
        .engine
        .judge(&call, &configured.env, session.mode)
    {
        Ok(e) => e,
        Err(e) => {
            return deny(format!(
                "mstro-bouncer blocked this call: the tool input is malformed ({e})"
            ));
        }
    };
    if !evaluation.overridden.is_empty() {
        super::overrides::warn(&evaluation);
    }
    let policy = configured.policy(session.mode);
    let resolved = session.setup.resolve(
        &policy,
        &call,
        &evaluation.judgement,
        session.id.as_deref(),
        || session.user_request.clone(),
    );
    let j = &evaluation.judgement;
    let mut resolution = resolved.resolution;
    let mut text = reason::resolved(&evaluation.operation, j, &resolution, session.mode);
    let mut decided_by = None;
    if person_may_decide(session.ask_person, &policy, j, &resolution) {
        let ask = approval_ask(&call, j, &resolution, tool_use_id.clone());
        match session.reporter.ask(ask) {
            Ok(reply) => {
                resolution = Resolution {
                    outcome: if reply.outcome.allows() {
                        Outcome::Allow
                    } else {
                        Outcome::Deny
                    },
                    layer: Layer::Person,
                    detail: Detail::Decided,
                };
                text = reason::by_person(&evaluation.operation, j, &reply);
                decided_by = reply.by;
            }
            Err(e) => {
                text = format!("{text} The session's owner could not be asked to approve it: {e}.");
            }
        }
    }
    let r = &resolution;
    let decision = match r.outcome {
        Outcome::Allow | Outcome::Pass => json!({"behavior": "allow", "updatedInput": input}),
        Outcome::Deny => deny(text.clone()),
        Outcome::Ask => {
            // Only reachable when the session was started in repl mode: there is still
            // nobody here to ask.
            text = format!("{text} Nobody can approve it in a headless session, so it is blocked.");
            deny(text.clone())
        }
    };
    // What the session saw: an `ask` was answered with a deny.
    let mut logged = r.clone();
    if logged.outcome == Outcome::Ask {
        logged.outcome = Outcome::Deny;
    }
    let record = AuditRecord {
        session: session.id.clone(),
        reviewer: resolved.reviewer.clone(),
        decided_by: decided_by.clone(),
        latency_us: started.elapsed().as_micros() as u64,
        ..AuditRecord::new("mcp", &call, &evaluation, &logged, text, session.mode)
    };
    if let Err(e) = session.audit.append(&record) {
        eprintln!("mstro-bouncer mcp: could not write the audit log: {e}");
    }
    session.reporter.report(Decision {
        tool_use_id,
        tool: record.tool,
        operation: record.operation,
        verdict: record.verdict.as_str().to_owned(),
        outcome: record.outcome.as_str().to_owned(),
        reason: record.reason,
        rule_reason: Some(j.reason.clone()).filter(|r| !r.is_empty()),
        rule_ids: record.rule_ids,
        layer: record.layer.as_str().to_owned(),
        latency_ms: record.latency_us as f64 / 1000.0,
        reviewer_reason: reviewer_reasoning(r),
        alternative: j.alternative.clone(),
        decided_by,
    });
    decision
}

/// Does the owner decide this call? Only a `review` (or deploy mode's unvouched
/// allow) that nothing else settled: no reviewer, a failed one, one not confident
/// enough, or a call too big to judge. A confident reviewer's deny stands.
fn person_may_decide(
    ask: AskPerson,
    policy: &Policy,
    judgement: &Judgement,
    resolution: &Resolution,
) -> bool {
    ask != AskPerson::Never
        && matches!(policy.step(judgement), Step::Review { .. })
        && resolution.outcome != Outcome::Allow
        && matches!(
            resolution.detail,
            Detail::Unreviewed
                | Detail::ReviewFailed(_)
                | Detail::LowConfidence { .. }
                | Detail::OverBudget
        )
}

/// The reviewer's own words, when it answered.
fn reviewer_reasoning(resolution: &Resolution) -> Option<String> {
    match &resolution.detail {
        Detail::Reviewed(a) | Detail::LowConfidence { answer: a, .. } => Some(a.reasoning.clone()),
        _ => None,
    }
}

/// The most of an operation an approval card shows; beyond it, the card says how much
/// is left out (the person can still deny).
const MAX_APPROVAL_OPERATION_CHARS: usize = 16 * 1024;

/// What the owner is asked: the operation in full (secrets redacted), why, and the
/// fingerprint that makes "the same operation" exact.
fn approval_ask(
    call: &ToolCall,
    judgement: &Judgement,
    resolution: &Resolution,
    tool_use_id: Option<String>,
) -> ApprovalAsk {
    let [tool, cwd, input] = crate::call_digest::operation_parts(call);
    ApprovalAsk {
        tool_use_id,
        tool: call.tool_name.clone(),
        operation: AuditRecord::operation_capped(
            &operation_text(call),
            MAX_APPROVAL_OPERATION_CHARS,
        ),
        fingerprint: crate::call_digest::digest(&[&tool, &cwd, &input]),
        reason: judgement.reason.clone(),
        alternative: judgement.alternative.clone(),
        rule_ids: judgement.rule_ids.iter().map(|r| r.to_string()).collect(),
        reviewer_reason: match &resolution.detail {
            Detail::ReviewFailed(why) => Some(format!("The AI reviewer failed: {why}")),
            Detail::LowConfidence { answer, threshold } => Some(format!(
                "{} (only {}% confident; {threshold}% is needed)",
                answer.reasoning, answer.confidence
            )),
            _ => reviewer_reasoning(resolution),
        },
    }
}

impl ServerHandler for PermissionServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "mstro-bouncer",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_protocol_version(ProtocolVersion::V_2025_11_25)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(ProtocolVersion::known_up_to(&ProtocolVersion::V_2025_11_25))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(vec![(*self.tool).clone()]))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        (name == TOOL_NAME).then(|| (*self.tool).clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        if request.name != TOOL_NAME {
            return Err(McpError::invalid_params(
                format!("unknown tool: {}", request.name),
                None,
            ));
        }
        let decision = match (&self.session, parse_arguments(request.arguments.as_ref())) {
            (Err(config_error), _) => deny(config_error.as_str()),
            (_, Err(why)) => deny(format!(
                "mstro-bouncer blocked this call: malformed approval_prompt arguments ({why})"
            )),
            (Ok(session), Ok(args)) => {
                let session = Arc::clone(session);
                tokio::task::spawn_blocking(move || decide(&session, args))
                    .await
                    .unwrap_or_else(|e| deny(format!("mstro-bouncer failed internally ({e}), so it blocks the call to stay safe")))
            }
        };
        Ok(text_result(&decision).into())
    }

    /// A `tools/call` whose arguments are not an object never reaches `call_tool`;
    /// it is still our tool being asked, so it gets a deny rather than an error.
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        let ours = request.method == "tools/call"
            && request
                .params
                .as_ref()
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                == Some(TOOL_NAME);
        if !ours {
            return Err(McpError::new(
                ErrorCode::METHOD_NOT_FOUND,
                request.method,
                None,
            ));
        }
        let mut result = text_result(&deny(
            "mstro-bouncer blocked this call: malformed approval_prompt arguments (not an object)",
        ));
        result.result_type = None;
        serde_json::to_value(result)
            .map(CustomResult)
            .map_err(|e| McpError::internal_error(e.to_string(), None))
    }
}
