//! `mstro up`: a relay and this machine in one process on loopback, and a sign-in link
//! for a local user: everything needed to try mstro on one machine.

use std::path::PathBuf;

use clap::Args;

use crate::home::MstroHome;
use crate::home::client_id::client_id;
use crate::machine::{Machine, MachineConfig};
use mstro_relay::store::{DeviceInfo, PollOutcome, Store, User};
use mstro_relay::{RelayConfig, state::now};

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Where the relay listens.
    #[arg(long, default_value = super::DEFAULT_LISTEN)]
    listen: String,
    /// The relay's store (default: ~/.mstro/relay).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// The directory browsers may work in (default: the current one).
    #[arg(short, long, value_name = "DIR")]
    working_dir: Option<PathBuf>,
    /// The local server's port (default: the first free one from 4101).
    #[arg(short, long)]
    port: Option<u16>,
    /// The relay user to create (or reuse): default $USER.
    #[arg(long)]
    user: Option<String>,
    #[arg(short, long)]
    verbose: bool,
}

pub async fn run(home: &MstroHome, args: UpArgs) -> anyhow::Result<i32> {
    crate::machine::log::set_verbose(args.verbose);
    let listen = super::parse_listen(&args.listen)?;
    let data = args.data.clone().unwrap_or_else(|| home.relay_dir());
    let relay = mstro_relay::start(RelayConfig::new(listen, data)).await?;
    let name = args
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "me".to_owned());
    let user = local_user(&relay.store, &name)?;
    let client_id = client_id(home)?;
    let token = register_device(&relay.store, &user, &client_id)?;
    let working_dir = match args.working_dir {
        Some(d) => d,
        None => std::env::current_dir()?,
    };
    let machine = Machine::start(MachineConfig {
        relay_url: relay.public_url.clone(),
        token,
        client_id,
        working_dir,
        port: args.port,
        home: home.clone(),
    })
    .await?;
    let link = relay.sign_in_link(&user.id)?;
    println!("mstro is up.");
    println!("  relay and web app: {}", relay.public_url);
    println!(
        "  serving:           {}",
        machine.workspace.root().display()
    );
    println!("  signed-in user:    {}", user.name);
    println!();
    println!("Sign in with this one-time link (valid 24 hours):");
    println!();
    println!("    {link}");
    println!();
    println!("Ctrl-C stops.");
    machine.run_until(super::interrupted()).await?;
    relay.stop();
    Ok(0)
}

fn local_user(store: &Store, name: &str) -> anyhow::Result<User> {
    if let Some(user) = store.user_by_name(name)? {
        return Ok(user);
    }
    Ok(store.create_user(name)?)
}

/// Sign this machine in to its own relay directly: the device-code flow, approved on
/// the spot by the store (the person running `mstro up` owns both ends).
fn register_device(store: &Store, user: &User, client_id: &str) -> anyhow::Result<String> {
    let hello = crate::machine::hello(client_id, "");
    let info = DeviceInfo {
        client_id: client_id.to_owned(),
        hostname: hello.machine_hostname,
        os_type: hello.os_type,
        cpu_arch: hello.cpu_arch,
        cli_version: hello.cli_version,
    };
    let (device_code, user_code) = store.create_device_request(&info, true, now(), 60, 0)?;
    anyhow::ensure!(
        store.approve_device_request(&user_code, &user.id, now())?,
        "the relay did not approve this machine"
    );
    match store.poll_device_request(&device_code, now())? {
        PollOutcome::Approved { token, .. } => Ok(token),
        _ => anyhow::bail!("the relay did not issue a token for this machine"),
    }
}
