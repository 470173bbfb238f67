//! What earlier parts of the same input established: variables, aliases, the working
//! directory. `X=rm; $X -rf ~` must be judged as `rm -rf ~`.
//!
//! Assignments that only happen on some paths (inside `if`, loops, after `&&`) add a
//! possible value instead of replacing the old one, so a later use is judged for
//! every value it may have.

use std::collections::HashMap;

use super::walker::Frame;
use super::word::{DEFAULT_IFS, ExpandEnv, Word};
use crate::path::{PathEnv, absolutize};
use crate::span::Span;

/// Most distinct values remembered for one variable.
const MAX_VALUES: usize = 4;

/// The possible values of a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value {
    pub known: Vec<String>,
    /// Values known only in part: the text with the byte ranges of it that stand for
    /// values only known at run time (`D=$(cd ~ && pwd)/.mstro`).
    pub partial: Vec<(String, Vec<Span>)>,
    /// It may also hold something the engine does not know.
    pub maybe_unknown: bool,
    /// For `$@`, `$*` and `${a[@]}`: the items, each its own word when expanded
    /// (`known` holds them joined by spaces).
    pub list: Option<Vec<String>>,
}

impl Value {
    pub fn known(v: String) -> Self {
        Value {
            known: vec![v],
            partial: Vec::new(),
            maybe_unknown: false,
            list: None,
        }
    }

    pub fn unknown() -> Self {
        Value {
            known: Vec::new(),
            partial: Vec::new(),
            maybe_unknown: true,
            list: None,
        }
    }

    /// The value of a finished word: known, known in part, or unknown.
    pub fn of_word(w: &Word) -> Self {
        if !w.unresolved {
            return Value::known(w.text.clone());
        }
        let holes = w.holes().into_owned();
        if holes.as_slice() == [Span::new(0, w.text.len())] {
            return Value::unknown();
        }
        Value {
            known: Vec::new(),
            partial: vec![(w.text.clone(), holes)],
            maybe_unknown: false,
            list: None,
        }
    }

    /// Any of these values.
    pub fn any_of(values: impl IntoIterator<Item = Value>) -> Self {
        let mut values = values.into_iter();
        let Some(mut all) = values.next() else {
            return Value::unknown();
        };
        for v in values {
            all.merge(v);
        }
        all
    }

    /// The one value it certainly has.
    pub fn single(&self) -> Option<&str> {
        match self.known.as_slice() {
            [only] if !self.maybe_unknown && self.partial.is_empty() => Some(only),
            _ => None,
        }
    }

    /// Every value is known exactly.
    pub fn certain(&self) -> bool {
        !self.maybe_unknown && self.partial.is_empty()
    }

    fn merge(&mut self, other: Value) {
        if self.list != other.list {
            self.list = None;
        }
        for v in other.known {
            if !self.known.contains(&v) {
                self.known.push(v);
            }
        }
        for p in other.partial {
            if !self.partial.contains(&p) {
                self.partial.push(p);
            }
        }
        self.maybe_unknown |= other.maybe_unknown;
        if self.known.len() + self.partial.len() > MAX_VALUES {
            self.known.clear();
            self.partial.clear();
            self.maybe_unknown = true;
        }
    }
}

/// Code a `trap CODE EXIT` left to run when the shell that set it exits.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExitTrap {
    pub code: Word,
    /// Where the `trap` command was walked, and its wrappers.
    pub frame: Frame,
    pub wrappers: Vec<String>,
    /// The working directory when it was set.
    pub cwd: Option<String>,
}

/// Most exit traps remembered for one shell (set on different paths).
const MAX_EXIT_TRAPS: usize = 4;

/// `$1`, `$2`, ..., `$#`, `$@`, `$*` (and `$0`, the shell's name, which a new shell
/// sets again).
fn is_positional(name: &str) -> bool {
    name.parse::<usize>().is_ok() || matches!(name, "@" | "*" | "#")
}

/// Variables, aliases and working directory at one point of the walk.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scope {
    vars: HashMap<String, Value>,
    aliases: HashMap<String, String>,
    /// Shell functions defined so far, by name: their body's source text.
    functions: HashMap<String, String>,
    /// Functions defined on some paths only: a call may find none (command not found).
    uncertain_functions: std::collections::HashSet<String>,
    /// Links made earlier in the input (`ln -s ~ dist`): absolute link path to the
    /// absolute path it points at.
    links: Vec<(String, String)>,
    /// `None` when a `cd` made it unknown.
    cwd: Option<String>,
    home: String,
    /// Namerefs (`declare -n r=x`): `r` stands for `x`; `None` for a target only known
    /// at run time.
    refs: HashMap<String, Option<String>>,
    /// Variables marked for export, which a child process (`bash -c`) sees.
    exported: std::collections::HashSet<String>,
    /// `set -a`: every variable assigned from then on is exported.
    export_all: bool,
    /// A nameref to an unknown variable was assigned: any variable may have changed.
    tainted: bool,
    /// `set -e`: a command that fails stops the script, so what follows it may count on
    /// its success (`cd dir; rm -rf *` runs `rm` in `dir` or not at all).
    errexit: bool,
    /// For each function call being walked, the variables it declared `local`, with
    /// the values they had before, restored when it returns.
    locals: Vec<Vec<(String, Option<Value>)>>,
    /// What runs when this shell exits (`trap CODE EXIT`): one, or several set on
    /// different paths.
    exit_traps: Vec<ExitTrap>,
    /// The locale may not be the user's (`env -i`, `LC_ALL=...`): what `$'\u00e9'`
    /// gives depends on it (`\u00E9` as text in the C locale).
    locale_unknown: bool,
}

impl Scope {
    pub fn new(env: &PathEnv, cwd: Option<&str>) -> Self {
        Scope {
            vars: HashMap::new(),
            aliases: HashMap::new(),
            functions: HashMap::new(),
            uncertain_functions: Default::default(),
            links: Vec::new(),
            cwd: cwd.map(str::to_owned),
            home: env.home.clone(),
            refs: HashMap::new(),
            exported: Default::default(),
            export_all: false,
            tainted: false,
            errexit: false,
            locals: Vec::new(),
            exit_traps: Vec::new(),
            locale_unknown: false,
        }
    }

    /// Whether the locale may differ from the user's.
    pub fn locale_unknown(&self) -> bool {
        self.locale_unknown
    }

    /// `trap CODE EXIT`: it replaces the one set before, unless it is set on some paths
    /// only (then either may run).
    pub fn set_exit_trap(&mut self, trap: ExitTrap, conditional: bool) {
        if !conditional {
            self.exit_traps.clear();
        }
        if !self.exit_traps.contains(&trap) && self.exit_traps.len() < MAX_EXIT_TRAPS {
            self.exit_traps.push(trap);
        }
    }

    /// The exit traps, taken: when the shell exits, or as a subshell starts (bash resets
    /// traps there).
    pub fn take_exit_traps(&mut self) -> Vec<ExitTrap> {
        std::mem::take(&mut self.exit_traps)
    }

    pub fn cwd(&self) -> Option<&str> {
        self.cwd.as_deref()
    }

    /// What word expansion needs from here: home, cwd and IFS.
    pub fn expand_env(&self) -> ExpandEnv<'_> {
        let ifs = match self.single_value("IFS") {
            None => Some(DEFAULT_IFS),
            Some(v) => v,
        };
        ExpandEnv {
            // `~` is `$HOME` (`HOME=/etc; echo x > ~/sudoers` writes /etc/sudoers).
            home: self.single_value("HOME").flatten(),
            cwd: self.cwd.as_deref(),
            ifs,
        }
    }

    /// `lookup(name)` and then [`Value::single`] without copying the value (this runs for
    /// every word): `None` when the variable is unset, `Some(None)` when it is set but its
    /// one value is not certain.
    fn single_value(&self, name: &str) -> Option<Option<&str>> {
        let Ok(name) = self.resolve_ref(name) else {
            return None;
        };
        let value = match self.vars.get(name) {
            Some(v) => v.single(),
            None => match name {
                "HOME" => Some(self.home.as_str()),
                "PWD" => Some(self.cwd.as_deref()?),
                _ => return None,
            },
        };
        Some(value.filter(|_| !self.tainted))
    }

    /// The value of `$name`; `None` if the engine cannot know it.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        let name = match self.resolve_ref(name) {
            Ok(n) => n,
            Err(()) => return None,
        };
        let mut value = match self.vars.get(name) {
            Some(v) => Some(v.clone()),
            None => match name {
                "HOME" => Some(Value::known(self.home.clone())),
                "PWD" => self.cwd.clone().map(Value::known),
                _ => None,
            },
        };
        if self.tainted
            && let Some(v) = &mut value
        {
            v.maybe_unknown = true;
        }
        value
    }

    /// The variable a name stands for through namerefs; `Err` when that is only known
    /// at run time.
    fn resolve_ref<'a>(&'a self, mut name: &'a str) -> Result<&'a str, ()> {
        for _ in 0..8 {
            match self.refs.get(name) {
                None => return Ok(name),
                Some(Some(target)) => name = target,
                Some(None) => return Err(()),
            }
        }
        Err(())
    }

    /// Record `name=value`. A conditional assignment adds a possibility; the variable
    /// may still hold whatever it held before (or be unset, which is unknown to us).
    pub fn assign(&mut self, name: &str, value: Value, conditional: bool) {
        if matches!(name, "LC_ALL" | "LC_CTYPE" | "LANG") {
            self.locale_unknown = true;
        }
        let name = match self.resolve_ref(name) {
            Ok(n) => n.to_owned(),
            Err(()) => {
                // Through a nameref to a variable only known at run time: any
                // variable may now hold this value.
                self.tainted = true;
                return;
            }
        };
        if self.export_all {
            self.exported.insert(name.clone());
        }
        if !conditional {
            self.vars.insert(name, value);
            return;
        }
        let mut previous = self.lookup(&name).unwrap_or_else(Value::unknown);
        previous.merge(value);
        self.vars.insert(name, previous);
    }

    /// An assignment to a variable whose name is only known at run time
    /// (`printf -v "$name"`): any variable may now hold anything.
    pub fn assign_unknown_name(&mut self) {
        self.tainted = true;
    }

    /// `declare -n name=target`; `None` for a target only known at run time.
    pub fn make_ref(&mut self, name: &str, target: Option<&str>) {
        self.refs.insert(name.to_owned(), target.map(str::to_owned));
    }

    /// `export name`, `declare -x name`.
    pub fn export(&mut self, name: &str) {
        self.exported.insert(name.to_owned());
    }

    /// `set -a` / `set +a`.
    pub fn export_all(&mut self, on: bool) {
        self.export_all = on;
    }

    /// What code run later sees (a `trap` body runs at exit or on a signal): every
    /// variable may have changed by then.
    pub fn for_later(&self) -> Scope {
        let mut later = self.clone();
        for value in later.vars.values_mut() {
            value.maybe_unknown = true;
        }
        later
    }

    /// A function call starts: its `local` variables live until [`Scope::leave_function`].
    pub fn enter_function(&mut self) {
        self.locals.push(Vec::new());
    }

    /// A function call returns: its `local` variables are the caller's again.
    pub fn leave_function(&mut self) {
        for (name, before) in self.locals.pop().unwrap_or_default().into_iter().rev() {
            match before {
                Some(v) => self.vars.insert(name, v),
                None => self.vars.remove(&name),
            };
        }
    }

    /// `local name` (or `declare` in a function): remember what to restore.
    pub fn declare_local(&mut self, name: &str) {
        let before = self.vars.get(name).cloned();
        if let Some(frame) = self.locals.last_mut()
            && !frame.iter().any(|(n, _)| n == name)
        {
            frame.push((name.to_owned(), before));
        }
    }

    /// `set -e` / `set +e`.
    pub fn set_errexit(&mut self, on: bool) {
        self.errexit = on;
    }

    /// Does a failing command stop the script here (`set -e`)?
    pub fn errexit(&self) -> bool {
        self.errexit
    }

    /// What a child process started here (`bash -c`, `sh script`) sees: exported
    /// variables as they are; others may be set in its environment already (the engine
    /// does not know what was exported before the command) or not at all. No functions,
    /// aliases or positional parameters (`"$*"` is one empty word there, `"$@"` none),
    /// and a `$0` the caller sets (the shell's own name, or `bash -c`'s argument).
    pub fn for_child(&self) -> Scope {
        let mut child = self.clone();
        child.functions.clear();
        child.aliases.clear();
        child.refs.clear();
        child.export_all = false;
        child.exit_traps.clear();
        child.vars.retain(|name, _| !is_positional(name));
        for (name, value) in child.vars.iter_mut() {
            if !self.exported.contains(name) {
                value.maybe_unknown = true;
            }
        }
        child.set_positional(&[], false);
        child.assign("0", Value::unknown(), false);
        child
    }

    /// `env -i`: every variable but the positional parameters becomes unknown.
    pub fn forget_environment(&mut self) {
        for (name, value) in self.vars.iter_mut() {
            if !is_positional(name) {
                *value = Value::unknown();
            }
        }
        for name in ["HOME", "PWD"] {
            self.vars.insert(name.to_owned(), Value::unknown());
        }
        self.exported.clear();
        self.locale_unknown = true;
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
        // An unknown argument may be any number of words (`f $x`): from it on, every
        // position and the count are unknown.
        let first_unknown = args.iter().position(Option::is_none);
        for i in args.len() + 1..=old.max(9) {
            let v = match first_unknown {
                Some(_) => Value::unknown(),
                None => Value::known(String::new()),
            };
            self.assign(&i.to_string(), v, conditional);
        }
        for (i, a) in args.iter().enumerate() {
            let v = match (a, first_unknown) {
                (Some(a), None) => Value::known(a.clone()),
                (Some(a), Some(u)) if i < u => Value::known(a.clone()),
                _ => Value::unknown(),
            };
            self.assign(&(i + 1).to_string(), v, conditional);
        }
        let count = match first_unknown {
            Some(_) => Value::unknown(),
            None => Value::known(args.len().to_string()),
        };
        self.assign("#", count, conditional);
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

    /// `name[index]=value`: the element, and the whole array as `${name[@]}` sees it.
    pub fn assign_element(&mut self, name: &str, index: &str, value: Value, conditional: bool) {
        let items = self
            .lookup(&format!("{name}[@]"))
            .filter(Value::certain)
            .and_then(|v| v.list);
        match (items, index.parse::<usize>(), value.single()) {
            (Some(mut items), Ok(i), Some(v)) => {
                if i < items.len() {
                    items[i] = v.to_owned();
                } else {
                    // Elements are listed in index order; a gap makes no empty item.
                    items.push(v.to_owned());
                }
                let items: Vec<Option<String>> = items.into_iter().map(Some).collect();
                self.assign_array(name, Some(&items), conditional);
            }
            _ => {
                self.assign(&format!("{name}[{index}]"), value, conditional);
                for key in [format!("{name}[@]"), format!("{name}[*]")] {
                    self.assign(&key, Value::unknown(), conditional);
                }
                if index.parse::<usize>().is_ok_and(|i| i > 0) {
                    return;
                }
                self.assign(name, Value::unknown(), conditional);
            }
        }
    }

    /// A list variable holds its items joined by spaces; it is expanded unquoted so
    /// that each item becomes its own word again.
    fn assign_list(&mut self, name: &str, items: &[Option<String>], conditional: bool) {
        let value = match items.iter().cloned().collect::<Option<Vec<String>>>() {
            Some(known) => Value {
                list: Some(known.clone()),
                ..Value::known(known.join(" "))
            },
            None => Value::unknown(),
        };
        self.assign(name, value, conditional);
    }

    pub fn function(&self, name: &str) -> Option<&str> {
        self.functions.get(name).map(String::as_str)
    }

    pub fn define_function(&mut self, name: &str, body: &str) {
        self.functions.insert(name.to_owned(), body.to_owned());
        self.uncertain_functions.remove(name);
    }

    /// Whether the function may not be defined when it is called.
    pub fn function_uncertain(&self, name: &str) -> bool {
        self.uncertain_functions.contains(name)
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
            if self.functions.get(&name) != Some(&body) {
                self.uncertain_functions.insert(name.clone());
            }
            self.functions.entry(name).or_insert(body);
        }
        self.uncertain_functions.extend(branch.uncertain_functions);
        for (link, target) in branch.links {
            self.add_link(link, target);
        }
        if branch.cwd != self.cwd {
            self.cwd = None;
        }
        for (name, target) in branch.refs {
            // A nameref made on some paths only: the name may stand for either.
            if self.refs.get(&name) != Some(&target) {
                self.refs.insert(name, None);
            }
        }
        self.exported.extend(branch.exported);
        self.tainted |= branch.tainted;
        self.locale_unknown |= branch.locale_unknown;
        if branch.exit_traps != self.exit_traps {
            for trap in branch.exit_traps {
                self.set_exit_trap(trap, true);
            }
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
