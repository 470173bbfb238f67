//! Makefiles: recipe lines, `VAR != command` and `$(shell command)`.
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
//!   `$(RM)`, `$(CC)`, ...) and automatic variables (`$@` the first target, `$<` the first
//!   prerequisite, `$^` all of them);
//! - anything else (from the environment, the command line or an included file) and
//!   function calls become the neutral word `_NAME_` (`_wildcard_` for a call). A value
//!   the Makefile does not show cannot be judged, and guessing it (empty, as make would
//!   without an environment) would turn every `rm -rf $(BUILD)/` into `rm -rf /`: the
//!   placeholder keeps findings to what the file itself says.

use std::collections::HashMap;

use super::{Cwd, Extracted, Extraction, Shell};
use crate::bouncer::scan::location::MappedText;

pub fn extract(text: &str) -> Extraction {
    let parsed = parse(text);
    let mut expander = Expander {
        vars: &parsed.vars,
        shell_calls: Vec::new(),
        budget: EXPANSION_BUDGET,
    };
    let shell = parsed
        .vars
        .get("SHELL")
        .map(|v| {
            let argv: Vec<String> = v.as_str().split_whitespace().map(str::to_owned).collect();
            Shell::from_argv(&argv)
        })
        .unwrap_or(Shell::Posix);

    let mut out = Extraction::default();
    for recipe in &parsed.recipes {
        let lines: Vec<MappedText> = recipe
            .lines
            .iter()
            .map(|l| strip_prefixes(&expander.expand(l, Some(&recipe.rule), 0)))
            .collect();
        let origin = format!("recipe for {}", recipe.rule.target);
        if parsed.oneshell {
            let mut script = MappedText::new();
            for line in &lines {
                if !script.is_empty() {
                    script.push_synthetic(line.start(), "\n");
                }
                script.push_mapped(line);
            }
            out.commands.push(extracted(script, &shell, origin));
        } else {
            for line in lines {
                out.commands.push(extracted(line, &shell, origin.clone()));
            }
        }
    }
    for (name, command) in &parsed.shell_assignments {
        let command = expander.expand(command, None, 0);
        out.commands
            .push(extracted(command, &Shell::Posix, format!("{name} != …")));
    }
    // `$(shell ...)` met in assignments (reading each once) and recipes.
    for value in parsed.vars.values() {
        expander.expand(value, None, 0);
    }
    let mut calls = std::mem::take(&mut expander.shell_calls);
    calls.sort_by_key(|c| c.start());
    let mut seen = std::collections::HashSet::new();
    for command in calls {
        if seen.insert((command.start(), command.as_str().to_owned())) {
            out.commands
                .push(extracted(command, &Shell::Posix, "$(shell …)".to_owned()));
        }
    }
    out
}

fn extracted(command: MappedText, shell: &Shell, origin: String) -> Extracted {
    Extracted {
        shell: shell.clone(),
        command,
        cwd: Cwd::FileDir,
        origin,
    }
}

/// A rule's targets and prerequisites, for automatic variables.
#[derive(Debug, Clone, Default)]
struct Rule {
    /// Which rule line of the file this is (two rules may name the same target).
    id: usize,
    target: String,
    prerequisites: Vec<String>,
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
    recipes: Vec<Recipe>,
    shell_assignments: Vec<(String, MappedText)>,
    oneshell: bool,
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
    let mut i = 0;
    while i < lines.len() {
        let (at, line) = lines[i];
        i += 1;

        if let Some((_, body)) = &mut define {
            if line.trim() == "endef" {
                let (name, value) = define.take().expect("inside define");
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
            "ifeq" | "ifneq" | "ifdef" | "ifndef" | "else" | "endif" => continue,
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
            if assignment(deps.trim()).is_some() {
                rule = None;
                continue;
            }
            rules_seen += 1;
            let r = Rule {
                id: rules_seen,
                target: targets.split_whitespace().next().unwrap_or("").to_owned(),
                prerequisites: deps
                    .split('|')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            };
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
    /// Arguments of `$(shell ...)` calls met while expanding, with their origins.
    shell_calls: Vec<MappedText>,
    /// What is left of [`EXPANSION_BUDGET`].
    budget: usize,
}

impl Expander<'_> {
    /// `text` with make's references expanded (see the module documentation).
    fn expand(&mut self, text: &MappedText, rule: Option<&Rule>, depth: usize) -> MappedText {
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
                        out.push_replacement(reference, &format!("_{function}_"));
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
        rule: Option<&Rule>,
        depth: usize,
        out: &mut MappedText,
    ) {
        let automatic = rule.and_then(|r| match name {
            "@" => Some(r.target.clone()),
            "<" => Some(r.prerequisites.first().cloned().unwrap_or_default()),
            "^" | "+" | "?" => Some(r.prerequisites.join(" ")),
            "*" => Some("stem".to_owned()),
            _ => None,
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
            format!("_{name}_")
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
    use crate::bouncer::scan::location::LineIndex;

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
        let idx = LineIndex::new(src);
        let rm = &e.commands[1].command;
        let p = idx.position(rm.origin(0));
        assert_eq!((p.line, p.column), (3, 2));
        let home = idx.position(rm.origin(rm.as_str().find('~').unwrap()));
        assert_eq!((home.line, home.column), (4, 4));
        let echo = idx.position(e.commands[0].command.origin(0));
        assert_eq!((echo.line, echo.column), (2, 3));

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
}
