//! What an MCP call's arguments carry. The engine has no model of most MCP servers,
//! so their arguments are judged by what they look like: a path is read (or written,
//! by a tool whose name says it writes), a URL is fetched, a shell command is run, SQL
//! is sent to a database. Each becomes an operation of its own, judged by the same
//! rules as the agent's own tool calls; the strictest verdict counts, and none of
//! them can make the call more allowed than it was (a filesystem server reading
//! `~/.ssh/id_rsa` is a secret read).

use serde_json::Value;

use super::{Operation, resolve_path, strings_in};
use crate::path::PathEnv;

/// Most operations derived from one call's arguments; the rest are not looked at
/// (secrets in every string still are, see [`Operation::outgoing`]).
pub const MAX_DERIVED: usize = 32;

/// Longest string taken for a path or a URL.
const MAX_PATH_LEN: usize = 4096;

/// One argument of an MCP call, read as an operation of a known tool.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    /// The key the value was found under (the nearest one).
    pub key: String,
    /// What the value is taken for, for reasons: `run as SQL`, `read as a file`, ...
    pub taken_as: &'static str,
    pub operation: Operation,
}

/// Keys whose value is a shell command line.
const SHELL_KEYS: &[&str] = &[
    "command",
    "cmd",
    "script",
    "shell",
    "bash",
    "sh",
    "shell_command",
    "command_line",
    "commandline",
];

/// Keys whose value is SQL.
const SQL_KEYS: &[&str] = &["sql", "statement", "stmt", "sql_query"];

/// Words in a tool's name that say it writes, edits, moves or removes what it is given.
const WRITING_TOOLS: &[&str] = &[
    "write", "edit", "create", "delete", "remove", "move", "rename", "copy", "save", "put",
    "upload", "append", "patch", "update", "mkdir", "rm",
];

/// Words in a server's or tool's name that say it talks to a database, where a
/// `query` argument is SQL.
const DATABASE_NAMES: &[&str] = &[
    "sql",
    "postgres",
    "mysql",
    "maria",
    "sqlite",
    "db",
    "database",
    "supabase",
    "neon",
    "bigquery",
    "snowflake",
    "clickhouse",
    "duckdb",
    "cockroach",
    "redshift",
];

/// The operations the string arguments of `server`'s `tool` carry. A `command` or
/// `cmd` at the top, already judged as the call's own command, is not repeated.
pub fn derived(
    server: &str,
    tool: &str,
    input: &Value,
    env: &PathEnv,
    cwd: Option<&str>,
) -> Vec<Derived> {
    let tool_l = tool.to_ascii_lowercase();
    let server_l = server.to_ascii_lowercase();
    let names_have = |words: &[&str]| {
        words.iter().any(|w| {
            tool_l
                .split(|c: char| !c.is_ascii_alphanumeric())
                .chain(server_l.split(|c: char| !c.is_ascii_alphanumeric()))
                .any(|part| part == *w || (w.len() > 3 && part.contains(w)))
        })
    };
    let writes = names_have(WRITING_TOOLS);
    let database = names_have(DATABASE_NAMES);
    let content = ["content", "text", "data", "new_content", "body"]
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str))
        .unwrap_or("")
        .to_owned();
    let top_command = ["command", "cmd"]
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str));

    let mut out = Vec::new();
    for (key, value) in strings_in(input) {
        if out.len() >= MAX_DERIVED {
            break;
        }
        let key_l = key.unwrap_or("").to_ascii_lowercase();
        let derive = |taken_as, operation| Derived {
            key: key.unwrap_or("").to_owned(),
            taken_as,
            operation,
        };
        if SHELL_KEYS.contains(&key_l.as_str()) {
            if Some(value) != top_command && !value.trim().is_empty() {
                out.push(derive(
                    "run as a shell command",
                    Operation::Bash {
                        command: value.to_owned(),
                    },
                ));
            }
            continue;
        }
        if SQL_KEYS.contains(&key_l.as_str()) || (key_l == "query" && database) {
            // The database pack judges SQL as a client runs it.
            out.push(derive(
                "run as SQL",
                Operation::Bash {
                    command: format!("psql -c {}", single_quoted(value)),
                },
            ));
            continue;
        }
        if let Some(url) = fetched_url(value) {
            out.push(derive(
                "fetched as a URL",
                Operation::WebFetch {
                    url: url.to_owned(),
                    prompt: String::new(),
                },
            ));
            continue;
        }
        if looks_like_path(&key_l, value) {
            let path = resolve_path(value, env, cwd);
            out.push(if writes {
                derive(
                    "written as a file",
                    Operation::Write {
                        path,
                        content: content.clone(),
                    },
                )
            } else {
                derive("read as a file", Operation::Read { path })
            });
        }
    }
    out
}

/// A value that names a file: an absolute or home path written as one word, or any
/// one-line value of a key that says it is a path (`path`, `file`, `dir`, ...).
fn looks_like_path(key: &str, value: &str) -> bool {
    if value.is_empty() || value.len() > MAX_PATH_LEN || value.contains(['\n', '\r', '\0']) {
        return false;
    }
    let path_key = [
        "path",
        "file",
        "dir",
        "directory",
        "folder",
        "source",
        "destination",
    ]
    .iter()
    .any(|k| key == *k || key.ends_with(&format!("_{k}")) || key.ends_with(k));
    if path_key {
        return true;
    }
    let home = value == "~"
        || value.starts_with("~/")
        || value.starts_with("$HOME/")
        || value.starts_with("${HOME}/");
    let absolute = value.starts_with('/') && !value.starts_with("//");
    (home || absolute) && !value.contains(char::is_whitespace)
}

/// A URL a server would fetch: a whole value that parses as one, with a scheme that
/// reaches something. Loopback addresses are left out: browser servers open the
/// project's own dev server there all day, as `curl localhost:3000` may.
fn fetched_url(value: &str) -> Option<&str> {
    let v = value.trim();
    if v.len() > MAX_PATH_LEN || v.contains(char::is_whitespace) {
        return None;
    }
    let parsed = url::Url::parse(v).ok()?;
    let fetchable = matches!(
        parsed.scheme(),
        "http" | "https" | "ftp" | "file" | "ws" | "wss" | "gopher" | "dict" | "ldap" | "smb"
    );
    if !fetchable {
        return None;
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    (!loopback).then_some(v)
}

/// `text` as one shell word.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(server: &str, tool: &str, input: Value) -> Vec<(String, Operation)> {
        derived(
            server,
            tool,
            &input,
            &PathEnv::fixture(),
            Some("/home/dev/project"),
        )
        .into_iter()
        .map(|d| (d.key, d.operation))
        .collect()
    }

    #[test]
    fn paths_urls_commands_and_sql() {
        let d = kinds(
            "filesystem",
            "read_file",
            json!({"path": "~/.ssh/id_rsa", "encoding": "utf8"}),
        );
        assert_eq!(
            d,
            vec![(
                "path".into(),
                Operation::Read {
                    path: "/home/dev/.ssh/id_rsa".into()
                }
            )]
        );
        let d = kinds(
            "filesystem",
            "write_file",
            json!({"path": "notes.txt", "content": "x"}),
        );
        assert!(
            matches!(&d[0].1, Operation::Write { path, content } if path == "/home/dev/project/notes.txt" && content == "x")
        );
        let d = kinds(
            "fetch",
            "get",
            json!({"url": "http://169.254.169.254/latest/"}),
        );
        assert!(matches!(&d[0].1, Operation::WebFetch { .. }));
        let d = kinds("runner", "exec", json!({"options": {"script": "rm -rf ~"}}));
        assert_eq!(
            d[0].1,
            Operation::Bash {
                command: "rm -rf ~".into()
            }
        );
        let d = kinds(
            "postgres",
            "run_query",
            json!({"query": "DROP TABLE users"}),
        );
        assert_eq!(
            d[0].1,
            Operation::Bash {
                command: "psql -c 'DROP TABLE users'".into()
            }
        );
        // The call's own top-level command is judged already.
        assert!(kinds("shell", "run", json!({"command": "ls"})).is_empty());
    }

    #[test]
    fn ordinary_text_is_nothing() {
        for input in [
            json!({"query": "drop table tennis rules"}),
            json!({"title": "Fix the /login page", "body": "see /docs for more"}),
            json!({"url": "http://localhost:3000/"}),
            json!({"message": "hello"}),
            json!({"n": 3, "flag": true}),
        ] {
            assert!(kinds("search", "find", input.clone()).is_empty(), "{input}");
        }
        let many: Vec<String> = (0..100).map(|i| format!("/tmp/f{i}")).collect();
        assert_eq!(
            kinds("fs", "read_many", json!({"paths": many})).len(),
            MAX_DERIVED
        );
    }
}
