//! `strongroom events`: the filtered events as a table, JSON or CSV, newest first.

use serde_json::json;

use crate::app::State;
use crate::domain::untrusted::neutralise;
use crate::trail::AccessEvent;

fn secret_names(state: &State, i: usize) -> String {
    state.events.arns[i]
        .iter()
        .map(|a| crate::tui::views::events::short_name(a))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn json(state: &State, rows: &[usize]) -> serde_json::Result<String> {
    let events: Vec<serde_json::Value> = rows
        .iter()
        .map(|&i| {
            let e: &AccessEvent = &state.events.events[i];
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["resolved_secrets"] = json!(state.events.arns[i]);
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
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
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
        w.write_record([
            e.time.to_rfc3339().as_str(),
            e.account.as_deref().unwrap_or(""),
            &e.region,
            &e.name,
            e.error_code.as_deref().unwrap_or("ok"),
            &neutralise(&e.principal_label()),
            &neutralise(e.principal.arn.as_deref().unwrap_or("")),
            &neutralise(e.source_ip.as_deref().unwrap_or("")),
            &neutralise(e.user_agent.as_deref().unwrap_or("")),
            &neutralise(&secret_names(state, i)),
            &neutralise(&e.event_id),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub fn table(state: &State, rows: &[usize]) -> String {
    let mut out = format!(
        "{:<20} {:<14} {:<22} {:<8} {:<34} {:<16} {}\n",
        "TIME (UTC)", "REGION", "EVENT", "OUTCOME", "PRINCIPAL", "SOURCE IP", "SECRETS"
    );
    for &i in rows {
        let e = &state.events.events[i];
        out.push_str(&format!(
            "{:<20} {:<14} {:<22} {:<8} {:<34} {:<16} {}\n",
            e.time.format("%Y-%m-%d %H:%M:%S"),
            neutralise(&e.region),
            neutralise(&e.name),
            neutralise(e.error_code.as_deref().unwrap_or("ok")),
            neutralise(&e.principal_label()),
            neutralise(e.source_ip.as_deref().unwrap_or("-")),
            neutralise(&secret_names(state, i)),
        ));
    }
    out.push_str(&format!("\n{} events\n", rows.len()));
    out
}
