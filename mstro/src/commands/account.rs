//! `login`, `logout`, `whoami`, `status`: this machine's account on the relay.

use std::time::{Duration, Instant};

use crate::home::MstroHome;
use crate::home::client_id::client_id;
use crate::home::credentials::Credentials;
use crate::home::instances;
use crate::machine::relay_api::{PollResult, RelayApi, RelayApiError};
use mstro_protocol::device::DeviceRequest;

/// Device-code login; the credentials are saved on success.
pub async fn login(home: &MstroHome, relay: &str, force: bool) -> anyhow::Result<i32> {
    let api = RelayApi::new(relay);
    if !force && let Some(c) = Credentials::load(home)? {
        let same_relay = c.platform_url.as_deref().is_none_or(|u| u == api.base());
        if same_relay {
            match api.verify(&c.token).await {
                Ok(v) => {
                    println!(
                        "Already logged in to {} as {}. Use `mstro login --force` to register again.",
                        api.base(),
                        v.user.name
                    );
                    return Ok(0);
                }
                Err(RelayApiError::Unauthorized) => {
                    println!("The saved token is no longer valid; signing in again.");
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let credentials = device_login(home, &api, force).await?;
    println!("Logged in to {} as {}.", api.base(), credentials.name);
    Ok(0)
}

/// The device-code flow (MSTRO.md §2); returns the saved credentials.
pub async fn device_login(
    home: &MstroHome,
    api: &RelayApi,
    force: bool,
) -> anyhow::Result<Credentials> {
    let client_id = client_id(home)?;
    let hello = crate::machine::hello(&client_id, "");
    let grant = api
        .request_device_code(&DeviceRequest {
            client_id: client_id.clone(),
            machine_hostname: hello.machine_hostname,
            os_type: hello.os_type,
            cpu_arch: hello.cpu_arch,
            cli_version: hello.cli_version,
            force,
        })
        .await?;
    println!(
        "To sign this machine in, open this page in a browser where you are signed in to the relay:\n"
    );
    println!("    {}\n", grant.verification_url_complete);
    println!("and check that it shows the code  {}\n", grant.user_code);
    println!("Waiting for approval (Ctrl-C to cancel)...");

    let mut interval = Duration::from_secs(grant.interval.unwrap_or(5).max(1));
    let deadline = Instant::now() + Duration::from_secs(grant.expires_in);
    loop {
        tokio::time::sleep(interval).await;
        if Instant::now() > deadline {
            anyhow::bail!("the code expired before it was approved; run `mstro login` again");
        }
        match api.poll(&grant.device_code).await {
            Ok(PollResult::Approved(token)) => {
                let now = mstro_protocol::timestamp::now();
                let credentials = Credentials {
                    token: token.access_token,
                    user_id: token.user.id,
                    email: token.user.email,
                    name: token.user.name,
                    client_id,
                    platform_url: Some(api.base().to_owned()),
                    created_at: now.clone(),
                    last_refreshed_at: now,
                };
                credentials.save(home)?;
                return Ok(credentials);
            }
            Ok(PollResult::NotYet(code)) => match code.as_str() {
                "authorization_pending" => {}
                "slow_down" => interval += Duration::from_secs(5),
                "expired_token" => {
                    anyhow::bail!(
                        "the code expired before it was approved; run `mstro login` again"
                    )
                }
                "access_denied" => anyhow::bail!("the sign-in was denied in the browser"),
                other => anyhow::bail!("the relay refused the login: {other}"),
            },
            // The network comes and goes; the deadline bounds the wait.
            Err(RelayApiError::Unreachable { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

pub async fn logout(home: &MstroHome) -> anyhow::Result<i32> {
    let Some(c) = Credentials::load(home)? else {
        println!("Not logged in.");
        return Ok(0);
    };
    let relay = c
        .platform_url
        .clone()
        .unwrap_or_else(|| super::DEFAULT_RELAY.to_owned());
    match RelayApi::new(&relay).deregister(&c.token).await {
        Ok(()) | Err(RelayApiError::Unauthorized) => {}
        Err(e) => eprintln!(
            "mstro: could not deregister on the relay ({e}); deleting the local credentials anyway"
        ),
    }
    Credentials::delete(home)?;
    println!("Logged out.");
    Ok(0)
}

pub async fn whoami(home: &MstroHome, offline: bool) -> anyhow::Result<i32> {
    let Some(c) = Credentials::load(home)? else {
        eprintln!("Not logged in. Run `mstro login`.");
        return Ok(1);
    };
    let relay = c
        .platform_url
        .clone()
        .unwrap_or_else(|| super::DEFAULT_RELAY.to_owned());
    let hostname = gethostname::gethostname().to_string_lossy().into_owned();
    println!("user:     {} ({})", c.name, c.user_id);
    println!("device:   {}", c.client_id);
    println!("hostname: {hostname}");
    println!(
        "os:       {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    println!("relay:    {relay}");
    if offline {
        return Ok(0);
    }
    match RelayApi::new(&relay).verify(&c.token).await {
        Ok(_) => {
            println!("token:    valid");
            Ok(0)
        }
        Err(RelayApiError::Unauthorized) => {
            eprintln!("token:    not valid (revoked or replaced). Run `mstro login --force`.");
            Ok(1)
        }
        Err(e) => {
            eprintln!("token:    could not be checked: {e}");
            Ok(1)
        }
    }
}

pub async fn status(home: &MstroHome) -> anyhow::Result<i32> {
    let credentials = Credentials::load(home)?;
    let relay = credentials
        .as_ref()
        .and_then(|c| c.platform_url.clone())
        .unwrap_or_else(|| super::DEFAULT_RELAY.to_owned());
    let api = RelayApi::new(&relay);
    match api.health().await {
        Ok(h) => println!(
            "relay:     {relay} reachable (version {})",
            h["version"].as_str().unwrap_or("unknown")
        ),
        Err(e) => println!("relay:     {relay} unreachable: {e}"),
    }
    match &credentials {
        None => println!("auth:      not logged in (run `mstro login`)"),
        Some(c) => match api.verify(&c.token).await {
            Ok(v) => println!("auth:      logged in as {}, token valid", v.user.name),
            Err(RelayApiError::Unauthorized) => {
                println!("auth:      token not valid; run `mstro login --force`")
            }
            Err(_) => println!(
                "auth:      logged in as {}, token not checked (relay unreachable)",
                c.name
            ),
        },
    }
    let live = instances::live(home)?;
    if live.is_empty() {
        println!("instances: none running");
    }
    for i in live {
        let up = instances::now_secs().saturating_sub(i.started_at);
        println!(
            "instance:  http://127.0.0.1:{}  pid {}  {}  up {}",
            i.port,
            i.pid,
            i.working_dir,
            humantime::format_duration(Duration::from_secs(up))
        );
    }
    Ok(0)
}
