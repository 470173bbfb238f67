//! Matchers for single values: words and paths, text, inline code, URLs, names.

use std::cell::OnceCell;
use std::sync::OnceLock;

use regex::Regex;

use crate::path::{PathClasses, PathEnv, WordClasses, classify_word};
use crate::shell::{InlineCode, Language};
use crate::span::Span;

/// Whether a match makes the outcome stricter or looser. Where the engine cannot be
/// sure (a glob, an unreadable value), it answers so as to err on the strict side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    /// A match makes the outcome stricter (a deny or review rule's `when`).
    Strict,
    /// A match makes the outcome looser (an `unless`, an allow rule's `when`).
    Lenient,
}

impl Polarity {
    pub fn flip(self) -> Polarity {
        match self {
            Polarity::Strict => Polarity::Lenient,
            Polarity::Lenient => Polarity::Strict,
        }
    }

    /// The answer when the engine cannot tell.
    pub fn unsure(self) -> bool {
        self == Polarity::Strict
    }
}

/// A regex compiled on first use, so that start-up does not pay for rules that never
/// get past their keyword gate.
#[derive(Debug)]
pub struct LazyRegex {
    pub pattern: String,
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    pub fn new(pattern: String) -> Self {
        LazyRegex {
            pattern,
            compiled: OnceLock::new(),
        }
    }

    /// `None` when the regex cannot be compiled (e.g. over the size limit).
    pub fn is_match(&self, text: &str) -> Option<bool> {
        self.compiled
            .get_or_init(|| Regex::new(&self.pattern).ok())
            .as_ref()
            .map(|r| r.is_match(text))
    }
}

/// A name matched exactly or by glob (`mkfs*`, `delete-*`).
#[derive(Debug)]
pub enum NameMatch {
    Exact(String),
    Glob(glob::Pattern),
}

impl NameMatch {
    pub fn new(s: &str) -> Result<NameMatch, String> {
        // `[` and `[[` are the test builtins, not glob syntax.
        if s.contains(['*', '?', '[']) && !matches!(s, "[" | "[[") {
            glob::Pattern::new(s)
                .map(NameMatch::Glob)
                .map_err(|e| format!("bad glob `{s}`: {e}"))
        } else {
            Ok(NameMatch::Exact(s.to_owned()))
        }
    }

    pub fn matches(&self, name: &str) -> bool {
        match self {
            NameMatch::Exact(e) => e == name,
            NameMatch::Glob(g) => g.matches(name),
        }
    }

    /// The literal text every match must start with, for keyword gates.
    pub fn literal_prefix(&self) -> &str {
        match self {
            NameMatch::Exact(e) => e,
            NameMatch::Glob(g) => {
                let s = g.as_str();
                &s[..s.find(['*', '?', '[']).unwrap_or(s.len())]
            }
        }
    }
}

/// A value being judged: a word, an option value, a path.
pub struct ValueView<'a> {
    pub text: &'a str,
    pub unresolved: bool,
    /// Which parts of `text` are only known at run time (see [`Word::holes`]); empty
    /// with `unresolved` means all of it.
    ///
    /// [`Word::holes`]: crate::shell::Word::holes
    pub holes: &'a [Span],
    pub glob: bool,
    pub env: &'a PathEnv,
    pub cwd: Option<&'a str>,
    /// Its path classes, computed on first use and shared with the owner.
    pub classes: &'a OnceCell<WordClasses>,
    /// Read a tightening match only by the classes the value certainly has: is a
    /// `deny` certain, or only possible (see [`WordClasses::named`])?
    pub certain: bool,
}

impl ValueView<'_> {
    fn classes(&self) -> &WordClasses {
        self.classes.get_or_init(|| {
            let whole = [Span::new(0, self.text.len())];
            let holes = match (self.unresolved, self.holes.is_empty()) {
                (true, true) => &whole[..],
                (true, false) => self.holes,
                (false, _) => &[],
            };
            classify_word(self.text, self.glob, holes, self.env, self.cwd)
        })
    }
}

/// A compiled word/path condition; every part present must hold.
#[derive(Debug)]
pub struct ValueMatch {
    pub classes: PathClasses,
    /// Globs over the resolved path; `true` marks a `~/` glob matched within the home.
    pub path_globs: Vec<(bool, glob::Pattern)>,
    pub globs: Vec<glob::Pattern>,
    pub literals: Vec<String>,
    pub prefixes: Vec<String>,
    pub regex: Option<LazyRegex>,
    pub url_hosts: Vec<NameMatch>,
    pub unresolved: Option<bool>,
    pub any: Vec<ValueMatch>,
    pub not: Option<Box<ValueMatch>>,
    pub polarity: Polarity,
}

const GLOB: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

const GLOB_ANY_CASE: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: false,
    ..GLOB
};

impl ValueMatch {
    pub fn matches(&self, v: &ValueView) -> bool {
        if let Some(want) = self.unresolved
            && v.unresolved != want
        {
            return false;
        }
        if !self.classes.is_empty() {
            let c = v.classes();
            let have = match (self.polarity, v.certain) {
                (Polarity::Strict, false) => c.may,
                (Polarity::Strict, true) => c.named,
                (Polarity::Lenient, _) => c.must,
            };
            if !have.intersects(self.classes) {
                return false;
            }
        }
        if !self.literals.is_empty() && !self.literals.iter().any(|l| l == v.text) {
            return false;
        }
        if !self.prefixes.is_empty()
            && !self.prefixes.iter().any(|p| v.text.starts_with(p.as_str()))
        {
            return false;
        }
        if !self.globs.is_empty() && !self.globs.iter().any(|g| g.matches_with(v.text, GLOB)) {
            return false;
        }
        if !self.path_globs.is_empty() {
            let lenient = self.polarity == Polarity::Lenient;
            // A path glob that tightens names protected files, which a case-insensitive
            // filesystem also reaches by other spellings (`~/.CLAUDE/settings.json`);
            // one that loosens matches only the spelling it names.
            let options = if lenient { GLOB } else { GLOB_ANY_CASE };
            let in_home = |abs: &str| {
                let home = v.env.home.as_str();
                let n = home.len();
                let same = abs.len() > n
                    && if lenient {
                        abs.starts_with(home)
                    } else {
                        abs.as_bytes()[..n].eq_ignore_ascii_case(home.as_bytes())
                    };
                same.then(|| abs.get(n..)?.strip_prefix('/').map(str::to_owned))
                    .flatten()
            };
            let hit = |abs: &str| {
                let rel = in_home(abs);
                self.path_globs.iter().any(|(home, g)| match home {
                    true => rel
                        .as_deref()
                        .is_some_and(|rel| g.matches_with(rel, options)),
                    false => g.matches_with(abs, options),
                })
            };
            if !v.classes().paths_match(v.certain, lenient, hit) {
                return false;
            }
        }
        if !self.url_hosts.is_empty() {
            let Some(host) = url_host(v.text) else {
                return false;
            };
            if !self.url_hosts.iter().any(|h| h.matches(&host)) {
                return false;
            }
        }
        if let Some(re) = &self.regex
            && !re.is_match(v.text).unwrap_or(self.polarity.unsure())
        {
            return false;
        }
        if !self.any.is_empty() && !self.any.iter().any(|m| m.matches(v)) {
            return false;
        }
        if let Some(not) = &self.not
            && not.matches(v)
        {
            return false;
        }
        true
    }
}

/// The host of a URL, lower case, parsed as WHATWG does (what Claude Code's fetch and
/// browsers do). Also accepts a bare `host/path` as curl does.
pub fn url_host(text: &str) -> Option<String> {
    let parsed = url::Url::parse(text)
        .or_else(|_| url::Url::parse(&format!("http://{text}")))
        .ok()?;
    let host = parsed.host_str()?;
    Some(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase(),
    )
}

/// A condition on text; every part present must hold.
#[derive(Debug, Default)]
pub struct TextMatch {
    pub regex: Option<LazyRegex>,
    pub contains: Vec<String>,
}

impl TextMatch {
    pub fn matches(&self, text: &str, polarity: Polarity) -> bool {
        if !self.contains.is_empty() && !self.contains.iter().any(|c| text.contains(c.as_str())) {
            return false;
        }
        match &self.regex {
            Some(re) => re.is_match(text).unwrap_or(polarity.unsure()),
            None => true,
        }
    }
}

/// A condition on inline interpreter code.
#[derive(Debug, Default)]
pub struct CodeMatch {
    pub languages: Vec<Language>,
    pub text: TextMatch,
}

impl CodeMatch {
    pub fn matches(&self, code: Option<&InlineCode>, polarity: Polarity) -> bool {
        let Some(code) = code else { return false };
        if !self.languages.is_empty() && !self.languages.contains(&code.language) {
            return false;
        }
        match &code.text {
            Some(text) => self.text.matches(text, polarity),
            // Unreadable code is always a `review` finding of its own; guessing that it
            // matches a pattern would turn every unreadable one-liner into a deny.
            None => false,
        }
    }
}

/// A condition on a URL.
#[derive(Debug, Default)]
pub struct UrlMatch {
    pub hosts: Vec<NameMatch>,
    pub schemes: Vec<String>,
    pub regex: Option<LazyRegex>,
}

impl UrlMatch {
    pub fn matches(&self, url: &str, polarity: Polarity) -> bool {
        let parsed = url::Url::parse(url).ok();
        if !self.schemes.is_empty() {
            let Some(p) = &parsed else {
                return polarity.unsure();
            };
            if !self
                .schemes
                .iter()
                .any(|s| s.eq_ignore_ascii_case(p.scheme()))
            {
                return false;
            }
        }
        if !self.hosts.is_empty() {
            let Some(host) = url_host(url) else {
                return polarity.unsure();
            };
            if !self.hosts.iter().any(|h| h.matches(&host)) {
                return false;
            }
        }
        match &self.regex {
            Some(re) => re.is_match(url).unwrap_or(polarity.unsure()),
            None => true,
        }
    }
}

/// A condition on an MCP call's server and tool names.
#[derive(Debug, Default)]
pub struct McpMatch {
    pub servers: Vec<NameMatch>,
    pub tools: Vec<NameMatch>,
}

impl McpMatch {
    pub fn matches(&self, server: &str, tool: &str) -> bool {
        (self.servers.is_empty() || self.servers.iter().any(|s| s.matches(server)))
            && (self.tools.is_empty() || self.tools.iter().any(|t| t.matches(tool)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts_are_parsed_like_a_browser() {
        assert_eq!(
            url_host("http://169.254.169.254/latest/meta-data").as_deref(),
            Some("169.254.169.254")
        );
        assert_eq!(
            url_host("http://2852039166/").as_deref(),
            Some("169.254.169.254"),
            "decimal IPv4"
        );
        assert_eq!(
            url_host("http://0xA9FEA9FE/").as_deref(),
            Some("169.254.169.254"),
            "hex IPv4"
        );
        assert_eq!(
            url_host("http://evil.com@169.254.169.254/").as_deref(),
            Some("169.254.169.254")
        );
        assert_eq!(
            url_host("metadata.google.internal/computeMetadata").as_deref(),
            Some("metadata.google.internal")
        );
        assert_eq!(
            url_host("http://[fd00:ec2::254]/").as_deref(),
            Some("fd00:ec2::254")
        );
        assert_eq!(
            url_host("HTTPS://Example.COM").as_deref(),
            Some("example.com")
        );
    }

    #[test]
    fn unreadable_code_matches_no_pattern() {
        let regex = Some(LazyRegex::new("socket".into()));
        let m = CodeMatch {
            languages: vec![],
            text: TextMatch {
                regex,
                contains: vec![],
            },
        };
        let unreadable = InlineCode {
            language: Language::Python,
            text: None,
        };
        let readable = InlineCode {
            language: Language::Python,
            text: Some("import socket".into()),
        };
        assert!(!m.matches(Some(&unreadable), Polarity::Strict));
        assert!(!m.matches(Some(&unreadable), Polarity::Lenient));
        assert!(m.matches(Some(&readable), Polarity::Strict));
        assert!(!m.matches(None, Polarity::Strict));
    }
}
