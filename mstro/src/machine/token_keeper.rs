//! Keeping the device token fresh: one task for the life of the process (not one per
//! reconnect, so timers never pile up) that refreshes the token when it is older than
//! [`REFRESH_AFTER`] and saves the new one atomically. The relay client reads the
//! shared token at its next connection.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::relay_api::{RelayApi, RelayApiError};
use crate::home::MstroHome;
use crate::home::credentials::Credentials;

/// A token this old is replaced.
pub const REFRESH_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often the age is checked.
const CHECK_EVERY: Duration = Duration::from_secs(6 * 3600);

pub fn spawn(
    relay_url: String,
    token: Arc<RwLock<String>>,
    home: MstroHome,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let api = RelayApi::new(&relay_url);
        let mut tick = tokio::time::interval(CHECK_EVERY);
        loop {
            tick.tick().await;
            match refresh_if_due(&api, &token, &home).await {
                Ok(_) => {}
                // The relay client reports a refused token; nothing more to do here.
                Err(RelayApiError::Unauthorized) => return,
                Err(e) => super::log::debug(&format!("token refresh failed, will retry: {e}")),
            }
        }
    })
}

/// Refresh the stored token if it is due; whether it was.
pub async fn refresh_if_due(
    api: &RelayApi,
    token: &RwLock<String>,
    home: &MstroHome,
) -> Result<bool, RelayApiError> {
    let Ok(Some(mut credentials)) = Credentials::load(home) else {
        return Ok(false); // `mstro up`'s machine keeps its token in memory only
    };
    let current = token.read().unwrap_or_else(|p| p.into_inner()).clone();
    if credentials.token != current {
        // Another instance (or `mstro login`) replaced it: use the newer one from the
        // next connection on.
        *token.write().unwrap_or_else(|p| p.into_inner()) = credentials.token;
        return Ok(false);
    }
    let age = humantime::parse_rfc3339(&credentials.last_refreshed_at)
        .ok()
        .and_then(|t| t.elapsed().ok())
        .unwrap_or(REFRESH_AFTER);
    if age < REFRESH_AFTER {
        return Ok(false);
    }
    let refreshed = api.refresh(&current).await?;
    credentials.token = refreshed.access_token.clone();
    credentials.last_refreshed_at = mstro_protocol::timestamp::now();
    if let Err(e) = credentials.save(home) {
        eprintln!("mstro: cannot save the refreshed token: {e}");
    }
    *token.write().unwrap_or_else(|p| p.into_inner()) = refreshed.access_token;
    Ok(true)
}
