//! Files a person attaches to a prompt (`execute {attachments: [{name, data}]}`, `data`
//! in base64). They are saved under `<workspace>/.mstro/attachments/<movementId>/`, and
//! the prompt Claude Code gets names them, so it reads them with its own tools, which
//! the bouncer judges like any other read. The prompt in history stays as typed.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use base64::Engine;
use serde::Deserialize;

use super::history::HistoryError;
use super::history::store::make_dir;
use crate::home::atomic::write_atomic;

/// The most files one prompt takes.
pub const MAX_FILES: usize = 10;
/// The most bytes they hold together, decoded. A browser's frame is at most 1 MiB, so
/// this is about what fits in one once in base64.
pub const MAX_TOTAL_BYTES: usize = 768 * 1024;
/// The longest file name, in bytes.
const MAX_NAME_BYTES: usize = 128;

/// One attachment as the browser sends it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AttachmentArg {
    pub name: String,
    /// The content, base64 (standard alphabet, padded).
    pub data: String,
}

/// A checked, decoded attachment.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The attachments of one `execute`, checked and decoded, or why not (nothing runs).
pub fn check(args: Vec<AttachmentArg>) -> Result<Vec<Attachment>, String> {
    if args.len() > MAX_FILES {
        return Err(format!(
            "{} files attached; a prompt takes at most {MAX_FILES}",
            args.len()
        ));
    }
    let mut files: Vec<Attachment> = Vec::with_capacity(args.len());
    let mut total = 0;
    for arg in args {
        if !valid_name(&arg.name) {
            return Err(format!(
                "{:?} is not a file name mstro saves: 1-{MAX_NAME_BYTES} bytes, no `/` or `\\`, \
                 no control characters, not `.` or `..`",
                arg.name.chars().take(40).collect::<String>()
            ));
        }
        if files.iter().any(|f| f.name == arg.name) {
            return Err(format!("`{}` is attached twice", arg.name));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(arg.data.as_bytes())
            .map_err(|_| format!("the content of `{}` is not base64", arg.name))?;
        total += bytes.len();
        if total > MAX_TOTAL_BYTES {
            return Err(format!(
                "the attached files hold more than {} KiB together",
                MAX_TOTAL_BYTES / 1024
            ));
        }
        files.push(Attachment {
            name: arg.name,
            bytes,
        });
    }
    Ok(files)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
}

/// Saves `files` in `<workspace>/.mstro/attachments/<movement_id>/` (directories 0700,
/// files 0600, none of them through a symbolic link) and returns their paths relative
/// to the workspace, in order.
pub fn save(
    workspace: &Path,
    movement_id: &str,
    files: &[Attachment],
) -> Result<Vec<String>, HistoryError> {
    let relative = Path::new(".mstro").join("attachments").join(movement_id);
    let mut dir = workspace.to_path_buf();
    for part in relative.components() {
        dir.push(part);
        make_dir(&dir)?;
    }
    let gitignore = workspace.join(".mstro/attachments/.gitignore");
    if fs::symlink_metadata(&gitignore).is_err() {
        write_atomic(&gitignore, b"*\n", 0o600)?;
    }
    let mut paths = Vec::with_capacity(files.len());
    for file in files {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let mut out = options.open(dir.join(&file.name))?;
        out.write_all(&file.bytes)?;
        out.sync_all()?;
        paths.push(format!("{}/{}", relative.display(), file.name));
    }
    Ok(paths)
}

/// The prompt Claude Code gets: the person's, then where the attached files are.
pub fn prompt_with(prompt: &str, paths: &[String]) -> String {
    if paths.is_empty() {
        return prompt.to_owned();
    }
    let list: Vec<String> = paths.iter().map(|p| format!("- {p}")).collect();
    format!(
        "{prompt}\n\nAttached files (saved in the workspace; read them as needed):\n{}",
        list.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(name: &str, content: &[u8]) -> AttachmentArg {
        AttachmentArg {
            name: name.into(),
            data: base64::engine::general_purpose::STANDARD.encode(content),
        }
    }

    #[test]
    fn names_and_contents_are_checked_before_anything_runs() {
        let ok = check(vec![arg("notes.txt", b"hi"), arg("a b.png", &[0, 255])]).unwrap();
        assert_eq!(ok[1].bytes, [0, 255]);
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "a\\b",
            "a\nb",
            &"n".repeat(129),
        ] {
            assert!(check(vec![arg(bad, b"x")]).is_err(), "{bad:?}");
        }
        assert!(check(vec![arg("x", b"1"), arg("x", b"2")]).is_err());
        let not_base64 = AttachmentArg {
            name: "x".into(),
            data: "%%%".into(),
        };
        assert!(check(vec![not_base64]).unwrap_err().contains("base64"));
        let many = (0..=MAX_FILES)
            .map(|i| arg(&format!("f{i}"), b"x"))
            .collect();
        assert!(check(many).is_err());
        let big = vec![
            arg("a", &vec![1; MAX_TOTAL_BYTES / 2]),
            arg("b", &vec![1; MAX_TOTAL_BYTES / 2 + 1]),
        ];
        assert!(check(big).unwrap_err().contains("KiB"));
    }

    #[test]
    fn files_are_saved_privately_and_named_in_the_prompt() {
        let ws = tempfile::tempdir().unwrap();
        let files = check(vec![arg("notes.txt", b"remember"), arg("..x", b"y")]).unwrap();
        let paths = save(ws.path(), "m-1", &files).unwrap();
        assert_eq!(
            paths,
            [
                ".mstro/attachments/m-1/notes.txt",
                ".mstro/attachments/m-1/..x"
            ]
        );
        assert_eq!(fs::read(ws.path().join(&paths[0])).unwrap(), b"remember");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&ws.path().join(&paths[0])), 0o600);
            assert_eq!(mode(&ws.path().join(".mstro/attachments/m-1")), 0o700);
        }
        let prompt = prompt_with("Summarise", &paths);
        assert!(prompt.starts_with("Summarise\n\nAttached files"));
        assert!(prompt.ends_with("- .mstro/attachments/m-1/..x"));
        assert_eq!(prompt_with("Plain", &[]), "Plain");
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_link_is_not_followed() {
        let ws = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        // A cloned project whose `.mstro/attachments` points somewhere else.
        fs::create_dir(ws.path().join(".mstro")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), ws.path().join(".mstro/attachments")).unwrap();
        let files = check(vec![arg("notes.txt", b"x")]).unwrap();
        assert!(save(ws.path(), "m-1", &files).is_err());
        assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    }
}
