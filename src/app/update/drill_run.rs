//! A DR drill started from the console (`D`): the cells of the primaries' regions and of the
//! DR region are refreshed with the usual effects, each region's listing and the DescribeSecret
//! calls are timed as their answers arrive (time comes in the messages), and when everything is
//! in, the checks run on the fresh data and the summary is kept. Value verification and the
//! promotion rehearsal stay with `strongroom drill`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::{load, matrix};
use crate::app::Effect;
use crate::app::effect::RequestId;
use crate::app::replicas::{DrillRun, RegionListing, RunResult};
use crate::app::state::{Notice, NoticeLevel, State};
use crate::domain::{Cell, CellHealth};

/// Starts (or starts again) a drill for the current DR region.
pub fn start(state: &mut State) -> Vec<Effect> {
    if state.replicas.stale || state.replicas.drill.is_none() {
        matrix::recompute(state);
    }
    let Some(drill) = state.replicas.drill.as_ref() else {
        state.notice = Some(Notice {
            level: NoticeLevel::Warning,
            text: "no region to drill: nothing is loaded yet".into(),
        });
        return Vec::new();
    };
    let dr = drill.dr_region.clone();
    let mut regions: BTreeSet<String> = drill
        .rows
        .iter()
        .map(|r| r.key.primary_region.clone())
        .collect();
    if regions.is_empty() {
        // Nothing selected yet: every region, so new primaries can show up.
        regions = state.cells.keys().map(|c| c.region.clone()).collect();
    }
    regions.insert(dr.clone());
    let cells: Vec<Cell> = state
        .cells
        .keys()
        .filter(|c| regions.contains(&c.region))
        .cloned()
        .collect();
    let mut listing: BTreeMap<String, RegionListing> = BTreeMap::new();
    for c in &cells {
        listing.entry(c.region.clone()).or_default().cells += 1;
    }
    let effects = load::refresh_cells(state, &cells);
    let now = state.now;
    state.replicas.run = Some(DrillRun {
        dr_region: dr,
        started: now,
        listing,
        pending: cells.into_iter().collect(),
        describes: Default::default(),
        finished: None,
        result: None,
    });
    matrix::data_changed(state);
    maybe_finish(state, now);
    effects
}

/// Whether this answer is the current load of a cell the running drill waits for.
pub fn awaits(state: &State, cell: &Cell, request: RequestId) -> bool {
    state
        .replicas
        .run
        .as_ref()
        .is_some_and(|r| r.running() && r.pending.contains(cell))
        && state.cells.get(cell).and_then(|c| c.request) == Some(request)
}

/// A cell the drill waits for answered (its state is already updated).
pub fn cell_done(state: &mut State, cell: &Cell, at: DateTime<Utc>, effects: &[Effect]) {
    let failed = state
        .cells
        .get(cell)
        .map(|c| &c.health)
        .filter(|h| !matches!(h, CellHealth::Ok | CellHealth::Loading))
        .map(CellHealth::label);
    let Some(run) = state.replicas.run.as_mut() else {
        return;
    };
    run.pending.remove(cell);
    let region = run.listing.entry(cell.region.clone()).or_default();
    region.done += 1;
    region.failed.extend(failed);
    if region.done >= region.cells {
        region.finished = Some(at);
    }
    describes_started(state, effects, at);
    maybe_finish(state, at);
}

/// DescribeSecret calls the refresh started (after a cell or a page of it arrived).
pub fn describes_started(state: &mut State, effects: &[Effect], at: DateTime<Utc>) {
    let Some(run) = state.replicas.run.as_mut().filter(|r| r.running()) else {
        return;
    };
    for effect in effects {
        if let Effect::DescribeReplication { secret, .. } = effect
            && run.describes.pending.insert(secret.arn.clone())
        {
            run.describes.started += 1;
            run.describes.first.get_or_insert(at);
        }
    }
}

/// A DescribeSecret answered; its time is the batch's (`state.now`).
pub fn describe_done(state: &mut State, arn: &str) {
    let now = state.now;
    let Some(run) = state.replicas.run.as_mut().filter(|r| r.running()) else {
        return;
    };
    if run.describes.pending.remove(arn) {
        run.describes.done += 1;
        run.describes.last = Some(now);
        maybe_finish(state, now);
    }
}

/// When nothing is pending: the checks on the fresh data, the summary, and a notice.
fn maybe_finish(state: &mut State, at: DateTime<Utc>) {
    let done = state
        .replicas
        .run
        .as_ref()
        .is_some_and(|r| r.running() && r.pending.is_empty() && r.describes.pending.is_empty());
    if !done {
        return;
    }
    matrix::recompute(state);
    let result = state.replicas.drill.as_ref().map(|d| RunResult {
        rows: d.rows.len(),
        counts: d.counts,
        overall: d.overall,
    });
    let Some(run) = state.replicas.run.as_mut() else {
        return;
    };
    run.finished = Some(at);
    run.result = result;
    if let Some(r) = result {
        let level = match r.overall {
            crate::drill::Outcome::Pass => NoticeLevel::Info,
            crate::drill::Outcome::Warn => NoticeLevel::Warning,
            crate::drill::Outcome::Fail => NoticeLevel::Error,
        };
        let text = format!(
            "DR drill → {} done in {:.2} s: {} secrets, {} pass, {} warn, {} fail · verdict {}",
            run.dr_region,
            run.seconds(at),
            r.rows,
            r.counts.pass,
            r.counts.warn,
            r.counts.fail,
            r.overall.label()
        );
        state.notice = Some(Notice { level, text });
    }
}
