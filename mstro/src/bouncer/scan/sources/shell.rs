//! Shell scripts: the whole file is one command line for the engine.
//!
//! Judging the script as a whole (not line by line) keeps what the engine needs for
//! context: variables and functions defined earlier, heredocs, multi-line commands.
//! The engine's spans then point into the file directly.

use super::{Cwd, Extracted, Extraction, Shell};
use crate::bouncer::scan::location::MappedText;

pub fn extract(text: &str) -> Extraction {
    Extraction {
        commands: vec![Extracted {
            shell: Shell::Posix,
            command: MappedText::verbatim(0, text),
            cwd: Cwd::Root,
            origin: "script".to_owned(),
        }],
        flagged: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_script_is_one_command() {
        let e = extract("#!/bin/sh\nset -e\nmake\n");
        assert_eq!(e.commands.len(), 1);
        assert_eq!(e.commands[0].command.as_str(), "#!/bin/sh\nset -e\nmake\n");
        assert_eq!(e.commands[0].command.origin(10), 10);
    }
}
