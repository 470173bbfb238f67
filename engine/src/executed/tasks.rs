//! Task runners: `make`, `just` and `task` (go-task) run the recipes of a file in
//! their directory. Which file, which targets and which variables are set is read
//! from the command line here; what the recipes run, from the file (see `judge`).

use std::path::{Path, PathBuf};

use super::target::{Runs, RunsAs};
use crate::shell::{Invocation, Word};

/// A task runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tool {
    Make,
    Just,
    Task,
}

/// What a task runner is asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TargetRun {
    pub tool: Tool,
    /// The targets (recipes, tasks) named, in order; none for the default one. For
    /// `just`, the words after the recipes (their arguments) are kept in order too.
    pub goals: Vec<String>,
    /// `NAME=value` on the command line (`None`: only known at run time).
    pub vars: Vec<(String, Option<String>)>,
    /// `NAME=value` in the environment of the command.
    pub env: Vec<(String, Option<String>)>,
    /// Where the recipes run.
    pub dir: PathBuf,
    /// Every recipe (task) of the file, not the goals: what a file written to be run
    /// may run, whichever target is asked for.
    pub every: bool,
}

impl TargetRun {
    /// Every recipe of the file `tool` reads, run in `dir`: how a written file is judged.
    pub(crate) fn every(tool: Tool, dir: PathBuf) -> TargetRun {
        TargetRun {
            tool,
            goals: Vec::new(),
            vars: Vec::new(),
            env: Vec::new(),
            dir,
            every: true,
        }
    }
}

/// Options of GNU make that take no value.
const MAKE_FLAGS: &[&str] = &[
    "--always-make",
    "--ignore-errors",
    "--keep-going",
    "--just-print",
    "--dry-run",
    "--recon",
    "--print-data-base",
    "--question",
    "--no-builtin-rules",
    "--no-builtin-variables",
    "--silent",
    "--quiet",
    "--no-silent",
    "--stop",
    "--no-keep-going",
    "--touch",
    "--print-directory",
    "--no-print-directory",
    "--warn-undefined-variables",
    "--trace",
    "--check-symlink-times",
    "--debug",
    "--jobs",
    "--load-average",
    "--max-load",
    "--output-sync",
    "--shuffle",
];

/// Options of GNU make that take a value (the next word, or after `=`).
const MAKE_VALUED: &[&str] = &[
    "--directory",
    "--file",
    "--makefile",
    "--include-dir",
    "--old-file",
    "--assume-old",
    "--what-if",
    "--new-file",
    "--assume-new",
];

/// The file a task runner runs, and what of it; `None` when `inv` is not one that
/// runs targets (`make --version`), `Err` when what it runs cannot be known from the
/// command line.
pub(crate) fn runs(inv: &Invocation) -> Option<Result<Runs, String>> {
    let tool = match inv.program.as_str() {
        "make" | "gmake" => Tool::Make,
        "just" => Tool::Just,
        "task" | "go-task" => Tool::Task,
        _ => return None,
    };
    let args = inv.args();
    let parsed = match tool {
        Tool::Make => make_args(args),
        Tool::Just => just_args(args),
        Tool::Task => task_args(args),
    };
    let Args {
        dirs,
        file,
        goals,
        vars,
    } = match parsed? {
        Ok(a) => a,
        Err(why) => return Some(Err(why)),
    };
    // Where it is not known (`scan` of a CI file, after `cd "$d"`), its file cannot be
    // located and the command's own rules judge it as before.
    let cwd = inv.cwd.as_deref()?;
    let mut dir = PathBuf::from(cwd);
    for d in dirs {
        dir = dir.join(d);
    }
    let located = match file {
        Some(f) => {
            let path = dir.join(&f);
            // `just -f dir/justfile` runs in the file's directory, as does `task -t`.
            if tool != Tool::Make
                && let Some(parent) = path.parent()
            {
                dir = parent.to_path_buf();
            }
            Some((path, f))
        }
        None => find_file(tool, &mut dir),
    };
    let Some((path, shown)) = located else {
        // No file: make only has its built-in rules (compiling `x.c` into `x`), and
        // `just` and `task` fail. Nothing the project wrote runs.
        return None;
    };
    let env = inv
        .env
        .iter()
        .map(|(n, v)| (n.clone(), (!v.contains(['$', '`'])).then(|| v.clone())))
        .collect();
    Some(Ok(Runs {
        path,
        shown,
        how: RunsAs::Targets(TargetRun {
            tool,
            goals,
            vars,
            env,
            dir,
            every: false,
        }),
    }))
}

/// Most directories `just` and `task` look up through for their file.
const MAX_UP: usize = 32;

/// The file `tool` reads when none is named: make's in `dir` only, `just`'s and
/// `task`'s in `dir` or the nearest directory above (which then becomes `dir`).
fn find_file(tool: Tool, dir: &mut PathBuf) -> Option<(PathBuf, String)> {
    let names: &[&str] = match tool {
        Tool::Make => &["GNUmakefile", "makefile", "Makefile"],
        Tool::Just => &["justfile", "Justfile", ".justfile", "JUSTFILE"],
        Tool::Task => &[
            "Taskfile.yml",
            "taskfile.yml",
            "Taskfile.yaml",
            "taskfile.yaml",
            "Taskfile.dist.yml",
            "taskfile.dist.yml",
            "Taskfile.dist.yaml",
            "taskfile.dist.yaml",
        ],
    };
    let mut at: &Path = dir;
    let mut up = String::new();
    for _ in 0..MAX_UP {
        if let Some(name) = names.iter().find(|n| crate::disk::exists(&at.join(n))) {
            let found = (at.join(name), format!("{up}{name}"));
            *dir = at.to_path_buf();
            return Some(found);
        }
        if tool == Tool::Make {
            return None;
        }
        at = at.parent()?;
        up.push_str("../");
    }
    None
}

/// What a task runner's command line says.
#[derive(Debug, Default, PartialEq, Eq)]
struct Args {
    /// `-C DIR` (make, cumulative), `-d DIR` (task), `-d DIR` (just).
    dirs: Vec<String>,
    file: Option<String>,
    goals: Vec<String>,
    vars: Vec<(String, Option<String>)>,
}

/// A word only known at run time, as an error.
fn known(w: &Word, what: &str) -> Result<String, String> {
    if w.unresolved || w.glob {
        Err(format!("the {what} `{}` is only known at run time", w.text))
    } else {
        Ok(w.text.clone())
    }
}

/// `NAME=value` as a variable of the command line.
fn variable(w: &Word) -> Option<(String, Option<String>)> {
    let (name, value) = w.text.split_once('=')?;
    let name = name.trim_end_matches([':', '+', '?', '!', ':']);
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    valid.then(|| (name.to_owned(), (!w.unresolved).then(|| value.to_owned())))
}

fn make_args(args: &[Word]) -> Option<Result<Args, String>> {
    let mut a = Args::default();
    let mut files = Vec::new();
    let mut i = 0;
    let mut options = true;
    while i < args.len() {
        let w = &args[i];
        i += 1;
        let t = w.text.as_str();
        if options && t == "--" {
            options = false;
            continue;
        }
        if options && t.starts_with("--") {
            let (name, value) = match t.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (t, None),
            };
            match name {
                "--help" | "--version" => return None,
                "--environment-overrides" => {
                    return Some(Err(
                        "`--environment-overrides` lets the environment set any variable".into(),
                    ));
                }
                "--eval" => return Some(Err("`--eval` adds makefile text".into())),
                _ if MAKE_FLAGS.contains(&name) => {}
                _ if MAKE_VALUED.contains(&name) => {
                    let value = match value {
                        Some(v) => v,
                        None => match args.get(i) {
                            Some(v) => {
                                i += 1;
                                match known(v, "value") {
                                    Ok(v) => v,
                                    Err(e) => return Some(Err(e)),
                                }
                            }
                            None => return Some(Err(format!("`{name}` has no value"))),
                        },
                    };
                    if w.unresolved {
                        return Some(Err(format!(
                            "the value of `{name}` is only known at run time"
                        )));
                    }
                    match name {
                        "--directory" => a.dirs.push(value),
                        "--file" | "--makefile" => files.push(value),
                        _ => {}
                    }
                }
                _ => return Some(Err(format!("the bouncer does not know make's `{t}`"))),
            }
            continue;
        }
        if options && t.starts_with('-') && t.len() > 1 {
            let chars: Vec<char> = t[1..].chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                let rest: String = chars[k..].iter().collect();
                match c {
                    'b' | 'm' | 'B' | 'd' | 'i' | 'k' | 'n' | 'p' | 'q' | 'r' | 'R' | 's' | 'S'
                    | 't' | 'w' | 'L' => {}
                    'v' | 'h' => return None,
                    'e' => {
                        return Some(Err("`-e` lets the environment set any variable".into()));
                    }
                    'E' => return Some(Err("`-E` adds makefile text".into())),
                    'O' => break,
                    'j' | 'l' => {
                        // An optional number, glued or the next word.
                        if rest.is_empty()
                            && args.get(i).is_some_and(|n| n.text.parse::<f64>().is_ok())
                        {
                            i += 1;
                        }
                        break;
                    }
                    'C' | 'f' | 'I' | 'o' | 'W' => {
                        let value = if rest.is_empty() {
                            match args.get(i) {
                                Some(v) => {
                                    i += 1;
                                    match known(v, "value") {
                                        Ok(v) => v,
                                        Err(e) => return Some(Err(e)),
                                    }
                                }
                                None => return Some(Err(format!("`-{c}` has no value"))),
                            }
                        } else if w.unresolved {
                            return Some(Err(format!(
                                "the value of `-{c}` is only known at run time"
                            )));
                        } else {
                            rest
                        };
                        match c {
                            'C' => a.dirs.push(value),
                            'f' => files.push(value),
                            // Included makefiles found through `-I` are not read.
                            'I' => {
                                return Some(Err(format!(
                                    "`-I {value}` may find makefiles it includes elsewhere"
                                )));
                            }
                            _ => {}
                        }
                        break;
                    }
                    _ => return Some(Err(format!("the bouncer does not know make's `-{c}`"))),
                }
            }
            continue;
        }
        if let Some(var) = variable(w) {
            a.vars.push(var);
            continue;
        }
        match known(w, "target") {
            Ok(t) => a.goals.push(t),
            Err(e) => return Some(Err(e)),
        }
    }
    match files.len() {
        0 => {}
        1 => a.file = files.pop(),
        _ => return Some(Err("it reads several makefiles".into())),
    }
    if let Some(f) = &a.file
        && (f == "-" || f.starts_with("/dev/") || f.starts_with("/proc/"))
    {
        return Some(Err("it reads the makefile from a stream".into()));
    }
    Some(Ok(a))
}

fn just_args(args: &[Word]) -> Option<Result<Args, String>> {
    let mut a = Args::default();
    let mut i = 0;
    let mut options = true;
    let value = |i: &mut usize, name: &str| -> Result<String, String> {
        let v = args
            .get(*i)
            .ok_or_else(|| format!("`{name}` has no value"))?;
        *i += 1;
        known(v, "value")
    };
    while i < args.len() {
        let w = &args[i];
        i += 1;
        let t = w.text.as_str();
        if options && t == "--" {
            options = false;
            continue;
        }
        if options && t.starts_with('-') && t.len() > 1 {
            let (name, inline) = match t.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
                _ => (t, None),
            };
            let take = |i: &mut usize| match &inline {
                Some(v) => Ok(v.clone()),
                None => value(i, name),
            };
            match name {
                // Listing, showing, formatting: no recipe runs.
                "-l" | "--list" | "--summary" | "-s" | "--show" | "--dump" | "--fmt"
                | "--variables" | "--groups" | "-h" | "--help" | "-V" | "--version" | "--init"
                | "--completions" | "--changelog" | "--man" | "--request" | "--json" => {
                    return None;
                }
                "-n" | "--dry-run" | "-q" | "--quiet" | "-v" | "--verbose" | "--yes"
                | "--no-deps" | "--unstable" | "--timestamp" | "--explain" | "--check"
                | "--no-highlight" | "--highlight" | "--unsorted" | "-u" | "--one"
                | "--allow-missing" | "--no-dotenv" | "--ceiling" | "--global-justfile" | "-g" => {
                    if matches!(name, "-g" | "--global-justfile") {
                        return Some(Err("it runs the global justfile".into()));
                    }
                    if name == "--ceiling"
                        && let Err(e) = take(&mut i)
                    {
                        return Some(Err(e));
                    }
                }
                "--color" | "--dotenv-filename" | "--dotenv-path" | "-E" | "--list-heading"
                | "--list-prefix" | "--timestamp-format" | "--command-color" => {
                    if let Err(e) = take(&mut i) {
                        return Some(Err(e));
                    }
                }
                "-f" | "--justfile" => match take(&mut i) {
                    Ok(f) => a.file = Some(f),
                    Err(e) => return Some(Err(e)),
                },
                "-d" | "--working-directory" => match take(&mut i) {
                    Ok(d) => a.dirs.push(d),
                    Err(e) => return Some(Err(e)),
                },
                "--set" => {
                    let name = match take(&mut i) {
                        Ok(n) => n,
                        Err(e) => return Some(Err(e)),
                    };
                    let v = args.get(i).map(|v| (!v.unresolved).then(|| v.text.clone()));
                    i += 1;
                    a.vars.push((name, v.flatten()));
                }
                "--shell" | "--shell-arg" | "--shell-command" | "-c" | "--command"
                | "--evaluate" | "--choose" | "--chooser" | "-e" | "--edit" => {
                    return Some(Err(format!(
                        "`{name}` runs something the bouncer does not read"
                    )));
                }
                _ => return Some(Err(format!("the bouncer does not know just's `{name}`"))),
            }
            continue;
        }
        if a.goals.is_empty()
            && let Some(var) = variable(w)
        {
            a.vars.push(var);
            continue;
        }
        if a.goals.is_empty() && t.contains(['/', ':']) {
            return Some(Err(format!(
                "`{t}` runs a recipe of another justfile or module"
            )));
        }
        // Recipes and their arguments: which is which, the justfile says.
        a.goals.push(if w.unresolved || w.glob {
            format!("\u{0}{t}")
        } else {
            t.to_owned()
        });
    }
    if a.file.is_some() && !a.dirs.is_empty() {
        // With both, recipes run in the directory given, the file is read as named.
        return Some(Err(
            "it names both a justfile and a working directory".into()
        ));
    }
    Some(Ok(a))
}

fn task_args(args: &[Word]) -> Option<Result<Args, String>> {
    let mut a = Args::default();
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        i += 1;
        let t = w.text.as_str();
        if t == "--" {
            // What follows is `CLI_ARGS`, for the tasks' own commands.
            break;
        }
        if t.starts_with('-') && t.len() > 1 {
            let (name, inline) = match t.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (t, None),
            };
            let take = |i: &mut usize| -> Result<String, String> {
                if let Some(v) = &inline {
                    return Ok(v.clone());
                }
                let v = args
                    .get(*i)
                    .ok_or_else(|| format!("`{name}` has no value"))?;
                *i += 1;
                known(v, "value")
            };
            match name {
                "-l" | "--list" | "-a" | "--list-all" | "--summary" | "-i" | "--init"
                | "--status" | "--version" | "-h" | "--help" | "-j" | "--json" | "--completion" => {
                    return None;
                }
                "-f" | "--force" | "-p" | "--parallel" | "-s" | "--silent" | "-v" | "--verbose"
                | "-n" | "--dry" | "-y" | "--yes" | "-x" | "--exit-code" | "--color" | "-w"
                | "--watch" | "-F" | "--failfast" | "--no-status" | "--insecure" | "--offline"
                | "--download" => {}
                "-C"
                | "--concurrency"
                | "-o"
                | "--output"
                | "--output-group-begin"
                | "--output-group-end"
                | "--interval"
                | "-I"
                | "--sort"
                | "--timeout"
                | "--cacert"
                | "--cert"
                | "--cert-key" => {
                    if let Err(e) = take(&mut i) {
                        return Some(Err(e));
                    }
                }
                "-t" | "--taskfile" => match take(&mut i) {
                    Ok(f) => a.file = Some(f),
                    Err(e) => return Some(Err(e)),
                },
                "-d" | "--dir" => match take(&mut i) {
                    Ok(d) => a.dirs.push(d),
                    Err(e) => return Some(Err(e)),
                },
                "-g" | "--global" => return Some(Err("it runs the global Taskfile".into())),
                _ => return Some(Err(format!("the bouncer does not know task's `{name}`"))),
            }
            continue;
        }
        if let Some(var) = variable(w) {
            a.vars.push(var);
            continue;
        }
        match known(w, "task") {
            Ok(t) => a.goals.push(t),
            Err(e) => return Some(Err(e)),
        }
    }
    if let Some(f) = &a.file
        && f.contains("://")
    {
        return Some(Err("it runs a remote Taskfile".into()));
    }
    Some(Ok(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(cmd: &str) -> Option<Result<Args, String>> {
        let words = Word::literals(cmd);
        let args = &words[1..];
        match words[0].text.as_str() {
            "make" => make_args(args),
            "just" => just_args(args),
            _ => task_args(args),
        }
    }

    fn ok(cmd: &str) -> Args {
        parse(cmd).unwrap().unwrap()
    }

    #[test]
    fn make_options_and_targets() {
        let a = ok("make -j8 -C sub -f build.mk clean all V=1");
        assert_eq!(a.dirs, vec!["sub"]);
        assert_eq!(a.file.as_deref(), Some("build.mk"));
        assert_eq!(a.goals, vec!["clean", "all"]);
        assert_eq!(a.vars, vec![("V".into(), Some("1".into()))]);
        assert_eq!(ok("make -j 4 test").goals, vec!["test"]);
        assert_eq!(ok("make -j test").goals, vec!["test"]);
        assert_eq!(
            ok("make -sk --no-print-directory").goals,
            Vec::<String>::new()
        );
        assert_eq!(ok("make --file=x.mk").file.as_deref(), Some("x.mk"));
        assert_eq!(ok("make -Csub").dirs, vec!["sub"]);
        assert_eq!(parse("make --version"), None);
        for bad in [
            "make -e x",
            "make --eval=x",
            "make -f a -f b",
            "make -Q",
            "make -f -",
        ] {
            assert!(matches!(parse(bad), Some(Err(_))), "{bad}");
        }
    }

    #[test]
    fn just_and_task_options() {
        let a = ok("just --justfile ci/justfile build release");
        assert_eq!(a.file.as_deref(), Some("ci/justfile"));
        assert_eq!(a.goals, vec!["build", "release"]);
        assert_eq!(ok("just -d sub test").dirs, vec!["sub"]);
        assert_eq!(parse("just --list"), None);
        assert!(matches!(parse("just --evaluate"), Some(Err(_))));
        let a = ok("task -t ci/Taskfile.yml -d sub build X=1 -- --verbose");
        assert_eq!(a.file.as_deref(), Some("ci/Taskfile.yml"));
        assert_eq!(a.dirs, vec!["sub"]);
        assert_eq!(a.goals, vec!["build"]);
        assert_eq!(a.vars, vec![("X".into(), Some("1".into()))]);
        assert_eq!(parse("task --list"), None);
        assert!(matches!(parse("task --global x"), Some(Err(_))));
    }
}
