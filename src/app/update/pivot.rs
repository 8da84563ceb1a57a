//! The principal pivot: opening it on a principal, and its keys.

use super::panes::refresh_panes;
use crate::app::state::{State, View};
use crate::app::{Action, Effect};

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    let page = state.table_height();
    let n = state.ev.pivot.len();
    match action {
        Action::Open => {
            if let Some(s) = state.ev.pivot.get(state.ev.pivot_cursor.selected) {
                state.detail = Some(s.arn.clone());
                state.detail_scroll = 0;
                super::nav::open(state, View::Detail);
            }
        }
        a => {
            state.ev.pivot_cursor.step(a, n, page);
        }
    }
    Vec::new()
}

pub fn open_pivot(state: &mut State, key: String) {
    state.ev.principal = Some(key);
    state.ev.pivot_cursor = Default::default();
    refresh_panes(state);
    super::nav::open(state, View::Principal);
}
