//! Which shell a terminal runs: the person's `$SHELL` when it names an executable file,
//! else the login shell in the password database, else `/bin/sh`. Started as a login
//! shell (`-l`), as a terminal emulator on the desktop would.

use std::ffi::CStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The shell, and where it came from (for `mstro setup-terminal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shell {
    pub path: PathBuf,
    pub source: &'static str,
}

/// The person's shell.
pub fn person_shell() -> Shell {
    if let Some(path) = std::env::var_os("SHELL").map(PathBuf::from)
        && runnable(&path)
    {
        return Shell {
            path,
            source: "$SHELL",
        };
    }
    if let Some(path) = password_database_shell().filter(|p| runnable(p)) {
        return Shell {
            path,
            source: "the password database",
        };
    }
    Shell {
        path: PathBuf::from("/bin/sh"),
        source: "the fallback",
    }
}

fn runnable(path: &Path) -> bool {
    path.is_absolute()
        && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn password_database_shell() -> Option<PathBuf> {
    // SAFETY: getpwuid returns a pointer into static storage or null; it is read at
    // once, before any other call could overwrite it (only this thread calls it here,
    // and a race would at worst give another valid entry's shell).
    unsafe {
        let entry = libc::getpwuid(libc::getuid());
        if entry.is_null() || (*entry).pw_shell.is_null() {
            return None;
        }
        let shell = CStr::from_ptr((*entry).pw_shell).to_str().ok()?;
        (!shell.is_empty()).then(|| PathBuf::from(shell))
    }
}
