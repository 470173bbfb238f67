//! Files a person attaches to a prompt (`execute {attachments: [{name, data}]}`, `data`
//! in padded base64). They are saved under `<workspace>/.mstro/attachments/<movementId>/`
//! as `<n>-<name>` with every character but `A-Z a-z 0-9 . _ -` made `_` (a name reaches
//! Claude Code's prompt and the reviewer: no hidden characters, no shell syntax, no
//! `CLAUDE.md` or `.git`), and the prompt Claude Code gets lists them, so it reads them
//! with its own tools, which the bouncer judges like any other read. The prompt in
//! history stays as typed.

use std::fs::{self};
use std::path::Path;

use base64::Engine;

use super::history::HistoryError;
use super::history::store::make_dir;
use mstro_fs::write_atomic;

/// The most files one prompt takes.
pub const MAX_FILES: usize = 10;
/// The most bytes they hold together, decoded: in base64 about two thirds of a
/// browser's 1 MiB frame, leaving room for the prompt.
pub const MAX_TOTAL_BYTES: usize = 512 * 1024;
/// The longest file name, in bytes.
const MAX_NAME_BYTES: usize = 128;

pub use mstro_protocol::request::AttachmentArg;

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
    let parent = workspace.join(".mstro/attachments");
    make_dir(&workspace.join(".mstro"))?;
    make_dir(&parent)?;
    // The movement's own directory is always new: it is removed again on a failure.
    let dir = parent.join(movement_id);
    mstro_fs::create_new_private_dir(&dir)?;
    let gitignore = workspace.join(".mstro/attachments/.gitignore");
    if fs::symlink_metadata(&gitignore).is_err() {
        write_atomic(&gitignore, b"*\n", 0o600)?;
    }
    let written = write_files(&dir, files);
    if written.is_err() {
        // Nothing half-saved stays behind (the directory is new, its name unguessable).
        let _ = fs::remove_dir_all(&dir);
    }
    Ok(written?
        .into_iter()
        .map(|name| format!("{}/{name}", relative.display()))
        .collect())
}

/// Writes the files into the new directory `dir` under their saved names, and a
/// `.gitignore` of its own: one above it could be the project's, empty.
fn write_files(dir: &Path, files: &[Attachment]) -> Result<Vec<String>, HistoryError> {
    write_new(&dir.join(".gitignore"), b"*\n")?;
    let mut names = Vec::with_capacity(files.len());
    for (i, file) in files.iter().enumerate() {
        let name = saved_name(i, &file.name);
        write_new(&dir.join(&name), &file.bytes)?;
        names.push(name);
    }
    Ok(names)
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), HistoryError> {
    Ok(mstro_fs::write_new_private(path, bytes)?)
}

/// `<n>-<name>`, `n` from 1, every character but `A-Z a-z 0-9 . _ -` made `_`, at
/// most 80 characters.
pub fn saved_name(index: usize, name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(72)
        .collect();
    format!("{}-{safe}", index + 1)
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
        let files = check(vec![
            arg("notes.txt", b"remember"),
            arg("CLAUDE.md", b"y"),
            arg("a$(curl x|sh) \u{202e}txt.exe", b"z"),
        ])
        .unwrap();
        let paths = save(ws.path(), "m-1", &files).unwrap();
        assert_eq!(
            paths,
            [
                ".mstro/attachments/m-1/1-notes.txt",
                ".mstro/attachments/m-1/2-CLAUDE.md",
                ".mstro/attachments/m-1/3-a__curl_x_sh___txt.exe",
            ]
        );
        assert_eq!(
            fs::read(ws.path().join(".mstro/attachments/m-1/.gitignore")).unwrap(),
            b"*\n"
        );
        // A movement's directory is never reused, and a refused save removes nothing.
        assert!(save(ws.path(), "m-1", &files).is_err());
        assert!(ws.path().join(&paths[0]).is_file());
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
        assert!(prompt.ends_with("- .mstro/attachments/m-1/3-a__curl_x_sh___txt.exe"));
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
