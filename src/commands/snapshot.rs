//! `strongroom snapshot export`: the current source (and its events) captured to a file for
//! offline review, evidence or a bug report. Exit 0, or 2 when a cell could not be read.

use std::path::Path;
use std::process::ExitCode;

use color_eyre::eyre::eyre;

use super::open::Loaded;
use super::outcome::{finish, warn};
use crate::app::State;
use crate::drive::runner::{drive, run_to_completion};
use crate::source::snapshot::{self, CellRecord, SCHEMA_VERSION, Snapshot};

pub async fn export(loaded: Loaded, output: &Path) -> color_eyre::Result<ExitCode> {
    let Loaded {
        mut state,
        source,
        problems,
    } = loaded;
    warn(&state, &problems);
    let events = source.events();
    run_to_completion(&mut state, source.clone()).await;
    if source.live_events() {
        let (start, end) = (state.now - chrono::Duration::days(7), state.now);
        let fetch = crate::app::update::events::start_fetch(&mut state, start, end);
        drive(&mut state, source, fetch).await;
    }
    let snap = capture(&state, events);
    snapshot::write(output, &snap).map_err(|e| eyre!("cannot write {}: {e}", output.display()))?;
    eprintln!(
        "strongroom: wrote {} secrets from {} account/region cells to {}",
        snap.secrets.len(),
        snap.cells.len(),
        output.display()
    );
    Ok(finish(&state, problems.is_empty()))
}

/// The state as a snapshot: every cell's listing with the replication status learned.
fn capture(state: &State, events: Vec<serde_json::Value>) -> Snapshot {
    let secrets = state
        .listings
        .values()
        .flatten()
        .map(|s| {
            let mut s = crate::domain::Secret::clone(s);
            if s.replication.is_none() {
                s.replication = state.replication.get(&s.arn).cloned();
            }
            s
        })
        .collect();
    let mut regions: Vec<String> = state.cells.keys().map(|c| c.region.clone()).collect();
    regions.dedup();
    regions.sort();
    regions.dedup();
    Snapshot {
        schema_version: SCHEMA_VERSION,
        captured_at: state.now,
        source: state.source.label.clone(),
        accounts: state.source.accounts.clone(),
        regions,
        cells: state
            .cells
            .iter()
            .map(|(cell, cs)| CellRecord {
                cell: cell.clone(),
                health: cs.health.clone(),
            })
            .collect(),
        secrets,
        // Raw records travel as they came; live-fetched events in their normalised form.
        access_events: if events.is_empty() {
            state.events.events.clone()
        } else {
            Vec::new()
        },
        events,
    }
}
