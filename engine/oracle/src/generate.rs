//! A grammar-based generator of bash commands, driven by a [`Choices`] source.
//!
//! The grammar covers what the shell model claims to read: every quoting and escaping
//! form, parameter expansions, command substitutions, brace expansion, globs against
//! the project's files, assignments, redirections in every position of a simple command,
//! pipelines, lists, subshells, groups, `if`/`for`/`while`/`case`, arithmetic, functions,
//! heredocs, here-strings, `eval`, `bash -c`/`sh -c` with positional arguments,
//! wrappers, `xargs`, `find -exec`, `IFS` splitting, namerefs, `printf -v` and `read`.
//!
//! The vocabulary is small on purpose (the programs and arguments rules care about:
//! `rm -rf /`, `~`, `$HOME`, `*.txt`, ...), so that most commands run something the engine
//! must see. Loops are bounded and functions never call themselves, so that commands
//! finish; the sandbox's time limit is there for when that reasoning is wrong.

use crate::choices::Choices;

/// Programs generated commands run. All of them are stubs that only record (except
/// `cat`, which runs for real: it feeds heredocs to shells).
pub const PROGRAMS: &[&str] = &[
    "rm", "ls", "git", "chmod", "cp", "mv", "touch", "mkdir", "grep", "curl", "tee", "cat",
    "python3", "make", "ln", "wget", "npm", "docker",
];

/// Every other program name a generated command may run (wrappers, shells, helpers).
pub const HELPERS: &[&str] = &[
    "bash", "sh", "env", "timeout", "nice", "nohup", "stdbuf", "setsid", "sudo", "doas", "xargs",
    "find", "echo", "printf", "true", "false", "time",
];

/// Argument texts (before quoting): what rules care about, plus words that stress
/// quoting (spaces, quotes, backslashes, `#`, `=`, globs, an empty word).
const ARGS: &[&str] = &[
    "a.txt",
    "-rf",
    "/",
    "~",
    "-f",
    "b.txt",
    "*.txt",
    "~/x",
    "src",
    "-v",
    "--",
    ".",
    "notes.md",
    "x y",
    "",
    "*",
    "src/*.rs",
    "?.txt",
    "[ab].txt",
    "--force",
    "/tmp",
    "build",
    "-n",
    "1",
    "a b.txt",
    "--output=out",
    "it's",
    "say \"hi\"",
    "$HOME",
    "*.md",
    ".env",
    "{}",
    "-la",
    "origin",
    "main",
    "a\\b",
    "#x",
    "a=b",
    "-e",
    "~/.ssh",
    "/home/dev",
    "..",
    "*/",
];

/// Values assigned to variables: programs, arguments, and words that split.
const VALUES: &[&str] = &[
    "rm",
    "a.txt",
    "-rf",
    "rm -f",
    "a.txt b.txt",
    "*.txt",
    "/",
    "~",
    "",
    "src/",
    "rm -rf ~",
    "git",
    "x y",
    "-v",
    "a.txt,b.txt",
    "notes.md",
];

const VARS: &[&str] = &["X", "Y", "P", "F"];
const UNSET: &[&str] = &["U", "UNSET_VAR"];
const FUNCTIONS: &[&str] = &["f", "g", "cleanup", "deploy"];
const MAX_DEPTH: u32 = 3;

/// Generate one command line.
pub fn command(choices: &mut dyn Choices) -> String {
    let mut g = Gen {
        ch: choices,
        budget: 10,
        heredocs: 0,
        vars: Vec::new(),
        functions: Vec::new(),
        defining: Vec::new(),
        counters: 0,
    };
    let ctx = Ctx {
        depth: 0,
        positional: false,
        function: false,
        exec_ok: true,
    };
    g.script(ctx).text
}

/// What the code being generated may use.
#[derive(Clone, Copy)]
struct Ctx {
    depth: u32,
    /// `$1`, `$@`, `$0` have values (a function, `sh -c '...' a b`).
    positional: bool,
    function: bool,
    /// `exec` may replace the shell here (the last statement of a script).
    exec_ok: bool,
}

impl Ctx {
    fn nested(self) -> Ctx {
        Ctx {
            depth: self.depth + 1,
            exec_ok: false,
            ..self
        }
    }
}

/// A statement's text; `newline` when whatever follows must start on a new line (after
/// a heredoc body or a comment).
struct Stmt {
    text: String,
    newline: bool,
}

impl Stmt {
    fn line(text: String) -> Stmt {
        Stmt {
            text,
            newline: false,
        }
    }
}

struct Gen<'c> {
    ch: &'c mut dyn Choices,
    /// Statements left; at zero only simple commands are generated.
    budget: u32,
    heredocs: u32,
    /// Variables assigned so far, with the text assigned (approximately: branches and
    /// subshells are not tracked; the oracle decides what really happens).
    vars: Vec<(String, String)>,
    functions: Vec<String>,
    /// Functions whose bodies are being generated.
    defining: Vec<String>,
    counters: u32,
}

impl Gen<'_> {
    fn pick(&mut self, n: usize) -> usize {
        self.ch.pick(n)
    }

    /// An index drawn with the given weights; index 0 is what a dry source picks.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.pick(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        0
    }

    /// A variable name no other loop or `eval` uses. Loop counters shared between
    /// nested loops never end when the inner loop runs in the background (`&`): it
    /// resets the counter in the outer shell, then counts in its own.
    fn counter(&mut self, prefix: &str) -> String {
        self.counters += 1;
        format!("{prefix}{}", self.counters)
    }

    fn one<'s>(&mut self, xs: &[&'s str]) -> &'s str {
        xs[self.pick(xs.len())]
    }

    /// True with probability 1/n (false for a dry source).
    fn rarely(&mut self, n: usize) -> bool {
        self.pick(n) == n - 1
    }

    // ----- scripts and statements -----

    fn script(&mut self, ctx: Ctx) -> Stmt {
        let n = 1 + self.weighted(&[5, 3, 2, 1]);
        let mut text = String::new();
        let mut newline = false;
        for i in 0..n {
            let last = i + 1 == n;
            let stmt = self.statement(Ctx {
                exec_ok: ctx.exec_ok && last,
                ..ctx
            });
            if i > 0 {
                let sep = if newline {
                    "\n"
                } else {
                    ["; ", "\n", " && ", " || ", " & "][self.weighted(&[6, 3, 2, 2, 1])]
                };
                text.push_str(sep);
            }
            text.push_str(&stmt.text);
            newline = stmt.newline;
        }
        Stmt { text, newline }
    }

    fn statement(&mut self, ctx: Ctx) -> Stmt {
        let nest = ctx.depth < MAX_DEPTH && self.budget > 0;
        self.budget = self.budget.saturating_sub(1);
        let n = |w: u32| if nest { w } else { 0 };
        let kind = self.weighted(&[
            12,                              // 0 simple command (maybe wrapped)
            4,                               // 1 pipeline
            4,                               // 2 assignment
            n(2),                            // 3 subshell
            n(2),                            // 4 group
            n(2),                            // 5 if
            n(2),                            // 6 for
            n(2),                            // 7 while / until
            n(1),                            // 8 case
            n(2),                            // 9 function
            n(2),                            // 10 heredoc
            n(2),                            // 11 here-string
            n(2),                            // 12 eval
            n(3),                            // 13 bash -c / sh -c
            2,                               // 14 xargs
            2,                               // 15 find
            3,                               // 16 values that arrive at run time
            1,                               // 17 arithmetic
            1,                               // 18 cd
            if ctx.exec_ok { 1 } else { 0 }, // 19 exec
            n(3),                            // 20 other ways to run code
        ]);
        match kind {
            0 => self.wrapped(ctx),
            1 => self.pipeline(ctx),
            2 => Stmt::line(self.assignment(ctx)),
            3 => {
                let s = self.script(ctx.nested());
                let close = if s.newline { "\n)" } else { " )" };
                self.compound_redirect(format!("( {}{close}", s.text))
            }
            4 => {
                let s = self.script(ctx.nested());
                let close = if s.newline { "\n}" } else { "; }" };
                self.compound_redirect(format!("{{ {}{close}", s.text))
            }
            5 => self.if_statement(ctx),
            6 => self.for_loop(ctx),
            7 => self.while_loop(ctx),
            8 => self.case_statement(ctx),
            9 => self.function(ctx),
            10 => self.heredoc(ctx),
            11 => self.here_string(ctx),
            12 => self.eval(ctx),
            13 => self.shell_c(ctx),
            14 => Stmt::line(self.xargs()),
            15 => Stmt::line(self.find()),
            16 => Stmt::line(self.run_time_value()),
            17 => Stmt::line(self.arithmetic(ctx)),
            18 => Stmt::line(self.cd()),
            19 => Stmt::line(self.exec()),
            _ => self.other(ctx),
        }
    }

    /// `S; ` or `S\n` to close a body, depending on whether it ended with a heredoc.
    fn body(&mut self, ctx: Ctx) -> String {
        let s = self.script(ctx.nested());
        if s.newline {
            format!("{}\n", s.text)
        } else {
            format!("{}; ", s.text)
        }
    }

    /// A compound command, sometimes with a redirection after it.
    fn compound_redirect(&mut self, text: String) -> Stmt {
        if self.rarely(4) {
            let r = self.redirect();
            Stmt::line(format!("{text} {r}"))
        } else {
            Stmt::line(text)
        }
    }

    fn if_statement(&mut self, ctx: Ctx) -> Stmt {
        let cond = self.condition();
        let then = self.body(ctx);
        let text = match self.weighted(&[3, 2, 1, 2]) {
            0 => format!("if {cond}; then {then}fi"),
            1 => {
                let other = self.body(ctx);
                format!("if {cond}; then {then}else {other}fi")
            }
            2 => {
                let cond2 = self.condition();
                let other = self.body(ctx);
                format!("if {cond}; then {then}elif {cond2}; then {other}fi")
            }
            _ => {
                let a = self.simple(ctx);
                let b = self.simple(ctx);
                format!("{cond} && {a} || {b}")
            }
        };
        self.compound_redirect(text)
    }

    fn condition(&mut self) -> String {
        let var = self.var_name();
        let word = self.arg_word(false);
        match self.pick(12) {
            0 => "true".into(),
            1 => "false".into(),
            2 => "[ -f a.txt ]".into(),
            3 => "[ -d src ]".into(),
            4 => "test -e nope".into(),
            5 => format!("[[ -n ${var} ]]"),
            6 => format!("[[ ${var} == rm ]]"),
            7 => "grep -q hello a.txt".into(),
            8 => "! true".into(),
            9 => "(( 1 < 2 ))".into(),
            10 => "command -v rm >/dev/null".into(),
            _ => format!("[ {word} = a.txt ]"),
        }
    }

    fn for_loop(&mut self, ctx: Ctx) -> Stmt {
        let list = match self.pick(7) {
            0 => "a.txt b.txt".to_owned(),
            1 => "*.txt".to_owned(),
            2 => {
                let v = self.var_name();
                format!("${v}")
            }
            3 => "{a,b}.txt".to_owned(),
            4 => "\"$@\"".to_owned(),
            5 => "$(echo a.txt b.txt)".to_owned(),
            _ => {
                let a = self.arg_word(false);
                let b = self.arg_word(false);
                format!("{a} {b}")
            }
        };
        self.vars.push(("f".into(), "a.txt".into()));
        let body = self.body(ctx);
        let text = if self.rarely(4) {
            let i = self.counter("i");
            format!("for (({i} = 0; {i} < 2; {i}++)); do {body}done")
        } else {
            format!("for f in {list}; do {body}done")
        };
        self.compound_redirect(text)
    }

    fn while_loop(&mut self, ctx: Ctx) -> Stmt {
        let text = match self.pick(6) {
            0 => {
                let body = self.body(ctx);
                // Counters without `$`: in an unquoted heredoc the outer shell would
                // expand `$i` once, and the loop would never end.
                let i = self.counter("i");
                format!("{i}=0; while [[ {i} -lt 2 ]]; do {body}(({i}++)); done")
            }
            1 => {
                let body = self.body(ctx);
                format!("until true; do {body}done")
            }
            2 => {
                let p = self.program();
                format!("printf '%s\\n' a.txt b.txt | while read -r l; do {p} \"$l\"; done")
            }
            3 => {
                let p = self.program();
                format!("while read -r l; do {p} $l; done < a.txt")
            }
            4 => {
                let p = self.program();
                let w = self.arg_word(false);
                format!("while IFS= read -r l; do {p} \"$l\"; done <<< {w}")
            }
            _ => {
                let body = self.body(ctx);
                let n = self.counter("n");
                format!("{n}=0; while (( {n} < 2 )); do {body}(({n}++)); done")
            }
        };
        self.vars.push(("l".into(), "a.txt".into()));
        self.compound_redirect(text)
    }

    fn case_statement(&mut self, ctx: Ctx) -> Stmt {
        let word = if self.pick(2) == 0 {
            self.arg_word(false)
        } else {
            let v = self.var_name();
            format!("\"${v}\"")
        };
        let a = self.body(ctx);
        let b = self.body(ctx);
        let c = self.body(ctx);
        Stmt::line(format!(
            "case {word} in -v|--verbose) {a};; *.txt|*.md) {b};; *) {c};; esac"
        ))
    }

    fn function(&mut self, ctx: Ctx) -> Stmt {
        let name = if self.rarely(5) {
            // Overriding a program; the body runs the program itself through `command`.
            let p = self.one(PROGRAMS);
            let args = self.args(ctx);
            let def = format!("{p}() {{ command {p} \"$@\"; }}");
            self.functions.push(p.to_owned());
            return Stmt::line(format!("{def}; {p}{args}"));
        } else {
            // Never a name defined before: with redefinitions, `f` calling `g` calling
            // `f` would recurse forever. Bodies only call functions defined earlier.
            let name = self.one(FUNCTIONS);
            if self
                .functions
                .iter()
                .chain(&self.defining)
                .any(|f| f == name)
            {
                return self.wrapped(ctx);
            }
            name.to_owned()
        };
        // Reserved while its body is generated: a nested definition of the same name
        // that is only conditionally run (`cp || f() ...`) would leave the call in the
        // body calling itself.
        self.defining.push(name.clone());
        let inner = Ctx {
            positional: true,
            function: true,
            ..ctx.nested()
        };
        let s = self.script(inner);
        let end = if s.newline { "\n" } else { "; " };
        let def = match self.pick(3) {
            0 => format!("{name}() {{ {}{end}}}", s.text),
            1 => format!("function {name} {{ {}{end}}}", s.text),
            _ => format!(
                "{name}() ( {}{} )",
                s.text,
                if s.newline { "\n" } else { "" }
            ),
        };
        self.defining.pop();
        self.functions.push(name.clone());
        let args = self.args(ctx);
        Stmt::line(format!("{def}\n{name}{args}"))
    }

    fn heredoc(&mut self, ctx: Ctx) -> Stmt {
        self.heredocs += 1;
        let tag = format!("EOF{}", self.heredocs);
        let inner = ctx.nested();
        let text = match self.pick(9) {
            0 => {
                let s = self.script(inner).text;
                format!("cat <<{tag} | bash\n{s}\n{tag}")
            }
            1 => {
                let s = self.script(inner).text;
                format!("cat <<'{tag}' | sh\n{s}\n{tag}")
            }
            2 => {
                let s = self.script(inner).text;
                format!("bash <<{tag}\n{s}\n{tag}")
            }
            3 => {
                let s = self.script(inner).text;
                format!("bash -s <<'{tag}' 2>/dev/null\n{s}\n{tag}")
            }
            4 => {
                let s = self.script(inner).text;
                let tabbed: Vec<String> = s.lines().map(|l| format!("\t{l}")).collect();
                format!("sh <<-{tag}\n{}\n\t{tag}", tabbed.join("\n"))
            }
            5 => {
                let p = self.program();
                format!("python3 - <<'{tag}'\nimport os\nos.system(\"{p} -f a.txt\")\n{tag}")
            }
            6 => {
                let v = self.var_name();
                format!("cat > notes.md <<{tag}\nrm -rf ${v} ~\n{tag}")
            }
            7 => format!("git commit -m \"$(cat <<'{tag}'\nrm -rf /\n{tag}\n)\""),
            _ => {
                let s = self.script(inner).text;
                format!("bash <<\"{tag}\"\n{s}\n{tag}")
            }
        };
        Stmt {
            text,
            newline: true,
        }
    }

    fn here_string(&mut self, ctx: Ctx) -> Stmt {
        let s = self.script(ctx.nested()).text;
        let q = self.quote(&s);
        Stmt::line(match self.pick(3) {
            0 => format!("bash <<< {q}"),
            1 => format!("sh <<<{q}"),
            _ => format!("cat <<< {q} | bash"),
        })
    }

    fn eval(&mut self, ctx: Ctx) -> Stmt {
        Stmt::line(match self.pick(3) {
            0 => {
                let s = self.script(ctx.nested()).text;
                let q = self.quote(&s);
                format!("eval {q}")
            }
            1 => {
                let s = self.simple(ctx.nested());
                format!("eval {s}")
            }
            _ => {
                let s = self.script(ctx.nested()).text;
                let q = self.quote(&s);
                // Its own name: code that runs `eval "$C"` without having set `C` (the
                // assignment in a branch not taken) would run the outer code again.
                let c = self.counter("C");
                self.vars.push((c.clone(), s));
                format!("{c}={q}; eval \"${c}\"")
            }
        })
    }

    fn shell_c(&mut self, ctx: Ctx) -> Stmt {
        let shell = self.one(&["bash", "sh"]);
        let text = match self.pick(4) {
            0 => {
                let s = self.script(ctx.nested()).text;
                let q = self.quote(&s);
                format!("{shell} -c {q}")
            }
            1 => {
                let inner = Ctx {
                    positional: true,
                    ..ctx.nested()
                };
                let s = self.script(inner).text;
                let q = self.quote(&s);
                let name = self.one(&["x", "_", "sh", "--"]);
                let args = self.args(ctx);
                format!("{shell} -c {q} {name}{args}")
            }
            2 => {
                // Expanded by the outer shell before the inner one reads it.
                let p = self.program();
                let v = self.var_name();
                format!("{shell} -c \"{p} ${v}\"")
            }
            _ => {
                let s = self.script(ctx.nested()).text;
                let q = self.quote(&s);
                let w = self.wrapper();
                format!("{w} {shell} -c {q}")
            }
        };
        Stmt::line(text)
    }

    fn other(&mut self, ctx: Ctx) -> Stmt {
        let p = self.program();
        let args = self.args(ctx);
        let line = format!("{p}{args}");
        let q = self.quote(&line);
        let text = match self.pick(11) {
            // `wait $!`, not `wait`: that would also wait for a `>(cat)` still reading.
            0 => format!("{line} & wait $!"),
            1 => format!("trap {q} EXIT"),
            2 => {
                // Not a function's name: an alias `f` inside function `f` would call `f`.
                let name = self.one(&["ll", "r", "del"]);
                let more = self.args(ctx);
                return Stmt {
                    text: format!("shopt -s expand_aliases\nalias {name}={q}\n{name}{more}"),
                    newline: false,
                };
            }
            3 => {
                let a = self.arg_word(false);
                format!("set -- {a} b.txt; {p} \"$@\"")
            }
            4 => format!("coproc {line}"),
            5 => format!("source <(echo {q})"),
            6 => format!("bash <(echo {q})"),
            7 => format!("echo {q} | bash"),
            8 => format!("printf '%s\\n' {q} | sh"),
            9 => format!("arr=({line}); \"${{arr[@]}}\""),
            _ => {
                let r = self.redirect();
                format!("{{ {line}; }} {r}")
            }
        };
        Stmt::line(text)
    }

    // ----- simple commands -----

    /// A simple command, sometimes behind one or two wrappers.
    fn wrapped(&mut self, ctx: Ctx) -> Stmt {
        let s = self.simple(ctx);
        let text = match self.weighted(&[6, 3, 1]) {
            0 => s,
            1 => {
                let w = self.wrapper();
                format!("{w} {s}")
            }
            _ => {
                let w1 = self.wrapper();
                let w2 = self.wrapper();
                format!("{w1} {w2} {s}")
            }
        };
        if self.rarely(12) {
            return Stmt {
                text: format!("{text} # rm -rf /"),
                newline: true,
            };
        }
        Stmt::line(text)
    }

    fn wrapper(&mut self) -> String {
        let w = self.one(&[
            "env A=1",
            "env -i",
            "env -u HOME",
            "env --",
            "timeout 5",
            "timeout -s KILL 5",
            "nice -n 1",
            "nice",
            "nohup",
            "command",
            "sudo",
            "sudo -u root",
            "sudo -E",
            "sudo -n --",
            "stdbuf -o0",
            "stdbuf -oL -eL",
            "setsid",
            "time",
            "time -p",
            "doas",
            "sudo A=1",
            "sudo -s",
            "nice -5",
            "env A=1 B=2",
            "timeout 5s",
        ]);
        // The wrapper's own name, quoted now and then like any other word.
        match w.split_once(' ') {
            Some((name, rest)) => {
                let name = self.render(name);
                format!("{name} {rest}")
            }
            None => self.render(w),
        }
    }

    fn simple(&mut self, ctx: Ctx) -> String {
        let mut items: Vec<String> = Vec::new();
        for _ in 0..self.weighted(&[8, 2, 1]) {
            let v = self.one(VARS);
            let value = self.value_word();
            items.push(format!("{v}={value}"));
        }
        items.push(self.program_word(ctx));
        for _ in 0..self.weighted(&[2, 4, 3, 2, 1]) {
            items.push(self.arg_word(ctx.positional));
        }
        for _ in 0..self.weighted(&[6, 3, 1]) {
            let at = self.pick(items.len() + 1);
            let r = self.redirect();
            items.insert(at, r);
        }
        let mut text = String::new();
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                text.push_str(if self.rarely(15) { " \\\n  " } else { " " });
            }
            text.push_str(item);
        }
        text
    }

    /// ` arg arg ...` (with a leading space), possibly empty.
    fn args(&mut self, ctx: Ctx) -> String {
        let mut s = String::new();
        for _ in 0..self.weighted(&[2, 4, 3, 1]) {
            s.push(' ');
            s.push_str(&self.arg_word(ctx.positional));
        }
        s
    }

    fn program(&mut self) -> &'static str {
        self.one(PROGRAMS)
    }

    fn program_word(&mut self, ctx: Ctx) -> String {
        let program_var = self
            .vars
            .iter()
            .filter(|(_, v)| PROGRAMS.contains(&v.split(' ').next().unwrap_or("")))
            .map(|(n, _)| n.clone())
            .next();
        match self.weighted(&[14, 1, 1, 2, 1, 2, 1]) {
            1 => {
                let p = self.program();
                let dir = self.one(&["/bin", "/usr/bin", "/usr/local/bin"]);
                format!("{dir}/{p}")
            }
            2 => format!("\\{}", self.program()),
            3 => match program_var {
                Some(v) if self.pick(2) == 0 => format!("${v}"),
                Some(v) => format!("${{{v}}}"),
                None => self.render_program(),
            },
            4 => {
                let p = self.program();
                match self.pick(3) {
                    0 => format!("$(echo {p})"),
                    1 => format!("`echo {p}`"),
                    _ => format!("\"$(printf %s {p})\""),
                }
            }
            5 if !self.functions.is_empty() => {
                let i = self.pick(self.functions.len());
                self.functions[i].clone()
            }
            6 if ctx.positional => "\"$1\"".into(),
            _ => self.render_program(),
        }
    }

    fn render_program(&mut self) -> String {
        let p = self.program();
        self.render(p)
    }

    fn arg_word(&mut self, positional: bool) -> String {
        match self.weighted(&[10, 3, 1, 1, if positional { 2 } else { 0 }, 1, 1, 1, 1]) {
            1 => self.expansion(),
            2 => {
                let a = self.one(&["a.txt", "-rf", "~", "/"]);
                match self.pick(4) {
                    0 => format!("$(echo {a})"),
                    1 => format!("`echo {a}`"),
                    2 => "$(cat a.txt)".into(),
                    _ => format!("\"$(printf %s {a})\""),
                }
            }
            3 => self
                .one(&[
                    "{a,b}.txt",
                    "x{1..2}",
                    "{src,build}/",
                    "-{r,f}",
                    "{,/}",
                    "~/{a,b}",
                ])
                .to_owned(),
            4 => self
                .one(&[
                    "$1", "\"$1\"", "\"$@\"", "$@", "$0", "\"$*\"", "$#", "${1:-x}",
                ])
                .to_owned(),
            5 => self
                .one(&["$((1 + 2)).txt", "$((2 * 3))", "x$((0))"])
                .to_owned(),
            6 => {
                let e = self.expansion();
                let pre = self.one(&["", "~/", "a", "/", "--file="]);
                let post = self.one(&["", ".txt", "/x", "*"]);
                let pre = if pre.is_empty() {
                    String::new()
                } else {
                    self.render(pre)
                };
                format!("{pre}{e}{post}")
            }
            // Not `>(...)`: `cat >(...)` would read from its own pipe forever.
            7 => self
                .one(&["<(ls)", "<(echo a.txt)", "<(git status)"])
                .to_owned(),
            // Beyond ASCII: UTF-8 written as bytes, a byte that is not UTF-8 (recorded
            // as hex), a code point.
            8 => self
                .one(&[
                    "$'\\xc3\\xa9'.txt",
                    "$'\\xff'",
                    "$'\\u00e9'",
                    "caf$'\\303\\251'",
                ])
                .to_owned(),
            _ => {
                let a = self.one(ARGS);
                self.render(a)
            }
        }
    }

    fn var_name(&mut self) -> String {
        if !self.vars.is_empty() && self.pick(4) != 0 {
            let i = self.pick(self.vars.len());
            return self.vars[i].0.clone();
        }
        match self.pick(3) {
            0 => "HOME".into(),
            1 => self.one(UNSET).into(),
            _ => self.one(VARS).into(),
        }
    }

    fn expansion(&mut self) -> String {
        let v = self.var_name();
        match self.pick(14) {
            0 => format!("${v}"),
            1 => format!("\"${v}\""),
            2 => format!("${{{v}}}"),
            3 => format!("\"${{{v}}}\""),
            4 => format!("${{{v}:-a.txt}}"),
            5 => format!("\"${{{v}:-/}}\""),
            6 => format!("${{{v}%/}}"),
            7 => format!("${{{v}#-}}"),
            8 => format!("${{{v}:+-rf}}"),
            9 => format!("${{{v}/a/b}}"),
            10 => format!("${{#{v}}}"),
            11 => format!("${{{v}%.txt}}"),
            12 => format!("${{{v}=a.txt}}"),
            _ => format!("\"${{{v}}}\"/x"),
        }
    }

    fn value_word(&mut self) -> String {
        match self.weighted(&[6, 2, 1, 1]) {
            1 => self.expansion(),
            2 => {
                let v = self.one(VALUES);
                format!("$(echo {})", self.render(v))
            }
            3 => "~/x".into(),
            _ => {
                let v = self.one(VALUES);
                self.render(v)
            }
        }
    }

    fn assignment(&mut self, ctx: Ctx) -> String {
        let name = self.one(VARS).to_owned();
        let text = self.one(VALUES).to_owned();
        let value = if self.pick(4) == 0 {
            self.value_word()
        } else {
            self.render(&text)
        };
        self.vars.push((name.clone(), text));
        match self.pick(9) {
            0 => format!("{name}={value}"),
            1 => format!("export {name}={value}"),
            2 => format!("declare {name}={value}"),
            3 if ctx.function => format!("local {name}={value}"),
            4 => format!("{name}+={value}"),
            5 => format!("{name}=$(echo {value})"),
            6 => {
                let other = self.value_word();
                format!("{name}={value} Y={other}")
            }
            7 => format!("unset {name}"),
            8 => format!("{name}=({value} b.txt)"),
            _ => format!("{name}={value}"),
        }
    }

    fn redirect(&mut self) -> String {
        let r = self.one(&[
            "2>/dev/null",
            ">out",
            ">>out",
            "&>out",
            ">|out",
            "<a.txt",
            "<>f",
            "3>&1",
            "2>&-",
            "{fd}>x",
            "2>&1",
            ">&2",
            "&>>log",
            "> out",
            "2> /dev/null",
            "<<<word",
            "1>out",
            "0<notes.md",
            "> >(cat)",
            "2> >(tee err)",
        ]);
        if self.rarely(6) {
            let op = self.one(&[">", ">>", "<", "2>", "&>", "> "]);
            let target = self.arg_word(false);
            // `< <(ls)`, not `<<(ls)` (a heredoc).
            let space = if target.starts_with(['<', '>']) {
                " "
            } else {
                ""
            };
            return format!("{op}{space}{target}");
        }
        r.to_owned()
    }

    // ----- templates -----

    fn xargs(&mut self) -> String {
        let p = self.program();
        let a = self.arg_word(false);
        match self.pick(9) {
            0 => format!("echo a.txt b.txt | xargs {p} {a}"),
            1 => format!("printf '%s\\0' a.txt 'x y' | xargs -0 {p} {a}"),
            2 => format!("echo a.txt | xargs -I {{}} {p} {{}} {a}"),
            3 => format!("echo a.txt,b.txt | xargs -d, {p}"),
            4 => format!("ls | xargs {p} {a}"),
            5 => format!("find . -name '*.txt' -print0 | xargs -0 {p}"),
            6 => format!("xargs {p} < a.txt"),
            7 => format!("xargs -n 1 {p} <<< 'a.txt b.txt'"),
            _ => format!("echo {a} | xargs -r {p}"),
        }
    }

    fn find(&mut self) -> String {
        let root = self.one(&[".", "src", "~", ". src"]);
        let test = match self.pick(6) {
            0 => "-name '*.txt'".to_owned(),
            1 => "-type f".to_owned(),
            2 => "-name a.txt".to_owned(),
            3 => "-maxdepth 1 -name \"*.md\"".to_owned(),
            4 => "-iname \\*.RS".to_owned(),
            _ => {
                let w = self.arg_word(false);
                format!("-name {w}")
            }
        };
        let p = self.program();
        let a = self.arg_word(false);
        let action = match self.pick(5) {
            0 => format!("-exec {p} {a} {{}} \\;"),
            1 => format!("-exec {p} {{}} +"),
            2 => format!("-execdir {p} {{}} ';'"),
            3 => format!("-exec sh -c '{p} \"$1\"' _ {{}} \\;"),
            _ => format!("-exec {p} {{}} {a} \\;"),
        };
        format!("find {root} {test} {action}")
    }

    /// Values only known when the command runs: `IFS` splitting, namerefs, `printf -v`,
    /// `read`, `mapfile`.
    fn run_time_value(&mut self) -> String {
        let p = self.program();
        let a = self.arg_word(false);
        self.vars.push(("X".into(), p.into()));
        match self.pick(10) {
            0 => format!("IFS=,; X={p},{a}; $X"),
            1 => format!("X=a.txt,b.txt; IFS=, read -r A B <<< \"$X\"; {p} \"$A\" \"$B\""),
            2 => format!("declare -n R=X; X={p}; $R {a}"),
            3 => format!("X={a}; declare -n R=X; {p} \"$R\""),
            4 => format!("printf -v X %s {p}; $X {a}"),
            5 => format!("printf -v X '%s.txt' a; {p} \"$X\""),
            6 => format!("read -r X <<< '{p} -f'; $X {a}"),
            7 => format!("read -r A B <<< '{p} a.txt'; $A $B"),
            8 => format!("echo {p} | {{ read -r X; $X {a}; }}"),
            _ => format!("mapfile -t arr <<< a.txt; {p} \"${{arr[@]}}\""),
        }
    }

    fn arithmetic(&mut self, ctx: Ctx) -> String {
        let p = self.program();
        match self.pick(5) {
            0 => format!("n=1; ((n++)); {p} x$n"),
            1 => format!("((n+=2)); {p} f$n"),
            2 => format!("let n=1+1; {p} $n.txt"),
            3 => {
                let s = self.simple(ctx);
                format!("(( 2 > 1 )) && {s}")
            }
            _ => format!("{p} $((3 - 1)).txt"),
        }
    }

    fn cd(&mut self) -> String {
        self.one(&[
            "cd src",
            "cd ..",
            "cd ~",
            "cd /tmp",
            "cd nope",
            "cd \"$HOME\"",
            "cd -- src",
            "pushd src >/dev/null",
            "cd src/",
            "cd ~/project/src",
            "builtin cd src",
        ])
        .to_owned()
    }

    fn exec(&mut self) -> String {
        let p = self.program();
        let a = self.arg_word(false);
        match self.pick(4) {
            0 => format!("exec {p} {a}"),
            1 => format!("exec -a name {p} {a}"),
            2 => format!("exec 2>/dev/null; {p} {a}"),
            _ => format!("exec env A=1 {p} {a}"),
        }
    }

    fn pipeline(&mut self, ctx: Ctx) -> Stmt {
        let mut parts = vec![self.simple(ctx)];
        for _ in 0..1 + self.weighted(&[3, 1]) {
            parts.push(self.simple(ctx));
        }
        let mut text = String::new();
        match self.pick(5) {
            1 => text.push_str("! "),
            2 => text.push_str("time "),
            _ => {}
        }
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                text.push_str(if self.rarely(5) { " |& " } else { " | " });
            }
            text.push_str(p);
        }
        Stmt::line(text)
    }

    // ----- words -----

    /// A word whose value is exactly `text`, in one of bash's quoting forms. Unquoted
    /// forms keep globs and a leading `~` active; quoted ones make them literal.
    fn render(&mut self, text: &str) -> String {
        let style = self.weighted(&[8, 3, 3, 1, 1, 1, 1]);
        self.render_as(text, style, true)
    }

    fn render_as(&mut self, text: &str, style: usize, may_split: bool) -> String {
        match style {
            0 if plain_safe(text) => text.to_owned(),
            1 => single_quote(text),
            2 => double_quote(text),
            3 => self.ansi_c(text),
            4 => {
                // Backslashes before some characters (always before the special ones).
                let mut s = String::new();
                for c in text.chars() {
                    if !plain_safe(&c.to_string()) || c == '~' || self.pick(2) == 1 {
                        s.push('\\');
                    }
                    s.push(c);
                }
                if s.is_empty() { "''".into() } else { s }
            }
            5 if may_split && text.chars().count() >= 2 => {
                let chars: Vec<char> = text.chars().collect();
                let k = 1 + self.pick(chars.len() - 1);
                let left: String = chars[..k].iter().collect();
                let right: String = chars[k..].iter().collect();
                let (s1, s2) = (
                    self.weighted(&[3, 2, 2, 1, 1]),
                    self.weighted(&[3, 2, 2, 1, 1]),
                );
                let l = self.render_as(&left, s1, false);
                let r = self.render_as(&right, s2, false);
                format!("{l}{r}")
            }
            6 if plain_safe(text) && !text.is_empty() => {
                // Empty quotes inside the word: r''m, r""m.
                let chars: Vec<char> = text.chars().collect();
                let k = self.pick(chars.len() + 1);
                let q = self.one(&["''", "\"\""]);
                let left: String = chars[..k].iter().collect();
                let right: String = chars[k..].iter().collect();
                format!("{left}{q}{right}")
            }
            _ => single_quote(text),
        }
    }

    fn ansi_c(&mut self, text: &str) -> String {
        let mut s = String::from("$'");
        for c in text.chars() {
            match c {
                '\\' => s.push_str("\\\\"),
                '\'' => s.push_str("\\'"),
                '\n' => s.push_str("\\n"),
                c if c.is_ascii() && self.pick(3) == 1 => {
                    s.push_str(&format!("\\x{:02x}", c as u32));
                }
                c if c.is_ascii() && self.pick(6) == 1 => {
                    s.push_str(&format!("\\{:03o}", c as u32));
                }
                c => s.push(c),
            }
        }
        s.push('\'');
        s
    }

    /// A string that is exactly `s` to the shell reading it, for code passed to
    /// `bash -c`, `eval` and here-strings.
    fn quote(&mut self, s: &str) -> String {
        match self.weighted(&[4, 3, 1]) {
            0 => single_quote(s),
            1 => double_quote(s),
            _ => self.ansi_c(s),
        }
    }
}

/// Characters that mean nothing special in an unquoted word (globs and `~` are kept on
/// purpose: they are what the unquoted form is for).
fn plain_safe(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('#')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/~*?[]-+,:@%=^".contains(c))
}

fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn double_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::choices::{ByteChoices, Rng};

    #[test]
    fn a_dry_source_gives_a_short_command() {
        assert_eq!(command(&mut ByteChoices::new(&[])), "rm");
    }

    #[test]
    fn the_same_seed_gives_the_same_command() {
        for seed in 0..50 {
            assert_eq!(command(&mut Rng::new(seed)), command(&mut Rng::new(seed)));
        }
    }

    #[test]
    fn quoting_forms() {
        assert_eq!(single_quote("it's"), r"'it'\''s'");
        assert_eq!(double_quote("a$b\"c`d\\"), r#""a\$b\"c\`d\\""#);
        assert!(plain_safe("*.txt") && plain_safe("~/x") && !plain_safe("x y"));
        assert!(!plain_safe("#x") && !plain_safe(""));
    }
}
