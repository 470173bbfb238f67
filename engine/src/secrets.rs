//! Credentials in well-known formats, found in text a tool sends out of the machine
//! (a WebFetch URL, a WebSearch query, an MCP call's arguments).
//!
//! Precision matters more than recall here: a match is a `deny`. Every format is
//! found by its literal prefix (one Aho-Corasick pass over the text, so ordinary
//! text costs one scan and nothing else), then checked by its shape: length,
//! alphabet, and where a prefix alone is weak, the mix of characters a random
//! token has. Text that is percent-encoded is also read decoded.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};

/// A kind of credential the engine recognises by its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    /// An AWS access key id (`AKIA...`, `ASIA...`; AWS's documented `...EXAMPLE` keys excepted).
    AwsAccessKey,
    /// An AWS secret access key after its name (`aws_secret_access_key=...`).
    AwsSecretKey,
    /// A GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`).
    GithubToken,
    /// A GitLab personal access token (`glpat-`).
    GitlabToken,
    /// A Slack token (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`).
    SlackToken,
    /// An Anthropic API key (`sk-ant-`).
    AnthropicKey,
    /// An OpenAI API key (`sk-proj-`, `sk-svcacct-`, `sk-admin-`, or `sk-` and 32 or more letters and digits).
    OpenaiKey,
    /// A Google API key (`AIza` and 35 characters).
    GoogleApiKey,
    /// A Stripe live secret or restricted key (`sk_live_`, `rk_live_`).
    StripeKey,
    /// An npm access token (`npm_` and 36 letters and digits).
    NpmToken,
    /// A PyPI upload token (`pypi-AgE...`).
    PypiToken,
    /// A Hugging Face token (`hf_` and 34 or more letters and digits).
    HuggingfaceToken,
    /// A private key block (`-----BEGIN ... PRIVATE KEY-----`).
    PrivateKey,
    /// A JSON Web Token (`eyJ...` header, payload and signature): a session, not always a secret.
    Jwt,
}

impl SecretKind {
    pub fn name(self) -> &'static str {
        match self {
            SecretKind::AwsAccessKey => "an AWS access key id",
            SecretKind::AwsSecretKey => "an AWS secret access key",
            SecretKind::GithubToken => "a GitHub token",
            SecretKind::GitlabToken => "a GitLab token",
            SecretKind::SlackToken => "a Slack token",
            SecretKind::AnthropicKey => "an Anthropic API key",
            SecretKind::OpenaiKey => "an OpenAI API key",
            SecretKind::GoogleApiKey => "a Google API key",
            SecretKind::StripeKey => "a Stripe key",
            SecretKind::NpmToken => "an npm token",
            SecretKind::PypiToken => "a PyPI token",
            SecretKind::HuggingfaceToken => "a Hugging Face token",
            SecretKind::PrivateKey => "a private key",
            SecretKind::Jwt => "a JSON Web Token",
        }
    }
}

/// A literal prefix, whether its case matters, and what may follow it.
struct Prefix {
    text: &'static str,
    exact_case: bool,
    kind: SecretKind,
}

const fn p(text: &'static str, kind: SecretKind) -> Prefix {
    Prefix {
        text,
        exact_case: true,
        kind,
    }
}

const fn any_case(text: &'static str, kind: SecretKind) -> Prefix {
    Prefix {
        text,
        exact_case: false,
        kind,
    }
}

use SecretKind as K;

const PREFIXES: &[Prefix] = &[
    p("AKIA", K::AwsAccessKey),
    p("ASIA", K::AwsAccessKey),
    any_case("aws_secret_access_key", K::AwsSecretKey),
    p("ghp_", K::GithubToken),
    p("gho_", K::GithubToken),
    p("ghu_", K::GithubToken),
    p("ghs_", K::GithubToken),
    p("ghr_", K::GithubToken),
    p("github_pat_", K::GithubToken),
    p("glpat-", K::GitlabToken),
    p("xoxb-", K::SlackToken),
    p("xoxp-", K::SlackToken),
    p("xoxa-", K::SlackToken),
    p("xoxr-", K::SlackToken),
    p("xoxs-", K::SlackToken),
    p("sk-ant-", K::AnthropicKey),
    p("sk-proj-", K::OpenaiKey),
    p("sk-svcacct-", K::OpenaiKey),
    p("sk-admin-", K::OpenaiKey),
    p("sk-", K::OpenaiKey),
    p("AIza", K::GoogleApiKey),
    p("sk_live_", K::StripeKey),
    p("rk_live_", K::StripeKey),
    p("npm_", K::NpmToken),
    p("pypi-AgE", K::PypiToken),
    p("hf_", K::HuggingfaceToken),
    any_case("-----BEGIN", K::PrivateKey),
    p("eyJ", K::Jwt),
];

fn automaton() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(PREFIXES.iter().map(|p| p.text))
            .expect("the secret prefixes are valid patterns")
    })
}

/// The kinds of credential found in `text`, each once, in the order found.
pub fn find(text: &str) -> Vec<SecretKind> {
    let mut out = Vec::new();
    scan(text, &mut out);
    if text.contains('%') {
        let decoded = percent_decode(text);
        if decoded != text {
            scan(&decoded, &mut out);
        }
    }
    out
}

fn scan(text: &str, out: &mut Vec<SecretKind>) {
    let bytes = text.as_bytes();
    for m in automaton().find_overlapping_iter(text) {
        let prefix = &PREFIXES[m.pattern().as_usize()];
        if out.contains(&prefix.kind) {
            continue;
        }
        if prefix.exact_case && &text[m.start()..m.end()] != prefix.text {
            continue;
        }
        // A token starts a word: `ASIAN`-like text inside a word is not one.
        if m.start() > 0 && bytes[m.start() - 1].is_ascii_alphanumeric() {
            continue;
        }
        if shaped(prefix, &bytes[m.end()..]) {
            out.push(prefix.kind);
        }
    }
}

/// Does what follows a prefix have the shape of its credential?
fn shaped(prefix: &Prefix, rest: &[u8]) -> bool {
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    let token = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-';
    let run = |ok: &dyn Fn(&u8) -> bool| rest.iter().take_while(|b| ok(b)).count();
    // Random tokens mix digits and letters; words and identifiers rarely do at length.
    let random = |n: usize| {
        let r = &rest[..n];
        r.iter().any(u8::is_ascii_digit)
            && r.iter().any(u8::is_ascii_lowercase)
            && r.iter().any(u8::is_ascii_uppercase)
    };
    match prefix.kind {
        K::AwsAccessKey => {
            let n = run(&|b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit());
            n == 16 && !rest[..n].ends_with(b"EXAMPLE")
        }
        K::AwsSecretKey => {
            // `aws_secret_access_key = "..."`, `AWS_SECRET_ACCESS_KEY=...`, JSON or YAML.
            let skip = rest
                .iter()
                .take(6)
                .take_while(|b| matches!(b, b' ' | b'=' | b':' | b'"' | b'\'' | b'\t'))
                .count();
            let value = &rest[skip..];
            let n = value
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+'))
                .count();
            skip > 0 && n == 40
        }
        K::GithubToken if prefix.text == "github_pat_" => {
            run(&|b: &u8| b.is_ascii_alphanumeric() || *b == b'_') >= 40
        }
        K::GithubToken => run(&alnum) >= 36,
        K::GitlabToken => run(&token) >= 20,
        K::SlackToken => {
            let n = run(&|b: &u8| b.is_ascii_alphanumeric() || *b == b'-');
            n >= 20 && rest[..n].iter().any(u8::is_ascii_digit)
        }
        K::AnthropicKey => run(&token) >= 32,
        K::OpenaiKey if prefix.text == "sk-" => {
            let n = run(&alnum);
            n >= 32 && random(n)
        }
        K::OpenaiKey => {
            let n = run(&token);
            n >= 32 && random(n)
        }
        K::GoogleApiKey => run(&token) == 35,
        K::StripeKey => run(&alnum) >= 24,
        K::NpmToken => run(&alnum) == 36,
        K::PypiToken => run(&token) >= 50,
        K::HuggingfaceToken => {
            let n = run(&alnum);
            n >= 34 && random(n)
        }
        K::PrivateKey => {
            // `-----BEGIN RSA PRIVATE KEY-----`, `-----BEGIN OPENSSH PRIVATE KEY-----`,
            // also with `+` or `%20` for spaces in a URL.
            let head: String = rest
                .iter()
                .take(48)
                .map(|&b| if b == b'+' { ' ' } else { b as char })
                .collect::<String>()
                .to_ascii_uppercase();
            head.find("-----")
                .is_some_and(|end| head[..end].trim_end().ends_with("PRIVATE KEY"))
        }
        K::Jwt => {
            let part = |s: &[u8]| s.iter().take_while(|b| token(b)).count();
            let a = part(rest);
            if a < 10 || rest.get(a) != Some(&b'.') {
                return false;
            }
            let rest = &rest[a + 1..];
            let b = part(rest);
            if b < 10 || !rest.starts_with(b"eyJ") || rest.get(b) != Some(&b'.') {
                return false;
            }
            part(&rest[b + 1..]) >= 16
        }
    }
}

/// `%XX` decoded (invalid sequences and non-UTF-8 results kept as they are).
fn percent_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = b.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(std::str::from_utf8(h).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_and_a_near_miss() {
        let cases: &[(&str, Option<SecretKind>)] = &[
            ("key=AKIAZ7VRSQ3TUVWXY2AB&x=1", Some(K::AwsAccessKey)),
            ("AKIAIOSFODNN7EXAMPLE", None),
            ("ASIANS and AKIAS", None),
            (
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKE",
                Some(K::AwsSecretKey),
            ),
            ("aws_secret_access_key is a setting", None),
            (
                "token ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
                Some(K::GithubToken),
            ),
            ("ghp_short", None),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123",
                Some(K::GithubToken),
            ),
            ("glpat-a1B2c3D4e5F6g7H8i9J0", Some(K::GitlabToken)),
            (
                "xoxb-1234567890-0987654321-AbCdEfGhIjKl",
                Some(K::SlackToken),
            ),
            ("xoxb-placeholder-token-here", None),
            (
                "sk-ant-api03-a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
                Some(K::AnthropicKey),
            ),
            (
                "sk-proj-a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
                Some(K::OpenaiKey),
            ),
            (
                "sk-a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2",
                Some(K::OpenaiKey),
            ),
            ("sk-learn-tutorial-for-beginners-in-python-3", None),
            (
                "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
                Some(K::GoogleApiKey),
            ),
            ("sk_live_a1B2c3D4e5F6g7H8i9J0k1L2", Some(K::StripeKey)),
            (
                "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
                Some(K::NpmToken),
            ),
            ("run_npm_install_for_the_whole_monorepo_ok", None),
            (
                "hf_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7",
                Some(K::HuggingfaceToken),
            ),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA",
                Some(K::PrivateKey),
            ),
            (
                "https://x.example/?k=-----BEGIN%20RSA%20PRIVATE%20KEY-----MIIE",
                Some(K::PrivateKey),
            ),
            ("-----BEGIN PUBLIC KEY-----", None),
            ("-----BEGIN CERTIFICATE-----", None),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                Some(K::Jwt),
            ),
            ("eyJhbGciOiJIUzI1NiJ9 is a header", None),
            ("how to rotate an AWS access key id", None),
        ];
        for (text, want) in cases {
            let got = find(text);
            assert_eq!(got.first().copied(), *want, "{text}: {got:?}");
        }
    }

    #[test]
    fn percent_encoded_tokens_are_read_decoded() {
        assert_eq!(
            find("https://x.example/?t=ghp%5Fa1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
            vec![K::GithubToken]
        );
        assert_eq!(percent_decode("a%20b%zz%"), "a b%zz%");
    }
}
