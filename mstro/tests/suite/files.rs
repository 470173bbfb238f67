//! Changing and watching files from the browser (issue 19, docs/files.md) end to end:
//! browser sockets through a real relay (`mstro up`) to the machine, the files checked
//! on disk. The owner creates, writes (with the conflict check), renames, copies,
//! deletes into the trash and restores; every confinement attack is refused over the
//! wire; a viewer is refused every change but may watch; changes made behind the
//! browser's back (as Claude Code or the terminal would) arrive as `fileChanged`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mstro_tests::mstro_up::{MstroUp, UpConfig};
use mstro_tests::relay::{BrowserSocket, Session};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::browser::relay_link;

/// Generous: a loaded two-core CI machine.
const LIMIT: Duration = Duration::from_secs(30);

/// A browser socket that keeps the frames that are not the answer it waits for.
struct Browser {
    socket: BrowserSocket,
    next_id: u64,
    others: Vec<Value>,
}

impl Browser {
    fn new(socket: BrowserSocket) -> Browser {
        Browser {
            socket,
            next_id: 0,
            others: Vec::new(),
        }
    }

    /// Send a request, keep taking frames until its answer.
    async fn call(&mut self, kind: &str, data: Value) -> Value {
        self.next_id += 1;
        let id = format!("f{}", self.next_id);
        self.socket
            .send(json!({"type": kind, "id": id, "data": data}))
            .await;
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self
                .socket
                .next_within(left)
                .await
                .unwrap_or_else(|| panic!("no answer to {kind} within {LIMIT:?}"));
            if frame["id"] == id.as_str() {
                return frame;
            }
            self.others.push(frame);
        }
    }

    /// A request that must succeed: its data.
    async fn ok(&mut self, kind: &str, data: Value) -> Value {
        let answer = self.call(kind, data.clone()).await;
        assert_eq!(answer["type"], kind, "{kind} {data}: {answer}");
        answer["data"].clone()
    }

    /// A request that must fail with `code`: the error's data.
    async fn refused(&mut self, kind: &str, data: Value, code: &str) -> Value {
        let answer = self.call(kind, data.clone()).await;
        assert_eq!(answer["type"], "error", "{kind} {data}: {answer}");
        assert_eq!(answer["data"]["code"], code, "{kind} {data}: {answer}");
        answer["data"].clone()
    }

    /// Take frames until a `fileChanged` about `path` of `kind` came; every
    /// `fileChanged` seen on the way.
    async fn until_change(&mut self, path: &str, kind: &str) -> Vec<Value> {
        let deadline = Instant::now() + LIMIT;
        let mut seen = Vec::new();
        loop {
            for frame in std::mem::take(&mut self.others) {
                if frame["type"] == "fileChanged" {
                    let hit = frame["data"]["path"] == path && frame["data"]["kind"] == kind;
                    seen.push(frame["data"].clone());
                    if hit {
                        return seen;
                    }
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.socket.next_within(left).await {
                Some(frame) => self.others.push(frame),
                None => panic!("no fileChanged {path} {kind} within {LIMIT:?}; saw {seen:?}"),
            }
        }
    }

    /// Frames that arrive within `wait`.
    async fn quiet_for(&mut self, wait: Duration) -> Vec<Value> {
        let mut got = std::mem::take(&mut self.others);
        while let Some(frame) = self.socket.next_within(wait).await {
            got.push(frame);
        }
        got
    }
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A machine (`mstro up`) with a workspace beside an `outside` directory, its owner
/// ada and bob, with whom it is shared read-only.
struct Machine {
    dir: tempfile::TempDir,
    _up: MstroUp,
    ada: Session,
    bob: Session,
    id: String,
}

impl Machine {
    async fn start() -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        for d in ["work", "outside", "home"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        std::fs::write(base.join("outside/secret"), "secret").unwrap();
        let home = base.join("mstro-home");
        let up = MstroUp::start(&UpConfig {
            home: &home,
            work: &base.join("work"),
            user: "ada",
            env: vec![("HOME".into(), base.join("home").display().to_string())],
        });
        let (ada, id, _) = up.browser().await;
        let bob_link = relay_link(&home, &up, "add-user", "bob");
        let bob_token = mstro_tests::relay::link_token(&bob_link).unwrap();
        let bob = Session::sign_in(&up.relay_url(), &bob_token).await;
        let (status, body) = ada
            .post(
                &format!("/api/machines/{id}/shares"),
                json!({"user": "bob", "permission": "view"}),
            )
            .await;
        assert_eq!(status, 204, "{body}");
        Machine {
            dir,
            _up: up,
            ada,
            bob,
            id,
        }
    }

    fn base(&self) -> PathBuf {
        std::fs::canonicalize(self.dir.path()).unwrap()
    }

    fn work(&self) -> PathBuf {
        self.base().join("work")
    }

    fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.work().join(relative))
            .unwrap_or_else(|e| panic!("{relative}: {e}"))
    }

    fn exists(&self, relative: &str) -> bool {
        std::fs::symlink_metadata(self.work().join(relative)).is_ok()
    }

    fn outside_untouched(&self) {
        let names: Vec<_> = std::fs::read_dir(self.base().join("outside"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["secret"]);
        assert_eq!(
            std::fs::read_to_string(self.base().join("outside/secret")).unwrap(),
            "secret"
        );
    }

    async fn owner(&self) -> Browser {
        Browser::new(self.ada.socket(&self.id).await.expect("ada's socket"))
    }

    async fn viewer(&self) -> Browser {
        Browser::new(self.bob.socket(&self.id).await.expect("bob's socket"))
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_changes_files_with_a_conflict_check_and_a_trash() {
    let m = Machine::start().await;
    let mut ada = m.owner().await;

    // Create a directory and a file in it, then read it back with its version.
    let dir = ada.ok("createDirectory", json!({"path": "src"})).await;
    assert_eq!(dir, json!({"path": "src", "kind": "dir", "hash": null}));
    let created = ada
        .ok(
            "createFile",
            json!({"path": "src/notes.md", "content": "one\n"}),
        )
        .await;
    assert_eq!(created["hash"], sha256(b"one\n"));
    assert_eq!(m.read("src/notes.md"), "one\n");
    ada.refused(
        "createFile",
        json!({"path": "src/notes.md", "content": "again"}),
        "already_exists",
    )
    .await;
    let read = ada.ok("readFile", json!({"path": "src/notes.md"})).await;
    assert_eq!(read["hash"], sha256(b"one\n"));

    // Save the version read: written, and the answer is the next version.
    let saved = ada
        .ok(
            "writeFile",
            json!({"path": "src/notes.md", "content": "two\n", "baseHash": read["hash"]}),
        )
        .await;
    assert_eq!(
        saved,
        json!({"path": "src/notes.md", "hash": sha256(b"two\n"), "size": 4})
    );
    assert_eq!(m.read("src/notes.md"), "two\n");

    // Someone else (Claude Code, the terminal) changes it: the next save of the old
    // version is a conflict carrying the hash on disk, and nothing is written.
    write(&m.work().join("src/notes.md"), "theirs\n");
    let conflict = ada
        .refused(
            "writeFile",
            json!({"path": "src/notes.md", "content": "mine\n", "baseHash": saved["hash"]}),
            "conflict",
        )
        .await;
    assert_eq!(conflict["currentHash"], sha256(b"theirs\n"));
    assert_eq!(m.read("src/notes.md"), "theirs\n");
    // Without a base it only creates: an existing file is a conflict too.
    let exists = ada
        .refused(
            "writeFile",
            json!({"path": "src/notes.md", "content": "blind"}),
            "conflict",
        )
        .await;
    assert_eq!(exists["currentHash"], sha256(b"theirs\n"));
    // Saving on top of theirs, knowingly.
    ada.ok(
        "writeFile",
        json!({"path": "src/notes.md", "content": "merged\n", "baseHash": conflict["currentHash"]}),
    )
    .await;
    assert_eq!(m.read("src/notes.md"), "merged\n");

    // Rename (never over something unless asked), copy a tree.
    write(&m.work().join("src/lib/a.rs"), "fn a() {}\n");
    write(&m.work().join("other.md"), "other\n");
    ada.refused(
        "rename",
        json!({"from": "other.md", "to": "src/notes.md"}),
        "already_exists",
    )
    .await;
    let moved = ada
        .ok("rename", json!({"from": "other.md", "to": "docs/other.md"}))
        .await;
    assert_eq!(
        moved,
        json!({"from": "other.md", "to": "docs/other.md", "kind": "file"})
    );
    assert_eq!(m.read("docs/other.md"), "other\n");
    assert!(!m.exists("other.md"));
    let copied = ada
        .ok("copy", json!({"from": "src", "to": "src-copy"}))
        .await;
    assert_eq!(copied["entries"], 4, "{copied}");
    assert_eq!(m.read("src-copy/lib/a.rs"), "fn a() {}\n");
    ada.refused(
        "copy",
        json!({"from": "src", "to": "src/inner"}),
        "malformed",
    )
    .await;

    // Delete into the trash, list it, restore it.
    let trashed = ada.ok("delete", json!({"path": "src-copy"})).await;
    assert_eq!(trashed["kind"], "dir");
    assert!(!m.exists("src-copy"));
    let id = trashed["id"].as_str().unwrap().to_owned();
    assert_eq!(
        m.read(&format!(".mstro/trash/{id}/item/lib/a.rs")),
        "fn a() {}\n"
    );
    let trash = ada.ok("listTrash", json!({})).await;
    assert_eq!(trash["entries"][0]["id"], id.as_str());
    assert_eq!(trash["entries"][0]["path"], "src-copy");
    assert!(
        trash["entries"][0]["expiresAt"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    write(&m.work().join("src-copy/new.txt"), "in the way");
    ada.refused("restoreTrash", json!({"id": id}), "already_exists")
        .await;
    std::fs::remove_dir_all(m.work().join("src-copy")).unwrap();
    let restored = ada.ok("restoreTrash", json!({"id": id})).await;
    assert_eq!(restored["path"], "src-copy");
    assert_eq!(m.read("src-copy/lib/a.rs"), "fn a() {}\n");
    assert_eq!(ada.ok("listTrash", json!(null)).await["entries"], json!([]));
    ada.refused("delete", json!({"path": ".mstro/trash"}), "malformed")
        .await;
    ada.refused("restoreTrash", json!({"id": "../../etc"}), "malformed")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_confinement_attack_is_refused_over_the_wire() {
    let m = Machine::start().await;
    let mut ada = m.owner().await;
    write(&m.work().join("inside.txt"), "inside");
    std::os::unix::fs::symlink(m.base().join("outside"), m.work().join("out")).unwrap();
    std::os::unix::fs::symlink(
        m.base().join("outside/secret"),
        m.work().join("secret-link"),
    )
    .unwrap();
    let secret = sha256(b"secret");
    let attacks: Vec<(&str, Value, &str)> = vec![
        (
            "createFile",
            json!({"path": "../escape"}),
            "outside_workspace",
        ),
        (
            "createFile",
            json!({"path": "/tmp/escape"}),
            "outside_workspace",
        ),
        (
            "createFile",
            json!({"path": "a/../../escape"}),
            "outside_workspace",
        ),
        (
            "createFile",
            json!({"path": "out/planted"}),
            "outside_workspace",
        ),
        (
            "createFile",
            json!({"path": "out/deeper/planted"}),
            "outside_workspace",
        ),
        ("createFile", json!({"path": "line\nbreak"}), "malformed"),
        (
            "createFile",
            json!({"path": "esc\u{1b}[31mred"}),
            "malformed",
        ),
        (
            "createFile",
            json!({"path": "rlo\u{202E}txt.exe"}),
            "malformed",
        ),
        ("createFile", json!({"path": "nul\u{0}"}), "malformed"),
        ("createFile", json!({"path": ""}), "malformed"),
        ("createFile", json!({"path": "x".repeat(256)}), "malformed"),
        ("createFile", json!({"path": "C:\\Windows"}), "malformed"),
        (
            "createDirectory",
            json!({"path": "out/dir"}),
            "outside_workspace",
        ),
        (
            "writeFile",
            json!({"path": "secret-link", "content": "x", "baseHash": secret}),
            "outside_workspace",
        ),
        (
            "writeFile",
            json!({"path": "out/secret", "content": "x", "baseHash": secret}),
            "outside_workspace",
        ),
        (
            "writeFile",
            json!({"path": "out/new", "content": "x"}),
            "outside_workspace",
        ),
        (
            "writeFile",
            json!({"path": "../outside/secret", "content": "x", "baseHash": secret}),
            "outside_workspace",
        ),
        (
            "rename",
            json!({"from": "inside.txt", "to": "out/inside.txt"}),
            "outside_workspace",
        ),
        (
            "rename",
            json!({"from": "out/secret", "to": "stolen"}),
            "outside_workspace",
        ),
        (
            "rename",
            json!({"from": "/etc/hostname", "to": "stolen"}),
            "outside_workspace",
        ),
        (
            "copy",
            json!({"from": "out/secret", "to": "stolen"}),
            "outside_workspace",
        ),
        (
            "copy",
            json!({"from": "inside.txt", "to": "out/copy"}),
            "outside_workspace",
        ),
        ("delete", json!({"path": "out/secret"}), "outside_workspace"),
        ("delete", json!({"path": ".."}), "outside_workspace"),
        ("delete", json!({"path": ""}), "malformed"),
    ];
    for (kind, data, code) in attacks {
        ada.refused(kind, data, code).await;
    }
    let big = "a".repeat(mstro_protocol::files::MAX_WRITE_BYTES - 1000);
    ada.ok("createFile", json!({"path": "big.txt", "content": big}))
        .await;
    // Links themselves are moved and deleted, never followed.
    let trashed = ada.ok("delete", json!({"path": "out"})).await;
    assert_eq!(trashed["kind"], "symlink");
    assert!(!m.exists("out"));
    assert!(!m.exists("escape") && !m.exists("stolen"));
    assert_eq!(m.read("inside.txt"), "inside");
    m.outside_untouched();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_is_refused_every_write_but_watches() {
    let m = Machine::start().await;
    write(&m.work().join("src/a.txt"), "a");
    let mut bob = m.viewer().await;
    let mut ada = m.owner().await;
    let hash = sha256(b"a");
    let writes: Vec<(&str, Value)> = vec![
        ("createFile", json!({"path": "new.txt", "content": "x"})),
        ("createDirectory", json!({"path": "newdir"})),
        (
            "writeFile",
            json!({"path": "src/a.txt", "content": "bob", "baseHash": hash}),
        ),
        ("writeFile", json!({"path": "bob.txt", "content": "bob"})),
        ("rename", json!({"from": "src/a.txt", "to": "b.txt"})),
        ("copy", json!({"from": "src", "to": "src2"})),
        ("delete", json!({"path": "src/a.txt"})),
        ("restoreTrash", json!({"id": "1-00000000"})),
        ("listTrash", json!({})),
    ];
    for (kind, data) in &writes {
        let refused = bob.refused(kind, data.clone(), "forbidden").await;
        assert!(
            refused["message"].as_str().unwrap().contains("owner"),
            "{refused}"
        );
    }
    assert_eq!(m.read("src/a.txt"), "a");
    for name in ["new.txt", "newdir", "bob.txt", "b.txt", "src2", ".mstro"] {
        assert!(!m.exists(name), "{name}");
    }
    // Reading and watching are the viewer's.
    assert_eq!(
        bob.ok("readFile", json!({"path": "src/a.txt"})).await["hash"],
        hash
    );
    let watching = bob
        .ok("watch", json!({"paths": ["src", "src/a.txt", "../x"]}))
        .await;
    assert_eq!(watching["paths"], json!(["src", "src/a.txt"]));
    assert_eq!(watching["refused"][0]["code"], "outside_workspace");
    let watching = ada.ok("watch", json!({"paths": ["src"]})).await;
    assert_eq!(watching["paths"], json!(["src"]));

    // A change made behind the browsers' backs reaches both.
    write(&m.work().join("src/a.txt"), "changed by claude");
    let seen = bob.until_change("src/a.txt", "modified").await;
    assert!(
        seen.iter().all(|c| c["path"] == "src/a.txt"),
        "one path changed: {seen:?}"
    );
    ada.until_change("src/a.txt", "modified").await;
    // The owner's own change is seen like any other.
    ada.ok("createFile", json!({"path": "src/b.txt"})).await;
    bob.until_change("src/b.txt", "created").await;
    ada.until_change("src/b.txt", "created").await;

    // Bob leaves (the relay tells the machine `browserLeft`); ada's watch of the same
    // directory goes on.
    drop(bob);
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::fs::remove_file(m.work().join("src/b.txt")).unwrap();
    ada.until_change("src/b.txt", "removed").await;
    // Unwatching: no more events.
    let none = ada.ok("unwatch", json!({})).await;
    assert_eq!(none["paths"], json!([]));
    write(&m.work().join("src/c.txt"), "c");
    let later = ada.quiet_for(Duration::from_millis(800)).await;
    assert!(
        later.iter().all(|f| f["type"] != "fileChanged"),
        "{later:?}"
    );
}
