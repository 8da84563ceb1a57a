//! The inventory's rows: filtered, sorted, and the selection kept on screen.

use crate::app::columns::{Column, compare};
use crate::app::state::State;

/// Filters and sorts into `rows`, keeping the selected secret selected if it is still there.
pub fn rebuild_rows(state: &mut State) {
    let selected = state.selected_entry().map(|e| e.secret.arn.clone());
    sort_and_select(state, selected);
}

pub fn sort_and_select(state: &mut State, selected_arn: Option<String>) {
    // Without a search index (a headless command), every entry is a match.
    let mut matches = if state.derive.search {
        state.search.matches(&state.filter)
    } else {
        (0..state.inventory.entries.len()).map(|i| (i, 0)).collect()
    };
    let entries = &state.inventory.entries;
    let ctx = state.ctx();
    let (column, descending) = (state.sort.column, state.sort.descending);
    let rank_by_score = !state.filter.trim().is_empty() && column == Column::Name;
    matches.sort_by(|(a, sa), (b, sb)| {
        let by_column = compare(column, &entries[*a], &entries[*b], &ctx);
        let by_column = if descending {
            by_column.reverse()
        } else {
            by_column
        };
        if rank_by_score {
            sb.cmp(sa).then(by_column)
        } else {
            by_column
        }
    });
    state.rows = matches.into_iter().map(|(i, _)| i).collect();
    // At the top of the list the operator has chosen nothing yet: stay at the top as rows arrive.
    let at_top = state.cursor.selected == 0;
    if let Some(arn) = selected_arn.filter(|_| !at_top)
        && let Some(pos) = state
            .rows
            .iter()
            .position(|&i| state.inventory.entries[i].secret.arn == arn)
    {
        state.cursor.selected = pos;
    }
    keep_selection_visible(state);
}

/// Scrolls so the selected row is on screen, and keeps the selection inside the rows.
pub fn keep_selection_visible(state: &mut State) {
    let height = state.table_height();
    state.cursor.keep_visible(state.rows.len(), height);
}
