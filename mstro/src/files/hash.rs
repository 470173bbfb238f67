//! The content hash files are versioned by: lowercase hex SHA-256 of the bytes. The
//! browser gets it with `readFile` and sends it back as `writeFile`'s `baseHash`; the
//! machine compares it with the file on disk before replacing anything.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

/// The most bytes of a file on disk the machine hashes to check a `writeFile` against:
/// larger files were never read whole (`readFile` reads 1 MiB), so they cannot have a
/// `baseHash` that matches.
pub const MAX_HASHED_BYTES: u64 = 64 * 1024 * 1024;

/// The hash of `bytes`.
pub fn of_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The hash of everything `reader` gives, or `None` when that is more than `limit`
/// bytes.
pub fn of_reader(reader: impl Read, limit: u64) -> io::Result<Option<String>> {
    let mut hasher = Sha256::new();
    let mut limited = reader.take(limit + 1);
    let mut buf = vec![0; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match limited.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        total += n as u64;
        if total > limit {
            return Ok(None);
        }
        hasher.update(&buf[..n]);
    }
    Ok(Some(hex(&hasher.finalize())))
}

/// Whether `hash` looks like one of ours (64 hex digits, either case).
pub fn is_well_formed(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_limits() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(of_bytes(b""), empty);
        assert_eq!(
            of_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            of_reader(&b"abc"[..], 3).unwrap().unwrap(),
            of_bytes(b"abc")
        );
        assert_eq!(of_reader(&b"abcd"[..], 3).unwrap(), None);
        assert_eq!(of_reader(&b""[..], 0).unwrap().unwrap(), empty);
        let big = vec![7u8; 200_000];
        assert_eq!(
            of_reader(&big[..], 200_000).unwrap().unwrap(),
            of_bytes(&big)
        );
        assert!(is_well_formed(empty));
        assert!(is_well_formed(&empty.to_uppercase()));
        assert!(!is_well_formed(&empty[1..]));
        assert!(!is_well_formed(&format!("{}g", &empty[1..])));
    }
}
