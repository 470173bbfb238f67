//! A hostile browser frame on the machine, as the relay and then the machine read it:
//! the envelope, the permission table, the typed request (all `mstro-protocol`), and the
//! workspace confinement of the path in it (`mstro-fs`). Every accepted path must lie
//! inside the workspace. Links neither the machine nor the relay.
#![no_main]

use std::sync::OnceLock;

use mstro_fs::Workspace;
use mstro_protocol::Envelope;
use mstro_protocol::request::{self, Request, RequestKind};

/// A workspace with a directory, a file, and (on Unix) a symlink out of it to `/etc`.
fn workspace() -> &'static Workspace {
    static ROOT: OnceLock<(tempfile::TempDir, Workspace)> = OnceLock::new();
    let (_, workspace) = ROOT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("a tree");
        std::fs::write(dir.path().join("a/f"), "x").expect("a file");
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink("/etc", dir.path().join("a/out"));
        let ws = Workspace::new(dir.path()).expect("a workspace");
        (dir, ws)
    });
    workspace
}

fn assert_confined(workspace: &Workspace, requested: &str) {
    if let Ok(path) = workspace.resolve(requested) {
        assert!(
            path.starts_with(workspace.root()),
            "{path:?} escaped the workspace"
        );
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let workspace = workspace();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The raw text as a path too: most fuzz inputs are not envelopes.
    assert_confined(workspace, text);
    let Ok(envelope) = Envelope::parse(text) else {
        return;
    };
    let _ = request::allows(envelope.permission, RequestKind::from_type(&envelope.kind));
    if let Ok(Request::ReadFile(arg) | Request::ListDirectory(arg)) =
        Request::parse(&envelope.kind, &envelope.data)
    {
        assert_confined(workspace, &arg.path);
    }
});
