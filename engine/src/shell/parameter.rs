//! Bash's parameter expansion operators (`${x%/}`, `${x##*/}`, `${x/a/b}`, `${x^^}`,
//! `${x:1:3}`) applied to a value the engine knows, so that `rm -rf ${HOME%/}` is seen
//! as `rm -rf /home/dev`. An operator the engine cannot apply exactly makes the
//! expansion unknown, never a guess.

use glob::{MatchOptions, Pattern};

/// One operator after the parameter name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Operator {
    /// `%pat` (shortest) and `%%pat` (longest).
    RemoveSuffix { pattern: String, longest: bool },
    /// `#pat` and `##pat`.
    RemovePrefix { pattern: String, longest: bool },
    /// `/pat/with`, `//pat/with` (every match), `/#pat/with`, `/%pat/with`.
    Replace {
        pattern: String,
        with: String,
        all: bool,
        anchor: Option<Anchor>,
    },
    /// `^`, `^^`, `,`, `,,` without a pattern.
    Case { upper: bool, all: bool },
    /// `:offset` and `:offset:length`.
    Substring { offset: i64, length: Option<i64> },
}

/// Where a `${x/#pat/...}` replacement must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    End,
}

impl Operator {
    /// Read the text after the name (`%/`, `//a/b`, `:1:2`). `None` for operators that
    /// are not value transformations or that use expansions the engine does not follow.
    pub fn parse(rest: &str) -> Option<Operator> {
        // Patterns and replacements holding expansions or quotes need the full word
        // machinery; the engine leaves them unknown.
        if rest.contains(['$', '`', '"', '\'', '\\']) {
            return None;
        }
        let longest = |r: &str, c: char| r.starts_with(c);
        if let Some(r) = rest.strip_prefix('%') {
            let all = longest(r, '%');
            return Some(Operator::RemoveSuffix {
                pattern: r.strip_prefix('%').unwrap_or(r).to_owned(),
                longest: all,
            });
        }
        if let Some(r) = rest.strip_prefix('#') {
            let all = longest(r, '#');
            return Some(Operator::RemovePrefix {
                pattern: r.strip_prefix('#').unwrap_or(r).to_owned(),
                longest: all,
            });
        }
        if let Some(r) = rest.strip_prefix('/') {
            let (all, r) = match r.strip_prefix('/') {
                Some(r) => (true, r),
                None => (false, r),
            };
            let (anchor, r) = match r.chars().next() {
                Some('#') => (Some(Anchor::Start), &r[1..]),
                Some('%') => (Some(Anchor::End), &r[1..]),
                _ => (None, r),
            };
            let (pattern, with) = r.split_once('/').unwrap_or((r, ""));
            return Some(Operator::Replace {
                pattern: pattern.to_owned(),
                with: with.to_owned(),
                all,
                anchor,
            });
        }
        match rest {
            "^" => {
                return Some(Operator::Case {
                    upper: true,
                    all: false,
                });
            }
            "^^" => {
                return Some(Operator::Case {
                    upper: true,
                    all: true,
                });
            }
            "," => {
                return Some(Operator::Case {
                    upper: false,
                    all: false,
                });
            }
            ",," => {
                return Some(Operator::Case {
                    upper: false,
                    all: true,
                });
            }
            _ => {}
        }
        // `${x:-d}` and friends are defaults, handled by the caller; `${x: -2}` is a
        // substring with a negative offset.
        let r = rest.strip_prefix(':')?;
        if r.starts_with(['-', '=', '?', '+']) {
            return None;
        }
        let (offset, length) = match r.split_once(':') {
            Some((o, l)) => (o, Some(l)),
            None => (r, None),
        };
        let number = |s: &str| s.trim().parse::<i64>().ok();
        Some(Operator::Substring {
            offset: number(offset)?,
            length: match length {
                Some(l) => Some(number(l)?),
                None => None,
            },
        })
    }

    /// The expanded value; `None` when the pattern is not one the engine can match.
    pub fn apply(&self, value: &str) -> Option<String> {
        let chars: Vec<char> = value.chars().collect();
        let slice = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
        let n = chars.len();
        match self {
            Operator::RemoveSuffix { pattern, longest } => {
                let p = compile(pattern)?;
                let mut starts: Vec<usize> = (0..=n).collect();
                if !longest {
                    starts.reverse();
                }
                let cut = starts.into_iter().find(|&i| matches(&p, &slice(i, n)));
                Some(match cut {
                    Some(i) => slice(0, i),
                    None => value.to_owned(),
                })
            }
            Operator::RemovePrefix { pattern, longest } => {
                let p = compile(pattern)?;
                let mut ends: Vec<usize> = (0..=n).collect();
                if *longest {
                    ends.reverse();
                }
                let cut = ends.into_iter().find(|&i| matches(&p, &slice(0, i)));
                Some(match cut {
                    Some(i) => slice(i, n),
                    None => value.to_owned(),
                })
            }
            Operator::Replace {
                pattern,
                with,
                all,
                anchor,
            } => {
                if pattern.is_empty() {
                    return Some(value.to_owned());
                }
                let p = compile(pattern)?;
                let mut out = String::new();
                let mut i = 0;
                let mut replaced = false;
                while i <= n {
                    let anchored_ok = match anchor {
                        Some(Anchor::Start) => i == 0,
                        _ => true,
                    };
                    let end = if anchored_ok && (*all || !replaced) {
                        // The longest match starting here.
                        let candidates: Box<dyn Iterator<Item = usize>> = match anchor {
                            Some(Anchor::End) => Box::new(std::iter::once(n)),
                            _ => Box::new((i + 1..=n).rev()),
                        };
                        candidates
                            .filter(|&e| e > i)
                            .find(|&e| matches(&p, &slice(i, e)))
                    } else {
                        None
                    };
                    match end {
                        Some(e) => {
                            out.push_str(with);
                            i = e;
                            replaced = true;
                        }
                        None => {
                            if i < n {
                                out.push(chars[i]);
                            }
                            i += 1;
                        }
                    }
                }
                Some(out)
            }
            Operator::Case { upper, all } => {
                let convert = |c: char| -> String {
                    if *upper {
                        c.to_uppercase().collect()
                    } else {
                        c.to_lowercase().collect()
                    }
                };
                Some(if *all {
                    chars.iter().map(|&c| convert(c)).collect()
                } else {
                    let mut it = chars.iter();
                    match it.next() {
                        Some(&first) => convert(first) + &it.collect::<String>(),
                        None => String::new(),
                    }
                })
            }
            Operator::Substring { offset, length } => {
                let len = n as i64;
                let start = if *offset < 0 {
                    (len + offset).max(0)
                } else {
                    (*offset).min(len)
                };
                let end = match length {
                    None => len,
                    Some(l) if *l < 0 => len + l,
                    Some(l) => (start + l).min(len),
                };
                if end < start {
                    // Bash reports an error and expands to nothing.
                    return None;
                }
                Some(slice(start as usize, end as usize))
            }
        }
    }
}

fn compile(pattern: &str) -> Option<Pattern> {
    // Extended globs (`+(a|b)`) are not glob-crate patterns.
    if pattern.contains(['(', '|']) {
        return None;
    }
    Pattern::new(pattern).ok()
}

fn matches(p: &Pattern, text: &str) -> bool {
    // In parameter patterns `*` matches `/` too.
    p.matches_with(
        text,
        MatchOptions {
            case_sensitive: true,
            require_literal_separator: false,
            require_literal_leading_dot: false,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(value: &str, rest: &str) -> Option<String> {
        Operator::parse(rest)?.apply(value)
    }

    #[test]
    fn suffix_and_prefix_removal() {
        assert_eq!(ex("/home/dev/", "%/").as_deref(), Some("/home/dev"));
        assert_eq!(ex("/home/dev/project", "%/*").as_deref(), Some("/home/dev"));
        assert_eq!(ex("/home/dev/project", "%%/*").as_deref(), Some(""));
        assert_eq!(
            ex("/home/dev/project", "#*/").as_deref(),
            Some("home/dev/project")
        );
        assert_eq!(ex("/home/dev/project", "##*/").as_deref(), Some("project"));
        assert_eq!(ex("a.tar.gz", "%.*").as_deref(), Some("a.tar"));
        assert_eq!(ex("a.tar.gz", "%%.*").as_deref(), Some("a"));
        assert_eq!(ex("abc", "%x").as_deref(), Some("abc"));
    }

    #[test]
    fn replacement() {
        assert_eq!(ex("/home/dev/x", "/x/").as_deref(), Some("/home/dev/"));
        assert_eq!(ex("a-b-c", "//-/ ").as_deref(), Some("a b c"));
        assert_eq!(ex("a-b-c", "/-/ ").as_deref(), Some("a b-c"));
        assert_eq!(ex("xhome", "/#x/~").as_deref(), Some("~home"));
        assert_eq!(ex("homex", "/#x/~").as_deref(), Some("homex"));
        assert_eq!(ex("abc", "/%c/d").as_deref(), Some("abd"));
        assert_eq!(
            ex("/tmp/junk", "/\\/tmp\\/junk/~"),
            None,
            "escapes stay unknown"
        );
    }

    #[test]
    fn case_and_substring() {
        assert_eq!(ex("RM", ",,").as_deref(), Some("rm"));
        assert_eq!(ex("rm", "^").as_deref(), Some("Rm"));
        assert_eq!(ex("xx/home/dev", ":2").as_deref(), Some("/home/dev"));
        assert_eq!(ex("/home/devzz", ":0:9").as_deref(), Some("/home/dev"));
        assert_eq!(ex("abcdef", ": -3").as_deref(), Some("def"));
        assert_eq!(ex("abcdef", ":1:-1").as_deref(), Some("bcde"));
    }

    #[test]
    fn defaults_and_unknown_operators_are_not_transformations() {
        assert_eq!(Operator::parse(":-x"), None);
        assert_eq!(Operator::parse(":=x"), None);
        assert_eq!(Operator::parse("%$y"), None);
        assert_eq!(Operator::parse("@P"), None);
        assert_eq!(ex("ab", "%+(b)"), None);
    }
}
