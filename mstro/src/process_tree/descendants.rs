//! The descendants of a process, read from `/proc`.

use std::collections::HashMap;

/// A process under the root, as `/proc/PID/stat` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Descendant {
    pub pid: i32,
    /// Already exited and waiting to be reaped: it can neither run nor be signalled.
    pub zombie: bool,
}

/// Every process whose chain of parents leads to `root` (not `root` itself), in
/// breadth-first order. A process that exits while `/proc` is read is simply missing.
pub fn descendants(root: i32) -> Vec<Descendant> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut children: HashMap<i32, Vec<Descendant>> = HashMap::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((ppid, state)) = parse_stat(&stat) {
            children.entry(ppid).or_default().push(Descendant {
                pid,
                zombie: matches!(state, 'Z' | 'X' | 'x'),
            });
        }
    }
    let mut found = Vec::new();
    let mut next = vec![root];
    while let Some(parent) = next.pop() {
        for child in children.remove(&parent).unwrap_or_default() {
            next.push(child.pid);
            found.push(child);
        }
    }
    found
}

/// `(ppid, state)` from the text of `/proc/PID/stat`. The command name in parentheses
/// may itself hold `)` and blanks, so the fields are read after the last `)`.
fn parse_stat(stat: &str) -> Option<(i32, char)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((ppid, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_hostile_command_names_are_read_after_the_last_parenthesis() {
        assert_eq!(parse_stat("42 (sleep) S 7 42 42 0"), Some((7, 'S')));
        assert_eq!(parse_stat("42 (a) Z 9 (b) R 1) R 13 0"), Some((13, 'R')));
        assert_eq!(parse_stat("42 (x y) Z 1 1"), Some((1, 'Z')));
        assert_eq!(parse_stat("42 (truncated"), None);
        assert_eq!(parse_stat("42 (x) S notanumber"), None);
    }

    #[test]
    fn a_grandchild_in_a_new_session_is_still_a_descendant() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "setsid sleep 30 & echo $!; wait"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
            &mut line,
        )
        .unwrap();
        let grandchild: i32 = line.trim().parse().unwrap();
        let me = std::process::id() as i32;
        let found: Vec<i32> = descendants(me).iter().map(|d| d.pid).collect();
        assert!(found.contains(&(child.id() as i32)), "{found:?}");
        assert!(found.contains(&grandchild), "{found:?}");
        assert!(!descendants(child.id() as i32).iter().any(|d| d.pid == me));
        // SAFETY: kill(2) on a pid we started; no memory is shared.
        unsafe { libc::kill(grandchild, libc::SIGKILL) };
        child.wait().unwrap();
    }
}
