//! Secrets out of anything written to the audit log: bearer tokens, `Authorization`
//! headers, credentials in URLs, AWS keys, private key blocks, well-known token formats
//! and `*_TOKEN=` / `*_SECRET=` / `*_KEY=` / `*PASSWORD*=` assignments.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

const MARK: &str = "[REDACTED]";

static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // A whole private key block, or its unterminated start.
        (
            r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\z)",
            "[REDACTED PRIVATE KEY]",
        ),
        (r"(?i)\b(authorization\s*:\s*)[^'\x22\r\n]+", "${1}[REDACTED]"),
        (r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{6,}", "${1}[REDACTED]"),
        (r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]*:[^/\s@]+@", "${1}[REDACTED]@"),
        (r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b", "[REDACTED AWS KEY]"),
        (
            r"\b(?:sk-ant-[A-Za-z0-9_-]{10,}|sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20,})",
            MARK,
        ),
        // NAME=value and NAME: value where NAME says it is secret.
        (
            r#"(?i)\b([A-Za-z0-9_.-]*(?:_TOKEN|_SECRET|_KEY|PASSWORD|PASSWD|SECRET_ACCESS_KEY)[A-Za-z0-9_]*\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s;&|]+)"#,
            "${1}[REDACTED]",
        ),
        // --password VALUE, -p'VALUE' style flags.
        (r#"(?i)(--(?:password|token|secret|api-key)[= ])("[^"]*"|'[^']*'|\S+)"#, "${1}[REDACTED]"),
    ]
    .into_iter()
    .map(|(pattern, with)| (Regex::new(pattern).expect("redaction patterns compile"), with))
    .collect()
});

/// Lower-case words at least one of which every secret above contains. Checking them
/// first keeps the regexes from being compiled at all in the hook's usual run (the
/// hook is a new process per call, and compiling them costs more than judging).
const TRIGGERS: &[&str] = &[
    "-----begin",
    "authorization",
    "bearer",
    "://",
    "akia",
    "asia",
    "agpa",
    "aida",
    "aroa",
    "sk-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xox",
    "glpat-",
    "_token",
    "_secret",
    "_key",
    "password",
    "passwd",
    "--token",
    "--secret",
    "--api-key",
];

/// `text` with every secret we recognise replaced.
pub fn redact(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    if !TRIGGERS.iter().any(|t| lower.contains(t)) {
        return Cow::Borrowed(text);
    }
    let mut out = Cow::Borrowed(text);
    for (re, with) in RULES.iter() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *with).into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let cases = [
            (
                "curl -H 'Authorization: Bearer abc.def.ghi' x",
                "abc.def.ghi",
            ),
            ("curl -H \"authorization: token ghx123456\" x", "ghx123456"),
            (
                "http --auth-type bearer --auth Bearer eyJhbGciOi x",
                "eyJhbGciOi",
            ),
            ("git clone https://user:hunter2@github.com/x", "hunter2"),
            (
                "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
                "AKIAIOSFODNN7EXAMPLE",
            ),
            (
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY aws s3 ls",
                "wJalrXUtnFEMI",
            ),
            (
                "GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwx1234 gh pr list",
                "ghp_abcdef",
            ),
            ("NPM_TOKEN='s3cr3t value' npm publish", "s3cr3t"),
            ("DB_PASSWORD=\"p@ss word\" ./migrate", "p@ss"),
            ("MY_SECRET=xyz ./run", "xyz"),
            ("STRIPE_API_KEY=sk_live_abc ./run", "sk_live_abc"),
            ("echo sk-ant-api03-abcdefghijklmnop", "abcdefghijklmnop"),
            ("mysql --password=hunter2 db", "hunter2"),
            (
                "cat > k <<EOF\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\nEOF",
                "b3BlbnNzaC1rZXk",
            ),
            ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow (cut)", "MIIEow"),
        ];
        for (text, secret) in cases {
            let out = redact(text);
            assert!(!out.contains(secret), "{text:?} -> {out:?}");
            assert!(out.contains("REDACTED"), "{text:?} -> {out:?}");
        }
    }

    #[test]
    fn ordinary_commands_are_untouched() {
        for text in [
            "cargo test -p engine",
            "git push origin main",
            "curl https://example.com/install.sh",
            "grep -rn TOKEN src/",
            "echo $GITHUB_TOKEN",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
