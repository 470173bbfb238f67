//! RFC 3339 timestamps (UTC, whole seconds) as the remote workspace writes them:
//! `lastSeen`, `requestedAt`, a file's `modified`, the credentials' dates.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The first second humantime cannot write (year 10000).
const END_OF_9999: u64 = 253_402_300_800;

/// `time` as `2026-11-21T10:00:00Z`; `None` outside 1970–9999, which humantime does not
/// write (it would panic before 1970).
pub fn rfc3339(time: SystemTime) -> Option<String> {
    let since = time.duration_since(UNIX_EPOCH).ok()?;
    (since.as_secs() < END_OF_9999).then(|| humantime::format_rfc3339_seconds(time).to_string())
}

/// Unix seconds as RFC 3339.
pub fn rfc3339_unix(secs: i64) -> Option<String> {
    rfc3339(UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(secs).ok()?))?)
}

/// Now, as RFC 3339.
pub fn now() -> String {
    rfc3339(SystemTime::now()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_utc_seconds_and_refuses_what_it_cannot_write() {
        assert_eq!(rfc3339_unix(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_unix(951_782_400).unwrap(), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_unix(1_795_255_200).unwrap(), "2026-11-21T10:00:00Z");
        assert_eq!(
            rfc3339_unix(253_402_300_799).unwrap(),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(rfc3339_unix(253_402_300_800), None);
        assert_eq!(rfc3339_unix(-1), None);
        assert_eq!(rfc3339(UNIX_EPOCH - Duration::from_millis(1)), None);
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(1999)).unwrap(),
            "1970-01-01T00:00:01Z"
        );
    }
}
