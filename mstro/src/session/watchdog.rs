//! The stall watchdog of a run (MSTRO.md §6): no output for `warn_after` → a warning;
//! for `kill_after` → the run is killed. Any output (token deltas and sub-agents'
//! messages included) moves both out. A tool in flight may push the kill deadline
//! further out to its own budget; an extension never brings a deadline closer, and it
//! ends with the tool (a finished Bash call does not keep a silent run alive for its
//! whole budget).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

/// When to warn and when to kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchdogConfig {
    pub warn_after: Duration,
    pub kill_after: Duration,
}

impl Default for WatchdogConfig {
    fn default() -> Self {
        WatchdogConfig {
            warn_after: Duration::from_secs(5 * 60),
            kill_after: Duration::from_secs(30 * 60),
        }
    }
}

impl WatchdogConfig {
    /// The defaults, overridden by `MSTRO_STALL_WARN_SECS` / `MSTRO_STALL_KILL_SECS`.
    pub fn from_env() -> WatchdogConfig {
        let secs = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|&s| s > 0)
                // A week at most: deadlines are added to `Instant`s and must not overflow.
                .map(|s| Duration::from_secs(s.min(7 * 24 * 3600)))
        };
        let default = WatchdogConfig::default();
        WatchdogConfig {
            warn_after: secs("MSTRO_STALL_WARN_SECS").unwrap_or(default.warn_after),
            kill_after: secs("MSTRO_STALL_KILL_SECS").unwrap_or(default.kill_after),
        }
    }
}

/// What the watchdog wants done now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alarm {
    /// Tell the person the run has been silent this long.
    Warn(Duration),
    /// Kill the run: silent this long.
    Kill(Duration),
}

/// The watchdog of one run.
#[derive(Debug)]
pub struct Watchdog {
    config: WatchdogConfig,
    last_output: Instant,
    /// The deadline each tool in flight asked for, by tool-use id.
    in_flight: HashMap<String, Instant>,
    warned: bool,
}

impl Watchdog {
    pub fn new(config: WatchdogConfig, now: Instant) -> Watchdog {
        Watchdog {
            config,
            last_output: now,
            in_flight: HashMap::new(),
            warned: false,
        }
    }

    /// The run printed something.
    pub fn output(&mut self, now: Instant) {
        self.last_output = self.last_output.max(now);
        self.warned = false;
    }

    /// A tool started (or is still in flight): its budget may extend the deadlines
    /// until [`tool_done`](Self::tool_done).
    pub fn tool(&mut self, id: &str, name: &str, input: Option<&Value>, started: Instant) {
        if let Some(budget) = tool_budget(name, input) {
            let deadline = started + budget;
            let entry = self.in_flight.entry(id.to_owned()).or_insert(deadline);
            *entry = (*entry).max(deadline);
        }
    }

    /// Something the run waits for outside Claude Code (a person's approval) holds
    /// both deadlines until `until` or [`tool_done`](Self::tool_done) with the same id.
    pub fn hold(&mut self, id: &str, until: Instant) {
        let entry = self.in_flight.entry(id.to_owned()).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// The tool's result came: its budget no longer holds the run open.
    pub fn tool_done(&mut self, id: &str) {
        self.in_flight.remove(id);
    }

    fn tool_deadline(&self) -> Option<Instant> {
        self.in_flight.values().max().copied()
    }

    fn warn_at(&self) -> Instant {
        let silent = self.last_output + self.config.warn_after;
        self.tool_deadline().map_or(silent, |d| silent.max(d))
    }

    fn kill_at(&self) -> Instant {
        let silent = self.last_output + self.config.kill_after;
        self.tool_deadline().map_or(silent, |d| silent.max(d))
    }

    /// When [`check`](Self::check) next has something to say.
    pub fn next_deadline(&self) -> Instant {
        if self.warned {
            self.kill_at()
        } else {
            self.warn_at().min(self.kill_at())
        }
    }

    /// What to do at `now`, if anything. A warning is given once per silence.
    pub fn check(&mut self, now: Instant) -> Option<Alarm> {
        let silent = now.saturating_duration_since(self.last_output);
        if now >= self.kill_at() {
            return Some(Alarm::Kill(silent));
        }
        if !self.warned && now >= self.warn_at() {
            self.warned = true;
            return Some(Alarm::Warn(silent));
        }
        None
    }
}

/// How long a tool may legitimately stay silent: Bash its own `timeout` (or its 2 min
/// default) plus a minute for Claude Code to report; web tools 3 min. Others have no
/// budget of their own.
pub fn tool_budget(name: &str, input: Option<&Value>) -> Option<Duration> {
    const MARGIN: Duration = Duration::from_secs(60);
    match name {
        "Bash" => {
            let ms = input
                .and_then(|i| i.get("timeout"))
                .and_then(Value::as_u64)
                .unwrap_or(120_000)
                .min(600_000);
            Some(Duration::from_millis(ms) + MARGIN)
        }
        "WebFetch" | "WebSearch" => Some(Duration::from_secs(180)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(warn: u64, kill: u64) -> WatchdogConfig {
        WatchdogConfig {
            warn_after: Duration::from_secs(warn),
            kill_after: Duration::from_secs(kill),
        }
    }

    #[test]
    fn warns_once_then_kills_and_output_resets_both() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut w = Watchdog::new(config(10, 30), t0);
        assert_eq!(w.check(t0 + s(9)), None);
        assert_eq!(w.next_deadline(), t0 + s(10));
        assert_eq!(w.check(t0 + s(10)), Some(Alarm::Warn(s(10))));
        assert_eq!(w.check(t0 + s(11)), None, "one warning per silence");
        assert_eq!(w.next_deadline(), t0 + s(30));
        w.output(t0 + s(20));
        assert_eq!(w.check(t0 + s(31)), Some(Alarm::Warn(s(11))));
        assert_eq!(w.check(t0 + s(50)), Some(Alarm::Kill(s(30))));
    }

    #[test]
    fn tools_extend_and_never_shorten() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut w = Watchdog::new(config(10, 30), t0);
        // A Bash with a 5 minute timeout: 6 minutes before anything is said.
        w.tool(
            "t1",
            "Bash",
            Some(&json!({"command": "make", "timeout": 300_000})),
            t0,
        );
        assert_eq!(w.check(t0 + s(100)), None);
        assert_eq!(w.check(t0 + s(360)), Some(Alarm::Kill(s(360))));
        // A shorter budget afterwards does not bring the deadline closer.
        let mut w = Watchdog::new(config(10, 30), t0);
        w.tool("t1", "Bash", Some(&json!({"timeout": 300_000})), t0);
        w.tool("t2", "WebFetch", None, t0);
        assert_eq!(w.next_deadline(), t0 + s(360));
        // Until the tool is done: then the silence counts from its result.
        w.tool_done("t1");
        assert_eq!(
            w.next_deadline(),
            t0 + s(180),
            "the WebFetch is still in flight"
        );
        w.tool_done("t2");
        w.output(t0 + s(200));
        assert_eq!(w.next_deadline(), t0 + s(210));
        assert_eq!(w.check(t0 + s(231)), Some(Alarm::Kill(s(31))));
        // Nor does a budget shorter than the silence deadline.
        let mut w = Watchdog::new(config(400, 1000), t0);
        w.tool("t1", "WebFetch", None, t0);
        assert_eq!(w.next_deadline(), t0 + s(400));
        assert_eq!(tool_budget("Read", None), None);
        assert_eq!(
            tool_budget("Bash", Some(&json!({"timeout": 99_999_999}))),
            Some(s(660)),
            "Claude Code caps Bash at 10 minutes"
        );
    }
}
