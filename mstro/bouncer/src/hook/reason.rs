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

/// The reason for a resolved call, whichever layer decided it.
pub fn resolved(
    op: &Operation,
    j: &Judgement,
    resolution: &mstro_engine::Resolution,
    mode: mstro_engine::Mode,
) -> String {
    use mstro_engine::Outcome;
    use mstro_engine::policy::Detail;
    let what = excerpt(op, j);
    let because = j.reason.trim_end_matches('.');
    let cached = if resolution.layer == mstro_engine::Layer::Cache {
        " (remembered from earlier in this session)"
    } else {
        ""
    };
    match (&resolution.detail, resolution.outcome) {
        (Detail::Reviewed(a), Outcome::Allow) => format!(
            "mstro-bouncer's reviewer allowed `{what}`{} with {}% confidence{cached}: {}",
            rules(j),
            a.confidence,
            a.reasoning
        ),
        (Detail::Reviewed(a), _) => format!(
            "mstro-bouncer's reviewer blocked `{what}`{}{cached}: {} (rules: {because}).{} If a person really wants this, they can run it themselves outside the agent.",
            rules(j),
            a.reasoning.trim_end_matches('.'),
            safer(j)
        ),
        (Detail::LowConfidence { answer, threshold }, outcome) => {
            let unsure = format!(
                "the reviewer leaned towards allowing it but only with {}% confidence (below {threshold}%)",
                answer.confidence
            );
            failure(&what, j, outcome, &unsure, mode)
        }
        (Detail::ReviewFailed(why), outcome) => failure(
            &what,
            j,
            outcome,
            &format!("the reviewer failed: {why}"),
            mode,
        ),
        (Detail::OverBudget, Outcome::Ask) => ask(op, j),
        (Detail::OverBudget, _) => format!(
            "mstro-bouncer blocked `{what}`{}: {because}; nothing too big or too slow to judge is allowed.",
            rules(j)
        ),
        (Detail::Decided | Detail::Unreviewed, Outcome::Deny)
            if j.verdict != mstro_engine::Verdict::Deny =>
        {
            unreviewed(op, j, mode)
        }
        (Detail::Decided | Detail::Unreviewed, Outcome::Deny) => deny(op, j),
        (Detail::Decided | Detail::Unreviewed, Outcome::Ask) => ask(op, j),
        (Detail::Decided | Detail::Unreviewed, _) => allow(j),
    }
}

fn failure(
    what: &str,
    j: &Judgement,
    outcome: mstro_engine::Outcome,
    why: &str,
    mode: mstro_engine::Mode,
) -> String {
    let because = j.reason.trim_end_matches('.');
    if outcome == mstro_engine::Outcome::Ask {
        format!(
            "mstro-bouncer asks a person to approve `{what}`{}: {because}; {why}.{} Approve only if you expected this.",
            rules(j),
            safer(j)
        )
    } else {
        format!(
            "mstro-bouncer blocked `{what}`{} because it needs review and {why} (nobody can approve it in {mode} mode): {because}.{}",
            rules(j),
            safer(j)
        )
    }
}

/// The reason for a call the session's owner decided from the browser.
pub fn by_person(
    op: &Operation,
    j: &Judgement,
    reply: &crate::run_channel::ApprovalReply,
) -> String {
    use mstro_protocol::approval::ApprovalOutcome;
    let what = excerpt(op, j);
    let who = reply.by.as_deref().unwrap_or("the session's owner");
    let because = j.reason.trim_end_matches('.');
    match reply.outcome {
        ApprovalOutcome::Approved | ApprovalOutcome::ApprovedForSession if reply.remembered => {
            format!(
                "{who} approved `{what}`{} for this session earlier, from the browser",
                rules(j)
            )
        }
        ApprovalOutcome::Approved => {
            format!("{who} approved `{what}`{} from the browser", rules(j))
        }
        ApprovalOutcome::ApprovedForSession => format!(
            "{who} approved `{what}`{} from the browser, for the rest of this session",
            rules(j)
        ),
        ApprovalOutcome::Denied => format!(
            "mstro-bouncer blocked `{what}`{}: {who} denied it from the browser (it was asked because: {because}).{} Do not try another way to do the same.",
            rules(j),
            safer(j)
        ),
        ApprovalOutcome::Expired => format!(
            "mstro-bouncer blocked `{what}`{}: it needs a person's approval ({because}) and nobody answered within {}.{}",
            rules(j),
            humantime::format_duration(std::time::Duration::from_secs(reply.waited_secs)),
            safer(j)
        ),
        ApprovalOutcome::Ended => format!(
            "mstro-bouncer blocked `{what}`{}: it needed a person's approval ({because}) and the run ended before anyone answered.",
            rules(j)
        ),
    }
}
