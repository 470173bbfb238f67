//! Generated attacks on every operation: paths built from `..`, absolute paths, links
//! out (in any component), links in, control characters, drive letters and long names,
//! thrown at create, write, rename, copy, delete and restore. Whatever each answers,
//! nothing outside the workspace is ever created, changed or removed, and nothing
//! inside is written through a link out.

use std::fs;
use std::os::unix::fs::symlink;
use std::time::SystemTime;

use proptest::prelude::*;

use super::copy::CopyLimits;
use super::create::tests::Fixture;
use super::{copy, create, rename, trash, write};

/// Pieces an attacker builds paths from.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("..".to_owned()),
        Just(".".to_owned()),
        Just("".to_owned()),
        Just("out".to_owned()),
        Just("out-file".to_owned()),
        Just("in".to_owned()),
        Just("dir".to_owned()),
        Just("file.txt".to_owned()),
        Just("dangling".to_owned()),
        Just("secret".to_owned()),
        Just(".mstro".to_owned()),
        Just("trash".to_owned()),
        Just("C:".to_owned()),
        Just("a\\b".to_owned()),
        Just("\n".to_owned()),
        Just("\u{202E}".to_owned()),
        Just("x".repeat(256)),
        "[a-c]{1,2}",
    ]
}

fn attack_path() -> impl Strategy<Value = String> {
    (any::<bool>(), proptest::collection::vec(piece(), 0..5)).prop_map(|(absolute, parts)| {
        let path = parts.join("/");
        if absolute { format!("/{path}") } else { path }
    })
}

/// The workspace's planted traps: links out (to a directory and to a file), a link in,
/// a dangling link, and the trash.
fn plant(f: &Fixture) {
    f.write("dir/file.txt", "inside");
    f.write("file.txt", "top");
    f.link_out("out");
    symlink(f.base.join("outside/secret"), f.root().join("out-file")).unwrap();
    symlink("dir", f.root().join("in")).unwrap();
    symlink(f.base.join("nowhere"), f.root().join("dangling")).unwrap();
    fs::create_dir_all(f.root().join(".mstro/trash")).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn no_operation_reaches_outside(from in attack_path(), to in attack_path(), overwrite in any::<bool>()) {
        let f = Fixture::new();
        plant(&f);
        let secret_hash = super::hash::of_bytes(b"secret");
        let _ = create::create_file(&f.ws, &to, b"planted");
        let _ = create::create_directory(&f.ws, &to);
        let _ = write::write_file(&f.ws, &from, b"overwritten", Some(&secret_hash));
        let _ = write::write_file(&f.ws, &to, b"planted", None);
        let _ = copy::copy(&f.ws, &from, &to, &CopyLimits::default());
        let _ = rename::rename(&f.ws, &from, &to, overwrite);
        if let Ok(trashed) = trash::delete(&f.ws, &from, SystemTime::now()) {
            let _ = trash::restore(&f.ws, &trashed.id);
        }
        // The outside: exactly the one file, unchanged; nothing beside it.
        f.outside_untouched();
        prop_assert!(!f.base.join("nowhere").exists(), "made through a dangling link");
        let beside: Vec<_> = fs::read_dir(&f.base).unwrap().map(|e| e.unwrap().file_name()).collect();
        prop_assert_eq!(beside.len(), 2, "{:?}", beside);
    }
}
