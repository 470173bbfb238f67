//! Running a package of the project by its path: `npx ./tools/x`, `npx .`, `pnpm dlx
//! ./x`, `bunx ./x`, `npm exec ./x`, and the same with the package given by an option
//! (`npx -p ./tools/x cmd`, `npx --package=./x cmd`, `pnpm dlx -p ./x cmd`, `bunx -p ./x
//! cmd`) run the `bin` of that directory's `package.json`; `uvx --from ./pkg cmd` an
//! entry point of a local Python project, which is not read (`review`). A package named
//! from the registry is not on this disk, and stays judged by its name.

use std::path::Path;

use super::judge::{FileVerdict, by_first_line, judge_text};
use super::target::{Runs, RunsAs};
use crate::disk::read_text as read_bounded;
use crate::engine::Evaluation;
use crate::shell::{Invocation, Word};

/// Options of the npm family's runners that take no value.
const FLAGS: &[&str] = &[
    "-y",
    "--yes",
    "--no",
    "-q",
    "--quiet",
    "--silent",
    "-s",
    "--ignore-existing",
    "--prefer-offline",
    "--offline",
    "--bun",
    "--no-install",
];

/// Whether `word` names a directory rather than a registry package.
fn local(word: &str) -> bool {
    word == "."
        || word == ".."
        || word.starts_with("./")
        || word.starts_with("../")
        || word.starts_with('/')
        || word.starts_with("file:")
}

/// The local package `inv` runs, if any.
pub(crate) fn runs(inv: &Invocation) -> Option<Result<Runs, String>> {
    let args = inv.args();
    let words: &[Word] = match (inv.program.as_str(), args.first().map(|w| w.text.as_str())) {
        ("npx" | "bunx" | "pnpx", _) => args,
        ("pnpm" | "yarn", Some("dlx")) | ("npm", Some("exec" | "x")) => &args[1..],
        ("bun", Some("x")) => &args[1..],
        ("uvx", _) => args,
        ("uv", Some("tool")) if args.get(1).is_some_and(|w| w.text == "run") => &args[2..],
        _ => return None,
    };
    let python = matches!(inv.program.as_str(), "uvx" | "uv");
    let mut package: Option<&Word> = None;
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let t = w.text.as_str();
        i += 1;
        if t == "--" {
            package = package.or(words.get(i));
            break;
        }
        if let Some(v) = t
            .strip_prefix("--package=")
            .or_else(|| t.strip_prefix("--from="))
        {
            if local(v) || w.unresolved {
                return Some(located(inv, w, v, python));
            }
            continue;
        }
        if matches!(t, "-p" | "--package" | "--from" | "--with") {
            let v = words.get(i)?;
            i += 1;
            if local(&v.text) || v.unresolved {
                if t == "--with" {
                    return Some(Err(format!("it installs the local package `{}`", v.text)));
                }
                return Some(located(inv, v, &v.text, python));
            }
            continue;
        }
        if t.starts_with('-') {
            if FLAGS.contains(&t) || t.contains('=') {
                continue;
            }
            // An option that may take the next word: the package may be that word.
            if words.get(i).is_some_and(|n| local(&n.text)) {
                return Some(Err(format!("the option `{t}` may take the next word")));
            }
            continue;
        }
        package = Some(w);
        break;
    }
    let w = package?;
    if !local(&w.text) && !w.unresolved {
        return None;
    }
    Some(located(inv, w, &w.text, python))
}

/// The local package a package runner stripped as a wrapper runs: `npx ./tool`
/// leaves `./tool` as the program.
pub(crate) fn by_wrapper(inv: &Invocation) -> Option<Result<Runs, String>> {
    // A package given by an option (`npx -p ./tool run`, `uvx --from ./pkg cmd`): the
    // wrapper's option values are kept on the invocation.
    for (wrapper, option, value) in &inv.wrapper_options {
        let python = matches!(wrapper.as_str(), "uvx" | "uv");
        let names_package = match wrapper.as_str() {
            "npx" | "bunx" | "pnpx" | "pnpm" | "yarn" | "npm" => {
                matches!(option.as_str(), "-p" | "--package")
            }
            "uvx" | "uv" => matches!(option.as_str(), "--from" | "--with"),
            _ => false,
        };
        if !names_package || !(local(&value.text) || value.unresolved) {
            continue;
        }
        if option == "--with" {
            return Some(Err(format!(
                "it installs the local package `{}`, which the bouncer does not read",
                value.text
            )));
        }
        return Some(located(inv, value, &value.text, python));
    }
    let runner = inv.wrappers.last()?;
    if !matches!(
        runner.as_str(),
        "npx" | "bunx" | "pnpx" | "uvx" | "pnpm" | "yarn" | "npm" | "bun"
    ) {
        return None;
    }
    let w = inv.argv.first()?;
    (local(&w.text) || w.unresolved).then(|| located(inv, w, &w.text, runner == "uvx"))
}

fn located(inv: &Invocation, w: &Word, spec: &str, python: bool) -> Result<Runs, String> {
    if w.unresolved || w.glob {
        return Err(format!(
            "the package it runs, `{}`, is only known at run time",
            w.text
        ));
    }
    if python {
        return Err(format!(
            "it runs an entry point of the local Python project `{spec}`, which the bouncer does not read"
        ));
    }
    let dir = spec.strip_prefix("file:").unwrap_or(spec);
    let Some(cwd) = inv.cwd.as_deref() else {
        return Err(format!("where `{spec}` is, is only known at run time"));
    };
    let dir = Path::new(cwd).join(dir);
    Ok(Runs {
        path: dir.join("package.json"),
        shown: format!("{}/package.json", spec.trim_end_matches('/')),
        how: RunsAs::PackageBin,
    })
}

/// Judge the `bin` files of the `package.json` at `runs.path`, whose text is `text`,
/// each as a program run by its path.
pub(crate) fn judge_bins(
    runs: &Runs,
    text: &str,
    cwd: Option<&str>,
    judge: &mut dyn FnMut(&str, Option<&str>) -> Evaluation,
) -> Vec<FileVerdict> {
    let unreadable = |why: String| {
        vec![FileVerdict::Unreadable {
            shown: format!("`{}`", runs.shown),
            why,
        }]
    };
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return unreadable(format!("it is not valid JSON ({e})")),
    };
    let bins: Vec<String> = match value.get("bin") {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Object(o)) => o
            .values()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        // No `bin`: npx has nothing of this package to run.
        None => return Vec::new(),
        Some(_) => return unreadable("its `bin` is not a path".to_owned()),
    };
    let dir = runs.path.parent().unwrap_or(Path::new("/"));
    let package = runs.shown.trim_end_matches("package.json");
    let mut out = Vec::new();
    for bin in bins {
        let path = dir.join(&bin);
        let shown = format!("{package}{}", bin.trim_start_matches("./"));
        let text = match read_bounded(&path) {
            Ok(Some(t)) => t,
            Ok(None) => continue,
            Err(e) => {
                out.push(FileVerdict::Unreadable {
                    shown: format!("`{shown}`"),
                    why: e.to_string(),
                });
                continue;
            }
        };
        let how = by_first_line(&text);
        let bin_runs = Runs {
            path,
            shown,
            how: how.clone(),
        };
        out.extend(judge_text(&bin_runs, how, &text, cwd, judge));
    }
    out
}
