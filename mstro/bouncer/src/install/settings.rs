//! A Claude Code `settings.json`, edited without losing anything: parsed (with the
//! position of any syntax error), our hook entry added or removed while every other key
//! and hook stays as it was, a timestamped backup kept, and the result written
//! atomically and read back.
//!
//! Claude Code silently ignores a settings file that does not validate (protocol
//! reference §1.1), so a broken write would mean no hook at all: refusing to touch a
//! file whose shape we do not understand is the safe choice.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use thiserror::Error;

/// What went wrong with a settings file.
#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} is not valid JSON (line {line}, column {column}: {message}); Claude Code ignores a file like this, so fix it first"
    )]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {what}; fix it by hand first, it is not safe to edit automatically")]
    Shape { path: String, what: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// The hook entry we install: `<binary> hook`, run for `matcher`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookEntry {
    pub command: String,
    pub matcher: String,
    /// Seconds. A hook that times out is skipped by Claude Code (fail-open), so this is
    /// generous: room for an AI review with its retry.
    pub timeout: u64,
}

/// One settings file, parsed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where it is written: the file a symlink points to, so a dotfile manager's link
    /// stays a link.
    pub path: PathBuf,
    pub value: Value,
    pub existed: bool,
}

impl Settings {
    /// Read `path`; a missing file is an empty object.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        let shown = path.display().to_string();
        let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let text = match std::fs::read_to_string(&target) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Settings {
                    path: target,
                    value: json!({}),
                    existed: false,
                });
            }
            Err(source) => {
                return Err(SettingsError::Read {
                    path: shown,
                    source,
                });
            }
        };
        let value = parse(&text, &shown)?;
        if !value.is_object() {
            return Err(SettingsError::Shape {
                path: shown,
                what: "the top level is not a JSON object".into(),
            });
        }
        Ok(Settings {
            path: target,
            value,
            existed: true,
        })
    }

    /// The `PreToolUse` groups, checked for the shape Claude Code expects.
    fn pre_tool_use(&mut self) -> Result<&mut Vec<Value>, SettingsError> {
        let path = self.path.display().to_string();
        let shape = |what: &str| SettingsError::Shape {
            path: path.clone(),
            what: what.to_owned(),
        };
        let root = self
            .value
            .as_object_mut()
            .ok_or_else(|| shape("the top level is not an object"))?;
        let hooks = root
            .entry("hooks")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| shape("`hooks` is not an object"))?;
        let groups = hooks
            .entry("PreToolUse")
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .ok_or_else(|| shape("`hooks.PreToolUse` is not a list"))?;
        for g in groups.iter() {
            if !g.get("hooks").is_some_and(Value::is_array) {
                return Err(shape("a `hooks.PreToolUse` entry has no `hooks` list"));
            }
        }
        Ok(groups)
    }

    /// Add our entry, or bring an existing one up to date. Only entries exactly as
    /// `install` writes them are ours to change ([`is_ours`]); another hand-made
    /// `mstro-bouncer hook` entry (with `if`, a status message, ...) stays as it is.
    /// Returns whether anything changed.
    pub fn install(&mut self, entry: &HookEntry) -> Result<bool, SettingsError> {
        let before = self.value.clone();
        let ours = json!({"type": "command", "command": entry.command, "timeout": entry.timeout});
        let groups = self.pre_tool_use()?;
        let mut found = false;
        for group in groups.iter_mut() {
            let same_matcher =
                group.get("matcher").and_then(Value::as_str) == Some(entry.matcher.as_str());
            let handlers = group["hooks"]
                .as_array_mut()
                .expect("checked in pre_tool_use");
            let had = handlers.len();
            for handler in handlers.iter_mut() {
                if is_ours(handler) {
                    if !found && same_matcher {
                        *handler = ours.clone();
                        found = true;
                    } else {
                        // A stale copy (another matcher or a duplicate): dropped below.
                        *handler = Value::Null;
                    }
                }
            }
            handlers.retain(|h| !h.is_null());
            if had > 0 && handlers.is_empty() {
                group["hooks"] = Value::Null;
            }
        }
        // Only groups we emptied go; an empty group someone else left stays.
        groups.retain(|g| !g["hooks"].is_null());
        if !found {
            groups.push(json!({"matcher": entry.matcher, "hooks": [ours]}));
        }
        Ok(self.value != before)
    }

    /// Remove every entry of ours, and what that leaves empty. Returns how many went.
    pub fn uninstall(&mut self) -> Result<usize, SettingsError> {
        let had_hooks = self.value.get("hooks").is_some();
        let had_pre = self.value.pointer("/hooks/PreToolUse").is_some();
        let groups = self.pre_tool_use()?;
        let mut removed = 0;
        for group in groups.iter_mut() {
            let handlers = group["hooks"]
                .as_array_mut()
                .expect("checked in pre_tool_use");
            let before = handlers.len();
            handlers.retain(|h| !is_ours(h));
            removed += before - handlers.len();
            if before != handlers.len() && handlers.is_empty() {
                group["hooks"] = Value::Null;
            }
        }
        groups.retain(|g| !g["hooks"].is_null());
        let empty_groups = groups.is_empty();
        let root = self.value.as_object_mut().expect("an object");
        if let Some(hooks) = root.get_mut("hooks").and_then(Value::as_object_mut) {
            if empty_groups && (removed > 0 || !had_pre) {
                hooks.remove("PreToolUse");
            }
            if hooks.is_empty() && (removed > 0 || !had_hooks) {
                root.remove("hooks");
            }
        }
        Ok(removed)
    }

    /// Every `PreToolUse` handler that runs `mstro-bouncer hook`, ours or hand-made,
    /// with the matcher of its group.
    pub fn bouncer_entries(&self) -> Vec<BouncerEntry> {
        let mut out = Vec::new();
        for group in self
            .value
            .pointer("/hooks/PreToolUse")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let matcher = group
                .get("matcher")
                .and_then(Value::as_str)
                .map(str::to_owned);
            for h in group
                .get("hooks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(command) = h.get("command").and_then(Value::as_str) else {
                    continue;
                };
                if let Some(parsed) = HookCommand::parse(command) {
                    out.push(BouncerEntry {
                        matcher: matcher.clone(),
                        command: command.to_owned(),
                        parsed,
                        ours: is_ours(h),
                        timeout: h.get("timeout").and_then(Value::as_u64),
                    });
                }
            }
        }
        out
    }

    /// Keep a timestamped copy of the file as it is on disk, write the new content to a
    /// temporary file beside it, rename it over the original, and read it back.
    /// Returns the backup's path.
    pub fn save(&self) -> Result<Option<PathBuf>, SettingsError> {
        let shown = self.path.display().to_string();
        let write_err = |source| SettingsError::Write {
            path: shown.clone(),
            source,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(write_err)?;
        let backup = if self.existed {
            let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
                .to_string()
                .replace(':', "-");
            let name = format!(
                "{}.mstro-backup-{stamp}",
                self.path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("settings.json")
            );
            Some(copy_to_new(&self.path, &dir.join(name)).map_err(write_err)?)
        } else {
            None
        };
        let mut text = serde_json::to_string_pretty(&self.value).expect("a JSON value serialises");
        text.push('\n');
        // The file keeps its mode; a new one is the owner's alone.
        #[cfg(unix)]
        let mode = std::fs::metadata(&self.path).map_or(0o600, |m| {
            std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o7777
        });
        #[cfg(not(unix))]
        let mode = 0o600;
        mstro_fs::write_atomic(&self.path, text.as_bytes(), mode).map_err(write_err)?;
        // Read back what Claude Code will read.
        let written = Settings::load(&self.path)?;
        if written.value != self.value {
            return Err(SettingsError::Shape {
                path: shown,
                what: "the file read back differs from what was written".into(),
            });
        }
        Ok(backup)
    }
}

/// Copy `from` to `to`, or to `to.1`, `to.2`, ... : a backup never overwrites another.
fn copy_to_new(from: &Path, to: &Path) -> std::io::Result<PathBuf> {
    let bytes = std::fs::read(from)?;
    for n in 0..1000 {
        let candidate = if n == 0 {
            to.to_path_buf()
        } else {
            PathBuf::from(format!("{}.{n}", to.display()))
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut file) => {
                std::io::Write::write_all(&mut file, &bytes)?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many backups with the same name"))
}

/// Parse JSON, locating a syntax error.
pub fn parse(text: &str, path: &str) -> Result<Value, SettingsError> {
    serde_json::from_str(text).map_err(|e| SettingsError::Syntax {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: mstro_engine::pack::parser_message(&e.to_string()),
    })
}

/// A registered handler that runs `mstro-bouncer hook`.
#[derive(Debug, Clone)]
pub struct BouncerEntry {
    pub matcher: Option<String>,
    pub command: String,
    pub parsed: HookCommand,
    /// Exactly as `install` writes it (so `install` and `uninstall` may change it).
    pub ours: bool,
    pub timeout: Option<u64>,
}

/// The command line of a `mstro-bouncer hook` handler, read strictly: the binary,
/// `hook`, an optional `--mode`, and optionally the fallback `install` appends. Anything
/// else on the line makes it not a bouncer command, and `doctor` never runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookCommand {
    pub binary: String,
    pub mode: Option<String>,
    /// It ends with `|| printf ... deny`, so that a missing binary still blocks.
    pub fallback: bool,
}

impl HookCommand {
    pub fn parse(command: &str) -> Option<HookCommand> {
        let words = shell_words(command);
        let (binary, rest) = words.split_first()?;
        let program = binary.rsplit('/').next().unwrap_or(binary);
        if program != "mstro-bouncer" || rest.first().map(String::as_str) != Some("hook") {
            return None;
        }
        let mut rest = &rest[1..];
        let mut mode = None;
        if let [flag, value, tail @ ..] = rest
            && flag == "--mode"
        {
            if !matches!(value.as_str(), "repl" | "headless" | "deploy") {
                return None;
            }
            mode = Some(value.clone());
            rest = tail;
        }
        let fallback = match rest {
            [] => false,
            [or, printf, format, line] if or == "||" && printf == "printf" && format == "%s\\n" => {
                let v: Value = serde_json::from_str(line).ok()?;
                if v.pointer("/hookSpecificOutput/permissionDecision") != Some(&Value::from("deny"))
                {
                    return None;
                }
                true
            }
            _ => return None,
        };
        Some(HookCommand {
            binary: binary.clone(),
            mode,
            fallback,
        })
    }

    /// `BINARY hook || printf '%s\n' '<deny>'`: if bash cannot run the binary (moved,
    /// uninstalled), the fallback still answers, and blocks, rather than leave Claude
    /// Code without a decision (which it treats as no hook at all).
    pub fn render(binary: &str) -> String {
        let deny = json!({"hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": "mstro-bouncer could not run, so this call is blocked; is it still installed? Run `mstro-bouncer doctor`, or `mstro-bouncer install` again.",
        }});
        format!(
            "{} hook || printf '%s\\n' {}",
            quote(binary),
            quote(&deny.to_string())
        )
    }
}

/// A handler exactly as `install` writes it: a command handler running
/// [`HookCommand::render`]'s line, with at most a `timeout` besides.
pub fn is_ours(handler: &Value) -> bool {
    let Some(object) = handler.as_object() else {
        return false;
    };
    let known = object
        .keys()
        .all(|k| matches!(k.as_str(), "type" | "command" | "timeout"));
    let command = object.get("command").and_then(Value::as_str);
    known
        && object.get("type").and_then(Value::as_str) == Some("command")
        && command
            .and_then(HookCommand::parse)
            .is_some_and(|c| c.mode.is_none() && c.fallback)
}

/// `path` as one shell word.
pub fn quote(path: &str) -> String {
    if !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%=,".contains(c))
    {
        path.to_owned()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
}

/// Split a simple command line into words (single and double quotes, backslashes).
fn shell_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => word.extend(chars.next()),
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                word.extend(chars.next());
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> HookEntry {
        HookEntry {
            command: HookCommand::render("/opt/my tools/mstro-bouncer"),
            matcher: "*".into(),
            timeout: 120,
        }
    }

    fn handler(command: &str) -> Value {
        json!({"type": "command", "command": command})
    }

    #[test]
    fn only_the_entry_install_writes_is_ours() {
        let rendered = HookCommand::render("/opt/my tools/mstro-bouncer");
        assert!(is_ours(&handler(&rendered)));
        let parsed = HookCommand::parse(&rendered).unwrap();
        assert_eq!(parsed.binary, "/opt/my tools/mstro-bouncer");
        assert!(parsed.fallback);
        // Hand-made entries are bouncer commands, but not ours to change.
        assert!(!is_ours(&handler("mstro-bouncer hook --mode headless")));
        assert_eq!(
            HookCommand::parse("mstro-bouncer hook --mode headless")
                .unwrap()
                .mode
                .as_deref(),
            Some("headless")
        );
        let mut with_if = handler(&rendered);
        with_if["if"] = "Bash(git *)".into();
        assert!(!is_ours(&with_if));
        // Anything more on the line is not a bouncer command at all.
        for other in [
            "mstro-bouncer check x",
            "/usr/bin/other-guard hook",
            "mstro-bouncer hook ;touch /tmp/pwned",
            "mstro-bouncer hook || rm -rf ~",
            "mstro-bouncer hook --mode lenient",
        ] {
            assert!(HookCommand::parse(other).is_none(), "{other}");
        }
        assert_eq!(
            quote("/opt/my tools/mstro-bouncer"),
            "'/opt/my tools/mstro-bouncer'"
        );
        assert_eq!(
            quote("/usr/local/bin/mstro-bouncer"),
            "/usr/local/bin/mstro-bouncer"
        );
    }

    #[test]
    fn install_merges_and_uninstall_restores() {
        let original = json!({
            "model": "x",
            "hooks": {
                "PreToolUse": [
                    {"matcher": "Bash", "hooks": [{"type": "command", "command": "other-guard"}]},
                    {"matcher": "Bash", "hooks": [{"type": "command", "command": "mstro-bouncer hook --mode headless", "if": "Bash(git *)"}]},
                    {"matcher": "Empty", "hooks": []}
                ],
                "PostToolUse": [{"hooks": [{"type": "command", "command": "log"}]}]
            }
        });
        let mut s = Settings {
            path: "s.json".into(),
            value: original.clone(),
            existed: true,
        };
        let mut e = entry();
        assert!(s.install(&e).unwrap());
        assert!(!s.install(&e).unwrap(), "idempotent");
        let ours: Vec<_> = s.bouncer_entries().into_iter().filter(|b| b.ours).collect();
        assert_eq!(ours.len(), 1);
        assert_eq!(s.bouncer_entries().len(), 2, "the hand-made one stays");
        for i in 0..3 {
            assert_eq!(
                s.value["hooks"]["PreToolUse"][i],
                original["hooks"]["PreToolUse"][i]
            );
        }
        e.command = HookCommand::render("/new/place/mstro-bouncer");
        assert!(s.install(&e).unwrap(), "a moved binary is updated in place");
        let ours: Vec<_> = s.bouncer_entries().into_iter().filter(|b| b.ours).collect();
        assert_eq!(ours[0].parsed.binary, "/new/place/mstro-bouncer");
        assert_eq!(s.uninstall().unwrap(), 1);
        assert_eq!(s.value, original);

        let mut empty = Settings {
            path: "s.json".into(),
            value: json!({}),
            existed: false,
        };
        empty.install(&entry()).unwrap();
        empty.uninstall().unwrap();
        assert_eq!(empty.value, json!({}));
    }

    #[test]
    fn a_shape_we_do_not_know_is_refused() {
        let mut s = Settings {
            path: "s.json".into(),
            value: json!({"hooks": []}),
            existed: true,
        };
        assert!(matches!(
            s.install(&entry()),
            Err(SettingsError::Shape { .. })
        ));
        let err = parse("{\n  \"a\": 1,\n}", "s.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
    }
}
