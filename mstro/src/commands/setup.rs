//! `configure-hooks`, `setup-terminal`, `telemetry`.

use crate::home::MstroHome;
use crate::home::settings::Settings;
use mstro_bouncer::cli::InstallArgs;

/// The bouncer's installer, pointing the hook at the `mstro-bouncer` next to this
/// binary when there is one.
pub fn configure_hooks(project: bool) -> i32 {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("mstro-bouncer")))
        .filter(|p| p.is_file());
    mstro_bouncer::install::install(&InstallArgs {
        project,
        matcher: "*".to_owned(),
        binary: beside,
        timeout: 120,
    })
}

/// What the browser's terminal will and will not do on this machine (docs/terminal.md),
/// found by trying: a pseudo-terminal is opened, the shell and tmux are looked for.
/// Exit code 1 when terminals cannot work at all.
pub fn setup_terminal() -> i32 {
    use crate::terminal::{TerminalConfig, shell, tmux::Tmux};

    let pty = portable_pty::native_pty_system().openpty(portable_pty::PtySize::default());
    let works = match &pty {
        Ok(_) => {
            println!("pseudo-terminals: work (one was opened and closed)");
            true
        }
        Err(e) => {
            println!(
                "pseudo-terminals: cannot open one ({e}): the browser's terminal will not work here"
            );
            false
        }
    };
    drop(pty);
    let shell = shell::person_shell();
    println!(
        "shell:            {} (from {}), started as a login shell in the workspace",
        shell.path.display(),
        shell.source
    );
    let config = TerminalConfig::from_env();
    let root = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    match (config.tmux, Tmux::for_workspace(&root)) {
        (true, Some(tmux)) => println!(
            "tmux:             found; terminals run in mstro's private tmux server ({} for this directory) \
             and outlive a restart of mstro",
            tmux.socket()
        ),
        (true, None) => println!(
            "tmux:             not found; terminals end when mstro stops (install tmux for terminals that outlive it)"
        ),
        (false, _) => println!(
            "tmux:             not used (MSTRO_TERMINAL_BACKEND=pty); terminals end when mstro stops"
        ),
    }
    if cfg!(target_os = "linux") {
        println!(
            "closing:          ends everything a terminal started, however it detached (setsid, nohup, &)"
        );
    } else {
        println!(
            "closing:          ends the terminal's shell and its process group; a process that detached into a session of its own is not reached on this system"
        );
    }
    println!(
        "idle limit:       a terminal nobody watches or uses for {} is ended (MSTRO_TERMINAL_IDLE_HOURS)",
        crate::terminal::in_hours(config.idle_limit)
    );
    if works { 0 } else { 1 }
}

pub fn telemetry(home: &MstroHome, value: Option<bool>) -> anyhow::Result<i32> {
    let mut settings = Settings::load(home)?;
    if let Some(on) = value {
        settings.telemetry = Some(on);
        settings.save(home)?;
    }
    let state = if settings.telemetry == Some(true) {
        "on"
    } else {
        "off"
    };
    println!("telemetry: {state} (this build sends no telemetry anywhere, whatever the setting)");
    Ok(0)
}
