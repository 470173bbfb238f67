//! Words after quote removal and expansion, the way bash would see them.
//!
//! A word is assembled from [`Piece`]s (literal text, expansions the engine resolved,
//! expansions it could not), then goes through bash's own order: brace expansion,
//! tilde expansion, (already done) parameter expansion, field splitting, and a note of
//! which characters would glob. Quoting is tracked per character so that `"*"` does not
//! glob, `"~"` stays a tilde and `"$X"` is not split.

use std::ops::Range;

use serde::Serialize;

use crate::span::Span;

/// One shell word after quote removal and expansion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    /// The value bash would pass (unresolvable parts kept as their source text).
    pub text: String,
    /// Where the word is in the original input.
    pub span: Span,
    /// Part of the value comes from an expansion the engine could not resolve.
    pub unresolved: bool,
    /// Where in `text` those parts are: byte ranges of `text` (not of the input) that
    /// stand for values only known at run time, kept as their source text (`$D`,
    /// `$(cd ~ && pwd)`). Empty exactly when the word is resolved. What lies around
    /// them is known: `$D/bouncer.yaml` ends in `/bouncer.yaml` whatever `$D` is.
    pub holes: Vec<Span>,
    /// Contains an unquoted `*`, `?` or `[` that the shell would expand.
    pub glob: bool,
    /// Some part of it was quoted or escaped.
    pub quoted: bool,
    /// Its byte range in the text currently being parsed (nested code has its own text),
    /// which tells the walker which substitutions sit in which word.
    #[serde(skip)]
    pub(crate) origin: Span,
}

impl Word {
    /// A plain literal word (used for words the engine synthesises, e.g. `sh -c`'s split).
    pub fn literal(text: impl Into<String>, span: Span) -> Self {
        Word {
            text: text.into(),
            span,
            unresolved: false,
            holes: Vec::new(),
            glob: false,
            quoted: false,
            origin: span,
        }
    }

    /// Literal words split on blanks, for tests that build an argv by hand.
    #[cfg(test)]
    pub(crate) fn literals(line: &str) -> Vec<Word> {
        line.split_whitespace()
            .map(|t| Word::literal(t, Span::default()))
            .collect()
    }

    /// Several words joined by spaces into one command line, as `watch` and `eval` do
    /// before a shell reads them. `None` for no words.
    pub fn joined(words: &[Word]) -> Option<Word> {
        Self::joined_with(words, |_, t| t.to_owned())
    }

    /// [`Word::joined`], with `escape` applied to the known text of each word first
    /// (`sudo -s` backslash-escapes it); holes stay as their source text, which is no
    /// value to escape.
    pub fn joined_with(words: &[Word], escape: impl Fn(&Word, &str) -> String) -> Option<Word> {
        let (first, last) = (words.first()?, words.last()?);
        let mut text = String::new();
        let mut holes = Vec::new();
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            let mut pos = 0;
            for h in w.holes().iter() {
                text.push_str(&escape(w, w.text.get(pos..h.start).unwrap_or("")));
                let at = text.len();
                text.push_str(w.text.get(h.start..h.end).unwrap_or(""));
                holes.push(Span::new(at, text.len()));
                pos = h.end;
            }
            text.push_str(&escape(w, w.text.get(pos..).unwrap_or("")));
        }
        Some(Word {
            text,
            span: first.span.cover(last.span),
            unresolved: !holes.is_empty(),
            holes,
            glob: false,
            quoted: true,
            origin: first.origin.cover(last.origin),
        })
    }

    /// A stand-in for a value only known at run time (an `xargs` argument, a `find` match).
    pub fn placeholder(text: impl Into<String>, span: Span) -> Self {
        let text = text.into();
        Word {
            holes: vec![Span::new(0, text.len())],
            text,
            span,
            unresolved: true,
            glob: false,
            quoted: false,
            origin: span,
        }
    }
}

impl Word {
    /// The parts of `text` only known at run time (see [`Word::holes`]).
    pub fn holes(&self) -> std::borrow::Cow<'_, [Span]> {
        if self.unresolved && self.holes.is_empty() {
            std::borrow::Cow::Owned(vec![Span::new(0, self.text.len())])
        } else {
            std::borrow::Cow::Borrowed(&self.holes)
        }
    }

    /// The word is a process substitution, `<(cmd)` or `>(cmd)`: a pipe bash names
    /// `/dev/fd/N`, whose contents are only known at run time but whose name is no
    /// file anyone chose.
    pub fn is_process_substitution(&self) -> bool {
        self.holes().as_ref() == [Span::new(0, self.text.len())]
            && (self.text.starts_with("<(") || self.text.starts_with(">("))
            && self.text.ends_with(')')
    }

    /// Make the whole word unknown: its value may be any of several the engine did
    /// not keep apart.
    pub fn forget(&mut self) {
        self.unresolved = true;
        self.holes = vec![Span::new(0, self.text.len())];
    }
}

/// A fragment of a word before expansion is finished.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    /// Text from the source or from a resolved expansion.
    Text {
        text: String,
        quoted: bool,
        /// Comes from a variable's value: subject to field splitting when unquoted,
        /// and never to brace or tilde expansion.
        expansion: bool,
    },
    /// An expansion the engine cannot resolve; `raw` is its source text.
    Unknown { raw: String },
    /// The items of `$@` or `${a[@]}`: each is its own word, and quoted, an empty item
    /// is an empty word.
    List { items: Vec<String>, quoted: bool },
    /// A variable's value known in part: `holes` are the byte ranges of `text` only
    /// known at run time.
    Partial {
        text: String,
        holes: Vec<Span>,
        quoted: bool,
    },
    /// A variable with several possible values (assigned in branches, a `for` list).
    /// `None` stands for "some value the engine does not know"; `raw` is the source text.
    Choice {
        options: Vec<Option<String>>,
        quoted: bool,
        raw: String,
    },
}

/// Most variants of one word the engine will enumerate before giving up and
/// treating the word as unresolved.
const MAX_VARIANTS: usize = 8;
/// Most words a brace expansion may produce.
const MAX_BRACE_WORDS: usize = 64;

/// What finished expansion needs to know about its surroundings.
/// It borrows from the scope: building one costs nothing (it runs for every command).
#[derive(Clone, Copy)]
pub(crate) struct ExpandEnv<'a> {
    /// `$HOME`, which `~` stands for; `None` when only known at run time.
    pub home: Option<&'a str>,
    pub cwd: Option<&'a str>,
    /// The characters unquoted expansions are split on (`$IFS`): `None` when only
    /// known at run time.
    pub ifs: Option<&'a str>,
}

/// Bash's IFS when none is set: space, tab, newline.
pub(crate) const DEFAULT_IFS: &str = " \t\n";

/// Finish a word: returns its variants (one unless a variable has several values),
/// each a list of fields (one unless unquoted expansion or brace expansion splits it).
pub(crate) fn finish(
    pieces: Vec<Piece>,
    span: Span,
    origin: Span,
    env: &ExpandEnv<'_>,
) -> Vec<Vec<Word>> {
    choices(pieces)
        .into_iter()
        .map(|variant| expand_variant(variant, span, origin, env, Expansion::Word))
        .collect()
}

/// Finish the value of an assignment (`X=...`): one word per variant, with tilde
/// expansion but no brace expansion, field splitting or globbing, as bash does there.
pub(crate) fn finish_value(
    pieces: Vec<Piece>,
    span: Span,
    origin: Span,
    env: &ExpandEnv<'_>,
) -> Vec<Word> {
    choices(pieces)
        .into_iter()
        .map(|variant| {
            expand_variant(variant, span, origin, env, Expansion::Value)
                .pop()
                .unwrap_or_else(|| Word::literal("", span))
        })
        .collect()
}

/// Which expansions a word goes through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expansion {
    /// An argument: braces, tilde, field splitting, globs.
    Word,
    /// An assignment's value: tilde only.
    Value,
}

/// Enumerate the combinations of `Choice` pieces, capped at [`MAX_VARIANTS`].
fn choices(pieces: Vec<Piece>) -> Vec<Vec<Piece>> {
    let count: usize = pieces
        .iter()
        .map(|p| match p {
            Piece::Choice { options, .. } => options.len().max(1),
            _ => 1,
        })
        .try_fold(1usize, |acc, n| acc.checked_mul(n))
        .unwrap_or(usize::MAX);
    if count <= 1 || count > MAX_VARIANTS {
        // Single variant; a choice we cannot afford to enumerate is unknown.
        let flat = pieces
            .into_iter()
            .map(|p| match p {
                Piece::Choice {
                    mut options,
                    quoted,
                    raw,
                } if options.len() == 1 => match options.pop() {
                    Some(Some(text)) => Piece::Text {
                        text,
                        quoted,
                        expansion: true,
                    },
                    _ => Piece::Unknown { raw },
                },
                Piece::Choice { raw, .. } => Piece::Unknown { raw },
                other => other,
            })
            .collect();
        return vec![flat];
    }
    let mut variants: Vec<Vec<Piece>> = vec![Vec::new()];
    for piece in pieces {
        match piece {
            Piece::Choice {
                options,
                quoted,
                raw,
            } => {
                let mut next = Vec::with_capacity(variants.len() * options.len());
                for v in &variants {
                    for opt in &options {
                        let mut v = v.clone();
                        v.push(match opt {
                            Some(text) => Piece::Text {
                                text: text.clone(),
                                quoted,
                                expansion: true,
                            },
                            None => Piece::Unknown { raw: raw.clone() },
                        });
                        next.push(v);
                    }
                }
                variants = next;
            }
            other => variants.iter_mut().for_each(|v| v.push(other.clone())),
        }
    }
    variants
}

/// A character with the quoting that decides how bash treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QChar {
    c: char,
    quoted: bool,
    expansion: bool,
    /// Stands for a value only known at run time.
    hole: bool,
    /// Not a character: a boundary between two items of a list (`"$@"`), which always
    /// ends a word; `quoted` says whether an empty item there is a word.
    brk: bool,
    /// Not a character: a quoted string or an expansion that produced nothing (`""`,
    /// `$empty`). Bash still sees it between its neighbours: `~""/x` and `""~` have no
    /// tilde prefix, and a quoted one keeps an empty field (`$X""` with `X=' a '` is
    /// `a` and ``). Unquoted ones are dropped after tilde expansion.
    mark: bool,
}

fn expand_variant(
    pieces: Vec<Piece>,
    span: Span,
    origin: Span,
    env: &ExpandEnv<'_>,
    how: Expansion,
) -> Vec<Word> {
    // Fast paths: one unquoted literal with nothing to expand, or one quoted text
    // (`"..."`, `'...'`: no braces, tilde, splitting or globbing; a quoted nothing
    // is still a word).
    let fast = match pieces.as_slice() {
        [
            Piece::Text {
                text,
                quoted: false,
                expansion: false,
            },
        ] if !text.contains(['~', '{']) => Some((text.contains(['*', '?', '[']), false)),
        [Piece::Text { quoted: true, .. }] => Some((false, true)),
        _ => None,
    };
    if let Some((glob, quoted)) = fast {
        let text = match pieces.into_iter().next() {
            Some(Piece::Text { text, .. }) => text,
            _ => String::new(),
        };
        return vec![Word {
            glob,
            text,
            span,
            unresolved: false,
            holes: Vec::new(),
            quoted,
            origin,
        }];
    }

    let mut chars: Vec<QChar> = Vec::new();
    for piece in &pieces {
        let before = chars.len();
        match piece {
            Piece::Text {
                text,
                quoted,
                expansion,
            } => chars.extend(text.chars().map(|c| QChar {
                c,
                brk: false,
                mark: false,
                quoted: *quoted,
                expansion: *expansion,
                hole: false,
            })),
            // Unknown text is kept verbatim and treated as quoted: it must not glob or split.
            Piece::Unknown { raw } => chars.extend(raw.chars().map(|c| QChar {
                c,
                brk: false,
                mark: false,
                quoted: true,
                expansion: false,
                hole: true,
            })),
            Piece::List { items, quoted } => {
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        chars.push(QChar {
                            c: '\0',
                            brk: true,
                            mark: false,
                            quoted: *quoted,
                            expansion: true,
                            hole: false,
                        });
                    }
                    chars.extend(item.chars().map(|c| QChar {
                        c,
                        brk: false,
                        mark: false,
                        quoted: *quoted,
                        expansion: true,
                        hole: false,
                    }));
                }
            }
            Piece::Partial {
                text,
                holes,
                quoted,
            } => chars.extend(text.char_indices().map(|(i, c)| {
                let hole = holes.iter().any(|h| h.start <= i && i < h.end);
                QChar {
                    c,
                    brk: false,
                    mark: false,
                    quoted: *quoted || hole,
                    expansion: !hole,
                    hole,
                }
            })),
            Piece::Choice { .. } => unreachable!("choices are enumerated before expansion"),
        }
        let literal = matches!(
            piece,
            Piece::Text {
                quoted: false,
                expansion: false,
                ..
            }
        );
        if chars.len() == before && !literal {
            chars.push(QChar {
                c: '\0',
                quoted: matches!(piece, Piece::Text { quoted: true, .. }),
                expansion: true,
                hole: false,
                brk: false,
                mark: true,
            });
        }
    }
    // A quoted string, or a quoted list with an item (even an empty one), makes a word.
    let had_any_quote = pieces.iter().any(|p| match p {
        Piece::Text { quoted: true, .. } => true,
        Piece::List { items, quoted } => *quoted && !items.is_empty(),
        _ => false,
    });

    if how == Expansion::Value {
        let tilded = assignment_tildes(chars, 0, env);
        let (text, holes) = text_and_holes(&drop_unquoted_marks(tilded));
        return vec![Word {
            text,
            span,
            unresolved: !holes.is_empty(),
            holes,
            glob: false,
            quoted: had_any_quote,
            origin,
        }];
    }
    let mut words = Vec::new();
    for braced in brace_expand(chars) {
        let mut tilded = tilde_expand(braced, env);
        if let Some(value) = assignment_value(&tilded) {
            tilded = assignment_tildes(tilded, value, env);
        }
        let tilded = drop_unquoted_marks(tilded);
        for field in split_fields(tilded, had_any_quote, env.ifs) {
            let quoted = field.iter().any(|q| q.quoted) || had_any_quote;
            let (text, holes) = text_and_holes(&field);
            words.push(Word {
                text,
                span,
                unresolved: !holes.is_empty(),
                holes,
                glob: field
                    .iter()
                    .any(|q| !q.quoted && matches!(q.c, '*' | '?' | '[')),
                quoted,
                origin,
            });
        }
    }
    words
}

/// A field's text, and the byte ranges of it that are holes.
fn text_and_holes(field: &[QChar]) -> (String, Vec<Span>) {
    let mut text = String::with_capacity(field.len());
    let mut holes: Vec<Span> = Vec::new();
    for q in field {
        if q.mark {
            continue;
        }
        let at = text.len();
        text.push(q.c);
        if q.hole {
            match holes.last_mut() {
                Some(h) if h.end == at => h.end = text.len(),
                _ => holes.push(Span::new(at, text.len())),
            }
        }
    }
    (text, holes)
}

/// Bash brace expansion over unquoted source characters: `a{b,c}d`, `{1..3}`, nested.
fn brace_expand(chars: Vec<QChar>) -> Vec<Vec<QChar>> {
    let mut out = Vec::new();
    brace_expand_into(chars, &mut out);
    out
}

fn brace_expand_into(chars: Vec<QChar>, out: &mut Vec<Vec<QChar>>) {
    if out.len() >= MAX_BRACE_WORDS {
        out.push(chars);
        return;
    }
    let is = |q: &QChar, c: char| q.c == c && !q.quoted && !q.expansion;
    // Find the first `{` with a matching `}` and a top-level `,` or `..`.
    for open in 0..chars.len() {
        if !is(&chars[open], '{') {
            continue;
        }
        let mut depth = 0;
        let mut commas = Vec::new();
        let mut close = None;
        for (i, q) in chars.iter().enumerate().skip(open) {
            if is(q, '{') {
                depth += 1;
            } else if is(q, '}') {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            } else if depth == 1 && is(q, ',') {
                commas.push(i);
            }
        }
        let Some(close) = close else { continue };
        let prefix = &chars[..open];
        let suffix = &chars[close + 1..];
        let inner = &chars[open + 1..close];
        let alternatives: Vec<Vec<QChar>> = if !commas.is_empty() {
            let mut parts = Vec::new();
            let mut start = open + 1;
            for &c in commas.iter().chain(std::iter::once(&close)) {
                parts.push(chars[start..c].to_vec());
                start = c + 1;
            }
            parts
        } else if let Some(seq) = sequence(inner) {
            seq
        } else {
            continue;
        };
        for alt in alternatives {
            let mut word = prefix.to_vec();
            word.extend(alt);
            word.extend_from_slice(suffix);
            brace_expand_into(word, out);
        }
        return;
    }
    out.push(chars);
}

/// `{1..5}`, `{a..e}`, `{10..1..2}` as alternatives; `None` if not a sequence.
fn sequence(inner: &[QChar]) -> Option<Vec<Vec<QChar>>> {
    let text: String = inner.iter().map(|q| q.c).collect();
    let parts: Vec<&str> = text.split("..").collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let step: i64 = parts.get(2).map_or(Some(1), |s| s.parse().ok())?.max(1);
    let lit = |s: String| {
        s.chars()
            .map(|c| QChar {
                c,
                brk: false,
                mark: false,
                quoted: false,
                expansion: false,
                hole: false,
            })
            .collect()
    };
    if let (Ok(a), Ok(b)) = (parts[0].parse::<i64>(), parts[1].parse::<i64>()) {
        let n = ((a - b).unsigned_abs() / step as u64) as usize + 1;
        if n > MAX_BRACE_WORDS {
            return None;
        }
        let dir = if b >= a { step } else { -step };
        return Some(
            (0..n)
                .map(|i| lit((a + dir * i as i64).to_string()))
                .collect(),
        );
    }
    let (a, b) = (
        parts[0].chars().collect::<Vec<_>>(),
        parts[1].chars().collect::<Vec<_>>(),
    );
    if let ([a], [b]) = (a.as_slice(), b.as_slice())
        && a.is_ascii_alphabetic()
        && b.is_ascii_alphabetic()
    {
        let (lo, hi) = ((*a).min(*b) as u8, (*a).max(*b) as u8);
        let mut seq: Vec<Vec<QChar>> = (lo..=hi)
            .step_by(step as usize)
            .map(|c| lit((c as char).to_string()))
            .collect();
        if a > b {
            seq.reverse();
        }
        return Some(seq);
    }
    None
}

/// `~`, `~/x`, `~user`, `~+` at the start of an unquoted word. The prefix runs to the
/// first unquoted `/`; any quoting or expansion in it, even of nothing (`~""/x`,
/// `~'/x'`, `""~`), makes it no tilde prefix.
fn tilde_expand(chars: Vec<QChar>, env: &ExpandEnv<'_>) -> Vec<QChar> {
    let plain = |q: &QChar| !q.quoted && !q.expansion && !q.mark;
    if !chars.first().is_some_and(|q| q.c == '~' && plain(q)) {
        return chars;
    }
    let end = chars
        .iter()
        .position(|q| q.c == '/' && plain(q))
        .unwrap_or(chars.len());
    if !chars[..end].iter().all(plain) {
        return chars;
    }
    let user: String = chars[1..end].iter().map(|q| q.c).collect();
    let replacement = match user.as_str() {
        "" => match env.home {
            Some(home) => home.to_owned(),
            None => {
                // A home only known at run time: the prefix is a hole.
                let mut out: Vec<QChar> = chars[..end]
                    .iter()
                    .map(|q| QChar {
                        quoted: true,
                        hole: true,
                        ..*q
                    })
                    .collect();
                out.extend_from_slice(&chars[end..]);
                return out;
            }
        },
        "+" => match env.cwd {
            Some(cwd) => cwd.to_owned(),
            None => return chars,
        },
        "root" => "/root".to_owned(),
        u if u
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) =>
        {
            format!("/home/{u}")
        }
        _ => return chars,
    };
    let mut out: Vec<QChar> = replacement
        .chars()
        .map(|c| QChar {
            c,
            brk: false,
            mark: false,
            quoted: true,
            expansion: false,
            hole: false,
        })
        .collect();
    out.extend_from_slice(&chars[end..]);
    out
}

/// Where the value starts in an argument written like an assignment (`NAME=`,
/// `NAME+=`, `NAME[i]=`, the name and `=` unquoted), which bash gives an assignment's
/// tilde expansion (`echo Y=~/x` prints `Y=/home/dev/x`).
fn assignment_value(chars: &[QChar]) -> Option<usize> {
    let plain = |q: &QChar| !q.quoted && !q.expansion && !q.mark && !q.brk;
    let first = chars.first()?;
    if !(plain(first) && (first.c.is_ascii_alphabetic() || first.c == '_')) {
        return None;
    }
    let mut i = 1;
    while chars
        .get(i)
        .is_some_and(|q| plain(q) && (q.c.is_ascii_alphanumeric() || q.c == '_'))
    {
        i += 1;
    }
    if chars.get(i).is_some_and(|q| plain(q) && q.c == '[') {
        i += chars[i..].iter().position(|q| plain(q) && q.c == ']')? + 1;
    }
    if chars.get(i).is_some_and(|q| plain(q) && q.c == '+') {
        i += 1;
    }
    chars
        .get(i)
        .is_some_and(|q| plain(q) && q.c == '=')
        .then_some(i + 1)
}

/// The tilde prefixes of an assignment's value, which starts at `from`: one at its
/// start and one after each unquoted `:` (`PATH=~/bin:~/go/bin`).
fn assignment_tildes(mut chars: Vec<QChar>, from: usize, env: &ExpandEnv<'_>) -> Vec<QChar> {
    let plain = |q: &QChar| !q.quoted && !q.expansion && !q.mark;
    if !chars[from..].iter().any(|q| q.c == '~' && plain(q)) {
        return chars;
    }
    let rest = chars.split_off(from);
    let mut segment = Vec::new();
    for q in rest {
        if q.c == ':' && plain(&q) {
            chars.extend(tilde_expand(std::mem::take(&mut segment), env));
            chars.push(q);
        } else {
            segment.push(q);
        }
    }
    chars.extend(tilde_expand(segment, env));
    chars
}

/// Unquoted marks only stop tilde expansion; field splitting must not see them.
fn drop_unquoted_marks(mut chars: Vec<QChar>) -> Vec<QChar> {
    chars.retain(|q| !q.mark || q.quoted);
    chars
}

/// Split unquoted expansion results on the characters of IFS, as bash does: IFS
/// whitespace around a field is dropped and runs of it separate once; every other IFS
/// character ends a field (so `a,,b` with `IFS=,` is `a`, ``, `b`). An unquoted
/// expansion that is empty vanishes; `""` stays an empty word. With IFS only known at
/// run time, a word with unquoted expanded text is split who knows where: it is
/// unknown.
fn split_fields(chars: Vec<QChar>, had_any_quote: bool, ifs: Option<&str>) -> Vec<Vec<QChar>> {
    if !chars.iter().any(|q| q.brk) {
        return split_ifs(chars, had_any_quote, ifs);
    }
    // List items: each boundary ends a word; an empty quoted item is an empty word.
    let mut fields = Vec::new();
    let mut segment: Vec<QChar> = Vec::new();
    let mut kept = false;
    for q in chars {
        if q.brk {
            fields.extend(split_ifs(
                std::mem::take(&mut segment),
                kept || q.quoted,
                ifs,
            ));
            kept = q.quoted;
        } else {
            segment.push(q);
        }
    }
    fields.extend(split_ifs(segment, kept, ifs));
    fields
}

/// [`split_fields`] within one list item (or a word without one).
fn split_ifs(mut chars: Vec<QChar>, had_any_quote: bool, ifs: Option<&str>) -> Vec<Vec<QChar>> {
    let Some(ifs) = ifs else {
        if chars.iter().any(|q| q.expansion && !q.quoted) {
            chars.iter_mut().for_each(|q| q.hole = true);
        }
        return if chars.is_empty() && !had_any_quote {
            Vec::new()
        } else {
            vec![chars]
        };
    };
    let splits = |q: &QChar| q.expansion && !q.quoted && ifs.contains(q.c);
    if !chars.iter().any(splits) {
        if chars.is_empty() && !had_any_quote {
            return Vec::new();
        }
        return vec![chars];
    }
    let white = |q: &QChar| splits(q) && matches!(q.c, ' ' | '\t' | '\n');
    let mut fields = Vec::new();
    let mut field: Vec<QChar> = Vec::new();
    let mut i = 0;
    // Leading IFS whitespace is dropped.
    while i < chars.len() && white(&chars[i]) {
        i += 1;
    }
    while i < chars.len() {
        let q = chars[i];
        if !splits(&q) {
            field.push(q);
            i += 1;
            continue;
        }
        // A delimiter: IFS whitespace, then at most one other IFS character, then
        // IFS whitespace again.
        while i < chars.len() && white(&chars[i]) {
            i += 1;
        }
        if i < chars.len() && splits(&chars[i]) && !white(&chars[i]) {
            i += 1;
            while i < chars.len() && white(&chars[i]) {
                i += 1;
            }
            fields.push(std::mem::take(&mut field));
        } else if i < chars.len() {
            fields.push(std::mem::take(&mut field));
        }
    }
    if !field.is_empty() {
        fields.push(field);
    }
    fields
}

/// Remove backslash escapes from unquoted text: `\x` is `x`, `\<newline>` vanishes.
/// Returns pieces so that escaped characters count as quoted.
pub(crate) fn unquoted_text_pieces(raw: &str, pieces: &mut Vec<Piece>) {
    if !raw.contains('\\') {
        pieces.push(Piece::Text {
            text: raw.to_owned(),
            quoted: false,
            expansion: false,
        });
        return;
    }
    let mut plain = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            plain.push(c);
            continue;
        }
        match chars.next() {
            Some('\n') => {}
            Some(escaped) => {
                if !plain.is_empty() {
                    pieces.push(Piece::Text {
                        text: std::mem::take(&mut plain),
                        quoted: false,
                        expansion: false,
                    });
                }
                pieces.push(Piece::Text {
                    text: escaped.to_string(),
                    quoted: true,
                    expansion: false,
                });
            }
            None => plain.push('\\'),
        }
    }
    if !plain.is_empty() {
        pieces.push(Piece::Text {
            text: plain,
            quoted: false,
            expansion: false,
        });
    }
}

/// Remove the escapes bash honours inside double quotes: `\$ \` \" \\ \<newline>`.
pub(crate) fn double_quoted_text(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('\n') => {
                    chars.next();
                    continue;
                }
                Some(&e @ ('$' | '`' | '"' | '\\')) => {
                    chars.next();
                    out.push(e);
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// One unit of a decoded ANSI-C string, with the bytes of the source it came from
/// (always whole characters): a byte, or `None` for an escape of a code point that is
/// not Unicode (`\ud800`, `\U110000`), whose bytes bash leaves to the C library.
type AnsiUnit = (Option<u8>, Range<usize>);

/// Decode escapes the way bash does for `$'...'` (`ansicstr`): `\xHH` and `\NNN` are
/// bytes (masked to 8 bits), `\u`/`\U` the UTF-8 of a code point, `\cX` a control
/// character, and an escape bash does not know keeps its backslash.
fn ansi_c_units(raw: &str) -> Vec<AnsiUnit> {
    let b = raw.as_bytes();
    // The end of the character that starts at `i`.
    let char_end = |i: usize| {
        (i + 1..=b.len())
            .find(|&j| raw.is_char_boundary(j))
            .unwrap_or(b.len())
    };
    // Up to `max` digits of `radix` from `*i`: their value (wrapping, as bash's `int`
    // does; only the low bits are used) and how many there were.
    let digits = |i: &mut usize, max: usize, radix: u32| {
        let (mut value, mut n) = (0u32, 0);
        while n < max
            && let Some(d) = b.get(*i).and_then(|&c| char::from(c).to_digit(radix))
        {
            value = value.wrapping_mul(radix).wrapping_add(d);
            *i += 1;
            n += 1;
        }
        (value, n)
    };
    let mut out: Vec<AnsiUnit> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i] != b'\\' || i + 1 == b.len() {
            let end = char_end(i);
            out.extend(b[i..end].iter().map(|&c| (Some(c), start..end)));
            i = end;
            continue;
        }
        let e = b[i + 1];
        i += 2;
        let byte = match e {
            b'a' => 0x07,
            b'b' => 0x08,
            b'e' | b'E' => 0x1b,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            b'\\' | b'\'' | b'"' | b'?' => e,
            b'0'..=b'7' => {
                let (rest, n) = digits(&mut i, 2, 8);
                ((u32::from(e - b'0') << (3 * n)) + rest) as u8
            }
            b'x' if b.get(i) == Some(&b'{') => {
                // `\x{HHH}`: any number of digits, the closing brace optional.
                i += 1;
                let (value, _) = digits(&mut i, usize::MAX, 16);
                if b.get(i) == Some(&b'}') {
                    i += 1;
                }
                value as u8
            }
            b'x' => match digits(&mut i, 2, 16) {
                (_, 0) => {
                    out.extend([(Some(b'\\'), start..i), (Some(b'x'), start..i)]);
                    continue;
                }
                (value, _) => value as u8,
            },
            b'u' | b'U' => {
                let max = if e == b'u' { 4 } else { 8 };
                match digits(&mut i, max, 16) {
                    (_, 0) => {
                        out.extend([(Some(b'\\'), start..i), (Some(e), start..i)]);
                        continue;
                    }
                    (value, _) => match char::from_u32(value) {
                        Some(c) => {
                            let mut buf = [0u8; 4];
                            let bytes = c.encode_utf8(&mut buf).as_bytes();
                            out.extend(bytes.iter().map(|&c| (Some(c), start..i)));
                            continue;
                        }
                        None => {
                            out.push((None, start..i));
                            continue;
                        }
                    },
                }
            }
            b'c' if i < b.len() => {
                // `\cX` is X's control character (`\c?` is DEL); `\c\\` takes both
                // backslashes. Of a multibyte X only its first byte is converted.
                let end = char_end(i);
                let x = b[i];
                i = if x == b'\\' && b.get(i + 1) == Some(&b'\\') {
                    i + 2
                } else {
                    end
                };
                let ctrl = if x == b'?' {
                    0x7f
                } else {
                    x.to_ascii_uppercase() & 0x1f
                };
                out.push((Some(ctrl), start..i));
                out.extend(b[start + 3..end].iter().map(|&c| (Some(c), start..i)));
                continue;
            }
            _ => {
                // Unknown (or a `\c` that ends the string): the backslash stays.
                let end = char_end(i - 1);
                out.push((Some(b'\\'), start..end));
                out.extend(b[i - 1..end].iter().map(|&c| (Some(c), start..end)));
                i = end;
                continue;
            }
        };
        out.push((Some(byte), start..i));
    }
    out
}

/// Decode the body of an ANSI-C quoted string for text that is data (`echo -e`,
/// `printf`, `xargs -d`): bytes that are not UTF-8 become U+FFFD.
pub(crate) fn ansi_c_text(raw: &str) -> String {
    let mut bytes = Vec::with_capacity(raw.len());
    for (b, _) in ansi_c_units(raw) {
        match b {
            Some(b) => bytes.push(b),
            None => bytes.extend_from_slice(char::REPLACEMENT_CHARACTER.to_string().as_bytes()),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The value of an ANSI-C quoted word, `$'...'`, and the byte ranges of it that are
/// holes. Bash decodes the escapes to bytes and passes them as they are; bytes that are
/// not UTF-8 (`$'\xff'`) have no place in a `String`, so each such run is kept as the
/// escapes that made it (`\xff`) and marked as a hole: replacing it with U+FFFD would
/// name a different file as if it were known, while a hole keeps the rest of the word
/// (`$'a\xffb'` still starts with `a`) and makes nothing trust the unknown part. A NUL
/// byte ends the string, as in bash.
pub(crate) fn ansi_c_word(raw: &str) -> (String, Vec<Span>) {
    let mut units = ansi_c_units(raw);
    if let Some(nul) = units.iter().position(|(b, _)| *b == Some(0)) {
        units.truncate(nul);
    }
    let mut text = String::with_capacity(raw.len());
    let mut holes: Vec<Span> = Vec::new();
    let mut last_from: Option<Range<usize>> = None;
    let mut hole = |text: &mut String, from: Range<usize>| {
        // Two runs from one escape (`\c` with a multibyte character) are one hole.
        if last_from.as_ref() == Some(&from) && holes.last().is_some_and(|h| h.end == text.len()) {
            return;
        }
        let at = text.len();
        text.push_str(&raw[from.clone()]);
        match holes.last_mut() {
            Some(h) if h.end == at => h.end = text.len(),
            _ => holes.push(Span::new(at, text.len())),
        }
        last_from = Some(from);
    };
    let mut k = 0;
    while k < units.len() {
        let run_end = units[k..]
            .iter()
            .position(|(b, _)| b.is_none())
            .map_or(units.len(), |p| k + p);
        let bytes: Vec<u8> = units[k..run_end].iter().filter_map(|(b, _)| *b).collect();
        let mut at = k;
        for chunk in bytes.utf8_chunks() {
            text.push_str(chunk.valid());
            at += chunk.valid().len();
            let bad = chunk.invalid().len();
            if bad > 0 {
                hole(&mut text, units[at].1.start..units[at + bad - 1].1.end);
                at += bad;
            }
        }
        if let Some((_, from)) = units.get(run_end) {
            hole(&mut text, from.clone());
        }
        k = run_end + 1;
    }
    (text, holes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> ExpandEnv<'static> {
        ExpandEnv {
            home: Some("/home/dev"),
            cwd: Some("/home/dev/project"),
            ifs: Some(DEFAULT_IFS),
        }
    }

    fn text(t: &str, quoted: bool) -> Piece {
        Piece::Text {
            text: t.into(),
            quoted,
            expansion: false,
        }
    }

    fn var(t: &str, quoted: bool) -> Piece {
        Piece::Text {
            text: t.into(),
            quoted,
            expansion: true,
        }
    }

    fn texts(pieces: Vec<Piece>) -> Vec<Vec<String>> {
        finish(pieces, Span::default(), Span::default(), &env())
            .into_iter()
            .map(|v| v.into_iter().map(|w| w.text).collect())
            .collect()
    }

    #[test]
    fn braces_expand_only_unquoted() {
        assert_eq!(
            texts(vec![text("/{bin,usr}", false)]),
            vec![vec!["/bin", "/usr"]]
        );
        assert_eq!(
            texts(vec![text("a{b,c{d,e}}f", false)]),
            vec![vec!["abf", "acdf", "acef"]]
        );
        assert_eq!(
            texts(vec![text("{1..3}", false)]),
            vec![vec!["1", "2", "3"]]
        );
        assert_eq!(
            texts(vec![text("{c..a}", false)]),
            vec![vec!["c", "b", "a"]]
        );
        assert_eq!(texts(vec![text("{a,b}", true)]), vec![vec!["{a,b}"]]);
        assert_eq!(texts(vec![text("{x}", false)]), vec![vec!["{x}"]]);
        assert_eq!(texts(vec![text("/{,usr}", false)]), vec![vec!["/", "/usr"]]);
    }

    #[test]
    fn tilde_expands_unquoted_prefix_only() {
        assert_eq!(texts(vec![text("~", false)]), vec![vec!["/home/dev"]]);
        assert_eq!(texts(vec![text("~/x", false)]), vec![vec!["/home/dev/x"]]);
        assert_eq!(
            texts(vec![text("~bob/x", false)]),
            vec![vec!["/home/bob/x"]]
        );
        assert_eq!(texts(vec![text("~root", false)]), vec![vec!["/root"]]);
        assert_eq!(texts(vec![text("~", true)]), vec![vec!["~"]]);
        assert_eq!(texts(vec![text("a~", false)]), vec![vec!["a~"]]);
    }

    /// As in bash outside POSIX mode: an argument written like an assignment gets an
    /// assignment's tilde expansion, after its `=` and after each `:`.
    #[test]
    fn tilde_expands_in_assignment_words() {
        let t = |w: &str| texts(vec![text(w, false)]).remove(0).remove(0);
        assert_eq!(t("Y=~/x"), "Y=/home/dev/x");
        assert_eq!(t("a+=~:b:~/c"), "a+=/home/dev:b:/home/dev/c");
        assert_eq!(t("a[1]=~"), "a[1]=/home/dev");
        assert_eq!(t("1a=~/x"), "1a=~/x");
        assert_eq!(t("--out=~/x"), "--out=~/x");
        assert_eq!(t("Y=a=~"), "Y=a=~");
        let quoted = texts(vec![text("Y", true), text("=~/x", false)]);
        assert_eq!(quoted, vec![vec!["Y=~/x"]]);
        let value = finish_value(
            vec![text("a:~/b", false)],
            Span::default(),
            Span::default(),
            &env(),
        );
        assert_eq!(value[0].text, "a:/home/dev/b");
    }

    #[test]
    fn unquoted_expansions_split_and_vanish() {
        assert_eq!(texts(vec![var("rm -rf", false)]), vec![vec!["rm", "-rf"]]);
        assert_eq!(texts(vec![var("rm -rf", true)]), vec![vec!["rm -rf"]]);
        assert_eq!(texts(vec![var("", false)]), vec![Vec::<String>::new()]);
        assert_eq!(texts(vec![text("", true)]), vec![vec![""]]);
    }

    #[test]
    fn fields_split_on_ifs() {
        let split = |value: &str, ifs: Option<&str>| -> Vec<String> {
            finish(
                vec![var(value, false)],
                Span::default(),
                Span::default(),
                &ExpandEnv { ifs, ..env() },
            )
            .remove(0)
            .into_iter()
            .map(|w| w.text)
            .collect()
        };
        assert_eq!(split("sudo,id", Some(",")), ["sudo", "id"]);
        assert_eq!(split("a,,b", Some(",")), ["a", "", "b"]);
        assert_eq!(split(" a , b ", Some(", ")), ["a", "b"]);
        assert_eq!(split("a b", Some(",")), ["a b"]);
        assert_eq!(split("a b", Some("")), ["a b"]);
        assert_eq!(split("  a  b ", Some(DEFAULT_IFS)), ["a", "b"]);
        assert_eq!(split("a,b,", Some(",")), ["a", "b"]);
        let unknown = finish(
            vec![var("a b", false)],
            Span::default(),
            Span::default(),
            &ExpandEnv { ifs: None, ..env() },
        );
        assert!(unknown[0][0].unresolved, "split who knows where");
    }

    #[test]
    fn choices_enumerate_variants() {
        let pieces = vec![Piece::Choice {
            options: vec![Some("/".into()), Some("./b".into())],
            quoted: false,
            raw: "$d".into(),
        }];
        assert_eq!(texts(pieces), vec![vec!["/"], vec!["./b"]]);
        let unknown = finish(
            vec![Piece::Choice {
                options: vec![Some("a".into()), None],
                quoted: false,
                raw: "$x".into(),
            }],
            Span::default(),
            Span::default(),
            &env(),
        );
        assert!(!unknown[0][0].unresolved && unknown[1][0].unresolved);
    }

    #[test]
    fn globs_only_when_unquoted() {
        let w = &finish(
            vec![text("/*", false)],
            Span::default(),
            Span::default(),
            &env(),
        )[0][0];
        assert!(w.glob);
        let w = &finish(
            vec![text("/", false), text("*", true)],
            Span::default(),
            Span::default(),
            &env(),
        )[0][0];
        assert!(!w.glob);
    }

    #[test]
    fn one_quoted_text_is_one_word_as_written() {
        for value in [true, false] {
            let pieces = vec![text("~/a b*{c,d},$x X=~", true)];
            let (span, origin) = (Span::new(1, 2), Span::new(3, 4));
            let words = if value {
                finish_value(pieces, span, origin, &env())
            } else {
                finish(pieces, span, origin, &env()).remove(0)
            };
            assert_eq!(words.len(), 1);
            let w = &words[0];
            assert_eq!(w.text, "~/a b*{c,d},$x X=~");
            assert!(w.quoted && !w.glob && !w.unresolved && w.holes.is_empty());
            assert_eq!((w.span, w.origin), (span, origin));
        }
        assert_eq!(texts(vec![text("", true)]), vec![vec![""]]);
    }

    #[test]
    fn escapes() {
        let mut p = Vec::new();
        unquoted_text_pieces(r"r\m", &mut p);
        assert_eq!(texts(p), vec![vec!["rm"]]);
        assert_eq!(double_quoted_text(r#"a\"b\$c\d"#), r#"a"b$c\d"#);
        assert_eq!(ansi_c_text(r"a\tb\x41\u00e9\101\'"), "a\tbAéA'");
    }

    /// The text of an ANSI-C word and the parts of it that are holes.
    fn ansi(raw: &str) -> (String, Vec<String>) {
        let (text, holes) = ansi_c_word(raw);
        let parts = holes
            .iter()
            .map(|h| text[h.start..h.end].to_owned())
            .collect();
        (text, parts)
    }

    #[test]
    fn ansi_c_escapes_are_bytes() {
        let known = |raw: &str| {
            let (text, holes) = ansi(raw);
            assert!(holes.is_empty(), "{raw}: {holes:?}");
            text
        };
        // `\xHH` and `\NNN` are bytes: two of them make one UTF-8 character.
        assert_eq!(known(r"\xc3\xa9"), "é");
        assert_eq!(known(r"\303\251"), "é");
        assert_eq!(known(r"\u00e9\U0001F600"), "é😀");
        assert_eq!(
            known(r"\x{41}\x{1234}"),
            "A4",
            "braces take any digits, low byte"
        );
        assert_eq!(known(r"\101\7"), "A\x07");
        assert_eq!(known(r"\ca\cA\c?\c1"), "\x01\x01\x7f\x11");
        assert_eq!(known(r"\c\\x"), "\x1cx", r"`\c\\` takes both backslashes");
        // Escapes bash does not know keep their backslash.
        assert_eq!(known(r"\q\8\x\xZ\u\c"), r"\q\8\x\xZ\u\c");
        assert_eq!(known(r"\é"), r"\é");
        // A NUL ends the string.
        assert_eq!(known(r"a\x00b"), "a");
        assert_eq!(known(r"a\0b"), "a");
        assert_eq!(known(r"a\400b"), "a", "masked to a byte: 0");
        assert_eq!(known(r"a\u0000b"), "a");
    }

    #[test]
    fn ansi_c_bytes_that_are_not_utf8_are_holes() {
        assert_eq!(ansi(r"a\xffb"), (r"a\xffb".into(), vec![r"\xff".into()]));
        assert_eq!(ansi(r"\777"), (r"\777".into(), vec![r"\777".into()]));
        // A lone lead byte, then a whole character.
        assert_eq!(
            ansi(r"\xc3\xc3\xa9"),
            (r"\xc3é".into(), vec![r"\xc3".into()])
        );
        // Adjacent bad bytes are one hole; code points that are not Unicode too.
        assert_eq!(
            ansi(r"\xff\xfe"),
            (r"\xff\xfe".into(), vec![r"\xff\xfe".into()])
        );
        assert_eq!(
            ansi(r"x\ud800"),
            (r"x\ud800".into(), vec![r"\ud800".into()])
        );
        assert_eq!(
            ansi(r"\U110000"),
            (r"\U110000".into(), vec![r"\U110000".into()])
        );
        // `\c` on a multibyte character converts its first byte only.
        assert_eq!(ansi(r"\cé"), ("\x03\\cé".into(), vec![r"\cé".into()]));
        // As data (`printf`, `xargs -d`), bytes are decoded lossily and NUL is a byte.
        assert_eq!(ansi_c_text(r"a\xffb"), "a\u{FFFD}b");
        assert_eq!(ansi_c_text(r"\0"), "\0");
    }

    #[test]
    fn quoting_nothing_still_stops_a_tilde_prefix() {
        let empty = || text("", true);
        assert_eq!(
            texts(vec![text("~", false), empty(), text("/x", false)]),
            vec![vec!["~/x"]]
        );
        assert_eq!(texts(vec![empty(), text("~/x", false)]), vec![vec!["~/x"]]);
        assert_eq!(texts(vec![text("~", false), empty()]), vec![vec!["~"]]);
        assert_eq!(
            texts(vec![text("~", false), text("/x", true)]),
            vec![vec!["~/x"]],
            "a quoted slash does not end the prefix"
        );
        // An expansion of nothing, before the tilde or inside its prefix.
        assert_eq!(
            texts(vec![var("", false), text("~/x", false)]),
            vec![vec!["~/x"]]
        );
        assert_eq!(
            texts(vec![text("~", false), var("", false), text("/x", false)]),
            vec![vec!["~/x"]]
        );
        // An expanded slash does not end it either: `~$S` with `S=/x` is no prefix.
        assert_eq!(
            texts(vec![text("~", false), var("/x", false)]),
            vec![vec!["~/x"]]
        );
        // Unquoted ones still expand, also after brace expansion.
        assert_eq!(
            texts(vec![text("~/x", false), empty()]),
            vec![vec!["/home/dev/x"]]
        );
        assert_eq!(
            texts(vec![text("{~,a}/x", false)]),
            vec![vec!["/home/dev/x", "a/x"]]
        );
    }

    #[test]
    fn quoted_nothing_keeps_a_field_and_unquoted_nothing_does_not() {
        // `$X""` with `X=' a '` is `a` and an empty word; `""$X` with `X=' a'` the other
        // way round; `$X$E` with `X='a '` and `E=` is only `a`.
        assert_eq!(
            texts(vec![var(" a ", false), text("", true)]),
            vec![vec!["a", ""]]
        );
        assert_eq!(
            texts(vec![text("", true), var(" a", false)]),
            vec![vec!["", "a"]]
        );
        assert_eq!(
            texts(vec![var("a ", false), text("", true), var(" b", false)]),
            vec![vec!["a", "", "b"]]
        );
        assert_eq!(
            texts(vec![var("a ", false), var("", false)]),
            vec![vec!["a"]]
        );
        assert_eq!(
            texts(vec![var("", false), var(" a", false)]),
            vec![vec!["a"]]
        );
        assert_eq!(texts(vec![var("", false)]), vec![Vec::<String>::new()]);
    }

    #[test]
    fn joined_with_escapes_known_text_only() {
        let hole = Word {
            holes: vec![Span::new(2, 4)],
            unresolved: true,
            ..Word::literal("a $D", Span::default())
        };
        let words = [Word::literal("rm", Span::default()), hole];
        let escape = |_: &Word, t: &str| t.replace(' ', "\\ ");
        let joined = Word::joined_with(&words, escape).unwrap();
        assert_eq!(joined.text, r"rm a\ $D");
        assert_eq!(joined.holes, vec![Span::new(6, 8)]);
        assert_eq!(Word::joined(&words).unwrap().text, "rm a $D");
    }
}
