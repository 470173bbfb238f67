//! What earlier parts of the same input established: variables, aliases, the working
//! directory. `X=rm; $X -rf ~` must be judged as `rm -rf ~`.
//!
//! Assignments that only happen on some paths (inside `if`, loops, after `&&`) add a
//! possible value instead of replacing the old one, so a later use is judged for
//! every value it may have.

use std::collections::HashMap;

use crate::path::{PathEnv, absolutize};

/// Most distinct values remembered for one variable.
const MAX_VALUES: usize = 4;

/// The possible values of a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value {
    pub known: Vec<String>,
    /// It may also hold something the engine does not know.
    pub maybe_unknown: bool,
}

impl Value {
    pub fn known(v: String) -> Self {
        Value {
            known: vec![v],
            maybe_unknown: false,
        }
    }

    pub fn unknown() -> Self {
        Value {
            known: Vec::new(),
            maybe_unknown: true,
        }
    }

    fn merge(&mut self, other: Value) {
        for v in other.known {
            if !self.known.contains(&v) {
                self.known.push(v);
            }
        }
        self.maybe_unknown |= other.maybe_unknown;
        if self.known.len() > MAX_VALUES {
            self.known.clear();
            self.maybe_unknown = true;
        }
    }
}

/// Variables, aliases and working directory at one point of the walk.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    vars: HashMap<String, Value>,
    aliases: HashMap<String, String>,
    /// Shell functions defined so far, by name: their body's source text.
    functions: HashMap<String, String>,
    /// Links made earlier in the input (`ln -s ~ dist`): absolute link path to the
    /// absolute path it points at.
    links: Vec<(String, String)>,
    /// `None` when a `cd` made it unknown.
    cwd: Option<String>,
    home: String,
}

impl Scope {
    pub fn new(env: &PathEnv, cwd: Option<&str>) -> Self {
        Scope {
            vars: HashMap::new(),
            aliases: HashMap::new(),
            functions: HashMap::new(),
            links: Vec::new(),
            cwd: cwd.map(str::to_owned),
            home: env.home.clone(),
        }
    }

    pub fn cwd(&self) -> Option<&str> {
        self.cwd.as_deref()
    }

    pub fn home(&self) -> &str {
        &self.home
    }

    /// The value of `$name`; `None` if the engine cannot know it.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.vars.get(name) {
            return Some(v.clone());
        }
        match name {
            "HOME" => Some(Value::known(self.home.clone())),
            "PWD" => self.cwd.clone().map(Value::known),
            _ => None,
        }
    }

    /// Record `name=value`. A conditional assignment adds a possibility; the variable
    /// may still hold whatever it held before (or be unset, which is unknown to us).
    pub fn assign(&mut self, name: &str, value: Value, conditional: bool) {
        if !conditional {
            self.vars.insert(name.to_owned(), value);
            return;
        }
        let mut previous = self.lookup(name).unwrap_or_else(Value::unknown);
        previous.merge(value);
        self.vars.insert(name.to_owned(), previous);
    }

    pub fn unset(&mut self, name: &str) {
        self.vars
            .insert(name.to_owned(), Value::known(String::new()));
    }

    pub fn alias(&self, name: &str) -> Option<&str> {
        self.aliases.get(name).map(String::as_str)
    }

    pub fn define_alias(&mut self, name: &str, value: &str) {
        self.aliases.insert(name.to_owned(), value.to_owned());
    }

    /// `set -- a b`, or a function call's arguments: `$1`, `$2`, ..., `$@`, `$*`, `$#`.
    /// `None` is an argument the engine cannot know.
    pub fn set_positional(&mut self, args: &[Option<String>], conditional: bool) {
        let old = self
            .lookup("#")
            .and_then(|v| v.known.first().and_then(|n| n.parse::<usize>().ok()))
            .unwrap_or(9);
        for i in args.len() + 1..=old.max(9) {
            self.assign(&i.to_string(), Value::known(String::new()), conditional);
        }
        for (i, a) in args.iter().enumerate() {
            let v = a.clone().map(Value::known).unwrap_or_else(Value::unknown);
            self.assign(&(i + 1).to_string(), v, conditional);
        }
        self.assign("#", Value::known(args.len().to_string()), conditional);
        self.assign_list("@", args, conditional);
        self.assign_list("*", args, conditional);
    }

    /// The positional parameters, to restore after a function call.
    pub fn positional(&self) -> Vec<(String, Option<Value>)> {
        let mut names: Vec<String> = (1..=9).map(|i| i.to_string()).collect();
        names.extend(["#", "@", "*"].map(str::to_owned));
        names
            .into_iter()
            .map(|n| {
                let v = self.vars.get(&n).cloned();
                (n, v)
            })
            .collect()
    }

    pub fn restore_positional(&mut self, saved: Vec<(String, Option<Value>)>) {
        for (name, value) in saved {
            match value {
                Some(v) => self.vars.insert(name, v),
                None => self.vars.remove(&name),
            };
        }
    }

    /// `x=(a b c)`: `${x[0]}`..., `${x[@]}`, and `$x` as the first element.
    pub fn assign_array(
        &mut self,
        name: &str,
        items: Option<&[Option<String>]>,
        conditional: bool,
    ) {
        let Some(items) = items else {
            for key in [name.to_owned(), format!("{name}[@]"), format!("{name}[*]")] {
                self.assign(&key, Value::unknown(), conditional);
            }
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let v = item
                .clone()
                .map(Value::known)
                .unwrap_or_else(Value::unknown);
            self.assign(&format!("{name}[{i}]"), v.clone(), conditional);
            if i == 0 {
                self.assign(name, v, conditional);
            }
        }
        self.assign_list(&format!("{name}[@]"), items, conditional);
        self.assign_list(&format!("{name}[*]"), items, conditional);
    }

    /// A list variable holds its items joined by spaces; it is expanded unquoted so
    /// that each item becomes its own word again.
    fn assign_list(&mut self, name: &str, items: &[Option<String>], conditional: bool) {
        let value = match items.iter().cloned().collect::<Option<Vec<String>>>() {
            Some(known) => Value::known(known.join(" ")),
            None => Value::unknown(),
        };
        self.assign(name, value, conditional);
    }

    pub fn function(&self, name: &str) -> Option<&str> {
        self.functions.get(name).map(String::as_str)
    }

    pub fn define_function(&mut self, name: &str, body: &str) {
        self.functions.insert(name.to_owned(), body.to_owned());
    }

    pub fn links(&self) -> &[(String, String)] {
        &self.links
    }

    /// Remember a link; a link made on some paths only is still remembered, since
    /// judging a command both through it and not is the safe reading.
    pub fn add_link(&mut self, link: String, target: String) {
        if self.links.len() < 32 && !self.links.iter().any(|(l, t)| *l == link && *t == target) {
            self.links.push((link, target));
        }
    }

    /// `cd target`: `None` target means "somewhere unknown".
    pub fn change_dir(&mut self, target: Option<&str>, conditional: bool) {
        let next = target.and_then(|t| absolutize(t, self.cwd.as_deref()));
        if conditional && next != self.cwd {
            self.cwd = None;
        } else {
            self.cwd = next;
        }
    }

    /// After a branch that ran in this scope's copy, keep what is still certain:
    /// variables it changed may now have either value.
    pub fn join_branch(&mut self, branch: Scope) {
        for (name, value) in branch.vars {
            if self.vars.get(&name) != Some(&value) {
                self.assign(&name, value, true);
            }
        }
        for (name, value) in branch.aliases {
            self.aliases.entry(name).or_insert(value);
        }
        for (name, body) in branch.functions {
            self.functions.entry(name).or_insert(body);
        }
        for (link, target) in branch.links {
            self.add_link(link, target);
        }
        if branch.cwd != self.cwd {
            self.cwd = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope::new(&PathEnv::fixture(), Some("/home/dev/project"))
    }

    #[test]
    fn unconditional_assignment_replaces() {
        let mut s = scope();
        s.assign("X", Value::known("a".into()), false);
        s.assign("X", Value::known("b".into()), false);
        assert_eq!(s.lookup("X"), Some(Value::known("b".into())));
    }

    #[test]
    fn conditional_assignment_adds_a_possibility() {
        let mut s = scope();
        s.assign("X", Value::known("/".into()), false);
        s.assign("X", Value::known("./build".into()), true);
        let v = s.lookup("X").unwrap();
        assert_eq!(v.known, vec!["/".to_owned(), "./build".to_owned()]);
        assert!(!v.maybe_unknown);
        s.assign("Y", Value::known("rm".into()), true);
        assert!(s.lookup("Y").unwrap().maybe_unknown, "Y may be unset");
    }

    #[test]
    fn home_and_pwd_are_known() {
        let s = scope();
        assert_eq!(
            s.lookup("HOME").unwrap().known,
            vec!["/home/dev".to_owned()]
        );
        assert_eq!(
            s.lookup("PWD").unwrap().known,
            vec!["/home/dev/project".to_owned()]
        );
        assert_eq!(s.lookup("OTHER"), None);
    }

    #[test]
    fn cd_moves_and_conditional_cd_forgets() {
        let mut s = scope();
        s.change_dir(Some(".."), false);
        assert_eq!(s.cwd(), Some("/home/dev"));
        s.change_dir(Some("/tmp"), true);
        assert_eq!(s.cwd(), None);
    }
}
