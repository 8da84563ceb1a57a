//! Live CloudTrail fetching for the events views: the first fetch, a wider window's fetch,
//! progress, cancel, and indexing what arrived.

use chrono::{DateTime, Duration, Utc};

use super::panes::{DEFAULT_LOOKBACK_DAYS, index, rebuild};
use crate::app::Effect;
use crate::app::state::{Fetching, State};
use crate::app::window::Preset;
use crate::source::{CellError, FetchProgress};
use crate::trail::AccessEvent;

/// The first fetch of a live source, once: the preset's window, or the last seven days.
pub fn first_fetch(state: &mut State) -> Vec<Effect> {
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
    if let Some(part) = progress.trail {
        f.trail_events += events.len();
        f.trail = Some(match f.trail.take() {
            Some(seen) if seen.until <= part.until => seen,
            _ => part,
        });
    } else {
        f.pages += 1;
    }
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
    } else if finished && let Some(part) = &f.trail {
        // Which source answered which part of the window, once it is all in.
        let warned = state
            .notice
            .as_ref()
            .is_some_and(|n| n.level != crate::app::state::NoticeLevel::Info);
        if !warned {
            state.notice = Some(crate::app::state::Notice {
                level: crate::app::state::NoticeLevel::Info,
                text: sources_line(f.trail_events, f.events - f.trail_events, part),
            });
        }
    }
    if finished {
        state.ev.fetch = None;
        merge_pending(state);
    }
    Vec::new()
}

/// "N events from the organization trail X up to T, M from LookupEvents after".
pub fn sources_line(trail: usize, lookup: usize, part: &crate::source::TrailPart) -> String {
    format!(
        "Events: {trail} from the organization trail {} up to {} UTC, {lookup} from LookupEvents \
         after (the trail delivers with a lag)",
        part.source,
        part.until.format("%m-%d %H:%M")
    )
}

fn merge_pending(state: &mut State) {
    if state.pending_events.is_empty() {
        return;
    }
    let new = std::mem::take(&mut state.pending_events);
    let old = state.events.events.clone();
    index(state, crate::trail::merge(old, new));
}
