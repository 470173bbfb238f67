//! GitLab CI: `script`, `before_script` and `after_script` of every job, of hidden jobs
//! (`.template:`, which others `extends`), of `default:`, and the old global
//! `before_script`/`after_script`.
//!
//! A job's lines run one after another in one shell, so each list is judged as one
//! script (a variable set on one line is known on the next). Entries may be strings or
//! nested lists; `!reference [...]` entries point at lists judged where they are
//! defined, so they are skipped here.

use super::yaml::{self, Node};
use super::{Cwd, Extracted, Extraction, Shell, SourceError};
use crate::scan::location::MappedText;

const SCRIPT_KEYS: [&str; 3] = ["before_script", "script", "after_script"];

pub fn extract(text: &str) -> Result<Extraction, SourceError> {
    let mut out = Extraction::default();
    for doc in yaml::load(text)? {
        for (key, value) in doc.entries() {
            if SCRIPT_KEYS.contains(&key.as_str()) {
                push_script(text, value, key.clone(), &mut out);
                continue;
            }
            for script_key in SCRIPT_KEYS {
                if let Some(script) = value.get(script_key) {
                    push_script(text, script, format!("{key}.{script_key}"), &mut out);
                }
            }
        }
    }
    Ok(out)
}

fn push_script(text: &str, node: &Node, origin: String, out: &mut Extraction) {
    let mut lines = Vec::new();
    flatten(text, node, 0, &mut lines);
    let mut command = MappedText::new();
    for line in lines {
        if !command.is_empty() {
            command.push_synthetic(line.start(), "\n");
        }
        command.push_mapped(&line);
    }
    out.commands.push(Extracted {
        shell: Shell::Posix,
        command,
        cwd: Cwd::Root,
        origin,
        setting: None,
    });
}

/// GitLab allows lists nested up to ten levels deep.
fn flatten(text: &str, node: &Node, depth: usize, lines: &mut Vec<MappedText>) {
    match node {
        Node::Sequence(items) if depth < 10 => {
            for item in items {
                flatten(text, item, depth + 1, lines);
            }
        }
        Node::Scalar { .. } => lines.extend(node.mapped(text)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::location::LineIndex;

    #[test]
    fn job_scripts_are_scripts() {
        let src = "\
stages: [test]
variables:
  X: y
default:
  before_script:
    - echo setup
.base:
  script: make lint
test:
  stage: test
  script:
    - cargo test
    - - nested one
      - |
        multi
        line
  after_script:
    - !reference [.base, script]
";
        let e = extract(src).unwrap();
        let got: Vec<(&str, &str)> = e
            .commands
            .iter()
            .map(|c| (c.origin.as_str(), c.command.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("default.before_script", "echo setup"),
                (".base.script", "make lint"),
                ("test.script", "cargo test\nnested one\nmulti\nline\n"),
                ("test.after_script", ""),
            ]
        );
        let script = &e.commands[2].command;
        let idx = LineIndex::new(src);
        let line =
            |needle: &str| idx.position(script.origin(script.as_str().find(needle).unwrap()));
        assert_eq!(line("nested").line, 13);
        assert_eq!(line("line\n").line, 16);
        assert_eq!(line("line\n").column, 9);
    }
}
