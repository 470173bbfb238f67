//! What `read` and `mapfile` assign, from the input the engine knows them to get (a
//! here-string, a heredoc, an earlier stage of a pipeline): `read -r D <<< ~/.mstro`
//! makes `D` the mstro directory. From input the engine does not know, every variable
//! they set is unknown.

use crate::shell::input::Input;
use crate::shell::scope::Value;
use crate::shell::word::Word;

/// Most records (lines) of input whose values are kept apart; more is unknown.
const MAX_RECORDS: usize = 4;

/// A value `read` gives a variable.
pub(super) enum Assigned {
    Scalar(Value),
    /// `read -a`: the items, `None` when they are not known.
    Array(Option<Vec<Option<String>>>),
}

/// The variables `read ARGS` sets, with their values. With several records of input
/// (`... | while read x`), each variable may have the value of any of them.
pub(super) fn assigned(
    args: &[Word],
    input: Option<&Input>,
    ifs: Option<&str>,
) -> Vec<(String, Assigned)> {
    let mut raw = false;
    let mut array = None;
    let mut delimiter = '\n';
    let mut other_fd = false;
    let mut names = Vec::new();
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        if t == "--" {
            names.extend(args[i + 1..].iter().map(|w| w.text.clone()));
            break;
        }
        if let Some(flags) = t.strip_prefix('-').filter(|f| !f.is_empty()) {
            // A cluster: the first letter that takes a value ends it.
            for (k, c) in flags.char_indices() {
                let attached = &flags[k + c.len_utf8()..];
                let mut value = || {
                    if attached.is_empty() {
                        i += 1;
                        args.get(i).map(|w| w.text.clone()).unwrap_or_default()
                    } else {
                        attached.to_owned()
                    }
                };
                match c {
                    'r' => raw = true,
                    'a' => {
                        array = Some(value());
                        break;
                    }
                    'd' => {
                        delimiter = value().chars().next().unwrap_or('\0');
                        break;
                    }
                    'u' => {
                        other_fd = true;
                        value();
                        break;
                    }
                    'i' | 'n' | 'N' | 'p' | 't' => {
                        value();
                        break;
                    }
                    _ => {}
                }
            }
            i += 1;
            continue;
        }
        names.extend(args[i..].iter().map(|w| w.text.clone()));
        break;
    }
    let records: Option<Vec<String>> = match input {
        Some(Input::Text(text)) if !other_fd => {
            let records: Vec<String> = text
                .split(delimiter)
                .map(str::to_owned)
                .filter(|r| !r.is_empty())
                .collect();
            (records.len() <= MAX_RECORDS).then_some(records)
        }
        _ => None,
    };
    let records = records.map(|rs| {
        rs.into_iter()
            .map(|r| if raw { r } else { unescape(&r) })
            .collect::<Vec<_>>()
    });

    if let Some(array) = array {
        let items = match records.as_deref() {
            Some([record]) => ifs.map(|ifs| {
                split(record, ifs, usize::MAX)
                    .into_iter()
                    .map(Some)
                    .collect()
            }),
            _ => None,
        };
        return vec![(array, Assigned::Array(items))];
    }
    if names.is_empty() {
        // `REPLY` gets the whole line, untrimmed.
        let value = match &records {
            Some(rs) if !rs.is_empty() => Value::any_of(rs.iter().cloned().map(Value::known)),
            _ => Value::unknown(),
        };
        return vec![("REPLY".to_owned(), Assigned::Scalar(value))];
    }
    let per_record: Option<Vec<Vec<String>>> = match (&records, ifs) {
        (Some(rs), Some(ifs)) => Some(rs.iter().map(|r| split(r, ifs, names.len())).collect()),
        _ => None,
    };
    names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let value = match &per_record {
                // No input at all: `read` fails and leaves the variables empty.
                Some(fields) if fields.is_empty() => Value::known(String::new()),
                Some(fields) => Value::any_of(
                    fields
                        .iter()
                        .map(|f| Value::known(f.get(k).cloned().unwrap_or_default())),
                ),
                None => Value::unknown(),
            };
            (name.clone(), Assigned::Scalar(value))
        })
        .collect()
}

/// `mapfile [-t] [ARRAY]`: the array and its items (the lines), `None` when unknown.
pub(super) fn mapfile(
    args: &[Word],
    input: Option<&Input>,
) -> (String, Option<Vec<Option<String>>>) {
    let mut trim = false;
    let mut name = "MAPFILE".to_owned();
    let mut known_input = true;
    let mut i = 0;
    while let Some(w) = args.get(i) {
        match w.text.as_str() {
            "-t" => trim = true,
            "-u" | "-C" | "-c" | "-d" | "-n" | "-O" | "-s" => {
                known_input &= !matches!(w.text.as_str(), "-u" | "-d" | "-n" | "-O" | "-s");
                i += 1;
            }
            t if !t.starts_with('-') => name = t.to_owned(),
            _ => {}
        }
        i += 1;
    }
    let items = match input {
        Some(Input::Text(text)) if known_input => {
            let lines: Vec<Option<String>> = text
                .split_inclusive('\n')
                .map(|l| {
                    Some(if trim {
                        l.trim_end_matches('\n').to_owned()
                    } else {
                        l.to_owned()
                    })
                })
                .collect();
            (lines.len() <= MAX_RECORDS * 4).then_some(lines)
        }
        _ => None,
    };
    (name, items)
}

/// Split a record into at most `n` fields on IFS, the last taking the rest of the
/// record (with IFS whitespace around it trimmed), as `read` does.
fn split(record: &str, ifs: &str, n: usize) -> Vec<String> {
    let ifs = if ifs.is_empty() && n > 1 { "" } else { ifs };
    let white = |c: char| matches!(c, ' ' | '\t' | '\n') && ifs.contains(c);
    let delim = |c: char| ifs.contains(c);
    let chars: Vec<char> = record.chars().collect();
    let mut fields = Vec::new();
    let mut i = 0;
    while i < chars.len() && white(chars[i]) {
        i += 1;
    }
    while i < chars.len() {
        if fields.len() + 1 == n {
            let rest: String = chars[i..].iter().collect();
            fields.push(rest.trim_end_matches(white).to_owned());
            return fields;
        }
        let start = i;
        while i < chars.len() && !delim(chars[i]) {
            i += 1;
        }
        fields.push(chars[start..i].iter().collect());
        // The delimiter: IFS whitespace, at most one other IFS character, whitespace.
        while i < chars.len() && white(chars[i]) {
            i += 1;
        }
        if i < chars.len() && delim(chars[i]) && !white(chars[i]) {
            i += 1;
            while i < chars.len() && white(chars[i]) {
                i += 1;
            }
        }
    }
    fields
}

/// Without `-r`, a backslash quotes the character after it.
fn unescape(record: &str) -> String {
    let mut out = String::with_capacity(record.len());
    let mut chars = record.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::word::DEFAULT_IFS;

    fn words(s: &str) -> Vec<Word> {
        Word::literals(s)
    }

    fn values(args: &str, input: &str, ifs: &str) -> Vec<(String, Vec<String>)> {
        assigned(&words(args), Some(&Input::Text(input.into())), Some(ifs))
            .into_iter()
            .map(|(n, a)| match a {
                Assigned::Scalar(v) => (n, v.known),
                Assigned::Array(items) => (
                    n,
                    items
                        .unwrap_or_default()
                        .into_iter()
                        .map(Option::unwrap_or_default)
                        .collect(),
                ),
            })
            .collect()
    }

    #[test]
    fn read_splits_a_line_into_its_names() {
        assert_eq!(
            values("-r D", "/home/dev/.mstro\n", DEFAULT_IFS),
            [("D".to_owned(), vec!["/home/dev/.mstro".to_owned()])]
        );
        assert_eq!(
            values("a b", "  one two three  \n", DEFAULT_IFS),
            [
                ("a".to_owned(), vec!["one".to_owned()]),
                ("b".to_owned(), vec!["two three".to_owned()])
            ]
        );
        assert_eq!(
            values("a b", "x,y,z\n", ","),
            [
                ("a".to_owned(), vec!["x".to_owned()]),
                ("b".to_owned(), vec!["y,z".to_owned()])
            ]
        );
        assert_eq!(
            values("-a arr", "p q\n", DEFAULT_IFS),
            [("arr".to_owned(), vec!["p".to_owned(), "q".to_owned()])]
        );
        assert_eq!(
            values("x", "a\\ b\n", DEFAULT_IFS),
            [("x".to_owned(), vec!["a b".to_owned()])],
            "without -r a backslash quotes"
        );
    }

    #[test]
    fn every_line_of_a_loop_is_a_value() {
        let v = values("d", "/\n./build\n", DEFAULT_IFS);
        assert_eq!(v[0].1, ["/", "./build"]);
    }

    #[test]
    fn unknown_input_makes_unknown_values() {
        let v = assigned(&words("-r x"), None, Some(DEFAULT_IFS));
        assert!(matches!(&v[0].1, Assigned::Scalar(v) if v.maybe_unknown));
        let v = assigned(
            &words("-u 3 x"),
            Some(&Input::Text("a\n".into())),
            Some(DEFAULT_IFS),
        );
        assert!(
            matches!(&v[0].1, Assigned::Scalar(v) if v.maybe_unknown),
            "-u reads elsewhere"
        );
    }
}
