//! Links made earlier in the same input. The path model is lexical (it never looks at
//! the disk), so `ln -s ~ dist; rm -rf dist/` would otherwise look like removing a
//! build directory. The walker remembers each `ln` and judges later commands a second
//! time with paths through a link rewritten to its target.

use crate::path::absolutize;

use super::word::Word;

/// The `(link, target)` pairs an `ln` command line makes, as absolute paths.
/// A link named like an existing directory is made inside it; the engine cannot know
/// which, so both readings are returned.
pub(crate) fn made_by_ln(argv: &[Word], cwd: Option<&str>) -> Vec<(String, String)> {
    let mut operands = Vec::new();
    let mut into: Option<&str> = None;
    let mut no_dereference = false;
    let mut after_dashes = false;
    let mut i = 1;
    while i < argv.len() {
        let t = argv[i].text.as_str();
        if argv[i].unresolved {
            // A link the engine cannot name cannot be followed.
            return Vec::new();
        }
        if after_dashes || !t.starts_with('-') || t == "-" {
            operands.push(t);
        } else if t == "--" {
            after_dashes = true;
        } else if t == "-t" || t == "--target-directory" {
            into = argv.get(i + 1).map(|w| w.text.as_str());
            i += 1;
        } else if let Some(dir) = t.strip_prefix("--target-directory=") {
            into = Some(dir);
        } else if t == "-S" || t == "--suffix" {
            i += 1;
        } else if matches!(t, "--no-target-directory" | "--no-dereference")
            || (!t.starts_with("--") && t[1..].contains(['n', 'T']))
        {
            no_dereference = true;
        }
        i += 1;
    }
    let name = |p: &str| {
        p.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_owned()
    };
    let mut out = Vec::new();
    let mut add = |link: &str, target: &str| {
        let Some(link) = absolutize(link, cwd) else {
            return;
        };
        // A relative target is relative to the directory the link is in.
        let dir = link.rsplit_once('/').map(|(d, _)| d).unwrap_or("/");
        let dir = if dir.is_empty() { "/" } else { dir };
        if let Some(target) = absolutize(target, Some(dir))
            && target != link
        {
            out.push((link, target));
        }
    };
    match (into, operands.as_slice()) {
        (Some(dir), targets) => {
            for t in targets {
                add(&format!("{}/{}", dir.trim_end_matches('/'), name(t)), t);
            }
        }
        (None, [target]) => add(&name(target), target),
        (None, [target, link]) => {
            if !link.ends_with('/') {
                add(link, target);
            }
            if !no_dereference {
                add(
                    &format!("{}/{}", link.trim_end_matches('/'), name(target)),
                    target,
                );
            }
        }
        (None, [targets @ .., dir]) => {
            for t in targets {
                add(&format!("{}/{}", dir.trim_end_matches('/'), name(t)), t);
            }
        }
        (None, []) => {}
    }
    out
}

/// `path` with a leading link replaced by its target, or `None` when no link is on it.
/// `key=value` and `--opt=value` words are followed in their value. With `removes`,
/// the link itself is not followed (removing a link leaves its target alone) but a
/// path inside it is (`rm -rf dist/`, `rm dist/*`).
pub(crate) fn follow(
    text: &str,
    cwd: Option<&str>,
    links: &[(String, String)],
    removes: bool,
) -> Option<String> {
    if let Some((key, value)) = text.split_once('=')
        && !key.contains('/')
    {
        return follow(value, cwd, links, removes).map(|v| format!("{key}={v}"));
    }
    if text.starts_with('-') || text.is_empty() {
        return None;
    }
    let trailing_slash = text.ends_with('/') || text.ends_with("/.");
    let mut path = absolutize(text, cwd)?;
    let mut followed = false;
    // Links to links: a few hops, never a cycle.
    for _ in 0..8 {
        let hop = links.iter().find_map(|(link, target)| {
            if path == *link {
                (!removes || trailing_slash || followed).then(|| target.clone())
            } else {
                path.strip_prefix(link.as_str())
                    .filter(|rest| rest.starts_with('/') && link != "/")
                    .map(|rest| format!("{}{rest}", target.trim_end_matches('/')))
            }
        });
        match hop {
            Some(next) if next != path => {
                path = if next.is_empty() {
                    "/".to_owned()
                } else {
                    next
                };
                followed = true;
            }
            _ => break,
        }
    }
    followed.then(|| {
        if trailing_slash && !path.ends_with('/') {
            format!("{path}/")
        } else {
            path
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn argv(s: &str) -> Vec<Word> {
        s.split_whitespace()
            .map(|w| Word::literal(w, Span::default()))
            .collect()
    }

    const CWD: Option<&str> = Some("/home/dev/project");

    #[test]
    fn ln_forms() {
        assert_eq!(
            made_by_ln(&argv("ln -sfn / node_modules"), CWD),
            vec![("/home/dev/project/node_modules".to_owned(), "/".to_owned())]
        );
        assert_eq!(
            made_by_ln(&argv("ln -s /home/dev dist"), CWD),
            vec![
                ("/home/dev/project/dist".to_owned(), "/home/dev".to_owned()),
                (
                    "/home/dev/project/dist/dev".to_owned(),
                    "/home/dev".to_owned()
                ),
            ]
        );
        assert_eq!(
            made_by_ln(&argv("ln -s ../secrets s"), CWD),
            vec![
                (
                    "/home/dev/project/s".to_owned(),
                    "/home/dev/secrets".to_owned()
                ),
                // Inside `s/`, `../secrets` is relative to `s/`.
                (
                    "/home/dev/project/s/secrets".to_owned(),
                    "/home/dev/project/secrets".to_owned()
                ),
            ]
        );
        assert_eq!(
            made_by_ln(&argv("ln -s /dev/sda"), CWD),
            vec![("/home/dev/project/sda".to_owned(), "/dev/sda".to_owned())]
        );
    }

    #[test]
    fn following() {
        let links = vec![("/home/dev/project/dist".to_owned(), "/home/dev".to_owned())];
        let f = |t: &str, removes| follow(t, CWD, &links, removes);
        assert_eq!(f("dist/", true).as_deref(), Some("/home/dev/"));
        assert_eq!(f("dist/x", true).as_deref(), Some("/home/dev/x"));
        assert_eq!(f("dist", true), None, "removing the link leaves the target");
        assert_eq!(f("dist", false).as_deref(), Some("/home/dev"));
        assert_eq!(
            f("of=dist/.bashrc", false).as_deref(),
            Some("of=/home/dev/.bashrc")
        );
        assert_eq!(f("distx", false), None);
        assert_eq!(f("-rf", false), None);
        let cycle = vec![
            ("/a".to_owned(), "/b".to_owned()),
            ("/b".to_owned(), "/a".to_owned()),
        ];
        assert!(follow("/a/x", None, &cycle, false).is_some());
    }
}
