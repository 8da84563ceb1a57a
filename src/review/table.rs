//! The review as the terminal shows it (`review start`, `review show`): per secret its
//! policy, findings, rows and standing decisions, then the highlights. Text is neutralised.

use chrono::{DateTime, Utc};

use super::{
    AccessRow, Decision, FindingKind, Highlight, Observation, PolicyStatus, ReviewInfo,
    SecretReview, decision, summary,
};
use crate::domain::untrusted::neutralise;

/// Every selected secret: findings, the rows, standing decisions; then the highlights.
pub fn table(info: &ReviewInfo, obs: &Observation, log: &[Decision]) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&neutralise(&s));
        out.push('\n');
    };
    line(format!(
        "Review {} · window {} (reads since {}) · reviewer {} · source {}",
        info.id,
        info.window,
        utc(&obs.since),
        info.reviewer,
        info.source
    ));
    line(format!(
        "Observed {} · {} secret(s)",
        utc(&obs.observed_at),
        obs.secrets.len()
    ));
    for note in &obs.notes {
        line(format!("Note: {note}"));
    }
    for r in &obs.secrets {
        line(String::new());
        secret_block(r, log, &mut line);
    }
    let s = summary(&obs.secrets, log);
    line(String::new());
    line(format!(
        "Highlights: {} allowed but unused ({}) · {} read through IAM, not the resource policy ({}) · {} secret(s) anyone may read ({}) · {} with cross-account read",
        s.allowed_unused,
        Highlight::Unused.mark(),
        s.read_through_iam,
        Highlight::ThroughIam.mark(),
        s.public_read,
        Highlight::Public.mark(),
        s.cross_account_read,
    ));
    line(format!(
        "Policies: {} attached, {} none (IAM decides), {} unreadable or not known",
        s.with_policy, s.without_policy, s.policy_unreadable
    ));
    line(format!("Decided {} of {} secret(s).", s.decided, s.secrets));
    out
}

fn secret_block(r: &SecretReview, log: &[Decision], line: &mut impl FnMut(String)) {
    let m = &r.secret;
    let mut head = format!("── {} · {} {}", m.name, m.account, m.region);
    if !m.replica_regions.is_empty() {
        head.push_str(&format!(" (+ {})", m.replica_regions.join(", ")));
    }
    head.push_str(&format!(" · owner {}", m.owner.as_deref().unwrap_or("-")));
    if let Some(c) = &m.classification {
        head.push_str(&format!(" · {c}"));
    }
    line(head);
    line(format!("   policy: {}", policy_line(r)));
    // The policy line already says there is none.
    for f in r
        .findings
        .iter()
        .filter(|f| f.kind != FindingKind::NoPolicy)
    {
        let at = f
            .statement
            .as_deref()
            .map(|s| format!(" [{s}]"))
            .unwrap_or_default();
        line(format!(
            "   {:<8} {}: {}{at}",
            f.severity.label(),
            f.kind.label(),
            f.detail
        ));
    }
    if r.rows.is_empty() {
        line("   nobody read it in the window and the policy names no reader".into());
    } else {
        line(format!(
            "     {:<40} {:<12} {:<26} {:>5} {:>6}  {:<20}",
            "PRINCIPAL", "KIND", "ALLOWED BY POLICY", "READS", "DENIED", "LAST READ"
        ));
        for row in &r.rows {
            line(format!(
                "   {} {:<40} {:<12} {:<26} {:>5} {:>6}  {:<20} {}",
                row.highlight.map_or(' ', Highlight::mark),
                fit(&row.label, 40),
                fit(&row.kind, 12),
                fit(&allowed(row), 26),
                row.reads,
                row.denied,
                row.last_read.as_ref().map_or("-".into(), utc),
                row.highlight.map(Highlight::short).unwrap_or_default()
            ));
        }
    }
    let standing = decision::effective(log, &m.arn);
    if standing.is_empty() {
        line("   decision: none yet".into());
    }
    for d in standing {
        line(format!(
            "   decision: {} — {} ({}, {})",
            d.verdict.label(),
            d.note,
            d.reviewer,
            utc(&d.at)
        ));
    }
}

/// The policy in one line: attached, none (IAM decides) or why it is unreadable.
pub fn policy_line(r: &SecretReview) -> String {
    let p = &r.policy;
    let when = p.fetched_at.as_ref().map(|t| {
        format!(
            ", fetched {}{}",
            utc(t),
            if p.cached { " (cached)" } else { "" }
        )
    });
    let when = when.unwrap_or_default();
    match p.status {
        PolicyStatus::Attached => format!("attached, {} statement(s){when}", p.statements.len()),
        PolicyStatus::None => format!(
            "none: IAM alone decides{}{when}",
            p.detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ),
        PolicyStatus::Unreadable => format!(
            "UNREADABLE: {}{when}",
            p.detail.as_deref().unwrap_or("unknown")
        ),
        PolicyStatus::Unavailable => {
            format!("not known: {}", p.detail.as_deref().unwrap_or("unknown"))
        }
    }
}

/// "explicitly", "via account root (conditional)"...
pub fn allowed(row: &AccessRow) -> String {
    let label = row.allowed.label();
    if row.conditional && !row.conditions.is_empty() {
        format!("{label} (conditional)")
    } else {
        label.to_string()
    }
}

/// A time as the review shows it everywhere: to the minute, in UTC.
pub fn utc(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Truncates to `width` characters with an ellipsis.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}
