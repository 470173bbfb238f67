//! One invocation: wrappers stripped, recorded, and everything it runs walked.

use super::output::emitted_text;
use super::redirects::{RedirectSpec, may_fail, stdin_data, stdin_spec};
use super::{EnvVar, Executed, Frame, RunsIn, Side, StdinCode, Walker};
use crate::shell::execution::{self, CodeSource};
use crate::shell::input::Input;
use crate::shell::invocation::{Context, FindingKind, Invocation};
use crate::shell::scope::{Scope, Value};
use crate::shell::word::Word;
use crate::shell::wrappers::EnvRemoved;
use crate::shell::{confusables, derived, links, program_name, wrappers};

impl Walker<'_> {
    /// Build, strip and record one invocation, then walk everything it runs.
    /// Returns its index and its executed words.
    pub(super) fn emit(
        &mut self,
        argv: Vec<Word>,
        mut env: Vec<EnvVar>,
        specs: &[RedirectSpec],
        frame: &Frame,
        scope: &mut Scope,
        extra_wrappers: &[String],
    ) -> Option<(usize, Vec<Executed>)> {
        if self.out.len() >= self.limits.max_invocations {
            if !self.stopped {
                let span = argv.first().map(|w| w.span).unwrap_or_default();
                self.finding(
                    FindingKind::TooManyInvocations,
                    span,
                    format!("more than {} commands", self.limits.max_invocations),
                );
                self.stopped = true;
            }
            return None;
        }
        let stripped = wrappers::strip(argv);
        let mut wrappers: Vec<String> = frame
            .wrappers
            .iter()
            .chain(extra_wrappers)
            .cloned()
            .collect();
        wrappers.extend(stripped.wrappers.iter().cloned());
        env.extend(stripped.env.iter().map(|(k, v)| {
            let unknown = stripped.env_unknown.contains(k);
            (k.clone(), v.clone(), unknown)
        }));
        let argv = stripped.argv;
        let wrapper_options = stripped.options;
        let program = program_name(&argv.first()?.text);

        // Programs that build commands: their commands stand in for them. Only they
        // read their input here (it is copied for them alone).
        let input = match derived::builds_commands(&program) {
            false => None,
            true => match stdin_data(specs) {
                Some(data) => data.map(|d| Input::Text(d.clone())),
                None => frame.stdin.as_deref().cloned(),
            },
        };
        if let Some(d) = derived::derived(&program, &argv, input.as_ref())
            && d.replaces
        {
            wrappers.push(d.via.into());
            let mut first = None;
            for cmd in d.commands {
                let r = self.emit_with_wrappers(
                    cmd,
                    env.clone(),
                    specs,
                    frame,
                    scope,
                    wrappers.clone(),
                    Vec::new(),
                );
                first = first.or(r);
            }
            for s in d.shell_strings.iter().chain(&stripped.shell_strings) {
                let mut child = scope.for_child();
                self.nested_shell(s, Context::ShellString, frame, &mut child, &wrappers);
            }
            if first.is_some() {
                return first;
            }
        }
        let recorded = self.record(
            argv,
            program,
            env,
            specs,
            frame,
            scope,
            wrappers,
            stripped.shell_strings,
            stripped.env_removed,
        );
        if let Some((idx, _)) = &recorded
            && let Some(inv) = self.out.get_mut(*idx)
        {
            inv.wrapper_options = wrapper_options;
        }
        recorded
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn emit_with_wrappers(
        &mut self,
        argv: Vec<Word>,
        env: Vec<EnvVar>,
        specs: &[RedirectSpec],
        frame: &Frame,
        scope: &mut Scope,
        wrappers: Vec<String>,
        shell_strings: Vec<Word>,
    ) -> Option<(usize, Vec<Executed>)> {
        let mut f = frame.clone();
        f.wrappers = wrappers;
        let r = self.emit(argv, env, specs, &f, scope, &[]);
        for s in shell_strings {
            self.nested_shell(&s, Context::ShellString, &f, scope, &f.wrappers.clone());
        }
        r
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn record(
        &mut self,
        argv: Vec<Word>,
        program: String,
        env: Vec<EnvVar>,
        specs: &[RedirectSpec],
        frame: &Frame,
        scope: &mut Scope,
        wrappers: Vec<String>,
        shell_strings: Vec<Word>,
        env_removed: EnvRemoved,
    ) -> Option<(usize, Vec<Executed>)> {
        let first = &argv[0];
        let first_span = first.span;
        let span = frame
            .span
            .unwrap_or_else(|| argv.iter().fold(first_span, |s, w| s.cover(w.span)));
        if first.glob {
            let why = format!(
                "`{}` is a pattern; the shell runs whatever file it matches",
                first.text
            );
            self.finding(FindingKind::UnresolvedProgram, first_span, why);
        }
        let first = &argv[0];
        if first.unresolved {
            let why = format!("`{}` is only known at run time", first.text);
            self.finding(FindingKind::UnresolvedProgram, first_span, why);
        }
        if let Some(why) = confusables::check(&argv) {
            self.finding(FindingKind::Confusable, first_span, why);
        }
        let code = execution::code_source(&program, &argv);
        let self_call = frame.function.as_deref() == Some(program.as_str());
        let idx = self.out.len();
        let env_unknown: Vec<String> = env
            .iter()
            .filter(|(_, _, unknown)| *unknown)
            .map(|(k, _, _)| k.clone())
            .collect();
        self.out.push(Invocation {
            program: program.clone(),
            argv,
            wrappers: wrappers.clone(),
            wrapper_options: Vec::new(),
            env: env.into_iter().map(|(k, v, _)| (k, v)).collect(),
            env_unknown: env_unknown.clone(),
            redirects: Vec::new(),
            context: frame.context,
            contexts: frame.contexts,
            span,
            cwd: scope.cwd().map(str::to_owned),
            upstream: Vec::new(),
            downstream: Vec::new(),
            output_executed: frame.output_executed,
            background: false,
            piped: false,
            self_call,
            stdin: None,
            code: None,
            depth: frame.depth,
        });
        self.side.push(Side {
            env_removed,
            env_unknown,
            ..Side::default()
        });

        // `sudo -s`, `su -c`, `watch`: a new shell runs the line (`$f` in it is that
        // shell's, which sees exported variables only).
        for s in &shell_strings {
            let mut child = self.child_scope(idx, scope);
            child.assign("0", Value::unknown(), false);
            self.nested_shell(s, Context::ShellString, frame, &mut child, &wrappers);
        }
        self.run_code_source(idx, &code, frame, scope, &wrappers);
        self.run_carried(idx, frame, scope, &wrappers);
        if code.reads_stdin() {
            self.side[idx].reads_code = Some(match &code {
                CodeSource::Interpreter(i) => StdinCode::Interpreter(i.language),
                _ => StdinCode::Shell,
            });
        }
        self.side[idx].emits = emitted_text(&self.out[idx], specs);
        self.side[idx].emits_partly_unknown = stdin_spec(specs).is_some_and(|i| {
            matches!(
                specs[i],
                RedirectSpec::Stdin {
                    partly_unknown: true,
                    ..
                }
            )
        });
        self.apply_specs(idx, specs, frame, scope);
        if frame.span.is_none() {
            // The redirects are part of the command a person reads (`bash -i >& /dev/tcp/...`).
            let inv = &mut self.out[idx];
            inv.span = inv
                .redirects
                .iter()
                .fold(inv.span, |s, r| s.cover(r.target.span));
        }

        if let Some(d) = derived::derived(&program, &self.out[idx].argv, None)
            && !d.replaces
        {
            let mut w = wrappers.clone();
            w.push(d.via.into());
            for (cmd, elsewhere) in d.commands.into_iter().zip(d.elsewhere) {
                // `-execdir` runs in each match's directory.
                let mut there = scope.clone();
                if elsewhere {
                    there.change_dir(None, false);
                }
                let s = if elsewhere { &mut there } else { &mut *scope };
                self.emit_with_wrappers(cmd, Vec::new(), &[], frame, s, w.clone(), Vec::new());
            }
        }
        // A redirection that fails keeps the command from running: what it would
        // change may not change.
        let maybe = frame.conditional();
        let effects = if may_fail(specs) { &maybe } else { frame };
        self.scope_effects(idx, effects, scope);
        if wrappers.iter().any(|w| w == "coproc") && code.reads_stdin() {
            self.finding(
                FindingKind::CodeFromPipe,
                span,
                format!("`{program}` runs as a coprocess whatever is later written to it"),
            );
        }
        self.reevaluated_text(idx, frame, scope);
        self.call_function(idx, effects, scope, &wrappers);
        self.through_links(idx, frame, scope, &wrappers);

        let argv = &self.out[idx].argv;
        let mut executed = vec![Executed {
            span: argv[0].origin,
            runs_in: RunsIn::Copy,
        }];
        executed.extend(code.executed_words(argv.len()).into_iter().filter_map(|i| {
            let runs_in = match code {
                CodeSource::Source { .. } | CodeSource::Eval { .. } => RunsIn::ThisShell,
                // `bash -c CODE $0 $1...`
                CodeSource::ShellString { word } => RunsIn::NewShell {
                    idx,
                    zero: Some(word + 1),
                    args: word + 2,
                },
                // `bash SCRIPT $1...`: `$0` is the script's path (`/dev/fd/63`).
                CodeSource::ShellScript { word } => RunsIn::NewShell {
                    idx,
                    zero: None,
                    args: word + 1,
                },
                CodeSource::None | CodeSource::ShellStdin | CodeSource::Interpreter(_) => {
                    RunsIn::Copy
                }
            };
            argv.get(i).map(|w| Executed {
                span: w.origin,
                runs_in,
            })
        }));
        Some((idx, executed))
    }

    /// A command that names a path through a link made earlier in the input
    /// (`ln -s ~ dist; rm -rf dist/`) is judged a second time as it reaches the target.
    pub(super) fn through_links(
        &mut self,
        idx: usize,
        frame: &Frame,
        scope: &mut Scope,
        wrappers: &[String],
    ) {
        if scope.links().is_empty() || self.following_links {
            return;
        }
        let inv = &self.out[idx];
        let cwd = inv.cwd.as_deref();
        // Removing the link itself does not touch what it points at; `dist/` does.
        let removes = matches!(
            inv.program.as_str(),
            "rm" | "unlink" | "rmdir" | "mv" | "rimraf"
        );
        // `ln` is judged after the link it makes is in the scope; its own operands name
        // that link, not a path through it (`ln -s /usr/bin/fd pkg/fdfind` writes
        // `pkg/fdfind`, not `/usr/bin/fd`). Links made earlier still count.
        let own: Vec<(String, String)> = if inv.program == "ln" {
            links::made_by_ln(&inv.argv, cwd)
        } else {
            Vec::new()
        };
        let earlier: Vec<(String, String)> = scope
            .links()
            .iter()
            .filter(|l| !own.contains(l))
            .cloned()
            .collect();
        if earlier.is_empty() {
            return;
        }
        let mut changed = false;
        let mut argv = inv.argv.clone();
        for w in argv.iter_mut().skip(1) {
            if let Some(text) = links::follow(&w.text, cwd, &earlier, removes) {
                w.text = text;
                changed = true;
            }
        }
        let mut specs = Vec::new();
        for r in &inv.redirects {
            let mut r = r.clone();
            if let Some(text) = links::follow(&r.target.text, cwd, &earlier, false) {
                r.target.text = text;
                changed = true;
            }
            specs.push(RedirectSpec::File(r));
        }
        if !changed {
            return;
        }
        let unknown = &self.side[idx].env_unknown;
        let env = inv
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone(), unknown.contains(k)))
            .collect();
        let mut f = frame.clone();
        f.wrappers = wrappers.to_vec();
        // The same command judged again, not run again: nothing it does holds after.
        self.following_links = true;
        self.emit(argv, env, &specs, &f, &mut scope.clone(), &[]);
        self.following_links = false;
    }
}
