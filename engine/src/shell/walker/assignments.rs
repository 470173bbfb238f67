//! Assignments and declarations, and the builtins that change what later commands
//! see (`cd`, `set --`, `shift`, `alias`, `ln`).

use tree_sitter::Node;

use super::read;

use super::output::printf;
use super::{At, EnvVar, Frame, Src, Walker, origin};
use crate::shell::expand::{self, collect_substitutions, text};
use crate::shell::input::Input;
use crate::shell::scope::{Scope, Value};
use crate::shell::word::{Word, finish, finish_value};
use crate::shell::wrappers::EnvRemoved;
use crate::shell::wrappers::is_assignment;
use crate::shell::{links, program_name};
use crate::span::Span;

impl Walker<'_> {
    pub(super) fn assign(&mut self, node: Node, at: At, scope: &mut Scope) {
        let mut subs = Vec::new();
        // `a[$(cmd)]=1`: bash runs substitutions in a subscript.
        if let Some(name) = node
            .child_by_field_name("name")
            .filter(|n| n.kind() == "subscript")
        {
            collect_substitutions(name, at.src.text, &mut subs);
        }
        let Some(name) = node
            .child_by_field_name("name")
            .map(|n| text(n, at.src.text).to_owned())
        else {
            return;
        };
        let value = match node.child_by_field_name("value") {
            None => Value::known(String::new()),
            Some(v) if v.kind() == "array" => {
                let appends = text(node, at.src.text).contains("+=");
                let items = (!appends)
                    .then(|| self.array_items(v, at.src, scope, &mut subs))
                    .flatten();
                self.walk_substitution_nodes(&subs, &[], at, scope);
                scope.assign_array(&name, items.as_deref(), at.frame.conditional);
                return;
            }
            Some(_) if text(node, at.src.text).contains("+=") => Value::unknown(),
            Some(v) => {
                let pieces = expand::pieces(v, at.src.text, scope, &mut subs);
                let variants =
                    finish_value(pieces, Span::default(), origin(v), &self.expand_env(scope));
                Value::any_of(variants.iter().map(Value::of_word))
            }
        };
        self.walk_substitution_nodes(&subs, &[], at, scope);
        // `a[i]=v` changes what `${a[@]}` expands to as well.
        match name.split_once('[') {
            Some((base, rest)) if rest.ends_with(']') => {
                let index = &rest[..rest.len() - 1];
                scope.assign_element(base, index, value, at.frame.conditional)
            }
            _ => scope.assign(&name, value, at.frame.conditional),
        }
    }

    /// The items of `(a b c)`, each `None` when unknown; `None` when they cannot be
    /// told apart (an unknown expansion may be any number of items).
    pub(super) fn array_items<'t>(
        &self,
        array: Node<'t>,
        src: &Src,
        scope: &Scope,
        subs: &mut Vec<Node<'t>>,
    ) -> Option<Vec<Option<String>>> {
        let env = self.expand_env(scope);
        let mut items = Vec::new();
        let mut cursor = array.walk();
        let elements: Vec<Node> = array
            .named_children(&mut cursor)
            .filter(|e| e.kind() != "comment")
            .collect();
        // Elements that touch are one word (see `touching_pieces`).
        for word in elements.chunk_by(|a, b| a.end_byte() == b.start_byte()) {
            let pieces = expand::touching_pieces(word, src.text, scope, subs);
            let origin = origin(word[0]).cover(origin(word[word.len() - 1]));
            let mut variants = finish(pieces, Span::default(), origin, &env);
            if variants.len() != 1 {
                return None;
            }
            for w in variants.pop().unwrap_or_default() {
                if w.unresolved {
                    return None;
                }
                items.push((!w.glob).then_some(w.text));
            }
        }
        Some(items)
    }

    /// `NAME=value` of a prefix assignment or declaration, as text.
    pub(super) fn assignment_text<'t>(
        &self,
        node: Node<'t>,
        src: &Src,
        scope: &Scope,
        subs: &mut Vec<Node<'t>>,
    ) -> Option<EnvVar> {
        let name = text(node.child_by_field_name("name")?, src.text).to_owned();
        let (value, unknown) = match node.child_by_field_name("value") {
            Some(v) => {
                let pieces = expand::pieces(v, src.text, scope, subs);
                let variants = finish(pieces, Span::default(), origin(v), &self.expand_env(scope));
                let several = variants.len() > 1;
                variants
                    .into_iter()
                    .next()
                    .map(|f| {
                        let unknown = several || f.iter().any(|w| w.unresolved);
                        let text = f.into_iter().map(|w| w.text).collect::<Vec<_>>().join(" ");
                        (text, unknown)
                    })
                    .unwrap_or_default()
            }
            None => (String::new(), false),
        };
        Some((name, value, unknown))
    }

    /// `export`, `declare`, `local`, `readonly`, `typeset`: assignments and an invocation.
    pub(super) fn walk_declaration(&mut self, node: Node, at: At, scope: &mut Scope) -> Vec<usize> {
        let span = self.span(node, at);
        let keyword = node
            .child(0)
            .map(|k| text(k, at.src.text).to_owned())
            .unwrap_or_default();
        let exports = keyword == "export";
        // In a function, `local` and `declare`/`typeset` (without `-g`) make the name
        // the function's own.
        let local = matches!(keyword.as_str(), "local" | "declare" | "typeset")
            && !node.named_children(&mut node.walk()).any(|c| {
                c.kind() == "word"
                    && text(c, at.src.text).starts_with('-')
                    && text(c, at.src.text).contains('g')
            });
        // Outside a function `local` is an error: it assigns nothing (its words are
        // still expanded, their substitutions run).
        let fails = keyword == "local" && at.frame.function.is_none();
        let mut argv = vec![Word::literal(keyword, span)];
        let mut env = Vec::new();
        let mut subs = Vec::new();
        // `-n`: a nameref; `-x`: exported. Flags come before the names they apply to.
        let mut nameref = false;
        let mut exported = exports;
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            let raw = text(child, at.src.text);
            if child.kind() == "word" && raw.starts_with('-') {
                nameref |= raw[1..].contains('n');
                exported |= raw[1..].contains('x');
            }
            let declared = match child.kind() {
                "variable_assignment" => child.child_by_field_name("name").map(|n| {
                    text(n, at.src.text)
                        .split('[')
                        .next()
                        .unwrap_or("")
                        .to_owned()
                }),
                "word" | "variable_name" if is_name(raw) => Some(raw.to_owned()),
                _ => None,
            };
            if local && let Some(name) = &declared {
                scope.declare_local(name);
            }
            if child.kind() == "variable_assignment" {
                if let Some((k, v, unknown)) = self.assignment_text(child, at.src, scope, &mut subs)
                {
                    argv.push(Word::literal(format!("{k}={v}"), self.span(child, at)));
                    env.push((k, v, unknown));
                }
                if fails {
                    continue;
                }
                let name = child
                    .child_by_field_name("name")
                    .map(|n| text(n, at.src.text).to_owned())
                    .unwrap_or_default();
                if nameref {
                    let target = env.last().map(|(_, v, _)| v.clone());
                    let known = child
                        .child_by_field_name("value")
                        .is_none_or(|v| !text(v, at.src.text).contains(['$', '`']));
                    let target = target.filter(|t| known && is_name(t));
                    scope.make_ref(&name, target.as_deref());
                } else {
                    self.assign(child, at, scope);
                }
                if exported {
                    scope.export(&name);
                }
            } else {
                if exported && child.kind() == "word" && is_name(raw) {
                    scope.export(raw);
                }
                let span = self.span(child, at);
                let pieces = expand::pieces(child, at.src.text, scope, &mut subs);
                let env_x = self.expand_env(scope);
                match finish(pieces, span, origin(child), &env_x)
                    .into_iter()
                    .next()
                {
                    Some(fields) => argv.extend(fields),
                    None => argv.push(Word::placeholder(text(child, at.src.text), span)),
                }
            }
        }
        self.walk_substitution_nodes(&subs, &[], at, scope);
        let program = program_name(&argv[0].text);
        self.record(
            argv,
            program,
            env,
            &[],
            at.frame,
            scope,
            at.frame.wrappers.clone(),
            Vec::new(),
            EnvRemoved::default(),
        )
        .map(|(i, _)| vec![i])
        .unwrap_or_default()
    }

    /// `cd`, `pushd`, `alias`, `read`, `printf -v`, ...: what the rest of the input sees.
    pub(super) fn scope_effects(&mut self, idx: usize, frame: &Frame, scope: &mut Scope) {
        let inv = &self.out[idx];
        match inv.program.as_str() {
            "read" => {
                let input = match &inv.stdin {
                    Some(data) => Some(Input::Text(data.clone())),
                    None if self.side[idx].stdin_redirected => None,
                    None => frame.stdin.as_deref().cloned(),
                };
                let ifs = match inv.env.iter().rev().find(|(k, _)| k == "IFS") {
                    Some(_) if self.side[idx].env_unknown.iter().any(|k| k == "IFS") => None,
                    Some((_, v)) => Some(v.clone()),
                    None => scope.expand_env().ifs.map(str::to_owned),
                };
                for (name, value) in read::assigned(inv.args(), input.as_ref(), ifs.as_deref()) {
                    match value {
                        read::Assigned::Scalar(v) => scope.assign(&name, v, frame.conditional),
                        read::Assigned::Array(items) => {
                            scope.assign_array(&name, items.as_deref(), frame.conditional)
                        }
                    }
                }
            }
            "mapfile" | "readarray" => {
                let input = match &inv.stdin {
                    Some(data) => Some(Input::Text(data.clone())),
                    None if self.side[idx].stdin_redirected => None,
                    None => frame.stdin.as_deref().cloned(),
                };
                let (name, items) = read::mapfile(inv.args(), input.as_ref());
                scope.assign_array(&name, items.as_deref(), frame.conditional);
            }
            "printf" if inv.args().first().is_some_and(|w| w.text == "-v") => {
                if let Some(var) = inv.args().get(1) {
                    let value = match inv.args().get(2..) {
                        Some([format, values @ ..])
                            if !format.unresolved && values.iter().all(|w| !w.unresolved) =>
                        {
                            // Bytes that are not UTF-8 are U+FFFD there: not the value.
                            Some(printf(&format.text, values))
                                .filter(|v| !v.contains(char::REPLACEMENT_CHARACTER))
                                .map_or_else(Value::unknown, Value::known)
                        }
                        _ => Value::unknown(),
                    };
                    if var.unresolved {
                        scope.assign_unknown_name();
                    } else {
                        let name = var.text.split('[').next().unwrap_or(&var.text).to_owned();
                        scope.assign(&name, value, frame.conditional);
                    }
                }
            }
            "getopts" => {
                if let Some(var) = inv.args().get(1) {
                    scope.assign(&var.text, Value::unknown(), frame.conditional);
                }
                scope.assign("OPTARG", Value::unknown(), frame.conditional);
                scope.assign("OPTIND", Value::unknown(), frame.conditional);
            }
            "let" => {
                for w in inv.args() {
                    let name: String = w
                        .text
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && w.text[name.len()..].contains(['=', '+', '-']) {
                        scope.assign(&name, Value::unknown(), frame.conditional);
                    }
                }
            }
            "cd" | "pushd" => {
                let target = inv
                    .args()
                    .iter()
                    .find(|w| !w.text.starts_with('-') || w.text == "-");
                // A `cd` that fails leaves the directory as it was, and what follows
                // runs there unless its success is checked (`&&`, `|| exit`, `set -e`):
                // `cd build; rm -rf *` empties the current directory when there is no
                // `build`.
                let may_fail = !(frame.checked || scope.errexit());
                match target {
                    None => scope.change_dir(Some(&self.env.home), frame.conditional),
                    Some(w) if w.unresolved || w.text == "-" => {
                        scope.change_dir(None, frame.conditional)
                    }
                    Some(w) => {
                        let t = w.text.clone();
                        let exists = matches!(t.as_str(), "/" | "." | "..") || t == self.env.home;
                        scope.change_dir(Some(&t), frame.conditional || (may_fail && !exists))
                    }
                }
            }
            "popd" => scope.change_dir(None, frame.conditional),
            "set" => {
                let args = inv.args();
                let positional = match args.iter().position(|w| w.text == "--") {
                    Some(i) => Some(&args[i + 1..]),
                    None if args
                        .first()
                        .is_some_and(|w| !w.text.starts_with(['-', '+'])) =>
                    {
                        Some(args)
                    }
                    None => None,
                };
                for flag in args.iter().take_while(|w| w.text != "--") {
                    let t = flag.text.as_str();
                    let (on, letters) = match (t.strip_prefix('-'), t.strip_prefix('+')) {
                        (Some(l), _) if !l.starts_with('-') => (true, l),
                        (_, Some(l)) => (false, l),
                        _ => continue,
                    };
                    if letters.contains('a') {
                        scope.export_all(on);
                    }
                    if letters.contains('e') {
                        scope.set_errexit(on);
                    }
                }
                for pair in args
                    .windows(2)
                    .filter(|w| matches!(w[0].text.as_str(), "-o" | "+o"))
                {
                    let on = pair[0].text == "-o";
                    match pair[1].text.as_str() {
                        "allexport" => scope.export_all(on),
                        "errexit" => scope.set_errexit(on),
                        _ => {}
                    }
                }
                if args
                    .windows(2)
                    .any(|w| w[0].text == "-o" && w[1].text == "allexport")
                {
                    scope.export_all(true);
                }
                if let Some(words) = positional {
                    let values: Vec<Option<String>> = words
                        .iter()
                        .map(|w| (!w.unresolved && !w.glob).then(|| w.text.clone()))
                        .collect();
                    scope.set_positional(&values, frame.conditional);
                }
            }
            "shift" => {
                let n = match inv.args().first() {
                    None => Some(1),
                    Some(w) => w.text.parse::<usize>().ok(),
                };
                let count = scope
                    .lookup("#")
                    .filter(|v| !v.maybe_unknown && v.known.len() == 1)
                    .and_then(|v| v.known[0].parse::<usize>().ok());
                let values = match (n, count) {
                    (Some(n), Some(count)) if count <= 9 => (n + 1..=count)
                        .map(|i| {
                            scope
                                .lookup(&i.to_string())
                                .filter(|v| !v.maybe_unknown && v.known.len() == 1)
                                .map(|v| v.known[0].clone())
                        })
                        .collect(),
                    _ => vec![None],
                };
                scope.set_positional(&values, frame.conditional);
            }
            "ln" => {
                for (link, target) in links::made_by_ln(&inv.argv, inv.cwd.as_deref()) {
                    scope.add_link(link, target);
                }
            }
            "alias" => {
                let defs: Vec<(String, String)> = inv
                    .args()
                    .iter()
                    .filter(|w| is_assignment(&w.text) || w.text.contains('='))
                    .filter_map(|w| {
                        w.text
                            .split_once('=')
                            .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    })
                    .collect();
                for (k, v) in defs {
                    scope.define_alias(&k, &v);
                }
            }
            _ => {}
        }
    }
}

/// A shell variable name.
fn is_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
