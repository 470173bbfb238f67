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

use self::settings::{HookEntry, Settings, quote};
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

pub fn install(args: &InstallArgs) -> i32 {
    report(run_install(args))
}

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

fn run_install(args: &InstallArgs) -> anyhow::Result<()> {
    let binary = match &args.binary {
        Some(b) => std::path::absolute(b)?,
        None => std::env::current_exe()?,
    };
    let binary = std::fs::canonicalize(&binary).unwrap_or(binary);
    if !binary.is_file() {
        anyhow::bail!(
            "{} is not a file; give the installed binary with --binary",
            binary.display()
        );
    }
    let entry = HookEntry {
        command: format!("{} hook", quote(&binary.to_string_lossy())),
        matcher: args.matcher.clone(),
        timeout: args.timeout,
    };
    let path = settings_path(args.project)?;
    let mut settings = Settings::load(&path)?;
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
