//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mstro_engine::Mode;

pub use super::review::AiChoice;

/// The mstro bouncer: decides which tool calls an AI coding agent may make.
#[derive(Debug, Parser)]
#[command(name = "mstro-bouncer", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Claude Code PreToolUse hook: read one hook event on stdin, print one decision.
    Hook(HookArgs),
    /// Judge commands or tool calls (CI, scripts, evaluation harnesses).
    Check(CheckArgs),
    /// Show how the engine reads a command and why it decides what it does.
    Explain(ExplainArgs),
    /// Tools for rule pack authors: list, show, validate, test, schema.
    #[command(subcommand)]
    Packs(PacksCommand),
    /// Register the hook in Claude Code's settings (keeps every other hook).
    Install(InstallArgs),
    /// Remove our hook from Claude Code's settings, and nothing else.
    Uninstall(UninstallArgs),
    /// Check the whole chain: binary, settings, registration, a round trip, configuration.
    Doctor,
    /// Find dangerous commands in scripts, Dockerfiles, CI files, Makefiles,
    /// package.json scripts and compose files.
    Scan(ScanArgs),
    /// Read the audit log of the hook's and the permission tool's decisions.
    Audit(AuditArgs),
    /// MCP permission tool for headless sessions (`--permission-prompt-tool
    /// mcp__mstro-bouncer__approval_prompt`), speaking MCP on stdin and stdout.
    Mcp(McpArgs),
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Register in <project>/.claude/settings.json (the current directory) instead of
    /// ~/.claude/settings.json.
    #[arg(long)]
    pub project: bool,
    /// Which tools the hook runs for, in Claude Code's matcher syntax.
    #[arg(long, default_value = "*")]
    pub matcher: String,
    /// The binary the hook runs (default: this one).
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// Seconds Claude Code waits for the hook. A timed-out hook does not block the call,
    /// so keep it generous.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Remove it from <project>/.claude/settings.json instead of ~/.claude/settings.json.
    #[arg(long)]
    pub project: bool,
}

#[derive(Debug, Subcommand)]
pub enum PacksCommand {
    /// The loaded packs: built-in, user and project, with rule counts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One pack's rules, or one rule with its examples.
    Show {
        /// A pack id (`git`) or a rule id (`git.reset-hard`).
        id: String,
    },
    /// Check pack files: schema, regexes, predicates, duplicate ids, and every example
    /// run through the whole engine.
    Validate {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Validate as project packs (which may only tighten).
        #[arg(long)]
        project: bool,
    },
    /// Run the examples of the given packs (default: every loaded pack), or measure the
    /// rules against a corpus of labelled tool calls.
    Test {
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// A JSONL corpus: {"tool_name", "tool_input", "cwd"?, "expect": "allow|review|deny|block"}.
        #[arg(long, value_name = "FILE.jsonl")]
        corpus: Option<PathBuf>,
        /// With --corpus: exit 1 when the recall of any expectation is below this (0 to 1).
        #[arg(long, value_name = "RATIO", requires = "corpus")]
        min_recall: Option<f64>,
        /// With --corpus: the mode verdicts are reported in.
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
        /// Treat FILE as project packs (which may only tighten).
        #[arg(long)]
        project: bool,
    },
    /// Print the JSON Schema of the pack format (or of bouncer.yaml with --config).
    Schema {
        #[arg(long)]
        config: bool,
    },
    /// Print the pack reference (rules/README.md), generated from the built-in packs.
    #[command(hide = true)]
    Docs,
}

#[derive(Debug, Args)]
pub struct HookArgs {
    /// How to treat `review` and unvouched operations (default: `mode` in
    /// ~/.mstro/bouncer.yaml, else repl).
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Ask an AI reviewer about `review` verdicts (see `reviewer:` in bouncer.yaml).
    #[arg(long, value_enum, default_value_t = AiChoice::Auto)]
    pub ai: AiChoice,
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// How to treat `review` and unvouched operations; a headless session has nobody
    /// to ask, so reviewer failures deny.
    #[arg(long, value_enum, default_value_t = ModeArg::Headless, env = "MSTRO_BOUNCER_MODE")]
    pub mode: ModeArg,
    /// Ask an AI reviewer about `review` verdicts.
    #[arg(long, value_enum, default_value_t = AiChoice::Auto)]
    pub ai: AiChoice,
    /// The session these calls belong to (keys the review cache and the audit log).
    #[arg(long, env = "MSTRO_SESSION_ID")]
    pub session_id: Option<String>,
    /// What the person asked for, shown to the reviewer as their request.
    #[arg(long, env = "MSTRO_USER_REQUEST")]
    pub user_request: Option<String>,
    /// Working directory of the session (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// When a person is asked to approve a `review` (only in a session `mstro` runs,
    /// which shows the request in its owner's browsers).
    #[arg(long, value_enum, default_value_t = AskPerson::AfterReviewer, env = "MSTRO_ASK_PERSON")]
    pub ask_person: AskPerson,
}

/// `mcp --ask-person`: when the owner of a `mstro` session decides a `review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AskPerson {
    /// When the AI reviewer does not settle it (none configured, it failed, or it
    /// was not confident enough); a confident reviewer's answer stands.
    AfterReviewer,
    /// Always, instead of the AI reviewer ("ask me").
    First,
    /// Never: what the reviewer does not settle is denied.
    Never,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Show only the last N decisions (default: all; 10 with --follow).
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,
    /// Keep printing decisions as they are made.
    #[arg(long, short)]
    pub follow: bool,
    /// Only decisions with this engine verdict.
    #[arg(long, value_enum)]
    pub decision: Option<VerdictArg>,
    /// Only decisions since a time (2026-11-21T09:00:00Z) or for a duration (30m, 2h).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Output format: a table, or one JSON record per line (with --stats, one JSON
    /// summary).
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    pub format: AuditFormat,
    /// Deprecated spelling of `--format json`, kept so that existing scripts work.
    #[arg(long, hide = true, conflicts_with = "format")]
    pub json: bool,
    /// Counts per verdict, outcome, layer and rule, and latency percentiles.
    #[arg(long)]
    pub stats: bool,
}

impl AuditArgs {
    /// The format asked for, by `--format` or by the deprecated `--json`.
    pub fn format(&self) -> AuditFormat {
        if self.json {
            AuditFormat::Json
        } else {
            self.format
        }
    }
}

/// How `audit` prints decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// A table with a header row, one decision per line, cut to the terminal's width.
    Text,
    /// One audit record per line, exactly as the log holds it.
    #[value(alias = "jsonl")]
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Bash commands to judge (with --tool, the tool's main argument or a JSON tool_input).
    #[arg(value_name = "COMMAND")]
    pub commands: Vec<String>,
    /// Read one JSON object per line: {"command": ...} or {"tool_name", "tool_input", "cwd"}.
    #[arg(long, value_name = "FILE|-")]
    pub jsonl: Option<PathBuf>,
    /// The tool the positional arguments are for.
    #[arg(long, default_value = "Bash")]
    pub tool: String,
    /// Working directory of the calls (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// The mode (default: `mode` in ~/.mstro/bouncer.yaml, else repl).
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Ask an AI reviewer about `review` verdicts: `auto` uses the configured reviewer
    /// or the Messages API when ANTHROPIC_API_KEY is set; `on` fails the review when
    /// none is available.
    #[arg(long, value_enum, default_value_t = AiChoice::Off)]
    pub ai: AiChoice,
    /// Output format (default: text for commands, jsonl for --jsonl).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Exit 1 if any verdict reaches this level.
    #[arg(long, value_enum, default_value_t = FailOn::Deny)]
    pub fail_on: FailOn,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan (directories are walked, honouring .gitignore).
    /// With --staged, limits the scan to these paths. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Scan the files staged in git's index, as they will be committed.
    #[arg(long)]
    pub staged: bool,
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Exit 1 if any finding (not in the baseline) reaches this level.
    #[arg(long, value_enum, default_value_t = FailOn::Deny)]
    pub fail_on: FailOn,
    /// Leave out findings whose fingerprints are in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the fingerprints of all current findings to FILE, accepting them.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Ask an AI reviewer about `review` findings (not in the baseline): its allow
    /// clears a finding, its deny makes it `deny`, a failure leaves it `review`. `auto`
    /// uses the configured reviewer or the Messages API when ANTHROPIC_API_KEY is set;
    /// `on` reports "no reviewer" as a failure on each finding.
    #[arg(long, value_enum, default_value_t = AiChoice::Off)]
    pub ai: AiChoice,
    /// Also report, as `review` findings, what depends on values only known at run
    /// time (a program or argument from a variable, `eval` of a built string, a rule
    /// that holds only for some values), regions the shell parser could not read, and
    /// scripts in shell dialects scan does not read. Use it to gate untrusted changes.
    #[arg(long)]
    pub strict: bool,
}

/// How `scan` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// `path:line:col: DENY [rule] reason`, then the command.
    Text,
    /// One JSON document with findings, errors and a summary.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`), shown as annotations.
    Github,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The Bash command (with --tool, the tool's main argument or a JSON tool_input).
    pub command: String,
    #[arg(long)]
    pub json: bool,
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    #[arg(long, default_value = "Bash")]
    pub tool: String,
    /// The mode (default: `mode` in ~/.mstro/bouncer.yaml, else repl).
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Repl,
    Headless,
    Deploy,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Repl => Mode::Repl,
            ModeArg::Headless => Mode::Headless,
            ModeArg::Deploy => Mode::Deploy,
        }
    }
}

/// `--decision` of `audit`: the engine verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerdictArg {
    Allow,
    Review,
    Deny,
}

impl From<VerdictArg> for mstro_engine::Verdict {
    fn from(v: VerdictArg) -> Self {
        match v {
            VerdictArg::Allow => mstro_engine::Verdict::Allow,
            VerdictArg::Review => mstro_engine::Verdict::Review,
            VerdictArg::Deny => mstro_engine::Verdict::Deny,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Deny,
    Review,
    Never,
}
