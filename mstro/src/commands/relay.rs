//! `mstro relay`: run the self-hosted relay, and manage its users.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::home::MstroHome;
use mstro_relay::store::{Store, StoreError};
use mstro_relay::{RelayConfig, default_public_url, sign_in_link};

#[derive(Debug, Args)]
pub struct RelayArgs {
    #[command(subcommand)]
    command: Option<RelayCommand>,
    /// The address to listen on. Anything but loopback exposes the relay to the
    /// network: put TLS in front of it.
    #[arg(long, default_value = super::DEFAULT_LISTEN, global = true)]
    listen: String,
    /// The store's directory (default: ~/.mstro/relay).
    #[arg(long, value_name = "DIR", global = true)]
    data: Option<PathBuf>,
    /// The URL people reach the relay at, when not http://<listen> (behind a proxy).
    #[arg(long, value_name = "URL", global = true)]
    public_url: Option<String>,
    /// Seconds between a machine's polls during device login (tests shorten it).
    #[arg(long, default_value_t = 5, hide = true)]
    device_poll_interval: i64,
}

#[derive(Debug, Subcommand)]
enum RelayCommand {
    /// Create a user and print a one-time sign-in link.
    AddUser {
        name: String,
        /// Also set a password, read from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a new one-time sign-in link for an existing user.
    Link { name: String },
    /// List the browsers signed in as a user.
    Sessions { name: String },
    /// Sign a user out of every browser (a running relay closes their connections
    /// within a minute).
    SignOut { name: String },
    /// List the machines a user owns, with their ids.
    Machines { name: String },
    /// Sign one of a user's machines out: its token stops working (a running relay
    /// lets its socket go at the next reconnect; the web app's Account page closes it
    /// at once).
    SignOutMachine { name: String, machine_id: String },
}

pub async fn run(home: &MstroHome, args: RelayArgs) -> anyhow::Result<i32> {
    let listen = super::parse_listen(&args.listen)?;
    let data = args.data.clone().unwrap_or_else(|| home.relay_dir());
    let public_url = args
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| default_public_url(listen));
    match args.command {
        Some(RelayCommand::AddUser {
            name,
            password_stdin,
        }) => add_user(&data, &public_url, &name, password_stdin),
        Some(RelayCommand::Link { name }) => {
            let store = Store::open(&data)?;
            let user = existing_user(&store, &name)?;
            println!("{}", sign_in_link(&store, &public_url, &user.id)?);
            Ok(0)
        }
        Some(RelayCommand::Sessions { name }) => {
            let store = Store::open(&data)?;
            let user = existing_user(&store, &name)?;
            let sessions = store.sessions_of(&user.id, mstro_relay::state::now())?;
            if sessions.is_empty() {
                println!("{name} is not signed in anywhere.");
            }
            for s in &sessions {
                let at = |t| mstro_protocol::timestamp::rfc3339_unix(t).unwrap_or_default();
                println!(
                    "{}  signed in {}  expires {}",
                    s.public_id(),
                    at(s.created_at),
                    at(s.expires_at)
                );
            }
            Ok(0)
        }
        Some(RelayCommand::Machines { name }) => {
            let store = Store::open(&data)?;
            let user = existing_user(&store, &name)?;
            let owned: Vec<_> = store
                .machines_for_user(&user.id)?
                .into_iter()
                .filter(|v| v.permission == mstro_relay::store::Permission::Owner)
                .collect();
            if owned.is_empty() {
                println!("{name} owns no machine.");
            }
            for m in owned.iter().map(|v| &v.machine) {
                println!("{}  {}  ({})", m.id, m.name, m.hostname);
            }
            Ok(0)
        }
        Some(RelayCommand::SignOutMachine { name, machine_id }) => {
            let store = Store::open(&data)?;
            let user = existing_user(&store, &name)?;
            match store.revoke_machine_devices(&machine_id, &user.id) {
                Ok(n) => {
                    println!("Signed machine {machine_id} out ({n} token(s) revoked).");
                    Ok(0)
                }
                Err(StoreError::NotFound) => anyhow::bail!(
                    "{name} owns no machine {machine_id}; `mstro relay machines {name}` lists them"
                ),
                Err(e) => Err(e.into()),
            }
        }
        Some(RelayCommand::SignOut { name }) => {
            let store = Store::open(&data)?;
            let user = existing_user(&store, &name)?;
            let ended = store.end_other_sessions(&user.id, "")?;
            println!(
                "Signed {name} out of {} browser{}.",
                ended.len(),
                if ended.len() == 1 { "" } else { "s" }
            );
            Ok(0)
        }
        None => {
            if !listen.ip().is_loopback() {
                eprintln!(
                    "mstro relay: listening on {listen}, reachable from the network. Serve it behind TLS (https) and pass --public-url."
                );
            }
            let relay = mstro_relay::start(RelayConfig {
                public_url: args.public_url,
                device_poll_interval_secs: args.device_poll_interval,
                ..RelayConfig::new(listen, data)
            })
            .await
            .map_err(super::explain_start_failure)?;
            println!(
                "mstro relay: serving {} (listening on {})",
                relay.public_url, relay.addr
            );
            println!("Add a user with `mstro relay add-user NAME`.");
            tokio::select! {
                _ = super::interrupted() => {}
                _ = wait(relay) => {}
            }
            Ok(0)
        }
    }
}

fn existing_user(store: &Store, name: &str) -> anyhow::Result<mstro_relay::store::User> {
    store.user_by_name(name)?.ok_or_else(|| {
        anyhow::anyhow!("no user named {name:?}; create one with `mstro relay add-user {name}`")
    })
}

async fn wait(relay: mstro_relay::RunningRelay) {
    relay.wait().await;
}

fn add_user(
    data: &std::path::Path,
    public_url: &str,
    name: &str,
    password_stdin: bool,
) -> anyhow::Result<i32> {
    let store = Store::open(data)?;
    let user = match store.create_user(name) {
        Ok(u) => u,
        Err(StoreError::NameTaken(_)) => anyhow::bail!(
            "a user named {name:?} exists already; `mstro relay link {name}` prints a new sign-in link"
        ),
        Err(e) => return Err(e.into()),
    };
    if password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        store.set_password(&user.id, line.trim_end_matches(['\r', '\n']))?;
    }
    println!(
        "Created {}. One-time sign-in link (valid 24 hours):",
        user.name
    );
    println!("{}", sign_in_link(&store, public_url, &user.id)?);
    Ok(0)
}
