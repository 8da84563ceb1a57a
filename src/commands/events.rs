//! `strongroom events`: access events from CloudTrail (live), snapshots and log files, filtered
//! by secret, principal, event name and window, as a table, JSON or CSV, newest first.

use std::process::ExitCode;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{bail, eyre};

use super::open::Loaded;
use super::outcome::{finish, warn};
use crate::app::State;
use crate::cli::Format;
use crate::domain::Cell;
use crate::drive::runner::{drive, run_to_completion};
use crate::report;
use crate::source::InventorySource;
use crate::source::history::HistoryAsk;
use crate::trail::analysis::EventFilter;
use crate::trail::athena::Question;

/// What `strongroom events` was asked.
pub struct Query {
    pub secret: Option<String>,
    pub principal: Option<String>,
    pub event: Option<String>,
    pub since: String,
    pub until: Option<String>,
    pub errors_only: bool,
    pub writes_only: bool,
    /// Print the SQL of each Athena query on standard error.
    pub show_sql: bool,
    /// `--alerts`: the registry the alerts come from.
    pub alerts: Option<Arc<crate::registry::Registry>>,
    /// `--baseline`: how far before `since` the known principals are learnt.
    pub baseline: String,
}

pub async fn run(loaded: Loaded, query: Query, format: Format) -> color_eyre::Result<ExitCode> {
    let Loaded {
        mut state,
        source,
        problems,
    } = loaded;
    warn(&state, &problems);
    let now = state.now;
    let since =
        crate::app::window::parse_time(&query.since, now).map_err(|e| eyre!("--since: {e}"))?;
    let until = match &query.until {
        Some(u) => crate::app::window::parse_time(u, now).map_err(|e| eyre!("--until: {e}"))?,
        None => now,
    };
    // Alerts need the history before the window too: who read before is who is known.
    let fetch_since = match &query.alerts {
        Some(_) => {
            let span = crate::app::window::parse_duration(&query.baseline)
                .ok_or_else(|| eyre!("--baseline {}: not a span like 14d", query.baseline))?;
            since - span
        }
        None => since,
    };
    run_to_completion(&mut state, source.clone()).await;
    if source.trail_table().is_some() {
        from_trail(&mut state, source, &query, fetch_since, until).await?;
    } else if source.live_events() {
        let fetch = crate::app::update::events::start_fetch(&mut state, fetch_since, until);
        drive(&mut state, source, fetch).await;
    }
    if let Some(registry) = &query.alerts {
        let events: Vec<_> = state
            .events
            .events
            .iter()
            .filter(|e| e.time <= until)
            .cloned()
            .collect();
        let found = crate::registry::alerts(registry, &events, &state.inventory.entries, since);
        for alert in &found {
            println!("{}", serde_json::to_string(alert)?);
        }
        eprintln!(
            "strongroom events --alerts: {} alert(s) from {} events since {} (baseline from {})",
            found.len(),
            events.iter().filter(|e| e.time >= since).count(),
            since.format("%Y-%m-%d %H:%M UTC"),
            fetch_since.format("%Y-%m-%d %H:%M UTC")
        );
        let code = finish(&state, problems.is_empty());
        return Ok(if found.is_empty() {
            code
        } else {
            ExitCode::from(1)
        });
    }
    let filter = EventFilter {
        secret_arns: match &query.secret {
            Some(id) => {
                // A deleted secret, or one of an account not loaded, is still found by the
                // name or ARN the records wrote.
                let mut arns = secret_arns(&state, id);
                arns.extend(state.events.references_to(id));
                if arns.is_empty() {
                    bail!("--secret {id}: no such secret in the inventory and no event names it");
                }
                arns
            }
            None => Vec::new(),
        },
        principal: query.principal.as_deref().map(|p| principal_key(&state, p)),
        event_name: query.event,
        since: Some(since),
        until: Some(until),
        errors_only: query.errors_only,
        writes_only: query.writes_only,
        ..Default::default()
    };
    let rows = state.events.filter(&filter);
    let out = match format {
        Format::Table => report::events::table(&state, &rows),
        Format::Json => report::events::json(&state, &rows)?,
        Format::Csv => report::events::csv(&state, &rows)?,
    };
    print!("{out}");
    Ok(finish(&state, problems.is_empty()))
}

/// The organization trail (Athena) answers the window up to the minutes it has not delivered
/// yet; LookupEvents answers those; the two are merged by event id. Which source answered
/// which part, what each query scanned and what it cost go to standard error.
async fn from_trail(
    state: &mut State,
    source: Arc<dyn InventorySource>,
    query: &Query,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> color_eyre::Result<()> {
    let known = query
        .secret
        .as_deref()
        .map(|id| secret_arns(state, id))
        .unwrap_or_default();
    let question = match (&query.secret, &query.principal) {
        // The inventory's ARN when it knows the secret; else as typed (a deleted secret).
        (Some(id), _) => {
            let secret = known.first().cloned().unwrap_or_else(|| id.clone());
            let reads = matches!(
                query.event.as_deref(),
                Some("GetSecretValue" | "BatchGetSecretValue")
            );
            if reads {
                Question::WhoRead { secret }
            } else {
                Question::Secret { secret }
            }
        }
        (None, Some(p)) if p.starts_with("arn:") => Question::Principal { arn: p.clone() },
        _ => Question::Window,
    };
    // A known secret: its own account and regions (primary and replicas); else every
    // account and region read.
    let (accounts, regions) = scope_of(&known);
    let ask = HistoryAsk {
        question,
        accounts,
        regions,
        start: since,
        end: until,
        errors_only: query.errors_only,
        now: state.now,
    };
    let answer = source.trail_history(ask).await.map_err(|e| eyre!(e))?;
    for q in &answer.queries {
        if query.show_sql {
            eprintln!("-- Athena query {}\n{};\n", q.id, q.sql);
        }
        eprintln!(
            "Athena {}: {} → {}, {} rows, {} scanned (about ${:.4}), {} calls",
            answer.table,
            q.start.format("%Y-%m-%d %H:%M"),
            q.end.format("%Y-%m-%d %H:%M"),
            q.rows,
            human_bytes(q.scanned_bytes),
            q.cost_usd,
            q.calls
        );
    }
    if let Some(s3) = &answer.s3 {
        eprintln!(
            "S3 {}: {} → {}, {} log files in {} listings, {} downloaded ({}), {} from the cache",
            answer.table,
            answer.start.format("%Y-%m-%d %H:%M"),
            answer.covered_end.format("%Y-%m-%d %H:%M"),
            s3.objects,
            s3.lists,
            s3.downloaded,
            human_bytes(s3.downloaded_bytes),
            s3.objects - s3.downloaded,
        );
        for problem in &s3.problems {
            eprintln!("skipped: {problem}");
        }
    } else if answer.queries.is_empty() {
        eprintln!(
            "Athena {}: {} → {} answered from the evidence store (no query)",
            answer.table,
            answer.start.format("%Y-%m-%d %H:%M"),
            answer.covered_end.format("%Y-%m-%d %H:%M"),
        );
    }
    let mut events = answer.events;
    if source.live_events() && until > answer.covered_end {
        // The minutes the trail has not delivered yet: LookupEvents.
        let fetch = crate::app::update::events::start_fetch(state, answer.covered_end, until);
        drive(state, source, fetch).await;
        let recent = state.events.events.len();
        events.extend(state.events.events.iter().cloned());
        eprintln!(
            "LookupEvents: {} → {}, {recent} events",
            answer.covered_end.format("%Y-%m-%d %H:%M"),
            until.format("%Y-%m-%d %H:%M"),
        );
    }
    let mut seen = std::collections::HashSet::new();
    events.retain(|e| seen.insert(e.event_id.clone()));
    crate::app::update::events::index(state, events);
    Ok(())
}

/// The accounts and regions of a secret's listings (empty: not in the inventory).
fn scope_of(arns: &[String]) -> (Vec<String>, Vec<String>) {
    let mut accounts = std::collections::BTreeSet::new();
    let mut regions = std::collections::BTreeSet::new();
    for cell in arns.iter().filter_map(|arn| Cell::of_arn(arn)) {
        regions.insert(cell.region);
        accounts.insert(cell.account);
    }
    (
        accounts.into_iter().collect(),
        regions.into_iter().collect(),
    )
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.2} GB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// A secret named on the command line (name, partial or full ARN), with its replicas' ARNs.
fn secret_arns(state: &State, id: &str) -> Vec<String> {
    state
        .inventory
        .entries
        .iter()
        .filter(|e| {
            let s = &e.secret;
            s.arn == id
                || s.name == id
                || s.arn.starts_with(&format!("{id}-"))
                || e.replicas.iter().any(|r| r.arn == id)
        })
        .flat_map(|e| {
            std::iter::once(e.secret.arn.clone()).chain(e.replicas.iter().map(|r| r.arn.clone()))
        })
        .collect()
}

/// The principal key for an ARN, role ARN, user name or access key typed on the command line.
fn principal_key(state: &State, text: &str) -> String {
    state
        .events
        .events
        .iter()
        .map(|e| &e.principal)
        .find(|p| {
            [
                p.arn.as_deref(),
                p.role_arn.as_deref(),
                p.name.as_deref(),
                p.access_key_id.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|v| v == text)
        })
        .map_or_else(|| text.to_string(), |p| p.key())
}
