//! Makefiles: recipe lines, `VAR != command` and `$(shell command)`, and which recipes
//! `make TARGET` runs.
//!
//! Recipe lines start with the recipe prefix (a tab, or `.RECIPEPREFIX`) after a rule
//! line. Each logical line (with its `\`-continued lines, which make passes to the shell
//! as they are, less one leading prefix character) runs in its own shell, or the whole
//! recipe in one under `.ONESHELL`. The `@`, `-` and `+` prefixes are make's, not the
//! shell's, and are removed.
//!
//! Make expands variables before the shell sees the line, and `$(VAR)` would read to
//! the engine as a command substitution. So references are expanded first:
//!
//! - `$$` is `$`;
//! - a variable assigned in the same Makefile is replaced by its value (expanded in
//!   turn, as make does once the whole file is read), as are make's built-ins (`$(MAKE)`,
//!   `$(RM)`, `$(CC)`, ...) and automatic variables (`$@` the target, `$<` the first
//!   prerequisite, `$^` all of them);
//! - anything else (from the environment, the command line or an included file) and
//!   function calls are a value the file does not show. [`Unknown`] says how it is
//!   written: `scan` writes the neutral word `_NAME_` (`_wildcard_` for a call), so that
//!   findings stay to what the file itself says (guessing it empty, as make would
//!   without an environment, would turn every `rm -rf $(BUILD)/` into `rm -rf /`); the
//!   engine judging `make` writes a shell expansion, `${NAME}`, which it knows is only
//!   known at run time and never vouches for.

use std::collections::{HashMap, HashSet};

use super::MappedText;

/// How a value the Makefile does not show is written into a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// The neutral word `_NAME_`.
    Placeholder,
    /// A shell expansion, `${NAME}`, that the shell model reads as unknown.
    Shell,
}

/// One command a Makefile runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command line, mapped back to the file.
    pub command: MappedText,
    /// Where it comes from, for people: `recipe for clean`, `REV != …`, `$(shell …)`.
    pub origin: String,
    /// The target whose recipe it is, when it is one.
    pub target: Option<String>,
}

/// The commands of a Makefile, and the shell that runs them.
#[derive(Debug, Default)]
pub struct Commands {
    pub commands: Vec<Command>,
    /// The value of `SHELL`, when the Makefile sets it.
    pub shell: Option<String>,
}

/// Every command a Makefile may run: all recipes, `VAR != command` and `$(shell ...)`.
pub fn extract(text: &str) -> Commands {
    let parsed = parse(text);
    let mut expander = Expander::new(&parsed.vars, Unknown::Placeholder);
    let shell = expander.shell(&parsed);
    let mut out = Commands {
        commands: Vec::new(),
        shell,
    };
    for recipe in &parsed.recipes {
        let rule = recipe.rule.automatic(None);
        recipe_commands(&parsed, recipe, &rule, &mut expander, &mut out.commands);
    }
    parse_time_commands(&parsed, &mut expander, &mut out.commands);
    out
}

/// Most targets [`plan`] follows, prerequisites included.
pub const MAX_TARGETS: usize = 256;

/// The commands `make GOALS` runs from this Makefile, with `overrides` (`NAME=value`
/// on the command line; `None` for a value only known at run time): the recipes of
/// the goals (the default goal when there are none) and of their prerequisites, found
/// through explicit and pattern rules, and what runs while the file is read (`!=`,
/// `$(shell ...)`). Values the file does not show are written as [`Unknown::Shell`].
/// `Err` says why which commands run cannot be known from the file.
pub fn plan(
    text: &str,
    goals: &[String],
    overrides: &[(String, Option<String>)],
    environment: &[(String, Option<String>)],
) -> Result<Commands, String> {
    plan_goals(text, Some(goals), overrides, environment)
}

/// The commands of every recipe of this Makefile (each target of each rule made once,
/// a pattern rule's with the stem `stem`), and what runs while the file is read, as
/// [`plan`] writes them: what a Makefile may run, whichever goal is asked for. Judging
/// a Makefile when it is written reads it this way.
pub fn plan_every(
    text: &str,
    overrides: &[(String, Option<String>)],
    environment: &[(String, Option<String>)],
) -> Result<Commands, String> {
    plan_goals(text, None, overrides, environment)
}

/// [`plan`] of `goals`, or of every rule when `None`.
fn plan_goals(
    text: &str,
    goals: Option<&[String]>,
    overrides: &[(String, Option<String>)],
    environment: &[(String, Option<String>)],
) -> Result<Commands, String> {
    let mut parsed = parse(text);
    if let Some(at) = text.find("$(eval").or_else(|| text.find("${eval")) {
        let line = text[..at].matches('\n').count() + 1;
        return Err(format!(
            "line {line} makes rules at run time with `$(eval ...)`"
        ));
    }
    // A value that differs with a condition, a target or the environment is not the
    // one the file shows last.
    for name in std::mem::take(&mut parsed.ambiguous) {
        parsed.vars.remove(&name);
    }
    // The environment sets what the file does not, or only by default (`?=`); the
    // command line beats both, but not `override`.
    let environment = environment
        .iter()
        .filter(|(name, _)| !parsed.vars.contains_key(name) || parsed.defaulted.contains(name))
        .map(|e| (e, false));
    let command_line = overrides.iter().map(|o| (o, true));
    for ((name, value), command_line) in environment.chain(command_line).collect::<Vec<_>>() {
        if command_line && parsed.overridden.contains(name) {
            continue;
        }
        match value {
            Some(v) => {
                let mut value = MappedText::new();
                value.push_synthetic(0, v);
                parsed.vars.insert(name.clone(), value);
            }
            None => {
                parsed.vars.remove(name);
            }
        }
    }
    let mut expander = Expander::new(&parsed.vars, Unknown::Shell);
    let shell = expander.shell(&parsed);
    let mut out = Commands {
        commands: Vec::new(),
        shell,
    };

    let Some(goals) = goals else {
        let mut made = 0;
        for i in 0..parsed.rules.len() {
            if !parsed.rule_has_recipe(i) {
                continue;
            }
            let rule = &parsed.rules[i];
            let targets: Vec<(String, Option<String>)> =
                if rule.targets.iter().any(|t| t.contains('%')) {
                    let pattern = rule.targets.first().cloned().unwrap_or_default();
                    vec![(pattern.replace('%', "stem"), Some("stem".to_owned()))]
                } else {
                    expander
                        .targets(rule)
                        .into_iter()
                        .map(|t| (t, None))
                        .collect()
                };
            for (target, stem) in targets {
                made += 1;
                if made > MAX_TARGETS {
                    return Err(format!("it has more than {MAX_TARGETS} targets"));
                }
                let auto = rule.automatic(Some((&target, stem.as_deref())));
                for recipe in parsed.recipes.iter().filter(|r| r.rule.id == rule.id) {
                    recipe_commands(&parsed, recipe, &auto, &mut expander, &mut out.commands);
                }
            }
        }
        parse_time_commands(&parsed, &mut expander, &mut out.commands);
        out.commands
            .retain(|c| !c.command.as_str().trim().is_empty());
        return Ok(out);
    };
    let goals: Vec<String> = if goals.is_empty() {
        let default = match parsed.vars.get(".DEFAULT_GOAL") {
            Some(v) => {
                let v = expander.expand(v, None, 0);
                if expander.take_unknown() {
                    return Err("its default goal is only known at run time".to_owned());
                }
                v.as_str().split_whitespace().next().map(str::to_owned)
            }
            None => parsed.rules.iter().find_map(|r| {
                let t = r.targets.first()?;
                let default = !(t.contains('%') || t.starts_with('.') && !t.contains('/'));
                default.then(|| t.clone())
            }),
        };
        default.into_iter().collect()
    } else {
        goals.to_vec()
    };

    let mut queue: std::collections::VecDeque<String> = goals.into_iter().collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut chosen: Vec<(usize, String, Option<String>)> = Vec::new();
    while let Some(target) = queue.pop_front() {
        if !seen.insert(target.clone()) {
            continue;
        }
        if seen.len() > MAX_TARGETS {
            return Err(format!("it makes more than {MAX_TARGETS} targets"));
        }
        let explicit: Vec<usize> = (0..parsed.rules.len())
            .filter(|&i| {
                let r = &parsed.rules[i];
                !r.targets.iter().any(|t| t.contains('%')) && expander.targets(r).contains(&target)
            })
            .collect();
        let mut rules: Vec<(usize, Option<String>)> = explicit.iter().map(|&i| (i, None)).collect();
        if !explicit.iter().any(|&i| parsed.rule_has_recipe(i)) {
            // A pattern rule makes a target no explicit rule has a recipe for.
            for (i, r) in parsed.rules.iter().enumerate() {
                if let Some(stem) = r.targets.iter().find_map(|p| stem(p, &target)) {
                    rules.push((i, Some(stem)));
                }
            }
        }
        if rules.is_empty()
            && let Some(i) = parsed.rules.iter().position(|r| r.targets == [".DEFAULT"])
        {
            rules.push((i, None));
        }
        for (i, stem) in rules {
            for prerequisite in expander.prerequisites(&parsed.rules[i], stem.as_deref()) {
                match prerequisite {
                    Some(p) => queue.push_back(p),
                    // Only known at run time: whatever it is, a pattern rule makes it.
                    None => {
                        for p in parsed.rules.iter().flat_map(|r| &r.targets) {
                            if p.contains('%') {
                                queue.push_back(p.replace('%', "stem"));
                            }
                        }
                    }
                }
            }
            chosen.push((i, target.clone(), stem));
        }
    }
    for (i, target, stem) in chosen {
        let rule = parsed.rules[i].automatic(Some((&target, stem.as_deref())));
        for recipe in parsed
            .recipes
            .iter()
            .filter(|r| r.rule.id == parsed.rules[i].id)
        {
            recipe_commands(&parsed, recipe, &rule, &mut expander, &mut out.commands);
        }
    }
    parse_time_commands(&parsed, &mut expander, &mut out.commands);
    out.commands
        .retain(|c| !c.command.as_str().trim().is_empty());
    Ok(out)
}

/// The names a Makefile includes, in order: `(offset just past the include line, names,
/// optional)`. A name with a `$` or a glob is returned as written.
pub fn includes(text: &str) -> Vec<(usize, Vec<String>, bool)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        offset += line.len();
        let content = without_comment(line.trim_end());
        let mut words = content.split_whitespace();
        let optional = match words.next() {
            Some("include") => false,
            Some("-include" | "sinclude") => true,
            _ => continue,
        };
        out.push((offset, words.map(str::to_owned).collect(), optional));
    }
    out
}

/// `$*` of `target` made by the pattern `pattern` (`%.o` makes `main.o` with `main`).
fn stem(pattern: &str, target: &str) -> Option<String> {
    let (before, after) = pattern.split_once('%')?;
    let stem = target.strip_prefix(before)?.strip_suffix(after)?;
    (!stem.is_empty()).then(|| stem.to_owned())
}

/// The commands of one recipe, as `rule` (its automatic variables) runs them.
fn recipe_commands(
    parsed: &Parsed,
    recipe: &Recipe,
    rule: &Automatic,
    expander: &mut Expander,
    out: &mut Vec<Command>,
) {
    let lines: Vec<MappedText> = recipe
        .lines
        .iter()
        .map(|l| strip_prefixes(&expander.expand(l, Some(rule), 0)))
        .collect();
    let origin = format!("recipe for {}", rule.target);
    let command = |command| Command {
        command,
        origin: origin.clone(),
        target: Some(rule.target.clone()),
    };
    if parsed.oneshell {
        let mut script = MappedText::new();
        for line in &lines {
            if !script.is_empty() {
                script.push_synthetic(line.start(), "\n");
            }
            script.push_mapped(line);
        }
        out.push(command(script));
    } else {
        out.extend(lines.into_iter().map(command));
    }
}

/// What runs while make reads the file: `VAR != command`, and `$(shell ...)` in
/// assignments (and in recipes already expanded).
fn parse_time_commands(parsed: &Parsed, expander: &mut Expander, out: &mut Vec<Command>) {
    for (name, command) in &parsed.shell_assignments {
        let command = expander.expand(command, None, 0);
        out.push(Command {
            command,
            origin: format!("{name} != …"),
            target: None,
        });
    }
    // `$(shell ...)` met in assignments (reading each once) and recipes.
    let mut names: Vec<&String> = parsed.vars.keys().collect();
    names.sort();
    for name in names {
        expander.expand(&parsed.vars[name], None, 0);
    }
    let mut calls = std::mem::take(&mut expander.shell_calls);
    calls.sort_by_key(|c| c.start());
    let mut seen = HashSet::new();
    for command in calls {
        if seen.insert((command.start(), command.as_str().to_owned())) {
            out.push(Command {
                command,
                origin: "$(shell …)".to_owned(),
                target: None,
            });
        }
    }
}

/// A rule line: its targets and prerequisites as written (expanded when used).
#[derive(Debug, Clone, Default)]
struct Rule {
    /// Which rule line of the file this is (two rules may name the same target).
    id: usize,
    targets: Vec<String>,
    /// The prerequisites, normal then order-only (after `|`), as written.
    prerequisites: MappedText,
}

/// A rule's automatic variables, as one of its targets is made.
#[derive(Debug, Clone, Default)]
struct Automatic {
    target: String,
    prerequisites: Vec<String>,
    stem: String,
}

impl Rule {
    /// The automatic variables as `made` (a target, and the stem of a pattern rule)
    /// is made; its first target, unexpanded, when none is given (`scan`).
    fn automatic(&self, made: Option<(&str, Option<&str>)>) -> Automatic {
        let written = self.prerequisites.as_str();
        let normal = written.split('|').next().unwrap_or("");
        let stem = made.and_then(|(_, s)| s).unwrap_or("stem");
        Automatic {
            target: made
                .map(|(t, _)| t.to_owned())
                .or_else(|| self.targets.first().cloned())
                .unwrap_or_default(),
            prerequisites: normal
                .split_whitespace()
                .map(|p| p.replace('%', stem))
                .collect(),
            stem: stem.to_owned(),
        }
    }
}

#[derive(Debug)]
struct Recipe {
    rule: Rule,
    /// Logical recipe lines, prefix character removed, continuations kept.
    lines: Vec<MappedText>,
}

#[derive(Debug, Default)]
struct Parsed {
    /// Variable values as written (expanded when used, as make does).
    vars: HashMap<String, MappedText>,
    rules: Vec<Rule>,
    recipes: Vec<Recipe>,
    shell_assignments: Vec<(String, MappedText)>,
    oneshell: bool,
    /// Variables whose value depends on a condition or a target (assigned inside
    /// `ifeq`/`ifdef`, or `target: VAR = value`).
    ambiguous: HashSet<String>,
    /// Variables assigned with `override`, which the command line does not change.
    overridden: HashSet<String>,
    /// Variables assigned with `?=`, which the environment beats.
    defaulted: HashSet<String>,
}

impl Parsed {
    fn rule_has_recipe(&self, i: usize) -> bool {
        let id = self.rules[i].id;
        self.recipes.iter().any(|r| r.rule.id == id)
    }
}

fn parse(text: &str) -> Parsed {
    let mut offset = 0;
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .map(|l| {
            let at = offset;
            offset += l.len();
            (at, l.trim_end_matches('\n').trim_end_matches('\r'))
        })
        .collect();

    let mut parsed = Parsed::default();
    let mut prefix = '\t';
    let mut rule: Option<Rule> = None;
    let mut define: Option<(String, MappedText)> = None;
    let mut rules_seen = 0;
    // How deep in `ifeq`/`ifdef` blocks the line is.
    let mut conditional = 0usize;
    let mut i = 0;
    while i < lines.len() {
        let (at, line) = lines[i];
        i += 1;

        if let Some((_, body)) = &mut define {
            if line.trim() == "endef" {
                let (name, value) = define.take().expect("inside define");
                if conditional > 0 {
                    parsed.ambiguous.insert(name.clone());
                }
                parsed.vars.insert(name, value);
            } else {
                if !body.is_empty() {
                    body.push_synthetic(at, "\n");
                }
                body.push_verbatim(at, line);
            }
            continue;
        }

        if let Some(r) = &rule
            && line.starts_with(prefix)
        {
            // A recipe line, with continuations passed on as they are.
            let mut logical =
                MappedText::verbatim(at + prefix.len_utf8(), &line[prefix.len_utf8()..]);
            let mut last = line;
            while continues(last) && i < lines.len() {
                let (next_at, next) = lines[i];
                i += 1;
                logical.push_synthetic(next_at, "\n");
                let body = next.strip_prefix(prefix).unwrap_or(next);
                logical.push_verbatim(next_at + (next.len() - body.len()), body);
                last = next;
            }
            match parsed.recipes.last_mut() {
                Some(recipe) if recipe.rule.id == r.id => recipe.lines.push(logical),
                _ => parsed.recipes.push(Recipe {
                    rule: r.clone(),
                    lines: vec![logical],
                }),
            }
            continue;
        }

        // Any other line: join continuations with a space, as make does.
        let mut logical = MappedText::verbatim(at, line);
        let mut last = line;
        while continues(last) && i < lines.len() {
            let (next_at, next) = lines[i];
            i += 1;
            let kept = logical.len() - 1;
            let mut joined = MappedText::new();
            joined.push_slice(&logical, 0..kept);
            joined.push_synthetic(next_at, " ");
            let body = next.trim_start();
            joined.push_verbatim(next_at + (next.len() - body.len()), body);
            logical = joined;
            last = next;
        }
        let content = without_comment(logical.as_str());
        let trimmed = content.trim();
        if trimmed.is_empty() {
            continue;
        }
        let first_word = trimmed.split_whitespace().next().unwrap_or("");
        match first_word {
            "ifeq" | "ifneq" | "ifdef" | "ifndef" => {
                conditional += 1;
                continue;
            }
            "else" => continue,
            "endif" => {
                conditional = conditional.saturating_sub(1);
                continue;
            }
            "define" => {
                let name = trimmed["define".len()..]
                    .trim()
                    .trim_end_matches(['=', ':', '?', '+', '!'])
                    .trim()
                    .to_owned();
                define = Some((name, MappedText::new()));
                rule = None;
                continue;
            }
            "include" | "-include" | "sinclude" | "vpath" | "unexport" => {
                rule = None;
                continue;
            }
            _ => {}
        }
        let lead = content.len() - content.trim_start().len();
        if let Some(a) = assignment(trimmed) {
            rule = None;
            let value_at = lead + a.value_start;
            let mut value = MappedText::new();
            value.push_slice(&logical, value_at..lead + trimmed.len());
            let value = value.trim();
            if conditional > 0 {
                parsed.ambiguous.insert(a.name.clone());
            }
            if trimmed.starts_with("override") {
                parsed.overridden.insert(a.name.clone());
            }
            if a.op == "?=" {
                parsed.defaulted.insert(a.name.clone());
            }
            match a.op {
                "!=" => {
                    parsed
                        .shell_assignments
                        .push((a.name.clone(), value.clone()));
                }
                "?=" if parsed.vars.contains_key(&a.name) => {}
                "+=" => match parsed.vars.get_mut(&a.name) {
                    Some(v) => {
                        v.push_synthetic(value.start(), " ");
                        v.push_mapped(&value);
                    }
                    None => {
                        parsed.vars.insert(a.name.clone(), value.clone());
                    }
                },
                _ => {
                    parsed.vars.insert(a.name.clone(), value.clone());
                }
            }
            if a.name == ".RECIPEPREFIX" {
                prefix = value.as_str().chars().next().unwrap_or('\t');
            }
            continue;
        }
        if let Some(colon) = rule_colon(trimmed) {
            let targets = trimmed[..colon].trim();
            let after = trimmed[colon..].trim_start_matches(':');
            let (deps, inline) = match after.find(';') {
                Some(semi) => (&after[..semi], Some(semi)),
                None => (after, None),
            };
            if targets.split_whitespace().any(|t| t == ".ONESHELL") {
                parsed.oneshell = true;
            }
            // `target: VAR = value` sets a variable for the target; no recipe follows.
            if let Some(a) = assignment(deps.trim()) {
                parsed.ambiguous.insert(a.name);
                rule = None;
                continue;
            }
            rules_seen += 1;
            let deps_at = lead + (trimmed.len() - after.len());
            let mut prerequisites = MappedText::new();
            prerequisites.push_slice(&logical, deps_at..deps_at + deps.len());
            let r = Rule {
                id: rules_seen,
                targets: targets
                    .trim_end_matches('&')
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                prerequisites,
            };
            parsed.rules.push(r.clone());
            if let Some(semi) = inline {
                let start = lead + (trimmed.len() - after.len()) + semi + 1;
                let mut recipe = MappedText::new();
                recipe.push_slice(&logical, start..logical.len());
                parsed.recipes.push(Recipe {
                    rule: r.clone(),
                    lines: vec![recipe.trim()],
                });
            }
            rule = Some(r);
            continue;
        }
        rule = None;
    }
    parsed
}

/// A line ending in an odd number of backslashes continues on the next.
fn continues(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// The line without a `#` comment (make's `\#` is a literal `#`).
fn without_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1] != b'\\') {
            return &line[..i];
        }
    }
    line
}

struct Assignment {
    name: String,
    op: &'static str,
    /// Byte offset of the value in the (trimmed) line.
    value_start: usize,
}

/// `NAME = v`, `NAME := v`, `NAME ::= v`, `NAME ?= v`, `NAME += v`, `NAME != cmd`,
/// with `override`/`export`/`private` in front.
fn assignment(line: &str) -> Option<Assignment> {
    const OPS: [&str; 7] = [":::=", "::=", ":=", "?=", "+=", "!=", "="];
    let mut rest = line;
    for word in ["override", "export", "private"] {
        if let Some(r) = rest
            .strip_prefix(word)
            .filter(|r| r.starts_with([' ', '\t']))
        {
            rest = r.trim_start();
        }
    }
    let name_end = rest.find(|c: char| c.is_whitespace() || "=:?+!#;".contains(c))?;
    let name = &rest[..name_end];
    let after = rest[name_end..].trim_start();
    let op = OPS.into_iter().find(|op| after.starts_with(op))?;
    if name.is_empty() {
        return None;
    }
    Some(Assignment {
        name: name.to_owned(),
        op,
        value_start: (line.len() - after.len()) + op.len(),
    })
}

/// The `:` that makes a line a rule (not inside `$(...)`, not part of `:=`).
fn rule_colon(line: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in line.char_indices() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Make's own prefixes on a recipe line: `@` (silent), `-` (ignore errors), `+` (run
/// under -n).
fn strip_prefixes(line: &MappedText) -> MappedText {
    let s = line.as_str();
    let skip = s.len()
        - s.trim_start_matches(|c: char| c == '@' || c == '-' || c == '+' || c.is_whitespace())
            .len();
    let mut out = MappedText::new();
    out.push_slice(line, skip..s.len());
    out
}

/// Variables make knows without being told.
fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "MAKE" => "make",
        "RM" => "rm -f",
        "CC" => "cc",
        "CXX" => "g++",
        "CPP" => "cc -E",
        "AR" => "ar",
        "AS" => "as",
        "LD" => "ld",
        "LEX" => "lex",
        "YACC" => "yacc",
        "SHELL" => "/bin/sh",
        "CURDIR" => ".",
        _ => return None,
    })
}

/// How many bytes variable values may add in all, so that a Makefile whose variables
/// refer to each other many times over cannot blow up: past it, references become
/// placeholders.
const EXPANSION_BUDGET: usize = 1 << 20;

struct Expander<'a> {
    vars: &'a HashMap<String, MappedText>,
    unknown: Unknown,
    /// Arguments of `$(shell ...)` calls met while expanding, with their origins.
    shell_calls: Vec<MappedText>,
    /// What is left of [`EXPANSION_BUDGET`].
    budget: usize,
    /// Whether a value the file does not show was written since [`Self::take_unknown`].
    met_unknown: bool,
}

impl<'a> Expander<'a> {
    fn new(vars: &'a HashMap<String, MappedText>, unknown: Unknown) -> Self {
        Expander {
            vars,
            unknown,
            shell_calls: Vec::new(),
            budget: EXPANSION_BUDGET,
            met_unknown: false,
        }
    }

    /// Whether a value the file does not show was written since the last call.
    fn take_unknown(&mut self) -> bool {
        std::mem::take(&mut self.met_unknown)
    }

    /// The value of `SHELL`, expanded, when the Makefile sets it.
    fn shell(&mut self, parsed: &Parsed) -> Option<String> {
        let v = parsed.vars.get("SHELL")?;
        Some(self.expand(v, None, 0).as_str().trim().to_owned())
    }

    /// The targets of `rule`, expanded.
    fn targets(&mut self, rule: &Rule) -> Vec<String> {
        let mut out = Vec::new();
        for t in &rule.targets {
            let expanded = self.expand(&MappedText::verbatim(0, t), None, 0);
            out.extend(expanded.as_str().split_whitespace().map(str::to_owned));
        }
        self.take_unknown();
        out
    }

    /// The prerequisites of `rule` (normal and order-only) made with the pattern
    /// rule's `stem`, expanded; `None` for one only known at run time.
    fn prerequisites(&mut self, rule: &Rule, stem: Option<&str>) -> Vec<Option<String>> {
        let mut out = Vec::new();
        let expanded = self.expand(&rule.prerequisites, None, 0);
        if self.take_unknown() {
            out.push(None);
        }
        for p in expanded.as_str().split_whitespace() {
            if p == "|" || p.contains("${") {
                continue;
            }
            out.push(Some(match stem {
                Some(stem) => p.replace('%', stem),
                None => p.to_owned(),
            }));
        }
        out
    }

    /// How a value the file does not show is written: the variable `name`, or the
    /// result of the function `name` when `function`.
    fn unknown_value(&mut self, name: &str, function: bool) -> String {
        self.met_unknown = true;
        match self.unknown {
            Unknown::Placeholder => format!("_{name}_"),
            Unknown::Shell => {
                let identifier = !function
                    && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if identifier {
                    format!("${{{name}}}")
                } else {
                    let clean: String = name
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .map(|c| c.to_ascii_uppercase())
                        .collect();
                    format!("${{MAKE_{clean}}}")
                }
            }
        }
    }

    /// `text` with make's references expanded (see the module documentation).
    fn expand(&mut self, text: &MappedText, rule: Option<&Automatic>, depth: usize) -> MappedText {
        let s = text.as_str();
        let bytes = s.as_bytes();
        let mut out = MappedText::new();
        let mut at = 0;
        while let Some(dollar) = s[at..].find('$').map(|i| at + i) {
            out.push_slice(text, at..dollar);
            let origin = text.origin(dollar);
            match bytes.get(dollar + 1) {
                Some(b'$') => {
                    out.push_slice(text, dollar..dollar + 1);
                    at = dollar + 2;
                }
                Some(&open @ (b'(' | b'{')) => {
                    let close = if open == b'(' { b')' } else { b'}' };
                    let Some(end) = matching(bytes, dollar + 1, open, close) else {
                        out.push_slice(text, dollar..s.len());
                        return out;
                    };
                    let inner = &s[dollar + 2..end];
                    let reference = origin..text.origin(end) + 1;
                    at = end + 1;
                    if let Some((function, _)) = inner.split_once(char::is_whitespace)
                        && !function.contains(['$', ':', '='])
                    {
                        if function == "shell" && depth < 10 {
                            let mut arg = MappedText::new();
                            let arg_start = dollar + 2 + function.len();
                            arg.push_slice(text, arg_start..end);
                            let command = self.expand(&arg.trim(), rule, depth + 1);
                            self.shell_calls.push(command);
                        }
                        let value = self.unknown_value(function, true);
                        out.push_replacement(reference, &value);
                        continue;
                    }
                    // `$(VAR:.c=.o)`: the variable's value is close enough.
                    let name = inner.split(':').next().unwrap_or(inner);
                    self.variable(name, reference, rule, depth, &mut out);
                }
                Some(&c) if c.is_ascii() && !c.is_ascii_whitespace() => {
                    let name = (c as char).to_string();
                    at = dollar + 2;
                    let reference = origin..text.origin(dollar + 1) + 1;
                    self.variable(&name, reference, rule, depth, &mut out);
                }
                _ => {
                    out.push_slice(text, dollar..dollar + 1);
                    at = dollar + 1;
                }
            }
        }
        out.push_slice(text, at..s.len());
        out
    }

    /// Append the value of the variable `name`, referred to at `reference` in the file.
    fn variable(
        &mut self,
        name: &str,
        reference: std::ops::Range<usize>,
        rule: Option<&Automatic>,
        depth: usize,
        out: &mut MappedText,
    ) {
        let automatic = rule.and_then(|r| {
            let mut chars = name.chars();
            let value = match chars.next()? {
                '@' => r.target.clone(),
                '<' => r.prerequisites.first().cloned().unwrap_or_default(),
                '^' | '+' | '?' => r.prerequisites.join(" "),
                '*' => r.stem.clone(),
                _ => return None,
            };
            // `$(@D)` and `$(@F)`: the directory and file parts.
            match chars.as_str() {
                "" => Some(value),
                "D" => Some(match value.rsplit_once('/') {
                    Some((d, _)) => d.to_owned(),
                    None => ".".to_owned(),
                }),
                "F" => Some(value.rsplit('/').next().unwrap_or("").to_owned()),
                _ => None,
            }
        });
        let value = if let Some(value) = automatic {
            value
        } else if let Some(var) = self
            .vars
            .get(name)
            .filter(|v| depth < 10 && v.len() <= self.budget)
        {
            // The value runs here: point at the reference, not the definition.
            let value = self.expand(var, rule, depth + 1).as_str().to_owned();
            self.budget = self.budget.saturating_sub(value.len());
            value
        } else if let Some(value) = builtin(name) {
            value.to_owned()
        } else {
            self.unknown_value(name, false)
        };
        out.push_replacement(reference, &value);
    }
}

/// The index of the bracket closing the one at `open_at`.
fn matching(bytes: &[u8], open_at: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(open_at) {
        if b == open {
            depth += 1;
        } else if b == close {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(src: &str) -> Vec<(String, String)> {
        extract(src)
            .commands
            .into_iter()
            .map(|c| (c.origin, c.command.as_str().to_owned()))
            .collect()
    }

    #[test]
    fn recipes_with_variables_and_prefixes() {
        let src = "\
BUILD := build
OUT = $(BUILD)/bin
CFLAGS += -O2
.PHONY: all clean

all: main.c util.c
\t@$(CC) $(CFLAGS) -o $(OUT)/app $^ # compile
\t-echo \"$$HOME\" $(LDFLAGS)

clean:
\t$(RM) -r $(OUT) \\
\t  $(wildcard *.o)
install: all ; install -m 755 $(OUT)/app $(DESTDIR)/usr/local/bin
";
        assert_eq!(
            commands(src),
            vec![
                (
                    "recipe for all".into(),
                    "cc -O2 -o build/bin/app main.c util.c # compile".into()
                ),
                ("recipe for all".into(), "echo \"$HOME\" _LDFLAGS_".into()),
                (
                    "recipe for clean".into(),
                    "rm -f -r build/bin \\\n  _wildcard_".into()
                ),
                (
                    "recipe for install".into(),
                    "install -m 755 build/bin/app _DESTDIR_/usr/local/bin".into()
                ),
            ]
        );
    }

    #[test]
    fn positions_point_at_the_recipe() {
        let src = "x:\n\t@echo hi\n\trm -rf \\\n\t  ~\n";
        let e = extract(src);
        // 1-based line and column of a byte offset.
        let position = |offset: usize| {
            let before = &src[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            (line, column)
        };
        let rm = &e.commands[1].command;
        assert_eq!(position(rm.origin(0)), (3, 2));
        assert_eq!(position(rm.origin(rm.as_str().find('~').unwrap())), (4, 4));
        assert_eq!(position(e.commands[0].command.origin(0)), (2, 3));

        // A substituted value spans its reference.
        let src = "D := /\nx:\n\trm -rf $(D)\n";
        let rm = extract(src).commands.remove(0).command;
        assert_eq!(rm.as_str(), "rm -rf /");
        assert_eq!(&src[rm.origin(7)..=rm.origin(7)], ")");
    }

    #[test]
    fn shell_assignments_and_calls_are_commands() {
        let src = "\
REV != git rev-parse HEAD
FILES := $(shell find . -name '*.c')
.RECIPEPREFIX = >
t:
> echo $(REV)
";
        let got = commands(src);
        assert!(
            got.contains(&("REV != …".into(), "git rev-parse HEAD".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("$(shell …)".into(), "find . -name '*.c'".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("recipe for t".into(), "echo _REV_".into())),
            "{got:?}"
        );
    }

    #[test]
    fn expansion_is_bounded() {
        let mut src = String::from("V0 := x\n");
        for i in 1..10 {
            let refs = format!("$(V{}) ", i - 1).repeat(50);
            src.push_str(&format!("V{i} = {refs}\n"));
        }
        src.push_str("t:\n\techo $(V9)\n");
        let e = extract(&src);
        assert!(e.commands[0].command.len() <= 2 * EXPANSION_BUDGET);
        assert!(
            e.commands[0].command.as_str().contains("_V"),
            "placeholders past the budget"
        );
    }

    #[test]
    fn oneshell_joins_a_recipe() {
        let src = ".ONESHELL:\nt:\n\tcd sub\n\t@rm -rf ~\n";
        assert_eq!(
            commands(src),
            vec![("recipe for t".into(), "cd sub\nrm -rf ~".into())]
        );
    }

    #[test]
    fn lines_that_are_not_recipes() {
        let src = "\
define HELP
\trm -rf ~
endef
\tindented = not a recipe
ifeq ($(X),1)
y: ; @true
endif
";
        assert_eq!(commands(src), vec![("recipe for y".into(), "true".into())]);
    }

    fn planned(src: &str, goals: &[&str], overrides: &[(&str, &str)]) -> Vec<(String, usize)> {
        let goals: Vec<String> = goals.iter().map(|g| g.to_string()).collect();
        let overrides: Vec<(String, Option<String>)> = overrides
            .iter()
            .map(|(n, v)| (n.to_string(), Some(v.to_string())))
            .collect();
        plan(src, &goals, &overrides, &[])
            .unwrap()
            .commands
            .into_iter()
            .map(|c| {
                let line = src[..c.command.start()].matches('\n').count() + 1;
                (c.command.as_str().to_owned(), line)
            })
            .collect()
    }

    #[test]
    fn plan_every_runs_each_recipe_once() {
        let src = "\
OUT = dist
all: build
build:
\tcc -o $(OUT)/x x.c
clean:
\trm -rf $(OUT) $(TMP)
%.o: %.c
\tcc -c $< -o $@
lib: | dir
";
        let got: Vec<String> = plan_every(src, &[], &[])
            .unwrap()
            .commands
            .into_iter()
            .map(|c| c.command.as_str().to_owned())
            .collect();
        assert_eq!(
            got,
            vec![
                "cc -o dist/x x.c",
                "rm -rf dist ${TMP}",
                "cc -c stem.c -o stem.o"
            ]
        );
        assert!(plan_every("$(eval x)\n", &[], &[]).is_err());
    }

    #[test]
    fn plan_runs_the_goals_and_their_prerequisites() {
        let src = "\
.PHONY: all build clean
all: build
build: out | dir
\tcc -o out main.c
dir:
\tmkdir -p out
clean:
\trm -rf ~/.ssh
";
        let s = |c: &str, l: usize| (c.to_owned(), l);
        assert_eq!(
            planned(src, &[], &[]),
            vec![s("cc -o out main.c", 4), s("mkdir -p out", 6)]
        );
        assert_eq!(planned(src, &["clean"], &[]), vec![s("rm -rf ~/.ssh", 8)]);
        assert_eq!(planned(src, &["missing"], &[]), vec![]);
        // A pattern rule makes a prerequisite no explicit rule has a recipe for.
        let src = "app: main.o\n\tcc -o $@ $^\n%.o: %.c\n\tcc -c $< -o $@\n";
        assert_eq!(
            planned(src, &[], &[]),
            vec![s("cc -o app main.o", 2), s("cc -c main.c -o main.o", 4)]
        );
        assert_eq!(
            planned(".DEFAULT_GOAL := b\na:\n\techo a\nb:\n\techo b\n", &[], &[]),
            vec![s("echo b", 5)]
        );
    }

    #[test]
    fn plan_writes_what_the_file_does_not_show_as_unknown() {
        let src = "\
ifeq ($(OS),x)
D := /
else
D := build
endif
OUT ?= dist
clean:
\trm -rf $(D) $(OUT) $(BUILD)/ $(wildcard *.o)
";
        assert_eq!(
            planned(src, &["clean"], &[]),
            vec![("rm -rf ${D} dist ${BUILD}/ ${MAKE_WILDCARD}".to_owned(), 8)]
        );
        assert_eq!(
            planned(src, &["clean"], &[("BUILD", "~"), ("OUT", "/")]),
            vec![("rm -rf ${D} / ~/ ${MAKE_WILDCARD}".to_owned(), 8)]
        );
        let env = [("OUT".to_owned(), Some("~".to_owned()))];
        let got = plan(src, &["clean".to_owned()], &[], &env).unwrap();
        assert!(got.commands[0].command.as_str().contains(" ~ "));
        assert!(plan("x:\n\t$(eval A=1)\n", &[], &[], &[]).is_err());
    }
}
