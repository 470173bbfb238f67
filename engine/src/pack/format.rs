//! The rule pack format, as written in YAML. Strict: unknown keys are load errors.
//!
//! A pack declares program vocabularies (which flags mean what, which options take a
//! value) and rules. A rule's `when` is a predicate: every field present must hold;
//! `all`, `any` and `not` combine predicates. `unless` narrows the rule it belongs to.
//! See `rules/README.md` for the guide and `rules/schema.json` for the schema.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::path::PathClass;
use crate::policy::Mode;
use crate::shell::{Context, Language, RedirectOp};
use crate::verdict::{Severity, Verdict};

/// One rule pack file.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    /// The pack id; every rule id starts with it and a dot.
    pub pack: String,
    /// What the pack is about, for `packs list` and the generated reference.
    pub description: String,
    /// Only active in these modes (e.g. the deploy pack). Default: every mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes: Option<Vec<Mode>>,
    /// Flag vocabularies and option shapes of the programs the rules talk about.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub programs: BTreeMap<String, ProgramSpec>,
    /// The rules, each judged on its own.
    pub rules: Vec<RuleSpec>,
}

/// How a program's command line is shaped.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramSpec {
    /// Semantic flag names and their spellings: `recursive: [-r, -R, --recursive]`.
    /// Short spellings also match inside clusters (`-rf`); long ones match unambiguous
    /// prefixes (`--recur`), as getopt does.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flags: BTreeMap<String, Vec<String>>,
    /// Semantic option names whose spellings take a value: `message: [-m, --message]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, Vec<String>>,
    /// Options that come before a subcommand and take a value (`git -C DIR`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub global_options: Vec<String>,
    /// Single-dash words are whole option names, not clusters (`find -delete`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub long_single_dash: bool,
    /// `key=value` operands are options (`dd of=/dev/sda`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub key_value: bool,
    /// Which operands the program reads (`cat`: all; `cp`: all but the last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<Which>,
    /// Which operands it writes (`tee`: all; `cp`: the last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<Which>,
    /// Which operands it removes (`rm`: all; `mv`: all but the last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletes: Option<Which>,
    /// Options whose value is a file it reads (`dd if=`, `curl -T`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_options: Vec<String>,
    /// Options whose value names a file to read after an `@` (`curl -d @f`, `-F k=@f`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_at_options: Vec<String>,
    /// Options whose value is a file it writes (`dd of=`, `cp -t`, `curl -o`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub write_options: Vec<String>,
    /// Flags that make it write the files it reads (`sed -i`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_place: Vec<String>,
    /// It copies or moves its sources into a directory: the one one of these options
    /// names (`cp -t DIR a b`), or else perhaps its last operand (`cp a b DIR`). It then
    /// writes `DIR/<name of each source>`, and with the option every operand is a source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub into_directory: Option<Vec<String>>,
}

/// Which of a program's operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Which {
    All,
    First,
    Last,
    AllButFirst,
    AllButLast,
}

impl Which {
    /// The selected part of `operands`.
    pub fn select<T>(self, operands: &[T]) -> &[T] {
        let n = operands.len();
        match self {
            Which::All => operands,
            Which::First => &operands[..n.min(1)],
            Which::Last => &operands[n.saturating_sub(1)..],
            Which::AllButFirst => operands.get(1..).unwrap_or(&[]),
            Which::AllButLast => &operands[..n.saturating_sub(1)],
        }
    }
}

/// One rule.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// `pack.name`, unique across all loaded packs.
    pub id: String,
    /// `allow`, `review` or `deny` when the rule fires.
    pub verdict: Verdict,
    /// `low`, `medium`, `high` or `critical`; only the user can switch a critical rule off.
    pub severity: Severity,
    /// The condition under which the rule fires.
    pub when: Predicate,
    /// Exceptions: when this also matches, the rule does not fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless: Option<Predicate>,
    /// One line: what it is and why it matters.
    pub reason: String,
    /// A safer way to do it, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
    /// MITRE ATT&CK technique ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mitre: Vec<String>,
    /// Operations this rule must and must not fire on; run through the whole engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<Examples>,
}

/// A rule's examples.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// The rule fires, and the engine's verdict is at least the rule's (for an `allow`
    /// rule, exactly `allow`: the example shows something that really runs).
    #[serde(default, rename = "match")]
    pub matches: Vec<Example>,
    /// The rule does not fire.
    #[serde(default)]
    pub no_match: Vec<Example>,
}

/// An example operation: a Bash command, or any tool call.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Example {
    Command(String),
    Call(ExampleCall),
}

impl<'de> Deserialize<'de> for Example {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Example::Command(s)),
            v @ serde_json::Value::Object(_) => ExampleCall::deserialize(v).map(Example::Call).map_err(|e| {
                D::Error::custom(format!(
                    "an example that is a mapping must be a tool call {{tool, input, cwd?}} ({e}); a command containing `: ` must be quoted"
                ))
            }),
            other => Err(D::Error::custom(format!(
                "an example is a Bash command (a string) or a tool call {{tool, input, cwd?}}, not {other}"
            ))),
        }
    }
}

impl schemars::JsonSchema for Example {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Example".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let call = generator.subschema_for::<ExampleCall>();
        schemars::json_schema!({
            "description": "A Bash command, or a tool call `{tool, input, cwd?}`.",
            "anyOf": [{"type": "string"}, call]
        })
    }
}

/// A non-Bash example: `{tool: Write, input: {file_path: ~/.bashrc, content: x}}`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExampleCall {
    /// The Claude Code tool name (`Write`, `Read`, `WebFetch`, `mcp__server__tool`, ...).
    pub tool: String,
    /// The tool input, as Claude Code sends it.
    pub input: serde_json::Value,
    /// Working directory of the call (default `/home/dev/project`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

// The larger optional fields are boxed, here and in `Quantified`: the hook deserialises
// the rules' predicates on every call, and serde moves a value several times while
// building it. Unboxed, a `Predicate` was about 4.5 KiB, and copying those was a third
// of the hook's instructions (bench/README.md, "Hook start-up"). (Not a doc comment:
// those become the rule schema's descriptions.)

/// A condition on an operation. Every field present must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Predicate {
    // ---- combinators
    /// Every predicate holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Predicate>>,
    /// At least one predicate holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Predicate>>,
    /// The predicate does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Predicate>>,

    // ---- shell invocations
    /// The program's name (basename, lower case); globs allowed (`mkfs*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<OneOrMany<String>>,
    /// The program as written (`./deploy.sh`, `/usr/bin/rm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_path: Option<Box<ValueMatch>>,
    /// The leading operands after global options (`reset`, `stash drop`): whole words,
    /// case-sensitive, a glob per word; options between the words are skipped. A word
    /// like `ns/prod` or `pods,ns` is one operand: match such forms with `operands`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcommand: Option<OneOrMany<String>>,
    /// All of these flags are present (semantic names or spellings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<Vec<String>>,
    /// At least one of these flags is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_flag: Option<Vec<String>>,
    /// The value of an option (semantic name or spelling) matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<BTreeMap<String, ValueMatch>>,
    /// Positional operands (after the subcommand, when one is matched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operands: Option<Box<Quantified>>,
    /// Every word after the program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Box<Quantified>>,
    /// Its redirections (`> file`, `2>&1`, `<<EOF`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirects: Option<Box<RedirectQuantified>>,
    /// Some file it reads matches (`<` redirects, read operands and options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<Box<ValueMatch>>,
    /// Some file it writes matches (`>`/`>>` redirects, written operands and options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<Box<ValueMatch>>,
    /// Some file it removes matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletes: Option<Box<ValueMatch>>,
    /// Some earlier command of the same pipeline matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin_from: Option<Box<Predicate>>,
    /// Some later command of the same pipeline matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout_to: Option<Box<Predicate>>,
    /// Some command whose output is substituted into its words matches: `$(...)`,
    /// backticks or `<(...)` in an argument (`curl -d "$(cat .env)"`, `dig $(id).x.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_from: Option<Box<Predicate>>,
    /// Its output is run as code (piped into a shell, `eval "$(...)"`, `bash <(...)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_executed: Option<bool>,
    /// Calls the shell function it is defined in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_call: Option<bool>,
    /// Runs in the background (`&`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
    /// Is part of a pipeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub piped: Option<bool>,
    /// Runs inside one of these contexts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<OneOrMany<Context>>,
    /// One of these wrappers was stripped (`sudo`, `xargs`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrappers: Option<OneOrMany<String>>,
    /// One of these environment variables is assigned (globs allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<OneOrMany<String>>,
    /// Each of these environment variables is assigned a matching value
    /// (`NODE_OPTIONS: {regex: '--require'}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_values: Option<BTreeMap<String, ValueMatch>>,
    /// Data a heredoc or here-string feeds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<Box<TextMatch>>,
    /// Inline interpreter code it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Box<CodeMatch>>,
    /// Escape hatch: a regex over the normalised invocation (program and arguments
    /// joined by spaces, after quote removal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,

    // ---- other tools
    /// The operation is one of these tools (`Write`, `Edit`, `Read`, `mcp`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<OneOrMany<String>>,
    /// A path the tool touches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Box<ValueMatch>>,
    /// Content the tool writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Box<TextMatch>>,
    /// Text an `Edit` or `MultiEdit` replaces (its `old_string`s): what the edit removes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removes: Option<Box<TextMatch>>,
    /// The search pattern of a `Grep` (a regular expression) or a `Glob`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Box<TextMatch>>,
    /// Text the tool sends off the machine (a `WebFetch` URL and prompt, a `WebSearch`
    /// query, every string in an MCP call's arguments) holds a credential of one of
    /// these kinds, recognised by its format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sends_secret: Option<OneOrMany<crate::secrets::SecretKind>>,
    /// The URL a tool fetches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Box<UrlMatch>>,
    /// The MCP server and tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp: Option<Box<McpMatch>>,
}

/// A condition on one word (or path). Every field present must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueMatch {
    /// The resolved path has one of these classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<OneOrMany<PathClass>>,
    /// The resolved absolute path matches one of these globs: absolute (`/dev/tcp/*`),
    /// in the user's home (`~/.aws/**`; the home is `/home/dev` in examples), or at any
    /// depth (`**/.git/hooks/**`). `DIR/**` matches what is inside DIR, not DIR itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_glob: Option<OneOrMany<String>>,
    /// The word as written matches one of these globs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glob: Option<OneOrMany<String>>,
    /// The word equals one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<OneOrMany<String>>,
    /// The word starts with one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<OneOrMany<String>>,
    /// The word matches this regular expression (Rust `regex` syntax, unanchored;
    /// `(?i)` ignores case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// The word is a URL whose host matches one of these globs (WHATWG parsing, so
    /// `http://2852039166/` is `169.254.169.254`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_host: Option<OneOrMany<String>>,
    /// The word depends on something only known at run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unresolved: Option<bool>,
    /// Any of these matches holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<ValueMatch>>,
    /// This match does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<ValueMatch>>,
}

/// Which of a list of words must match.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quantified {
    /// Some word matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Box<ValueMatch>>,
    /// Every word matches (true of an empty list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Box<ValueMatch>>,
    /// No word matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none: Option<Box<ValueMatch>>,
    /// The first word matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Box<ValueMatch>>,
    /// The last word matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Box<ValueMatch>>,
    /// At least this many words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_count: Option<usize>,
    /// At most this many words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<usize>,
}

/// Which redirections must match.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedirectQuantified {
    /// Some redirection matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<RedirectMatch>,
    /// No redirection matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none: Option<RedirectMatch>,
}

/// A condition on one redirection.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedirectMatch {
    /// The operator: `read`, `write`, `append`, `read-write`, `duplicate`, `heredoc`, `herestring`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<OneOrMany<RedirectOp>>,
    /// The file descriptor it applies to (`2` in `2>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fd: Option<OneOrMany<u32>>,
    /// The file it redirects to or from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Box<ValueMatch>>,
}

/// A condition on text (heredoc data, file content).
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextMatch {
    /// Matches this regular expression (Rust `regex` syntax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Contains one of these substrings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<OneOrMany<String>>,
}

/// A condition on inline interpreter code.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeMatch {
    /// The code is in one of these languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<OneOrMany<Language>>,
    /// The code matches this regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// The code contains one of these substrings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<OneOrMany<String>>,
}

/// A condition on a URL.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UrlMatch {
    /// The host matches one of these globs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<OneOrMany<String>>,
    /// The scheme is one of these (`http`, `file`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<OneOrMany<String>>,
    /// The whole URL matches this regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
}

/// A condition on an MCP tool call (`mcp__server__tool`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct McpMatch {
    /// The MCP server name matches one of these globs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<OneOrMany<String>>,
    /// The MCP tool name matches one of these globs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<OneOrMany<String>>,
}

/// One value or a list of them: `program: rm` or `program: [rm, unlink]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OneOrManyVisitor(std::marker::PhantomData))
    }
}

/// A list is many; anything else is handed to `T` itself, so that a bad value reports
/// `T`'s own error (not serde's "did not match any variant"), and nothing is buffered
/// (the hook deserialises every built-in pack on each start).
struct OneOrManyVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for OneOrManyVisitor<T> {
    type Value = OneOrMany<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a value or a list of values")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(OneOrMany(items))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        T::deserialize(serde::de::value::StrDeserializer::new(v)).map(one)
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        T::deserialize(serde::de::value::StringDeserializer::new(v)).map(one)
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        T::deserialize(serde::de::value::BorrowedStrDeserializer::new(v)).map(one)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        T::deserialize(serde::de::value::U64Deserializer::new(v)).map(one)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        T::deserialize(serde::de::value::I64Deserializer::new(v)).map(one)
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        T::deserialize(serde::de::value::F64Deserializer::new(v)).map(one)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        T::deserialize(serde::de::value::BoolDeserializer::new(v)).map(one)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(one)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        T::deserialize(serde::de::value::UnitDeserializer::new()).map(one)
    }
}

fn one<T>(value: T) -> OneOrMany<T> {
    OneOrMany(vec![value])
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for OneOrMany<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one = generator.subschema_for::<T>();
        schemars::json_schema!({
            "description": "One value or a list of them.",
            "anyOf": [one, {"type": "array", "items": one}]
        })
    }
}

impl<T> OneOrMany<T> {
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What keeps the hook's start-up from copying kilobytes per predicate (see the
    /// comment on [`Predicate`]): a new matcher of more than a few words goes in a `Box`.
    #[test]
    fn the_predicates_the_hook_deserialises_stay_small() {
        let predicate = std::mem::size_of::<Predicate>();
        let quantified = std::mem::size_of::<Quantified>();
        assert!(predicate <= 640, "Predicate is {predicate} bytes");
        assert!(quantified <= 128, "Quantified is {quantified} bytes");
    }
}
