//! `:replicas`: the replication matrix of the loaded inventory (the drill's checks for one DR
//! region), and a replica's detail. The drill is computed here when data, cells or the DR
//! region change, never per frame; views only read it.

use std::collections::BTreeMap;

use crate::app::replicas::DrChoice;
use crate::app::state::{Mode, Notice, NoticeLevel, State, View};
use crate::app::{Action, Effect};
use crate::domain::{Cell, CellHealth, Inventory, Secret};
use crate::drill::{self, Evidence, Input, SecretKey, Selection};

/// Opens the matrix; from the inventory or a secret's detail, on that secret's row.
pub fn open(state: &mut State) -> Vec<Effect> {
    let from = match state.view {
        View::Inventory => state.selected_entry().map(|e| key_of(&e.secret)),
        View::Detail => state.detail_entry().map(|e| key_of(&e.secret)),
        _ => None,
    };
    super::open(state, View::Replicas);
    if let Some(key) = from {
        select(state, &key);
    }
    Vec::new()
}

/// `:replicas [REGION]`: opens the matrix, checking REGION as the DR region when given.
pub fn command(state: &mut State, args: &[&str]) -> Vec<Effect> {
    if let Some(region) = args.first() {
        let region = region.trim().to_ascii_lowercase();
        let valid = !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            notice(
                state,
                NoticeLevel::Error,
                format!("`{region}` is not a region name; e.g. :replicas us-west-2"),
            );
            return Vec::new();
        }
        set_dr_region(state, region);
    }
    if state.view == View::Replicas {
        return Vec::new();
    }
    open(state)
}

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

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    let page = page(state);
    let n = state.replicas.rows.len();
    if state.replicas.cursor.step(action, n, page) {
        return Vec::new();
    }
    match action {
        Action::Left => {
            state.replicas.column = state.replicas.column.saturating_sub(1);
        }
        Action::Right => {
            let columns = state.replicas.drill.as_ref().map_or(0, |d| d.regions.len());
            state.replicas.column = (state.replicas.column + 1).min(columns.saturating_sub(1));
        }
        Action::Open => open_replica(state),
        Action::Filter => {
            state.mode = Mode::Filter;
            state.prompt = state.replicas.filter.clone();
        }
        Action::ClearFilter => {
            state.replicas.filter.clear();
            refilter(state);
        }
        Action::Toggle => {
            state.replicas.all = !state.replicas.all;
            recompute(state);
        }
        Action::DrRegionNext => next_dr_region(state),
        Action::Drill => return super::drill_run::start(state),
        _ => {}
    }
    Vec::new()
}

/// Keys in a replica's detail: scroll, the neighbouring region, the drill.
pub fn act_detail(state: &mut State, action: Action) -> Vec<Effect> {
    let scroll = &mut state.replicas.detail_scroll;
    match action {
        Action::Down => *scroll = scroll.saturating_add(1),
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::PageDown => *scroll = scroll.saturating_add(10),
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::Top => *scroll = 0,
        Action::Left | Action::Right => {
            let Some(drill) = state.replicas.drill.as_ref() else {
                return Vec::new();
            };
            let Some((_, region)) = state.replicas.open.as_mut() else {
                return Vec::new();
            };
            let i = drill.regions.iter().position(|r| r == region).unwrap_or(0);
            let j = if action == Action::Left {
                i.saturating_sub(1)
            } else {
                (i + 1).min(drill.regions.len().saturating_sub(1))
            };
            if let Some(next) = drill.regions.get(j) {
                region.clone_from(next);
                state.replicas.column = j;
                state.replicas.detail_scroll = 0;
            }
        }
        Action::Drill => return super::drill_run::start(state),
        _ => {}
    }
    Vec::new()
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

/// Checks `region` as the DR region from now on.
pub fn set_dr_region(state: &mut State, region: String) {
    let known = state.cells.keys().any(|c| c.region == region);
    if !known {
        let read: Vec<&str> = regions_read(state);
        notice(
            state,
            NoticeLevel::Warning,
            format!(
                "{region} is not among the regions read ({}): its replicas are known only from their primaries' status. Start with --region {region} to list it",
                read.join(", ")
            ),
        );
    }
    state.replicas.chosen = Some(region);
    recompute(state);
}

fn regions_read(state: &State) -> Vec<&str> {
    let mut read: Vec<&str> = state.cells.keys().map(|c| c.region.as_str()).collect();
    read.sort_unstable();
    read.dedup();
    read
}

fn next_dr_region(state: &mut State) {
    let read: Vec<String> = regions_read(state).into_iter().map(String::from).collect();
    if read.is_empty() {
        return;
    }
    let current = state.replicas.dr_region().map(str::to_string);
    let i = current
        .and_then(|c| read.iter().position(|r| *r == c))
        .map_or(0, |i| (i + 1) % read.len());
    state.replicas.chosen = Some(read[i].clone());
    recompute(state);
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
                s.replication = Some(r.clone());
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
fn select(state: &mut State, key: &SecretKey) {
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

fn open_replica(state: &mut State) {
    let view = &mut state.replicas;
    let (Some(row), Some(region)) = (view.selected_row(), view.selected_region()) else {
        return;
    };
    view.open = Some((row.key.clone(), region.to_string()));
    view.detail_scroll = 0;
    super::open(state, View::Replica);
}

/// The drill's key of a secret: a replica finds its primary's row.
fn key_of(s: &Secret) -> SecretKey {
    SecretKey {
        account: s.account.clone(),
        primary_region: if s.is_replica() {
            s.primary_region.clone().unwrap_or_default()
        } else {
            s.region.clone()
        },
        name: s.name.clone(),
    }
}

fn notice(state: &mut State, level: NoticeLevel, text: String) {
    state.notice = Some(Notice { level, text });
}
