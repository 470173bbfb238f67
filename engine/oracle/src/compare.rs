//! Matching what bash executed against what the engine extracted.
//!
//! Every exec bash ran must be accounted for by some invocation. The engine may see more
//! than bash ran (branches not taken, programs that print nothing here), never less, and
//! never something else: where it cannot know a value it must mark the word unresolved
//! (or say, with a finding, that it gave up), not guess.

use std::collections::BTreeSet;

use glob::{MatchOptions, Pattern};
use mstro_engine::shell::{FindingKind, Invocation, ShellModel, Word};

use crate::record::{Arg, Exec};

/// How one exec was accounted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// An invocation of the same program whose words are all resolved matched it word
    /// for word.
    Exact,
    /// An invocation matched it through words the engine marked as only known at run
    /// time, or as globs.
    Loose,
    /// A wrapper the engine strips (`sudo`, `env`, `timeout`, `xargs`, ...) that an
    /// invocation lists among its wrappers.
    Wrapper,
    /// Not matched, but the engine said it could not follow everything: the findings'
    /// kinds.
    Explained(Vec<FindingKind>),
    /// Not matched, and the engine claimed to have understood the command.
    Divergence(Divergence),
}

/// What kind of mismatch a divergence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Divergence {
    /// No invocation of this program at all.
    NotSeen,
    /// Invocations of this program, but none with these arguments.
    DifferentArguments,
    /// An invocation with these arguments, but in another working directory.
    DifferentCwd,
}

impl Divergence {
    pub fn describe(self) -> &'static str {
        match self {
            Divergence::NotSeen => "not seen",
            Divergence::DifferentArguments => "seen with different arguments",
            Divergence::DifferentCwd => "seen in a different working directory",
        }
    }
}

impl Verdict {
    pub fn is_divergence(&self) -> bool {
        matches!(self, Verdict::Divergence(_))
    }
}

/// Judge every exec of one command against the engine's model of it.
pub fn compare(model: &ShellModel, execs: &[Exec]) -> Vec<Verdict> {
    execs.iter().map(|e| judge(model, e)).collect()
}

/// Judge one exec.
pub fn judge(model: &ShellModel, exec: &Exec) -> Verdict {
    let program = exec.program();
    // An argument that is not UTF-8 has no `String` the engine could have written; its
    // U+FFFD rendering equal to an engine word (`printf '\xff' | xargs rm` read as
    // `rm \u{FFFD}`) would be agreement by accident. With a NUL, which no argument
    // holds, it matches only words the engine marked unknown or as globs.
    let args: Vec<String> = exec
        .argv
        .iter()
        .skip(1)
        .map(|a| match a {
            Arg::Text(t) => t.clone(),
            Arg::Bytes { .. } => format!("{}\0", a.text()),
        })
        .collect();
    let mut same_program = false;
    let mut other_cwd = false;
    let mut loose = false;
    for inv in &model.invocations {
        match match_invocation(inv, &program, &args, exec.cwd.as_deref()) {
            Match::No => {}
            Match::ProgramOnly => same_program = true,
            Match::OtherCwd => other_cwd = true,
            Match::Loose => loose = true,
            Match::Exact => return Verdict::Exact,
        }
    }
    if loose {
        return Verdict::Loose;
    }
    if model
        .invocations
        .iter()
        .any(|i| i.wrappers.contains(&program))
    {
        return Verdict::Wrapper;
    }
    if !model.findings.is_empty() {
        let kinds: Vec<FindingKind> = model.findings.iter().map(|f| f.kind).collect();
        let mut seen = Vec::new();
        for k in kinds {
            if !seen.contains(&k) {
                seen.push(k);
            }
        }
        return Verdict::Explained(seen);
    }
    Verdict::Divergence(if other_cwd {
        Divergence::DifferentCwd
    } else if same_program {
        Divergence::DifferentArguments
    } else {
        Divergence::NotSeen
    })
}

enum Match {
    No,
    ProgramOnly,
    OtherCwd,
    Loose,
    Exact,
}

fn match_invocation(inv: &Invocation, program: &str, args: &[String], cwd: Option<&str>) -> Match {
    let Some(first) = inv.argv.first() else {
        return Match::No;
    };
    let unknown_program = first.unresolved || first.glob;
    if inv.program != program && !unknown_program {
        return Match::No;
    }
    let mut pats: Vec<Pat> = Vec::new();
    if unknown_program {
        // `$X a` may be `rm -f a`: the program word can bring arguments of its own.
        pats.push(Pat::Any);
    }
    pats.extend(inv.args().iter().map(Pat::of));
    if !args_match(&pats, args) {
        return Match::ProgramOnly;
    }
    if let (Some(seen), Some(ran)) = (inv.cwd.as_deref(), cwd)
        && seen != ran
    {
        return Match::OtherCwd;
    }
    if pats.iter().all(|p| matches!(p, Pat::Exact(_))) {
        Match::Exact
    } else {
        Match::Loose
    }
}

/// What one engine word stands for among bash's arguments.
#[derive(Debug)]
pub enum Pat {
    /// Exactly this argument.
    Exact(String),
    /// One or more arguments matching the pattern, or the pattern itself when nothing
    /// matched (bash then passes it unchanged).
    Glob(Option<Pattern>, String),
    /// Any number of arguments, none included: bash may split or drop an unknown value.
    Any,
}

impl Pat {
    pub fn of(w: &Word) -> Pat {
        if w.unresolved {
            Pat::Any
        } else if w.glob {
            Pat::Glob(pattern(&w.text), w.text.clone())
        } else {
            Pat::Exact(w.text.clone())
        }
    }

    fn one(&self, arg: &str) -> bool {
        match self {
            Pat::Exact(s) => s == arg,
            Pat::Glob(p, raw) => {
                raw == arg
                    || p.as_ref().is_some_and(|p| p.matches_with(arg, OPTIONS))
                    || find_matches(raw, arg)
            }
            Pat::Any => true,
        }
    }
}

const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

/// The engine writes what `find` finds as `ROOT/**` or `ROOT/**/NAME`: the starting
/// point itself and anything under it, dot files too (not bash's `**`).
fn find_matches(raw: &str, arg: &str) -> bool {
    let Some((root, rest)) = raw.split_once("/**") else {
        return false;
    };
    let dots = MatchOptions {
        require_literal_leading_dot: false,
        ..OPTIONS
    };
    match rest.strip_prefix('/') {
        // `ROOT/**`: ROOT, or anything under it.
        None if rest.is_empty() => {
            arg == root || arg.strip_prefix(root).is_some_and(|r| r.starts_with('/'))
        }
        // `ROOT/**/NAME`: ROOT or a path under it whose last component matches NAME.
        Some(name) => {
            let under = arg == root || arg.strip_prefix(root).is_some_and(|r| r.starts_with('/'));
            let base = arg.rsplit('/').next().unwrap_or(arg);
            under && Pattern::new(name).is_ok_and(|p| p.matches_with(base, dots))
        }
        _ => false,
    }
}

/// The glob crate's reading of a bash pattern. It rejects `**` inside a path component
/// (`a**b`), which bash reads as `*`, and has no backslash escapes: bash's `\d` is `d`
/// and `\*` a literal `*` (`[*]` to the crate); the oracle read `*.m\d` as needing a
/// backslash, and found bash's `notes.md` no match.
fn pattern(text: &str) -> Option<Pattern> {
    let mut unescaped = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(e)) => {
                chars.next();
                match e {
                    '*' | '?' | '[' | ']' => unescaped.push_str(&format!("[{e}]")),
                    e => unescaped.push(e),
                }
            }
            (c, _) => unescaped.push(c),
        }
    }
    let text = unescaped.as_str();
    Pattern::new(text).ok().or_else(|| {
        let mut t = text.to_owned();
        while t.contains("**") {
            t = t.replace("**", "*");
        }
        Pattern::new(&t).ok()
    })
}

/// Whether the patterns, in order, account for exactly these arguments.
pub fn args_match(pats: &[Pat], args: &[String]) -> bool {
    // reach[j]: the patterns so far can account for args[..j].
    let mut reach = vec![false; args.len() + 1];
    reach[0] = true;
    for p in pats {
        let mut next = vec![false; args.len() + 1];
        for j in 0..=args.len() {
            if !reach[j] {
                continue;
            }
            match p {
                Pat::Exact(_) => {
                    if j < args.len() && p.one(&args[j]) {
                        next[j + 1] = true;
                    }
                }
                Pat::Glob(_, raw) => {
                    // What `find` finds may be nothing at all (`find . src -name x`).
                    if raw.contains("/**") {
                        next[j] = true;
                    }
                    let mut k = j;
                    while k < args.len() && p.one(&args[k]) {
                        k += 1;
                        next[k] = true;
                    }
                }
                Pat::Any => next[j..].iter_mut().for_each(|r| *r = true),
            }
        }
        reach = next;
    }
    reach[args.len()]
}

/// The names of finding kinds, for reports and statistics.
pub fn kind_names(kinds: &[FindingKind]) -> String {
    let names: BTreeSet<&str> = kinds.iter().map(|k| k.rule_id()).collect();
    names.into_iter().collect::<Vec<_>>().join("+")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(s: &str) -> Pat {
        Pat::Exact(s.into())
    }

    fn glob(s: &str) -> Pat {
        Pat::Glob(pattern(s), s.into())
    }

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn exact_words_match_one_argument_each() {
        assert!(args_match(
            &[exact("-rf"), exact("/")],
            &args(&["-rf", "/"])
        ));
        assert!(!args_match(&[exact("-rf")], &args(&["-rf", "/"])));
        assert!(!args_match(&[exact("-rf"), exact("/")], &args(&["-rf"])));
        assert!(!args_match(&[exact("/")], &args(&["~"])));
    }

    #[test]
    fn globs_match_their_expansion_or_themselves() {
        let p = [glob("*.txt")];
        assert!(args_match(&p, &args(&["a.txt", "b.txt"])));
        assert!(args_match(&p, &args(&["*.txt"])));
        assert!(!args_match(&p, &args(&[])));
        assert!(!args_match(&p, &args(&["notes.md"])));
        assert!(!args_match(&p, &args(&[".x.txt"])), "no leading dot");
        assert!(args_match(
            &[glob("./**/*.txt")],
            &args(&["./a.txt", "./src/b.txt"])
        ));
        assert!(args_match(&[glob("a**b")], &args(&["axyb"])));
        // Bash's escapes in a pattern.
        assert!(args_match(&[glob("*.m\\d")], &args(&["notes.md"])));
        assert!(args_match(&[glob("a\\*")], &args(&["a*"])));
        assert!(!args_match(&[glob("a\\*")], &args(&["ab"])));
        // What `find` finds: the root, dot files, any depth.
        assert!(args_match(&[glob("./**")], &args(&["./.env"])));
        assert!(args_match(&[glob("./**")], &args(&["."])));
        assert!(args_match(
            &[glob("./**/*.[rR][sS]")],
            &args(&["./src/main.rs"])
        ));
        assert!(!args_match(&[glob("./**/*.rs")], &args(&["../x.rs"])));
    }

    #[test]
    fn unknown_words_match_any_number_of_arguments() {
        let p = [exact("-f"), Pat::Any, exact("x")];
        assert!(args_match(&p, &args(&["-f", "x"])));
        assert!(args_match(&p, &args(&["-f", "a", "b", "x"])));
        assert!(!args_match(&p, &args(&["a", "x"])));
    }
}
