//! From pack files to a [`RuleSet`]: vocabularies merged, flags resolved, regexes
//! checked, polarity assigned, keyword gates derived.

use std::collections::HashMap;
use std::sync::Arc;

use super::args::{FlagSpec, ProgramCli};
use super::gate::{Gate, keywords};
use super::predicate::{Io, Pred, Quant, RedirectMatch};
use super::value::{
    CodeMatch, LazyRegex, McpMatch, NameMatch, Polarity, TextMatch, UrlMatch, ValueMatch,
};
use super::{PackInfo, Rule, RuleSet, RuleTarget, Vocabulary};
use crate::operation::ToolKind;
use crate::pack::{PackError, PackScope, PackSource, format};
use crate::path::PathClasses;
use crate::shell::ContextSet;
use crate::verdict::Verdict;

/// Compile packs (built-in, then user, then project) into one rule set. Every error
/// is reported, not just the first.
pub fn compile(sources: &[PackSource]) -> Result<RuleSet, Vec<PackError>> {
    let mut errors = Vec::new();
    let clis = layered_vocabularies(sources, &mut errors);
    let mut rules = Vec::new();
    let mut packs = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut pack_files: HashMap<&str, &str> = HashMap::new();
    for (pack_index, source) in sources.iter().enumerate() {
        let pack = &source.pack;
        let file = source.file.as_str();
        let err = |e: PackError| e.locate(source.text.as_deref());
        // `user` and `project` hold the rules of each `bouncer.yaml`; there may be several.
        let inline = matches!(pack.pack.as_str(), "user" | "project");
        if let Some(other) = pack_files.insert(&pack.pack, file)
            && !inline
        {
            errors.push(PackError {
                line: source.text.as_deref().and_then(|t| {
                    t.lines()
                        .position(|l| l.starts_with("pack:"))
                        .map(|i| i + 1)
                }),
                ..PackError::new(
                    file,
                    format!(
                        "pack id `{}` is already used by {other}; choose another",
                        pack.pack
                    ),
                )
            });
        }
        if pack.pack.is_empty()
            || !pack
                .pack
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            errors.push(PackError::new(
                file,
                format!(
                    "pack id `{}` must be lower-case letters, digits, `-` and `_`",
                    pack.pack
                ),
            ));
        }
        let mut counts = [0usize; 3];
        for spec in &pack.rules {
            if let Some(previous) = seen.insert(spec.id.clone(), file.to_owned()) {
                errors.push(err(PackError::for_rule(
                    file,
                    &spec.id,
                    format!("duplicate rule id (also in {previous})"),
                )));
                continue;
            }
            if !spec
                .id
                .strip_prefix(&pack.pack)
                .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1)
            {
                errors.push(err(PackError::for_rule(
                    file,
                    &spec.id,
                    format!("rule ids must start with the pack id: `{}.name`", pack.pack),
                )));
            }
            if source.scope == PackScope::Project && spec.verdict == Verdict::Allow {
                errors.push(err(PackError::for_rule(
                    file,
                    &spec.id,
                    "a project pack may only tighten: `allow` rules belong in your user packs (~/.mstro/rules/)",
                )));
                continue;
            }
            let mut problems = Vec::new();
            let layer = layer_of(source.scope);
            let trusted = source.scope == PackScope::BuiltIn && source.text.is_none();
            match compile_rule(
                spec,
                pack_index,
                &clis[layer as usize],
                trusted,
                &mut problems,
            ) {
                Some(mut rule) if problems.is_empty() => {
                    rule.vocab = layer;
                    counts[rule.verdict as usize] += 1;
                    rules.push(rule);
                }
                _ => errors.extend(
                    problems
                        .into_iter()
                        .map(|m| err(PackError::for_rule(file, &spec.id, m))),
                ),
            }
        }
        packs.push(PackInfo {
            id: pack.pack.clone(),
            description: pack.description.clone(),
            scope: source.scope,
            file: source.file.clone(),
            modes: pack.modes.clone(),
            counts,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let gate_input: Vec<(u32, Option<Vec<_>>)> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.target == RuleTarget::Shell)
        .map(|(i, r)| (i as u32, keywords(&r.when)))
        .collect();
    let gate = Gate::build(&gate_input, rules.len());
    let mut tool_rules: HashMap<ToolKind, Vec<u32>> = HashMap::new();
    for (i, r) in rules.iter().enumerate() {
        if let RuleTarget::Tools(kinds) = &r.target {
            for k in kinds {
                tool_rules.entry(*k).or_default().push(i as u32);
            }
        }
    }
    // Programs some rule tightens: an argument of theirs only known at run time may be
    // what that rule looks for.
    let mut guarded = std::collections::HashSet::new();
    for r in rules.iter().filter(|r| r.verdict != Verdict::Allow) {
        programs_named(&r.when, &mut guarded);
    }
    // So are programs that write or delete what their arguments name: an unknown
    // argument may be the option that makes them write (`dd $(x)` may be `of=/dev/sda`).
    if let Some(all) = clis.last() {
        guarded.extend(
            all.iter()
                .filter(|(_, cli)| {
                    cli.writes.is_some()
                        || cli.deletes.is_some()
                        || !cli.write_options.is_empty()
                        || cli.in_place != Default::default()
                })
                .map(|(name, _)| name.clone()),
        );
    }
    Ok(RuleSet {
        rules,
        packs,
        clis,
        gate,
        tool_rules,
        switched_off: HashMap::new(),
        guarded,
    })
}

/// The program names a predicate requires of the invocation itself (not of its
/// neighbours in a pipeline).
fn programs_named(pred: &Pred, out: &mut std::collections::HashSet<String>) {
    match pred {
        Pred::Program { names, .. } => out.extend(names.iter().filter_map(|n| match n {
            NameMatch::Exact(e) => Some(e.clone()),
            NameMatch::Glob(_) => None,
        })),
        Pred::All(parts) | Pred::Any(parts) => {
            for p in parts {
                programs_named(p, out);
            }
        }
        _ => {}
    }
}

/// Program vocabularies by layer: the built-in packs', then with the user's added, then
/// with the project's. A rule reads command lines with the vocabulary of its own layer,
/// so a user or project pack can never change how a built-in rule parses `rm -rf /`
/// (declaring `-r` an option that takes a value would otherwise turn it into no flag).
fn layered_vocabularies(sources: &[PackSource], errors: &mut Vec<PackError>) -> Vec<Vocabulary> {
    let mut layers: Vec<Vocabulary> = Vec::with_capacity(SCOPES.len());
    let mut current: Vocabulary = Arc::new(HashMap::new());
    for scope in SCOPES {
        let scoped: Vec<&PackSource> = sources.iter().filter(|s| s.scope == scope).collect();
        if !scoped.is_empty() {
            let mut clis = (*current).clone();
            merge_vocabularies(&mut clis, &scoped, errors);
            current = Arc::new(clis);
        }
        layers.push(Arc::clone(&current));
    }
    layers
}

/// The vocabulary layer of a scope.
pub(crate) fn layer_of(scope: PackScope) -> u8 {
    SCOPES.iter().position(|s| *s == scope).unwrap_or(0) as u8
}

const SCOPES: [PackScope; 3] = [PackScope::BuiltIn, PackScope::User, PackScope::Project];

/// Program vocabularies from packs of one scope, merged into `clis`: they describe the
/// program, not a rule.
fn merge_vocabularies(
    clis: &mut HashMap<String, ProgramCli>,
    sources: &[&PackSource],
    errors: &mut Vec<PackError>,
) {
    for source in sources {
        for (program, spec) in &source.pack.programs {
            let cli = clis.entry(program.clone()).or_default();
            cli.long_single_dash |= spec.long_single_dash;
            cli.key_value |= spec.key_value;
        }
    }
    for source in sources {
        for (program, spec) in &source.pack.programs {
            let cli = clis.get_mut(program).expect("inserted above");
            let bad = |s: &String| !(s.starts_with('-') || s.starts_with('+') || spec.key_value);
            for (name, spellings) in spec.flags.iter().chain(spec.options.iter()) {
                if let Some(s) = spellings.iter().find(|s| bad(s)) {
                    errors.push(PackError::new(
                        &source.file,
                        format!(
                            "programs.{program}: `{name}` spelling `{s}` must start with `-` or `+`"
                        ),
                    ));
                }
            }
            for (name, spellings) in &spec.flags {
                let flag = FlagSpec::from_spellings(spellings, cli.long_single_dash);
                cli.flags.entry(name.clone()).or_default().merge(&flag);
            }
            for (name, spellings) in &spec.options {
                let entry = cli.options.entry(name.clone()).or_default();
                for s in spellings {
                    if !entry.contains(s) {
                        entry.push(s.clone());
                    }
                    cli.value_options.insert(s.clone());
                }
            }
            cli.value_options
                .extend(spec.global_options.iter().cloned());
            let io = [
                ("reads", &mut cli.reads, spec.reads),
                ("writes", &mut cli.writes, spec.writes),
                ("deletes", &mut cli.deletes, spec.deletes),
            ];
            for (field, mine, theirs) in io {
                match (*mine, theirs) {
                    (Some(a), Some(b)) if a != b => errors.push(PackError::new(
                        &source.file,
                        format!("programs.{program}.{field}: `{b:?}` conflicts with `{a:?}` declared by another pack"),
                    )),
                    (_, Some(b)) => *mine = Some(b),
                    _ => {}
                }
            }
            for (list, spellings) in [
                (&mut cli.read_options, &spec.read_options),
                (&mut cli.read_at_options, &spec.read_at_options),
                (&mut cli.write_options, &spec.write_options),
            ] {
                for s in spellings {
                    if !list.contains(s) {
                        list.push(s.clone());
                    }
                    cli.value_options.insert(s.clone());
                }
            }
            let in_place = FlagSpec::from_spellings(&spec.in_place, cli.long_single_dash);
            cli.in_place.merge(&in_place);
            if let Some(spellings) = &spec.into_directory {
                let mine = cli.into_directory.get_or_insert_with(Vec::new);
                for s in spellings {
                    if !mine.contains(s) {
                        mine.push(s.clone());
                    }
                    cli.value_options.insert(s.clone());
                }
            }
        }
    }
}

fn compile_rule(
    spec: &format::RuleSpec,
    pack: usize,
    clis: &HashMap<String, ProgramCli>,
    trusted: bool,
    problems: &mut Vec<String>,
) -> Option<Rule> {
    let when_kind = kind_of(&spec.when);
    let unless_kind = spec.unless.as_ref().map(kind_of).unwrap_or(Kind::Neither);
    if when_kind == Kind::Both || unless_kind == Kind::Both {
        problems.push(
            "a predicate mixes shell fields with tool fields (tool, path, content, removes, pattern, sends_secret, url, mcp)"
                .into(),
        );
        return None;
    }
    let target = if when_kind == Kind::Tool {
        let Some(tools) = &spec.when.tool else {
            problems.push("a rule about tool calls needs `tool:` at the top of `when`".into());
            return None;
        };
        RuleTarget::Tools(tool_kinds(tools, problems))
    } else {
        RuleTarget::Shell
    };
    if (target == RuleTarget::Shell && unless_kind == Kind::Tool)
        || (matches!(target, RuleTarget::Tools(_)) && unless_kind == Kind::Shell)
    {
        problems.push("`unless` must talk about the same kind of operation as `when`".into());
        return None;
    }
    if spec.reason.trim().is_empty() {
        problems.push("`reason` must say why".into());
    }
    let polarity = if spec.verdict == Verdict::Allow {
        Polarity::Lenient
    } else {
        Polarity::Strict
    };
    let mut cx = Cx {
        clis,
        problems,
        trusted,
    };
    let when = cx.pred(&spec.when, polarity, &[])?;
    let unless = match &spec.unless {
        Some(u) => Some(cx.pred(u, polarity.flip(), &programs_of(&spec.when))?),
        None => None,
    };
    Some(Rule {
        id: Arc::from(spec.id.as_str()),
        pack,
        verdict: spec.verdict,
        severity: spec.severity,
        reason: spec.reason.trim().to_owned(),
        alternative: spec.alternative.as_ref().map(|a| a.trim().to_owned()),
        mitre: spec.mitre.clone(),
        when,
        unless,
        target,
        vocab: 0,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Neither,
    Shell,
    Tool,
    Both,
}

impl Kind {
    fn join(self, other: Kind) -> Kind {
        match (self, other) {
            (Kind::Neither, k) | (k, Kind::Neither) => k,
            (a, b) if a == b => a,
            _ => Kind::Both,
        }
    }
}

/// Whether a predicate talks about shell invocations, tool calls, or both.
fn kind_of(p: &format::Predicate) -> Kind {
    let shell = p.program.is_some()
        || p.program_path.is_some()
        || p.subcommand.is_some()
        || p.flags.is_some()
        || p.any_flag.is_some()
        || p.options.is_some()
        || p.operands.is_some()
        || p.args.is_some()
        || p.redirects.is_some()
        || p.reads.is_some()
        || p.writes.is_some()
        || p.deletes.is_some()
        || p.stdin_from.is_some()
        || p.stdout_to.is_some()
        || p.args_from.is_some()
        || p.output_executed.is_some()
        || p.self_call.is_some()
        || p.background.is_some()
        || p.piped.is_some()
        || p.context.is_some()
        || p.wrappers.is_some()
        || p.env.is_some()
        || p.env_values.is_some()
        || p.stdin.is_some()
        || p.code.is_some()
        || p.text.is_some();
    let tool = p.tool.is_some()
        || p.path.is_some()
        || p.content.is_some()
        || p.removes.is_some()
        || p.pattern.is_some()
        || p.sends_secret.is_some()
        || p.url.is_some()
        || p.mcp.is_some();
    let mut k = match (shell, tool) {
        (true, true) => Kind::Both,
        (true, false) => Kind::Shell,
        (false, true) => Kind::Tool,
        (false, false) => Kind::Neither,
    };
    for child in p
        .all
        .iter()
        .flatten()
        .chain(p.any.iter().flatten())
        .chain(p.not.as_deref())
    {
        k = k.join(kind_of(child));
    }
    k
}

/// The exact program names a predicate names at its top.
fn programs_of(p: &format::Predicate) -> Vec<String> {
    p.program
        .iter()
        .flat_map(|o| o.iter())
        .filter(|n| !n.contains(['*', '?', '[']))
        .cloned()
        .collect()
}

fn tool_kinds(names: &format::OneOrMany<String>, problems: &mut Vec<String>) -> Vec<ToolKind> {
    names
        .iter()
        .filter_map(|n| match n.parse::<ToolKind>() {
            Ok(k) => Some(k),
            Err(e) => {
                problems.push(e);
                None
            }
        })
        .collect()
}

struct Cx<'a> {
    clis: &'a HashMap<String, ProgramCli>,
    problems: &'a mut Vec<String>,
    /// A built-in rule: its regexes were checked when the packs were tested, so the hook
    /// does not pay to parse them again on every start.
    trusted: bool,
}

impl Cx<'_> {
    /// Compile a predicate; `programs` are the programs named by an enclosing
    /// predicate, whose vocabularies resolve flag names.
    fn pred(&mut self, p: &format::Predicate, pol: Polarity, programs: &[String]) -> Option<Pred> {
        let own = programs_of(p);
        let programs: &[String] = if own.is_empty() { programs } else { &own };
        let mut parts = Vec::new();
        // Cheapest and most selective checks first.
        if let Some(t) = &p.tool {
            parts.push(Pred::Tool(tool_kinds(t, self.problems)));
        }
        if let Some(names) = &p.program {
            parts.push(Pred::Program {
                names: self.names(names),
                polarity: pol,
            });
        }
        if let Some(sub) = &p.subcommand {
            let alternatives = sub
                .iter()
                .map(|s| s.split_whitespace().filter_map(|w| self.name(w)).collect())
                .collect();
            parts.push(Pred::Subcommand(alternatives));
        }
        for name in p.flags.iter().flatten() {
            parts.push(self.flag(name, programs));
        }
        if let Some(names) = &p.any_flag {
            parts.push(Pred::Any(
                names.iter().map(|n| self.flag(n, programs)).collect(),
            ));
        }
        if let Some(ctx) = &p.context {
            parts.push(Pred::Context(
                ctx.iter().fold(ContextSet::empty(), |s, c| s | c.bit()),
            ));
        }
        if let Some(w) = &p.wrappers {
            parts.push(Pred::Wrappers(self.names(w)));
        }
        if let Some(b) = p.output_executed {
            parts.push(Pred::OutputExecuted(b));
        }
        if let Some(b) = p.self_call {
            parts.push(Pred::SelfCall(b));
        }
        if let Some(b) = p.background {
            parts.push(Pred::Background(b));
        }
        if let Some(b) = p.piped {
            parts.push(Pred::Piped(b));
        }
        if let Some(e) = &p.env {
            parts.push(Pred::Env(self.names(e)));
        }
        for (name, m) in p.env_values.iter().flatten() {
            parts.push(Pred::EnvValue {
                name: name.clone(),
                value: self.value(m, pol)?,
            });
        }
        if let Some(pp) = &p.program_path {
            parts.push(Pred::ProgramPath(self.value(pp, pol)?));
        }
        for (name, m) in p.options.iter().flatten() {
            let spellings = self.option(name, programs);
            parts.push(Pred::OptionValue {
                spellings,
                value: self.value(m, pol)?,
            });
        }
        if let Some(q) = &p.operands {
            self.quantified(
                q,
                pol,
                &mut parts,
                |quant, value| Pred::Operands { quant, value },
                |min, max| Pred::OperandCount { min, max },
            )?;
        }
        if let Some(q) = &p.args {
            self.quantified(
                q,
                pol,
                &mut parts,
                |quant, value| Pred::Args { quant, value },
                |min, max| Pred::ArgCount { min, max },
            )?;
        }
        for (io, m) in [
            (Io::Read, &p.reads),
            (Io::Write, &p.writes),
            (Io::Delete, &p.deletes),
        ] {
            if let Some(m) = m {
                parts.push(Pred::Io {
                    io,
                    value: self.value(m, pol)?,
                });
            }
        }
        if let Some(r) = &p.redirects {
            if let Some(m) = &r.any {
                parts.push(Pred::Redirects {
                    quant: Quant::Any,
                    redirect: self.redirect(m, pol)?,
                });
            }
            if let Some(m) = &r.none {
                parts.push(Pred::Redirects {
                    quant: Quant::None,
                    redirect: self.redirect(m, pol.flip())?,
                });
            }
        }
        if let Some(t) = &p.stdin {
            parts.push(Pred::Stdin {
                text: self.text(t)?,
                polarity: pol,
            });
        }
        if let Some(c) = &p.code {
            let languages = c.language.iter().flat_map(|l| l.iter()).copied().collect();
            let text = self.text(&format::TextMatch {
                regex: c.regex.clone(),
                contains: c.contains.clone(),
            })?;
            parts.push(Pred::Code {
                code: CodeMatch { languages, text },
                polarity: pol,
            });
        }
        if let Some(t) = &p.text {
            parts.push(Pred::Text {
                regex: self.regex(t)?,
                polarity: pol,
            });
        }
        if let Some(path) = &p.path {
            parts.push(Pred::Path(self.value(path, pol)?));
        }
        if let Some(c) = &p.content {
            parts.push(Pred::Content {
                text: self.text(c)?,
                polarity: pol,
            });
        }
        if let Some(c) = &p.removes {
            parts.push(Pred::Removes {
                text: self.text(c)?,
                polarity: pol,
            });
        }
        if let Some(c) = &p.pattern {
            parts.push(Pred::Pattern {
                text: self.text(c)?,
                polarity: pol,
            });
        }
        if let Some(kinds) = &p.sends_secret {
            parts.push(Pred::SendsSecret(kinds.iter().copied().collect()));
        }
        if let Some(u) = &p.url {
            let url = UrlMatch {
                hosts: u
                    .host
                    .iter()
                    .flat_map(|h| h.iter())
                    .filter_map(|h| self.name(&h.to_ascii_lowercase()))
                    .collect(),
                schemes: u.scheme.iter().flat_map(|s| s.iter()).cloned().collect(),
                regex: match &u.regex {
                    Some(r) => Some(self.regex(r)?),
                    None => None,
                },
            };
            parts.push(Pred::Url { url, polarity: pol });
        }
        if let Some(m) = &p.mcp {
            let mcp = McpMatch {
                servers: m
                    .server
                    .iter()
                    .flat_map(|s| s.iter())
                    .filter_map(|s| self.name(s))
                    .collect(),
                tools: m
                    .tool
                    .iter()
                    .flat_map(|s| s.iter())
                    .filter_map(|s| self.name(s))
                    .collect(),
            };
            parts.push(Pred::Mcp(mcp));
        }
        if let Some(n) = &p.stdin_from {
            parts.push(Pred::StdinFrom(Box::new(self.pred(n, pol, &[])?)));
        }
        if let Some(n) = &p.stdout_to {
            parts.push(Pred::StdoutTo(Box::new(self.pred(n, pol, &[])?)));
        }
        if let Some(n) = &p.args_from {
            parts.push(Pred::ArgsFrom(Box::new(self.pred(n, pol, &[])?)));
        }
        if let Some(all) = &p.all {
            let children = all
                .iter()
                .map(|c| self.pred(c, pol, programs))
                .collect::<Option<Vec<_>>>()?;
            parts.push(Pred::All(children));
        }
        if let Some(any) = &p.any {
            if any.is_empty() {
                self.problems.push("`any: []` never holds".into());
            }
            let children = any
                .iter()
                .map(|c| self.pred(c, pol, programs))
                .collect::<Option<Vec<_>>>()?;
            parts.push(Pred::Any(children));
        }
        if let Some(not) = &p.not {
            parts.push(Pred::Not(Box::new(self.pred(not, pol.flip(), programs)?)));
        }
        match parts.len() {
            0 => {
                self.problems
                    .push("an empty predicate would match everything; say what to match".into());
                None
            }
            1 => parts.pop(),
            _ => Some(Pred::All(parts)),
        }
    }

    fn quantified(
        &mut self,
        q: &format::Quantified,
        pol: Polarity,
        parts: &mut Vec<Pred>,
        make: impl Fn(Quant, ValueMatch) -> Pred,
        count: impl Fn(usize, Option<usize>) -> Pred,
    ) -> Option<()> {
        let mut any = false;
        for (quant, m) in [
            (Quant::Any, &q.any),
            (Quant::All, &q.all),
            (Quant::None, &q.none),
            (Quant::First, &q.first),
            (Quant::Last, &q.last),
        ] {
            if let Some(m) = m {
                let p = if quant == Quant::None {
                    pol.flip()
                } else {
                    pol
                };
                parts.push(make(quant, self.value(m, p)?));
                any = true;
            }
        }
        if q.min_count.is_some() || q.max_count.is_some() {
            parts.push(count(q.min_count.unwrap_or(0), q.max_count));
            any = true;
        }
        if !any {
            self.problems.push(
                "say which words: `any`, `all`, `none`, `first`, `last`, `min_count` or `max_count`".into(),
            );
        }
        Some(())
    }

    fn flag(&mut self, name: &str, programs: &[String]) -> Pred {
        let single_dash = programs
            .iter()
            .any(|p| self.clis.get(p).is_some_and(|c| c.long_single_dash));
        if name.starts_with('-') || name.starts_with('+') {
            return Pred::Flag(FlagSpec::from_spellings(&[name.to_owned()], single_dash));
        }
        let mut spec = FlagSpec::default();
        let mut found = false;
        for p in programs {
            let Some(cli) = self.clis.get(p) else {
                continue;
            };
            if let Some(f) = cli.flags.get(name) {
                spec.merge(f);
                found = true;
            }
            // A semantic option named as a flag means "the option is given".
            if let Some(spellings) = cli.options.get(name) {
                spec.merge(&FlagSpec::from_spellings(spellings, cli.long_single_dash));
                found = true;
            }
        }
        if !found {
            let where_ = if programs.is_empty() {
                "(no `program:` names a vocabulary)".to_owned()
            } else {
                format!("for {}", programs.join(", "))
            };
            self.problems.push(format!("unknown flag `{name}` {where_}: define it under `programs:` or write its spelling (`-x`, `--name`)"));
        }
        Pred::Flag(spec)
    }

    fn option(&mut self, name: &str, programs: &[String]) -> Vec<String> {
        if name.starts_with('-') {
            return vec![name.to_owned()];
        }
        let mut spellings = Vec::new();
        for p in programs {
            if let Some(cli) = self.clis.get(p) {
                if let Some(s) = cli.options.get(name) {
                    spellings.extend(s.iter().cloned());
                } else if cli.key_value {
                    spellings.push(name.to_owned());
                }
            }
        }
        if spellings.is_empty() {
            self.problems.push(format!("unknown option `{name}`: define it under `programs.<program>.options` or write its spelling"));
        }
        spellings
    }

    fn value(&mut self, m: &format::ValueMatch, pol: Polarity) -> Option<ValueMatch> {
        let globs =
            |this: &mut Self, list: &Option<format::OneOrMany<String>>| -> Vec<glob::Pattern> {
                list.iter()
                    .flat_map(|l| l.iter())
                    .filter_map(|g| match glob::Pattern::new(g) {
                        Ok(p) => Some(p),
                        Err(e) => {
                            this.problems.push(format!("bad glob `{g}`: {e}"));
                            None
                        }
                    })
                    .collect()
            };
        let mut path_globs = Vec::new();
        for g in m.path_glob.iter().flat_map(|l| l.iter()) {
            let (home, pattern) = match g.strip_prefix("~/") {
                Some(rel) => (true, rel),
                None if g.starts_with('/') || g.starts_with("**") => (false, g.as_str()),
                None => {
                    self.problems.push(format!("`path_glob` `{g}` must be absolute (`/...`), home-relative (`~/...`) or start with `**`"));
                    continue;
                }
            };
            match glob::Pattern::new(pattern) {
                Ok(p) => path_globs.push((home, p)),
                Err(e) => self.problems.push(format!("bad glob `{g}`: {e}")),
            }
        }
        let any = match &m.any {
            Some(list) => list
                .iter()
                .map(|c| self.value(c, pol))
                .collect::<Option<Vec<_>>>()?,
            None => Vec::new(),
        };
        let not = match &m.not {
            Some(n) => Some(Box::new(self.value(n, pol.flip())?)),
            None => None,
        };
        Some(ValueMatch {
            classes: m
                .path
                .iter()
                .flat_map(|l| l.iter())
                .fold(PathClasses::empty(), |c, p| c | p.bit()),
            path_globs,
            globs: globs(self, &m.glob),
            literals: m.literal.iter().flat_map(|l| l.iter()).cloned().collect(),
            prefixes: m.prefix.iter().flat_map(|l| l.iter()).cloned().collect(),
            regex: match &m.regex {
                Some(r) => Some(self.regex(r)?),
                None => None,
            },
            url_hosts: m
                .url_host
                .iter()
                .flat_map(|l| l.iter())
                .filter_map(|h| self.name(&h.to_ascii_lowercase()))
                .collect(),
            unresolved: m.unresolved,
            any,
            not,
            polarity: pol,
        })
    }

    fn redirect(&mut self, m: &format::RedirectMatch, pol: Polarity) -> Option<RedirectMatch> {
        Some(RedirectMatch {
            ops: m.op.iter().flat_map(|o| o.iter()).copied().collect(),
            fds: m.fd.iter().flat_map(|f| f.iter()).copied().collect(),
            target: match &m.target {
                Some(t) => Some(self.value(t, pol)?),
                None => None,
            },
        })
    }

    fn text(&mut self, t: &format::TextMatch) -> Option<TextMatch> {
        if t.regex.is_none() && t.contains.is_none() {
            self.problems
                .push("a text condition needs `regex` or `contains`".into());
        }
        Some(TextMatch {
            regex: match &t.regex {
                Some(r) => Some(self.regex(r)?),
                None => None,
            },
            contains: t.contains.iter().flat_map(|c| c.iter()).cloned().collect(),
        })
    }

    /// Checked now (syntax), compiled on first use.
    fn regex(&mut self, pattern: &str) -> Option<LazyRegex> {
        if self.trusted {
            return Some(LazyRegex::new(pattern.to_owned()));
        }
        match regex_syntax::parse(pattern) {
            Ok(_) => Some(LazyRegex::new(pattern.to_owned())),
            Err(e) => {
                self.problems.push(format!(
                    "bad regex `{pattern}`: {}",
                    e.to_string().lines().last().unwrap_or("")
                ));
                None
            }
        }
    }

    fn names(&mut self, list: &format::OneOrMany<String>) -> Vec<NameMatch> {
        list.iter().filter_map(|n| self.name(n)).collect()
    }

    fn name(&mut self, n: &str) -> Option<NameMatch> {
        match NameMatch::new(n) {
            Ok(m) => Some(m),
            Err(e) => {
                self.problems.push(e);
                None
            }
        }
    }
}
