//! The access review's evidence pack as Markdown or CSV (JSON and the seal are in
//! `review::pack`; the terminal table in `review::table`). Text from AWS and reviewers is
//! neutralised, and escaped for Markdown tables and spreadsheets.

use chrono::{DateTime, Utc};

use crate::domain::untrusted::neutralise;
use crate::report::csv_cell::SafeCsv;
use crate::review::pack::{LoggedDecision, Pack};
use crate::review::table::{allowed, policy_line, utc};
use crate::review::{Highlight, SecretReview};

/// Columns of the CSV pack.
pub const CSV_COLUMNS: [&str; 17] = [
    "record",
    "secret",
    "arn",
    "account",
    "region",
    "principal",
    "kind",
    "allowed_by_policy",
    "reads_in_window",
    "denied",
    "last_read",
    "highlight",
    "severity",
    "decision",
    "detail",
    "reviewer",
    "at",
];

/// The pack's body as Markdown (the seal line is added by `review::pack::seal_text`).
pub fn markdown(pack: &Pack) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    let r = &pack.review;
    let s = &pack.summary;
    line(format!("# Access review {}", md(&r.id)));
    line(String::new());
    line("| | |".into());
    line("|---|---|".into());
    for (k, v) in [
        ("Reviewer", r.reviewer.clone()),
        (
            "Window",
            format!("{} (reads since {})", r.window, utc(&pack.window_start)),
        ),
        ("Started", utc(&r.started_at)),
        ("Observed", utc(&pack.observed_at)),
        (
            "Exported",
            format!("{} by {}", utc(&pack.exported_at), pack.exported_by),
        ),
        ("Source", format!("{} ({})", r.source, r.source_kind)),
        (
            "Scope",
            r.scope.clone().unwrap_or_else(|| "every secret".into()),
        ),
        ("Accounts", pack.accounts.join(", ")),
        ("Regions", pack.regions.join(", ")),
        ("Decision log", chain_text(pack)),
    ] {
        line(format!("| {k} | {} |", md(&v)));
    }
    line(String::new());
    for note in pack.notes.iter().chain(&pack.problems) {
        line(format!("> {}", md(note)));
    }
    line(String::new());
    line("## Summary".into());
    line(String::new());
    line("| Secrets | Policy attached | No policy (IAM decides) | Policy unreadable | Public read | Cross-account read | Allowed, unused | Read through IAM | Decided | Undecided |".into());
    line("|---|---|---|---|---|---|---|---|---|---|".into());
    line(format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        s.secrets,
        s.with_policy,
        s.without_policy,
        s.policy_unreadable,
        s.public_read,
        s.cross_account_read,
        s.allowed_unused,
        s.read_through_iam,
        s.decided,
        s.undecided
    ));
    for secret in &pack.secrets {
        let (rv, m) = (&secret.review, &secret.review.secret);
        line(String::new());
        line(format!("## {}", md(&m.name)));
        line(String::new());
        line(format!("- ARN: {}", md(&m.arn)));
        line(format!(
            "- Account {}, region {}; replicas: {}",
            md(&m.account),
            md(&m.region),
            md(&list_or(&m.replica_regions, "none"))
        ));
        line(format!(
            "- Owner: {}; classification: {}",
            md(m.owner.as_deref().unwrap_or("-")),
            md(m.classification.as_deref().unwrap_or("-"))
        ));
        line(format!(
            "- Rotation: {}; last rotated {}; last accessed {}",
            rotation(rv),
            opt(m.last_rotated),
            opt(m.last_accessed)
        ));
        line(format!("- Resource policy: {}", md(&policy_line(rv))));
        if !rv.findings.is_empty() {
            line(String::new());
            line("| Severity | Finding | Statement | Detail |".into());
            line("|---|---|---|---|".into());
            for f in &rv.findings {
                line(format!(
                    "| {} | {} | {} | {} |",
                    f.severity.label(),
                    f.kind.label(),
                    md(f.statement.as_deref().unwrap_or("")),
                    md(&f.detail)
                ));
            }
        }
        if !rv.policy.statements.is_empty() {
            line(String::new());
            line("| Statement | Effect | Principals | Actions | Resources | Conditions |".into());
            line("|---|---|---|---|---|---|".into());
            for st in &rv.policy.statements {
                let principals: Vec<&str> = st.principals.list.iter().map(|p| p.text()).collect();
                line(format!(
                    "| {} | {:?} | {}{} | {}{} | {}{} | {} |",
                    md(&st.label()),
                    st.effect,
                    if st.principals.not { "NOT " } else { "" },
                    md(&principals.join(", ")),
                    if st.actions.not { "NOT " } else { "" },
                    md(&st.actions.list.join(", ")),
                    if st.resources.not { "NOT " } else { "" },
                    md(&list_or(&st.resources.list, "(this secret)")),
                    md(&st.condition_summary().join("; "))
                ));
            }
        }
        line(String::new());
        if rv.rows.is_empty() {
            line("Nobody read it in the window and the policy names no reader.".into());
        } else {
            line("| Principal | Kind | Allowed by policy | Conditions | Reads in window | Denied | Last read | Highlight |".into());
            line("|---|---|---|---|---|---|---|---|".into());
            for row in &rv.rows {
                line(format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    md(&row.principal),
                    md(&row.kind),
                    allowed(row),
                    md(&row.conditions.join("; ")),
                    row.reads,
                    row.denied,
                    opt(row.last_read),
                    row.highlight
                        .map(|h| format!("**{}**", h.label()))
                        .unwrap_or_default()
                ));
            }
        }
        line(String::new());
        if secret.decisions.is_empty() {
            line("**Decision: none recorded.**".into());
        }
        for d in &secret.decisions {
            line(format!(
                "**Decision: {}** — {} ({}, {})",
                md(&d.verdict.label()),
                md(&d.note),
                md(&d.reviewer),
                utc(&d.at)
            ));
        }
    }
    line(String::new());
    line("## Decision log".into());
    line(String::new());
    line("| # | Time | Secret | Decision | Note | Reviewer | Stands | Hash |".into());
    line("|---|---|---|---|---|---|---|---|".into());
    for LoggedDecision {
        decision: d,
        superseded,
    } in &pack.decision_log
    {
        line(format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            d.seq,
            utc(&d.at),
            md(&d.secret_name),
            md(&d.verdict.label()),
            md(&d.note),
            md(&d.reviewer),
            if *superseded { "replaced" } else { "yes" },
            d.hash
        ));
    }
    line(String::new());
    out
}

/// The pack as CSV records (see [`CSV_COLUMNS`]); the seal record is added by the caller.
pub fn csv(pack: &Pack) -> Result<String, csv::Error> {
    let mut w = SafeCsv::new();
    w.row(CSV_COLUMNS)?;
    let r = &pack.review;
    let mut rec = |fields: [&str; 17]| w.row(fields);
    let detail = format!(
        "review {}; window {} (reads since {}); source {} ({}); observed {}; exported {} by {}; decision log: {}",
        r.id,
        r.window,
        utc(&pack.window_start),
        r.source,
        r.source_kind,
        utc(&pack.observed_at),
        utc(&pack.exported_at),
        pack.exported_by,
        chain_text(pack)
    );
    let started = utc(&r.started_at);
    rec([
        "review",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        &detail,
        &r.reviewer,
        &started,
    ])?;
    for note in pack.notes.iter().chain(&pack.problems) {
        rec([
            "note", "", "", "", "", "", "", "", "", "", "", "", "", "", note, "", "",
        ])?;
    }
    for secret in &pack.secrets {
        let (rv, m) = (&secret.review, &secret.review.secret);
        let detail = format!(
            "owner {}; classification {}; replicas {}; rotation {}; last rotated {}; policy {}",
            m.owner.as_deref().unwrap_or("-"),
            m.classification.as_deref().unwrap_or("-"),
            list_or(&m.replica_regions, "none"),
            rotation(rv),
            opt(m.last_rotated),
            policy_line(rv)
        );
        let base = [m.name.as_str(), &m.arn, &m.account, &m.region];
        rec([
            "secret", base[0], base[1], base[2], base[3], "", "", "", "", "", "", "", "", "",
            &detail, "", "",
        ])?;
        for f in &rv.findings {
            let detail = format!("{}: {}", f.kind.label(), f.detail);
            rec([
                "finding",
                base[0],
                base[1],
                base[2],
                base[3],
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                f.severity.label(),
                "",
                &detail,
                "",
                "",
            ])?;
        }
        for row in &rv.rows {
            let (reads, denied) = (row.reads.to_string(), row.denied.to_string());
            rec([
                "access",
                base[0],
                base[1],
                base[2],
                base[3],
                &row.principal,
                &row.kind,
                &allowed(row),
                &reads,
                &denied,
                &opt(row.last_read),
                row.highlight.map(Highlight::label).unwrap_or_default(),
                "",
                "",
                &row.conditions.join("; "),
                "",
                "",
            ])?;
        }
    }
    for LoggedDecision {
        decision: d,
        superseded,
    } in &pack.decision_log
    {
        let label = if *superseded {
            format!("{} (replaced)", d.verdict.label())
        } else {
            d.verdict.label()
        };
        let detail = format!("{} [seq {} hash {}]", d.note, d.seq, d.hash);
        rec([
            "decision",
            &d.secret_name,
            &d.secret_arn,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            &label,
            &detail,
            &d.reviewer,
            &utc(&d.at),
        ])?;
    }
    w.finish()
}

fn chain_text(pack: &Pack) -> String {
    let c = &pack.decision_chain;
    let n = pack.decision_log.len();
    match (&c.problem, &c.head) {
        (Some(p), _) => format!("{n} entries, chain BROKEN: {p}"),
        (None, Some(h)) => format!("{n} entries, chain verified, head {h}"),
        (None, None) => "no decisions".into(),
    }
}

fn rotation(r: &SecretReview) -> String {
    match (r.secret.rotation_enabled, r.secret.rotation_every_days) {
        (true, Some(d)) => format!("every {d} days"),
        (true, None) => "enabled".into(),
        (false, _) => "off".into(),
    }
}

fn list_or(list: &[String], empty: &str) -> String {
    if list.is_empty() {
        empty.to_string()
    } else {
        list.join(", ")
    }
}

fn opt(t: Option<DateTime<Utc>>) -> String {
    t.as_ref().map_or("-".into(), utc)
}

/// Neutralised, one line, `|` escaped: safe in a Markdown table cell.
fn md(text: &str) -> String {
    neutralise(text)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}
