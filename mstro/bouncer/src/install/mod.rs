//! `install`, `uninstall` and `doctor`: registering the hook in Claude Code's settings
//! and checking that the whole chain works.
//!
//! - [`settings`]: reading and rewriting a `settings.json` without losing anything.
//! - [`matcher`]: which tools a hook matcher selects, the way Claude Code decides.
//! - [`doctor`]: every link from the binary to a decision, with what to fix.

pub mod doctor;
pub mod matcher;
pub mod settings;

use std::path::PathBuf;

use mstro_engine::PathEnv;

use self::settings::{HookCommand, HookEntry, Settings};
use super::cli::{InstallArgs, UninstallArgs};

/// The settings file a scope registers the hook in.
pub fn settings_path(project: bool) -> anyhow::Result<PathBuf> {
    if project {
        return Ok(std::env::current_dir()?.join(".claude/settings.json"));
    }
    Ok(user_claude_dir().join("settings.json"))
}

/// `$CLAUDE_CONFIG_DIR`, or `~/.claude`.
pub fn user_claude_dir() -> PathBuf {
    let env = PathEnv::from_process_env();
    match env.claude_config_dir {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env.home).join(".claude"),
    }
}

/// `mstro-bouncer install`; returns the exit code.
pub fn install(args: &InstallArgs) -> i32 {
    report(run_install(args))
}

/// `mstro-bouncer uninstall`; returns the exit code.
pub fn uninstall(args: &UninstallArgs) -> i32 {
    report(run_uninstall(args))
}

fn report(result: anyhow::Result<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mstro-bouncer: {e:#}");
            1
        }
    }
}

/// Shortest hook timeout accepted: a hook that times out is skipped (fail-open).
const MIN_TIMEOUT_SECONDS: u64 = 10;

fn run_install(args: &InstallArgs) -> anyhow::Result<()> {
    if args.timeout < MIN_TIMEOUT_SECONDS {
        anyhow::bail!(
            "--timeout {} is too short: Claude Code skips a hook that times out, so the call would go unchecked; use at least {MIN_TIMEOUT_SECONDS}",
            args.timeout
        );
    }
    let uncovered: Vec<&str> = doctor::REQUIRED_TOOLS
        .iter()
        .copied()
        .filter(|t| !matcher::matches(Some(&args.matcher), t))
        .collect();
    if !uncovered.is_empty() {
        eprintln!(
            "mstro-bouncer: warning: matcher {:?} does not select {}; those calls will not be checked",
            args.matcher,
            uncovered.join(", ")
        );
    }
    let binary = hook_binary(args)?;
    let entry = HookEntry {
        command: HookCommand::render(&binary),
        matcher: args.matcher.clone(),
        timeout: args.timeout,
    };
    let path = settings_path(args.project)?;
    let mut settings = Settings::load(&path)?;
    for other in settings.bouncer_entries().iter().filter(|b| !b.ours) {
        eprintln!(
            "mstro-bouncer: note: {} also has a hand-made entry `{}`; left as it is",
            path.display(),
            other.command
        );
    }
    if !settings.install(&entry)? {
        println!(
            "already installed in {} (matcher {:?})",
            path.display(),
            entry.matcher
        );
        return Ok(());
    }
    let backup = settings.save()?;
    println!("installed the PreToolUse hook in {}", path.display());
    println!("  command: {}", entry.command);
    println!("  matcher: {:?}", entry.matcher);
    if let Some(b) = backup {
        println!("  backup:  {}", b.display());
    }
    println!("check the chain with `mstro-bouncer doctor`");
    Ok(())
}

/// The binary the hook runs. For a project (whose settings are committed and shared),
/// `mstro-bouncer` as found on each machine's PATH. For the user, the path the command
/// was started from when it is the `mstro-bouncer` on PATH (a stable name that survives
/// upgrades, unlike a package manager's versioned directory), else this binary's path.
fn hook_binary(args: &InstallArgs) -> anyhow::Result<String> {
    if let Some(b) = &args.binary {
        let b = std::path::absolute(b)?;
        if !b.is_file() {
            anyhow::bail!(
                "{} is not a file; give the installed binary with --binary",
                b.display()
            );
        }
        if b.file_name().and_then(|n| n.to_str()) != Some("mstro-bouncer") {
            anyhow::bail!(
                "the binary must be called `mstro-bouncer` (it is {})",
                b.display()
            );
        }
        return Ok(b.to_string_lossy().into_owned());
    }
    if args.project {
        return Ok("mstro-bouncer".to_owned());
    }
    let me = std::env::current_exe()?;
    if let Some(on_path) = doctor::on_path("mstro-bouncer")
        && std::fs::canonicalize(&on_path).ok() == std::fs::canonicalize(&me).ok()
    {
        return Ok(on_path.to_string_lossy().into_owned());
    }
    Ok(me.to_string_lossy().into_owned())
}

fn run_uninstall(args: &UninstallArgs) -> anyhow::Result<()> {
    let path = settings_path(args.project)?;
    let mut settings = Settings::load(&path)?;
    if !settings.existed {
        println!("nothing to remove: {} does not exist", path.display());
        return Ok(());
    }
    let removed = settings.uninstall()?;
    if removed == 0 {
        println!(
            "nothing to remove: no mstro-bouncer hook in {}",
            path.display()
        );
        return Ok(());
    }
    let backup = settings.save()?;
    println!(
        "removed {removed} mstro-bouncer hook entr{} from {}",
        if removed == 1 { "y" } else { "ies" },
        path.display()
    );
    if let Some(b) = backup {
        println!("  backup: {}", b.display());
    }
    Ok(())
}
