//! Which shipped rules a call can need, read from the call before the engine is built:
//! the hook then compiles those rules only (see `pack::builtin`).

use std::collections::BTreeSet;

use crate::operation::{Operation, ToolCall};
use crate::pack::Relevance;
use crate::path::PathEnv;
use crate::shell::{self, Context, FindingKind, Limits};

/// The programs `call` runs (every invocation, nested ones included), and whether it is
/// a tool other than Bash. A program written as a glob could be any program, a call
/// that does not parse could be anything, and a file a command runs could hold any
/// command: all need every rule.
pub fn relevance_of(call: &ToolCall, env: &PathEnv) -> Relevance {
    let env = env.for_call(call.cwd.as_deref());
    let Ok(op) = Operation::from_call(call, &env) else {
        return Relevance::All;
    };
    // Code written to be run is judged as commands, which any rule may be about.
    let left;
    let written = match &op {
        Operation::Write { path, content } => Some((path, content.as_str())),
        Operation::Edit {
            path,
            new_text,
            edits,
            ..
        } => {
            left = crate::executed::after_edit(path, edits);
            Some((path, left.as_deref().unwrap_or(new_text)))
        }
        _ => None,
    };
    if let Some((path, text)) = written
        && crate::executed::is_code(path, text)
    {
        return Relevance::All;
    }
    // What an MCP call's arguments carry may be a command or SQL: any rule may apply.
    if let Operation::Mcp {
        server,
        tool,
        input,
        ..
    } = &op
        && crate::operation::mcp_derived(server, tool, input, &env, call.cwd.as_deref())
            .iter()
            .any(|d| matches!(d.operation, Operation::Bash { .. }))
    {
        return Relevance::All;
    }
    let (command, context, tools) = match &op {
        Operation::Bash { command } => (Some(command.as_str()), Context::Top, false),
        Operation::Mcp {
            command: Some(c), ..
        } => (Some(c.as_str()), Context::ToolInput, true),
        _ => (None, Context::Top, true),
    };
    let mut programs = BTreeSet::new();
    if let Some(command) = command {
        let model = shell::model_in(
            command,
            &env,
            call.cwd.as_deref(),
            &Limits::default(),
            context,
        );
        // A reading cut short by a budget lists only some of the programs. The
        // judgement reads the command again, with the configured deadline (which may
        // be longer) and on a machine that may be less busy by then: it must have the
        // rules for whatever that reading finds.
        if model.findings.iter().any(|f| {
            matches!(
                f.kind,
                FindingKind::TooSlow
                    | FindingKind::TooManyInvocations
                    | FindingKind::TooDeep
                    | FindingKind::TooLarge
            )
        }) {
            return Relevance::All;
        }
        for inv in &model.invocations {
            // A command that runs a file (`bash x.sh`, `npm test`) runs whatever the file
            // holds, which any rule may be about.
            if inv.program.contains(['*', '?', '[']) || crate::executed::runs_a_file(inv) {
                return Relevance::All;
            }
            programs.insert(inv.program.clone());
        }
    }
    Relevance::Only { programs, tools }
}
