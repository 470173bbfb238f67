//! Safe file handling for everything mstro writes: its own state under `~/.mstro`, the
//! history and attachments it keeps in a project, the audit log, the review cache and
//! the settings files it edits. Every writer goes through here, so that each gets the
//! same guarantees:
//!
//! - [`private_dir`]: directories only their owner can enter, whatever the umask, and
//!   never a symbolic link planted where a directory is expected.
//! - [`no_follow`]: opens that refuse a symbolic link in the final component and never
//!   block on a FIFO planted in a file's place.
//! - [`atomic`]: a reader, or a crash, sees the old content or the new, never a mix;
//!   leftovers of an interrupted write are swept.
//! - [`lock`]: an exclusive lock on a file, released when dropped.
//! - [`workspace`]: the directory a machine serves, and the one function that confines
//!   a browser's path to it.
//! - [`beneath`] (unix): changing the workspace through directory descriptors, so that a
//!   symbolic link swapped in after the check is refused rather than followed.

pub mod atomic;
#[cfg(unix)]
pub mod beneath;
pub mod lock;
pub mod no_follow;
pub mod private_dir;
pub mod workspace;

pub use atomic::{LEFTOVER_AGE, sweep_leftovers, write_atomic};
pub use lock::FileLock;
pub use no_follow::{
    ensure_private_file, open_read_no_follow, private_file_options, write_new_private,
};
pub use private_dir::{
    DirError, create_new_private_dir, create_private_dir, create_real_dir, real_dir_exists,
};
pub use workspace::{EntryPath, NewPath, PathError, Workspace, check_new_name};
