//! The who-read pane: who read a secret in the window, and what the selected principal's reads
//! were (time, region, IP, user agent, outcome). The window is the events views' own, so `w`
//! and the number keys act here as they do in the event list.

use super::events;
use crate::app::state::{State, View};
use crate::app::window::{next_window, numbered_window};
use crate::app::{Action, Effect};

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Open | Action::Pivot => {
            if let Some(key) = selected_key(state) {
                events::open_pivot(state, key);
            }
            Vec::new()
        }
        Action::WindowNext => events::set_window(state, next_window(state.ev.preset)),
        Action::Pick(n) => match numbered_window(n) {
            Some(window) => events::set_window(state, window),
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
    events::refresh_panes(state);
    super::open(state, View::WhoRead);
    events::first_fetch(state)
}

/// The principal under the cursor, by key.
pub fn selected_key(state: &State) -> Option<String> {
    state
        .ev
        .readers
        .get(state.ev.reader_cursor.selected)
        .map(|r| r.principal_key.clone())
}

/// After the readers were recomputed (new window, new events): the cursor stays on the same
/// principal if it is still a reader, and that principal's reads are listed.
pub fn reselect(state: &mut State, key: Option<String>) {
    let readers = &state.ev.readers;
    if let Some(i) = key.and_then(|k| readers.iter().position(|r| r.principal_key == k)) {
        state.ev.reader_cursor.selected = i;
    }
    let (n, page) = (readers.len(), readers_page(state));
    state.ev.reader_cursor.keep_visible(n, page);
    state.ev.reader_reads = reads_of_selected(state);
}

fn reads_of_selected(state: &State) -> Vec<usize> {
    match selected_key(state) {
        Some(key) => state
            .events
            .reads_by(&events::focus_arns(state), &key, events::since(state)),
        None => Vec::new(),
    }
}

/// Reader rows on screen, for the cursor; the view lays the pane out with [`reader_rows`].
fn readers_page(state: &State) -> usize {
    let body = state.height.saturating_sub(3);
    usize::from(reader_rows(
        body,
        banner_lines(state),
        state.ev.readers.len(),
    ))
    .max(1)
}

/// Lines above the readers: the investigator hints (six at most), the fetch's progress, a gap.
pub fn banner_lines(state: &State) -> u16 {
    let lines = state.ev.hints.len().min(MAX_HINTS) + usize::from(state.ev.fetch.is_some());
    if lines == 0 { 0 } else { lines as u16 + 1 }
}

pub const MAX_HINTS: usize = 6;

/// Lines between the readers table and the selected principal's reads, and the reads' title
/// and header: what the reads need besides their rows.
pub const READS_CHROME: u16 = 3;

/// How many reader rows a pane of `body` lines shows: at most half of the lines left after
/// the banner and the headers, so that the selected principal's reads stay in view.
pub fn reader_rows(body: u16, banner: u16, readers: usize) -> u16 {
    let room = body.saturating_sub(banner).saturating_sub(1 + READS_CHROME);
    let wanted = u16::try_from(readers).unwrap_or(u16::MAX);
    wanted.min((room / 2).max(room.min(1)))
}
