//! Jupyter notebooks: code written to be run, cell by cell. A code cell is the
//! kernel's language (Python unless the notebook says otherwise), except what IPython
//! hands to a shell: `!cmd` lines (and `x = !cmd`), `%sx`/`%system`, `%pip`/`%conda`,
//! `%run file`, and a cell under `%%bash`, `%%sh` or `%%script bash`. Each part is
//! judged as what it is, with the cell's own line numbers.

use std::path::Path;

use serde_json::Value;

use super::judge::{FileVerdict, judge_text};
use super::target::{Runs, RunsAs};
use crate::engine::Evaluation;
use crate::shell::Language;

/// A code cell split by who runs each line: the kernel, or a shell. Lines that belong
/// to the other part are left blank, so that line numbers stay the cell's.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct CellCode {
    pub kernel: String,
    pub shell: String,
    /// A cell magic the engine does not read (`%%writefile`, `%%perl`, ...).
    pub unread: Option<String>,
}

/// Cell magics whose body is still the kernel's code.
const KERNEL_CELL_MAGICS: &[&str] = &["time", "timeit", "capture", "prun", "debug"];

/// Cell magics whose body is a shell script.
const SHELL_CELL_MAGICS: &[&str] = &["bash", "sh", "system"];

/// Split one cell's source.
pub(crate) fn split_cell(source: &str) -> CellCode {
    let mut out = CellCode::default();
    let mut lines = source.lines();
    let first = source.lines().next().unwrap_or("").trim_start();
    if let Some(magic) = first.strip_prefix("%%") {
        let mut words = magic.split_whitespace();
        let name = words.next().unwrap_or("");
        let shell_body = SHELL_CELL_MAGICS.contains(&name)
            || name == "script" && words.next().is_some_and(is_posix_shell);
        if shell_body {
            lines.next();
            out.kernel.push('\n');
            out.shell.push('\n');
            for line in lines {
                out.shell.push_str(line);
                out.shell.push('\n');
                out.kernel.push('\n');
            }
            return out;
        }
        if !KERNEL_CELL_MAGICS.contains(&name) {
            out.unread = Some(format!("the IPython cell magic `%%{name}`"));
            return out;
        }
        lines.next();
        out.kernel.push('\n');
        out.shell.push('\n');
    }
    for line in lines {
        let (kernel, shell) = split_line(line);
        out.kernel.push_str(&kernel);
        out.kernel.push('\n');
        out.shell.push_str(&shell);
        out.shell.push('\n');
    }
    out
}

/// One line: `(kernel code, shell command)`, one of them blank.
fn split_line(line: &str) -> (String, String) {
    let code = line.trim_start();
    // `!cmd`, `!!cmd`, and `files = !ls` hand the rest of the line to a shell.
    if let Some(cmd) = code.strip_prefix('!') {
        return (String::new(), cmd.trim_start_matches('!').to_owned());
    }
    if let Some((target, rest)) = code.split_once('=')
        && let Some(cmd) = rest.trim_start().strip_prefix('!')
        && !target.trim_end().ends_with(['!', '<', '>', '='])
        && !rest.starts_with('=')
    {
        return (String::new(), cmd.trim_start_matches('!').to_owned());
    }
    if let Some(magic) = code.strip_prefix('%') {
        let (name, rest) = magic.split_once(char::is_whitespace).unwrap_or((magic, ""));
        let shell = match name {
            "sx" | "system" => rest.to_owned(),
            "pip" => format!("pip {rest}"),
            "conda" | "mamba" => format!("{name} {rest}"),
            // `%run x.py` runs the file as Python, `%run -m mod` a module.
            "run" => format!("python3 {rest}"),
            // Other line magics (`%cd`, `%env`, `%matplotlib`, `%load_ext`) set up the
            // session; none runs a program.
            _ => String::new(),
        };
        return (String::new(), shell);
    }
    (line.to_owned(), String::new())
}

fn is_posix_shell(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    matches!(base, "bash" | "sh" | "dash" | "zsh")
}

/// The kernel language a notebook's metadata names; Python when it names none.
fn kernel_language(notebook: &Value) -> RunsAs {
    let meta = &notebook["metadata"];
    let name = meta["kernelspec"]["language"]
        .as_str()
        .or_else(|| meta["language_info"]["name"].as_str())
        .unwrap_or("python")
        .to_ascii_lowercase();
    match name.as_str() {
        "python" | "python3" | "ipython" => RunsAs::Language(Language::Python),
        "javascript" | "typescript" => RunsAs::Language(Language::Javascript),
        "bash" | "sh" => RunsAs::Shell,
        other => RunsAs::Unread(format!("{other} (the notebook's kernel)")),
    }
}

/// A cell's source: a string, or a list of lines as Jupyter saves it.
fn source_of(cell: &Value) -> Option<String> {
    match &cell["source"] {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => Some(parts.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

/// Judge the code cells of a whole notebook (a Write of `*.ipynb`).
pub(crate) fn judge_notebook(
    path: &str,
    text: &str,
    cwd: Option<&str>,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let shown = shown_name(path);
    let notebook: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return vec![FileVerdict::Unreadable {
                shown: format!("`{shown}`"),
                why: format!("it is not a notebook the bouncer can read ({e})"),
            }];
        }
    };
    let kernel = kernel_language(&notebook);
    let Some(cells) = notebook["cells"].as_array() else {
        return vec![FileVerdict::Unreadable {
            shown: format!("`{shown}`"),
            why: "it has no `cells` list".to_owned(),
        }];
    };
    let mut out = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        if cell["cell_type"].as_str() != Some("code") {
            continue;
        }
        let Some(source) = source_of(cell) else {
            continue;
        };
        let label = format!("`{shown}` cell {}", i + 1);
        out.extend(judge_cell(path, &label, &kernel, &source, cwd, judge));
    }
    out
}

/// Judge one cell a NotebookEdit writes: the kernel's language from the notebook on
/// disk when it can be read, else Python.
pub(crate) fn judge_edited_cell(
    path: &str,
    source: &str,
    cwd: Option<&str>,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let kernel = crate::disk::read_text(Path::new(path))
        .ok()
        .flatten()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .map_or(RunsAs::Language(Language::Python), |nb| {
            kernel_language(&nb)
        });
    let label = format!("the cell of `{}`", shown_name(path));
    judge_cell(path, &label, &kernel, source, cwd, judge)
}

fn shown_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// `label` names the cell in reasons (`` `nb.ipynb` cell 3 ``).
fn judge_cell(
    path: &str,
    label: &str,
    kernel: &RunsAs,
    source: &str,
    cwd: Option<&str>,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let split = split_cell(source);
    let runs = |how: RunsAs| Runs {
        path: Path::new(path).to_path_buf(),
        shown: shown_name(path),
        how,
    };
    let mut out = Vec::new();
    if let Some(what) = split.unread {
        let how = RunsAs::Unread(what);
        out.extend(judge_text(&runs(how.clone()), how, "", cwd, judge));
        return labelled(out, label);
    }
    if !split.kernel.trim().is_empty() {
        out.extend(judge_text(
            &runs(kernel.clone()),
            kernel.clone(),
            &split.kernel,
            cwd,
            judge,
        ));
    }
    if !split.shell.trim().is_empty() {
        out.extend(judge_text(
            &runs(RunsAs::Shell),
            RunsAs::Shell,
            &split.shell,
            cwd,
            judge,
        ));
    }
    labelled(out, label)
}

/// The verdicts with the cell, not the notebook, named in their reasons.
fn labelled(verdicts: Vec<FileVerdict>, label: &str) -> Vec<FileVerdict> {
    verdicts
        .into_iter()
        .map(|v| match v {
            FileVerdict::Judged {
                line, evaluation, ..
            } => FileVerdict::Judged {
                shown: label.to_owned(),
                line,
                evaluation,
            },
            FileVerdict::Unreadable { why, .. } => FileVerdict::Unreadable {
                shown: label.to_owned(),
                why,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_escapes_and_magics_are_shell() {
        let cell = split_cell(
            "import os\n!rm -rf build\nfiles = !ls\n%pip install requests\n%matplotlib inline\n%run tidy.py\nprint(1)\n",
        );
        assert_eq!(cell.kernel, "import os\n\n\n\n\n\nprint(1)\n");
        assert_eq!(
            cell.shell,
            "\nrm -rf build\nls\npip install requests\n\npython3 tidy.py\n\n"
        );
        // Comparisons are not shell assignments.
        assert_eq!(split_cell("x = a != b\n").shell.trim(), "");
        assert_eq!(split_cell("ok = x == !y\n").shell.trim(), "");
    }

    #[test]
    fn cell_magics() {
        let bash = split_cell("%%bash\nrm -rf ~\n");
        assert_eq!(bash.shell, "\nrm -rf ~\n");
        assert_eq!(bash.kernel.trim(), "");
        assert_eq!(split_cell("%%script bash\nls\n").shell, "\nls\n");
        assert_eq!(split_cell("%%time\nx = 1\n").kernel, "\nx = 1\n");
        assert!(
            split_cell("%%writefile Makefile\nall:\n\trm -rf ~\n")
                .unread
                .is_some()
        );
        assert!(split_cell("%%script perl\nunlink 'x'\n").unread.is_some());
    }
}
