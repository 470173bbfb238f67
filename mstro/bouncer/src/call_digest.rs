//! SHA-256 digests that name one tool call: the same operation always gets the same
//! digest (JSON key order and Bash's `description` never make two calls differ), and
//! any other operation a different one. They key the review cache and make an owner's
//! "approve for this session" exact.

use mstro_engine::ToolCall;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The digest of `parts`, each length-prefixed so that no two lists collide.
pub fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// The operation `call` performs, in its working directory, as text to digest: the
/// tool (case-insensitive) and its input in canonical form, without Bash's
/// `description` (the model's prose about the command, not the command).
pub fn operation_parts(call: &ToolCall) -> [String; 3] {
    let mut input = call.tool_input.clone();
    if let Some(o) = input.as_object_mut() {
        o.remove("description");
    }
    [
        call.tool_name.to_ascii_lowercase(),
        call.cwd.clone().unwrap_or_default(),
        canonical(&input),
    ]
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON with object keys sorted, so key order never makes two calls differ.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(canonical).collect::<Vec<_>>().join(",")
            )
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(tool: &str, input: Value) -> ToolCall {
        ToolCall {
            tool_name: tool.into(),
            tool_input: input,
            cwd: Some("/w".into()),
        }
    }

    fn of(c: &ToolCall) -> String {
        let [a, b, c] = operation_parts(c);
        digest(&[&a, &b, &c])
    }

    #[test]
    fn the_same_operation_has_one_digest_and_others_differ() {
        let a = call(
            "Bash",
            json!({"command": "ls", "timeout": 5, "description": "list"}),
        );
        let b = call(
            "bash",
            json!({"timeout": 5, "command": "ls", "description": "other"}),
        );
        assert_eq!(of(&a), of(&b));
        for other in [
            call("Bash", json!({"command": "ls ", "timeout": 5})),
            call("Bash", json!({"command": "ls", "timeout": 6})),
            call("Write", json!({"command": "ls", "timeout": 5})),
            ToolCall {
                cwd: Some("/v".into()),
                ..a.clone()
            },
        ] {
            assert_ne!(of(&a), of(&other), "{other:?}");
        }
        // Length prefixes: moving a boundary changes the digest.
        assert_ne!(digest(&["ab", "c"]), digest(&["a", "bc"]));
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
    }
}
