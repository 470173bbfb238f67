//! `client-id`: a UUIDv4 naming this installation to the relay, made once.

use std::io;

use super::MstroHome;
use mstro_fs::write_atomic;

/// This installation's client id, created on first use.
pub fn client_id(home: &MstroHome) -> io::Result<String> {
    let path = home.client_id_path();
    match std::fs::read_to_string(&path) {
        Ok(text) if uuid::Uuid::parse_str(text.trim()).is_ok() => {
            return Ok(text.trim().to_owned());
        }
        Ok(_) => {} // damaged: replace it (the relay then sees a new installation)
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    home.ensure()?;
    let id = uuid::Uuid::new_v4().to_string();
    write_atomic(&path, format!("{id}\n").as_bytes(), 0o600)?;
    Ok(id)
}
