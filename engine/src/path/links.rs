//! Where a path really points: its symbolic links followed, bounded, without reading
//! any file.
//!
//! A file tool is judged by the strictest of the path as named and the path it
//! really reaches: a symlink in a cloned repository that leads to
//! `~/.aws/credentials` makes `Read docs/setup.md` a read of the credentials. Only
//! the link entries themselves are looked at (`lstat`, `readlink`), one component at
//! a time; no directory is listed and no file opened.
//!
//! What this cannot promise: the filesystem may change between the verdict and the
//! tool's call (a link created or retargeted in between, time-of-check to
//! time-of-use). The agent's own calls are judged one at a time, so a link it creates
//! with one call is seen by the next; a link another process swaps in between is not.

use super::resolve::normalize;

/// Most symbolic links followed for one path (the kernel's own limit is 40); a path
/// with more is judged as named.
pub const MAX_LINKS: usize = 16;

/// Most components walked for one path, links' targets included.
const MAX_COMPONENTS: usize = 256;

/// The path `abs` (absolute, not necessarily normalised: `..` after a link goes to
/// the parent of the link's target, as the kernel does) really names, with every
/// symbolic link on the way followed. A component that does not exist ends the walk:
/// the rest is appended as written, so a dangling link names its target (writing
/// through it creates the target). `None` when the path is not absolute, has more
/// than [`MAX_LINKS`] links on the way (a loop), or is too long to walk.
///
/// Recorded as a [`crate::disk`] probe: where a link leads is part of a judgement.
pub fn real_path(abs: &str) -> Option<String> {
    crate::disk::real_path(abs)
}

/// [`real_path`] itself, unrecorded: what the probe looks at.
pub(crate) fn walk(abs: &str) -> Option<String> {
    if !abs.starts_with('/') {
        return None;
    }
    // The components still to walk, last first.
    let mut todo: Vec<String> = abs.rsplit('/').map(str::to_owned).collect();
    let mut done = String::new();
    let mut links = 0;
    let mut walked = 0;
    // The length of `done` where a component was missing: walking back above it with
    // `..` looks at the filesystem again (the stricter reading; the kernel would fail).
    let mut missing_at: Option<usize> = None;
    while let Some(comp) = todo.pop() {
        walked += 1;
        if walked > MAX_COMPONENTS {
            return None;
        }
        match comp.as_str() {
            "" | "." => continue,
            ".." => {
                // `done` is real: its parent is the real parent.
                if let Some(i) = done.rfind('/') {
                    done.truncate(i);
                }
                if missing_at.is_some_and(|m| done.len() < m) {
                    missing_at = None;
                }
                continue;
            }
            _ => {}
        }
        let next = format!("{done}/{comp}");
        if missing_at.is_some() {
            done = next;
            continue;
        }
        match std::fs::symlink_metadata(&next) {
            Ok(m) if m.file_type().is_symlink() => {
                links += 1;
                if links > MAX_LINKS {
                    return None;
                }
                let target = std::fs::read_link(&next).ok()?;
                let target = target.to_str()?;
                if target.starts_with('/') {
                    done.clear();
                }
                todo.extend(target.rsplit('/').map(str::to_owned));
            }
            Ok(_) => done = next,
            Err(_) => {
                // Not there (or not readable): the rest is what the call will create
                // or fail on, as written.
                missing_at = Some(next.len());
                done = next;
            }
        }
    }
    Some(if done.is_empty() {
        "/".to_owned()
    } else {
        normalize(&done)
    })
}

/// `abs` with a `..` that follows a symbolic link resolved as the kernel resolves it
/// (to the parent of the link's target), everything else lexically. Only paths with
/// `..` in them touch the filesystem.
pub fn resolve_dotdot(abs: &str) -> String {
    let comps: Vec<&str> = abs.split('/').collect();
    let Some(last) = comps.iter().rposition(|c| *c == "..") else {
        return normalize(abs);
    };
    let prefix = comps[..=last].join("/");
    let rest = comps[last + 1..].join("/");
    match real_path(&prefix) {
        Some(real) => normalize(&format!("{real}/{rest}")),
        None => normalize(abs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn s(p: &std::path::Path) -> String {
        p.to_str().unwrap().to_owned()
    }

    #[test]
    fn follows_links_on_the_way_and_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("secret/inner")).unwrap();
        std::fs::write(root.join("secret/inner/key"), "k").unwrap();
        std::fs::create_dir(root.join("repo")).unwrap();
        symlink(root.join("secret"), root.join("repo/docs")).unwrap();
        symlink("../secret/inner/key", root.join("repo/setup.md")).unwrap();
        let r = s(&root);
        assert_eq!(
            real_path(&format!("{r}/repo/docs/inner/key")),
            Some(format!("{r}/secret/inner/key"))
        );
        assert_eq!(
            real_path(&format!("{r}/repo/setup.md")),
            Some(format!("{r}/secret/inner/key")),
            "a relative target is relative to the link's directory"
        );
        assert_eq!(
            real_path(&format!("{r}/repo/./x/../setup.md")),
            Some(format!("{r}/secret/inner/key"))
        );
        // `..` after a link is the parent of its target.
        assert_eq!(
            real_path(&format!("{r}/repo/docs/../secret/inner")),
            Some(format!("{r}/secret/inner"))
        );
        assert_eq!(
            resolve_dotdot(&format!("{r}/repo/docs/../other")),
            format!("{r}/other")
        );
        assert_eq!(
            resolve_dotdot(&format!("{r}/repo/plain/../other")),
            format!("{r}/repo/other")
        );
    }

    #[test]
    fn a_dangling_link_names_its_target_and_a_missing_path_itself() {
        let dir = tempfile::tempdir().unwrap();
        let r = s(&std::fs::canonicalize(dir.path()).unwrap());
        symlink(format!("{r}/nowhere/.bashrc"), format!("{r}/notes.txt")).unwrap();
        assert_eq!(
            real_path(&format!("{r}/notes.txt")),
            Some(format!("{r}/nowhere/.bashrc"))
        );
        assert_eq!(
            real_path(&format!("{r}/missing/a/../b")),
            Some(format!("{r}/missing/b"))
        );
    }

    #[test]
    fn loops_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let r = s(&std::fs::canonicalize(dir.path()).unwrap());
        symlink(format!("{r}/b"), format!("{r}/a")).unwrap();
        symlink(format!("{r}/a"), format!("{r}/b")).unwrap();
        assert_eq!(real_path(&format!("{r}/a")), None);
        assert_eq!(real_path("relative"), None);
        assert_eq!(real_path("/").as_deref(), Some("/"));
    }
}
