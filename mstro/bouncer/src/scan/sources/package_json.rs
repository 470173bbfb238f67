//! `package.json`: every entry of `"scripts"`, which npm, yarn and pnpm run with `sh -c`
//! in the package's directory (including `pre*`/`post*` and lifecycle scripts such as
//! `postinstall`, which run on `npm install` without being asked for).

use super::json::{self, Json};
use super::{Cwd, Extracted, Extraction, Shell, SourceError};
use crate::scan::location::MappedText;

pub fn extract(text: &str) -> Result<Extraction, SourceError> {
    let doc = json::parse(&MappedText::verbatim(0, text))
        .map_err(|e| SourceError::at(e.offset, format!("invalid JSON: {}", e.message)))?;
    let mut out = Extraction::default();
    if let Some(Json::Object(scripts)) = doc.get("scripts") {
        for (name, value) in scripts {
            if let Json::String(command) = value {
                out.commands.push(Extracted {
                    shell: Shell::Posix,
                    command: command.clone(),
                    cwd: Cwd::FileDir,
                    origin: format!("scripts.{name}"),
                    setting: None,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_with_their_positions() {
        let src = "{\n  \"name\": \"x\",\n  \"scripts\": {\n    \"build\": \"tsc\",\n    \"clean\": \"rm -rf \\\"$HOME\\\"\"\n  },\n  \"config\": {\"scripts\": \"no\"}\n}\n";
        let e = extract(src).unwrap();
        let got: Vec<(&str, &str)> = e
            .commands
            .iter()
            .map(|c| (c.origin.as_str(), c.command.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("scripts.build", "tsc"),
                ("scripts.clean", "rm -rf \"$HOME\"")
            ]
        );
        let clean = &e.commands[1].command;
        let home = clean.as_str().find("$HOME").unwrap();
        assert_eq!(&src[clean.origin(home)..clean.origin(home) + 5], "$HOME");
    }

    #[test]
    fn broken_json_is_an_error() {
        let e = extract("{\"scripts\": {\"a\": \"b\",}}").unwrap_err();
        assert_eq!(e.offset, Some(22));
    }
}
