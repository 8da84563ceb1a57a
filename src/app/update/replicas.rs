//! `:replicas`: the replication matrix of the loaded inventory (the drill's checks for one DR
//! region), and a replica's detail: opening them, their keys, choosing the DR region. The drill
//! is computed in `matrix` when data, cells or the DR region change, never per frame.

use super::drill_run;
use super::matrix::{page, recompute, refilter, select};
use crate::app::state::{Mode, Notice, NoticeLevel, State, View};
use crate::app::{Action, Effect};
use crate::domain::Secret;
use crate::drill::SecretKey;

pub use super::matrix::{data_changed, keep_visible, settle};

/// Opens the matrix; from the inventory or a secret's detail, on that secret's row.
pub fn open(state: &mut State) -> Vec<Effect> {
    let from = match state.view {
        View::Inventory => state.selected_entry().map(|e| key_of(&e.secret)),
        View::Detail => state.detail_entry().map(|e| key_of(&e.secret)),
        _ => None,
    };
    super::nav::open(state, View::Replicas);
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
        Action::Drill => return drill_run::start(state),
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
        Action::Drill => return drill_run::start(state),
        _ => {}
    }
    Vec::new()
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

fn open_replica(state: &mut State) {
    let view = &mut state.replicas;
    let (Some(row), Some(region)) = (view.selected_row(), view.selected_region()) else {
        return;
    };
    view.open = Some((row.key.clone(), region.to_string()));
    view.detail_scroll = 0;
    super::nav::open(state, View::Replica);
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
