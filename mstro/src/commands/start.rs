//! `mstro`: log in if needed, then serve this machine through the relay until Ctrl-C.

use super::StartArgs;
use crate::home::MstroHome;
use crate::home::client_id::client_id;
use crate::home::credentials::Credentials;
use crate::machine::relay_api::RelayApi;
use crate::machine::{Machine, MachineConfig};

pub async fn run(home: &MstroHome, args: StartArgs) -> anyhow::Result<i32> {
    crate::machine::log::set_verbose(args.verbose);
    let relay = super::relay_url(home, args.platform.as_deref());
    let credentials = match Credentials::load(home)? {
        Some(c) if c.platform_url.as_deref().is_none_or(|u| u == relay) => c,
        _ => {
            println!("This machine is not signed in to {relay} yet.");
            super::account::device_login(home, &RelayApi::new(&relay), false).await?
        }
    };
    let working_dir = match args.working_dir {
        Some(d) => d,
        None => std::env::current_dir()?,
    };
    let machine = Machine::start(MachineConfig {
        relay_url: relay.clone(),
        token: credentials.token.clone(),
        client_id: client_id(home)?,
        working_dir,
        port: args.port,
        home: home.clone(),
        runner: None,
    })
    .await?;
    println!(
        "mstro is serving {} as {} (local server http://{}).",
        machine.workspace.root().display(),
        credentials.name,
        machine.local_addr
    );
    println!("Open {relay} in a browser to use it. Ctrl-C stops.");
    machine.run_until(super::interrupted()).await?;
    println!("mstro stopped.");
    Ok(0)
}
