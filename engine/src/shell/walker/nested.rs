//! Nested code: substitutions, `bash -c` strings, `eval`, interpreter code, code read
//! from stdin, functions called with arguments, and values re-read as code.

use tree_sitter::Node;

use super::{At, Executed, Frame, RunsIn, Src, StdinCode, Walker};
use crate::shell::execution;
use crate::shell::execution::CodeSource;
use crate::shell::expand::{collect_substitutions, text};
use crate::shell::invocation::{Context, FindingKind, InlineCode, Language};
use crate::shell::scope::{ExitTrap, Scope, Value};
use crate::shell::word::Word;
use crate::shell::{embedded, inline};
use crate::span::Span;

impl Walker<'_> {
    /// Substitutions found in words: walked in their own context; those in a word that is
    /// executed (program name, `bash -c` string, `eval` argument, script) feed execution.
    /// `executed` holds byte ranges in the current source text (word origins).
    pub(super) fn walk_substitution_nodes(
        &mut self,
        subs: &[Node],
        executed: &[Executed],
        at: At,
        scope: &mut Scope,
    ) {
        self.walk_substitutions_before(subs, executed, at, scope, None);
    }

    /// [`Self::walk_substitution_nodes`] for the words of a command already walked:
    /// its substitutions ran before it, in the shell as it was then (`before`), while
    /// code they print that the shell itself runs (`source <(...)`) runs after.
    pub(super) fn walk_substitutions_before(
        &mut self,
        subs: &[Node],
        executed: &[Executed],
        at: At,
        scope: &mut Scope,
        before: Option<&Scope>,
    ) {
        for sub in subs {
            if sub.kind() == "arithmetic_expansion" {
                self.walk_arithmetic(*sub, at, scope);
                continue;
            }
            let span = self.span(*sub, at);
            let (start, end) = (sub.start_byte(), sub.end_byte());
            let runs_in = executed
                .iter()
                .filter(|e| e.span.start <= start && end <= e.span.end)
                .map(|e| e.runs_in)
                .max_by_key(|r| match r {
                    RunsIn::Copy => 0,
                    RunsIn::ThisShell | RunsIn::NewShell { .. } => 1,
                });
            let is_executed = runs_in.is_some();
            if matches!(sub.kind(), "word" | "expansion") {
                let codes = match sub.kind() {
                    "word" => embedded::substitutions(text(*sub, at.src.text)),
                    _ => self.prompt_expansion_code(*sub, at.src, span, scope),
                };
                let mut f = at.frame.nested(Context::Substitution, span);
                f.conditional = at.frame.conditional;
                f.output_executed = at.frame.output_executed || is_executed;
                for code in codes {
                    self.walk_code(&code, &f, &mut before.unwrap_or(scope).clone());
                }
                continue;
            }
            let context = if sub.kind() == "process_substitution" {
                Context::ProcessSubstitution
            } else {
                Context::Substitution
            };
            let mut f = at.frame.clone();
            f.context = context;
            f.contexts |= context.bit();
            f.depth = at.frame.depth.saturating_add(1);
            f.output_executed = at.frame.output_executed || is_executed;
            if f.depth > self.limits.max_depth {
                self.finding(
                    FindingKind::TooDeep,
                    span,
                    format!("more than {} levels of nested code", self.limits.max_depth),
                );
                continue;
            }
            // A substitution runs in a subshell: its assignments do not leak out.
            let mut inner = before.unwrap_or(scope).clone();
            inner.take_exit_traps();
            let before = self.out.len();
            let targets = self.walk_block(*sub, at.with(&f), &mut inner);
            self.run_exit_traps(&mut inner);
            if f.output_executed {
                for inv in &mut self.out[before..] {
                    inv.output_executed = true;
                }
            }
            // `tee >(sh)`: whatever the outer command writes is the code.
            if text(*sub, at.src.text).starts_with(">(") {
                for &idx in &targets {
                    if self.side[idx].reads_code.take().is_some() {
                        let program = self.out[idx].program.clone();
                        self.finding(
                            FindingKind::CodeFromPipe,
                            span,
                            format!("`{program}` runs whatever is written to it"),
                        );
                    }
                }
            }
            // Output that runs as code and that the engine knows (`source <(echo ...)`,
            // `eval "$(printf ...)"`): judge that code too, where it runs.
            let Some(runs_in) = runs_in else { continue };
            let code = match targets.as_slice() {
                [only] => self.side[*only]
                    .emits
                    .clone()
                    .map(|code| (code, self.side[*only].emits_partly_unknown)),
                _ => None,
            };
            let Some((code, partly_unknown)) = code else {
                // A script or `source`d code the engine cannot read is code it
                // cannot judge (the program's name is judged as a word already).
                if runs_in != RunsIn::Copy && !targets.is_empty() {
                    self.finding(
                        FindingKind::UnreadableCode,
                        span,
                        "the code it runs is the output of a command the engine cannot know",
                    );
                }
                continue;
            };
            if partly_unknown {
                self.finding(
                    FindingKind::UnreadableCode,
                    span,
                    "the code it runs depends on values only known at run time",
                );
            }
            let nested = at.frame.nested(Context::Heredoc, span);
            match runs_in {
                RunsIn::Copy => {
                    self.walk_code(&code, &nested, &mut inner);
                }
                RunsIn::ThisShell => {
                    self.walk_code(&code, &nested, scope);
                }
                RunsIn::NewShell { idx, zero, args } => {
                    let mut child = self.shell_scope(idx, scope, zero, args);
                    let mut f = nested.new_shell();
                    f.wrappers = self.out[idx].wrappers.clone();
                    self.walk_code(&code, &f, &mut child);
                    self.run_exit_traps(&mut child);
                }
            }
        }
    }

    /// `${x@P}` expands prompt escapes in x's value, running any substitution in it.
    pub(super) fn prompt_expansion_code(
        &mut self,
        node: Node,
        src: &Src,
        span: Span,
        scope: &Scope,
    ) -> Vec<String> {
        let raw = text(node, src.text);
        let name = raw
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix("@P}"))
            .unwrap_or("");
        match scope.lookup(name) {
            Some(value) if value.certain() => value
                .known
                .iter()
                .flat_map(|v| embedded::substitutions(v))
                .collect(),
            _ => {
                self.finding(
                    FindingKind::UnreadableCode,
                    span,
                    format!(
                        "`{raw}` runs any command substitution in a value only known at run time"
                    ),
                );
                Vec::new()
            }
        }
    }

    /// Walk the substitutions anywhere inside `node` (skipping the named fields), as data.
    pub(super) fn walk_substitutions_in(
        &mut self,
        node: Node,
        at: At,
        scope: &mut Scope,
        skip_fields: &[&str],
    ) {
        let mut subs = Vec::new();
        let mut cursor = node.walk();
        for (i, child) in node.children(&mut cursor).enumerate() {
            if node
                .field_name_for_child(i as u32)
                .is_some_and(|f| skip_fields.contains(&f))
            {
                continue;
            }
            collect_substitutions(child, at.src.text, &mut subs);
        }
        self.walk_substitution_nodes(&subs, &[], at, scope);
    }

    /// The scope of a new shell an invocation starts (`bash -c`, `bash -s`): the
    /// exported variables, less what `env -u`/`env -i` removed (unknown: bash may set
    /// some itself), and the command's own environment.
    pub(super) fn child_scope(&self, idx: usize, scope: &Scope) -> Scope {
        let mut child = scope.for_child();
        let side = &self.side[idx];
        if side.env_removed.all {
            child.forget_environment();
        }
        for name in &side.env_removed.names {
            child.assign(name, Value::unknown(), false);
        }
        for (k, v) in &self.out[idx].env {
            let value = if side.env_unknown.contains(k) {
                Value::unknown()
            } else {
                Value::known(v.clone())
            };
            child.assign(k, value, false);
            child.export(k);
        }
        // `$0` is the name the shell was started by (`echo 'grep $0' | bash` runs
        // `grep bash`), unless `exec -a` gave it another.
        let inv = &self.out[idx];
        let name = &inv.argv[0];
        if !name.unresolved && !name.glob && !inv.wrappers.iter().any(|w| w == "exec") {
            child.assign("0", Value::known(name.text.clone()), false);
        }
        child
    }

    /// The scope of a new shell the invocation `idx` starts with arguments: `$0` is its
    /// argv's word `zero` (unknown for `None`; the shell's name when there is no such
    /// word, as for `bash -c CODE`) and the words from `args` on are `$1`, `$2`, ....
    fn shell_scope(&self, idx: usize, scope: &Scope, zero: Option<usize>, args: usize) -> Scope {
        let mut child = self.child_scope(idx, scope);
        let argv = &self.out[idx].argv;
        let known = |w: &Word| (!w.unresolved && !w.glob).then(|| w.text.clone());
        match zero {
            Some(z) if z >= argv.len() => return child,
            Some(z) => {
                let value = known(&argv[z]).map_or_else(Value::unknown, Value::known);
                child.assign("0", value, false);
            }
            None => child.assign("0", Value::unknown(), false),
        }
        let rest: Vec<Option<String>> = argv.get(args..).unwrap_or(&[]).iter().map(known).collect();
        child.set_positional(&rest, false);
        child
    }

    /// Walk the substitutions in one word, the word itself included (`case <(ls) in`).
    pub(super) fn walk_substitutions_of(&mut self, word: Node, at: At, scope: &mut Scope) {
        let mut subs = Vec::new();
        collect_substitutions(word, at.src.text, &mut subs);
        self.walk_substitution_nodes(&subs, &[], at, scope);
    }

    /// Builtins that evaluate an array subscript in their argument text run any
    /// substitution in it: `declare 'a[$(cmd)]=1'`, `printf -v 'a[$(cmd)]'`, `let`.
    pub(super) fn reevaluated_text(&mut self, idx: usize, frame: &Frame, scope: &mut Scope) {
        let inv = &self.out[idx];
        let program = inv.program.as_str();
        if !matches!(
            program,
            "let"
                | "declare"
                | "typeset"
                | "local"
                | "export"
                | "readonly"
                | "printf"
                | "read"
                | "unset"
                | "test"
                | "["
                | "mapfile"
                | "readarray"
        ) {
            return;
        }
        let args = inv.args();
        let names = match program {
            "printf" => printf_names(args),
            _ => 0..args.len(),
        };
        let mut codes = Vec::new();
        for w in &args[names] {
            if !w.unresolved && (program == "let" || w.text.contains('[')) {
                codes.extend(
                    embedded::substitutions(&w.text)
                        .into_iter()
                        .map(|c| (c, w.span)),
                );
            }
        }
        for (code, span) in codes {
            let mut f = frame.nested(Context::Substitution, span);
            f.conditional = frame.conditional;
            self.walk_code(&code, &f, &mut scope.clone());
        }
    }

    /// A call to a shell function defined earlier runs its body with these arguments.
    pub(super) fn call_function(
        &mut self,
        idx: usize,
        frame: &Frame,
        scope: &mut Scope,
        wrappers: &[String],
    ) {
        let program = self.out[idx].program.as_str();
        // Recursion is judged once, at the definition.
        if frame.function.as_deref() == Some(program) {
            return;
        }
        let Some(body) = scope.function(program).map(str::to_owned) else {
            return;
        };
        let program = program.to_owned();
        let args: Vec<Option<String>> = self.out[idx]
            .args()
            .iter()
            .map(|w| (!w.unresolved && !w.glob).then(|| w.text.clone()))
            .collect();
        // A function defined on some paths only may not be there: what it changes
        // holds only perhaps.
        let uncertain = scope.function_uncertain(&program);
        let mut branch = uncertain.then(|| scope.clone());
        let s = match branch.as_mut() {
            Some(b) => b,
            None => &mut *scope,
        };
        let saved = s.positional();
        s.set_positional(&args, false);
        let mut f = frame.nested(Context::Function, self.out[idx].span);
        f.conditional = frame.conditional || uncertain;
        f.function = Some(program);
        f.wrappers = wrappers.to_vec();
        s.enter_function();
        // `X=v f`: X holds v while the function runs, and its old value after.
        for (k, v) in &self.out[idx].env {
            let value = if self.side[idx].env_unknown.contains(k) {
                Value::unknown()
            } else {
                Value::known(v.clone())
            };
            s.declare_local(k);
            s.assign(k, value, false);
        }
        self.walk_code(&body, &f, s);
        s.leave_function();
        s.restore_positional(saved);
        if let Some(branch) = branch {
            scope.join_branch(branch);
        }
    }

    /// Walk the code an invocation runs from its own arguments.
    pub(super) fn run_code_source(
        &mut self,
        idx: usize,
        code: &CodeSource,
        frame: &Frame,
        scope: &mut Scope,
        wrappers: &[String],
    ) {
        if matches!(
            code,
            CodeSource::None
                | CodeSource::ShellScript { .. }
                | CodeSource::ShellStdin
                | CodeSource::Source { .. }
        ) {
            return;
        }
        let argv = self.out[idx].argv.clone();
        match code {
            CodeSource::ShellString { word } => {
                let program = self.out[idx].program.clone();
                if execution::is_shell(&program) {
                    // `bash -c CODE $0 $1...`: a new shell, which sees exported variables
                    // and the command's own environment, and gets the arguments after
                    // the code as its positional parameters.
                    let mut child = self.shell_scope(idx, scope, Some(word + 1), word + 2);
                    self.nested_shell(
                        &argv[*word],
                        Context::ShellString,
                        &frame.new_shell(),
                        &mut child,
                        wrappers,
                    )
                } else if program == "trap" {
                    let signals = &argv[*word + 1..];
                    let exit = |w: &Word| {
                        let t = w.text.to_ascii_uppercase();
                        matches!(t.as_str(), "EXIT" | "SIGEXIT" | "0")
                    };
                    // `trap CODE EXIT` runs CODE when this shell exits: walked then.
                    if signals.iter().any(|w| w.unresolved || exit(w)) {
                        let trap = ExitTrap {
                            code: argv[*word].clone(),
                            frame: frame.clone(),
                            wrappers: wrappers.to_vec(),
                            cwd: scope.cwd().map(str::to_owned),
                        };
                        scope.set_exit_trap(trap, frame.conditional);
                    }
                    // On a signal (`INT`, `ERR`, `DEBUG`, ...) it runs at any time from
                    // now: what variables hold then, and where the shell is, are unknown.
                    if signals.iter().any(|w| w.unresolved || !exit(w)) {
                        let mut later = scope.for_later();
                        later.change_dir(None, false);
                        self.nested_shell(
                            &argv[*word],
                            Context::ShellString,
                            frame,
                            &mut later,
                            wrappers,
                        )
                    }
                } else {
                    self.nested_shell(&argv[*word], Context::ShellString, frame, scope, wrappers)
                }
            }
            CodeSource::Eval { from } => {
                // `eval` runs in this shell: its `cd` and assignments hold afterwards.
                if let Some(joined) = Word::joined(&argv[*from..]) {
                    if joined.unresolved {
                        self.finding(
                            FindingKind::UnreadableCode,
                            joined.span,
                            "the command string depends on values only known at run time",
                        );
                    }
                    let mut f = frame.nested(Context::Eval, joined.span);
                    f.wrappers = wrappers.to_vec();
                    let unreadable = u32::from(joined.unresolved || !joined.holes.is_empty());
                    self.in_unreadable_code += unreadable;
                    self.walk_code(&joined.text, &f, scope);
                    self.in_unreadable_code -= unreadable;
                }
            }
            CodeSource::Interpreter(interp) => {
                let mut code_text = String::new();
                let mut readable = true;
                for cw in &interp.code_words {
                    let Some(word) = cw.text(&argv) else { continue };
                    if word.unresolved {
                        readable = false;
                        self.finding(
                            FindingKind::UnreadableCode,
                            word.span,
                            format!(
                                "`{}` code depends on values only known at run time",
                                self.out[idx].program
                            ),
                        );
                    }
                    if !code_text.is_empty() {
                        code_text.push('\n');
                    }
                    code_text.push_str(word.text.get(cw.offset..).unwrap_or(""));
                }
                if !interp.code_words.is_empty() {
                    let text = readable.then(|| code_text.clone());
                    self.out[idx].code = Some(InlineCode {
                        language: interp.language,
                        text,
                    });
                    if readable {
                        self.inline_commands(idx, interp.language, &code_text, frame, scope);
                    }
                }
                if let Some(m) = interp.module {
                    let derived: Vec<Word> = argv[m..].to_vec();
                    if !derived.is_empty() {
                        let mut w = wrappers.to_vec();
                        w.push(format!("{} -m", self.out[idx].program));
                        self.emit_with_wrappers(
                            derived,
                            Vec::new(),
                            &[],
                            frame,
                            scope,
                            w,
                            Vec::new(),
                        );
                    }
                }
            }
            CodeSource::None
            | CodeSource::ShellScript { .. }
            | CodeSource::ShellStdin
            | CodeSource::Source { .. } => {}
        }
    }

    /// Commands other programs carry in their arguments (`tar --to-command`, `ssh host CMD`)
    /// or environment (`GIT_SSH_COMMAND=...`).
    pub(super) fn run_carried(
        &mut self,
        idx: usize,
        frame: &Frame,
        scope: &mut Scope,
        wrappers: &[String],
    ) {
        let span = self.out[idx].span;
        let carried = {
            let inv = &self.out[idx];
            crate::shell::carriers::carried(&inv.program, &inv.argv)
        };
        let env_commands: Vec<String> = self.out[idx]
            .env
            .iter()
            .filter(|(k, v)| crate::shell::carriers::carried_by_env(k) && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect();
        for line in env_commands {
            let word = Word::literal(line, span);
            self.nested_shell(&word, Context::ShellString, frame, scope, wrappers);
        }
        for carried in carried {
            match carried {
                crate::shell::carriers::Carried::Line(word, context) => {
                    self.nested_shell(&word, context, frame, scope, wrappers)
                }
                crate::shell::carriers::Carried::Argv(words, context) => {
                    let span = words[0].span.cover(words[words.len() - 1].span);
                    let mut f = frame.nested(context, span);
                    f.wrappers = wrappers.to_vec();
                    self.emit(words, Vec::new(), &[], &f, scope, &[]);
                }
                crate::shell::carriers::Carried::Unreadable(word, why) => {
                    self.finding(FindingKind::UnreadableCode, word.span, why)
                }
            }
        }
    }

    /// The shell commands inline interpreter code runs.
    pub(super) fn inline_commands(
        &mut self,
        idx: usize,
        language: Language,
        code: &str,
        frame: &Frame,
        scope: &mut Scope,
    ) {
        let extraction = inline::shell_commands(language, code);
        let span = self.out[idx].span;
        if extraction.unreadable {
            self.finding(
                FindingKind::UnreadableCode,
                span,
                format!(
                    "{} code runs a command the bouncer cannot read",
                    language.name()
                ),
            );
        }
        let wrappers = self.out[idx].wrappers.clone();
        let mut f = frame.nested(Context::InlineCode, span);
        f.wrappers = wrappers;
        // The interpreter is a new process: what its code reads from the environment
        // (`os.environ['X']` is `$X`) is the exported variables and the command's own
        // (`X=... python3 -c ...`, `env X=...`), not the shell's.
        let child = self.child_scope(idx, scope);
        for command in extraction.commands {
            self.walk_code(&command, &f, &mut child.clone());
        }
    }

    /// Code a shell runs from a string.
    pub(super) fn nested_shell(
        &mut self,
        word: &Word,
        context: Context,
        frame: &Frame,
        scope: &mut Scope,
        wrappers: &[String],
    ) {
        if word.unresolved {
            self.finding(
                FindingKind::UnreadableCode,
                word.span,
                "the command string depends on values only known at run time",
            );
        }
        let mut f = frame.nested(context, word.span);
        f.wrappers = wrappers.to_vec();
        let unreadable = u32::from(word.unresolved || !word.holes.is_empty());
        self.in_unreadable_code += unreadable;
        let mut inner = scope.clone();
        inner.take_exit_traps();
        self.walk_code(&word.text, &f, &mut inner);
        self.run_exit_traps(&mut inner);
        self.in_unreadable_code -= unreadable;
    }

    /// A shell exits (the input's, a subshell's, a `bash -c`'s): the code its
    /// `trap ... EXIT` left runs now. Variables may hold other values by then (the shell
    /// may exit early, on `exit` or `set -e`), and the directory is unknown unless it is
    /// still the one the trap was set in.
    pub(crate) fn run_exit_traps(&mut self, scope: &mut Scope) {
        for trap in scope.take_exit_traps() {
            let mut later = scope.for_later();
            if later.cwd() != trap.cwd.as_deref() {
                later.change_dir(None, false);
            }
            self.nested_shell(
                &trap.code,
                Context::ShellString,
                &trap.frame,
                &mut later,
                &trap.wrappers,
            );
        }
    }

    /// Code read from stdin, now that its text is known.
    pub(super) fn run_stdin_code(
        &mut self,
        idx: usize,
        kind: StdinCode,
        code: String,
        partly_unknown: bool,
        frame: &Frame,
        scope: &mut Scope,
    ) {
        let span = self.out[idx].span;
        if partly_unknown {
            // What runs is read as written, but parts of it are only known at run time
            // (a heredoc's `$X` is expanded before the shell reads it, quotes or not).
            self.finding(
                FindingKind::UnreadableCode,
                span,
                "the code it runs depends on values only known at run time",
            );
        }
        match kind {
            StdinCode::Shell => {
                let mut f = frame.new_shell().nested(Context::Heredoc, span);
                f.wrappers = self.out[idx].wrappers.clone();
                // A shell reading its script from stdin is a new process: it sees the
                // exported variables and the command's own environment, no more.
                let mut child = self.child_scope(idx, scope);
                // `bash -s A B` reads stdin with `A B` as its positional parameters.
                let argv = &self.out[idx].argv;
                if let Some(s) = argv.iter().position(|w| w.text == "-s") {
                    let mut rest = &argv[s + 1..];
                    if rest.first().is_some_and(|w| w.text == "--") {
                        rest = &rest[1..];
                    }
                    let args: Vec<Option<String>> = rest
                        .iter()
                        .map(|w| (!w.unresolved && !w.glob).then(|| w.text.clone()))
                        .collect();
                    child.set_positional(&args, false);
                }
                self.walk_code(&code, &f, &mut child);
                self.run_exit_traps(&mut child);
            }
            StdinCode::Interpreter(language) => {
                self.out[idx].code = Some(InlineCode {
                    language,
                    text: Some(code.clone()),
                });
                let f = frame.nested(Context::Heredoc, span);
                self.inline_commands(idx, language, &code, &f, scope);
            }
        }
    }
}

/// The words of `printf`'s arguments up to its format: only the name `-v` assigns is
/// evaluated (`printf -v 'a[$(cmd)]' x`); the format and the values are data
/// (`printf '`\e[1m%s\e[22m`' x` prints backticks). A word only known at run time
/// among the options may be `-v`: then every word may be the name.
fn printf_names(args: &[Word]) -> std::ops::Range<usize> {
    let mut i = 0;
    while let Some(w) = args.get(i) {
        if w.unresolved {
            return 0..args.len();
        }
        match w.text.as_str() {
            "--" => return 0..i,
            "-v" => i += 2,
            t if t.starts_with('-') && t.len() > 1 => i += 1,
            _ => return 0..i,
        }
    }
    0..args.len()
}
