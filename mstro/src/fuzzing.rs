//! Entry points for the fuzz targets in `fuzz/` that reach the machine: each takes
//! arbitrary input and must return without panicking, hanging or crashing. The
//! bouncer's own are `mstro_bouncer::fuzzing`.

/// A frame from a hostile browser, as the relay and then the machine read it: the
/// envelope, the permission table, the typed request, and the workspace path in it.
/// Every accepted path must lie inside the workspace.
pub fn machine_frame(data: &[u8]) {
    use crate::machine::dispatch::permission;
    use crate::machine::dispatch::request::{self, Request};
    use crate::machine::workspace::Workspace;
    use mstro_protocol::Envelope;

    static ROOT: std::sync::OnceLock<(tempfile::TempDir, Workspace)> = std::sync::OnceLock::new();
    let (_, workspace) = ROOT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("a tree");
        std::fs::write(dir.path().join("a/f"), "x").expect("a file");
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink("/etc", dir.path().join("a/out"));
        let ws = Workspace::new(dir.path()).expect("a workspace");
        (dir, ws)
    });
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(envelope) = Envelope::parse(text) else {
        return;
    };
    let _ = permission::allows(
        envelope.permission,
        request::RequestKind::from_type(&envelope.kind),
    );
    if let Ok(Request::ReadFile(arg) | Request::ListDirectory(arg)) =
        Request::parse(&envelope.kind, &envelope.data)
        && let Ok(path) = workspace.resolve(&arg.path)
    {
        assert!(
            path.starts_with(workspace.root()),
            "{path:?} escaped the workspace"
        );
    }
    // The raw text as a path too: most fuzz inputs are not envelopes.
    if let Ok(path) = workspace.resolve(text) {
        assert!(
            path.starts_with(workspace.root()),
            "{path:?} escaped the workspace"
        );
    }
}
