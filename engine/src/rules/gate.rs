//! The fast path: one aho-corasick automaton over keywords the compiler derived from
//! each rule's predicates. An invocation is checked against a rule only if one of the
//! rule's keywords occurs in it (rules the compiler could not derive keywords for are
//! always checked).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_syntax::hir::literal::Extractor;

use super::predicate::Pred;

/// A keyword that must occur in an invocation for a rule to possibly match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    /// Lower case.
    pub text: String,
    /// Must stand as a whole word (a program name), not inside another word.
    pub whole_word: bool,
}

/// Keywords of a predicate: `None` when some match could contain none of them.
pub fn keywords(pred: &Pred) -> Option<Vec<Keyword>> {
    match pred {
        Pred::Program { names, .. } => names
            .iter()
            .map(|n| {
                let prefix = n.literal_prefix();
                let exact = matches!(n, super::value::NameMatch::Exact(_));
                (prefix.len() >= 2).then(|| Keyword {
                    text: prefix.to_lowercase(),
                    whole_word: exact,
                })
            })
            .collect(),
        Pred::Text { regex, .. } => regex_keywords(&regex.pattern),
        Pred::All(parts) => parts.iter().find_map(keywords),
        Pred::Any(parts) => parts
            .iter()
            .map(keywords)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat()),
        _ => None,
    }
}

/// Literals every match of `pattern` starts with, when there are few and long enough.
fn regex_keywords(pattern: &str) -> Option<Vec<Keyword>> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let seq = Extractor::new().extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() {
        return None;
    }
    let mut out: Vec<Keyword> = Vec::new();
    for lit in literals {
        let text = std::str::from_utf8(lit.as_bytes()).ok()?.to_lowercase();
        if text.len() < 2 {
            return None;
        }
        if !out.iter().any(|k| k.text == text) {
            out.push(Keyword {
                text,
                whole_word: false,
            });
        }
    }
    Some(out)
}

/// Candidate rules per invocation text.
#[derive(Debug)]
pub struct Gate {
    automaton: Option<AhoCorasick>,
    /// Per automaton pattern: the rules it admits and whether it needs word boundaries.
    patterns: Vec<(Vec<u32>, bool)>,
    /// Rules without keywords: always candidates.
    always: Vec<u32>,
    rule_count: usize,
}

impl Gate {
    /// `rules` pairs each rule index with its keywords (`None`: always a candidate).
    pub fn build(rules: &[(u32, Option<Vec<Keyword>>)], rule_count: usize) -> Gate {
        let mut texts: Vec<(String, bool)> = Vec::new();
        let mut patterns: Vec<(Vec<u32>, bool)> = Vec::new();
        let mut always = Vec::new();
        for (rule, kws) in rules {
            let Some(kws) = kws else {
                always.push(*rule);
                continue;
            };
            for k in kws {
                let key = (k.text.clone(), k.whole_word);
                match texts.iter().position(|t| *t == key) {
                    Some(i) => patterns[i].0.push(*rule),
                    None => {
                        texts.push(key);
                        patterns.push((vec![*rule], k.whole_word));
                    }
                }
            }
        }
        let automaton = (!texts.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                // A DFA matches a little faster but costs far more to build, and the
                // hook builds this once per process to scan one short input.
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(texts.iter().map(|(t, _)| t.as_str()))
                .expect("keyword automaton: patterns are plain strings")
        });
        Gate {
            automaton,
            patterns,
            always,
            rule_count,
        }
    }

    /// The rules to check for an invocation whose normalised text is `text`, in rule order.
    pub fn candidates(&self, text: &str) -> Vec<u32> {
        let mut hit = vec![0u64; self.rule_count.div_ceil(64)];
        for &r in &self.always {
            hit[r as usize / 64] |= 1 << (r % 64);
        }
        if let Some(ac) = &self.automaton {
            let bytes = text.as_bytes();
            for m in ac.find_overlapping_iter(text) {
                let (rules, whole) = &self.patterns[m.pattern().as_usize()];
                if *whole {
                    let before = m.start() == 0 || bytes[m.start() - 1] == b' ';
                    let after = m.end() == bytes.len() || bytes[m.end()] == b' ';
                    if !(before && after) {
                        continue;
                    }
                }
                for &r in rules {
                    hit[r as usize / 64] |= 1 << (r % 64);
                }
            }
        }
        let mut out = Vec::new();
        for (i, word) in hit.iter().enumerate() {
            let mut w = *word;
            while w != 0 {
                let bit = w.trailing_zeros();
                out.push(i as u32 * 64 + bit);
                w &= w - 1;
            }
        }
        out
    }

    /// How many rules are always candidates (for `explain`).
    pub fn always_count(&self) -> usize {
        self.always.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_literals_become_keywords() {
        let k = regex_keywords(r"(?i)\bdrop\s+table").unwrap();
        assert_eq!(
            k,
            vec![Keyword {
                text: "drop".into(),
                whole_word: false
            }]
        );
        assert!(regex_keywords(r".*x").is_none(), "no required prefix");
        assert!(regex_keywords(r"a|b").is_none(), "too short");
    }

    #[test]
    fn program_keywords_need_word_boundaries() {
        let rm = Some(vec![Keyword {
            text: "rm".into(),
            whole_word: true,
        }]);
        let drop = Some(vec![Keyword {
            text: "drop".into(),
            whole_word: false,
        }]);
        let gate = Gate::build(&[(0, rm), (1, drop), (2, None)], 3);
        assert_eq!(gate.candidates("rm -rf /"), vec![0, 2]);
        assert_eq!(
            gate.candidates("format disk"),
            vec![2],
            "`rm` inside `format` is not the program"
        );
        assert_eq!(
            gate.candidates("psql -c DROP"),
            vec![1, 2],
            "case-insensitive"
        );
    }
}
