//! The tree-sitter parser a walk uses, kept per thread between walks: building one
//! (`ts_parser_new` and loading the grammar) cost about a twentieth of judging a typical
//! command, and a `check --jsonl` run or the workspace judges thousands on one thread.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

use tree_sitter::Parser;

thread_local! {
    static SPARE: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// A bash parser, handed back to its thread when dropped. A walk inside another walk
/// (a file the command runs) finds none spare and builds its own.
pub(super) struct BashParser(Option<Parser>);

impl BashParser {
    pub fn take() -> BashParser {
        let spare = SPARE.with(|s| s.borrow_mut().take());
        let parser = match spare {
            Some(mut p) => {
                // A parse stopped part way (a timeout) leaves state behind.
                p.reset();
                p
            }
            None => {
                let mut p = Parser::new();
                p.set_language(&tree_sitter_bash::LANGUAGE.into())
                    .expect("the bundled tree-sitter-bash grammar matches the tree-sitter version");
                p
            }
        };
        BashParser(Some(parser))
    }
}

impl Deref for BashParser {
    type Target = Parser;
    fn deref(&self) -> &Parser {
        self.0.as_ref().expect("present until dropped")
    }
}

impl DerefMut for BashParser {
    fn deref_mut(&mut self) -> &mut Parser {
        self.0.as_mut().expect("present until dropped")
    }
}

impl Drop for BashParser {
    fn drop(&mut self) {
        let parser = self.0.take();
        // During thread teardown the slot may be gone already; the parser is then freed.
        let _ = SPARE.try_with(|s| {
            if let Ok(mut slot) = s.try_borrow_mut() {
                *slot = parser;
            }
        });
    }
}
