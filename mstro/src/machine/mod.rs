//! The machine side of mstro (MSTRO.md §1, §3): the local server, the relay client,
//! the dispatcher serving browsers' requests inside the [`Workspace`],
//! and the token keeper.

pub mod admission;
pub mod dispatch;
pub mod local_server;
pub mod log;
pub mod relay_api;
pub mod relay_client;
pub mod token_keeper;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use tokio::sync::watch;

use self::dispatch::Dispatcher;
use self::relay_client::{ClientConfig, ConnectionState, RelayHandle};
use crate::files::{Files, FilesConfig};
use crate::home::MstroHome;
use crate::home::instances::{HEARTBEAT_EVERY, Registration};
use crate::session::event_log::LogLimits;
use crate::session::runner::RunnerConfig;
use crate::session::tabs::Tabs;
use crate::terminal::{TerminalConfig, Terminals};
use mstro_fs::Workspace;
use mstro_protocol::PROTOCOL_VERSION;
use mstro_protocol::handshake::MachineHello;

/// Everything a machine needs to run.
#[derive(Debug, Clone)]
pub struct MachineConfig {
    pub relay_url: String,
    pub token: String,
    pub client_id: String,
    pub working_dir: PathBuf,
    /// `-p`: the local server's port (default: first free from 4101).
    pub port: Option<u16>,
    pub home: MstroHome,
    /// How sessions run; `None` takes the defaults and the environment's overrides
    /// ([`RunnerConfig::from_env`]).
    pub runner: Option<RunnerConfig>,
}

/// Why a machine stopped.
#[derive(Debug, thiserror::Error)]
pub enum MachineError {
    #[error("the working directory {dir} cannot be served: {source}")]
    Workspace {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the relay refused this machine ({0}). Run `mstro login --force` to sign it in again.")]
    AuthFailed(String),
    #[error(
        "another mstro signed in as this machine connected to the relay and took over; stop one of them (`mstro status` lists them)"
    )]
    Replaced,
}

/// A running machine.
pub struct Machine {
    pub local_addr: std::net::SocketAddr,
    pub relay: RelayHandle,
    pub workspace: Arc<Workspace>,
    registration: Registration,
    sessions: Tabs,
    terminals: Terminals,
    files: Files,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// This machine as the relay sees it.
pub fn hello(client_id: &str, working_dir: &str) -> MachineHello {
    let hostname = gethostname::gethostname().to_string_lossy().into_owned();
    MachineHello {
        name: hostname.clone(),
        machine_hostname: hostname,
        client_id: client_id.to_owned(),
        os_type: std::env::consts::OS.to_owned(),
        cpu_arch: std::env::consts::ARCH.to_owned(),
        cli_version: env!("CARGO_PKG_VERSION").to_owned(),
        working_dir: working_dir.to_owned(),
        protocol_version: PROTOCOL_VERSION,
    }
}

impl Machine {
    /// Start the local server, the relay client and the dispatcher.
    pub async fn start(config: MachineConfig) -> Result<Machine, MachineError> {
        let workspace =
            Workspace::new(&config.working_dir).map_err(|source| MachineError::Workspace {
                dir: config.working_dir.display().to_string(),
                source,
            })?;
        let workspace = Arc::new(workspace);
        let root = workspace.root().display().to_string();
        let listener = local_server::bind(config.port).await?;
        let local_addr = local_server::serve(listener, root.clone(), config.relay_url.clone())?;
        let registration = Registration::register(
            &config.home,
            local_addr.port(),
            root.clone(),
            config.relay_url.clone(),
        )?;

        let token = Arc::new(RwLock::new(config.token.clone()));
        let (relay, mut inbound, client_task) = relay_client::spawn(
            ClientConfig {
                relay_url: config.relay_url.clone(),
                hello: hello(&config.client_id, &root),
            },
            token.clone(),
        );
        // What a crash of an earlier mstro left: run directories, registrations of
        // runs that are over (harmless, since each names one process by its start
        // time and boot), and half-written state files.
        crate::session::runner::sweep_run_dirs();
        mstro_bouncer::hook::run_registry::RunRegistry::for_work_in(workspace.root()).sweep();
        for dir in [
            config.home.dir().to_path_buf(),
            workspace.root().join(".mstro/history"),
            workspace.root().join(".mstro/tabs"),
        ] {
            mstro_fs::sweep_leftovers(&dir, mstro_fs::LEFTOVER_AGE);
        }
        let runner = config.runner.clone().unwrap_or_else(RunnerConfig::from_env);
        if !runner.binaries.bouncer.is_file() {
            // Said now, not only when the first prompt fails: sessions never run without
            // the bouncer.
            eprintln!(
                "warning: mstro-bouncer was not found at {}: prompts from the browser will \
                 not run until it is there (`cargo build -p mstro -p mstro-bouncer` builds it \
                 beside mstro, with `--release` for a release mstro; or name it with \
                 MSTRO_BOUNCER_BIN)",
                runner.binaries.bouncer.display()
            );
        }
        let sessions = Tabs::new(
            workspace.root().to_path_buf(),
            runner,
            relay.outbox.clone(),
            LogLimits::default(),
        );
        let terminals = Terminals::start(
            workspace.root(),
            relay.outbox.clone(),
            TerminalConfig::from_env(),
        );
        // Also empties the trash's expired entries, now and daily.
        let files = Files::start(
            workspace.clone(),
            relay.outbox.clone(),
            FilesConfig::from_env(),
        );
        let dispatcher = Arc::new(Dispatcher::new(
            workspace.clone(),
            sessions.clone(),
            terminals.clone(),
            files.clone(),
        ));
        let outbox = relay.outbox.clone();
        let dispatch_task = tokio::spawn(async move {
            // Requests in progress at once, shared fairly (admission.rs); more are
            // answered `busy` rather than queued without bound (a flood of 1 MiB reads
            // must not exhaust memory), and the owner's cancel never waits.
            let slots = Arc::new(admission::Admission::default());
            while let Some(frame) = inbound.recv().await {
                // Keystrokes and the like: answered here, in the order they came.
                if let Some(reply) = dispatcher.answer_in_order(&frame) {
                    if let Some(reply) = reply {
                        outbox.push_text(reply);
                    }
                    continue;
                }
                let Some(slot) = slots.admit(&frame) else {
                    outbox.push(&frame.error_reply(
                        mstro_protocol::ErrorCode::Busy,
                        "the machine is busy; try again",
                    ));
                    continue;
                };
                let dispatcher = dispatcher.clone();
                let outbox = outbox.clone();
                tokio::spawn(async move {
                    let reply = dispatcher.handle(&frame).await;
                    outbox.push_text(reply);
                    drop(slot);
                });
            }
        });
        let keeper = token_keeper::spawn(config.relay_url.clone(), token, config.home.clone());
        Ok(Machine {
            local_addr,
            relay,
            workspace,
            registration,
            sessions,
            terminals,
            files,
            tasks: vec![client_task, dispatch_task, keeper],
        })
    }

    /// Run until `shutdown` resolves or the relay refuses the token; the instance
    /// file's heartbeat is kept fresh meanwhile.
    pub async fn run_until(
        mut self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), MachineError> {
        let mut state = self.relay.state.clone();
        let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
        tokio::pin!(shutdown);
        let result = loop {
            tokio::select! {
                _ = &mut shutdown => break Ok(()),
                _ = heartbeat.tick() => {
                    let _ = self.registration.beat();
                }
                changed = state.changed() => {
                    if changed.is_err() {
                        break Ok(());
                    }
                    let now = state.borrow_and_update().clone();
                    report(&now);
                    match now {
                        ConnectionState::AuthFailed { reason } => break Err(MachineError::AuthFailed(reason)),
                        ConnectionState::Replaced => break Err(MachineError::Replaced),
                        _ => {}
                    }
                }
            }
        };
        self.stop().await;
        result
    }

    /// Stop every run, close the relay socket and stop every task.
    pub async fn stop(self) {
        self.terminals.stop();
        self.files.stop();
        self.sessions
            .shutdown(std::time::Duration::from_secs(5))
            .await;
        self.relay.shutdown();
        let mut state = self.relay.state.clone();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            state.wait_for(|s| {
                matches!(
                    s,
                    ConnectionState::Stopped | ConnectionState::AuthFailed { .. }
                )
            }),
        )
        .await;
        for t in &self.tasks {
            t.abort();
        }
        drop(self.registration);
    }
}

/// Tell the person about connection changes (details with `-v`).
fn report(state: &ConnectionState) {
    match state {
        ConnectionState::Paired { .. } => eprintln!("mstro: connected to the relay"),
        ConnectionState::Backoff { delay, .. } => {
            log::debug(&format!("relay unreachable; next attempt in {delay:.1?}"))
        }
        other => log::debug(&format!("relay: {other:?}")),
    }
}

/// A shutdown signal for [`Machine::run_until`] from a `watch` flag.
pub async fn flag(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await;
}
