//! The `bouncer.yaml` format, for the user (`~/.mstro/bouncer.yaml`) and a project
//! (`<project>/.mstro/bouncer.yaml`). Strict like the packs: an unknown key is an error,
//! never a setting silently ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::pack::format::{ProgramSpec, RuleSpec};
use crate::policy::{DefaultAllow, Mode};

/// One `bouncer.yaml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The mode the hook and `check` use when none is given on the command line.
    /// User scope only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// What the REPL hook does with an `allow` no rule vouched for: `allow` it, or
    /// `pass` (print nothing and leave the call to Claude Code's own permission flow).
    /// User scope only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_allow: Option<DefaultAllow>,
    /// Rule ids to switch off. User scope only; a `critical` rule needs
    /// `critical_overrides` instead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disabled_rules: Vec<String>,
    /// `critical` rule ids to switch off anyway. User scope only. Every call the rule
    /// would have caught is still reported as an override use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub critical_overrides: Vec<String>,
    /// Flag vocabularies for the rules below, as in a pack.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub programs: BTreeMap<String, ProgramSpec>,
    /// Extra rules, as in a pack. Their ids start with `user.` (user scope) or
    /// `project.` (project scope); a project may only add `review` and `deny` rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleSpec>,
    /// The longest one judgement may take, in milliseconds (default 50); past it the
    /// call is reviewed, never allowed. User scope only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u32>,
    /// The AI reviewer that answers `review` verdicts. User scope only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<ReviewerConfig>,
}

/// Settings of the AI reviewer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewerConfig {
    /// Which reviewer: `off`, `anthropic` (Messages API), `claude-cli` (`claude -p` with
    /// the person's login) or `openai` (any OpenAI-compatible endpoint, e.g. a local model).
    #[serde(default)]
    pub provider: ReviewerProvider,
    /// Model name passed to the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Endpoint base URL (default: the provider's; `ANTHROPIC_BASE_URL` for `anthropic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Name of the environment variable holding the API key (never the key itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// Seconds to wait for one answer (default 15, at most 60); one retry follows a
    /// timeout, a 429 or a 5xx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    /// Reviewer allows below this confidence (0-100, default 70) count as failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence_threshold: Option<u8>,
    /// For `claude-cli`: the `claude` executable (default: `claude` on PATH).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// The reviewer backends.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewerProvider {
    /// No reviewer: `review` goes to the person (REPL) or is denied (headless, deploy).
    #[default]
    Off,
    /// The Anthropic Messages API.
    Anthropic,
    /// `claude -p`, with the person's Claude login.
    ClaudeCli,
    /// Any OpenAI-compatible `/v1/chat/completions` endpoint.
    Openai,
}

impl ConfigFile {
    /// Settings a project file may not make: the keys that are set, by name.
    pub fn user_only_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.mode.is_some() {
            keys.push("mode");
        }
        if self.default_allow.is_some() {
            keys.push("default_allow");
        }
        if !self.disabled_rules.is_empty() {
            keys.push("disabled_rules");
        }
        if !self.critical_overrides.is_empty() {
            keys.push("critical_overrides");
        }
        if self.reviewer.is_some() {
            keys.push("reviewer");
        }
        if self.deadline_ms.is_some() {
            keys.push("deadline_ms");
        }
        keys
    }
}
