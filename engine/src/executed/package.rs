//! The `package.json` scripts a package manager runs: `npm test` runs `pretest`, `test`
//! and `posttest`; `npm run build` the same around `build`; `npm install` the
//! project's install lifecycle.

use crate::shell::Word;

/// Options before the command that take no value (`npm --silent test`).
const FLAGS: &[&str] = &[
    "-s",
    "--silent",
    "-q",
    "--quiet",
    "-d",
    "--verbose",
    "--if-present",
    "--color",
    "--no-color",
    "--foreground-scripts",
    "--offline",
    "--prefer-offline",
    "-y",
    "--yes",
];

/// Options that run the scripts of another package (`npm --prefix dir test`).
const ELSEWHERE: &[&str] = &[
    "--prefix",
    "-C",
    "--dir",
    "--cwd",
    "-w",
    "--workspace",
    "--workspaces",
    "-ws",
    "--filter",
    "-F",
    "-r",
    "--recursive",
    "--global",
    "-g",
];

/// The scripts, in order, that `program args` runs from the `package.json` of its
/// directory; `None` when it runs none of them, `Err` when which package's scripts it
/// runs, or which script, is not known from the words (`npm --prefix dir test`, an
/// option before the command that may take a value).
pub(crate) fn scripts_run(program: &str, args: &[Word]) -> Option<Result<Vec<String>, String>> {
    if !matches!(program, "npm" | "pnpm" | "yarn" | "bun") {
        return None;
    }
    let mut words: Vec<&str> = Vec::new();
    for w in args {
        let t = w.text.as_str();
        if t == "--" {
            break;
        }
        if t == "--ignore-scripts" {
            return None;
        }
        let option = t.split('=').next().unwrap_or(t);
        if ELSEWHERE.contains(&option) {
            return Some(Err(format!("`{t}` runs the scripts of another package")));
        }
        if t.starts_with('-') {
            // Before the command, an option that may take a value hides which word
            // the command is; after it, options go to the script.
            if words.is_empty() && !FLAGS.contains(&t) && !t.contains('=') {
                return Some(Err(format!("the option `{t}` may take the next word")));
            }
            continue;
        }
        words.push(t);
    }
    let name = match (program, words.as_slice()) {
        (_, ["run" | "run-script" | "rum" | "urn", name, ..]) => *name,
        // The project's own install lifecycle (installing named packages runs theirs,
        // which are not on this disk yet).
        ("yarn", []) | (_, ["install" | "i" | "ci"]) => {
            return Some(Ok([
                "preinstall",
                "install",
                "postinstall",
                "prepublish",
                "preprepare",
                "prepare",
                "postprepare",
            ]
            .map(str::to_owned)
            .to_vec()));
        }
        ("bun", [..]) => return None,
        (_, ["test" | "t" | "tst"] | ["test" | "t" | "tst", ..]) => "test",
        (_, ["start", ..]) => "start",
        (_, ["stop", ..]) => "stop",
        (_, ["restart", ..]) => "restart",
        // `yarn build`, `pnpm build`: an unknown command runs the script of that name.
        ("yarn" | "pnpm", [name, ..]) if !BUILTIN.contains(name) => *name,
        _ => return None,
    };
    if name.contains(['$', '*', '?', '`']) {
        return Some(Err(format!(
            "the script `{name}` is only known at run time"
        )));
    }
    Some(Ok(vec![
        format!("pre{name}"),
        name.to_owned(),
        format!("post{name}"),
    ]))
}

/// Commands of yarn and pnpm that are their own, not a script's name.
const BUILTIN: [&str; 40] = [
    "add",
    "audit",
    "bin",
    "cache",
    "config",
    "create",
    "dedupe",
    "dlx",
    "exec",
    "why",
    "global",
    "help",
    "import",
    "info",
    "init",
    "install",
    "i",
    "link",
    "list",
    "ls",
    "login",
    "logout",
    "outdated",
    "pack",
    "patch",
    "publish",
    "rebuild",
    "remove",
    "rm",
    "root",
    "search",
    "set",
    "store",
    "unlink",
    "up",
    "update",
    "upgrade",
    "version",
    "workspace",
    "workspaces",
];

/// The scripts named `names` in the text of a `package.json`, in order: `(name, command)`.
/// `Err` when it is not a JSON object.
pub(crate) fn scripts_in(json: &str, names: &[String]) -> Result<Vec<(String, String)>, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("it is not valid JSON ({e})"))?;
    let scripts = value.get("scripts").and_then(|s| s.as_object());
    let mut out = Vec::new();
    for name in names {
        match scripts.and_then(|s| s.get(name)) {
            Some(serde_json::Value::String(cmd)) => out.push((name.clone(), cmd.clone())),
            Some(_) => return Err(format!("its script `{name}` is not a string")),
            None => {}
        }
    }
    Ok(out)
}

/// Every script name of a `package.json`, in file order; none when it is not JSON.
pub(crate) fn script_names(json: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| {
            v.get("scripts")
                .and_then(|s| s.as_object())
                .map(|o| o.keys().cloned().collect())
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cmd: &str) -> Option<Vec<String>> {
        let words = Word::literals(cmd);
        scripts_run(&words[0].text, &words[1..]).and_then(Result::ok)
    }

    #[test]
    fn each_manager_runs_its_scripts() {
        let around = |n: &str| Some(vec![format!("pre{n}"), n.to_owned(), format!("post{n}")]);
        assert_eq!(run("npm test"), around("test"));
        assert_eq!(run("npm run build --silent"), around("build"));
        assert_eq!(run("pnpm build"), around("build"));
        assert_eq!(run("yarn lint"), around("lint"));
        assert_eq!(run("bun run dev"), around("dev"));
        assert_eq!(run("npm start"), around("start"));
        assert_eq!(run("npm ci").map(|v| v.len()), Some(7));
        assert_eq!(run("npm test --coverage"), around("test"));
        assert_eq!(run("npm --silent test"), around("test"));
        assert_eq!(run("npm --ignore-scripts ci"), None);
        for elsewhere in [
            "npm --prefix sub test",
            "npm --prefix=sub test",
            "pnpm -C sub test",
            "yarn --cwd sub test",
            "npm test --workspace sub",
            "npm --loglevel silent test",
        ] {
            let words = Word::literals(elsewhere);
            assert!(
                matches!(scripts_run(&words[0].text, &words[1..]), Some(Err(_))),
                "{elsewhere}"
            );
        }
        assert_eq!(run("npm install left-pad"), None);
        assert_eq!(run("yarn add left-pad"), None);
        assert_eq!(run("bun test"), None);
        assert_eq!(run("bun install").map(|v| v.len()), Some(7));
        assert_eq!(run("pnpm why x"), None);
    }

    #[test]
    fn scripts_are_read_in_order() {
        let json = r#"{"scripts": {"test": "jest", "pretest": "tsc", "build": "x"}}"#;
        let names = ["pretest", "test", "posttest"].map(str::to_owned);
        assert_eq!(
            scripts_in(json, &names).unwrap(),
            vec![
                ("pretest".into(), "tsc".into()),
                ("test".into(), "jest".into())
            ]
        );
        assert!(scripts_in("{", &names).is_err());
        assert!(scripts_in(r#"{"scripts":{"test":1}}"#, &names).is_err());
    }
}
