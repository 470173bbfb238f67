//! Path classes: what a path *is* to a security rule (a secret, a shell profile,
//! a build artifact inside the project, ...), computed once per path.
//!
//! A glob such as `~/.*` or `*` denotes many paths, so a word gets two sets:
//! `may` (classes some match could have) and `must` (classes every match has).
//! A rule predicate whose match makes the outcome stricter looks at `may`; one whose
//! match loosens it (an `unless`, an allow rule) looks at `must`. So `rm -rf *` may
//! hit `node_modules` but is not thereby "deleting a build artifact".

use std::fmt;

use bitflags::bitflags;
use serde::{Deserialize, Serialize};

use super::env::PathEnv;
use super::resolve::{absolutize, normalize};
use crate::span::Span;

bitflags! {
    /// A set of [`PathClass`]es.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct PathClasses: u32 {
        const ROOT = 1 << 0;
        const HOME = 1 << 1;
        const SYSTEM = 1 << 2;
        const SYSTEM_ROOT = 1 << 3;
        const DEVICE = 1 << 4;
        const TEMP = 1 << 5;
        const PROJECT = 1 << 6;
        const OUTSIDE_PROJECT = 1 << 7;
        const SECRET = 1 << 8;
        const SHELL_PROFILE = 1 << 9;
        const PERSISTENCE = 1 << 10;
        const AGENT_CONFIG = 1 << 11;
        const BOUNCER_CONFIG = 1 << 12;
        const BUILD_ARTIFACT = 1 << 13;
        const UNKNOWN = 1 << 14;
        const BOUNCER_BINARY = 1 << 15;
    }
}

/// One class a path can belong to; the names are the ones rule packs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PathClass {
    /// `/` itself (or everything directly under it).
    Root,
    /// A home directory itself: yours, `/root`, `/home/NAME`, `/Users/NAME`.
    Home,
    /// Anything under the operating system's directories (`/etc`, `/usr`, ...).
    System,
    /// A top-level system directory itself (`/usr`, `/etc`, `/home`, `/usr/local`, ...).
    SystemRoot,
    /// A raw disk or memory device (`/dev/sda`, `/dev/nvme0n1`, `/dev/mem`, ...).
    Device,
    /// Inside a temporary directory (`/tmp/...`, `$TMPDIR/...`).
    Temp,
    /// Under the call's working directory or the project root.
    Project,
    /// Not under the working directory or the project root.
    OutsideProject,
    /// Keys, `.env*`, cloud, registry and netrc credentials, browser credential stores.
    Secret,
    /// Files every new shell runs (`~/.bashrc`, `/etc/profile.d/*`, ...).
    ShellProfile,
    /// Places that make code run later: cron, systemd, launch agents, `authorized_keys`, git hooks.
    Persistence,
    /// Claude Code settings and hooks, `.mcp.json`, `~/.mstro`.
    AgentConfig,
    /// The bouncer's own configuration and rules (user and project scope).
    BouncerConfig,
    /// Rebuildable output inside the project (`node_modules`, `target`, `dist`, ...).
    BuildArtifact,
    /// Could not be resolved (an unknown variable, a substitution, an unknown cwd).
    Unknown,
    /// The installed bouncer itself: the running `mstro-bouncer` (or `mstro`) binary and
    /// any file named `mstro-bouncer` outside a project's build output. Without it the
    /// hook fails, or runs whatever replaced it.
    BouncerBinary,
}

impl PathClass {
    pub const ALL: [PathClass; 16] = [
        PathClass::Root,
        PathClass::Home,
        PathClass::System,
        PathClass::SystemRoot,
        PathClass::Device,
        PathClass::Temp,
        PathClass::Project,
        PathClass::OutsideProject,
        PathClass::Secret,
        PathClass::ShellProfile,
        PathClass::Persistence,
        PathClass::AgentConfig,
        PathClass::BouncerConfig,
        PathClass::BuildArtifact,
        PathClass::Unknown,
        PathClass::BouncerBinary,
    ];

    pub fn bit(self) -> PathClasses {
        // The flags are declared in the same order as the variants.
        PathClasses::from_bits_retain(1 << self as u32)
    }

    pub fn name(self) -> &'static str {
        match self {
            PathClass::Root => "root",
            PathClass::Home => "home",
            PathClass::System => "system",
            PathClass::SystemRoot => "system-root",
            PathClass::Device => "device",
            PathClass::Temp => "temp",
            PathClass::Project => "project",
            PathClass::OutsideProject => "outside-project",
            PathClass::Secret => "secret",
            PathClass::ShellProfile => "shell-profile",
            PathClass::Persistence => "persistence",
            PathClass::AgentConfig => "agent-config",
            PathClass::BouncerConfig => "bouncer-config",
            PathClass::BuildArtifact => "build-artifact",
            PathClass::Unknown => "unknown",
            PathClass::BouncerBinary => "bouncer-binary",
        }
    }
}

impl fmt::Display for PathClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PathClasses {
    /// The class names in this set, in declaration order.
    pub fn names(self) -> Vec<&'static str> {
        PathClass::ALL
            .iter()
            .filter(|c| self.contains(c.bit()))
            .map(|c| c.name())
            .collect()
    }
}

/// Top-level directories whose loss breaks the machine (and `/home`, `/Users`, which
/// hold every user's home).
const SYSTEM_ROOTS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/snap",
    "/nix",
    "/mnt",
    "/media",
    "/System",
    "/Library",
    "/Applications",
    "/Users",
    "/Volumes",
    "/private",
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
    "/usr/lib64",
    "/usr/local",
    "/usr/share",
    "/usr/include",
    "/usr/local/bin",
    "/usr/local/lib",
    "/var/lib",
    "/var/log",
    "/etc/ssl",
    "/private/etc",
    "/private/var",
];

/// Directories whose contents belong to the operating system.
const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/snap",
    "/nix",
    "/mnt",
    "/media",
    "/System",
    "/Library",
    "/Applications",
    "/Volumes",
    "/private",
    "/tmp",
];

const TEMP_DIRS: &[&str] = &[
    "/tmp",
    "/var/tmp",
    "/private/tmp",
    "/private/var/tmp",
    "/var/folders",
    "/private/var/folders",
    "/dev/shm",
];

/// Directory names that hold rebuildable output when they sit inside a project.
const ARTIFACT_DIRS: &[&str] = &[
    "node_modules",
    "dist",
    "build",
    "target",
    "out",
    "obj",
    ".next",
    ".nuxt",
    ".output",
    ".svelte-kit",
    ".cache",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    ".venv",
    "coverage",
    "htmlcov",
    ".nyc_output",
    ".turbo",
    ".parcel-cache",
    ".gradle",
    ".angular",
    ".expo",
    ".eggs",
    ".dart_tool",
    ".build",
    "DerivedData",
    "_build",
    ".stack-work",
    "dist-newstyle",
    ".terraform",
    ".docusaurus",
    ".vercel",
    ".serverless",
    "tmp",
    ".tmp",
    "temp",
];

/// Disk device names a glob in `/dev` is tested against.
const DEVICE_SAMPLES: &[&str] = &[
    "sda", "sdb1", "nvme0n1", "hda", "vda", "xvda", "mmcblk0", "disk2", "mem",
];

/// Names in `/etc` a glob there is tested against.
const ETC_SAMPLES: &[&str] = &[
    "passwd",
    "shadow",
    "group",
    "sudoers",
    "sudoers.d",
    "profile",
    "profile.d",
    "bash.bashrc",
    "environment",
    "crontab",
    "cron.d",
    "systemd",
    "ld.so.preload",
    "rc.local",
    "pam.d",
    "ssh",
    "ssl",
    "hosts",
    "resolv.conf",
    "os-release",
    "apt",
    "nginx",
];

/// Names a glob is tested against to learn what it could match.
const GLOB_SAMPLES: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".aws",
    ".env",
    ".env.local",
    "id_rsa",
    "id_ed25519",
    "server.pem",
    "server.key",
    ".netrc",
    ".npmrc",
    ".bash_history",
    ".bashrc",
    ".zshrc",
    ".profile",
    ".bash_profile",
    ".claude",
    ".claude.json",
    ".mcp.json",
    ".mstro",
    ".git",
    "authorized_keys",
    "credentials",
    "settings.json",
    "bouncer.yaml",
    "rules",
    "hooks",
    "config",
    "node_modules",
    "target",
    "build",
    "dist",
    "src",
    "README.md",
];

/// Protected files that live in dot directories (or are dot files), as (directory,
/// name): what a `**/PATTERN` may reach that its ordinary samples leave out.
const HIDDEN_CONTENTS: &[(&str, &str)] = &[
    (".mstro", "bouncer.yaml"),
    (".mstro/rules", "team.yaml"),
    (".mstro/rules", "team.yml"),
    (".claude", "settings.json"),
    (".claude", "settings.local.json"),
    (".claude/hooks", "hook.sh"),
    ("", ".mcp.json"),
    ("", ".env"),
    ("", ".env.local"),
    ("", ".netrc"),
    ("", ".npmrc"),
    ("", ".bash_history"),
    (".ssh", "id_rsa"),
    (".ssh", "id_ed25519"),
    (".ssh", "authorized_keys"),
    (".ssh", "id_ecdsa"),
    (".ssh", "id_dsa"),
    (".ssh", "id_ed25519_sk"),
    (".ssh", "id_ecdsa_sk"),
    (".ssh", "config"),
    (".gnupg", "pubring.kbx"),
    (".gnupg", "trustdb.gpg"),
    (".gnupg", "secring.gpg"),
    (".gnupg/private-keys-v1.d", "key.key"),
    (".config/gh", "hosts.yml"),
    (".config/gh", "config.yml"),
    (".docker", "config.json"),
    (".kube", "config"),
    ("", ".pypirc"),
    ("", ".git-credentials"),
    ("", ".zsh_history"),
    ("", ".env.production"),
    ("", ".env.development"),
    (".aws", "credentials"),
    (".git/hooks", "pre-commit"),
    (".cargo/bin", "mstro-bouncer"),
    (".local/bin", "mstro-bouncer"),
];

/// Whether some name that ends in `suffix` may match `pattern` (`*`, `?`, literal
/// characters; a bracket counts as any one character).
fn may_end_with(pattern: &str, suffix: &str) -> bool {
    let mut want = suffix.chars().rev();
    let mut tokens = pattern.chars().rev();
    loop {
        let Some(w) = want.next() else {
            // The suffix is placed; what is left of the pattern matches what comes before.
            return true;
        };
        match tokens.next() {
            // A name shorter than the suffix does not end in it.
            None => return false,
            Some('*') => return true,
            Some('?') => {}
            // A bracket (`[yY]`): one character of those it lists (one with a range,
            // a class or a negation may be any).
            Some(']') if pattern.contains('[') => {
                let mut set: Vec<char> = tokens.by_ref().take_while(|&c| c != '[').collect();
                set.reverse();
                let any = set.first().is_some_and(|c| matches!(c, '!' | '^'))
                    || set.contains(&'-')
                    || set.contains(&':');
                if !any && !set.contains(&w) {
                    return false;
                }
            }
            Some(c) if c == w => {}
            Some(_) => return false,
        }
    }
}

/// Classify an absolute, normalised path.
pub fn classify(abs: &str, env: &PathEnv, cwd: Option<&str>) -> PathClasses {
    let mut c = PathClasses::empty();
    if abs == "/" {
        c |= PathClasses::ROOT;
    }
    if abs == env.home || is_a_users_home(abs) {
        c |= PathClasses::HOME;
    }
    if SYSTEM_ROOTS.iter().any(|r| r.eq_ignore_ascii_case(abs)) {
        c |= PathClasses::SYSTEM_ROOT;
    }
    let project_root = project_root_of(abs, env, cwd);
    let temp = is_temp(abs, env, cwd);
    if temp {
        c |= PathClasses::TEMP;
    } else {
        // A project in a temporary directory is the project, not the system's `/tmp`.
        let owned_elsewhere = under(abs, &env.home)
            || is_pseudo_device(abs)
            || (project_root.is_some() && in_temp_dir(abs, env));
        if !owned_elsewhere && SYSTEM_DIRS.iter().any(|d| under_ci(abs, d)) {
            c |= PathClasses::SYSTEM;
        }
    }
    if is_device(abs) {
        c |= PathClasses::DEVICE;
    }
    match project_root {
        Some(root) => {
            c |= PathClasses::PROJECT;
            if is_artifact(&abs[root.len()..]) {
                c |= PathClasses::BUILD_ARTIFACT;
            }
        }
        None => c |= PathClasses::OUTSIDE_PROJECT,
    }
    let home_rel = home_relative(abs, env);
    if is_secret(abs, home_rel) {
        c |= PathClasses::SECRET;
    }
    if is_shell_profile(abs, home_rel) {
        c |= PathClasses::SHELL_PROFILE;
    }
    if is_persistence(abs, home_rel) {
        c |= PathClasses::PERSISTENCE;
    }
    if is_bouncer_binary(abs, env, c) {
        c |= PathClasses::BOUNCER_BINARY;
    }
    if is_bouncer_config(abs, env) {
        c |= PathClasses::BOUNCER_CONFIG | PathClasses::AGENT_CONFIG;
    } else if is_agent_config(abs, home_rel, env) {
        c |= PathClasses::AGENT_CONFIG;
    }
    c
}

/// The classes of a word that may stand for several paths (a glob, a value with parts
/// only known at run time). For a plain path all three are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordClasses {
    /// Classes some path it may name has: what a rule that tightens looks at.
    pub may: PathClasses,
    /// Classes every path it may name has, including names the engine cannot list:
    /// what a rule that loosens (an allow) looks at.
    pub must: PathClasses,
    /// Classes every path it plausibly names has: every match among the names the
    /// engine knows to be likely (`/e*c/sudoers` is `/etc/sudoers`), or the file a
    /// known suffix names (`$D/.mstro/bouncer.yaml`). A `deny` is only certain when it
    /// holds for these; otherwise it is a `review`.
    pub named: PathClasses,
    /// The absolute paths it may name, for rules that name paths (`path_glob`).
    pub paths: Vec<(String, Reading)>,
}

/// How a path a word may name was found, which says how a rule matching it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The word names exactly this path.
    Exact,
    /// A likely match of a glob (`/etc/sudoers` for `/e*c/sudoers`): a rule holds for
    /// certain when it holds for every such match.
    Sampled,
    /// A stand-in for matches the engine cannot list, or one of the many things a
    /// value known only at run time may be under its known prefix: a rule may hold.
    Possible,
    /// The file a value's known suffix names (`/etc/sudoers` for `$T/sudoers`): a rule
    /// holding for any such path holds for certain.
    Suffix,
}

impl WordClasses {
    /// One path, known exactly.
    pub fn exactly(c: PathClasses) -> Self {
        WordClasses {
            may: c,
            must: c,
            named: c,
            paths: Vec::new(),
        }
    }

    /// One path, known exactly, with its classes.
    fn of_path(abs: String, c: PathClasses) -> Self {
        WordClasses {
            paths: vec![(abs, Reading::Exact)],
            ..WordClasses::exactly(c)
        }
    }

    /// Does a test on paths hold: possibly (`certain` false), or for certain? A word
    /// with parts only known at run time never holds for a test that loosens.
    pub fn paths_match(&self, certain: bool, lenient: bool, hit: impl Fn(&str) -> bool) -> bool {
        let of = |r: Reading| self.paths.iter().filter(move |(_, k)| *k == r);
        if lenient {
            return !self.must.contains(PathClasses::UNKNOWN)
                && !self.paths.is_empty()
                && self
                    .paths
                    .iter()
                    .filter(|(_, k)| *k != Reading::Suffix)
                    .all(|(p, _)| hit(p));
        }
        if !certain {
            // A value only known at run time may be any path.
            return self.may == PathClasses::all() || self.paths.iter().any(|(p, _)| hit(p));
        }
        of(Reading::Exact).any(|(p, _)| hit(p))
            || of(Reading::Suffix).any(|(p, _)| hit(p))
            || (of(Reading::Sampled).next().is_some() && of(Reading::Sampled).all(|(p, _)| hit(p)))
    }
}

/// Classify a shell word or tool path that may be relative, partly unknown, or a glob.
/// `holes` are the byte ranges of `text` only known at run time (empty for a resolved
/// word). See [`WordClasses`] and the module documentation.
pub fn classify_word(
    text: &str,
    glob: bool,
    holes: &[Span],
    env: &PathEnv,
    cwd: Option<&str>,
) -> WordClasses {
    if !holes.is_empty() {
        return classify_holed(text, holes, env, cwd);
    }
    let Some(abs) = absolutize(text, cwd) else {
        // Relative to a directory only known at run time: a hole before the path.
        let (named, paths) = named_by_suffix(&format!("/{text}"), env, cwd);
        let named = PathClasses::UNKNOWN | named;
        return WordClasses {
            may: PathClasses::all(),
            must: named,
            named,
            paths,
        };
    };
    if !glob || !has_glob_chars(&abs) {
        let c = classify(&abs, env, cwd);
        return WordClasses::of_path(abs, c);
    }
    classify_glob(&abs, env, cwd)
}

/// A path with parts only known at run time. It may be any path at all, so it may have
/// every class; it ends in its known suffix, so when that suffix names a protected file
/// (`$D/.mstro/bouncer.yaml`, `$D/sudoers`, `$D/.bashrc`) it is judged as that file,
/// for certain. It is never anything safe.
fn classify_holed(text: &str, holes: &[Span], env: &PathEnv, cwd: Option<&str>) -> WordClasses {
    // A whole word that is a process substitution (`tee >(gzip > x)`) is the pipe
    // bash names `/dev/fd/63`: not a file (what runs in it is judged on its own).
    if holes == [Span::new(0, text.len())]
        && (text.starts_with("<(") || text.starts_with(">("))
        && text.ends_with(')')
    {
        return WordClasses::exactly(classify("/dev/fd/63", env, cwd));
    }
    // Whatever the value is, it may be any path at all: even after a known prefix
    // (`/etc/$X` may be `/etc/../home/dev`). Only its known suffix says what it is.
    let last = holes[holes.len() - 1];
    let suffix = text.get(last.end..).unwrap_or("");
    let (suffix_named, mut paths) = named_by_suffix(suffix, env, cwd);
    // bash opens `/dev/tcp/HOST/PORT` and `/dev/udp/...` itself, by the text of the
    // redirect, without asking the filesystem: whatever the host and port are, it is a
    // network connection (`>& /dev/tcp/$host/4444`).
    let known = text.get(..holes[0].start).unwrap_or("");
    for dev in ["/dev/tcp/", "/dev/udp/"] {
        if known.starts_with(dev) {
            paths.push((format!("{dev}host/port"), Reading::Suffix));
        }
    }
    let named = PathClasses::UNKNOWN | suffix_named;
    WordClasses {
        may: PathClasses::all(),
        must: named,
        named,
        paths,
    }
}

/// Classes worth protecting that a path ending in `suffix` has wherever it lies: the
/// suffix is tried under the directories such files live in (the home directory, the
/// bouncer's own, `/etc`, the root). A suffix that starts in the middle of a name
/// (`$X.d/sudoers`) counts from its first whole component.
fn named_by_suffix(
    suffix: &str,
    env: &PathEnv,
    cwd: Option<&str>,
) -> (PathClasses, Vec<(String, Reading)>) {
    const PROTECTED: PathClasses = PathClasses::SECRET
        .union(PathClasses::SHELL_PROFILE)
        .union(PathClasses::PERSISTENCE)
        .union(PathClasses::AGENT_CONFIG)
        .union(PathClasses::BOUNCER_CONFIG)
        .union(PathClasses::BOUNCER_BINARY);
    let nothing = (PathClasses::empty(), Vec::new());
    let whole = match suffix.find('/') {
        Some(i) => &suffix[i..],
        None => return nothing,
    };
    // `$D/.` and `$D/..` name no file of their own: whatever they are, `$D` says it.
    let names_nothing = whole.split('/').all(|c| matches!(c, "" | "." | ".."));
    if names_nothing || has_glob_chars(whole) {
        return nothing;
    }
    let mut anchors: Vec<&str> = vec!["", "/etc"];
    // `~/bin` is persistence (it comes early on PATH), but `$DEST/bin` is not thereby.
    if whole != "/bin" && !whole.starts_with("/bin/") {
        anchors.push(&env.home);
    }
    let mut named = PathClasses::empty();
    let mut paths = Vec::new();
    for anchor in anchors {
        let path = normalize(&format!("{anchor}{whole}"));
        named |= classify(&path, env, cwd) & PROTECTED;
        paths.push((path, Reading::Suffix));
    }
    // Everything under the bouncer's own directory is agent configuration; a suffix
    // names something there only when it names the bouncer's configuration itself.
    let own_path = normalize(&format!("{}{whole}", env.mstro_home));
    let own = classify(&own_path, env, cwd) & PROTECTED;
    if own.contains(PathClasses::BOUNCER_CONFIG) {
        named |= own;
        paths.push((own_path, Reading::Suffix));
    }
    (named, paths)
}

fn classify_glob(abs: &str, env: &PathEnv, cwd: Option<&str>) -> WordClasses {
    // `dir` is the literal part before the first component containing a glob character.
    let first_glob = abs.find(['*', '?', '[']).unwrap_or(abs.len());
    let dir_end = abs[..first_glob].rfind('/').unwrap_or(0);
    let dir = if dir_end == 0 { "/" } else { &abs[..dir_end] };
    let components: Vec<&str> = abs[dir_end + 1..].split('/').collect();
    let last = components.last().copied().unwrap_or("");

    // Inside temporary files or build output, a glob's matches are disposable whatever
    // they are called.
    if components.len() == 1 {
        let disposable = TEMP_DIRS.contains(&dir)
            || env.extra_temp_dirs.iter().any(|t| t == dir)
            || classify(dir, env, cwd).intersects(PathClasses::TEMP | PathClasses::BUILD_ARTIFACT);
        if disposable {
            let stand_in = join_path(dir, &instantiate(last));
            let c = classify(&stand_in, env, cwd);
            return WordClasses {
                paths: vec![(stand_in, Reading::Possible)],
                ..WordClasses::exactly(c)
            };
        }
    }

    // Every path the pattern may name: each glob component is filled with the names
    // that are likely there (the samples) and with a stand-in for any other name.
    let mut candidates: Vec<(String, bool)> = vec![(dir.trim_end_matches('/').to_owned(), true)];
    // The directories a final `**/PATTERN` searches from (see `HIDDEN_CONTENTS`).
    let mut searched_from: Vec<String> = Vec::new();
    for (k, comp) in components.iter().enumerate() {
        if *comp == "**" && k + 2 == components.len() && has_glob_chars(last) {
            searched_from.extend(candidates.iter().map(|(p, _)| p.clone()));
        }
        let mut next = Vec::new();
        for (path, sampled) in &candidates {
            if !has_glob_chars(comp) {
                next.push((format!("{path}/{comp}"), *sampled));
                continue;
            }
            let parent = if path.is_empty() { "/" } else { path.as_str() };
            // `**` is any depth of anything: the directory itself, and dot files too
            // (what `find` finds, and what the engine makes of `find`). Before a
            // pattern (`**/*.pyc`) or a build directory's name (`**/node_modules`) the
            // dot directories are left out: what those name does not depend on them;
            // before another name (`**/credentials`) they are what makes it one
            // (`.aws/credentials`).
            let any_depth = *comp == "**";
            if any_depth {
                next.push((path.clone(), *sampled));
            }
            let dots = any_depth
                && (k + 1 == components.len()
                    || !(has_glob_chars(last) || ARTIFACT_DIRS.contains(&last)));
            let options = glob::MatchOptions {
                require_literal_leading_dot: !dots,
                ..GLOB_OPTIONS
            };
            if let Ok(pattern) = glob::Pattern::new(comp)
                && candidates.len() < MAX_GLOB_CANDIDATES
            {
                for name in samples_in(parent, env) {
                    if pattern.matches_with(name, options) {
                        next.push((format!("{path}/{name}"), *sampled));
                    }
                }
            }
            next.push((format!("{path}/{}", instantiate(comp)), false));
        }
        next.truncate(MAX_GLOB_CANDIDATES);
        candidates = next;
    }
    // `**/*.yaml` leaves the dot directories out of its samples (what `*.pyc` names
    // does not depend on them), but at any depth it reaches the files kept in them,
    // and `find` (which the engine reads as `**`) matches dot files by name too: the
    // protected files a pattern may match there are possible matches (`find . -name
    // '*.yaml' -delete` reaches `.mstro/rules/*.yaml`, `find ~ -name 'confi?'`
    // `~/.ssh/config`). Only the names listed are known: a key under another name
    // (`~/.ssh/work_key`) is reached by a pattern only the samples know.
    if let Ok(pattern) = glob::Pattern::new(last) {
        let options = glob::MatchOptions {
            require_literal_leading_dot: false,
            ..GLOB_OPTIONS
        };
        let matches = |name: &str| pattern.matches_with(name, options);
        for base in searched_from.iter().take(MAX_GLOB_CANDIDATES) {
            let mut add = |dir: &str, name: &str| {
                let path = match dir.is_empty() {
                    true => format!("{base}/{name}"),
                    false => format!("{base}/{dir}/{name}"),
                };
                candidates.push((path, false));
            };
            for (inside, name) in HIDDEN_CONTENTS {
                if matches(name) {
                    add(inside, name);
                }
            }
            // The bouncer's rules are every YAML file in its `rules` directory, whatever
            // its name (`c*` and `?u?t?m?y?m?` match `custom.yaml`).
            if may_end_with(last, ".yaml") || may_end_with(last, ".yml") {
                add(".mstro/rules", "x.yaml");
            }
        }
    }
    // A pattern matching every name says nothing about secrets in an ordinary
    // directory (`/var/lib/apt/lists/*`); in a secret one the directory says it.
    // (`**` is everything under it, dot files too: a home's `**` holds its keys.)
    let match_all = components.len() == 1 && matches!(last, "*" | "*.*");
    let mut may = PathClasses::empty();
    let mut must = PathClasses::all();
    let mut named = PathClasses::all();
    let mut any_sampled = false;
    for (path, sampled) in &candidates {
        let mut c = classify(path, env, cwd);
        if match_all && *sampled {
            c.remove(PathClasses::SECRET);
        }
        may |= c;
        must &= c;
        if *sampled {
            named &= c;
            any_sampled = true;
        }
    }
    if !any_sampled {
        named = must;
    }
    // A pattern matching every entry of a directory (`*`, `.*`, `**`) empties it, which
    // for `/`, a home, a system root or the bouncer's own config is as bad as removing it.
    if components.len() == 1 && matches!(last, "*" | ".*" | "**" | "*.*" | ".[!.]*" | "{.,}*") {
        let container = PathClasses::ROOT
            | PathClasses::HOME
            | PathClasses::SYSTEM_ROOT
            | PathClasses::BOUNCER_CONFIG
            | PathClasses::SECRET;
        let emptied = classify(dir, env, cwd) & container;
        may |= emptied;
        must |= emptied;
        named |= emptied;
    }
    let paths = candidates
        .into_iter()
        .map(|(p, sampled)| {
            let p = if p.is_empty() { "/".to_owned() } else { p };
            (
                p,
                if sampled {
                    Reading::Sampled
                } else {
                    Reading::Possible
                },
            )
        })
        .collect();
    WordClasses {
        may,
        must,
        named,
        paths,
    }
}

/// Most paths a glob is expanded into for classification.
const MAX_GLOB_CANDIDATES: usize = 128;

/// As in bash, `*` and `?` do not match a leading dot; `.*` does.
const GLOB_OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

/// `dir/name`, without a doubled slash at the root.
fn join_path(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The names a glob in `parent` is tested against to learn what it may match.
fn samples_in<'a>(parent: &str, env: &'a PathEnv) -> Vec<&'a str> {
    match parent {
        "/" => SYSTEM_ROOTS
            .iter()
            .filter(|r| r.matches('/').count() == 1)
            .map(|r| &r[1..])
            .chain(["tmp"])
            .collect(),
        "/dev" => DEVICE_SAMPLES
            .iter()
            .chain(["null", "shm"].iter())
            .copied()
            .collect(),
        "/etc" | "/private/etc" => ETC_SAMPLES.to_vec(),
        "/home" | "/Users" => {
            let user = env.home.rsplit('/').next().unwrap_or("");
            vec![user, "root"]
                .into_iter()
                .filter(|u| !u.is_empty())
                .collect()
        }
        _ => GLOB_SAMPLES.to_vec(),
    }
}

/// A name `pattern` matches, with every wildcard filled by `x` (or a bracket's first
/// choice); `x` when that does not work out.
fn instantiate(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => out.push('x'),
            '[' => {
                let negated = chars.peek().is_some_and(|c| matches!(c, '!' | '^'));
                let mut first = None;
                for c in chars.by_ref() {
                    if c == ']' && first.is_some() {
                        break;
                    }
                    if first.is_none() && !matches!(c, '!' | '^') {
                        first = Some(c);
                    }
                }
                if negated {
                    return "x".to_owned();
                }
                out.extend(first);
            }
            c => out.push(c),
        }
    }
    let matches = glob::Pattern::new(pattern).is_ok_and(|p| p.matches(&out));
    if matches && !out.starts_with('.') {
        out
    } else {
        "x".to_owned()
    }
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// `path` is `dir` or inside it.
fn under(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return true;
    }
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `path` is strictly inside `dir`.
fn strictly_under(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
}

/// `s` without `prefix`, ASCII case ignored.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let n = prefix.len();
    (s.len() >= n && s.as_bytes()[..n].eq_ignore_ascii_case(prefix.as_bytes()))
        .then(|| s.get(n..))
        .flatten()
}

/// [`under`], ASCII case ignored. Protected names are matched this way everywhere:
/// on a case-insensitive filesystem (macOS's default, Windows) `~/.SSH/ID_RSA` is the
/// key, and on a case-sensitive one a file called `.ENV` is a secret all the same.
/// Only classes that tighten are matched so; `temp` and `project`, which loosen, are not.
fn under_ci(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return true;
    }
    strip_prefix_ci(path, dir).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// [`strictly_under`], ASCII case ignored.
fn strictly_under_ci(path: &str, dir: &str) -> bool {
    strip_prefix_ci(path, dir).is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
}

fn is_a_users_home(abs: &str) -> bool {
    if abs == "/root" {
        return true;
    }
    ["/home/", "/Users/"].iter().any(|p| {
        abs.strip_prefix(p)
            .is_some_and(|n| !n.is_empty() && !n.contains('/'))
    })
}

/// The path relative to the home directory it is in (yours or another user's).
fn home_relative<'a>(abs: &'a str, env: &PathEnv) -> Option<&'a str> {
    if let Some(rest) = strip_prefix_ci(abs, env.home.as_str()).and_then(|r| r.strip_prefix('/')) {
        return Some(rest);
    }
    if let Some(rest) = strip_prefix_ci(abs, "/root/") {
        return Some(rest);
    }
    for base in ["/home/", "/Users/"] {
        if let Some(rest) = strip_prefix_ci(abs, base) {
            return rest.split_once('/').map(|(_, r)| r);
        }
    }
    None
}

/// Inside a temporary directory, and not inside something more protected that happens
/// to lie in one (a home or a project under `/tmp`, as in CI and containers): the more
/// protected class wins.
fn is_temp(abs: &str, env: &PathEnv, cwd: Option<&str>) -> bool {
    // Caches in a home directory are disposable too.
    const HOME_CACHES: &[&str] = &[".cache", "Library/Caches"];
    let in_cache = || {
        // Case matters here: `temp` loosens, so only the spelling it names counts.
        let exact = abs
            .strip_prefix(env.home.as_str())
            .and_then(|r| r.strip_prefix('/'));
        exact.is_some_and(|rel| {
            HOME_CACHES.iter().any(|c| {
                rel.strip_prefix(c)
                    .is_some_and(|r| r.len() > 1 && r.starts_with('/'))
            })
        })
    };
    in_cache()
        || (in_temp_dir(abs, env)
            && !under(abs, &env.home)
            && project_root_of(abs, env, cwd).is_none())
}

/// Strictly inside `/tmp` or another temporary directory.
fn in_temp_dir(abs: &str, env: &PathEnv) -> bool {
    TEMP_DIRS.iter().any(|d| strictly_under(abs, d))
        || env.extra_temp_dirs.iter().any(|d| strictly_under(abs, d))
}

/// A project root must be a real project: never `/`, a system root or a home itself,
/// or `cd ~` would make the whole home directory "project".
fn project_root_of<'a>(abs: &str, env: &'a PathEnv, cwd: Option<&'a str>) -> Option<&'a str> {
    let usable = |p: &&str| {
        *p != "/"
            && *p != env.home
            && !SYSTEM_ROOTS.contains(p)
            && !is_a_users_home(p)
            && !TEMP_DIRS.contains(p)
            && !env.extra_temp_dirs.iter().any(|t| t == p)
    };
    env.project_root
        .as_deref()
        .into_iter()
        .chain(cwd)
        .filter(usable)
        .find(|root| under(abs, root))
}

/// `rel` is the part of a project path after the project root (starting with `/` or empty).
fn is_artifact(rel: &str) -> bool {
    rel.split('/').any(|c| {
        ARTIFACT_DIRS.contains(&c) || c.ends_with(".egg-info") || c.starts_with("cmake-build-")
    })
}

/// `/dev/null`, `/dev/stdout` and the like: reading or writing them touches no file.
fn is_pseudo_device(abs: &str) -> bool {
    matches!(
        abs,
        "/dev/null"
            | "/dev/zero"
            | "/dev/full"
            | "/dev/stdin"
            | "/dev/stdout"
            | "/dev/stderr"
            | "/dev/tty"
            | "/dev/random"
            | "/dev/urandom"
    ) || abs.starts_with("/dev/fd/")
        || abs.starts_with("/dev/pts/")
}

fn is_device(abs: &str) -> bool {
    let Some(dev) = abs.strip_prefix("/dev/") else {
        return false;
    };
    let first = dev.split('/').next().unwrap_or("");
    if matches!(first, "disk" | "mapper" | "block") && dev.len() > first.len() {
        return true; // /dev/disk/by-id/..., /dev/mapper/...
    }
    if matches!(first, "mem" | "kmem" | "port" | "root") {
        return true;
    }
    let prefixed = |p: &str, next: fn(char) -> bool| {
        first
            .strip_prefix(p)
            .and_then(|r| r.chars().next())
            .is_some_and(next)
    };
    let letter = |c: char| c.is_ascii_lowercase();
    let digit = |c: char| c.is_ascii_digit();
    prefixed("sd", letter)
        || prefixed("hd", letter)
        || prefixed("vd", letter)
        || prefixed("xvd", letter)
        || prefixed("nvme", digit)
        || prefixed("mmcblk", digit)
        || prefixed("disk", digit)
        || prefixed("rdisk", digit)
        || prefixed("loop", digit)
        || prefixed("md", digit)
        || prefixed("dm-", digit)
        || prefixed("sr", digit)
        || prefixed("nbd", digit)
}

fn basename(abs: &str) -> &str {
    abs.rsplit('/').next().unwrap_or(abs)
}

fn is_secret(abs: &str, home_rel: Option<&str>) -> bool {
    let name = basename(abs);
    if is_secret_name(name) {
        return true;
    }
    // Key and credential directories, and everything in them except public material.
    let key_dir = |c: &str| {
        [".ssh", ".gnupg", ".password-store"]
            .iter()
            .any(|d| d.eq_ignore_ascii_case(c))
    };
    let mut comps = abs.split('/').skip_while(|c| !key_dir(c));
    if let Some(dir) = comps.next() {
        let inner: Vec<&str> = comps.collect();
        let name = name.to_ascii_lowercase();
        let public = dir.eq_ignore_ascii_case(".ssh")
            && inner.len() == 1
            && (name.ends_with(".pub")
                || name.starts_with("known_hosts")
                || name.starts_with("authorized_keys")
                || name == "config");
        if !public {
            return true;
        }
    }
    if let Some(rel) = home_rel {
        const HOME_SECRETS: &[&str] = &[
            ".aws",
            ".config/gcloud",
            ".azure",
            ".kube/config",
            ".docker/config.json",
            ".cargo/credentials",
            ".cargo/credentials.toml",
            // `gh`'s whole directory: `hosts.yml` holds its token, and a search of
            // the directory reads it.
            ".config/gh",
            ".local/share/keyrings",
            "Library/Keychains",
            ".terraform.d/credentials.tfrc.json",
            ".config/hub",
            ".gem/credentials",
            ".m2/settings.xml",
            ".gradle/gradle.properties",
            ".config/op",
            ".mozilla",
            ".config/google-chrome",
            ".config/chromium",
            "Library/Application Support/Google/Chrome",
            ".config/git/credentials",
            ".docker",
            ".kube",
        ];
        if HOME_SECRETS.iter().any(|s| under_ci(rel, s)) {
            return !rel.eq_ignore_ascii_case(".aws/config");
        }
    }
    // A process's environment and command line hold its tokens.
    if abs.starts_with("/proc/") && (abs.ends_with("/environ") || abs.ends_with("/cmdline")) {
        return true;
    }
    ["/etc/shadow", "/etc/gshadow", "/etc/master.passwd"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(abs))
        || strictly_under_ci(abs, "/etc/ssl/private")
        || (strip_prefix_ci(abs, "/etc/ssh/ssh_host_").is_some()
            && !abs.to_ascii_lowercase().ends_with(".pub"))
}

/// File names that are secrets wherever they are.
fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let name = lower.as_str();
    const NAMES: &[&str] = &[
        ".env",
        ".envrc",
        ".netrc",
        "_netrc",
        ".npmrc",
        ".pypirc",
        ".git-credentials",
        ".gitcookies",
        ".pgpass",
        ".my.cnf",
        ".vault-token",
        ".htpasswd",
        ".boto",
        ".s3cfg",
        ".dockercfg",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "id_ecdsa_sk",
        "id_ed25519_sk",
        "terraform.tfstate",
        "terraform.tfstate.backup",
        "logins.json",
        "key4.db",
        "Login Data",
        "Cookies",
        "credentials.json",
        "secrets.yaml",
        "secrets.yml",
        "secrets.json",
        "secrets.toml",
        "kubeconfig",
        // Shell and REPL histories: the commands typed, tokens and passwords among them.
        ".bash_history",
        ".zsh_history",
        ".sh_history",
        ".history",
        ".histfile",
        "fish_history",
        ".python_history",
        ".node_repl_history",
        ".psql_history",
        ".mysql_history",
        ".sqlite_history",
        ".irb_history",
        ".rediscli_history",
        // The bouncer's audit log: every command the agent ran, with its arguments.
        "bouncer-audit.jsonl",
    ];
    if NAMES.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return true;
    }
    if let Some(variant) = name.strip_prefix(".env.") {
        // `.env.example`, `.env.local.sample`: templates checked into the repository.
        let last = variant.rsplit('.').next().unwrap_or(variant);
        return !matches!(
            last,
            "example" | "sample" | "template" | "dist" | "defaults" | "schema" | "tmpl"
        );
    }
    if name.len() > 4 && name.ends_with(".env") {
        return true;
    }
    if name.starts_with("service-account") && name.ends_with(".json") {
        return true;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        ext,
        "pem" | "key" | "p12" | "pfx" | "jks" | "keystore" | "kdbx" | "ppk" | "tfvars"
    )
}

fn is_shell_profile(abs: &str, home_rel: Option<&str>) -> bool {
    if let Some(rel) = home_rel {
        const PROFILES: &[&str] = &[
            ".bashrc",
            ".bash_profile",
            ".bash_login",
            ".bash_logout",
            ".bash_aliases",
            ".profile",
            ".zshrc",
            ".zshenv",
            ".zprofile",
            ".zlogin",
            ".zlogout",
            ".kshrc",
            ".mkshrc",
            ".cshrc",
            ".tcshrc",
            ".login",
            ".xprofile",
            ".xsessionrc",
            ".xinitrc",
        ];
        if PROFILES.iter().any(|p| p.eq_ignore_ascii_case(rel))
            || under_ci(rel, ".config/fish")
            || under_ci(rel, ".oh-my-zsh/custom")
        {
            return true;
        }
    }
    const SYSTEM_PROFILES: &[&str] = &[
        "/etc/profile",
        "/etc/bash.bashrc",
        "/etc/bashrc",
        "/etc/zshrc",
        "/etc/zprofile",
        "/etc/zshenv",
        "/etc/zlogin",
        "/etc/environment",
        "/etc/csh.cshrc",
        "/etc/csh.login",
    ];
    SYSTEM_PROFILES.iter().any(|p| p.eq_ignore_ascii_case(abs))
        || strictly_under_ci(abs, "/etc/profile.d")
        || strictly_under_ci(abs, "/etc/zsh")
        || strictly_under_ci(abs, "/etc/fish")
}

fn is_persistence(abs: &str, home_rel: Option<&str>) -> bool {
    const SYSTEM: &[&str] = &[
        "/etc/crontab",
        "/etc/anacrontab",
        "/etc/cron.d",
        "/etc/cron.daily",
        "/etc/cron.hourly",
        "/etc/cron.weekly",
        "/etc/cron.monthly",
        "/var/spool/cron",
        "/var/spool/anacron",
        "/etc/systemd",
        "/lib/systemd",
        "/usr/lib/systemd",
        "/etc/init.d",
        "/etc/init",
        "/etc/rc.local",
        "/etc/ld.so.preload",
        "/etc/ld.so.conf",
        "/etc/ld.so.conf.d",
        "/etc/xdg/autostart",
        "/etc/update-motd.d",
        "/etc/apt/apt.conf.d",
        "/etc/pam.d",
        "/etc/udev/rules.d",
        "/etc/sudoers",
        "/etc/sudoers.d",
        "/etc/passwd",
        "/etc/shadow",
        "/etc/group",
        "/etc/periodic",
        "/Library/LaunchAgents",
        "/Library/LaunchDaemons",
        "/System/Library/LaunchAgents",
        "/System/Library/LaunchDaemons",
        "/private/etc/periodic",
    ];
    if SYSTEM.iter().any(|d| under_ci(abs, d)) {
        return true;
    }
    if strip_prefix_ci(abs, "/etc/rc").is_some()
        && abs
            .split('/')
            .nth(2)
            .is_some_and(|c| c.to_ascii_lowercase().ends_with(".d"))
    {
        return true;
    }
    if let Some(rel) = home_rel {
        const HOME: &[&str] = &[
            "Library/LaunchAgents",
            ".config/systemd",
            ".local/share/systemd",
            ".config/autostart",
            ".ssh/authorized_keys",
            ".ssh/authorized_keys2",
            ".ssh/rc",
            ".ssh/environment",
            ".gitconfig",
            ".config/git/config",
            ".config/environment.d",
            ".pam_environment",
            // `ProxyCommand` runs code; directories early on PATH shadow real programs.
            ".ssh/config",
            ".local/bin",
            "bin",
        ];
        if HOME.iter().any(|d| under_ci(rel, d)) {
            return true;
        }
    }
    // Git runs hooks, and `core.fsmonitor`/`core.hooksPath` from its config, on ordinary commands.
    let mut comps = abs
        .split('/')
        .skip_while(|c| !c.eq_ignore_ascii_case(".git"))
        .skip(1);
    comps
        .next()
        .is_some_and(|c| c.eq_ignore_ascii_case("hooks") || c.eq_ignore_ascii_case("config"))
}

fn is_agent_config(abs: &str, home_rel: Option<&str>, env: &PathEnv) -> bool {
    if let Some(rel) = home_rel
        && (under_ci(rel, ".claude") || rel.eq_ignore_ascii_case(".claude.json"))
    {
        return true;
    }
    if env
        .claude_config_dir
        .as_deref()
        .is_some_and(|d| under_ci(abs, d))
        || under_ci(abs, &env.mstro_home)
    {
        return true;
    }
    let name = basename(abs);
    if name.eq_ignore_ascii_case(".mcp.json") {
        return true;
    }
    let comps: Vec<&str> = abs.split('/').collect();
    let in_dir = |dir: &str| {
        comps
            .iter()
            .rev()
            .skip(1)
            .any(|c| c.eq_ignore_ascii_case(dir))
    };
    if in_dir(".claude")
        || ((in_dir(".vscode") || in_dir(".cursor")) && name.eq_ignore_ascii_case("mcp.json"))
    {
        return true;
    }
    under_ci(abs, "/etc/claude-code") || under_ci(abs, "/Library/Application Support/ClaudeCode")
}

/// The installed bouncer: a binary the environment names (the running hook), or a file
/// called `mstro-bouncer` anywhere but in a project's rebuildable output (`cargo build`
/// of mstro itself writes `target/debug/mstro-bouncer`).
fn is_bouncer_binary(abs: &str, env: &PathEnv, classes: PathClasses) -> bool {
    if env.bouncer_binaries.iter().any(|b| b == abs) {
        return true;
    }
    basename(abs).eq_ignore_ascii_case("mstro-bouncer")
        && !classes.contains(PathClasses::BUILD_ARTIFACT)
}

/// The bouncer's own configuration: `MSTRO_HOME` itself, its `bouncer.yaml`, `rules/`
/// and `claude-runs/` (the `claude` processes `mstro` runs, whose calls the hook leaves
/// to their permission tool: mstro/bouncer/src/hook/run_registry.rs), and any project
/// `.mstro` with its `bouncer.yaml` and `rules/`: the bouncer reads every one between
/// the repository's root and the working directory, so where one counts depends on
/// where the agent stands.
fn is_bouncer_config(abs: &str, env: &PathEnv) -> bool {
    if abs.eq_ignore_ascii_case(&env.mstro_home) {
        return true;
    }
    if let Some(rel) =
        strip_prefix_ci(abs, env.mstro_home.as_str()).and_then(|r| r.strip_prefix('/'))
        && (rel.eq_ignore_ascii_case("bouncer.yaml")
            || under_ci(rel, "rules")
            || under_ci(rel, "claude-runs"))
    {
        return true;
    }
    let lower = abs.to_ascii_lowercase();
    let Some((_, rest)) = lower.split_once("/.mstro") else {
        return false;
    };
    rest.is_empty() || rest == "/bouncer.yaml" || under(rest, "/rules")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> PathEnv {
        PathEnv::fixture()
    }

    fn names(path: &str) -> Vec<&'static str> {
        classify(path, &env(), Some("/home/dev/project")).names()
    }

    fn word(text: &str) -> (Vec<&'static str>, Vec<&'static str>) {
        let c = classify_word(text, true, &[], &env(), Some("/home/dev/project"));
        (c.may.names(), c.must.names())
    }

    #[test]
    fn a_pattern_may_end_in_a_suffix() {
        for p in [
            "*",
            "c*",
            "*.yaml",
            "?u?t?m?y?m?",
            "custom.y?ml",
            "*l",
            "t.[yY][aA]ml",
        ] {
            assert!(may_end_with(p, ".yaml"), "{p}");
        }
        for p in [
            "*.pyc",
            "*.o",
            "yaml",
            "aml",
            "*.yam",
            "x.yaml.bak",
            "*.[oO][rR]",
        ] {
            assert!(!may_end_with(p, ".yaml"), "{p}");
        }
    }

    #[test]
    fn bits_follow_variant_order() {
        assert_eq!(PathClass::Root.bit(), PathClasses::ROOT);
        assert_eq!(PathClass::BouncerConfig.bit(), PathClasses::BOUNCER_CONFIG);
        assert_eq!(PathClass::Unknown.bit(), PathClasses::UNKNOWN);
        let all = PathClass::ALL
            .iter()
            .fold(PathClasses::empty(), |a, c| a | c.bit());
        assert_eq!(all, PathClasses::all(), "every flag has its variant");
    }

    #[test]
    fn roots_homes_and_system() {
        assert!(names("/").contains(&"root"));
        assert!(names("/home/dev").contains(&"home"));
        assert!(names("/home/bob").contains(&"home"));
        assert!(names("/root").contains(&"home"));
        assert!(names("/usr").contains(&"system-root"));
        assert!(names("/usr/local").contains(&"system-root"));
        assert!(names("/usr/local/share/x").contains(&"system"));
        assert!(!names("/usr/local/share/x").contains(&"system-root"));
        assert!(!names("/home/dev/notes").contains(&"system"));
    }

    #[test]
    fn devices_are_disks_not_pseudo_devices() {
        for d in [
            "/dev/sda",
            "/dev/sdb1",
            "/dev/nvme0n1",
            "/dev/mmcblk0",
            "/dev/disk2",
            "/dev/xvda",
            "/dev/vda",
            "/dev/hda",
            "/dev/mapper/root",
            "/dev/mem",
        ] {
            assert!(names(d).contains(&"device"), "{d}");
        }
        for d in [
            "/dev/null",
            "/dev/zero",
            "/dev/stdout",
            "/dev/tty",
            "/dev/urandom",
            "/dev/shm/x",
            "/dev/sd",
        ] {
            assert!(!names(d).contains(&"device"), "{d}");
        }
    }

    #[test]
    fn temp_is_inside_temp_dirs_only() {
        assert!(names("/tmp/x").contains(&"temp"));
        assert!(!names("/tmp").contains(&"temp"));
        assert!(names("/tmp").contains(&"system"));
        assert!(!names("/dev/null").contains(&"system"));
        assert!(!names("/dev/fd/3").contains(&"system"));
        assert!(names("/dev/sda").contains(&"system"));
        assert!(names("/var/tmp/a/b").contains(&"temp"));
    }

    #[test]
    fn project_and_artifacts() {
        let n = names("/home/dev/project/target/debug");
        assert!(n.contains(&"project") && n.contains(&"build-artifact"));
        let n = names("/home/dev/project/src/main.rs");
        assert!(n.contains(&"project") && !n.contains(&"build-artifact"));
        assert!(names("/home/dev/other").contains(&"outside-project"));
        // A directory named like an artifact outside the project is not an artifact.
        assert!(!names("/home/dev/build").contains(&"build-artifact"));
        // The working directory never makes `/` or a home "project".
        let c = classify("/etc/passwd", &PathEnv::new("/home/dev", None), Some("/"));
        assert!(c.contains(PathClasses::OUTSIDE_PROJECT));
    }

    #[test]
    fn secrets() {
        for s in [
            "/home/dev/.ssh/id_rsa",
            "/home/dev/project/.env",
            "/home/dev/project/.env.production",
            "/home/dev/.aws/credentials",
            "/home/dev/.netrc",
            "/srv/app/tls/server.key",
            "/home/dev/.config/gcloud/application_default_credentials.json",
            "/etc/shadow",
            "/home/dev/.ssh",
            "/home/dev/.docker/config.json",
            "/home/dev/.kube/config",
            "/home/dev/.bash_history",
            "/home/dev/.zsh_history",
            "/home/dev/.local/share/fish/fish_history",
            "/home/dev/.mstro/logs/bouncer-audit.jsonl",
        ] {
            assert!(names(s).contains(&"secret"), "{s}");
        }
        for s in [
            "/home/dev/.ssh/id_rsa.pub",
            "/home/dev/.ssh/known_hosts",
            "/home/dev/project/.env.example",
            "/home/dev/project/.env.local.example",
            "/home/dev/project/src/env.rs",
            "/home/dev/.aws/config",
            "/home/dev/project/venv",
            "/home/dev/project/docs/history.md",
        ] {
            assert!(!names(s).contains(&"secret"), "{s}");
        }
    }

    #[test]
    fn protected_names_match_in_any_case_and_loosening_ones_do_not() {
        for s in [
            "/home/dev/project/.ENV",
            "/home/dev/project/.Env.Production",
            "/home/dev/.SSH/ID_RSA",
            "/HOME/DEV/.aws/Credentials",
            "/home/dev/certs/server.PEM",
            "/home/dev/Login Data",
            "/ETC/shadow",
        ] {
            assert!(names(s).contains(&"secret"), "{s}");
        }
        for s in [
            "/home/dev/project/.ENV.EXAMPLE",
            "/home/dev/.SSH/ID_RSA.PUB",
        ] {
            assert!(!names(s).contains(&"secret"), "{s}");
        }
        assert!(names("/home/dev/.BASHRC").contains(&"shell-profile"));
        assert!(names("/home/dev/project/.GIT/Hooks/pre-commit").contains(&"persistence"));
        assert!(names("/home/dev/.Claude/settings.json").contains(&"agent-config"));
        assert!(names("/home/dev/.MSTRO/Bouncer.yaml").contains(&"bouncer-config"));
        assert!(names("/USR/local/bin").contains(&"system"));
        assert!(names("/home/dev/.cache/x").contains(&"temp"));
        assert!(!names("/home/dev/.CACHE/x").contains(&"temp"));
        assert!(!names("/HOME/DEV/.cache/x").contains(&"temp"));
        assert!(!names("/TMP/x").contains(&"temp"));
    }

    #[test]
    fn profiles_persistence_agent_and_bouncer_config() {
        assert!(names("/home/dev/.bashrc").contains(&"shell-profile"));
        assert!(names("/etc/profile.d/x.sh").contains(&"shell-profile"));
        assert!(!names("/home/dev/project/.bashrc").contains(&"shell-profile"));
        assert!(names("/home/dev/.ssh/authorized_keys").contains(&"persistence"));
        assert!(names("/home/dev/project/.git/hooks/pre-commit").contains(&"persistence"));
        assert!(names("/etc/cron.d/job").contains(&"persistence"));
        assert!(names("/home/dev/.config/systemd/user/x.service").contains(&"persistence"));
        assert!(!names("/home/dev/project/.git/HEAD").contains(&"persistence"));
        assert!(names("/home/dev/.claude/settings.json").contains(&"agent-config"));
        assert!(names("/home/dev/project/.claude/settings.local.json").contains(&"agent-config"));
        assert!(names("/home/dev/project/.mcp.json").contains(&"agent-config"));
        let own = names("/home/dev/.mstro/bouncer.yaml");
        assert!(own.contains(&"bouncer-config") && own.contains(&"agent-config"));
        assert!(names("/home/dev/project/.mstro/rules/x.yaml").contains(&"bouncer-config"));
        assert!(!names("/home/dev/project/.mstro/history/s.json").contains(&"bouncer-config"));
        assert!(
            names("/home/dev/project/pkg/.mstro/rules/team.yaml").contains(&"bouncer-config"),
            "a nested project's too"
        );
        assert!(names("/home/dev/project/pkg/.mstro").contains(&"bouncer-config"));
        assert!(!names("/home/dev/project/pkg/.mstro-notes.txt").contains(&"bouncer-config"));
        let (may, _) = word("build/*");
        assert!(!may.contains(&"bouncer-config"));
        let (may, _) = word(".*");
        assert!(
            may.contains(&"bouncer-config"),
            "`rm -rf .*` at the root may remove .mstro"
        );
        assert!(names("/home/dev/.mstro/logs/bouncer-audit.jsonl").contains(&"agent-config"));
        assert!(!names("/home/dev/.mstro/logs/bouncer-audit.jsonl").contains(&"bouncer-config"));
        // An entry there makes the hook leave a session's calls to the permission tool.
        assert!(names("/home/dev/.mstro/claude-runs/4242-99-b00t").contains(&"bouncer-config"));
        assert!(names("/home/dev/.mstro/claude-runs").contains(&"bouncer-config"));
        assert!(!names("/home/dev/project/claude-runs/x").contains(&"bouncer-config"));
    }

    #[test]
    fn globs_have_may_and_must_sets() {
        let (may, _) = word("/*");
        assert!(may.contains(&"root"));
        let (may, _) = word("/u*");
        assert!(may.contains(&"system-root"), "{may:?}");
        let (may, _) = word("~/.*".replace('~', "/home/dev").as_str());
        assert!(may.contains(&"home") && may.contains(&"secret"));
        let (may, must) = word("*");
        assert!(may.contains(&"build-artifact"), "may hit node_modules");
        assert!(
            !must.contains(&"build-artifact"),
            "but is not all artifacts"
        );
        assert!(must.contains(&"project"));
        let (_, must) = word("target/*");
        assert!(must.contains(&"build-artifact"));
        let (_, must) = word("/tmp/build-*");
        assert!(must.contains(&"temp"));
        let (may, _) = word("/home/dev/*.log");
        assert!(
            !may.contains(&"home"),
            "a selective glob in home is not home"
        );
        let (may, _) = word("**/*.rs");
        assert!(!may.contains(&"secret"), "Rust sources are not secrets");
        let (may, _) = word("**/.env*");
        assert!(may.contains(&"secret"));
        // Whatever `/dev/sd?` matches is a disk; `/dev/*` may be one but need not be.
        let (_, must) = word("/dev/sd?");
        assert!(must.contains(&"device"), "{must:?}");
        let (may, must) = word("/dev/*");
        assert!(may.contains(&"device") && !must.contains(&"device"));
        let (_, must) = word("/dev/nvme[0-9]n1");
        assert!(must.contains(&"device"), "{must:?}");
    }

    #[test]
    fn instantiated_patterns_match_themselves() {
        assert_eq!(instantiate("sd?"), "sdx");
        assert_eq!(instantiate("id_*"), "id_x");
        assert_eq!(instantiate("[ab]c"), "ac");
        assert_eq!(instantiate("[!a]c"), "x");
        assert_eq!(instantiate(".*"), "x", "a dot name is not generic");
    }

    #[test]
    fn unresolved_is_unknown() {
        let x = classify_word("$X", false, &[Span::new(0, 2)], &env(), None);
        assert_eq!(x.may, PathClasses::all(), "it may be anything");
        assert_eq!(
            (x.must, x.named),
            (PathClasses::UNKNOWN, PathClasses::UNKNOWN)
        );
        let etc = classify_word("/etc/$(echo x)", false, &[Span::new(5, 14)], &env(), None);
        assert_eq!(etc.may, PathClasses::all(), "`/etc/..` is anywhere");
        assert_eq!(etc.named, PathClasses::UNKNOWN, "nothing for certain");
        let rel = classify_word("rel", false, &[], &env(), None);
        assert_eq!(
            (rel.may, rel.named),
            (PathClasses::all(), PathClasses::UNKNOWN)
        );
    }

    #[test]
    fn a_known_suffix_names_the_file() {
        let holed = |text: &str, hole: usize| {
            classify_word(text, false, &[Span::new(0, hole)], &env(), None)
        };
        let own = holed("$D/bouncer.yaml", 2);
        assert!(own.named.contains(PathClasses::BOUNCER_CONFIG), "{own:?}");
        let own = holed("$(cd ~ && pwd)/.mstro/rules/x.yaml", 14);
        assert!(own.named.contains(PathClasses::BOUNCER_CONFIG), "{own:?}");
        let keys = holed("$D/.ssh/authorized_keys", 2);
        assert!(keys.named.contains(PathClasses::PERSISTENCE), "{keys:?}");
        let sudoers = holed("$T/sudoers", 2);
        assert!(
            sudoers.named.contains(PathClasses::PERSISTENCE),
            "{sudoers:?}"
        );
        let profile = holed("$H/.bashrc", 2);
        assert!(
            profile.named.contains(PathClasses::SHELL_PROFILE),
            "{profile:?}"
        );
        let settings = holed("$H/.claude/settings.json", 2);
        assert!(
            settings.named.contains(PathClasses::AGENT_CONFIG),
            "{settings:?}"
        );
        for plain in ["$D/notes.txt", "$D/bin", "$D/", "$D/config", "$D/x.yaml"] {
            let c = holed(plain, 2);
            assert_eq!(c.named, PathClasses::UNKNOWN, "{plain}: {c:?}");
        }
        // A relative path in an unknown directory is a hole followed by the path.
        let rel = classify_word(".bashrc", false, &[], &env(), None);
        assert!(rel.named.contains(PathClasses::SHELL_PROFILE), "{rel:?}");
    }
}
