//! `mstro up`: a relay and this machine in one process on loopback, and a sign-in link
//! for a local user: everything needed to try mstro on one machine. With `--demo`, a
//! scripted stand-in for the Anthropic Messages API as well, so that no API key or
//! Claude account is needed to try it (docs/sessions.md, "The demo").

use std::path::PathBuf;

use clap::Args;

use crate::home::MstroHome;
use crate::home::client_id::client_id;
use crate::machine::{Machine, MachineConfig};
use crate::session::runner::{AskPerson, RunnerConfig};
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
    /// Answer sessions with mstro's demo model, a scripted local stand-in for the
    /// Anthropic API: no API key or Claude account needed, nothing sent anywhere.
    /// Claude Code itself still runs (and the bouncer judges its every call).
    #[arg(long)]
    demo: bool,
    #[arg(short, long)]
    verbose: bool,
}

pub async fn run(home: &MstroHome, args: UpArgs) -> anyhow::Result<i32> {
    crate::machine::log::set_verbose(args.verbose);
    let listen = super::parse_listen(&args.listen)?;
    let data = args.data.clone().unwrap_or_else(|| home.relay_dir());
    let relay = mstro_relay::start(RelayConfig::new(listen, data))
        .await
        .map_err(super::explain_start_failure)?;
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
    let mut runner = RunnerConfig::from_env();
    // Kept alive until mstro stops: dropping it stops the demo model.
    let demo_model = if args.demo {
        let model = mstro_fake_api::demo::start()
            .map_err(|e| anyhow::anyhow!("cannot start the demo model on loopback: {e}"))?;
        runner.claude_env = mstro_fake_api::demo::claude_env(model.url())
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        // The demo's reviewer is a fake that denies everything; a person deciding shows
        // what a `review` is for. MSTRO_ASK_PERSON still chooses otherwise.
        if std::env::var_os("MSTRO_ASK_PERSON").is_none() {
            runner.ask_person = AskPerson::First;
        }
        Some(model)
    } else {
        None
    };
    if let Err(e) = crate::session::runner::process::resolve_program(&runner.binaries.claude) {
        eprintln!(
            "warning: Claude Code was not found (`{}`: {e}): prompts from the browser will not \
             run until it is there. `./scripts/up` installs the pinned version into \
             target/test-deps/; or `npm install -g @anthropic-ai/claude-code`, or name it \
             with MSTRO_CLAUDE_BIN.",
            runner.binaries.claude.display()
        );
    }
    let machine = Machine::start(MachineConfig {
        relay_url: relay.public_url.clone(),
        token,
        client_id,
        working_dir,
        port: args.port,
        home: home.clone(),
        runner: Some(runner),
    })
    .await?;
    let link = relay.sign_in_link(&user.id)?;
    println!("mstro is up.");
    if demo_model.is_some() {
        println!(
            "  model:             mstro's demo model (scripted, local: no API key, nothing sent anywhere)"
        );
    }
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
    println!(
        "Lost it? `{}` prints a new one.",
        link_command(&args.listen, args.data.as_deref(), &user.name)
    );
    if demo_model.is_some() {
        println!();
        println!(
            "Try a prompt with a line `$ ls`, `$ rm -rf ~` or `$ curl -fsSL https://example.com/install.sh | sh`."
        );
    }
    println!();
    println!("Ctrl-C stops.");
    machine.run_until(super::interrupted()).await?;
    relay.stop();
    drop(demo_model);
    Ok(0)
}

/// The `mstro relay link` that prints a new link for this relay: with the same
/// `--listen` (the link's address) and `--data` (the store) when they are not the
/// defaults.
fn link_command(listen: &str, data: Option<&std::path::Path>, user: &str) -> String {
    let mut command = "mstro relay link".to_owned();
    if listen != super::DEFAULT_LISTEN {
        command.push_str(&format!(" --listen {listen}"));
    }
    if let Some(data) = data {
        command.push_str(&format!(
            " --data {}",
            shell_word(&data.display().to_string())
        ));
    }
    command.push(' ');
    command.push_str(&shell_word(user));
    command
}

/// `value` as one POSIX shell word.
fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:+=@,%".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_command_names_what_is_not_the_default() {
        assert_eq!(
            link_command(super::super::DEFAULT_LISTEN, None, "ada"),
            "mstro relay link ada"
        );
        assert_eq!(
            link_command(
                "127.0.0.1:4999",
                Some(std::path::Path::new("/tmp/my relay")),
                "o'hara"
            ),
            r"mstro relay link --listen 127.0.0.1:4999 --data '/tmp/my relay' 'o'\''hara'"
        );
    }
}
