//! Which reviewer to use, from `reviewer:` in `~/.mstro/bouncer.yaml` and the
//! environment: the configured one, or else the Messages API when `ANTHROPIC_API_KEY`
//! is set, or else none.

use std::path::PathBuf;
use std::time::Duration;

use mstro_engine::config::{ReviewerConfig, ReviewerProvider};

use super::anthropic::Credential;
use super::{AnthropicReviewer, ClaudeCliReviewer, OpenAiReviewer, Reviewer};

pub const DEFAULT_CONFIDENCE_THRESHOLD: u8 = 70;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
const MAX_TIMEOUT_SECONDS: u32 = 60;
const DEFAULT_ANTHROPIC_MODEL: &str = "claude-haiku-4-5";
const DEFAULT_CLAUDE_CLI_MODEL: &str = "haiku";
const ANTHROPIC_URL: &str = "https://api.anthropic.com";

/// A reviewer, or why there is none.
pub enum Availability {
    Ready(Box<dyn Reviewer>),
    /// No reviewer; the text says why and what to do about it.
    Unavailable(String),
}

/// The confidence below which an allow is a failure.
pub fn confidence_threshold(config: Option<&ReviewerConfig>) -> u8 {
    config
        .and_then(|c| c.confidence_threshold)
        .unwrap_or(DEFAULT_CONFIDENCE_THRESHOLD)
        .min(100)
}

/// Pick and build the reviewer. `env` reads an environment variable (tests pass their own).
pub fn select_reviewer(
    config: Option<&ReviewerConfig>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Availability {
    match build(config, env) {
        Ok(r) => Availability::Ready(r),
        Err(why) => Availability::Unavailable(why),
    }
}

fn build(
    config: Option<&ReviewerConfig>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Box<dyn Reviewer>, String> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let timeout = match config.and_then(|c| c.timeout_seconds) {
        None => DEFAULT_TIMEOUT,
        Some(0) => return Err("reviewer.timeout_seconds must be at least 1".into()),
        Some(s) => Duration::from_secs(s.min(MAX_TIMEOUT_SECONDS) as u64),
    };
    let provider = match config {
        Some(c) => c.provider,
        None if env("ANTHROPIC_API_KEY").is_some() => ReviewerProvider::Anthropic,
        None => {
            return Err(
                "no reviewer is configured (set `reviewer:` in ~/.mstro/bouncer.yaml, or ANTHROPIC_API_KEY)"
                    .into(),
            );
        }
    };
    let model = config.and_then(|c| c.model.clone());
    let base_url = config.and_then(|c| c.base_url.clone());
    let key_env = config.and_then(|c| c.api_key_env.clone());
    match provider {
        ReviewerProvider::Off => Err("the reviewer is switched off in bouncer.yaml".into()),
        ReviewerProvider::Anthropic => {
            let base = base_url
                .or_else(|| env("ANTHROPIC_BASE_URL"))
                .unwrap_or_else(|| ANTHROPIC_URL.to_owned());
            check_url(&base)?;
            let key_var = key_env.unwrap_or_else(|| "ANTHROPIC_API_KEY".into());
            let credential = match (env(&key_var), env("ANTHROPIC_AUTH_TOKEN")) {
                (Some(key), _) => Credential::ApiKey(key),
                (None, Some(token)) => Credential::Bearer(token),
                (None, None) => {
                    return Err(format!(
                        "the anthropic reviewer needs an API key in ${key_var}"
                    ));
                }
            };
            let model = model.unwrap_or_else(|| DEFAULT_ANTHROPIC_MODEL.into());
            AnthropicReviewer::new(&base, credential, &model, timeout)
                .map(|r| Box::new(r) as Box<dyn Reviewer>)
                .map_err(|e| e.to_string())
        }
        ReviewerProvider::Openai => {
            let base = base_url.or_else(|| env("OPENAI_BASE_URL")).ok_or(
                "the openai reviewer needs reviewer.base_url (e.g. http://127.0.0.1:11434 for Ollama)",
            )?;
            check_url(&base)?;
            let model = model.ok_or("the openai reviewer needs reviewer.model")?;
            let key = env(&key_env.unwrap_or_else(|| "OPENAI_API_KEY".into()));
            OpenAiReviewer::new(&base, key, &model, timeout)
                .map(|r| Box::new(r) as Box<dyn Reviewer>)
                .map_err(|e| e.to_string())
        }
        ReviewerProvider::ClaudeCli => {
            let command = config
                .and_then(|c| c.command.clone())
                .unwrap_or_else(|| "claude".into());
            let program = find_program(&command, env("PATH").as_deref())
                .ok_or_else(|| format!("the claude-cli reviewer cannot find `{command}`"))?;
            let model = model.unwrap_or_else(|| DEFAULT_CLAUDE_CLI_MODEL.into());
            Ok(Box::new(ClaudeCliReviewer::new(program, &model, timeout)))
        }
    }
}

/// An endpoint must be https, or http on loopback (a local model): keys and operations
/// never travel in clear text across a network.
fn check_url(base: &str) -> Result<(), String> {
    let url =
        url::Url::parse(base).map_err(|e| format!("reviewer URL `{base}` is not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "reviewer URL `{base}` is plain http to another machine; use https"
        )),
        other => Err(format!(
            "reviewer URL `{base}` has scheme `{other}`; use https"
        )),
    }
}

fn find_program(command: &str, path: Option<&str>) -> Option<PathBuf> {
    if command.contains('/') {
        let p = PathBuf::from(command);
        return p.is_file().then_some(p);
    }
    path?
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| PathBuf::from(d).join(command))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn name(a: Availability) -> Result<String, String> {
        match a {
            Availability::Ready(r) => Ok(r.name()),
            Availability::Unavailable(why) => Err(why),
        }
    }

    #[test]
    fn auto_uses_the_messages_api_only_with_a_key() {
        assert!(name(select_reviewer(None, &env_of(&[]))).is_err());
        assert_eq!(
            name(select_reviewer(
                None,
                &env_of(&[("ANTHROPIC_API_KEY", "k")])
            ))
            .unwrap(),
            "anthropic:claude-haiku-4-5"
        );
    }

    #[test]
    fn the_configured_reviewer_wins_and_off_means_none() {
        let off = ReviewerConfig::default();
        assert!(
            name(select_reviewer(
                Some(&off),
                &env_of(&[("ANTHROPIC_API_KEY", "k")])
            ))
            .is_err()
        );
        let local = ReviewerConfig {
            provider: ReviewerProvider::Openai,
            base_url: Some("http://127.0.0.1:11434/v1".into()),
            model: Some("qwen3".into()),
            ..Default::default()
        };
        assert_eq!(
            name(select_reviewer(Some(&local), &env_of(&[]))).unwrap(),
            "openai:qwen3"
        );
    }

    #[test]
    fn keys_never_go_over_plain_http_to_another_machine() {
        for bad in ["http://10.0.0.5:8080", "ftp://x", "not a url"] {
            let cfg = ReviewerConfig {
                provider: ReviewerProvider::Anthropic,
                base_url: Some(bad.into()),
                ..Default::default()
            };
            assert!(
                name(select_reviewer(
                    Some(&cfg),
                    &env_of(&[("ANTHROPIC_API_KEY", "k")])
                ))
                .is_err(),
                "{bad}"
            );
        }
        assert!(check_url("http://localhost:9999").is_ok());
        assert!(check_url("http://[::1]:9999").is_ok());
        assert!(check_url("https://gateway.example.com").is_ok());
    }

    #[test]
    fn the_threshold_defaults_to_70() {
        assert_eq!(confidence_threshold(None), 70);
        let cfg = ReviewerConfig {
            confidence_threshold: Some(85),
            ..Default::default()
        };
        assert_eq!(confidence_threshold(Some(&cfg)), 85);
    }
}
