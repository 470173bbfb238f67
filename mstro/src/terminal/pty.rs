//! A pseudo-terminal running a program: portable-pty opens it and starts the program on
//! its slave side; a thread reads the master (blocking) into a channel, another writes
//! what the browser typed, in order. The program runs under mstro's supervisor (the
//! movement reaper) where there is one, so that closing the terminal, or `mstro`
//! going away, ends everything it started, however it detached.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use tokio::sync::{mpsc, oneshot};

/// Bytes per read of the master.
const READ_BUFFER: usize = 64 * 1024;
/// Reads waiting for the terminal's task: with [`READ_BUFFER`], what a terminal may
/// hold between the program and the scrollback (the program blocks beyond it, as it
/// would on a terminal nobody reads).
const READS_QUEUED: usize = 8;
/// Writes waiting for the program to read them.
pub const WRITES_QUEUED: usize = 256;

/// How the program ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub code: Option<i32>,
    pub signal: Option<String>,
}

/// A started pseudo-terminal.
pub struct Pty {
    /// For resizing.
    pub master: Arc<Mutex<Box<dyn MasterPty + Send>>>,
    /// What the program prints, in reads; closed at its end.
    pub output: mpsc::Receiver<Vec<u8>>,
    /// What to type, in order; full means the program is not reading.
    pub input: std_mpsc::SyncSender<Vec<u8>>,
    /// The program's end.
    pub ended: oneshot::Receiver<Ended>,
    /// The process started (the supervisor where there is one).
    pub pid: Option<u32>,
}

/// Start `program args` in `cwd` on a new pseudo-terminal of `cols`×`rows`, with `env`
/// on top of mstro's environment.
pub fn spawn(
    program: &[String],
    cwd: &Path,
    env: &[(&str, String)],
    (cols, rows): (u16, u16),
) -> std::io::Result<Pty> {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(std::io::Error::other)?;
    let mut command = supervised(program);
    command.cwd(cwd);
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = pair
        .slave
        .spawn_command(command)
        .map_err(std::io::Error::other)?;
    // Our copy of the slave would keep the master readable after the program exits.
    drop(pair.slave);
    let pid = child.process_id();
    let mut reader = pair
        .master
        .try_clone_reader()
        .map_err(std::io::Error::other)?;
    let mut writer = pair.master.take_writer().map_err(std::io::Error::other)?;

    let (output_tx, output) = mpsc::channel(READS_QUEUED);
    std::thread::Builder::new()
        .name("terminal-read".into())
        .spawn(move || {
            let mut buf = vec![0u8; READ_BUFFER];
            loop {
                match reader.read(&mut buf) {
                    // EIO once the slave is closed: the program's end.
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if output_tx.blocking_send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        })?;
    let (input, input_rx) = std_mpsc::sync_channel::<Vec<u8>>(WRITES_QUEUED);
    std::thread::Builder::new()
        .name("terminal-write".into())
        .spawn(move || {
            for bytes in input_rx {
                if writer
                    .write_all(&bytes)
                    .and_then(|()| writer.flush())
                    .is_err()
                {
                    break;
                }
            }
        })?;
    let (ended_tx, ended) = oneshot::channel();
    std::thread::Builder::new()
        .name("terminal-wait".into())
        .spawn(move || {
            let status = child.wait();
            let ended = match status {
                Ok(status) => Ended {
                    code: status.signal().is_none().then(|| status.exit_code() as i32),
                    signal: status.signal().map(str::to_owned),
                },
                Err(_) => Ended {
                    code: None,
                    signal: None,
                },
            };
            let _ = ended_tx.send(ended);
        })?;
    Ok(Pty {
        master: Arc::new(Mutex::new(pair.master)),
        output,
        input,
        ended,
        pid,
    })
}

/// Resize the terminal (the program gets SIGWINCH).
pub fn resize(
    master: &Mutex<Box<dyn MasterPty + Send>>,
    cols: u16,
    rows: u16,
) -> std::io::Result<()> {
    master
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .resize(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(std::io::Error::other)
}

/// `program` under the movement reaper (Linux): a child subreaper that ends every
/// descendant when the program ends, when it gets SIGTERM, or when `mstro` is gone.
#[cfg(target_os = "linux")]
fn supervised(program: &[String]) -> CommandBuilder {
    let exe: OsString = std::env::current_exe()
        .map(|p| p.into_os_string())
        .unwrap_or_else(|_| "/proc/self/exe".into());
    let mut command = CommandBuilder::new(exe);
    command.arg(crate::process_tree::reaper::SUBCOMMAND);
    command.arg("--parent");
    command.arg(std::process::id().to_string());
    command.arg("--grace-ms");
    command.arg("1500");
    command.arg("--");
    for arg in program {
        command.arg(arg);
    }
    command
}

#[cfg(not(target_os = "linux"))]
fn supervised(program: &[String]) -> CommandBuilder {
    let mut command = CommandBuilder::new(&program[0]);
    command.args(&program[1..]);
    command
}
