//! The bouncer's own state under `~/.mstro` (review cache, audit log) is created for
//! the user alone.

use std::fs;
use std::path::Path;

/// Create `dir` (and parents) with mode 0700 for what we create.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
