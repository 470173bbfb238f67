use mstro_engine::path::PathEnv;
use mstro_engine::shell::{Limits, model};
fn main() {
    let env = PathEnv::fixture();
    for cmd in std::env::args().skip(1) {
        let m = model(&cmd, &env, Some("/home/dev/project"), &Limits::default());
        println!("=== {cmd:?}");
        for (i, inv) in m.invocations.iter().enumerate() {
            let argv: Vec<String> = inv
                .argv
                .iter()
                .map(|w| {
                    format!(
                        "{}{}{}",
                        w.text,
                        if w.unresolved { "?" } else { "" },
                        if w.glob { "*" } else { "" }
                    )
                })
                .collect();
            println!(
                "  [{i}] {} argv={:?} wr={:?} ctx={:?} span={:?} up={:?} exec_out={} bg={} piped={} self={} stdin={:?} code={:?} redirs={:?} env={:?} cwd={:?}",
                inv.program,
                argv,
                inv.wrappers,
                inv.contexts.names(),
                (inv.span.start, inv.span.end),
                inv.upstream,
                inv.output_executed,
                inv.background,
                inv.piped,
                inv.self_call,
                inv.stdin
                    .as_deref()
                    .map(|s| s.chars().take(30).collect::<String>()),
                inv.code.as_ref().map(|c| (
                    c.language,
                    c.text
                        .as_deref()
                        .map(|t| t.chars().take(30).collect::<String>())
                )),
                inv.redirects
                    .iter()
                    .map(|r| format!("{:?}:{}", r.op, r.target.text))
                    .collect::<Vec<_>>(),
                inv.env,
                inv.cwd
            );
        }
        for f in &m.findings {
            println!(
                "  FINDING {:?} {:?} {}",
                f.kind,
                (f.span.start, f.span.end),
                f.detail
            );
        }
    }
}
