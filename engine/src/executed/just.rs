//! The recipes `just` runs, judged: a small reader of justfiles (recipes with their
//! parameters and dependencies, `@`/`-` line prefixes, string variables, backticks,
//! `#!` recipes run by their interpreter, `import`ed justfiles), bounded in what it
//! follows.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::judge::{FileVerdict, by_first_line, judge_text, line_of};
use super::target::{Runs, RunsAs, shell_dialect};
use super::tasks::TargetRun;
use crate::engine::Evaluation;

/// Most recipes one `just` runs that the bouncer follows.
const MAX_RECIPES: usize = 64;
/// Most justfiles one justfile imports, all levels together.
const MAX_IMPORTS: usize = 16;
/// Deepest chain of imports followed.
const MAX_IMPORT_DEPTH: usize = 4;

#[derive(Debug, Default, Clone)]
struct Recipe {
    name: String,
    /// The file it is in ([`Justfile::sources`]).
    file: usize,
    /// `(name, variadic)`, and how many are required.
    params: Vec<(String, bool)>,
    before: Vec<String>,
    after: Vec<String>,
    /// Body lines: offset in the file and text, indentation removed.
    body: Vec<(usize, String)>,
    /// Run as one script (`#!` first line, or `[script]`).
    script: bool,
}

#[derive(Debug, Default)]
struct Justfile {
    /// The justfile and those it imports: as shown, and their text.
    sources: Vec<(String, String)>,
    /// In the order they are defined, imports in place. A name may be defined twice
    /// (`set allow-duplicate-recipes`): every definition is judged.
    recipes: Vec<Recipe>,
    /// `alias name := recipe`, every one (a name may be given twice too).
    aliases: Vec<(String, String)>,
    /// Variables with a literal value (`None`: only known at run time).
    vars: HashMap<String, Option<String>>,
    /// Backtick commands, run when the justfile is evaluated: file, offset and text.
    backticks: Vec<(usize, usize, String)>,
    /// A default recipe named by `[default]`.
    default: Option<String>,
}

/// Read the justfile `shown` at `path` (`None`: no file on disk, so imports cannot be
/// followed) with its imports; `Err` for what the bouncer does not follow.
fn parse(shown: &str, text: &str, path: Option<&Path>) -> Result<Justfile, String> {
    let mut jf = Justfile::default();
    let mut imports = 0;
    read_into(&mut jf, shown, text, path, 0, &mut imports)?;
    Ok(jf)
}

/// Read one justfile into `jf`, its imports read in where they are.
fn read_into(
    jf: &mut Justfile,
    shown: &str,
    text: &str,
    path: Option<&Path>,
    depth: usize,
    imports: &mut usize,
) -> Result<(), String> {
    let file = jf.sources.len();
    jf.sources.push((shown.to_owned(), text.to_owned()));
    let mut offset = 0;
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .map(|l| {
            let at = offset;
            offset += l.len();
            (at, l.trim_end_matches(['\n', '\r']))
        })
        .collect();
    let mut attributes: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (at, line) = lines[i];
        i += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // An indented line outside a recipe: a continuation the reader does not follow.
            continue;
        }
        if trimmed.starts_with('[') {
            attributes.push(trimmed.to_owned());
            continue;
        }
        let first = trimmed.split_whitespace().next().unwrap_or("");
        match first {
            "import" | "import?" => {
                let optional = first == "import?";
                let literal = string_literal(trimmed[first.len()..].trim());
                let (Some(name), Some(path)) = (literal, path) else {
                    return Err(format!(
                        "`{shown}` line {} loads a justfile it does not name plainly (`{trimmed}`)",
                        line_of(text, at)
                    ));
                };
                if name.starts_with('~') {
                    return Err(format!("`{shown}` imports `{name}`, outside the project"));
                }
                let imported = path.parent().unwrap_or(Path::new(".")).join(&name);
                let imported_text = match crate::disk::read_text(&imported) {
                    Ok(Some(t)) => t,
                    // A missing optional import is nothing; a missing one stops just
                    // before anything runs, which the bouncer does not rely on.
                    Ok(None) if optional => continue,
                    Ok(None) => {
                        return Err(format!("`{shown}` imports `{name}`, which is not there"));
                    }
                    Err(e) => return Err(format!("`{name}`, which `{shown}` imports: {e}")),
                };
                *imports += 1;
                if *imports > MAX_IMPORTS || depth >= MAX_IMPORT_DEPTH {
                    return Err(format!(
                        "it imports more than {MAX_IMPORTS} justfiles, or imports nest too deep"
                    ));
                }
                let imported_shown = match Path::new(shown).parent() {
                    Some(p) if !p.as_os_str().is_empty() => format!("{}/{name}", p.display()),
                    _ => name.clone(),
                };
                read_into(
                    jf,
                    &imported_shown,
                    &imported_text,
                    Some(&imported),
                    depth + 1,
                    imports,
                )?;
                continue;
            }
            "mod" | "mod?" => {
                return Err(format!(
                    "`{shown}` line {} loads a module, which the bouncer does not read (`{trimmed}`)",
                    line_of(text, at)
                ));
            }
            "set" => {
                let rest = trimmed["set".len()..].trim();
                if let Some(value) = rest.strip_prefix("shell").map(str::trim)
                    && let Some(value) = value.strip_prefix(":=")
                {
                    let program = value
                        .trim()
                        .trim_start_matches('[')
                        .split(',')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .trim_matches(['"', '\'']);
                    let name = program.rsplit('/').next().unwrap_or(program);
                    if shell_dialect(name) != RunsAs::Shell {
                        return Err(format!("its recipes run in `{program}`"));
                    }
                }
                if rest.starts_with("script-interpreter") || rest.starts_with("dotenv-load") {
                    // `[script]` recipes by another interpreter; values from `.env`.
                    if rest.starts_with("script-interpreter") {
                        return Err("it sets `script-interpreter`".to_owned());
                    }
                }
                continue;
            }
            "alias" => {
                if let Some((name, target)) = trimmed["alias".len()..].split_once(":=") {
                    jf.aliases
                        .push((name.trim().to_owned(), target.trim().to_owned()));
                }
                continue;
            }
            _ => {}
        }
        let decl = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        if let Some((name, value)) = decl.split_once(":=")
            && !name.contains(':')
            && name
                .trim()
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            let value = value.trim();
            let literal = string_literal(value);
            if let Some(code) = value.strip_prefix('`').and_then(|v| v.strip_suffix('`')) {
                let start = at + line.find('`').unwrap_or(0) + 1;
                jf.backticks.push((file, start, code.to_owned()));
            } else if value.contains('`') {
                return Err(format!(
                    "line {} builds a command at run time",
                    line_of(text, at)
                ));
            }
            jf.vars.insert(name.trim().to_owned(), literal);
            continue;
        }
        // A recipe: `@name params: deps && after`.
        let Some(colon) = header_colon(trimmed) else {
            continue;
        };
        let head = trimmed[..colon].trim().trim_start_matches('@');
        let deps = trimmed[colon + 1..].trim();
        let mut words = head.split_whitespace();
        let name = words.next().unwrap_or("").to_owned();
        let params = words
            .map(|p| {
                let variadic = p.starts_with(['+', '*']);
                let p = p.trim_start_matches(['+', '*', '$']);
                (p.split('=').next().unwrap_or(p).to_owned(), variadic)
            })
            .collect();
        let (before, after) = match deps.split_once("&&") {
            Some((b, a)) => (dep_names(b), dep_names(a)),
            None => (dep_names(deps), Vec::new()),
        };
        let mut body = Vec::new();
        while i < lines.len() {
            let (at, line) = lines[i];
            if !line.trim().is_empty() && !line.starts_with([' ', '\t']) {
                break;
            }
            i += 1;
            if line.trim().is_empty() {
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            body.push((at + indent, line[indent..].to_owned()));
        }
        let script = attributes.iter().any(|a| a.starts_with("[script"))
            || body.first().is_some_and(|(_, l)| l.starts_with("#!"));
        if attributes.iter().any(|a| a.contains("default")) {
            jf.default = Some(name.clone());
        }
        attributes.clear();
        jf.recipes.push(Recipe {
            name,
            file,
            params,
            before,
            after,
            body,
            script,
        });
    }
    Ok(())
}

/// A `"..."` or `'...'` literal without interpolation, as its value.
fn string_literal(value: &str) -> Option<String> {
    let q = value.chars().next()?;
    if !matches!(q, '"' | '\'') || value.len() < 2 || !value.ends_with(q) {
        return None;
    }
    let inner = &value[1..value.len() - 1];
    (!inner.contains(['\\', q]) && !value.starts_with("\"\"\"")).then(|| inner.to_owned())
}

/// The `:` ending a recipe's header (not `:=`, not inside a default value's quotes).
fn header_colon(line: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ':') if !line[i + 1..].starts_with('=') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The recipes a dependency list names (`a (b "x") c`).
fn dep_names(deps: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut take_next = false;
    for token in deps
        .replace('(', " ( ")
        .replace(')', " ) ")
        .split_whitespace()
    {
        match token {
            "(" => {
                depth += 1;
                take_next = true;
            }
            ")" => depth -= 1,
            t if depth == 0 || take_next => {
                out.push(t.to_owned());
                take_next = false;
            }
            _ => {}
        }
    }
    out
}

/// Judge what `just` runs from the justfile `shown` at `path`, whose text is `text`.
pub(crate) fn judge_just(
    path: &Path,
    shown: &str,
    text: &str,
    run: &TargetRun,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let unreadable = |why: String| {
        vec![FileVerdict::Unreadable {
            shown: format!("`{shown}`"),
            why,
        }]
    };
    let mut jf = match parse(shown, text, Some(path)) {
        Ok(j) => j,
        Err(why) => return unreadable(why),
    };
    for (name, value) in &run.vars {
        jf.vars.insert(name.clone(), value.clone());
    }
    // Every recipe a name may run: each definition of it, or of what it is an alias
    // of. Which one just picks depends on settings and import order; judging all of
    // them cannot miss the one it runs.
    let find = |jf: &Justfile, name: &str| -> Vec<usize> {
        let mut names: Vec<&str> = jf
            .aliases
            .iter()
            .filter(|(alias, _)| alias == name)
            .map(|(_, target)| target.as_str())
            .collect();
        if names.is_empty() {
            names.push(name);
        }
        (0..jf.recipes.len())
            .filter(|&r| names.contains(&jf.recipes[r].name.as_str()))
            .collect()
    };
    // The recipes asked for, each with its arguments.
    let mut wanted: Vec<(usize, Vec<Option<String>>)> = Vec::new();
    let mut words = run.goals.iter().peekable();
    if run.every {
        wanted.extend((0..jf.recipes.len()).map(|r| (r, Vec::new())));
    } else if run.goals.is_empty() {
        let default = match &jf.default {
            Some(d) => find(&jf, d),
            None => (!jf.recipes.is_empty()).then_some(0).into_iter().collect(),
        };
        wanted.extend(default.into_iter().map(|d| (d, Vec::new())));
    }
    while let Some(word) = words.next() {
        if let Some(word) = word.strip_prefix('\u{0}') {
            return unreadable(format!("the recipe `{word}` is only known at run time"));
        }
        // An unknown recipe stops just before anything runs.
        let found = find(&jf, word);
        let Some(&first) = found.first() else {
            return Vec::new();
        };
        // The definitions of one name may take different parameters; the words after
        // it are read as the first one reads them, and a definition that would read
        // them otherwise makes the command unreadable.
        let takes = |r: usize| {
            let recipe = &jf.recipes[r];
            (recipe.params.iter().any(|p| p.1), recipe.params.len())
        };
        if found.iter().any(|&r| takes(r) != takes(first)) {
            return unreadable(format!(
                "its recipe `{word}` is defined more than once, with different parameters"
            ));
        }
        let (variadic, count) = takes(first);
        let mut args = Vec::new();
        while (variadic || args.len() < count)
            && let Some(a) = words.peek()
        {
            args.push((!a.starts_with('\u{0}')).then(|| a.to_string()));
            words.next();
        }
        wanted.extend(found.into_iter().map(|r| (r, args.clone())));
    }
    // Dependencies first and after, once each, bounded.
    let mut order: Vec<(usize, Vec<Option<String>>)> = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<(usize, Vec<Option<String>>, usize)> =
        wanted.into_iter().rev().map(|(r, a)| (r, a, 0)).collect();
    while let Some((r, args, depth)) = stack.pop() {
        if !seen.insert(r) {
            continue;
        }
        if seen.len() > MAX_RECIPES || depth > MAX_RECIPES {
            return unreadable(format!("it runs more than {MAX_RECIPES} recipes"));
        }
        let recipe = &jf.recipes[r];
        for d in recipe.before.iter().chain(&recipe.after).rev() {
            let found = find(&jf, d);
            if found.is_empty() {
                return unreadable(format!("its recipe `{d}` is not in the file"));
            }
            stack.extend(found.into_iter().rev().map(|d| (d, Vec::new(), depth + 1)));
        }
        order.push((r, args));
    }

    let dir = run.dir.display().to_string();
    let mut out = Vec::new();
    for (file, offset, code) in &jf.backticks {
        let (shown, text) = &jf.sources[*file];
        let evaluation = judge(code, Some(&dir));
        out.push(FileVerdict::Judged {
            shown: format!("a backtick at `{shown}:{}`", line_of(text, *offset)),
            line: None,
            evaluation: Box::new(evaluation),
        });
    }
    for (r, args) in order {
        let recipe = &jf.recipes[r];
        let mut values: HashMap<&str, Option<String>> = jf
            .vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        for (i, (p, variadic)) in recipe.params.iter().enumerate() {
            let v = if *variadic {
                args.get(i..)
                    .map(|rest| {
                        rest.iter()
                            .cloned()
                            .collect::<Option<Vec<_>>>()
                            .map(|v| v.join(" "))
                    })
                    .unwrap_or(None)
            } else {
                args.get(i).cloned().flatten()
            };
            values.insert(p.as_str(), v);
        }
        let Some(&(first_at, _)) = recipe.body.first() else {
            continue;
        };
        let (shown, text) = &jf.sources[recipe.file];
        let (shown, text) = (shown.as_str(), text.as_str());
        let at = format!("the `{}` recipe at `{shown}:{{}}`", recipe.name);
        if recipe.script {
            let body: String = recipe
                .body
                .iter()
                .map(|(_, l)| format!("{}\n", interpolate(l, &values)))
                .collect();
            let how = if body.starts_with("#!") {
                by_first_line(&body)
            } else {
                RunsAs::Shell
            };
            let runs = Runs {
                path: run.dir.join(shown),
                shown: shown.to_owned(),
                how: how.clone(),
            };
            let first_line = line_of(text, first_at);
            for v in judge_text(&runs, how, &body, Some(&dir), judge) {
                out.push(match v {
                    FileVerdict::Judged {
                        line, evaluation, ..
                    } => FileVerdict::Judged {
                        shown: at.replace("{}", &(first_line + line.unwrap_or(1) - 1).to_string()),
                        line: None,
                        evaluation,
                    },
                    FileVerdict::Unreadable { why, .. } => FileVerdict::Unreadable {
                        shown: at.replace("{}", &first_line.to_string()),
                        why,
                    },
                });
            }
            continue;
        }
        for (offset, line) in &recipe.body {
            let command = interpolate(line.trim_start_matches(['@', '-']), &values);
            let evaluation = judge(&command, Some(&dir));
            out.push(FileVerdict::Judged {
                shown: at.replace("{}", &line_of(text, *offset).to_string()),
                line: None,
                evaluation: Box::new(evaluation),
            });
        }
    }
    out
}

/// `{{ name }}` replaced by the value of `name`, or by a shell expansion that is only
/// known at run time; `{{{{` is a literal `{{`.
fn interpolate(line: &str, values: &HashMap<&str, Option<String>>) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        if rest[open..].starts_with("{{{{") {
            out.push_str("{{");
            rest = &rest[open + 4..];
            continue;
        }
        let Some(close) = rest[open..].find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let expr = rest[open + 2..open + close].trim();
        match values.get(expr) {
            Some(Some(v)) => out.push_str(v),
            _ => {
                let clean: String = expr
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.push_str(&format!("${{JUST_{clean}}}"));
            }
        }
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_params_and_dependencies() {
        let text = "\
set shell := [\"bash\", \"-cu\"]
dir := \"build\"
alias t := test

# the default
default: build

[private]
build mode='debug': (gen \"x\")
    @cargo build --{{mode}}
    -echo {{dir}}

gen what:
    echo {{ what }}

test *args: build && after
    cargo test {{args}}
after:
    #!/usr/bin/env python3
    print(1)
";
        let jf = parse("justfile", text, None).unwrap();
        let names: Vec<&str> = jf.recipes.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["default", "build", "gen", "test", "after"]);
        assert_eq!(jf.recipes[1].params, vec![("mode".to_owned(), false)]);
        assert_eq!(jf.recipes[1].before, vec!["gen"]);
        assert_eq!(jf.recipes[3].after, vec!["after"]);
        assert!(jf.recipes[4].script);
        assert_eq!(jf.recipes[1].body.len(), 2);
        assert_eq!(jf.aliases, vec![("t".to_owned(), "test".to_owned())]);
        assert_eq!(jf.vars["dir"], Some("build".to_owned()));
        let values: HashMap<&str, Option<String>> =
            [("mode", Some("release".to_owned())), ("x", None)].into();
        assert_eq!(
            interpolate("cargo build --{{mode}} {{x}} {{{{", &values),
            "cargo build --release ${JUST_x} {{"
        );
        // Without the file on disk, an import cannot be followed.
        assert!(parse("justfile", "import 'other.just'\n", None).is_err());
        assert!(parse("justfile", "set shell := [\"python3\", \"-c\"]\n", None).is_err());
    }
}
