//! Compose files: each service's `command` and `entrypoint`.
//!
//! The list form is an argv (`["sh", "-c", "..."]` is judged as the script it runs);
//! the string form is judged as a shell command line, which is at least as strict as
//! Compose's own word splitting. Compose interpolates `${VAR}` from its environment
//! before the container starts; those stay as they are (values the engine does not
//! know), and `$$`, Compose's escape for a literal `$`, becomes `$`.

use super::yaml::{self, Node};
use super::{Cwd, Extracted, Extraction, Shell, SourceError, argv_command};
use crate::scan::location::MappedText;

pub fn extract(text: &str) -> Result<Extraction, SourceError> {
    let mut out = Extraction::default();
    for doc in yaml::load(text)? {
        for (name, service) in doc.get("services").map(Node::entries).unwrap_or_default() {
            for key in ["entrypoint", "command"] {
                let origin = format!("services.{name}.{key}");
                match service.get(key) {
                    Some(Node::Sequence(items)) => {
                        let argv: Vec<MappedText> = items
                            .iter()
                            .filter_map(|i| i.mapped(text))
                            .map(|w| unescape_dollars(&w))
                            .collect();
                        out.commands.extend(argv_command(&argv, Cwd::Root, origin));
                    }
                    Some(node @ Node::Scalar { .. }) => {
                        if let Some(command) = node.mapped(text) {
                            out.commands.push(Extracted {
                                shell: Shell::Posix,
                                command: unescape_dollars(&command),
                                cwd: Cwd::Root,
                                origin,
                                setting: None,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(out)
}

/// Compose's `$$` is a literal `$`.
fn unescape_dollars(text: &MappedText) -> MappedText {
    let s = text.as_str();
    let mut out = MappedText::new();
    let mut at = 0;
    while let Some(i) = s[at..].find("$$").map(|i| at + i) {
        out.push_slice(text, at..i + 1);
        at = i + 2;
    }
    out.push_slice(text, at..s.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_entrypoints() {
        let src = "\
services:
  web:
    image: nginx
    command: [\"nginx\", \"-g\", \"daemon off;\"]
  worker:
    entrypoint: [\"/bin/sh\", \"-c\"]
    command: echo $$HOME ${TAG}
  job:
    entrypoint:
      - sh
      - -c
      - rm -rf /data/$$X
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
                ("services.web.command", "nginx -g 'daemon off;'"),
                ("services.worker.entrypoint", "/bin/sh -c"),
                ("services.worker.command", "echo $HOME ${TAG}"),
                ("services.job.entrypoint", "rm -rf /data/$X"),
            ]
        );
        let rm = &e.commands[3].command;
        assert_eq!(&src[rm.start()..rm.start() + 2], "rm");
    }
}
