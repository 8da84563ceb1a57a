//! `:registry`: the environment matrix of the registry against the loaded inventory: a row
//! per key, a column per environment, each cell present / MISSING / overdue / not replicated /
//! FORBIDDEN; secrets no key declares below. Enter opens the cell's secret.

use std::collections::HashMap;

use crate::app::registry_view::{Mark, MatrixCell, MatrixRow};
use crate::app::state::{State, View};
use crate::app::{Action, Effect};
use crate::domain::Entry;
use crate::registry::{self, CheckKind, Presence, Status};

pub fn open(state: &mut State) -> Vec<Effect> {
    super::nav::open(state, View::Registry);
    recompute(state);
    Vec::new()
}

/// Rebuilds the matrix from the registry and the inventory (when the view is open, after
/// each join).
pub fn recompute(state: &mut State) {
    let Some(reg) = state.registry.registry.clone() else {
        state.registry.rows.clear();
        return;
    };
    let by_name: HashMap<&str, &Entry> = state
        .inventory
        .entries
        .iter()
        .filter(|e| e.secret.deleted.is_none())
        .map(|e| (e.secret.name.as_str(), e))
        .collect();
    let checks: Vec<registry::Verification> = reg
        .environments
        .iter()
        .map(|env| registry::verify(&reg, env, &state.inventory.entries, &[], state.now))
        .collect();
    let mut rows: Vec<MatrixRow> = reg
        .keys
        .iter()
        .map(|key| MatrixRow {
            key: key.key.clone(),
            registered: true,
            cells: reg
                .environments
                .iter()
                .zip(&checks)
                .map(|(env, v)| {
                    let name = key.name(env);
                    let found = by_name
                        .get(name.as_str())
                        .filter(|e| reg.accounts.get(env).is_none_or(|a| &e.secret.account == a));
                    let mine: Vec<&registry::Check> =
                        v.checks.iter().filter(|c| c.key == key.key).collect();
                    cell(key.presence(env), name, found.copied(), &mine)
                })
                .collect(),
        })
        .collect();
    // Secrets no key declares, one row per would-be key.
    let mut unregistered: Vec<MatrixRow> = Vec::new();
    for (col, v) in checks.iter().enumerate() {
        for c in v
            .checks
            .iter()
            .filter(|c| c.kind == CheckKind::Unregistered)
        {
            let i = match unregistered.iter().position(|r| r.key == c.key) {
                Some(i) => i,
                None => {
                    unregistered.push(MatrixRow {
                        key: c.key.clone(),
                        registered: false,
                        cells: reg
                            .environments
                            .iter()
                            .map(|_| MatrixCell {
                                mark: Mark::NotDeclared,
                                name: String::new(),
                                arn: None,
                                detail: String::new(),
                            })
                            .collect(),
                    });
                    unregistered.len() - 1
                }
            };
            unregistered[i].cells[col] = MatrixCell {
                mark: Mark::Unregistered,
                name: c.name.clone(),
                arn: c.arn.clone(),
                detail: c.detail.clone(),
            };
        }
    }
    unregistered.sort_by(|a, b| a.key.cmp(&b.key));
    rows.extend(unregistered);
    let view = &mut state.registry;
    view.rows = rows;
    view.cursor.selected = view.cursor.selected.min(view.rows.len().saturating_sub(1));
    view.column = view.column.min(reg.environments.len().saturating_sub(1));
}

fn cell(
    presence: Presence,
    name: String,
    found: Option<&Entry>,
    checks: &[&registry::Check],
) -> MatrixCell {
    let failed: Vec<&&registry::Check> =
        checks.iter().filter(|c| c.status == Status::Fail).collect();
    let has = |kind: CheckKind| failed.iter().any(|c| c.kind == kind);
    let mark = match (presence, found) {
        (Presence::Forbidden, Some(_)) => Mark::ForbiddenPresent,
        (Presence::Forbidden, None) => Mark::Absent,
        (Presence::Required, None) => Mark::Missing,
        (Presence::Optional, None) => Mark::OptionalAbsent,
        (Presence::Unlisted, None) => Mark::NotDeclared,
        (_, Some(e)) => {
            // The worst first.
            if has(CheckKind::Exists) {
                Mark::Missing
            } else if has(CheckKind::NotDeleted) {
                Mark::Deleting
            } else if has(CheckKind::CurrentVersion) {
                Mark::NoCurrent
            } else if has(CheckKind::Replicated) {
                Mark::NotReplicated
            } else if has(CheckKind::Rotation) && !e.secret.rotation.enabled {
                Mark::RotationOff
            } else if has(CheckKind::Rotation) {
                Mark::Overdue
            } else if has(CheckKind::DualPublish) {
                Mark::NoPrevious
            } else if has(CheckKind::Tags) {
                Mark::Tags
            } else {
                Mark::Present
            }
        }
    };
    let detail = failed
        .iter()
        .map(|c| format!("{}: {}", c.kind.id(), c.detail))
        .collect::<Vec<_>>()
        .join("; ");
    MatrixCell {
        mark,
        name,
        arn: found.map(|e| e.secret.arn.clone()),
        detail,
    }
}

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    let page = usize::from(state.height.saturating_sub(6)).max(1);
    let n = state.registry.rows.len();
    if state.registry.cursor.step(action, n, page) {
        return Vec::new();
    }
    let columns = state
        .registry
        .registry
        .as_ref()
        .map_or(0, |r| r.environments.len());
    match action {
        Action::Left => state.registry.column = state.registry.column.saturating_sub(1),
        Action::Right => {
            state.registry.column = (state.registry.column + 1).min(columns.saturating_sub(1));
        }
        Action::Open => {
            if let Some(arn) = state.registry.selected_cell().and_then(|c| c.arn.clone()) {
                state.detail = Some(arn);
                state.detail_scroll = 0;
                super::nav::open(state, View::Detail);
            }
        }
        _ => {}
    }
    Vec::new()
}
