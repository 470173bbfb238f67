//! Lexical path resolution: no filesystem access, so a path that does not exist yet
//! (or a symlink the agent is about to create) is judged by what it says.

/// Collapse `//`, `.` and `..` in a path. `..` above the root stays at the root,
/// as the kernel does. A relative path stays relative (leading `..` kept).
pub fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// Make `path` absolute against `cwd` and normalise it; `None` when the path is
/// relative and the working directory is unknown.
pub fn absolutize(path: &str, cwd: Option<&str>) -> Option<String> {
    if path.starts_with('/') {
        return Some(normalize(path));
    }
    let cwd = cwd?;
    Some(normalize(&format!("{cwd}/{path}")))
}

/// Expand a leading `~`, `~/`, `$HOME` or `${HOME}` (tool inputs are not shell words,
/// but models still write them).
pub fn expand_home_prefix(path: &str, home: &str) -> String {
    for prefix in ["${HOME}", "$HOME", "~"] {
        if let Some(rest) = path.strip_prefix(prefix)
            && (rest.is_empty() || rest.starts_with('/'))
        {
            return format!("{home}{rest}");
        }
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_dots_and_slashes() {
        assert_eq!(normalize("/a/./b//c/../d"), "/a/b/d");
        assert_eq!(normalize("/.."), "/");
        assert_eq!(normalize("/../../etc"), "/etc");
        assert_eq!(normalize("//"), "/");
        assert_eq!(normalize("a/../.."), "..");
        assert_eq!(normalize("./"), ".");
    }

    #[test]
    fn absolutizes_against_cwd() {
        assert_eq!(
            absolutize("..", Some("/home/dev/p")).as_deref(),
            Some("/home/dev")
        );
        assert_eq!(
            absolutize("../../..", Some("/home/dev")).as_deref(),
            Some("/")
        );
        assert_eq!(absolutize("x", None), None);
        assert_eq!(absolutize("/x/../y", None).as_deref(), Some("/y"));
    }

    #[test]
    fn expands_home_only_as_a_whole_prefix() {
        assert_eq!(expand_home_prefix("~/x", "/h"), "/h/x");
        assert_eq!(expand_home_prefix("$HOME", "/h"), "/h");
        assert_eq!(expand_home_prefix("${HOME}/.ssh", "/h"), "/h/.ssh");
        assert_eq!(expand_home_prefix("$HOMEDIR/x", "/h"), "$HOMEDIR/x");
        assert_eq!(expand_home_prefix("~bob/x", "/h"), "~bob/x");
    }
}
