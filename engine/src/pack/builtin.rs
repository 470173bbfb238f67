//! The packs shipped in `rules/`, embedded at build time (see `build.rs`): the YAML,
//! and compact JSON pieces (header, program vocabularies, rules) that the hook loads
//! selectively, so that its start-up does not grow with the number of rules.

use std::collections::BTreeSet;

use super::format::{PackFile, ProgramSpec, RuleSpec};
use super::{PackError, PackScope, PackSource, parse_yaml};

/// One shipped pack.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinPack {
    pub file: &'static str,
    /// The pack as written, with its examples (for tests, `packs test` and `packs show`).
    pub yaml: &'static str,
    /// `pack`, `description` and `modes`, as JSON.
    pub header: &'static str,
    /// Each program's vocabulary, as JSON.
    pub programs: &'static [(&'static str, &'static str)],
    pub rules: &'static [BuiltinRule],
}

/// One shipped rule, without its examples.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinRule {
    pub id: &'static str,
    /// Its severity is `critical`.
    pub critical: bool,
    pub gate: RuleGate,
    /// Programs named anywhere in it, whose vocabularies it needs.
    pub refs: &'static [&'static str],
    pub json: &'static str,
}

/// Which calls a shipped rule can concern, worked out at build time from its `when`.
#[derive(Debug, Clone, Copy)]
pub enum RuleGate {
    /// Invocations of one of these programs only.
    Programs(&'static [&'static str]),
    /// Non-Bash tool calls only.
    Tools,
    /// Any invocation.
    Always,
}

include!(concat!(env!("OUT_DIR"), "/builtin_packs.rs"));

/// The shipped packs.
pub fn builtin_packs() -> &'static [BuiltinPack] {
    BUILTIN
}

/// A shipped rule by id, loaded or not.
pub fn builtin_rule(id: &str) -> Option<&'static BuiltinRule> {
    BUILTIN.iter().flat_map(|p| p.rules).find(|r| r.id == id)
}

/// What a call can need of the shipped packs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relevance {
    /// Every rule (pack tooling, `check`, `scan`, a program written as a glob).
    All,
    /// The rules that can fire on these programs' invocations (lower-case basenames,
    /// as in [`crate::shell::Invocation::program`]), and tool rules when `tools`.
    Only {
        programs: BTreeSet<String>,
        tools: bool,
    },
}

/// The shipped packs as sources. `with_examples` parses the YAML (slower; for tests and
/// pack tooling), otherwise the compact JSON.
pub fn builtin_sources(with_examples: bool) -> Result<Vec<PackSource>, PackError> {
    if with_examples {
        return BUILTIN
            .iter()
            .map(|b| parse_yaml(b.yaml, &format!("rules/{}", b.file), PackScope::BuiltIn))
            .collect();
    }
    builtin_sources_for(&Relevance::All)
}

/// The shipped packs with only the rules (and program vocabularies) `relevance` needs.
/// A rule left out could not have fired: its `when` requires a program the call does
/// not run (the differential test in `engine/tests/suite/relevance.rs` holds this).
pub fn builtin_sources_for(relevance: &Relevance) -> Result<Vec<PackSource>, PackError> {
    // Rules first, across every pack: a rule may use a program's vocabulary that
    // another pack declares (`safe` reads `sed -i` as `filesystem` describes it).
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    let chosen: Vec<Vec<&BuiltinRule>> = BUILTIN
        .iter()
        .map(|pack| {
            let rules: Vec<&BuiltinRule> =
                pack.rules.iter().filter(|r| r.needed(relevance)).collect();
            for r in &rules {
                wanted.extend(r.refs.iter().copied());
            }
            rules
        })
        .collect();
    let wanted = Wanted::new(&wanted);
    BUILTIN
        .iter()
        .zip(chosen)
        .map(|(pack, rules)| pack.source(&rules, relevance, &wanted))
        .collect()
}

/// The programs the chosen rules refer to: names, and patterns compiled once (every
/// pack's every program is checked against them on each hook call).
struct Wanted<'a> {
    names: BTreeSet<&'a str>,
    patterns: Vec<glob::Pattern>,
}

impl<'a> Wanted<'a> {
    fn new(refs: &BTreeSet<&'a str>) -> Wanted<'a> {
        Wanted {
            // A pattern names a program spelt as it is, too.
            names: refs.clone(),
            patterns: refs
                .iter()
                .filter(|w| w.contains(['*', '?', '[']))
                .filter_map(|p| glob::Pattern::new(p).ok())
                .collect(),
        }
    }

    fn contains(&self, program: &str) -> bool {
        self.names.contains(program) || self.patterns.iter().any(|p| p.matches(program))
    }
}

impl BuiltinRule {
    fn needed(&self, relevance: &Relevance) -> bool {
        match (relevance, self.gate) {
            (Relevance::All, _) | (_, RuleGate::Always) => true,
            (Relevance::Only { tools, .. }, RuleGate::Tools) => *tools,
            (Relevance::Only { programs, .. }, RuleGate::Programs(names)) => {
                names.iter().any(|n| programs.contains(*n))
            }
        }
    }
}

impl BuiltinPack {
    fn source(
        &self,
        rules: &[&BuiltinRule],
        relevance: &Relevance,
        wanted: &Wanted,
    ) -> Result<PackSource, PackError> {
        let file = format!("rules/{}", self.file);
        let broken = |e: serde_json::Error| {
            PackError::new(&file, format!("embedded pack does not load: {e}"))
        };
        let mut pack: PackFile = serde_json::from_str(self.header).map_err(broken)?;
        for rule in rules {
            pack.rules
                .push(serde_json::from_str::<RuleSpec>(rule.json).map_err(broken)?);
        }
        let called: Option<&BTreeSet<String>> = match relevance {
            Relevance::All => None,
            Relevance::Only { programs, .. } => Some(programs),
        };
        for &(program, spec) in self.programs {
            let needed =
                called.is_none_or(|called| called.contains(program) || wanted.contains(program));
            if needed {
                let spec: ProgramSpec = serde_json::from_str(spec).map_err(broken)?;
                pack.programs.insert(program.to_owned(), spec);
            }
        }
        Ok(PackSource {
            scope: PackScope::BuiltIn,
            file,
            text: None,
            pack,
        })
    }
}
