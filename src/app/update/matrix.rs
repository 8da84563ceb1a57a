//! The replication matrix of the loaded inventory: the drill's checks for the DR region,
//! computed when data, cells or the DR region change; its filtered rows and the cursor.

use std::collections::BTreeMap;

use crate::app::replicas::DrChoice;
use crate::app::state::{State, View};
use crate::domain::{Cell, CellHealth, Inventory};
use crate::drill::{self, Evidence, Input, SecretKey, Selection};

/// Called when the view opens: the drill is computed if data changed while it was hidden.
pub fn on_open(state: &mut State) {
    if state.replicas.stale || state.replicas.drill.is_none() {
        recompute(state);
    }
}

/// Data or cells changed: the drill is computed again once the batch of messages is handled.
pub fn data_changed(state: &mut State) {
    state.replicas.stale = true;
}

/// Computes the drill if it is stale and on screen (a hidden matrix waits until it opens).
pub fn settle(state: &mut State) {
    if state.replicas.stale && matches!(state.view, View::Replicas | View::Replica) {
        recompute(state);
    }
}

/// Rows of the matrix on screen: the body minus its header and the lines under it.
pub fn page(state: &State) -> usize {
    usize::from(state.height.saturating_sub(4))
        .saturating_sub(state.replicas.footer_lines())
        .max(1)
}

pub fn keep_visible(state: &mut State) {
    let page = page(state);
    let n = state.replicas.rows.len();
    state.replicas.cursor.keep_visible(n, page);
}

/// The DR region to check and why: the operator's choice, the policy's first DR region, the
/// region holding the most replicas, or the first region read.
pub fn dr_region(state: &State) -> Option<(String, DrChoice)> {
    if let Some(r) = &state.replicas.chosen {
        return Some((r.clone(), DrChoice::Operator));
    }
    if let Some(r) = state.policy.dr_regions.first() {
        return Some((r.clone(), DrChoice::Policy));
    }
    let mut replicas: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in &state.inventory.entries {
        let s = &entry.secret;
        let mut regions: Vec<&str> = entry.replicas.iter().map(|r| r.region.as_str()).collect();
        regions.extend(s.replication.iter().flatten().map(|r| r.region.as_str()));
        if s.is_replica() {
            regions.push(s.region.as_str());
        }
        regions.sort_unstable();
        regions.dedup();
        for r in regions {
            *replicas.entry(r).or_default() += 1;
        }
    }
    // The first of the regions with the most replicas, by name.
    let most = replicas
        .iter()
        .fold(None::<(&str, usize)>, |best, (r, n)| match best {
            Some((_, m)) if m >= *n => best,
            _ => Some((r, *n)),
        });
    if let Some((r, _)) = most {
        return Some((r.to_string(), DrChoice::MostReplicas));
    }
    state
        .cells
        .keys()
        .next()
        .map(|c| (c.region.clone(), DrChoice::FirstRegion))
}

/// Runs the drill's checks on the loaded data for the DR region. Regions that could not be
/// read do not count with what they listed before: the console shows the primary as down and
/// what a failover would serve, as a fresh drill would.
pub fn recompute(state: &mut State) {
    state.replicas.stale = false;
    let Some((dr, choice)) = dr_region(state) else {
        state.replicas.drill = None;
        state.replicas.rows.clear();
        return;
    };
    let cells: BTreeMap<Cell, CellHealth> = state
        .cells
        .iter()
        .map(|(c, s)| (c.clone(), s.health.clone()))
        .collect();
    let selection = if state.replicas.all {
        Selection::Glob("*".into())
    } else {
        Selection::Default
    };
    let readable_only;
    let inventory = if cells.values().all(readable) {
        &state.inventory
    } else {
        readable_only = readable_inventory(state);
        &readable_only
    };
    let drill = drill::check(&Input {
        inventory,
        cells: &cells,
        policy: &state.policy,
        dr_region: &dr,
        selection: &selection,
        evidence: &Evidence::default(),
    });
    if let Some(key) = state.replicas.selected_row().map(|r| r.key.clone()) {
        state.replicas.focus = Some(key);
    }
    let keep = state.replicas.focus.clone();
    let dr_changed = state.replicas.dr_region() != Some(dr.as_str());
    let view = &mut state.replicas;
    if dr_changed {
        view.column = drill.regions.iter().position(|r| *r == dr).unwrap_or(0);
    }
    view.column = view.column.min(drill.regions.len().saturating_sub(1));
    view.drill = Some(drill);
    view.choice = Some(choice);
    refilter(state);
    if let Some(key) = keep {
        select(state, &key);
    }
}

/// Loading cells keep what they listed last; down, throttled or forbidden ones do not.
fn readable(health: &CellHealth) -> bool {
    matches!(health, CellHealth::Ok | CellHealth::Loading)
}

fn readable_inventory(state: &State) -> Inventory {
    let secrets = state
        .listings
        .iter()
        .filter(|(cell, _)| state.cells.get(*cell).is_none_or(|c| readable(&c.health)))
        .flat_map(|(_, listing)| listing.iter().cloned())
        .map(|mut s| {
            // DescribeSecret answered after the listing: its status is the newer one.
            if let Some(r) = state.replication.get(&s.arn) {
                std::sync::Arc::make_mut(&mut s).replication = Some(r.clone());
            }
            s
        });
    Inventory::join(secrets)
}

/// The rows whose name contains the filter (case-insensitive).
pub fn refilter(state: &mut State) {
    let needle = state.replicas.filter.trim().to_lowercase();
    let keep = state.replicas.selected_row().map(|r| r.key.clone());
    state.replicas.rows = state
        .replicas
        .drill
        .as_ref()
        .map(|d| {
            d.rows
                .iter()
                .enumerate()
                .filter(|(_, r)| needle.is_empty() || r.key.name.to_lowercase().contains(&needle))
                .map(|(i, _)| i)
                .collect()
        })
        .unwrap_or_default();
    if let Some(key) = keep {
        select(state, &key);
    }
    keep_visible(state);
}

/// Puts the cursor on a secret's row, if it is shown.
pub fn select(state: &mut State, key: &SecretKey) {
    let Some(drill) = state.replicas.drill.as_ref() else {
        return;
    };
    if let Some(pos) = state
        .replicas
        .rows
        .iter()
        .position(|&i| drill.rows.get(i).is_some_and(|r| &r.key == key))
    {
        state.replicas.cursor.selected = pos;
    }
    keep_visible(state);
}
