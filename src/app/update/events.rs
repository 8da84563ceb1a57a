//! The events views: the event list with its filters and one record; who read a secret and a
//! principal's pivot have their own files, as do the panes' data and live CloudTrail fetching.

use super::fetch::{first_fetch, set_window};
use super::panes::rebuild;
use super::pivot::{self, open_pivot};
use crate::app::state::{Mode, State, View};
use crate::app::window::{next_window, numbered_window};
use crate::app::{Action, Effect};

pub use super::fetch::{cancel, start_fetch};
pub use super::panes::{DEFAULT_LOOKBACK_DAYS, index, readers_of_focus};

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    match state.view {
        View::Events => list(state, action),
        View::WhoRead => super::who_read::act(state, action),
        View::Principal => pivot::act(state, action),
        View::Record => record(state, action),
        _ => Vec::new(),
    }
}

fn list(state: &mut State, action: Action) -> Vec<Effect> {
    let page = state.table_height();
    if state.ev.cursor.step(action, state.ev.rows.len(), page) {
        return Vec::new();
    }
    match action {
        Action::Filter => {
            state.mode = Mode::Filter;
            state.prompt = state.ev.filter.text.clone();
        }
        Action::ClearFilter => {
            state.ev.filter = Default::default();
            state.ev.preset = None;
            rebuild(state);
        }
        Action::WindowNext => return set_window(state, next_window(state.ev.preset)),
        Action::Pick(n) => {
            if let Some(window) = numbered_window(n) {
                return set_window(state, window);
            }
        }
        Action::ErrorsOnly => {
            state.ev.filter.errors_only = !state.ev.filter.errors_only;
            rebuild(state);
        }
        Action::WritesOnly => {
            state.ev.filter.writes_only = !state.ev.filter.writes_only;
            rebuild(state);
        }
        Action::Pivot => {
            if let Some(&i) = state.ev.rows.get(state.ev.cursor.selected) {
                let key = state.events.events[i].principal.key();
                open_pivot(state, key);
            }
        }
        Action::Open => {
            if let Some(&i) = state.ev.rows.get(state.ev.cursor.selected) {
                state.ev.record = Some(i);
                state.ev.record_scroll = 0;
                super::nav::open(state, View::Record);
            }
        }
        _ => {}
    }
    state.ev.cursor.keep_visible(state.ev.rows.len(), page);
    Vec::new()
}

fn record(state: &mut State, action: Action) -> Vec<Effect> {
    let s = &mut state.ev.record_scroll;
    match action {
        Action::Down => *s = s.saturating_add(1),
        Action::Up => *s = s.saturating_sub(1),
        Action::PageDown => *s = s.saturating_add(10),
        Action::PageUp => *s = s.saturating_sub(10),
        Action::Top => *s = 0,
        Action::Pivot => {
            if let Some(i) = state.ev.record {
                let key = state.events.events[i].principal.key();
                open_pivot(state, key);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Opening the events list for the first time on a live source starts a fetch.
pub fn on_open(state: &mut State) -> Vec<Effect> {
    rebuild(state);
    first_fetch(state)
}
