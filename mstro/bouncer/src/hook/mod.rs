//! `mstro-bouncer hook`: the Claude Code PreToolUse hook.
//!
//! Claude Code treats a hook that crashes, exits non-zero without JSON, or times out
//! as "no decision" and carries on (protocol reference §1.4): fail-open. So the hook
//! catches everything itself, always exits 0, and answers every failure with `deny`.
//!
//! In a session `mstro` runs, the hook leaves every call to the session's permission
//! tool, which judges each of them ([`run_registry`]).

mod crash;
pub mod input;
mod judgement_cache;
pub mod output;
pub(crate) mod reason;
pub mod run_registry;

use std::io::Write;
use std::panic::{self, AssertUnwindSafe};

use mstro_engine::config::{ReviewerConfig, relevance_of};
use mstro_engine::pack::Relevance;
use mstro_engine::{Evaluation, Mode, Outcome, PathEnv, Policy, ToolCall};

use self::judgement_cache::{JudgementCache, JudgementKey};
use self::output::Decision;
use super::audit::{AuditLog, AuditRecord};
use super::cli::HookArgs;
use super::configured::Configured;
use super::overrides;
use super::review::cache::{DiskCache, ReviewCache};
use super::review::transcript::recent_request;
use super::review::{AiChoice, ReviewSetup};

/// Run the hook on the process's stdin and stdout. Always returns 0.
pub fn run(args: &HookArgs) -> i32 {
    crash::install(output::render(
        Decision::Deny,
        "mstro-bouncer crashed while judging this call, so it blocks it to stay safe; run `mstro-bouncer doctor`",
    ));
    let mode: Option<Mode> = args.mode.map(Into::into);
    // A panic still produces a decision; the default hook's message goes to stderr,
    // which Claude Code keeps in its debug log.
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        decide(std::io::stdin().lock(), mode, args.ai)
    }));
    let line = match result {
        Ok(Some(line)) => line,
        Ok(None) => return 0,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            output::render(
                Decision::Deny,
                &format!(
                    "mstro-bouncer failed internally ({what}), so it blocks the call to stay safe"
                ),
            )
        }
    };
    emit(&line);
    0
}

/// Print a deny for a failure that happened before any input was read.
pub fn fail_closed(message: &str) -> i32 {
    emit(&output::render(Decision::Deny, message));
    0
}

fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    // Nothing more can be done if stdout is gone; Claude Code then sees no decision.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// A real crash of the kind the hook must survive. Only in debug builds (the test
/// suite's): a release build has no switch that makes it crash.
#[cfg(debug_assertions)]
fn crash_for_tests(how: &str) {
    // Unbounded on purpose: a stack overflow is one of the crashes being tested.
    #[allow(unconditional_recursion)]
    fn recurse(n: u64) -> u64 {
        let frame = [n; 64];
        std::hint::black_box(&frame);
        recurse(n + 1) + frame[0]
    }
    match how {
        "stack" => {
            std::hint::black_box(recurse(0));
        }
        "abort" => std::process::abort(),
        // SAFETY: deliberately faulting, which is what is being tested.
        _ => unsafe { std::ptr::null_mut::<u64>().write_volatile(1) },
    }
}

/// Read one event and decide. `None` means "print nothing" (pass through). Without a
/// `mode`, the configured default applies.
pub fn decide(stdin: impl std::io::Read, mode: Option<Mode>, ai: AiChoice) -> Option<String> {
    // Lets the test suite prove that a panic or a crash still ends in a deny; debug
    // builds only.
    #[cfg(debug_assertions)]
    {
        if std::env::var_os("MSTRO_BOUNCER_PANIC_FOR_TESTS").is_some() {
            panic!("panic requested by MSTRO_BOUNCER_PANIC_FOR_TESTS");
        }
        if let Some(how) = std::env::var_os("MSTRO_BOUNCER_CRASH_FOR_TESTS") {
            crash_for_tests(&how.to_string_lossy());
        }
    }
    let deny = |why: String| {
        Some(output::render(
            Decision::Deny,
            &format!("mstro-bouncer blocked this call: {why}"),
        ))
    };
    let event = match input::read(stdin) {
        Ok(e) => e,
        Err(problem) => return deny(problem.describe()),
    };
    if let Some(name) = event.hook_event_name.as_deref()
        && name != "PreToolUse"
    {
        return deny(format!(
            "it is registered for PreToolUse but received a {name} event; check the hook configuration"
        ));
    }
    let started = std::time::Instant::now();
    let (session, transcript) = (event.session_id, event.transcript_path);
    let call = ToolCall {
        tool_name: event.tool_name,
        tool_input: event.tool_input,
        cwd: event.cwd,
    };
    let env = Configured::env_for(call.cwd.as_deref());
    let home = std::path::Path::new(&env.mstro_home).to_path_buf();
    // A session `mstro` runs asks its permission tool about every call, which judges
    // it: judging it here as well would only double the decision and its record.
    if run_registry::serves_registered_run(&home) {
        return None;
    }
    let judged = match judge(&call, env, mode) {
        Ok(j) => j,
        Err(why) => return deny(why),
    };
    let (evaluation, mode, policy) = (&judged.evaluation, judged.mode, judged.policy);
    if !evaluation.overridden.is_empty() {
        overrides::warn(evaluation);
    }
    let setup = ReviewSetup::new(
        ai,
        judged.reviewer.as_ref(),
        ReviewCache::Disk(DiskCache::under(&home)),
    );
    let resolved = setup.resolve(
        &policy,
        &call,
        &evaluation.judgement,
        session.as_deref(),
        || {
            transcript
                .as_deref()
                .and_then(|p| request_from_transcript(std::path::Path::new(p)))
        },
    );
    let j = &evaluation.judgement;
    let r = &resolved.resolution;
    let text = reason::resolved(&evaluation.operation, j, r, mode);
    let record = AuditRecord {
        session,
        reviewer: resolved.reviewer.clone(),
        latency_us: started.elapsed().as_micros() as u64,
        ..AuditRecord::new("hook", &call, evaluation, r, text.clone(), mode)
    };
    if let Err(e) = AuditLog::under(&home).append(&record) {
        eprintln!("mstro-bouncer: could not write the audit log: {e}");
    }
    match r.outcome {
        Outcome::Deny => Some(output::render(Decision::Deny, &text)),
        Outcome::Ask => Some(output::render(Decision::Ask, &text)),
        Outcome::Allow => Some(output::render(Decision::Allow, &text)),
        Outcome::Pass => None,
    }
}

/// A call judged, with what the configuration says about what follows.
struct Judged {
    evaluation: Evaluation,
    mode: Mode,
    policy: Policy,
    reviewer: Option<ReviewerConfig>,
}

/// Judge `call`: from the judgement cache when it runs files that have not changed
/// since (see [`judgement_cache`]), else with an engine built for it. `Err` is why it
/// is denied.
fn judge(call: &ToolCall, env: PathEnv, flag: Option<Mode>) -> Result<Judged, String> {
    let relevance = relevance_of(call, &env);
    // Only calls that need every rule are worth keeping: the others build fast.
    let cache = JudgementCache::under(std::path::Path::new(&env.mstro_home));
    let key = matches!(relevance, Relevance::All)
        .then(|| JudgementKey::new(call, &env, flag))
        .flatten();
    if let Some(key) = &key
        && let Some(kept) = cache.get(key)
        && let Some(evaluation) = kept.evaluation(call, &env)
    {
        let mode = flag.or(kept.mode).unwrap_or_default();
        return Ok(Judged {
            evaluation,
            mode,
            policy: Policy {
                mode,
                default_allow: kept.default_allow,
            },
            reviewer: kept.reviewer,
        });
    }
    let (judged, recorded) = mstro_engine::disk::recording(|| {
        let configured = Configured::load_relevant(env.clone(), call, &relevance)
            .map_err(|e| {
                // Reasons stay short: the first problems are enough to find the file.
                let mut problems = e.to_string();
                if problems.chars().count() > 600 {
                    problems = problems.chars().take(600).collect::<String>() + "…";
                }
                format!(
                    "its configuration does not load ({problems}); a person needs to fix that file (`mstro-bouncer doctor` shows the problem)"
                )
            })?;
        // The process ends right after this decision: freeing the engine's thousands
        // of small allocations one by one would only delay the answer.
        let configured = std::mem::ManuallyDrop::new(configured);
        let mode = configured.mode(flag);
        let evaluation = configured
            .engine
            .judge(call, &configured.env, mode)
            .map_err(|e| format!("the tool input is malformed ({e})"))?;
        Ok::<_, String>((evaluation, mode, configured))
    });
    let (evaluation, mode, configured) = judged?;
    if let Some(key) = key {
        let key_now = || JudgementKey::new(call, &env, flag);
        cache.put(&key, key_now, &evaluation, recorded, &configured.config);
    }
    Ok(Judged {
        evaluation,
        mode,
        policy: configured.policy(mode),
        reviewer: configured.config.reviewer.clone(),
    })
}

/// The person's latest request. Claude Code writes its transcript asynchronously, so
/// the turn that led to this call may not be on disk yet: wait briefly for it (this
/// runs only on the review path, which is about to wait for a reviewer anyway).
fn request_from_transcript(path: &std::path::Path) -> Option<String> {
    for _ in 0..10 {
        if let Some(request) = recent_request(path) {
            return Some(request);
        }
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    None
}
