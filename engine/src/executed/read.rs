//! Reading a file the engine judges: a regular file, at most [`MAX_FILE_BYTES`], text.

use std::io::Read;
use std::path::Path;

/// Largest file the engine reads to judge what it runs. Larger is `review`.
pub(crate) const MAX_FILE_BYTES: u64 = 256 * 1024;

/// Why a file that runs could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ReadError {
    #[error("it is larger than {} KiB", MAX_FILE_BYTES / 1024)]
    TooLarge,
    #[error("it is not a regular file")]
    NotRegular,
    #[error("it is not text")]
    NotText,
    #[error("it could not be read ({0})")]
    Io(String),
}

/// The text of `path`; `Ok(None)` when there is no such file (then nothing runs).
/// Symlinks are followed, so what is judged is what would run; devices, FIFOs and
/// directories are refused, never opened.
pub(crate) fn read_bounded(path: &Path) -> Result<Option<String>, ReadError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ReadError::Io(e.kind().to_string())),
    };
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.kind().to_string()))?;
    // The file may have grown since `metadata`: never read more than the bound.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.kind().to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| ReadError::NotText)
}

/// Whether the regular file at `path` is a compiled program (ELF, Mach-O), by its first
/// bytes. Anything else run by its path is a script of some kind.
pub(crate) fn is_compiled(path: &Path) -> Result<bool, ReadError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(ReadError::Io(e.kind().to_string())),
    };
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    let mut magic = [0u8; 4];
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.kind().to_string()))?;
    let n = file
        .take(4)
        .read(&mut magic)
        .map_err(|e| ReadError::Io(e.kind().to_string()))?;
    Ok(n == 4
        && matches!(
            magic,
            [0x7f, b'E', b'L', b'F']
                | [0xfe, 0xed, 0xfa, 0xce | 0xcf]
                | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
                | [0xca, 0xfe, 0xba, 0xbe]
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_refuses_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.sh");
        std::fs::write(&ok, "echo hi\n").unwrap();
        assert_eq!(read_bounded(&ok), Ok(Some("echo hi\n".to_owned())));
        assert_eq!(read_bounded(&dir.path().join("missing")), Ok(None));
        assert_eq!(read_bounded(dir.path()), Err(ReadError::NotRegular));
        let big = dir.path().join("big.sh");
        std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES as usize + 1]).unwrap();
        assert_eq!(read_bounded(&big), Err(ReadError::TooLarge));
        let bin = dir.path().join("bin");
        std::fs::write(&bin, [0xff, 0xfe, 0x00]).unwrap();
        assert_eq!(read_bounded(&bin), Err(ReadError::NotText));
        let link = dir.path().join("link.sh");
        std::os::unix::fs::symlink(&ok, &link).unwrap();
        assert_eq!(read_bounded(&link), Ok(Some("echo hi\n".to_owned())));
    }
}
