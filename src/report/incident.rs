//! An incident's timeline as Markdown (to attach to the ticket) or JSON (for tooling), and the
//! list of incidents as a table.

use crate::domain::untrusted::neutralise;
use crate::incident::timeline::{Elapsed, Timeline};

pub fn json(timeline: &Timeline) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(timeline).map(|mut s| {
        s.push('\n');
        s
    })
}

pub fn markdown(t: &Timeline) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!("# Incident {}", cell(&t.run_id)));
    line(String::new());
    line(format!(
        "Runbook **{}** ({} v{}){}",
        cell(&t.title),
        cell(&t.runbook),
        t.version,
        if t.dry_run {
            " -- dry run, no AWS writes"
        } else {
            ""
        }
    ));
    line(String::new());
    line(format!("- Started: {}", utc(&t.started_at)));
    if let Some(at) = t.finished_at {
        line(format!("- Finished: {}", utc(&at)));
    }
    line(format!("- Status: {}", cell(&t.status)));
    line(format!("- Operators: {}", cell(&t.operators.join("; "))));
    line(format!(
        "- Time to contain: {}",
        elapsed(t.time_to_contain.as_ref())
    ));
    line(format!(
        "- Time to rotate: {}",
        elapsed(t.time_to_rotate.as_ref())
    ));
    line(String::new());
    line("## Parameters".to_string());
    line(String::new());
    line("| Parameter | Value |".to_string());
    line("|---|---|".to_string());
    for (name, value) in &t.params {
        line(format!("| {} | {} |", cell(name), cell(value)));
    }
    line(String::new());
    line("## Steps".to_string());
    line(String::new());
    line("| Step | Kind | State | Finished (UTC) | Result |".to_string());
    line("|---|---|---|---|---|".to_string());
    for step in &t.steps {
        line(format!(
            "| {} | {} | {} | {} | {} |",
            cell(&step.title),
            step.kind,
            step.state,
            step.finished_at.as_ref().map(utc).unwrap_or_default(),
            cell(step.summary.as_deref().unwrap_or_default())
        ));
    }
    line(String::new());
    line("## Timeline (UTC)".to_string());
    line(String::new());
    line("| # | Time | Who | Step | What |".to_string());
    line("|---|---|---|---|---|".to_string());
    for entry in &t.entries {
        line(format!(
            "| {} | {} | {} | {} | {} |",
            entry.seq,
            utc(&entry.at),
            cell(&entry.who),
            cell(entry.step.as_deref().unwrap_or_default()),
            cell(&entry.what)
        ));
    }
    line(String::new());
    line("## Open follow-ups".to_string());
    line(String::new());
    if t.follow_ups.is_empty() {
        line("None.".to_string());
    }
    for item in &t.follow_ups {
        line(format!("- {}", cell(item)));
    }
    line(String::new());
    line("## Evidence".to_string());
    for evidence in &t.evidence {
        line(String::new());
        line(format!(
            "### {} ({})",
            cell(&evidence.title),
            utc(&evidence.at)
        ));
        line(String::new());
        line(cell(&evidence.summary));
        line(String::new());
        line("```json".to_string());
        line(pretty(&evidence.value).replace("```", "'''"));
        line("```".to_string());
    }
    line(String::new());
    line("## Journal integrity".to_string());
    line(String::new());
    if t.integrity.verified {
        line(format!(
            "Verified: the hash chain of all {} entries holds. Chain head: `{}` (record it in the \
             ticket: entries removed from the end would change it).",
            t.integrity.entries,
            t.integrity.head.as_deref().unwrap_or("none")
        ));
    } else {
        line(format!(
            "**TAMPERED**: {}. Do not rely on this record.",
            cell(
                t.integrity
                    .problem
                    .as_deref()
                    .unwrap_or("the chain does not hold")
            )
        ));
    }
    out
}

fn pretty(value: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(parsed) => serde_json::to_string_pretty(&parsed).unwrap_or_else(|_| value.to_string()),
        Err(_) if value.is_empty() => "(empty)".to_string(),
        Err(_) => value.to_string(),
    }
    .lines()
    .map(|l| neutralise(l).into_owned())
    .collect::<Vec<_>>()
    .join("\n")
}

fn utc(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn elapsed(value: Option<&Elapsed>) -> String {
    match value {
        None => "not yet".to_string(),
        Some(e) => {
            let mut text = format!(
                "{} after the run started (at {} UTC)",
                duration(e.from_run_start_secs),
                utc(&e.at)
            );
            if let Some(secs) = e.from_incident_start_secs {
                text.push_str(&format!(", {} after the incident start", duration(secs)));
            }
            text
        }
    }
}

/// `1d 2h 3m 4s`, largest units first, zero units left out.
pub fn duration(secs: i64) -> String {
    if secs < 0 {
        return format!("-{}", duration(-secs));
    }
    let parts = [
        (secs / 86_400, "d"),
        (secs % 86_400 / 3_600, "h"),
        (secs % 3_600 / 60, "m"),
        (secs % 60, "s"),
    ];
    let text: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if text.is_empty() {
        "0s".to_string()
    } else {
        text.join(" ")
    }
}

/// Untrusted text in a Markdown table cell: neutralised, one line, no pipes or backticks.
fn cell(text: &str) -> String {
    neutralise(text)
        .replace(['\n', '\r'], " ")
        .replace('|', "\\|")
        .replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_largest_unit_first() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(59), "59s");
        assert_eq!(duration(3_725), "1h 2m 5s");
        assert_eq!(duration(90_000), "1d 1h");
    }
}
