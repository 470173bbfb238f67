//! Differential tests of the engine's shell model, with real bash as the oracle.
//!
//! Real bash runs each command inside a bubblewrap sandbox where every program is a stub
//! that records its argv and working directory ([`stub`]); a driver inside the sandbox
//! runs the commands one after another ([`driver`]), started and fed by [`sandbox`].
//! Commands come from a grammar-based [`generate`]or, driven by [`choices`] (a seeded
//! RNG, or fuzzer bytes). What bash executed is then matched against the invocations the
//! engine extracted ([`compare`]), one command at a time or many ([`check`]).
//!
//! Any exec the engine did not see, or saw with other arguments, is a divergence, unless
//! the engine said it gave up on something (a finding): then it is counted as explained.
//!
//! Linux only: it needs namespaces, and the stub reads the kernel's `AT_EXECFN`.

pub mod check;
pub mod choices;
pub mod compare;
pub mod driver;
pub mod generate;
pub mod record;
pub mod sandbox;
pub mod stub;

pub use check::{Checked, Stats, check, judge};
pub use choices::{ByteChoices, Choices, Rng};
pub use compare::{Divergence, Verdict};
pub use record::{Exec, Outcome};
pub use sandbox::{Sandbox, SandboxError};

/// The environment variable naming the `oracle-stub` binary, for callers that cannot
/// find it themselves (the fuzz target, outside this workspace).
pub const STUB_ENV: &str = "MSTRO_ORACLE_STUB";

/// Whether the `CI` environment variable is set to a true value: there, a sandbox that
/// cannot start is a failure, not a reason to skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
}
