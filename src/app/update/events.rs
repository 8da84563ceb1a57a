//! The events views: the event list with its filters, who read a secret, a principal's pivot,
//! one record; and live CloudTrail fetching with progress and cancel.

use chrono::{DateTime, Duration, Utc};

use crate::app::state::{Fetching, Mode, State, View};
use crate::app::window::{Preset, next_window, numbered_window};
use crate::app::{Action, Effect};
use crate::source::{CellError, FetchProgress};
use crate::trail::AccessEvent;
use crate::trail::analysis::EventIndex;

/// How far back the first live fetch looks when no window preset is chosen.
pub const DEFAULT_LOOKBACK_DAYS: i64 = 7;

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    match state.view {
        View::Events => list(state, action),
        View::WhoRead => super::who_read::act(state, action),
        View::Principal => pivot(state, action),
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
                super::open(state, View::Record);
            }
        }
        _ => {}
    }
    state.ev.cursor.keep_visible(state.ev.rows.len(), page);
    Vec::new()
}

fn pivot(state: &mut State, action: Action) -> Vec<Effect> {
    let page = state.table_height();
    let n = state.ev.pivot.len();
    match action {
        Action::Open => {
            if let Some(s) = state.ev.pivot.get(state.ev.pivot_cursor.selected) {
                state.detail = Some(s.arn.clone());
                state.detail_scroll = 0;
                super::open(state, View::Detail);
            }
        }
        a => {
            state.ev.pivot_cursor.step(a, n, page);
        }
    }
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

pub(super) fn open_pivot(state: &mut State, key: String) {
    state.ev.principal = Some(key);
    state.ev.pivot_cursor = Default::default();
    refresh_panes(state);
    super::open(state, View::Principal);
}

/// Opening the events list for the first time on a live source starts a fetch.
pub fn on_open(state: &mut State) -> Vec<Effect> {
    rebuild(state);
    first_fetch(state)
}

pub(super) fn first_fetch(state: &mut State) -> Vec<Effect> {
    if state.ev.fetched_once || !state.live_events {
        return Vec::new();
    }
    state.ev.fetched_once = true;
    let end = state.now;
    let start = end
        - state
            .ev
            .preset
            .map_or(Duration::days(DEFAULT_LOOKBACK_DAYS), Preset::duration);
    start_fetch(state, start, end)
}

/// Chooses the window of the events views (list, who read, pivot alike) and recomputes them.
pub fn set_window(state: &mut State, window: Option<Preset>) -> Vec<Effect> {
    state.ev.preset = window;
    rebuild(state);
    fetch_window(state)
}

/// A wider window than fetched so far asks CloudTrail for the rest (the store skips what it has).
fn fetch_window(state: &mut State) -> Vec<Effect> {
    match state.ev.preset {
        Some(p) if state.live_events && p.duration() > Duration::days(DEFAULT_LOOKBACK_DAYS) => {
            let end = state.now;
            start_fetch(state, end - p.duration(), end)
        }
        _ => Vec::new(),
    }
}

/// One fetch per loaded cell; a fetch already running is cancelled first.
pub fn start_fetch(state: &mut State, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<Effect> {
    let mut effects = cancel(state);
    let cells: Vec<_> = state.cells.keys().cloned().collect();
    let mut fetching = Fetching::default();
    for cell in cells {
        let request = state.alloc_request();
        fetching.requests.push(request);
        effects.push(Effect::FetchEvents {
            request,
            cell,
            start,
            end,
        });
    }
    state.ev.fetch = Some(fetching);
    effects
}

/// Esc while fetching: stop, keep what arrived.
pub fn cancel(state: &mut State) -> Vec<Effect> {
    match state.ev.fetch.take() {
        Some(f) if !f.requests.is_empty() => {
            merge_pending(state);
            vec![Effect::CancelFetch {
                requests: f.requests,
            }]
        }
        _ => Vec::new(),
    }
}

pub fn page(
    state: &mut State,
    request: u64,
    events: Vec<AccessEvent>,
    progress: FetchProgress,
) -> Vec<Effect> {
    let Some(f) = state.ev.fetch.as_mut() else {
        return Vec::new();
    };
    if !f.requests.contains(&request) {
        return Vec::new();
    }
    f.events += events.len();
    f.pages += 1;
    f.throttled = f.throttled.max(progress.throttled);
    f.calls_per_sec = progress.calls_per_sec;
    f.oldest = match (f.oldest, progress.oldest) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    f.newest = match (f.newest, progress.newest) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    // Indexing is linear in all events (a quarter second at 100,000), so it waits for the end
    // of the fetch (or Esc) rather than stalling the screen once per page.
    state.pending_events.extend(events);
    Vec::new()
}

pub fn done(state: &mut State, request: u64, result: Result<(), CellError>) -> Vec<Effect> {
    let Some(f) = state.ev.fetch.as_mut() else {
        return Vec::new();
    };
    f.requests.retain(|r| *r != request);
    let finished = f.requests.is_empty();
    if let Err(e) = result {
        state.notice = Some(crate::app::state::Notice {
            level: crate::app::state::NoticeLevel::Warning,
            text: format!("CloudTrail: {e}"),
        });
    }
    if finished {
        state.ev.fetch = None;
        merge_pending(state);
    }
    Vec::new()
}

fn merge_pending(state: &mut State) {
    if state.pending_events.is_empty() {
        return;
    }
    let new = std::mem::take(&mut state.pending_events);
    let old = state.events.events.clone();
    index(state, crate::trail::merge(old, new));
}

/// Replaces the event index (and the audit's rotation history with it).
pub fn index(state: &mut State, events: Vec<AccessEvent>) {
    let secrets: Vec<_> = state.listings.values().flatten().cloned().collect();
    state.history = crate::audit::history::rotation_history(&events, &secrets);
    state.events = std::sync::Arc::new(EventIndex::build(events, &secrets));
    rebuild(state);
}

/// Re-applies the filters and the window to the event list.
pub fn rebuild(state: &mut State) {
    let mut filter = state.ev.filter.clone();
    if let Some(p) = state.ev.preset {
        filter.since = Some(state.now - p.duration());
    }
    state.ev.rows = state.events.filter(&filter);
    refresh_panes(state);
    let page = state.table_height();
    state.ev.cursor.keep_visible(state.ev.rows.len(), page);
}

/// Primary and replica ARNs of the secret the who-read pane shows.
pub fn focus_arns(state: &State) -> Vec<String> {
    let Some(arn) = state.ev.who_read.as_deref() else {
        return Vec::new();
    };
    state
        .inventory
        .entries
        .iter()
        .find(|e| e.secret.arn == arn)
        .map(|e| {
            std::iter::once(e.secret.arn.clone())
                .chain(e.replicas.iter().map(|r| r.arn.clone()))
                .collect()
        })
        .unwrap_or_else(|| vec![arn.to_string()])
}

pub fn since(state: &State) -> Option<DateTime<Utc>> {
    state.ev.preset.map(|p| state.now - p.duration())
}

/// Recomputes the who-read and pivot panes (readers, hints, secrets read) for the current
/// focus and window, so that drawing them costs nothing.
pub fn refresh_panes(state: &mut State) {
    let selected = super::who_read::selected_key(state);
    state.ev.readers = readers_of_focus(state);
    state.ev.hints = hint_lines(state);
    state.ev.pivot = pivot_rows(state);
    super::who_read::reselect(state, selected);
}

/// Investigator hints about the focused secret in the window (default: the last 7 days).
fn hint_lines(state: &State) -> Vec<String> {
    if state.ev.who_read.is_none() {
        return Vec::new();
    }
    let start = since(state).unwrap_or(state.now - Duration::days(DEFAULT_LOOKBACK_DAYS));
    state
        .events
        .hints_for_secret(&focus_arns(state), start, state.now)
        .iter()
        .map(|h| format!("! {}", h.message()))
        .collect()
}

pub fn readers_of_focus(state: &State) -> Vec<crate::trail::analysis::Reader> {
    state.events.readers(&focus_arns(state), since(state))
}

pub fn pivot_rows(state: &State) -> Vec<crate::trail::analysis::SecretReads> {
    match state.ev.principal.as_deref() {
        Some(key) => state.events.secrets_read_by(key, since(state)),
        None => Vec::new(),
    }
}
