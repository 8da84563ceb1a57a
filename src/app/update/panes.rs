//! What the events views show, computed when the focus, window or events change so that
//! drawing costs nothing: the list's rows, the who-read pane (readers, hints, the selected
//! reader's reads and how many rows fit) and the principal pivot.

use chrono::{DateTime, Duration, Utc};

use crate::app::state::State;
use crate::trail::AccessEvent;
use crate::trail::analysis::EventIndex;

/// How far back the first live fetch looks when no window preset is chosen.
pub const DEFAULT_LOOKBACK_DAYS: i64 = 7;

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
    state.ev.registry_line = registry_line(state);
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
    let selected = selected_key(state);
    state.ev.readers = readers_of_focus(state);
    state.ev.hints = hint_lines(state);
    state.ev.pivot = pivot_rows(state);
    reselect(state, selected);
}

/// The registry's alerts over the window, in one line for the events list.
fn registry_line(state: &State) -> Option<String> {
    let registry = state.registry.registry.as_deref()?;
    let start = since(state).unwrap_or(state.now - Duration::days(DEFAULT_LOOKBACK_DAYS));
    let found = crate::registry::alerts(
        registry,
        &state.events.events,
        &state.inventory.entries,
        start,
    );
    let first = found.first()?;
    let more = match found.len() {
        1 => String::new(),
        n => format!(
            " (and {} more: strongroom events --alerts lists them)",
            n - 1
        ),
    };
    Some(format!(
        "! registry: {} alert(s) in the window: {}{more}",
        found.len(),
        first.detail
    ))
}

/// Investigator hints about the focused secret in the window (default: the last 7 days).
fn hint_lines(state: &State) -> Vec<String> {
    if state.ev.who_read.is_none() {
        return Vec::new();
    }
    let start = since(state).unwrap_or(state.now - Duration::days(DEFAULT_LOOKBACK_DAYS));
    let focus = focus_arns(state);
    // With the team's registry, first: reads outside deployment, new principals, break-glass
    // use; what the team declared outranks what only looks unusual.
    let mut lines: Vec<String> = Vec::new();
    if let Some(registry) = state.registry.registry.as_deref() {
        let names: Vec<&str> = focus
            .iter()
            .map(|arn| crate::trail::secret_ref::name_in(arn))
            .collect();
        lines.extend(
            crate::registry::alerts(
                registry,
                &state.events.events,
                &state.inventory.entries,
                start,
            )
            .into_iter()
            .filter(|a| names.contains(&a.secret.as_str()))
            .map(|a| format!("! registry: {}", a.detail)),
        );
    }
    lines.extend(
        state
            .events
            .hints_for_secret(&focus, start, state.now)
            .iter()
            .map(|h| format!("! {}", h.message())),
    );
    lines
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

pub fn reads_of_selected(state: &State) -> Vec<usize> {
    match selected_key(state) {
        Some(key) => state
            .events
            .reads_by(&focus_arns(state), &key, since(state)),
        None => Vec::new(),
    }
}

/// Reader rows on screen, for the cursor; the view lays the pane out with [`reader_rows`].
pub fn readers_page(state: &State) -> usize {
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
