//! Owning a whole process tree (MSTRO.md §6: "a movement owns its process tree").
//!
//! Claude Code starts every Bash command in a session and process group of its own, and
//! a command can detach further (`setsid`, a double fork, `nohup … &`), so signalling
//! `claude`'s process group misses most of what a run started. On Linux a movement is
//! therefore started under a small supervisor, the [`reaper`]: a child subreaper
//! (`PR_SET_CHILD_SUBREAPER`), so that every process the run starts stays its
//! descendant however it detaches, and it ends all of them ([`descendants`]) when the
//! run is stopped, when `claude` exits, or when `mstro` itself goes away.
//!
//! What this cannot reach: a process handed to another service (`systemd-run`, `at`,
//! `docker run -d`, an ssh to elsewhere) is not our descendant, and a supervisor killed
//! with SIGKILL leaves its tree to init, as any supervisor would.

#[cfg(target_os = "linux")]
pub mod descendants;
#[cfg(target_os = "linux")]
pub mod reaper;
