//! An invocation's words as a program would read them: flags, options with values,
//! operands. How to read them comes from the packs' program vocabularies.

use std::collections::{HashMap, HashSet};

use crate::pack::format::Which;
use crate::shell::Word;
use crate::span::Span;

/// What the packs say about one program's command line, merged across all packs.
#[derive(Debug, Clone, Default)]
pub struct ProgramCli {
    /// Semantic flag name to spellings.
    pub flags: HashMap<String, FlagSpec>,
    /// Semantic option name to spellings; these options take a value.
    pub options: HashMap<String, Vec<String>>,
    /// Every spelling that takes a value.
    pub value_options: HashSet<String>,
    /// Single-dash words are whole option names (`find -delete`).
    pub long_single_dash: bool,
    /// `key=value` operands are options (`dd of=/dev/sda`).
    pub key_value: bool,
    pub reads: Option<Which>,
    pub writes: Option<Which>,
    pub deletes: Option<Which>,
    pub read_options: Vec<String>,
    /// Options whose value names a file after an `@` (`curl -d @file`).
    pub read_at_options: Vec<String>,
    pub write_options: Vec<String>,
    /// Flags that make it write what it reads (`sed -i`).
    pub in_place: FlagSpec,
    /// Options naming the directory it copies or moves into (`cp -t`); `Some` when the
    /// program may treat its last operand as that directory too.
    pub into_directory: Option<Vec<String>>,
}

/// The spellings of one flag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagSpec {
    /// Short letters (`-r` is `r`), matched inside clusters too.
    pub shorts: Vec<char>,
    /// Long names without `--`, matched by unambiguous prefix as getopt does.
    pub longs: Vec<String>,
    /// Other spellings matched as whole words (`-delete`, `+x`, `-20`).
    pub exact: Vec<String>,
}

impl FlagSpec {
    /// Sort spellings by shape. `single_dash_long` programs read `-name` as one word.
    pub fn from_spellings(spellings: &[String], single_dash_long: bool) -> FlagSpec {
        let mut spec = FlagSpec::default();
        for s in spellings {
            spec.add(s, single_dash_long);
        }
        spec
    }

    fn add(&mut self, s: &str, single_dash_long: bool) {
        if let Some(long) = s.strip_prefix("--") {
            self.longs.push(long.to_owned());
        } else if let Some(short) = s.strip_prefix('-')
            && short.chars().count() == 1
            && !single_dash_long
        {
            self.shorts.extend(short.chars());
        } else {
            self.exact.push(s.to_owned());
        }
    }

    pub fn merge(&mut self, other: &FlagSpec) {
        for c in &other.shorts {
            if !self.shorts.contains(c) {
                self.shorts.push(*c);
            }
        }
        for l in &other.longs {
            if !self.longs.contains(l) {
                self.longs.push(l.clone());
            }
        }
        for e in &other.exact {
            if !self.exact.contains(e) {
                self.exact.push(e.clone());
            }
        }
    }

    /// Is this flag present?
    pub fn present(&self, args: &ParsedArgs) -> bool {
        self.shorts.iter().any(|c| args.shorts.contains(c))
            || self
                .longs
                .iter()
                .any(|l| args.longs.iter().any(|given| long_matches(l, given)))
            || self.exact.iter().any(|e| args.words.iter().any(|w| w == e))
    }
}

/// `given` (as typed) selects the long option `name`: equal, or an abbreviation of it.
pub fn long_matches(name: &str, given: &str) -> bool {
    !given.is_empty() && name.starts_with(given)
}

/// An option and its value.
#[derive(Debug, Clone)]
pub struct OptionValue {
    /// As written: `-m`, `--message`, `of`.
    pub spelling: String,
    pub value: String,
    pub unresolved: bool,
    /// The parts of `value` only known at run time (see `Word::holes`).
    pub holes: Vec<Span>,
    /// The value is a pattern the shell expands (`of=/dev/sd?`).
    pub glob: bool,
}

/// The holes of the part of `w` from byte `offset` on, relative to that part.
fn holes_after(w: &Word, offset: usize) -> Vec<Span> {
    w.holes()
        .iter()
        .filter(|h| h.end > offset)
        .map(|h| Span::new(h.start.saturating_sub(offset), h.end - offset))
        .collect()
}

fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The words of an invocation, read.
#[derive(Debug, Clone, Default)]
pub struct ParsedArgs {
    /// Short flags present, from every cluster.
    pub shorts: Vec<char>,
    /// Long options present, without `--` and `=value`.
    pub longs: Vec<String>,
    /// Every option word as written (for exact spellings).
    pub words: Vec<String>,
    pub options: Vec<OptionValue>,
    /// Indexes into argv of positional operands.
    pub operands: Vec<usize>,
}

impl ParsedArgs {
    /// Read `argv` (argv[0] is the program) the way `cli` says.
    pub fn parse(argv: &[Word], cli: Option<&ProgramCli>) -> ParsedArgs {
        let empty = ProgramCli::default();
        let cli = cli.unwrap_or(&empty);
        let mut out = ParsedArgs::default();
        let mut i = 1;
        let mut after_dashes = false;
        while i < argv.len() {
            let w = &argv[i];
            let t = w.text.as_str();
            if after_dashes || t.len() < 2 || w.unresolved && !t.starts_with('-') {
                out.operands.push(i);
                i += 1;
                continue;
            }
            if t == "--" {
                after_dashes = true;
                out.words.push(t.to_owned());
                i += 1;
                continue;
            }
            if cli.key_value && !t.starts_with('-') {
                if let Some((k, v)) = t.split_once('=') {
                    out.options.push(OptionValue {
                        spelling: k.to_owned(),
                        value: v.to_owned(),
                        unresolved: w.unresolved,
                        holes: holes_after(w, k.len() + 1),
                        glob: w.glob && is_pattern(v),
                    });
                    out.words.push(k.to_owned());
                } else {
                    out.operands.push(i);
                }
                i += 1;
                continue;
            }
            if let Some(long) = t.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (long, None),
                };
                out.longs.push(name.to_owned());
                out.words.push(format!("--{name}"));
                let takes_value = cli
                    .value_options
                    .iter()
                    .any(|v| v.strip_prefix("--").is_some_and(|l| long_matches(l, name)));
                match (inline, takes_value) {
                    (Some(v), _) => out.options.push(OptionValue {
                        spelling: format!("--{name}"),
                        value: v.to_owned(),
                        unresolved: w.unresolved,
                        holes: holes_after(w, t.len() - v.len()),
                        glob: w.glob && is_pattern(v),
                    }),
                    (None, true) => {
                        if let Some(next) = argv.get(i + 1) {
                            out.options.push(OptionValue {
                                spelling: format!("--{name}"),
                                value: next.text.clone(),
                                unresolved: next.unresolved,
                                holes: next.holes().into_owned(),
                                glob: next.glob,
                            });
                        }
                        i += 1;
                    }
                    (None, false) => {}
                }
                i += 1;
                continue;
            }
            if let Some(body) = t.strip_prefix('-') {
                out.words.push(t.to_owned());
                if cli.long_single_dash || body.chars().all(|c| c.is_ascii_digit()) {
                    if cli.value_options.contains(t) {
                        if let Some(next) = argv.get(i + 1) {
                            out.options.push(OptionValue {
                                spelling: t.to_owned(),
                                value: next.text.clone(),
                                unresolved: next.unresolved,
                                holes: next.holes().into_owned(),
                                glob: next.glob,
                            });
                        }
                        i += 1;
                    }
                    i += 1;
                    continue;
                }
                // A cluster: the first letter that takes a value ends it.
                for (k, ch) in body.char_indices() {
                    out.shorts.push(ch);
                    let spelling = format!("-{ch}");
                    if cli.value_options.contains(&spelling) {
                        let attached = &body[k + ch.len_utf8()..];
                        if attached.is_empty() {
                            if let Some(next) = argv.get(i + 1) {
                                out.options.push(OptionValue {
                                    spelling,
                                    value: next.text.clone(),
                                    unresolved: next.unresolved,
                                    holes: next.holes().into_owned(),
                                    glob: next.glob,
                                });
                            }
                            i += 1;
                        } else {
                            out.options.push(OptionValue {
                                spelling,
                                value: attached.to_owned(),
                                unresolved: w.unresolved,
                                holes: holes_after(w, t.len() - attached.len()),
                                glob: w.glob && is_pattern(attached),
                            });
                        }
                        break;
                    }
                }
                i += 1;
                continue;
            }
            out.operands.push(i);
            i += 1;
        }
        // An inline value is unknown only where its own part of the word is.
        for o in &mut out.options {
            o.unresolved = !o.holes.is_empty();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn argv(s: &str) -> Vec<Word> {
        s.split_whitespace()
            .map(|t| Word::literal(t, Span::default()))
            .collect()
    }

    fn cli(values: &[&str]) -> ProgramCli {
        ProgramCli {
            value_options: values.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn flag(spellings: &[&str]) -> FlagSpec {
        FlagSpec::from_spellings(
            &spellings.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            false,
        )
    }

    #[test]
    fn clusters_long_prefixes_and_double_dash() {
        let a = ParsedArgs::parse(&argv("rm -rf -- -x /"), None);
        let recursive = flag(&["-r", "-R", "--recursive"]);
        assert!(recursive.present(&a));
        assert_eq!(
            a.operands,
            vec![3, 4],
            "after `--` everything is an operand"
        );
        let a = ParsedArgs::parse(&argv("rm --recur /"), None);
        assert!(recursive.present(&a), "getopt accepts abbreviations");
        let a = ParsedArgs::parse(&argv("rm -f /"), None);
        assert!(!recursive.present(&a));
    }

    #[test]
    fn value_options_consume_their_value() {
        let c = cli(&["-m", "--message", "-C"]);
        let a = ParsedArgs::parse(&argv("git -C /repo commit -am fix-f"), Some(&c));
        assert_eq!(a.operands, vec![3], "only the subcommand is an operand");
        assert!(
            !flag(&["-f"]).present(&a),
            "the `f` in the message is not a flag"
        );
        assert_eq!(
            a.options
                .iter()
                .map(|o| o.value.as_str())
                .collect::<Vec<_>>(),
            vec!["/repo", "fix-f"]
        );
        let a = ParsedArgs::parse(&argv("git commit --message=x --mess y"), Some(&c));
        assert_eq!(a.options.len(), 2);
    }

    #[test]
    fn single_dash_long_and_key_value_programs() {
        let find = ProgramCli {
            long_single_dash: true,
            value_options: ["-name".to_string()].into(),
            ..Default::default()
        };
        let a = ParsedArgs::parse(&argv("find . -name -rf -delete"), Some(&find));
        assert!(!flag(&["-r"]).present(&a), "-name's value is not a cluster");
        assert!(FlagSpec::from_spellings(&["-delete".into()], true).present(&a));
        let dd = ProgramCli {
            key_value: true,
            ..Default::default()
        };
        let a = ParsedArgs::parse(&argv("dd if=x of=/dev/sda bs=1M"), Some(&dd));
        assert_eq!(a.options[1].spelling, "of");
        assert_eq!(a.options[1].value, "/dev/sda");
    }

    #[test]
    fn numeric_flags_are_words() {
        let a = ParsedArgs::parse(&argv("head -20 f"), None);
        assert!(a.shorts.is_empty());
        assert_eq!(a.operands, vec![2]);
    }
}
