//! The `mstro` command line (MSTRO.md §1): one file per command.

mod account;
mod relay;
mod setup;
mod start;
mod up;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::home::MstroHome;
use crate::home::credentials::Credentials;

/// The relay used when neither `--platform`, `PLATFORM_URL` nor a login names one:
/// a relay on this machine (`mstro relay`, `mstro up`).
pub const DEFAULT_RELAY: &str = "http://127.0.0.1:4100";
/// Where `mstro relay` and `mstro up` listen by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4100";

/// mstro: run Claude Code on this machine from any browser, every tool call judged by
/// the bouncer.
#[derive(Debug, Parser)]
#[command(name = "mstro", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    start: StartArgs,
}

/// `mstro` without a subcommand: connect this machine to the relay and serve it.
#[derive(Debug, Clone, Args)]
pub struct StartArgs {
    /// The local server's port (default: the first free one from 4101).
    #[arg(short, long, env = "PORT")]
    pub port: Option<u16>,
    /// The directory browsers may work in (default: the current one).
    #[arg(short, long, value_name = "DIR")]
    pub working_dir: Option<PathBuf>,
    /// Say more about the connection to the relay.
    #[arg(short, long)]
    pub verbose: bool,
    /// The relay's base URL (default: the one logged in to, else http://127.0.0.1:4100).
    #[arg(long, env = "PLATFORM_URL", value_name = "URL")]
    pub platform: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign this machine in to the relay with a device code.
    Login {
        /// Register again even when already logged in.
        #[arg(long)]
        force: bool,
        #[arg(long, env = "PLATFORM_URL", value_name = "URL")]
        platform: Option<String>,
    },
    /// Deregister this machine on the relay (best effort) and delete its credentials.
    Logout,
    /// Who this machine is signed in as; checks the token with the relay.
    Whoami {
        /// Do not contact the relay.
        #[arg(long)]
        offline: bool,
    },
    /// The relay's reachability, the token's validity, and the running instances.
    Status,
    /// Install the bouncer's hook into Claude Code's settings.
    ConfigureHooks {
        /// The project's .claude/settings.json instead of ~/.claude/settings.json.
        #[arg(long)]
        project: bool,
    },
    /// Say what the browser's terminal will and will not do on this machine.
    SetupTerminal,
    /// Show or set the telemetry preference (this build sends no telemetry anywhere).
    Telemetry { value: Option<OnOff> },
    /// Run the self-hosted relay and web app.
    Relay(relay::RelayArgs),
    /// A relay and this machine in one process on loopback, with a sign-in link.
    Up(up::UpArgs),
    /// Internal: the supervisor a movement runs under (see `process_tree`).
    #[cfg(target_os = "linux")]
    #[command(name = crate::process_tree::reaper::SUBCOMMAND, hide = true)]
    MovementReaper(ReaperCli),
}

/// `mstro movement-reaper --parent PID --grace-ms MS [--run-registry DIR] -- PROGRAM ARGS...`
#[cfg(target_os = "linux")]
#[derive(Debug, Args)]
struct ReaperCli {
    #[arg(long)]
    parent: i32,
    #[arg(long)]
    grace_ms: u64,
    #[arg(long, value_name = "DIR")]
    run_registry: Option<std::path::PathBuf>,
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnOff {
    On,
    Off,
}

/// Run `mstro` with the process's arguments; returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    // Before any thread exists: the reaper's signal handling relies on it.
    #[cfg(target_os = "linux")]
    if let Some(Command::MovementReaper(reaper)) = cli.command {
        let mut command = reaper.command.into_iter();
        let program = command.next().unwrap_or_default();
        return crate::process_tree::reaper::run(crate::process_tree::reaper::ReaperArgs {
            parent: reaper.parent,
            grace: std::time::Duration::from_millis(reaper.grace_ms),
            program,
            args: command.collect(),
            run_registry: reaper.run_registry,
        });
    }
    let home = match MstroHome::from_env() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("mstro: {e}");
            return 1;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mstro: cannot start: {e}");
            return 1;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None => start::run(&home, cli.start).await,
            Some(Command::Login { force, platform }) => {
                let url = relay_url(&home, platform.as_deref());
                account::login(&home, &url, force).await
            }
            Some(Command::Logout) => account::logout(&home).await,
            Some(Command::Whoami { offline }) => account::whoami(&home, offline).await,
            Some(Command::Status) => account::status(&home).await,
            Some(Command::ConfigureHooks { project }) => Ok(setup::configure_hooks(project)),
            Some(Command::SetupTerminal) => Ok(setup::setup_terminal()),
            Some(Command::Telemetry { value }) => {
                setup::telemetry(&home, value.map(|v| v == OnOff::On))
            }
            Some(Command::Relay(args)) => relay::run(&home, args).await,
            Some(Command::Up(args)) => up::run(&home, args).await,
            #[cfg(target_os = "linux")]
            Some(Command::MovementReaper(_)) => unreachable!("dispatched before the runtime"),
        }
    });
    // Sockets and tasks end with the runtime; do not wait for idle ones.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mstro: {e:#}");
            1
        }
    }
}

/// `--platform`/`PLATFORM_URL`, else the relay logged in to, else a local one.
fn relay_url(home: &MstroHome, flag: Option<&str>) -> String {
    if let Some(url) = flag.filter(|u| !u.is_empty()) {
        return url.trim_end_matches('/').to_owned();
    }
    Credentials::load(home)
        .ok()
        .flatten()
        .and_then(|c| c.platform_url)
        .unwrap_or_else(|| DEFAULT_RELAY.to_owned())
}

fn parse_listen(value: &str) -> anyhow::Result<SocketAddr> {
    value.parse().map_err(|e| {
        anyhow::anyhow!("--listen {value:?} is not an address like 127.0.0.1:4100: {e}")
    })
}

/// A relay that cannot listen because the address is taken is, nine times out of ten,
/// another `mstro up` or `mstro relay`: say so, and what to do.
fn explain_start_failure(e: mstro_relay::RelayError) -> anyhow::Error {
    match &e {
        mstro_relay::RelayError::Bind { source, .. }
            if source.kind() == std::io::ErrorKind::AddrInUse =>
        {
            anyhow::anyhow!(
                "{e}: the address is in use, most likely by another `mstro up` or `mstro relay` \
                 (`mstro status` lists the mstro instances of this account). Stop it, or pick \
                 another address with --listen 127.0.0.1:PORT"
            )
        }
        _ => e.into(),
    }
}

/// Ctrl-C or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
