//! The DR drill: is every secret that must survive a region failure replicated to the DR region,
//! InSync, at the primary's AWSCURRENT, under a usable key, and what would a failover serve?
//!
//! The core is pure, data in and data out, for the headless command and the TUI alike:
//! [`check`] takes the loaded inventory, each (account, region) cell's health, the audit
//! [`Policy`], the DR region, a [`Selection`] and the [`Evidence`] gathered after listing (value
//! fingerprints, promotion rehearsals) and returns a [`Drill`]: the matrix (one [`Row`] per
//! secret, one [`RegionCell`] per region) with a verdict per row and overall. Nothing here does
//! I/O or reads the clock.
//!
//! - `matrix`: selection, grouping listings by secret, each cell's presence, parity and key.
//! - `verdict`: the verdict of one row.
//! - `promotion`: which rows may be promoted, and the exact requests (pure).
//! - `stopwatch`: a source wrapper that times and counts the calls (the edge).
//! - `record`: what a run did (phases, calls, reads, rehearsal), for the report (pure data).
//! - `live`: the opt-in value fingerprints and promotion rehearsal (the edge).
//! - `command`: `strongroom drill`, which drives listing, reads and writes (the edge).

pub mod live;
pub mod matrix;
pub mod model;
pub mod promotion;
pub mod record;
pub mod stopwatch;
pub mod verdict;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use model::{
    Counts, Drill, Evidence, Failover, KeyCheck, Outcome, Parity, Presence, Primary,
    PromotionRecord, PromotionStep, Reason, RegionCell, Replica, ReplicaListing, Row, SecretKey,
    Selection, ValueCheck,
};

use crate::audit::Policy;
use crate::domain::{Cell, CellHealth, Inventory};

/// Everything the drill's checks need; borrowed, so the TUI can call [`check`] on its state.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub inventory: &'a Inventory,
    /// Every (account, region) cell the source has, with how its last load went.
    pub cells: &'a BTreeMap<Cell, CellHealth>,
    pub policy: &'a Policy,
    pub dr_region: &'a str,
    pub selection: &'a Selection,
    pub evidence: &'a Evidence,
}

/// The matrix of the selected secrets with a verdict per row and overall. Rows are ordered by
/// name, then account and primary region.
pub fn check(input: &Input<'_>) -> Drill {
    let dr = input.dr_region;
    let regions = matrix::regions(input.cells, dr);
    let mut rows: Vec<Row> = matrix::groups(input.inventory)
        .iter()
        .filter(|(key, group)| matrix::selected(key, group, input.policy, dr, input.selection))
        .map(|(key, group)| {
            let mut row = matrix::row(key, group, input.cells, input.policy, dr, &regions);
            row.value_check = input.evidence.values.get(key).cloned();
            row.promotion = input.evidence.promotions.get(key).cloned();
            verdict::judge(&mut row, dr);
            row
        })
        .collect();
    rows.sort_by(|a, b| {
        a.key
            .name
            .cmp(&b.key.name)
            .then_with(|| a.key.account.cmp(&b.key.account))
            .then_with(|| a.key.primary_region.cmp(&b.key.primary_region))
    });
    let mut counts = Counts::default();
    for row in &rows {
        match row.verdict {
            Outcome::Pass => counts.pass += 1,
            Outcome::Warn => counts.warn += 1,
            Outcome::Fail => counts.fail += 1,
        }
    }
    let overall = rows
        .iter()
        .map(|r| r.verdict)
        .max()
        .unwrap_or(Outcome::Pass);
    Drill {
        dr_region: dr.to_string(),
        regions,
        notes: notes(input),
        rows,
        overall,
        counts,
    }
}

fn notes(input: &Input<'_>) -> Vec<String> {
    let dr = input.dr_region;
    let mut notes = Vec::new();
    let policy = &input.policy.dr_regions;
    if !policy.is_empty() && !policy.iter().any(|r| r == dr) {
        notes.push(format!(
            "{dr} is not one of the policy's DR regions ({}): no secret is required there, only those already replicated are checked",
            policy.join(", ")
        ));
    }
    let dr_cells: Vec<(&Cell, &CellHealth)> =
        input.cells.iter().filter(|(c, _)| c.region == dr).collect();
    if dr_cells.is_empty() {
        notes.push(format!(
            "{dr} was not read: replicas there are known only from their primaries' status"
        ));
    }
    // A primary region that cannot be read hides every secret with no replica in the DR region:
    // exactly the ones a failover would lose. Say so rather than show a shorter list.
    for (cell, health) in input.cells.iter().filter(|(c, _)| c.region != dr) {
        if matches!(
            health,
            CellHealth::Down(_) | CellHealth::Forbidden(_) | CellHealth::Failed(_)
        ) {
            notes.push(format!(
                "{} is {} for account {}: its secrets without a replica in {dr} cannot be listed \
                 and are not in this report; a failover would lose them (compare with the last \
                 snapshot: strongroom snapshot export)",
                cell.region,
                health.label(),
                cell.account
            ));
        }
    }
    for (cell, health) in dr_cells {
        if !matches!(health, CellHealth::Ok | CellHealth::Loading) {
            notes.push(format!(
                "the DR region {dr} is {} for account {}: replicas there cannot be listed",
                health.label(),
                cell.account
            ));
        }
    }
    notes
}
