//! Directories only their owner can enter. `DirBuilder`'s mode is filtered by the umask,
//! which can only take bits away (a umask of 0277 would leave 0500, a directory its owner
//! cannot write): what is created here is set to exactly 0700 after creation.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why a directory could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    /// Something other than a directory is where one is expected.
    #[error("{} cannot be used: {why}; remove or rename it", path.display())]
    Unsafe {
        /// What was found.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// The file system refused.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Creates `dir` and any missing parents, each created one 0700 whatever the umask.
/// Directories that already exist are left as they are (`~` keeps its mode).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    // The missing tail of the path, outermost first.
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(p) = at.filter(|p| !p.as_os_str().is_empty()) {
        match fs::symlink_metadata(p) {
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push(p),
            Err(e) => return Err(e),
        }
        at = p.parent();
    }
    for p in missing.into_iter().rev() {
        match mkdir_private(p) {
            // Another process made it meanwhile: fine if it is a directory.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && p.is_dir() => {}
            other => other?,
        }
    }
    Ok(())
}

/// Makes sure `dir` is a real directory, creating it (0700, its parent must exist) if it
/// is missing. A symbolic link or a file in its place is refused rather than followed
/// or replaced: in a project that came from someone else, `.mstro` may be a link to
/// `~/.ssh`.
pub fn create_real_dir(dir: &Path) -> Result<(), DirError> {
    match fs::symlink_metadata(dir) {
        Ok(meta) => return check_real_dir(dir, &meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    match mkdir_private(dir) {
        Ok(()) => Ok(()),
        // Another writer made it meanwhile; it must still be a real directory.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            check_real_dir(dir, &fs::symlink_metadata(dir)?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether `dir` exists as a real directory: `Ok(false)` when nothing is there, an
/// error when a symbolic link or a file is.
pub fn real_dir_exists(dir: &Path) -> Result<bool, DirError> {
    match fs::symlink_metadata(dir) {
        Ok(meta) => check_real_dir(dir, &meta).map(|()| true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn check_real_dir(path: &Path, meta: &fs::Metadata) -> Result<(), DirError> {
    if meta.file_type().is_dir() {
        return Ok(());
    }
    Err(DirError::Unsafe {
        path: path.to_owned(),
        why: if meta.file_type().is_symlink() {
            "it is a symbolic link, and the project may come from someone else".into()
        } else {
            "it is not a directory".into()
        },
    })
}

/// Creates `dir`, which must not exist yet (its parent must), exactly 0700: for a
/// directory whose name is unguessable and whose content is new.
pub fn create_new_private_dir(dir: &Path) -> io::Result<()> {
    mkdir_private(dir)
}

/// One `mkdir`, then exactly 0700 on what it made.
fn mkdir_private(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn what_is_created_is_0700_and_what_exists_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        fs::set_permissions(tmp.path(), PermissionsExt::from_mode(0o755)).unwrap();
        let deep = tmp.path().join("a/b/c");
        create_private_dir(&deep).unwrap();
        for p in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&tmp.path().join(p)), 0o700, "{p}");
        }
        assert_eq!(mode(tmp.path()), 0o755, "an existing parent is not changed");
        create_private_dir(&deep).unwrap();
    }

    #[test]
    fn a_planted_link_or_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        let link = tmp.path().join(".mstro");
        symlink(&elsewhere, &link).unwrap();
        let err = create_real_dir(&link).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        let file = tmp.path().join("file");
        fs::write(&file, b"").unwrap();
        assert!(
            create_real_dir(&file)
                .unwrap_err()
                .to_string()
                .contains("not a directory")
        );
        assert!(real_dir_exists(&link).is_err());
        assert!(!real_dir_exists(&tmp.path().join("missing")).unwrap());
        let new = tmp.path().join("new");
        create_real_dir(&new).unwrap();
        assert_eq!(mode(&new), 0o700);
        assert!(real_dir_exists(&new).unwrap());
        create_real_dir(&new).unwrap();
        // A file where a parent should be is an error, not a directory made elsewhere.
        assert!(create_private_dir(&file.join("x")).is_err());
    }
}
