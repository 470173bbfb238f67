//! Compiled predicates and how they are checked against an invocation or an operation.

use std::cell::{Cell, OnceCell};

use super::Vocabulary;
use super::args::{FlagSpec, ParsedArgs, ProgramCli, long_matches};
use super::value::{
    CodeMatch, LazyRegex, McpMatch, NameMatch, Polarity, TextMatch, UrlMatch, ValueMatch, ValueView,
};
use crate::operation::{Operation, ToolKind};
use crate::path::{PathEnv, WordClasses};
use crate::shell::{Context, ContextSet, Invocation, RedirectOp, ShellModel};
use crate::span::Span;

/// Which words a quantified condition looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    Any,
    All,
    None,
    First,
    Last,
}

/// Which way a command touches files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Io {
    Read,
    Write,
    Delete,
}

/// A file a command touches: a word, a redirect target, or an option's value.
enum Target {
    Word(usize),
    Redirect(usize),
    Value {
        text: String,
        /// Parts of `text` only known at run time.
        holes: Vec<Span>,
        glob: bool,
        classes: OnceCell<WordClasses>,
    },
}

/// A condition on one redirection.
#[derive(Debug)]
pub struct RedirectMatch {
    pub ops: Vec<RedirectOp>,
    pub fds: Vec<u32>,
    pub target: Option<ValueMatch>,
}

/// A compiled predicate.
#[derive(Debug)]
pub enum Pred {
    All(Vec<Pred>),
    Any(Vec<Pred>),
    Not(Box<Pred>),
    /// Program names; a program written as a glob (`/bin/r?`) may be any of them.
    Program {
        names: Vec<NameMatch>,
        polarity: Polarity,
    },
    ProgramPath(ValueMatch),
    Subcommand(Vec<Vec<NameMatch>>),
    Flag(FlagSpec),
    OptionValue {
        spellings: Vec<String>,
        value: ValueMatch,
    },
    /// The environment variable is assigned a value that matches.
    EnvValue {
        name: String,
        value: ValueMatch,
    },
    Operands {
        quant: Quant,
        value: ValueMatch,
    },
    OperandCount {
        min: usize,
        max: Option<usize>,
    },
    ArgCount {
        min: usize,
        max: Option<usize>,
    },
    Args {
        quant: Quant,
        value: ValueMatch,
    },
    Redirects {
        quant: Quant,
        redirect: RedirectMatch,
    },
    Io {
        io: Io,
        value: ValueMatch,
    },
    StdinFrom(Box<Pred>),
    StdoutTo(Box<Pred>),
    /// A command substituted into its words matches (see [`ShellScene::substituted_into`]).
    ArgsFrom(Box<Pred>),
    OutputExecuted(bool),
    SelfCall(bool),
    Background(bool),
    Piped(bool),
    Context(ContextSet),
    Wrappers(Vec<NameMatch>),
    Env(Vec<NameMatch>),
    Stdin {
        text: TextMatch,
        polarity: Polarity,
    },
    Code {
        code: CodeMatch,
        polarity: Polarity,
    },
    Text {
        regex: LazyRegex,
        polarity: Polarity,
    },
    Tool(Vec<ToolKind>),
    Path(ValueMatch),
    Content {
        text: TextMatch,
        polarity: Polarity,
    },
    /// What an Edit replaces.
    Removes {
        text: TextMatch,
        polarity: Polarity,
    },
    /// A Grep's or Glob's search pattern.
    Pattern {
        text: TextMatch,
        polarity: Polarity,
    },
    /// Outgoing text holds a credential of one of these kinds.
    SendsSecret(Vec<crate::secrets::SecretKind>),
    Url {
        url: UrlMatch,
        polarity: Polarity,
    },
    Mcp(McpMatch),
}

/// Why a predicate did not hold: the field that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Miss(pub &'static str);

/// Facts about one invocation, computed on first use and shared by every rule.
pub struct Facts {
    /// The words as each vocabulary layer reads them.
    parsed: [OnceCell<ParsedArgs>; 3],
    text: OnceCell<String>,
    /// The invocations substituted into its words.
    substituted: OnceCell<Vec<usize>>,
    /// What it reads, writes and deletes, per vocabulary layer and [`Io`]: a dozen rules
    /// ask, most of them of every command.
    io: [[OnceCell<Vec<Target>>; 3]; 3],
    words: Vec<OnceCell<WordClasses>>,
    redirects: Vec<OnceCell<WordClasses>>,
}

impl Facts {
    pub fn new(inv: &Invocation) -> Facts {
        Facts {
            parsed: Default::default(),
            text: OnceCell::new(),
            substituted: OnceCell::new(),
            io: Default::default(),
            words: (0..inv.argv.len()).map(|_| OnceCell::new()).collect(),
            redirects: (0..inv.redirects.len()).map(|_| OnceCell::new()).collect(),
        }
    }
}

/// Everything the invocations of one command are judged with.
pub struct ShellScene<'a> {
    pub model: &'a ShellModel,
    pub facts: Vec<Facts>,
    clis: &'a [Vocabulary],
    /// The vocabulary layer of the rule being checked (see [`super::Rule::vocab`]).
    layer: Cell<u8>,
    /// Checking whether a `deny` is certain (see [`WordClasses::named`]).
    certain: Cell<bool>,
    pub env: &'a PathEnv,
}

impl<'a> ShellScene<'a> {
    pub fn new(model: &'a ShellModel, clis: &'a [Vocabulary], env: &'a PathEnv) -> Self {
        ShellScene {
            facts: model.invocations.iter().map(Facts::new).collect(),
            model,
            clis,
            layer: Cell::new(0),
            certain: Cell::new(false),
            env,
        }
    }

    /// Read command lines with this vocabulary layer from now on.
    pub(crate) fn read_with(&self, layer: u8) {
        self.layer
            .set(layer.min(self.clis.len().saturating_sub(1) as u8));
    }

    /// The words of invocation `idx`, read with the current layer's vocabulary.
    pub fn parsed(&self, idx: usize) -> &ParsedArgs {
        let inv = &self.model.invocations[idx];
        let layer = self.layer.get() as usize;
        self.facts[idx].parsed[layer].get_or_init(|| {
            ParsedArgs::parse(&inv.argv, self.clis_of(&inv.program).first().copied())
        })
    }

    /// Program and arguments joined by spaces: what gates and `text:` see.
    pub fn text(&self, idx: usize) -> &str {
        let inv = &self.model.invocations[idx];
        self.facts[idx].text.get_or_init(|| {
            let mut s = inv.program.clone();
            for w in inv.args() {
                s.push(' ');
                s.push_str(&w.text);
            }
            s
        })
    }

    /// The invocations whose output a substitution in the words of invocation `idx`
    /// (`$(...)`, backticks, `<(...)`) puts there, nested ones included
    /// (`"$(cat .env | base64)"`). Found by place: code substituted into `idx` lies
    /// inside its span, one or more levels deeper. An assignment before the command
    /// (`A=$(cat .env) curl ...`) counts too: its value is in the command's environment.
    /// Inside nested code (`bash -c '...'`) every command has the span of the whole
    /// string, so there no command counts as substituted into another: that would link
    /// `x=$(cat .env)` to any command after it.
    pub fn substituted_into(&self, idx: usize) -> &[usize] {
        self.facts[idx].substituted.get_or_init(|| {
            let invs = &self.model.invocations;
            let outer = &invs[idx];
            let substituted = Context::Substitution.bit() | Context::ProcessSubstitution.bit();
            invs.iter()
                .enumerate()
                .filter(|&(i, inv)| {
                    i != idx
                        && inv.depth > outer.depth
                        && inv.contexts.intersects(substituted)
                        && outer.span.start <= inv.span.start
                        && inv.span.end <= outer.span.end
                        && (inv.span.start, inv.span.end) != (outer.span.start, outer.span.end)
                })
                .map(|(i, _)| i)
                .collect()
        })
    }

    /// The files an invocation reads, writes or removes, as its program's vocabulary says.
    fn io_targets(&self, idx: usize, io: Io) -> &[Target] {
        let layer = self.layer.get() as usize;
        self.facts[idx].io[layer][io as usize].get_or_init(|| self.find_io_targets(idx, io))
    }

    fn find_io_targets(&self, idx: usize, io: Io) -> Vec<Target> {
        let inv = &self.model.invocations[idx];
        let mut out = Vec::new();
        for (j, r) in inv.redirects.iter().enumerate() {
            let hit = match io {
                Io::Write => r.op.writes(),
                Io::Read => matches!(r.op, RedirectOp::Read | RedirectOp::ReadWrite),
                Io::Delete => false,
            };
            if hit {
                out.push(Target::Redirect(j));
            }
        }
        let clis = self.clis_of(&inv.program);
        if clis.is_empty() {
            return out;
        }
        let parsed = self.parsed(idx);
        let named = |list: &[String], spelling: &str| {
            list.iter().any(
                |s| match (s.strip_prefix("--"), spelling.strip_prefix("--")) {
                    (Some(want), Some(given)) => long_matches(want, given),
                    _ => s == spelling,
                },
            )
        };
        for cli in clis {
            use crate::pack::format::Which;
            let into = cli.into_directory.as_ref().map(|spellings| {
                parsed
                    .options
                    .iter()
                    .find(|o| named(spellings, &o.spelling))
            });
            // `cp -t DIR a b`: every operand is a source, none is the destination.
            let option_dir = matches!(into, Some(Some(_)));
            let mut select = |which: Option<Which>| {
                let which = match which {
                    Some(Which::AllButLast) if option_dir => Some(Which::All),
                    Some(Which::Last) if option_dir => None,
                    other => other,
                };
                if let Some(w) = which {
                    out.extend(w.select(&parsed.operands).iter().map(|&i| Target::Word(i)));
                }
            };
            match io {
                Io::Read => select(cli.reads),
                Io::Write => {
                    select(cli.writes);
                    if cli.in_place.present(parsed) {
                        select(cli.reads);
                    }
                }
                Io::Delete => select(cli.deletes),
            }
            if io == Io::Write
                && let Some(dir) = into
            {
                let (dir, sources) = match dir {
                    Some(o) => ((o.value.as_str(), o.holes.clone()), &parsed.operands[..]),
                    None => match parsed.operands.split_last() {
                        Some((&last, sources)) => {
                            let w = &inv.argv[last];
                            ((w.text.as_str(), w.holes().into_owned()), sources)
                        }
                        None => (("", Vec::new()), &[][..]),
                    },
                };
                for &s in sources {
                    let source = &inv.argv[s];
                    let name = source
                        .text
                        .trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .unwrap_or("");
                    if name.is_empty() || name == "." || name == ".." {
                        continue;
                    }
                    // `cp x "$D"`: `$D/x`, known to end in `/x`.
                    let dir_text = dir.0.trim_end_matches('/');
                    let holes: Vec<Span> = dir
                        .1
                        .iter()
                        .map(|h| Span::new(h.start.min(dir_text.len()), h.end.min(dir_text.len())))
                        .filter(|h| !h.is_empty())
                        .collect();
                    let mut holes = holes;
                    if source.unresolved {
                        let at = dir_text.len() + 1;
                        holes.push(Span::new(at, at + name.len()));
                    }
                    out.push(Target::Value {
                        text: format!("{dir_text}/{name}"),
                        holes,
                        glob: source.glob,
                        classes: OnceCell::new(),
                    });
                }
            }
            let options = match io {
                Io::Read => &cli.read_options,
                Io::Write => &cli.write_options,
                Io::Delete => continue,
            };
            for o in &parsed.options {
                if named(options, &o.spelling) {
                    out.push(Target::Value {
                        text: o.value.clone(),
                        holes: o.holes.clone(),
                        glob: o.glob,
                        classes: OnceCell::new(),
                    });
                } else if io == Io::Read
                    && named(&cli.read_at_options, &o.spelling)
                    && let Some(file) = at_file(&o.value)
                {
                    // `file` is a slice of the value: keep the holes inside it.
                    let start = file.as_ptr() as usize - o.value.as_ptr() as usize;
                    let end = start + file.len();
                    out.push(Target::Value {
                        text: file.to_owned(),
                        holes: o
                            .holes
                            .iter()
                            .filter(|h| h.end > start && h.start < end)
                            .map(|h| Span::new(h.start.max(start) - start, h.end.min(end) - start))
                            .collect(),
                        glob: o.glob,
                        classes: OnceCell::new(),
                    });
                }
            }
        }
        out
    }

    /// The vocabularies for a program: its own, or for a program written as a glob
    /// (`/bin/d?`), those of every known program it may be.
    fn clis_of(&self, program: &str) -> Vec<&ProgramCli> {
        let Some(clis) = self.clis.get(self.layer.get() as usize) else {
            return Vec::new();
        };
        if let Some(cli) = clis.get(program) {
            return vec![cli];
        }
        if !program.contains(['*', '?', '[']) {
            return Vec::new();
        }
        let Ok(pattern) = glob::Pattern::new(program) else {
            return Vec::new();
        };
        let mut names: Vec<&String> = clis.keys().filter(|n| pattern.matches(n)).collect();
        names.sort();
        names.into_iter().filter_map(|n| clis.get(n)).collect()
    }

    fn word(&self, idx: usize, w: usize) -> ValueView<'_> {
        let inv = &self.model.invocations[idx];
        let word = &inv.argv[w];
        ValueView {
            text: &word.text,
            unresolved: word.unresolved,
            holes: &word.holes,
            glob: word.glob,
            env: self.env,
            cwd: inv.cwd.as_deref(),
            classes: &self.facts[idx].words[w],
            certain: self.certain.get(),
        }
    }
}

/// A non-shell operation and the facts about it.
pub struct ToolScene<'a> {
    pub op: &'a Operation,
    pub env: &'a PathEnv,
    pub cwd: Option<&'a str>,
    paths: Vec<(String, bool)>,
    classes: Vec<OnceCell<WordClasses>>,
    /// Where each path really points when a symbolic link takes it elsewhere.
    real: Vec<Option<(String, OnceCell<WordClasses>)>>,
    /// The environment and working directory real paths are classified against (see
    /// [`PathEnv::physical`]), when some path has one.
    physical: Option<(PathEnv, Option<String>)>,
    /// Credentials in the text it sends out, found on first use.
    secrets: OnceCell<Vec<crate::secrets::SecretKind>>,
    /// Checking whether a `deny` is certain (see [`WordClasses::named`]).
    certain: Cell<bool>,
}

impl<'a> ToolScene<'a> {
    pub fn new(op: &'a Operation, env: &'a PathEnv, cwd: Option<&'a str>) -> Self {
        let paths = op.paths();
        let classes = paths.iter().map(|_| OnceCell::new()).collect();
        let real: Vec<_> = paths
            .iter()
            .map(|(p, glob)| {
                if !env.follow_links {
                    return None;
                }
                let real = real_of(p, *glob, cwd)?;
                Some((real, OnceCell::new()))
            })
            .collect();
        let physical = real.iter().any(Option::is_some).then(|| env.physical(cwd));
        ToolScene {
            op,
            env,
            cwd,
            paths,
            classes,
            real,
            physical,
            secrets: OnceCell::new(),
            certain: Cell::new(false),
        }
    }

    /// The kinds of credential in the text the operation sends out.
    fn secrets(&self) -> &[crate::secrets::SecretKind] {
        self.secrets.get_or_init(|| {
            let mut kinds = Vec::new();
            for text in self.op.outgoing() {
                for k in crate::secrets::find(text) {
                    if !kinds.contains(&k) {
                        kinds.push(k);
                    }
                }
            }
            kinds
        })
    }

    fn view(&self, i: usize) -> ValueView<'_> {
        let (path, glob) = &self.paths[i];
        let v = ValueView {
            text: path,
            unresolved: false,
            holes: &[],
            glob: *glob,
            env: self.env,
            cwd: self.cwd,
            classes: &self.classes[i],
            certain: self.certain.get(),
        };
        v.classes
            .get_or_init(|| crate::path::classify_word(path, *glob, &[], self.env, self.cwd));
        v
    }

    /// Where path `i` really points, classified against the real directories.
    fn real_view(&self, i: usize) -> Option<ValueView<'_>> {
        let (path, classes) = self.real[i].as_ref()?;
        let (env, cwd) = self.physical.as_ref()?;
        let glob = self.paths[i].1;
        classes.get_or_init(|| crate::path::classify_word(path, glob, &[], env, cwd.as_deref()));
        Some(ValueView {
            text: path,
            unresolved: false,
            holes: &[],
            glob,
            env,
            cwd: cwd.as_deref(),
            classes,
            certain: self.certain.get(),
        })
    }

    /// Does `m` hold for path `i`? For the strictest of the path as named and where it
    /// really points: a tightening match holds when it holds for either, a loosening
    /// one only when it holds for both.
    fn path_matches(&self, i: usize, m: &ValueMatch) -> bool {
        let named = m.matches(&self.view(i));
        match self.real_view(i) {
            None => named,
            Some(real) => match m.polarity {
                Polarity::Strict => named || m.matches(&real),
                Polarity::Lenient => named && m.matches(&real),
            },
        }
    }
}

/// Where a tool's path really points, when a symbolic link takes it elsewhere. For a
/// glob, the directory before its first pattern component is followed and the
/// pattern kept (`docs/link/**/*.pem`).
fn real_of(path: &str, glob: bool, cwd: Option<&str>) -> Option<String> {
    let abs = crate::path::absolutize(path, cwd)?;
    let (dir, rest) = match abs.find(['*', '?', '[']) {
        Some(g) if glob => {
            let cut = abs[..g].rfind('/').unwrap_or(0);
            (&abs[..cut], &abs[cut..])
        }
        _ => (abs.as_str(), ""),
    };
    if dir.is_empty() {
        return None;
    }
    let real = crate::path::real_path(dir)?;
    (real != dir).then(|| {
        if real == "/" && !rest.is_empty() {
            rest.to_owned()
        } else {
            format!("{real}{rest}")
        }
    })
}

impl Subject<'_, '_> {
    /// From now on, read tightening matches by what values certainly are
    /// ([`WordClasses::named`]) rather than what they may be.
    pub(crate) fn read_certainly(&self, certain: bool) {
        match self {
            Subject::Invocation(scene, _) => scene.certain.set(certain),
            Subject::Tool(scene) => scene.certain.set(certain),
        }
    }
}

/// What a predicate is checked against.
#[derive(Clone, Copy)]
pub enum Subject<'s, 'a> {
    Invocation(&'s ShellScene<'a>, usize),
    Tool(&'s ToolScene<'a>),
}

impl Pred {
    /// Check the predicate. `skip` carries the number of operands a matched
    /// `subcommand` consumed, for the `operands` checks that follow it.
    pub fn check(&self, s: Subject, skip: &Cell<usize>) -> Result<(), Miss> {
        let ok = |b: bool, field: &'static str| if b { Ok(()) } else { Err(Miss(field)) };
        match self {
            Pred::All(ps) => ps.iter().try_for_each(|p| p.check(s, skip)),
            Pred::Any(ps) => ok(
                ps.iter()
                    .any(|p| p.check(s, &Cell::new(skip.get())).is_ok()),
                "any",
            ),
            Pred::Not(p) => ok(p.check(s, &Cell::new(skip.get())).is_err(), "not"),
            Pred::Tool(kinds) => match s {
                Subject::Tool(t) => ok(kinds.contains(&t.op.kind()), "tool"),
                Subject::Invocation(..) => Err(Miss("tool")),
            },
            Pred::Path(m) => match s {
                Subject::Tool(t) => ok((0..t.paths.len()).any(|i| t.path_matches(i, m)), "path"),
                Subject::Invocation(..) => Err(Miss("path")),
            },
            Pred::Content { text, polarity } => match s {
                Subject::Tool(t) => ok(
                    t.op.content().is_some_and(|c| text.matches(c, *polarity)),
                    "content",
                ),
                Subject::Invocation(..) => Err(Miss("content")),
            },
            Pred::Removes { text, polarity } => match s {
                Subject::Tool(t) => ok(
                    matches!(t.op, Operation::Edit { old_text, .. } if text.matches(old_text, *polarity)),
                    "removes",
                ),
                Subject::Invocation(..) => Err(Miss("removes")),
            },
            Pred::Pattern { text, polarity } => match s {
                Subject::Tool(t) => ok(
                    matches!(t.op, Operation::Grep { pattern, .. } | Operation::Glob { pattern, .. } if text.matches(pattern, *polarity)),
                    "pattern",
                ),
                Subject::Invocation(..) => Err(Miss("pattern")),
            },
            Pred::SendsSecret(kinds) => match s {
                Subject::Tool(t) => ok(
                    t.secrets().iter().any(|k| kinds.contains(k)),
                    "sends_secret",
                ),
                Subject::Invocation(..) => Err(Miss("sends_secret")),
            },
            Pred::Url { url, polarity } => match s {
                Subject::Tool(t) => ok(
                    matches!(t.op, Operation::WebFetch { url: u, .. } if url.matches(u, *polarity)),
                    "url",
                ),
                Subject::Invocation(..) => Err(Miss("url")),
            },
            Pred::Mcp(m) => match s {
                Subject::Tool(t) => ok(
                    matches!(t.op, Operation::Mcp { server, tool, .. } if m.matches(server, tool)),
                    "mcp",
                ),
                Subject::Invocation(..) => Err(Miss("mcp")),
            },
            shell => match s {
                Subject::Invocation(scene, idx) => shell.check_invocation(scene, idx, skip),
                Subject::Tool(_) => Err(Miss("shell predicate on a non-shell operation")),
            },
        }
    }

    fn check_invocation(
        &self,
        scene: &ShellScene,
        idx: usize,
        skip: &Cell<usize>,
    ) -> Result<(), Miss> {
        let inv = &scene.model.invocations[idx];
        let ok = |b: bool, field: &'static str| if b { Ok(()) } else { Err(Miss(field)) };
        match self {
            Pred::Program { names, polarity } => {
                // A program written as a glob is there to hide which program it runs:
                // it is judged as each program it may run, and that is certain enough.
                let hit = names.iter().any(|n| n.matches(&inv.program))
                    || (*polarity == Polarity::Strict && program_glob_matches(&inv.program, names));
                ok(hit, "program")
            }
            Pred::ProgramPath(m) => ok(m.matches(&scene.word(idx, 0)), "program_path"),
            Pred::Subcommand(alternatives) => {
                let operands = &scene.parsed(idx).operands;
                for alt in alternatives {
                    let fits = alt.len() <= operands.len()
                        && alt
                            .iter()
                            .zip(operands)
                            .all(|(m, &w)| m.matches(&inv.argv[w].text));
                    if fits {
                        skip.set(alt.len());
                        return Ok(());
                    }
                }
                Err(Miss("subcommand"))
            }
            Pred::Flag(spec) => ok(spec.present(scene.parsed(idx)), "flags"),
            Pred::OptionValue { spellings, value } => {
                let parsed = scene.parsed(idx);
                let hit = parsed.options.iter().any(|o| {
                    let named = spellings.iter().any(|s| {
                        match (s.strip_prefix("--"), o.spelling.strip_prefix("--")) {
                            (Some(want), Some(given)) => long_matches(want, given),
                            _ => *s == o.spelling,
                        }
                    });
                    named && {
                        let cell = OnceCell::new();
                        let view = ValueView {
                            text: &o.value,
                            unresolved: o.unresolved,
                            holes: &o.holes,
                            glob: o.glob,
                            env: scene.env,
                            cwd: inv.cwd.as_deref(),
                            classes: &cell,
                            certain: scene.certain.get(),
                        };
                        value.matches(&view)
                    }
                });
                ok(hit, "options")
            }
            Pred::Operands { quant, value } => {
                let operands = scene.parsed(idx).operands.get(skip.get()..).unwrap_or(&[]);
                ok(
                    quantify(*quant, operands.iter().map(|&w| scene.word(idx, w)), |v| {
                        value.matches(v)
                    }),
                    "operands",
                )
            }
            Pred::OperandCount { min, max } => {
                let n = scene.parsed(idx).operands.len().saturating_sub(skip.get());
                ok(n >= *min && max.is_none_or(|m| n <= m), "operands")
            }
            Pred::ArgCount { min, max } => {
                let n = inv.argv.len().saturating_sub(1);
                ok(n >= *min && max.is_none_or(|m| n <= m), "args")
            }
            Pred::Args { quant, value } => ok(
                quantify(
                    *quant,
                    (1..inv.argv.len()).map(|w| scene.word(idx, w)),
                    |v| value.matches(v),
                ),
                "args",
            ),
            Pred::Redirects { quant, redirect } => {
                let views = inv.redirects.iter().enumerate().map(|(j, r)| {
                    (
                        r,
                        ValueView {
                            text: &r.target.text,
                            unresolved: r.target.unresolved,
                            holes: &r.target.holes,
                            glob: r.target.glob,
                            env: scene.env,
                            cwd: inv.cwd.as_deref(),
                            classes: &scene.facts[idx].redirects[j],
                            certain: scene.certain.get(),
                        },
                    )
                });
                ok(
                    quantify(*quant, views, |(r, v)| redirect_matches(redirect, r, v)),
                    "redirects",
                )
            }
            Pred::Io { io, value } => {
                let hit = scene.io_targets(idx, *io).iter().any(|t| match t {
                    Target::Word(w) => value.matches(&scene.word(idx, *w)),
                    Target::Redirect(j) => {
                        let r = &inv.redirects[*j].target;
                        let view = ValueView {
                            text: &r.text,
                            unresolved: r.unresolved,
                            holes: &r.holes,
                            glob: r.glob,
                            env: scene.env,
                            cwd: inv.cwd.as_deref(),
                            classes: &scene.facts[idx].redirects[*j],
                            certain: scene.certain.get(),
                        };
                        value.matches(&view)
                    }
                    Target::Value {
                        text,
                        holes,
                        glob,
                        classes,
                    } => {
                        let view = ValueView {
                            text,
                            unresolved: !holes.is_empty(),
                            holes,
                            glob: *glob,
                            env: scene.env,
                            cwd: inv.cwd.as_deref(),
                            classes,
                            certain: scene.certain.get(),
                        };
                        value.matches(&view)
                    }
                });
                let field = match io {
                    Io::Read => "reads",
                    Io::Write => "writes",
                    Io::Delete => "deletes",
                };
                ok(hit, field)
            }
            Pred::StdinFrom(p) => ok(
                inv.upstream.iter().any(|&u| {
                    p.check(Subject::Invocation(scene, u), &Cell::new(0))
                        .is_ok()
                }),
                "stdin_from",
            ),
            Pred::StdoutTo(p) => ok(
                inv.downstream.iter().any(|&d| {
                    p.check(Subject::Invocation(scene, d), &Cell::new(0))
                        .is_ok()
                }),
                "stdout_to",
            ),
            Pred::ArgsFrom(p) => ok(
                scene.substituted_into(idx).iter().any(|&d| {
                    p.check(Subject::Invocation(scene, d), &Cell::new(0))
                        .is_ok()
                }),
                "args_from",
            ),
            Pred::OutputExecuted(b) => ok(inv.output_executed == *b, "output_executed"),
            Pred::SelfCall(b) => ok(inv.self_call == *b, "self_call"),
            Pred::Background(b) => ok(inv.background == *b, "background"),
            Pred::Piped(b) => ok(inv.piped == *b, "piped"),
            Pred::Context(set) => ok(inv.contexts.intersects(*set), "context"),
            Pred::Wrappers(names) => ok(
                inv.wrappers
                    .iter()
                    .any(|w| names.iter().any(|n| n.matches(w))),
                "wrappers",
            ),
            Pred::EnvValue { name, value } => ok(
                inv.env.iter().any(|(k, v)| {
                    k == name && {
                        let cell = OnceCell::new();
                        let view = ValueView {
                            text: v,
                            unresolved: inv.env_unknown.iter().any(|u| u == k),
                            holes: &[],
                            glob: false,
                            env: scene.env,
                            cwd: inv.cwd.as_deref(),
                            classes: &cell,
                            certain: scene.certain.get(),
                        };
                        value.matches(&view)
                    }
                }),
                "env_values",
            ),
            Pred::Env(names) => ok(
                inv.env
                    .iter()
                    .any(|(k, _)| names.iter().any(|n| n.matches(k))),
                "env",
            ),
            Pred::Stdin { text, polarity } => ok(
                inv.stdin
                    .as_deref()
                    .is_some_and(|d| text.matches(d, *polarity)),
                "stdin",
            ),
            Pred::Code { code, polarity } => ok(code.matches(inv.code.as_ref(), *polarity), "code"),
            Pred::Text { regex, polarity } => ok(
                regex.is_match(scene.text(idx)).unwrap_or(polarity.unsure()),
                "text",
            ),
            Pred::All(_)
            | Pred::Any(_)
            | Pred::Not(_)
            | Pred::Tool(_)
            | Pred::Path(_)
            | Pred::Content { .. }
            | Pred::Removes { .. }
            | Pred::Pattern { .. }
            | Pred::SendsSecret(_)
            | Pred::Url { .. }
            | Pred::Mcp(_) => self.check(Subject::Invocation(scene, idx), skip),
        }
    }
}

/// A program name written as a glob (`r?`, `/bin/r[m]`) that could run one of `names`.
fn program_glob_matches(program: &str, names: &[NameMatch]) -> bool {
    if !program.contains(['*', '?', '[']) {
        return false;
    }
    let Ok(pattern) = glob::Pattern::new(program) else {
        return true;
    };
    names.iter().any(|n| match n {
        NameMatch::Exact(e) => pattern.matches(e),
        // `mk?s.ext4` against `mkfs.*`: complete the rule's literal prefix with the rest of
        // the program name.
        NameMatch::Glob(g) => {
            let prefix = g.as_str().trim_end_matches(['*', '?']);
            let rest = program.get(prefix.len()..).unwrap_or("");
            pattern.matches(&format!("{prefix}{rest}")) || pattern.matches(prefix)
        }
    })
}

/// The file in `@file`, `name@file`, `name=@file;type=x` or `name=<file`.
fn at_file(value: &str) -> Option<&str> {
    let after = match value.strip_prefix('@') {
        Some(f) => f,
        None => value
            .find("=@")
            .or_else(|| value.find("=<"))
            .map(|i| &value[i + 2..])
            .or_else(|| value.find('@').map(|i| &value[i + 1..]))?,
    };
    let file = after.split(';').next().unwrap_or(after);
    (!file.is_empty()).then_some(file)
}

fn redirect_matches(m: &RedirectMatch, r: &crate::shell::Redirect, v: &ValueView) -> bool {
    use crate::shell::RedirectOp;
    // A heredoc's or here-string's "target" is text fed to stdin (or a delimiter), not
    // a file: a path matcher says nothing about it unless the rule names the operator.
    // (`read -a xs <<< "$(cmd)"` is not possibly `/dev/tcp/...`.)
    let data = matches!(r.op, RedirectOp::Heredoc | RedirectOp::Herestring);
    if data && m.target.is_some() && !m.ops.contains(&r.op) {
        return false;
    }
    (m.ops.is_empty() || m.ops.contains(&r.op))
        && (m.fds.is_empty() || r.fd.is_some_and(|fd| m.fds.contains(&fd)))
        && m.target.as_ref().is_none_or(|t| t.matches(v))
}

fn quantify<T>(
    quant: Quant,
    items: impl Iterator<Item = T>,
    mut pred: impl FnMut(&T) -> bool,
) -> bool {
    match quant {
        Quant::Any => items.into_iter().any(|i| pred(&i)),
        Quant::All => items.into_iter().all(|i| pred(&i)),
        Quant::None => !items.into_iter().any(|i| pred(&i)),
        Quant::First => items.into_iter().next().is_some_and(|i| pred(&i)),
        Quant::Last => items.into_iter().last().is_some_and(|i| pred(&i)),
    }
}
