//! The reason text Claude Code shows: what matched, why it is dangerous, the safer way,
//! and how a person can go ahead anyway. Short, because the model reads it every time.

use mstro_engine::{Judgement, Operation};

/// Longest excerpt of the matched input quoted back.
const EXCERPT: usize = 80;

/// The part of the operation the judgement is about, shortened.
pub fn excerpt(op: &Operation, judgement: &Judgement) -> String {
    let text = op.primary_text();
    let span = judgement.span;
    let raw = span
        .slice(text)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(text);
    let one_line: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > EXCERPT {
        format!("{}…", one_line.chars().take(EXCERPT).collect::<String>())
    } else {
        one_line
    }
}

fn rules(j: &Judgement) -> String {
    if j.rule_ids.is_empty() {
        String::new()
    } else {
        format!(" [{}]", j.rule_ids.join(", "))
    }
}

fn safer(j: &Judgement) -> String {
    j.alternative
        .as_deref()
        .map(|a| format!(" Safer: {a}"))
        .unwrap_or_default()
}

pub fn deny(op: &Operation, j: &Judgement) -> String {
    format!(
        "mstro-bouncer blocked `{}`{}: {}.{} If a person really wants this, they can run it themselves outside the agent.",
        excerpt(op, j),
        rules(j),
        j.reason.trim_end_matches('.'),
        safer(j)
    )
}

pub fn ask(op: &Operation, j: &Judgement) -> String {
    format!(
        "mstro-bouncer asks a person to approve `{}`{}: {}.{} Approve only if you expected this.",
        excerpt(op, j),
        rules(j),
        j.reason.trim_end_matches('.'),
        safer(j)
    )
}

/// A `review` (or, in deploy mode, an unvouched allow) with nobody to review it.
pub fn unreviewed(op: &Operation, j: &Judgement, mode: mstro_engine::Mode) -> String {
    format!(
        "mstro-bouncer blocked `{}`{} because it needs review and no reviewer is available in {mode} mode: {}.{}",
        excerpt(op, j),
        rules(j),
        j.reason.trim_end_matches('.'),
        safer(j)
    )
}

pub fn allow(j: &Judgement) -> String {
    match j.basis {
        mstro_engine::Basis::Rule => format!("mstro-bouncer allowed it{}: {}", rules(j), j.reason),
        mstro_engine::Basis::Default => format!("mstro-bouncer found nothing risky ({})", j.reason),
    }
}
