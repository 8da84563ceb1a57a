//! The who-read pane: who read a secret in the window, and what the selected principal's reads
//! were (time, region, IP, user agent, outcome). The window is the events views' own, so `w`
//! and the number keys act here as they do in the event list.

use super::fetch::{first_fetch, set_window};
use super::panes::{readers_page, reads_of_selected, refresh_panes, selected_key};
use super::pivot::open_pivot;
use crate::app::state::{State, View};
use crate::app::window::{next_window, numbered_window};
use crate::app::{Action, Effect};

pub use super::panes::{MAX_HINTS, READS_CHROME, banner_lines, reader_rows};

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Open | Action::Pivot => {
            if let Some(key) = selected_key(state) {
                open_pivot(state, key);
            }
            Vec::new()
        }
        Action::WindowNext => set_window(state, next_window(state.ev.preset)),
        Action::Pick(n) => match numbered_window(n) {
            Some(window) => set_window(state, window),
            None => Vec::new(),
        },
        a => {
            let (n, page) = (state.ev.readers.len(), readers_page(state));
            if state.ev.reader_cursor.step(a, n, page) {
                state.ev.reader_reads = reads_of_selected(state);
            }
            Vec::new()
        }
    }
}

/// `t` on a secret (inventory or detail): who read it, across its primary and replica regions.
pub fn open(state: &mut State, arn: String) -> Vec<Effect> {
    state.ev.who_read = Some(arn);
    // A new secret starts at its most recent reader, whoever was selected before.
    state.ev.readers.clear();
    state.ev.reader_cursor = Default::default();
    refresh_panes(state);
    super::nav::open(state, View::WhoRead);
    first_fetch(state)
}
