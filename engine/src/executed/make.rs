//! The recipes `make` runs, judged: the Makefile (and the files it includes by a
//! literal name) read, the goals and their prerequisites planned by the extractor
//! `scan` uses too ([`crate::extract::makefile`]), and each command judged in the
//! directory make runs in.

use std::path::Path;

use super::judge::{FileVerdict, line_of};
use super::tasks::TargetRun;
use crate::disk::read_text as read_bounded;
use crate::engine::Evaluation;
use crate::extract::makefile;
use crate::verdict::Verdict;

/// Most makefiles read for one `make`, the Makefile included.
const MAX_MAKEFILES: usize = 8;

/// A piece of the text make reads: `len` bytes at `start` in the whole are the bytes
/// at `offset` in the file `file`.
struct Segment {
    start: usize,
    len: usize,
    file: usize,
    offset: usize,
}

/// The text make reads, and where each piece came from.
#[derive(Default)]
struct Whole {
    text: String,
    segments: Vec<Segment>,
    /// The files read: as shown, and their text.
    files: Vec<(String, String)>,
}

impl Whole {
    fn push(&mut self, file: usize, offset: usize, piece: &str) {
        self.segments.push(Segment {
            start: self.text.len(),
            len: piece.len(),
            file,
            offset,
        });
        self.text.push_str(piece);
    }

    /// `file:line` of a byte of the whole text.
    fn place(&self, at: usize) -> String {
        let seg = self
            .segments
            .iter()
            .rev()
            .find(|s| at >= s.start)
            .or(self.segments.first());
        let Some(seg) = seg else {
            return String::new();
        };
        let (shown, text) = &self.files[seg.file];
        let offset = seg.offset + (at - seg.start).min(seg.len);
        format!("{shown}:{}", line_of(text, offset))
    }
}

/// Judge what `make` runs from the Makefile at `path` (`shown` as the command names
/// it), whose text is `text`.
pub(crate) fn judge_make(
    path: &Path,
    shown: &str,
    text: &str,
    run: &TargetRun,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let unreadable = |why: String| {
        vec![FileVerdict::Unreadable {
            shown: format!("`{shown}`"),
            why,
        }]
    };
    let mut whole = Whole::default();
    let mut count = 1;
    if let Err(why) = splice(path, shown, text, 0, &mut whole, &mut count) {
        return unreadable(why);
    }
    let plan = if run.every {
        makefile::plan_every(&whole.text, &run.vars, &run.env)
    } else {
        makefile::plan(&whole.text, &run.goals, &run.vars, &run.env)
    };
    let plan = match plan {
        Ok(p) => p,
        Err(why) => return unreadable(why),
    };
    if let Some(shell) = &plan.shell {
        let program = shell.split_whitespace().next().unwrap_or("");
        let name = Path::new(program)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        if !matches!(
            super::target::shell_dialect(name),
            super::target::RunsAs::Shell
        ) {
            return unreadable(format!(
                "its recipes run in `{shell}`, which the bouncer does not read"
            ));
        }
    }
    let dir = run.dir.display().to_string();
    plan.commands
        .into_iter()
        .map(|c| {
            let evaluation = judge(c.command.as_str(), Some(&dir));
            let at = if evaluation.judgement.verdict == Verdict::Allow {
                c.command.start()
            } else {
                c.command.origin(evaluation.judgement.span.start)
            };
            let what = match &c.target {
                Some(t) => format!("the `{t}` recipe"),
                None => format!("`{}`", c.origin),
            };
            FileVerdict::Judged {
                shown: format!("{what} at `{}`", whole.place(at)),
                line: None,
                evaluation: Box::new(evaluation),
            }
        })
        .collect()
}

/// Read `text`, the makefile at `path`, into `whole`, with each file it includes by a
/// literal name read in after the `include` line. A file included by a name only
/// known at run time, or too many of them, cannot be judged.
fn splice(
    path: &Path,
    shown: &str,
    text: &str,
    depth: usize,
    whole: &mut Whole,
    count: &mut usize,
) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file = whole.files.len();
    whole.files.push((shown.to_owned(), text.to_owned()));
    let mut at = 0;
    for (end, names, _optional) in makefile::includes(text) {
        whole.push(file, at, &text[at..end]);
        if !whole.text.ends_with('\n') {
            whole.text.push('\n');
        }
        at = end;
        for name in names {
            if name.contains(['$', '*', '?', '[', '`']) {
                return Err(format!(
                    "`{shown}` includes `{name}`, a file only known at run time"
                ));
            }
            let included = dir.join(&name);
            let text = match read_bounded(&included) {
                Ok(Some(t)) => t,
                // A missing file is skipped (`-include`), or stops make, or is made
                // first by a rule of the plan, which is judged anyway.
                Ok(None) => continue,
                Err(e) => return Err(format!("`{name}`, which it includes: {e}")),
            };
            *count += 1;
            if *count > MAX_MAKEFILES || depth >= 3 {
                return Err(format!("it includes more than {MAX_MAKEFILES} makefiles"));
            }
            let name_shown = match Path::new(shown).parent() {
                Some(p) if !p.as_os_str().is_empty() => format!("{}/{name}", p.display()),
                _ => name.clone(),
            };
            splice(&included, &name_shown, &text, depth + 1, whole, count)?;
            if !whole.text.ends_with('\n') {
                whole.text.push('\n');
            }
        }
    }
    whole.push(file, at, &text[at..]);
    Ok(())
}
