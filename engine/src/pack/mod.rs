//! Rule packs: the YAML format, loading with located errors, the built-in packs, and
//! running a pack's examples through the whole engine.

mod builtin;
mod error;
mod examples;
pub mod format;

pub use builtin::{
    BuiltinPack, BuiltinRule, Relevance, RuleGate, builtin_packs, builtin_rule, builtin_sources,
    builtin_sources_for,
};
pub use error::{PackError, line_of_rule, parser_message, rule_at_line};
pub use examples::{ExampleFailure, check_examples};
pub use format::PackFile;

use std::fmt;

use serde::Serialize;

/// Where a pack comes from; later scopes may only add to earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackScope {
    /// Shipped in `rules/`, compiled into the binary.
    BuiltIn,
    /// `~/.mstro/rules/*.yaml`.
    User,
    /// `<project>/.mstro/rules/*.yaml`: may only tighten.
    Project,
}

impl fmt::Display for PackScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PackScope::BuiltIn => "built-in",
            PackScope::User => "user",
            PackScope::Project => "project",
        })
    }
}

/// A parsed pack and where it came from.
#[derive(Debug, Clone)]
pub struct PackSource {
    pub scope: PackScope,
    /// The file, as shown in errors.
    pub file: String,
    /// The YAML text, for locating errors (absent for precompiled built-ins).
    pub text: Option<String>,
    pub pack: PackFile,
}

/// Parse a pack from YAML. Unknown keys, wrong types and bad values are errors with
/// the file, line, column and (when it can be told) the rule.
pub fn parse_yaml(text: &str, file: &str, scope: PackScope) -> Result<PackSource, PackError> {
    match serde_yaml::from_str::<PackFile>(text) {
        Ok(pack) => Ok(PackSource {
            scope,
            file: file.to_owned(),
            text: Some(text.to_owned()),
            pack,
        }),
        Err(e) => {
            let location = e.location();
            let line = location.as_ref().map(|l| l.line());
            let message = parser_message(&e.to_string());
            Err(PackError {
                file: file.to_owned(),
                line,
                column: location.map(|l| l.column()),
                rule: line.and_then(|l| rule_at_line(text, l)),
                message,
            })
        }
    }
}
