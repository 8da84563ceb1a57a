//! Loading cells and replication status; rebuilding the joined, filtered, sorted rows.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::rows::{rebuild_rows, sort_and_select};
use super::{audit_rows, panes};
use crate::app::Effect;
use crate::app::columns::Column;
use crate::app::effect::RequestId;
use crate::app::filter::SearchIndex;
use crate::app::state::{Notice, NoticeLevel, State, join_key};
use crate::audit::rules;
use crate::domain::{Cell, CellHealth, Inventory, ReplicaStatus, Secret};
use crate::source::{CellError, CellResult};

/// While an organization's cells load, the table is joined again at most this often.
const JOIN_EVERY_MS: i64 = 500;

/// The first load: every cell at once.
pub fn start(state: &mut State) -> Vec<Effect> {
    refresh(state)
}

/// Reloads every cell in the background; what is on screen stays until new data arrives.
pub fn refresh(state: &mut State) -> Vec<Effect> {
    state.early = Default::default();
    state.stale_replication = state.replication.keys().cloned().collect();
    let cells: Vec<Cell> = state.cells.keys().cloned().collect();
    load_cells(state, cells)
}

/// Reloads some cells (a drill's regions); the replication status of their primaries is asked
/// for again.
pub fn refresh_cells(state: &mut State, cells: &[Cell]) -> Vec<Effect> {
    state.early = Default::default();
    let stale: Vec<String> = state
        .replication
        .keys()
        .filter(|arn| Cell::of_arn(arn).is_some_and(|cell| cells.contains(&cell)))
        .cloned()
        .collect();
    state.stale_replication.extend(stale);
    load_cells(state, cells.to_vec())
}

fn load_cells(state: &mut State, cells: Vec<Cell>) -> Vec<Effect> {
    let mut effects = Vec::with_capacity(cells.len());
    for cell in cells {
        let request = state.alloc_request();
        if let Some(c) = state.cells.get_mut(&cell) {
            c.health = CellHealth::Loading;
            c.request = Some(request);
        }
        effects.push(Effect::LoadCell { request, cell });
    }
    effects
}

pub fn cell_loaded(
    state: &mut State,
    request: RequestId,
    cell: Cell,
    at: DateTime<Utc>,
    result: CellResult,
) -> Vec<Effect> {
    let account = state.account_label(&cell.account);
    let Some(cs) = state.cells.get_mut(&cell) else {
        return Vec::new();
    };
    if cs.request != Some(request) {
        return Vec::new(); // a newer refresh replaced this one
    }
    cs.request = None;
    match result {
        Ok(secrets) => {
            cs.health = CellHealth::Ok;
            cs.loaded_at = Some(at);
            // Into a new vector: collected in place, the listing's buffer (sized for whole
            // secrets) would be kept for pointers.
            let mut shared = Vec::with_capacity(secrets.len());
            shared.extend(secrets.into_iter().map(Arc::new));
            state.listings.insert(cell, shared);
        }
        Err(CellError { health }) => {
            // The same sentence as the empty state and the headless commands: what happened
            // and what to do next, on the bottom line until something else is said.
            let text = health
                .detail()
                .map(|d| format!("{account} {}: {d}", cell.region));
            cs.health = health;
            // A failure outranks an informational note (accounts left out, regions skipped).
            let free = state
                .notice
                .as_ref()
                .is_none_or(|n| n.level == NoticeLevel::Info);
            if let Some(text) = text
                && free
            {
                state.notice = Some(Notice {
                    level: NoticeLevel::Warning,
                    text,
                });
            }
        }
    }
    let loading = state.loading();
    if !loading {
        state.last_refresh = Some(at);
    }
    // Joining the whole inventory costs what is loaded so far: doing it for every one of an
    // organization's hundreds of cells is quadratic. While cells load, join once per tenth of
    // them (every cell for small fleets) and, beyond ten cells, at most twice a second; always
    // when the last one answers.
    state.unjoined_cells += 1;
    let batch = state.cells.len().div_ceil(10).max(1);
    let recent = state.cells.len() > 10
        && state
            .last_join
            .is_some_and(|t| at - t < chrono::Duration::milliseconds(JOIN_EVERY_MS));
    if loading && (!state.derive.progress || state.unjoined_cells < batch || recent) {
        return Vec::new();
    }
    state.unjoined_cells = 0;
    state.last_join = loading.then_some(at);
    if !loading {
        // Every page is in: what was kept to start DescribeSecret early has done its work.
        state.early = Default::default();
    }
    rejoin(state);
    describe_where_needed(state)
}

/// A page of a loading cell: primaries meet the replicas already seen (and the other way
/// round), so DescribeSecret starts while the rest of the fleet is still being listed.
pub fn page_arrived(
    state: &mut State,
    request: RequestId,
    cell: &Cell,
    secrets: &[Secret],
) -> Vec<Effect> {
    if state.cells.get(cell).and_then(|c| c.request) != Some(request) {
        return Vec::new();
    }
    let mut wanted = Vec::new();
    for s in secrets {
        if s.is_replica() {
            let region = s.primary_region.as_deref().unwrap_or_default();
            let key = join_key(&s.account, region, &s.name);
            let primary = state.early.primaries.get(&key).filter(|arn| {
                // arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX
                arn.contains(&format!(":{region}:{}:secret:{}-", s.account, s.name))
            });
            if let Some(arn) = primary {
                wanted.push(Arc::new(Secret {
                    arn: arn.clone(),
                    name: s.name.clone(),
                    account: s.account.clone(),
                    region: region.to_string(),
                    ..Secret::default()
                }));
            }
            state.early.replicas.insert(key);
        } else {
            let key = join_key(&s.account, &s.region, &s.name);
            if state.early.replicas.contains(&key) || s.primary_region.is_some() {
                wanted.push(Arc::new(s.clone()));
            } else {
                state.early.primaries.insert(key, s.arn.clone());
            }
        }
    }
    wanted
        .into_iter()
        .filter(|s| s.replication.is_none())
        .filter_map(|secret| {
            let known = state.replication.contains_key(&secret.arn)
                && !state.stale_replication.contains(&secret.arn);
            if known || state.describing.contains(&secret.arn) {
                return None;
            }
            state.stale_replication.remove(&secret.arn);
            state.describing.insert(secret.arn.clone());
            Some(Effect::DescribeReplication {
                request: state.alloc_request(),
                secret,
            })
        })
        .collect()
}

pub fn replication_loaded(
    state: &mut State,
    arn: String,
    result: Result<Vec<ReplicaStatus>, CellError>,
) -> Vec<Effect> {
    state.describing.remove(&arn);
    match result {
        Ok(status) => {
            // Applied in place: hundreds of answers arrive in a burst, and a full re-join per
            // answer would cost more than the calls themselves.
            if let Some(entry) = state
                .inventory
                .entries
                .iter_mut()
                .find(|e| e.secret.arn == arn)
            {
                std::sync::Arc::make_mut(&mut entry.secret).replication = Some(status.clone());
                if state.derive.audit {
                    let findings = rules::check(entry, &state.history, &state.policy, state.now);
                    state.findings.insert(arn.clone(), findings);
                }
            }
            state.replication.insert(arn, status);
            if matches!(
                state.sort.column,
                Column::Status | Column::Replicas | Column::Audit
            ) {
                rebuild_rows(state);
            }
        }
        Err(e) => {
            state.notice = Some(Notice {
                level: NoticeLevel::Warning,
                text: format!("replication status unavailable: {e}"),
            });
        }
    }
    Vec::new()
}

/// Joins every cell's listing again, keeping replication status learned from DescribeSecret.
fn rejoin(state: &mut State) {
    let selected = state.selected_entry().map(|e| e.secret.arn.clone());
    // The old join, its search index and findings go before the new ones are built: an
    // organization's inventory would otherwise be held twice at the peak.
    state.inventory = Inventory::default();
    state.search = SearchIndex::default();
    state.findings = Default::default();
    // What DescribeSecret said goes into the listings themselves (in place: nothing else
    // holds them now), so the join below shares them instead of copying.
    for s in state.listings.values_mut().flatten() {
        if s.replication.is_none()
            && let Some(r) = state.replication.get(&s.arn)
        {
            Arc::make_mut(s).replication = Some(r.clone());
        }
    }
    state.inventory = Inventory::join(state.listings.values().flatten().cloned());
    if !state.events.events.is_empty() {
        // References resolve against the inventory, which just changed.
        let events = state.events.events.clone();
        panes::index(state, events);
    }
    if state.derive.search {
        state.search = SearchIndex::build(&state.inventory.entries, &state.account_names);
    }
    if state.derive.audit {
        audit_all(state);
    }
    sort_and_select(state, selected);
    if state.view == crate::app::state::View::Registry {
        super::registry::recompute(state);
    }
}

/// Re-runs the audit over the whole inventory (10,000 secrets take a few milliseconds).
pub fn audit_all(state: &mut State) {
    let mut findings = crate::app::columns::Findings::new();
    for entry in &state.inventory.entries {
        let f = rules::check(entry, &state.history, &state.policy, state.now);
        if !f.is_empty() {
            findings.insert(entry.secret.arn.clone(), f);
        }
    }
    state.findings = findings;
    if state.view == crate::app::state::View::Audit {
        audit_rows::rebuild(state);
    }
}

/// Primaries whose replicas were seen but whose status is unknown: one DescribeSecret each.
fn describe_where_needed(state: &mut State) -> Vec<Effect> {
    let wanted: Vec<_> = state
        .inventory
        .entries
        .iter()
        .filter(|e| {
            (e.needs_describe() || state.stale_replication.contains(&e.secret.arn))
                && !state.describing.contains(&e.secret.arn)
        })
        .map(|e| e.secret.clone())
        .collect();
    wanted
        .into_iter()
        .map(|secret| {
            state.stale_replication.remove(&secret.arn);
            state.describing.insert(secret.arn.clone());
            Effect::DescribeReplication {
                request: state.alloc_request(),
                secret,
            }
        })
        .collect()
}
