//! `strongroom events`: access events from CloudTrail (live), snapshots and log files, filtered
//! by secret, principal, event name and window, as a table, JSON or CSV, newest first.

use std::process::ExitCode;

use color_eyre::eyre::{bail, eyre};

use super::open::Loaded;
use super::outcome::{finish, warn};
use crate::app::State;
use crate::cli::Format;
use crate::drive::runner::{drive, run_to_completion};
use crate::report;
use crate::trail::analysis::EventFilter;

/// What `strongroom events` was asked.
pub struct Query {
    pub secret: Option<String>,
    pub principal: Option<String>,
    pub event: Option<String>,
    pub since: String,
    pub until: Option<String>,
    pub errors_only: bool,
    pub writes_only: bool,
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
    run_to_completion(&mut state, source.clone()).await;
    if source.live_events() {
        let fetch = crate::app::update::events::start_fetch(&mut state, since, until);
        drive(&mut state, source, fetch).await;
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
