//! Resolving a judgement with the AI reviewer: which reviewer (`--ai` and
//! `reviewer:` in bouncer.yaml), the cache, and the person's recent request. The policy
//! table itself is the engine's (`Policy::resolve`); this module only supplies the
//! reviewer's answer.

pub mod cache;
pub mod transcript;

use std::sync::OnceLock;

use mstro_engine::config::ReviewerConfig;
use mstro_engine::{Judgement, Policy, Resolution, Reviewed, ToolCall};
use mstro_review::{
    Availability, Escalation, ReviewRequest, Reviewer, confidence_threshold, select_reviewer,
};

use self::cache::{CacheKey, ReviewCache};

/// `--ai`: whether `review` verdicts go to an AI reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AiChoice {
    /// The reviewer named in bouncer.yaml, else the Messages API when
    /// ANTHROPIC_API_KEY is set, else none.
    Auto,
    /// Like auto, but no reviewer available counts as a reviewer failure.
    On,
    /// Never ask a reviewer.
    Off,
}

/// The reviewer side of a run: who reviews, how confident an allow must be, and where
/// answers are remembered.
pub struct ReviewSetup {
    ai: AiChoice,
    config: Option<ReviewerConfig>,
    /// Built on first use: building an HTTP client costs more than judging a call, and
    /// most calls never reach review (the hook is a new process for every call).
    reviewer: OnceLock<Result<Box<dyn Reviewer>, String>>,
    threshold: u8,
    cache: ReviewCache,
}

/// A resolution and the reviewer that took part, if any.
pub struct Resolved {
    pub resolution: Resolution,
    pub reviewer: Option<String>,
}

impl ReviewSetup {
    pub fn new(ai: AiChoice, config: Option<&ReviewerConfig>, cache: ReviewCache) -> Self {
        ReviewSetup {
            ai,
            config: config.cloned(),
            reviewer: OnceLock::new(),
            threshold: confidence_threshold(config),
            cache,
        }
    }

    /// Build the reviewer now rather than on first review (for `mcp`, whose blocking
    /// HTTP client must be created outside the async runtime).
    pub fn prepare(self) -> Self {
        self.reviewer();
        self
    }

    fn reviewer(&self) -> &Result<Box<dyn Reviewer>, String> {
        self.reviewer.get_or_init(|| match self.ai {
            AiChoice::Off => Err("AI review is off (--ai off)".to_owned()),
            AiChoice::Auto | AiChoice::On => {
                match select_reviewer(self.config.as_ref(), &|name| std::env::var(name).ok()) {
                    Availability::Ready(r) => Ok(r),
                    Availability::Unavailable(why) => Err(why),
                }
            }
        })
    }

    /// Resolve `judgement` (the engine's about `call`) under `policy`, asking the
    /// reviewer only when the table sends the call to review. `user_request` is read
    /// only then.
    pub fn resolve(
        &self,
        policy: &Policy,
        call: &ToolCall,
        judgement: &Judgement,
        session: Option<&str>,
        user_request: impl FnOnce() -> Option<String>,
    ) -> Resolved {
        let mut consulted = None;
        let resolution = policy.resolve(judgement, self.threshold, || {
            let reviewer = match self.reviewer() {
                Ok(r) => r,
                Err(why) if self.ai == AiChoice::On => return Reviewed::Failed(why.clone()),
                Err(_) => return Reviewed::NoReviewer,
            };
            let key = CacheKey::new(session, call);
            if let Some((name, answer)) = key.as_ref().and_then(|k| self.cache.get(k)) {
                consulted = Some(name);
                return Reviewed::Answer {
                    answer,
                    cached: true,
                };
            }
            let name = reviewer.name();
            consulted = Some(name.clone());
            let request = ReviewRequest {
                tool: call.tool_name.clone(),
                operation: operation_text(call),
                escalation: Escalation {
                    rule_ids: judgement.rule_ids.iter().map(|r| r.to_string()).collect(),
                    reason: judgement.reason.clone(),
                },
                cwd: call.cwd.clone().unwrap_or_default(),
                user_request: user_request(),
            };
            match reviewer.review(&request) {
                Ok(answer) => {
                    if answer.confidence >= self.threshold
                        && let Some(k) = &key
                    {
                        self.cache.put(k, &name, &answer);
                    }
                    Reviewed::Answer {
                        answer,
                        cached: false,
                    }
                }
                Err(e) => Reviewed::Failed(e.to_string()),
            }
        });
        Resolved {
            resolution,
            reviewer: consulted,
        }
    }
}

/// The operation as the reviewer and the audit log read it: a Bash command as it is,
/// anything else as the tool input's JSON.
pub fn operation_text(call: &ToolCall) -> String {
    match call.tool_input.get("command").and_then(|c| c.as_str()) {
        Some(command) if call.tool_name.eq_ignore_ascii_case("bash") => command.to_owned(),
        _ => serde_json::to_string_pretty(&call.tool_input).unwrap_or_default(),
    }
}
