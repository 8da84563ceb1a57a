//! `strongroom drill`: the replication matrix, verdicts, phases and what was done, as a terminal
//! table, JSON, or Markdown fit to attach to the DR log.

use serde::Serialize;

use crate::domain::ReplicationState;
use crate::domain::untrusted::neutralise;
use crate::drill::record::Record;
use crate::drill::{Counts, Drill, Outcome, Parity, Presence, Primary, Row, ValueCheck};

#[derive(Serialize)]
struct Out<'a> {
    #[serde(flatten)]
    record: &'a Record,
    dr_region: &'a str,
    verdict: Outcome,
    counts: Counts,
    notes: &'a [String],
    /// The matrix's columns; each secret's `cells` follow this order.
    matrix_regions: &'a [String],
    secrets: &'a [Row],
}

pub fn json(record: &Record, drill: &Drill) -> serde_json::Result<String> {
    let mut s = serde_json::to_string_pretty(&Out {
        record,
        dr_region: &drill.dr_region,
        verdict: drill.overall,
        counts: drill.counts,
        notes: &drill.notes,
        matrix_regions: &drill.regions,
        secrets: &drill.rows,
    })?;
    s.push('\n');
    Ok(s)
}

/// A cell of the matrix in a few characters.
pub fn cell_label(presence: &Presence) -> String {
    match presence {
        Presence::Primary => "primary".into(),
        Presence::Absent { required: true } => "MISSING".into(),
        Presence::Absent { required: false } => "-".into(),
        Presence::Unknown { .. } => "?".into(),
        Presence::Replica(r) => {
            let base = match (r.status, &r.parity) {
                (ReplicationState::Failed, _) => "Failed",
                (_, Parity::Behind { .. }) => "DRIFT",
                (ReplicationState::Unknown, _) => "listed",
                (s, _) => s.label(),
            };
            let key = if r.key.aws_managed && r.key.customer_key_required {
                " !key"
            } else {
                ""
            };
            format!("{base}{key}")
        }
    }
}

fn primary_label(row: &Row) -> String {
    match &row.primary {
        Primary::Listed { .. } => row.key.primary_region.clone(),
        Primary::Unreachable { health } => {
            format!(
                "{} {}",
                row.key.primary_region,
                health.label().to_uppercase()
            )
        }
        Primary::NotLoaded => format!("{} (not read)", row.key.primary_region),
        Primary::NotListed => format!("{} (gone)", row.key.primary_region),
    }
}

fn first_reason(row: &Row) -> String {
    match row.reasons.iter().max_by_key(|r| r.level) {
        Some(r) if row.reasons.len() > 1 => format!("{} (+{} more)", r.text, row.reasons.len() - 1),
        Some(r) => r.text.clone(),
        None => row
            .required_because
            .as_ref()
            .map_or_else(String::new, |w| format!("required: {w}")),
    }
}

fn headline(record: &Record, drill: &Drill) -> String {
    format!(
        "DR drill → {} · {} · {} UTC · {} secret(s): {} pass, {} warn, {} fail · verdict {}",
        drill.dr_region,
        neutralise(&record.source),
        record.started_at.format("%Y-%m-%d %H:%M:%S"),
        drill.rows.len(),
        drill.counts.pass,
        drill.counts.warn,
        drill.counts.fail,
        drill.overall.label()
    )
}

pub fn table(record: &Record, drill: &Drill) -> String {
    let mut header = vec!["NAME".to_string(), "ACCOUNT".into(), "PRIMARY".into()];
    header.extend(drill.regions.iter().map(|r| {
        if *r == drill.dr_region {
            format!("{r}*")
        } else {
            r.clone()
        }
    }));
    header.extend(["VERDICT".into(), "WHY".into()]);
    let rows: Vec<Vec<String>> = drill
        .rows
        .iter()
        .map(|row| {
            let mut cols = vec![
                clip(&neutralise(&row.key.name), 48),
                row.key.account.clone(),
                primary_label(row),
            ];
            cols.extend(row.cells.iter().map(|c| cell_label(&c.presence)));
            cols.push(row.verdict.label().into());
            cols.push(neutralise(&first_reason(row)).into_owned());
            cols
        })
        .collect();
    let mut out = format!("{}\n\n", headline(record, drill));
    out.push_str(&align(&header, &rows));
    out.push_str(
        "\n* DR region. Cells: InSync, InProgress, Failed, DRIFT (InSync but behind), listed (status unknown), \
         MISSING (required), - (not required), ? (region unreadable); !key: AWS managed key where a customer key is required.\n",
    );
    out.push_str("\nPHASES\n");
    let phases: Vec<Vec<String>> = record
        .phases
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.calls.map_or_else(|| "-".into(), |c| c.to_string()),
                format!("{:.2} s", p.seconds),
                p.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&align(
        &["PHASE".into(), "CALLS".into(), "TIME".into(), "NOTE".into()],
        &phases,
    ));
    out.push_str(&format!("\nVALUES: {}\n", record.value_verification.note));
    out.push_str(&format!(
        "PROMOTION REHEARSAL: {}\n",
        neutralise(&record.promotion_rehearsal.status)
    ));
    for n in &drill.notes {
        out.push_str(&format!("NOTE: {}\n", neutralise(n)));
    }
    if drill.rows.iter().any(|r| !r.primary_listed()) {
        out.push_str(
            "\nFAILOVER: what the DR region would serve where the primary could not be read\n",
        );
        out.push_str(&failover_lines(drill, false));
    }
    out
}

fn failover_lines(drill: &Drill, markdown: bool) -> String {
    let mut out = String::new();
    for row in drill
        .rows
        .iter()
        .filter(|r| markdown || !r.primary_listed())
    {
        let name = neutralise(&row.key.name);
        let line = match &row.failover {
            Some(f) => format!(
                "{}: version {}{}{}{}",
                name,
                f.version_id.as_deref().unwrap_or("(none)"),
                f.last_changed
                    .map(|t| format!(", changed {}", t.format("%Y-%m-%d %H:%M UTC")))
                    .unwrap_or_default(),
                f.last_accessed
                    .map(|t| format!(", last read {}", t.format("%Y-%m-%d")))
                    .unwrap_or_default(),
                match (&f.caveat, f.parity_verified) {
                    (_, true) => " (the primary's AWSCURRENT)".to_string(),
                    (Some(c), _) => format!(" ({})", neutralise(c)),
                    (None, false) => String::new(),
                },
            ),
            None => format!("{name}: nothing to serve in {}", drill.dr_region),
        };
        out.push_str(&if markdown {
            format!("- {}\n", md(&line))
        } else {
            format!("  {line}\n")
        });
    }
    out
}

pub fn markdown(record: &Record, drill: &Drill) -> String {
    let mut md_out = format!(
        "# DR drill: {dr}\n\n\
         - Date (UTC): {date}\n- Operator: {who}\n- Source: {src} ({kind})\n- Accounts: {accounts}\n\
         - Regions read: {regions}\n- DR region: {dr}\n- Selection: {sel}\n\
         - Verdict: **{verdict}**: {n} secret(s), {p} pass, {w} warn, {f} fail\n\
         - Total time: {total:.2} s\n",
        dr = drill.dr_region,
        date = record.started_at.format("%Y-%m-%d %H:%M:%S"),
        who = md(&record.operator),
        src = md(&record.source),
        kind = record.source_kind,
        accounts = record.accounts.join(", "),
        regions = record.regions_read.join(", "),
        sel = md(&record.selection),
        verdict = drill.overall.label(),
        n = drill.rows.len(),
        p = drill.counts.pass,
        w = drill.counts.warn,
        f = drill.counts.fail,
        total = record.total_seconds,
    );
    if !record.errors.is_empty() {
        md_out.push_str("\n**The run is incomplete:**\n\n");
        for e in &record.errors {
            md_out.push_str(&format!("- {}\n", md(e)));
        }
    }
    for n in &drill.notes {
        md_out.push_str(&format!("\nNote: {}\n", md(n)));
    }
    md_out
        .push_str("\n## Phases\n\n| phase | API calls | duration | note |\n|---|---:|---:|---|\n");
    for p in &record.phases {
        md_out.push_str(&format!(
            "| {} | {} | {:.2} s | {} |\n",
            md(&p.name),
            p.calls.map_or_else(|| "-".into(), |c| c.to_string()),
            p.seconds,
            md(p.note.as_deref().unwrap_or(""))
        ));
    }
    md_out.push_str("\n## Secrets\n\n| secret | account | primary |");
    for r in &drill.regions {
        let mark = if *r == drill.dr_region { " (DR)" } else { "" };
        md_out.push_str(&format!(" {r}{mark} |"));
    }
    md_out.push_str(" value | verdict | reasons |\n|---|---|---|");
    md_out.push_str(&"---|".repeat(drill.regions.len() + 3));
    md_out.push('\n');
    for row in &drill.rows {
        md_out.push_str(&format!(
            "| `{}` | {} | {} |",
            md(&row.key.name),
            row.key.account,
            md(&primary_label(row))
        ));
        for c in &row.cells {
            md_out.push_str(&format!(" {} |", cell_label(&c.presence)));
        }
        let value = match &row.value_check {
            Some(ValueCheck::Compared {
                primary,
                replica,
                matches,
            }) => format!(
                "{} {primary}/{replica}",
                if *matches { "match" } else { "MISMATCH" }
            ),
            Some(ValueCheck::Failed { .. }) => "not read".into(),
            None => "-".into(),
        };
        let reasons: Vec<String> = row.reasons.iter().map(|r| md(&r.text)).collect();
        md_out.push_str(&format!(
            " {value} | {} | {} |\n",
            row.verdict.label(),
            reasons.join("; ")
        ));
    }
    md_out.push_str(&format!(
        "\n## Failover summary\n\nWhat {} would serve for each secret if its primary's region were lost \
         (the replica's AWSCURRENT version, when it last changed and was last read):\n\n",
        drill.dr_region
    ));
    md_out.push_str(&failover_lines(drill, true));
    md_out.push_str(&what_was_done(record, drill));
    md_out.push_str(
        "\n## Region health\n\n| account | region | health | detail |\n|---|---|---|---|\n",
    );
    for c in &record.cells {
        md_out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            c.account,
            c.region,
            c.health,
            md(c.detail.as_deref().unwrap_or(""))
        ));
    }
    md_out
}

fn what_was_done(record: &Record, drill: &Drill) -> String {
    let mut out = String::from("\n## What was done\n\n");
    let calls: Vec<String> = record
        .calls
        .iter()
        .map(|(op, n)| format!("{op} × {n}"))
        .collect();
    out.push_str(&format!(
        "- API calls: {}\n",
        if calls.is_empty() {
            format!("none (source: {})", record.source_kind)
        } else {
            calls.join(", ")
        }
    ));
    let v = &record.value_verification;
    out.push_str(&format!(
        "- Value verification: {}{}\n",
        if v.requested { "**done**. " } else { "" },
        md(&v.note)
    ));
    if v.requested {
        out.push_str(&format!(
            "  {} compared, {} mismatched, {} not verifiable (no listed replica or primary).\n",
            v.compared, v.mismatches, v.not_verifiable
        ));
    }
    let r = &record.promotion_rehearsal;
    out.push_str(&format!(
        "- Promotion rehearsal: {}{}\n",
        if r.requested { "**requested**, " } else { "" },
        md(&r.status)
    ));
    if let Some(c) = &r.confirmation {
        out.push_str(&format!("  Confirmation asked: `{}`.\n", md(c)));
    }
    for p in &r.planned {
        out.push_str(&format!("  - `{}` ({}):\n", md(&p.name), p.account));
        for q in &p.requests {
            out.push_str(&format!(
                "    - `secretsmanager:{}` in {}: `{}`\n",
                q.operation,
                q.region,
                md(&q.body.to_string())
            ));
        }
    }
    for s in &r.skipped {
        out.push_str(&format!("  - skipped `{}`: {}\n", md(&s.name), md(&s.why)));
    }
    for row in &drill.rows {
        let Some(p) = &row.promotion else { continue };
        out.push_str(&format!(
            "\n`{}`: {}\n\n| step | region | outcome | duration | request id |\n|---|---|---|---:|---|\n",
            md(&row.key.name),
            if p.succeeded { "promoted and replicated again" } else { "**FAILED**" }
        ));
        for s in &p.steps {
            out.push_str(&format!(
                "| {} | {} | {} {} | {:.2} s | {} |\n",
                md(&s.step),
                s.region,
                if s.ok { "ok:" } else { "**failed**:" },
                md(&s.detail),
                s.seconds,
                s.request_id.as_deref().map(md).unwrap_or_default()
            ));
        }
    }
    out
}

/// Untrusted text made safe for a Markdown table cell.
fn md(s: &str) -> String {
    neutralise(s).replace('|', "\\|").replace('`', "'")
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

fn align(header: &[String], rows: &[Vec<String>]) -> String {
    let width = |i: usize| {
        rows.iter()
            .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
            .chain(std::iter::once(header[i].chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cols: &[String]| {
        let mut l = String::new();
        for (i, c) in cols.iter().enumerate() {
            if i + 1 == cols.len() {
                l.push_str(c);
            } else {
                l.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        l.trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
#[path = "drill_tests.rs"]
mod tests;
