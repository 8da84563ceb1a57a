//! `strongroom events`: the filtered events as a table, JSON or CSV, newest first.

use serde_json::json;

use crate::app::State;
use crate::domain::fit::pad_end;
use crate::domain::untrusted::neutralise;
use crate::report::csv_cell::SafeCsv;
use crate::trail::AccessEvent;
use crate::trail::analysis::Mention;

/// Every secret the event names; those the inventory lacks as written, marked.
fn secret_names(state: &State, i: usize) -> String {
    state
        .events
        .mentions(i)
        .iter()
        .map(Mention::spelled)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn json(state: &State, rows: &[usize]) -> serde_json::Result<String> {
    let events: Vec<serde_json::Value> = rows
        .iter()
        .map(|&i| {
            let e: &AccessEvent = &state.events.events[i];
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["resolved_secrets"] = json!(state.events.arns[i]);
            let missing: Vec<String> = state
                .events
                .mentions(i)
                .into_iter()
                .filter(Mention::missing)
                .map(|m| m.text)
                .collect();
            v["not_in_inventory"] = json!(missing);
            v
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "generated_at": state.now,
        "source": state.source.label,
        "count": events.len(),
        "events": events,
    }))
}

pub fn csv(state: &State, rows: &[usize]) -> Result<String, csv::Error> {
    let mut w = SafeCsv::new();
    w.row([
        "time",
        "account",
        "region",
        "event",
        "outcome",
        "principal",
        "principal_arn",
        "source_ip",
        "user_agent",
        "secrets",
        "event_id",
    ])?;
    for &i in rows {
        let e = &state.events.events[i];
        w.row([
            e.time.to_rfc3339().as_str(),
            e.account.as_deref().unwrap_or(""),
            &e.region,
            &e.name,
            e.error_code.as_deref().unwrap_or("ok"),
            &e.principal_label(),
            e.principal.arn.as_deref().unwrap_or(""),
            e.source_ip.as_deref().unwrap_or(""),
            e.user_agent.as_deref().unwrap_or(""),
            &secret_names(state, i),
            &e.event_id,
        ])?;
    }
    w.finish()
}

/// Fixed columns, each value cut to its width with `…` so a long principal or error code
/// never shifts the row; secrets last, whole, those the inventory lacks spelled out.
pub fn table(state: &State, rows: &[usize]) -> String {
    const WIDTHS: [usize; 6] = [19, 14, 22, 14, 34, 16];
    let line = |cells: [&str; 6], last: &str| {
        let mut text: String = cells
            .iter()
            .zip(WIDTHS)
            .map(|(c, w)| pad_end(c, w) + " ")
            .collect();
        text.push_str(last);
        text.trim_end().to_string() + "\n"
    };
    let mut out = line(
        [
            "TIME (UTC)",
            "REGION",
            "EVENT",
            "OUTCOME",
            "PRINCIPAL",
            "SOURCE IP",
        ],
        "SECRETS",
    );
    for &i in rows {
        let e = &state.events.events[i];
        out.push_str(&line(
            [
                &e.time.format("%Y-%m-%d %H:%M:%S").to_string(),
                &neutralise(&e.region),
                &neutralise(&e.name),
                &neutralise(e.error_code.as_deref().unwrap_or("ok")),
                &neutralise(&e.principal_label()),
                &neutralise(e.source_ip.as_deref().unwrap_or("-")),
            ],
            &neutralise(&secret_names(state, i)),
        ));
    }
    out.push_str(&format!("\n{} events\n", rows.len()));
    out
}
