//! The inventory table: moving, sorting, filtering, opening a secret.

use super::rows::{keep_selection_visible, rebuild_rows};
use crate::app::columns::SORTABLE;
use crate::app::state::{Mode, State, View};
use crate::app::{Action, Effect};
use crate::source::SourceKind;

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    let page = state.table_height();
    if state.cursor.step(action, state.rows.len(), page) {
        return Vec::new();
    }
    match action {
        Action::Filter => {
            state.mode = Mode::Filter;
            state.prompt = state.filter.clone();
        }
        Action::ClearFilter => {
            state.filter.clear();
            rebuild_rows(state);
        }
        Action::SortNext | Action::SortPrevious => {
            let i = SORTABLE
                .iter()
                .position(|c| *c == state.sort.column)
                .unwrap_or(0);
            let n = SORTABLE.len();
            let next = if action == Action::SortNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            state.sort.column = SORTABLE[next];
            state.sort.descending = false;
            rebuild_rows(state);
        }
        Action::SortReverse => {
            state.sort.descending = !state.sort.descending;
            rebuild_rows(state);
        }
        Action::Open => return open_detail(state),
        _ => {}
    }
    keep_selection_visible(state);
    Vec::new()
}

/// Opens the selected secret; live sources fetch its replication status if not yet known.
pub fn open_detail(state: &mut State) -> Vec<Effect> {
    let Some(entry) = state.selected_entry() else {
        return Vec::new();
    };
    let secret = entry.secret.clone();
    state.detail = Some(secret.arn.clone());
    state.detail_scroll = 0;
    super::nav::open(state, View::Detail);
    let unknown = secret.replication.is_none() && !secret.is_replica();
    if state.source.kind == SourceKind::Live && unknown && !state.describing.contains(&secret.arn) {
        state.describing.insert(secret.arn.clone());
        let request = state.alloc_request();
        return vec![Effect::DescribeReplication { request, secret }];
    }
    Vec::new()
}
