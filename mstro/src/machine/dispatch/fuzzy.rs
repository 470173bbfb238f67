//! How well a file's path matches what a person typed after `@`, the way an editor's
//! quick open ranks: a match in the file's own name beats one spread over its
//! directories, a tight match beats a loose one, and a shorter path beats a longer one.
//!
//! Case never matters. A query with `/` splits at its last one: the part before must
//! match (loosely) in the file's directory, the part after in its name, so `deep/ma`
//! finds `src/deep/main.rs`.

use std::cmp::Ordering;

/// A query, lowercased once.
#[derive(Debug, Clone)]
pub struct Query {
    /// What must match in the directory (empty: anything).
    dir: Vec<char>,
    /// What must match in the name, or in the whole path.
    name: Vec<char>,
}

impl Query {
    pub fn new(query: &str) -> Query {
        let lower = query.to_lowercase();
        let (dir, name) = match lower.rsplit_once('/') {
            Some((dir, name)) => (dir.trim_matches('/'), name),
            None => ("", lower.as_str()),
        };
        Query {
            dir: dir.chars().collect(),
            name: name.chars().collect(),
        }
    }
}

/// How a path matched: compared, a smaller rank is a better match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rank {
    tier: Tier,
    /// How far apart the matched characters are (0: all together), or where a
    /// contiguous match starts.
    spread: usize,
    /// The path's length in characters.
    len: usize,
}

/// What kind of match, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// The name is the query, with or without its extension.
    Exact,
    /// The name starts with the query.
    Prefix,
    /// The name contains the query.
    InName,
    /// The query's characters are in the name, in order.
    ScatteredInName,
    /// The path contains the query (across a `/`, or in a directory).
    InPath,
    /// The query's characters are in the path, in order.
    ScatteredInPath,
}

impl Ord for Rank {
    fn cmp(&self, other: &Rank) -> Ordering {
        (self.tier, self.spread, self.len).cmp(&(other.tier, other.spread, other.len))
    }
}

impl PartialOrd for Rank {
    fn partial_cmp(&self, other: &Rank) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// How `path` (relative, `/`-separated) matches `query`; `None` when it does not.
pub fn rank(path: &str, query: &Query) -> Option<Rank> {
    let lower: Vec<char> = path.to_lowercase().chars().collect();
    let len = lower.len();
    let cut = lower.iter().rposition(|&c| c == '/').map_or(0, |i| i + 1);
    let (dir, name) = lower.split_at(cut);
    if !query.dir.is_empty() && tightest(dir, &query.dir).is_none() {
        return None;
    }
    let q = &query.name;
    let at = |tier, spread| Some(Rank { tier, spread, len });
    if q.is_empty() {
        return at(Tier::Exact, 0);
    }
    let stem = name
        .iter()
        .rposition(|&c| c == '.')
        .filter(|&i| i > 0)
        .map_or(name, |i| &name[..i]);
    if name == q.as_slice() || stem == q.as_slice() {
        return at(Tier::Exact, 0);
    }
    if name.starts_with(q) {
        return at(Tier::Prefix, 0);
    }
    if let Some(start) = find(name, q) {
        return at(Tier::InName, start);
    }
    if let Some(spread) = tightest(name, q) {
        return at(Tier::ScatteredInName, spread);
    }
    if let Some(start) = find(&lower, q) {
        return at(Tier::InPath, start);
    }
    tightest(&lower, q).and_then(|spread| at(Tier::ScatteredInPath, spread))
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[char], needle: &[char]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The fewest characters between the first and last of `needle`'s characters found
/// in order in `hay` (0 when they are all together); `None` when they are not all
/// there. An empty needle is found anywhere.
fn tightest(hay: &[char], needle: &[char]) -> Option<usize> {
    let Some(&first) = needle.first() else {
        return Some(0);
    };
    let mut best: Option<usize> = None;
    for (start, _) in hay.iter().enumerate().filter(|&(_, &c)| c == first) {
        let mut at = start;
        let mut ok = true;
        for &c in &needle[1..] {
            match hay[at + 1..].iter().position(|&h| h == c) {
                Some(i) => at += 1 + i,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            // A later start cannot find what an earlier one did not.
            break;
        }
        let spread = at + 1 - start - needle.len();
        best = Some(best.map_or(spread, |b| b.min(spread)));
        if spread == 0 {
            break;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `paths` that match `query`, best first (ties by path, as the search sorts).
    fn ranked<'a>(query: &str, paths: &[&'a str]) -> Vec<&'a str> {
        let q = Query::new(query);
        let mut hits: Vec<(Rank, &str)> = paths
            .iter()
            .filter_map(|p| rank(p, &q).map(|r| (r, *p)))
            .collect();
        hits.sort();
        hits.into_iter().map(|(_, p)| p).collect()
    }

    #[test]
    fn names_before_paths_and_short_before_long() {
        let paths = [
            "docs/manual/index.md",
            "src/deep/main.rs",
            "src/main.rs",
            "main.rs",
            "src/domain.rs",
            "tests/mocks/app.rs",
            "Makefile",
        ];
        assert_eq!(
            ranked("ma", &paths),
            [
                "main.rs",
                "Makefile",
                "src/main.rs",
                "src/deep/main.rs",
                "src/domain.rs",
                // Only across the path: "docs/MAnual", then "Mocks/App".
                "docs/manual/index.md",
                "tests/mocks/app.rs",
            ]
        );
        assert_eq!(
            ranked("main.rs", &paths)[..3],
            ["main.rs", "src/main.rs", "src/deep/main.rs"]
        );
        assert_eq!(ranked("MAIN", &paths)[0], "main.rs", "case does not matter");
    }

    #[test]
    fn an_exact_name_beats_a_longer_one() {
        assert_eq!(
            ranked("lib", &["src/library.rs", "a/very/deep/dir/lib.rs"]),
            ["a/very/deep/dir/lib.rs", "src/library.rs"]
        );
    }

    #[test]
    fn scattered_letters_rank_by_how_close_they_are() {
        assert_eq!(
            ranked("mrs", &["src/m_a_r_s.txt", "src/mars.rs", "src/main.rs"]),
            ["src/mars.rs", "src/main.rs", "src/m_a_r_s.txt"]
        );
        assert_eq!(ranked("xyz", &["src/main.rs"]), Vec::<&str>::new());
    }

    #[test]
    fn a_slash_matches_directory_then_name() {
        let paths = [
            "src/deep/main.rs",
            "src/main.rs",
            "deep/other.rs",
            "lib/deep.rs",
        ];
        assert_eq!(ranked("deep/ma", &paths), ["src/deep/main.rs"]);
        assert_eq!(
            ranked("src/ma", &paths),
            ["src/main.rs", "src/deep/main.rs"]
        );
        assert_eq!(
            ranked("deep/", &paths),
            ["deep/other.rs", "src/deep/main.rs"]
        );
        assert_eq!(
            ranked("sd/main", &paths),
            ["src/deep/main.rs"],
            "the directory loosely"
        );
    }

    #[test]
    fn tightest_finds_the_closest_run() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(tightest(&chars("a__b_ab"), &chars("ab")), Some(0));
        assert_eq!(tightest(&chars("a__b"), &chars("ab")), Some(2));
        assert_eq!(tightest(&chars("ba"), &chars("ab")), None);
        assert_eq!(tightest(&chars("anything"), &[]), Some(0));
    }
}
