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

pub fn setup_terminal() -> i32 {
    println!("Terminal: built in (a pseudo-terminal per browser terminal); nothing to set up.");
    match mstro_bouncer::install::doctor::on_path("tmux") {
        Some(path) => println!(
            "tmux:     found at {} (optional: terminals survive mstro restarts)",
            path.display()
        ),
        None => println!(
            "tmux:     not found (optional: install it for terminals that survive mstro restarts)"
        ),
    }
    0
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
