//! Claude Code's hook matcher, as 2.1.197 applies it (protocol reference §1.2): no
//! matcher, `""` or `*` matches every tool; a matcher of only letters, digits, `_` and
//! `|` is a list of exact names; anything else is an unanchored regular expression.
//! Tool aliases count (`Task` is the `Agent` tool).

/// Alternative names of a tool.
const ALIASES: &[(&str, &str)] = &[
    ("Task", "Agent"),
    ("KillShell", "TaskStop"),
    ("BashOutput", "TaskOutput"),
];

fn names_of(tool: &str) -> Vec<&str> {
    let mut names = vec![tool];
    for &(a, b) in ALIASES {
        if tool == a {
            names.push(b);
        } else if tool == b {
            names.push(a);
        }
    }
    names
}

/// Does `matcher` select `tool`?
pub fn matches(matcher: Option<&str>, tool: &str) -> bool {
    let matcher = match matcher {
        None | Some("") | Some("*") => return true,
        Some(m) => m,
    };
    let names = names_of(tool);
    if matcher
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '|')
    {
        return matcher.split('|').any(|m| names.contains(&m));
    }
    // An invalid pattern never matches, as in Claude Code.
    regex::Regex::new(matcher).is_ok_and(|re| names.iter().any(|n| re.is_match(n)))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn claude_code_semantics() {
        assert!(
            matches(None, "Bash") && matches(Some("*"), "mcp__x__y") && matches(Some(""), "Edit")
        );
        assert!(matches(Some("Bash|Write"), "Write"));
        assert!(
            !matches(Some("Edit"), "NotebookEdit"),
            "plain names are exact"
        );
        assert!(
            matches(Some("Edit.*"), "Edit") && matches(Some("Ed.t"), "NotebookEdit"),
            "regexes are unanchored"
        );
        assert!(matches(Some("Task"), "Agent"), "aliases count");
        assert!(matches(Some("mcp__.*"), "mcp__github__create_issue"));
        assert!(
            !matches(Some("mcp__github"), "mcp__github__create_issue"),
            "a bare server name is an exact name"
        );
        assert!(!matches(Some("(unclosed"), "Bash"));
    }
}
