//! Switching views: opening one (remembering where to go back to) and going back.

use super::rows::rebuild_rows;
use super::{audit_rows, matrix, panes};
use crate::app::state::{State, View};

/// Switches view, remembering where to go back to.
pub fn open(state: &mut State, view: View) {
    if state.view != view {
        state.back.push(state.view);
        state.view = view;
    }
    match view {
        View::Help => state.help_scroll = 0,
        View::Audit => audit_rows::rebuild(state),
        View::Events => panes::rebuild(state),
        View::Replicas | View::Replica => matrix::on_open(state),
        _ => {}
    }
}

pub fn back(state: &mut State) {
    if let Some(previous) = state.back.pop() {
        state.view = previous;
    } else if state.view == View::Inventory && !state.filter.is_empty() {
        state.filter.clear();
        rebuild_rows(state);
    }
}
