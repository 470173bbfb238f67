//! `mstro-bouncer explain`: how the engine reads a command and why it decides.

use std::fmt::Write as _;

use mstro_engine::ToolCall;
use mstro_engine::explain::{CandidateReport, Explanation, PathReport};

use super::configured::Configured;
use serde_json::Value;

use super::cli::ExplainArgs;

pub fn run(args: &ExplainArgs) -> i32 {
    match run_inner(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mstro-bouncer explain: {e:#}");
            2
        }
    }
}

fn run_inner(args: &ExplainArgs) -> anyhow::Result<()> {
    let cwd = match &args.cwd {
        Some(dir) => std::path::absolute(dir)?.to_string_lossy().into_owned(),
        None => std::env::current_dir()?.to_string_lossy().into_owned(),
    };
    let configured = Configured::load(Some(&cwd), false)
        .map_err(|e| anyhow::anyhow!("the configuration does not load: {e}"))?;
    let mode = configured.mode(args.mode.map(Into::into));
    let (engine, env) = (&configured.engine, &configured.env);
    let call = if args.tool.eq_ignore_ascii_case("bash") {
        ToolCall::bash(args.command.clone()).with_cwd(cwd)
    } else {
        let input: Value = serde_json::from_str(&args.command).map_err(|e| {
            anyhow::anyhow!(
                "with --tool {}, give the tool_input as a JSON object ({e})",
                args.tool
            )
        })?;
        ToolCall {
            tool_name: args.tool.clone(),
            tool_input: input,
            cwd: Some(cwd),
        }
    };
    let explanation = engine
        .explain(&call, env, mode)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&explanation)?);
    } else {
        print!("{}", render(&explanation));
    }
    Ok(())
}

fn render(e: &Explanation) -> String {
    let mut s = String::new();
    let j = &e.judgement;
    let _ = writeln!(
        s,
        "verdict   {} ({}, severity {})",
        j.verdict,
        j.basis.as_str(),
        j.severity
    );
    if !j.rule_ids.is_empty() {
        let _ = writeln!(s, "rules     {}", j.rule_ids.join(", "));
    }
    let _ = writeln!(s, "reason    {}", j.reason);
    if let Some(a) = &j.alternative {
        let _ = writeln!(s, "safer     {a}");
    }
    let _ = writeln!(s, "span      [{}, {}]", j.span.start, j.span.end);
    for inv in &e.invocations {
        let _ = writeln!(s, "\ninvocation {}: {}", inv.index, inv.argv.join(" "));
        let _ = writeln!(s, "  program   {}", inv.program);
        let _ = writeln!(s, "  context   {}", inv.contexts.join(", "));
        if !inv.wrappers.is_empty() {
            let _ = writeln!(s, "  wrappers  {}", inv.wrappers.join(", "));
        }
        if let Some(cwd) = &inv.cwd {
            let _ = writeln!(s, "  cwd       {cwd}");
        }
        for r in &inv.redirects {
            let _ = writeln!(s, "  redirect  {r}");
        }
        for v in &inv.env {
            let _ = writeln!(s, "  env       {v}");
        }
        if !inv.upstream.is_empty() || !inv.downstream.is_empty() {
            let _ = writeln!(
                s,
                "  pipeline  from {:?} to {:?}",
                inv.upstream, inv.downstream
            );
        }
        let flags: Vec<&str> = [
            (inv.output_executed, "output executed"),
            (inv.background, "background"),
            (inv.self_call, "calls itself"),
        ]
        .iter()
        .filter(|(b, _)| *b)
        .map(|(_, n)| *n)
        .collect();
        if !flags.is_empty() {
            let _ = writeln!(s, "  facts     {}", flags.join(", "));
        }
        if let Some(stdin) = &inv.stdin {
            let _ = writeln!(s, "  stdin     {}", stdin.replace('\n', "⏎"));
        }
        if let Some(code) = &inv.code {
            let _ = writeln!(s, "  code      {}", code.replace('\n', "⏎"));
        }
        if !inv.flags.is_empty() {
            let _ = writeln!(s, "  flags     {}", inv.flags.join(", "));
        }
        if !inv.options.is_empty() {
            let _ = writeln!(s, "  options   {}", inv.options.join(" "));
        }
        for p in &inv.operands {
            let _ = writeln!(s, "  operand   {}", path_line(p));
        }
        let _ = writeln!(
            s,
            "  rules     {} candidate(s), {} ruled out by keyword",
            inv.candidates.len(),
            inv.gated_out
        );
        for c in &inv.candidates {
            let _ = writeln!(s, "    {}", candidate_line(c));
        }
    }
    for p in &e.paths {
        let _ = writeln!(s, "\npath      {}", path_line(p));
    }
    if !e.tool_rules.is_empty() {
        let _ = writeln!(s, "\ntool rules");
        for c in &e.tool_rules {
            let _ = writeln!(s, "    {}", candidate_line(c));
        }
    }
    if !e.findings.is_empty() {
        let _ = writeln!(s, "\nfindings");
        for f in &e.findings {
            let _ = writeln!(
                s,
                "    {} [{}, {}]: {}",
                f.kind.rule_id(),
                f.span.start,
                f.span.end,
                f.detail
            );
        }
    }
    let t = &e.timings_us;
    let _ = writeln!(
        s,
        "\ntime      model {} µs, judgement {} µs, report {} µs",
        t.model, t.judgement, t.total
    );
    s
}

fn path_line(p: &PathReport) -> String {
    let resolved = p
        .resolved
        .as_deref()
        .filter(|r| *r != p.word)
        .map(|r| format!(" → {r}"))
        .unwrap_or_default();
    let mut line = format!("{}{resolved}  [{}]", p.word, p.classes.join(", "));
    if p.certain != p.classes {
        line.push_str(&format!(" (certainly [{}])", p.certain.join(", ")));
    }
    line
}

fn candidate_line(c: &CandidateReport) -> String {
    use mstro_engine::config::SwitchKind;
    match (&c.why_not, c.switched_off) {
        (None, _) => format!("FIRED   {} ({})", c.rule, c.verdict),
        (Some(_), Some(SwitchKind::Disabled)) => {
            format!("off     {} ({}): in disabled_rules", c.rule, c.verdict)
        }
        (Some(_), Some(SwitchKind::CriticalOverride)) => format!(
            "off     {} ({}): in critical_overrides, and would have fired",
            c.rule, c.verdict
        ),
        (Some(why), None) => format!("no      {} ({}): `{why}` did not hold", c.rule, c.verdict),
    }
}
