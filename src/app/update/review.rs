//! `:review`: the quarterly access review of the loaded inventory. Opening it asks the review
//! worker for the quarter's review (same window and source reopen it, decisions kept) once the
//! inventory is loaded, fetches the resource policies the cache lacks through the source, and,
//! on a live source, the window's reads from CloudTrail. The reviews of the secrets on screen
//! are built here when data changes, never per frame; views only read them.

use std::sync::Arc;

use chrono::Duration;

use super::review_answers::observe_if_complete;
use super::{fetch, review_decide};
use crate::app::effect::ReviewRequest;
use crate::app::review::{DEFAULT_WINDOW, PolicyFetch, ReviewPane, ReviewView, StoreState};
use crate::app::state::{Mode, NoticeLevel, State, View};
use crate::app::{Action, Effect};
use crate::review::{PolicyInput, ReviewInfo, review_id};
use crate::source::SourceKind;

pub use super::review_decide::input;
pub use super::review_state::{data_changed, notice, reviewer};

/// `V` from the inventory or a secret's detail: the review, on that secret.
pub fn open(state: &mut State) -> Vec<Effect> {
    let from = match state.view {
        View::Inventory => state.selected_entry().map(|e| e.secret.arn.clone()),
        View::Detail => state.detail_entry().map(|e| e.secret.arn.clone()),
        _ => None,
    };
    let effects = command(state, &[]);
    if let Some(arn) = from {
        state.review.focus = Some(arn);
        refilter(state);
    }
    effects
}

/// `:review [WINDOW]`: opens the review of the last 90 days, or of WINDOW (`30d`, `12w`).
pub fn command(state: &mut State, args: &[&str]) -> Vec<Effect> {
    let window = match args.first() {
        Some(w) => w.trim().to_string(),
        None if state.review.window.is_empty() => DEFAULT_WINDOW.to_string(),
        None => state.review.window.clone(),
    };
    let Some(span) = crate::app::window::parse_duration(&window).filter(|d| *d > Duration::zero())
    else {
        notice(
            state,
            NoticeLevel::Error,
            format!(
                "`{window}` is not a review window; e.g. :review 90d, :review 30d, :review 12w"
            ),
        );
        return Vec::new();
    };
    let mut effects = Vec::new();
    if state.review.window != window {
        effects = begin(state, window, span);
    }
    super::nav::open(state, View::Review);
    refilter(state);
    effects
}

/// A new window is another review: everything but the policies (and what CloudTrail was
/// asked for) starts over. A live source reads the window's events.
fn begin(state: &mut State, window: String, span: Duration) -> Vec<Effect> {
    let old = std::mem::take(&mut state.review);
    let since = state.now - span;
    state.review = ReviewView {
        reviewer: old.reviewer,
        window,
        span,
        since: Some(since),
        // A fetch in flight answers a request nobody waits for: what it lacks is asked again.
        policies: old.policies,
        reads_since: old.reads_since,
        reads_stopped: old.reads_stopped,
        stale: true,
        ..ReviewView::default()
    };
    let mut effects = Vec::new();
    let covered = state.review.reads_since.is_some_and(|s| s <= since);
    if state.live_events && !covered {
        let now = state.now;
        effects = fetch::start_fetch(state, since, now);
        state.ev.fetched_once = true;
        state.review.reads_since = Some(since);
        state.review.reads_stopped = false;
    }
    effects
}

/// After every message: open the review in the store once the inventory is loaded, fetch the
/// policies still unknown, and keep the observation once everything is in.
pub fn follow(state: &mut State) -> Vec<Effect> {
    if state.review.window.is_empty() || state.loading() {
        return Vec::new();
    }
    if state.review.store == StoreState::Closed {
        return vec![open_in_store(state)];
    }
    if matches!(state.review.store, StoreState::Opening(_)) {
        return Vec::new();
    }
    if !state.review.loading_policies() {
        let effects = fetch_missing(state);
        if !effects.is_empty() {
            return effects;
        }
    }
    observe_if_complete(state)
}

fn open_in_store(state: &mut State) -> Effect {
    let request = state.alloc_request();
    state.review.store = StoreState::Opening(request);
    let now = state.now;
    let source = &state.source;
    let wanted = ReviewInfo {
        id: review_id(now),
        started_at: now,
        window: state.review.window.clone(),
        reviewer: reviewer(state),
        scope: None,
        source: source.label.clone(),
        source_kind: source.kind.short_name().to_string(),
    };
    // Only live policies are cached: a snapshot or the demo says what it knows itself.
    let cached_for = if source.kind == SourceKind::Live {
        state
            .inventory
            .entries
            .iter()
            .filter(|e| e.secret.deleted.is_none())
            .map(|e| e.secret.arn.clone())
            .collect()
    } else {
        Vec::new()
    };
    Effect::Review(ReviewRequest::Open {
        request,
        wanted,
        reuse: crate::review::quarter_prefix(now),
        cached_for,
    })
}

/// Secrets whose policy is not known yet: those scheduled for deletion are not asked (nobody
/// can read them), the others go to the source in one batch.
fn fetch_missing(state: &mut State) -> Vec<Effect> {
    let mut secrets = Vec::new();
    let mut changed = false;
    for e in &state.inventory.entries {
        let arn = &e.secret.arn;
        if state.review.policies.contains_key(arn) {
            continue;
        }
        if e.secret.deleted.is_some() {
            state.review.policies.insert(
                arn.clone(),
                PolicyInput::Unavailable(
                    "scheduled for deletion: nobody can read it, its policy was not fetched".into(),
                ),
            );
            changed = true;
        } else {
            secrets.push(crate::domain::Secret::clone(&e.secret));
        }
    }
    if changed {
        data_changed(state);
    }
    if secrets.is_empty() {
        return Vec::new();
    }
    let request = state.alloc_request();
    state.review.fetch = PolicyFetch::Loading {
        request,
        arns: secrets.iter().map(|s| s.arn.clone()).collect(),
    };
    vec![Effect::FetchPolicies { request, secrets }]
}

/// Computes the rows and the reviews of the secrets on screen, when the view shows.
pub fn settle(state: &mut State) {
    if state.view != View::Review || state.review.window.is_empty() {
        return;
    }
    let events_changed = !state
        .review
        .built_from
        .as_ref()
        .is_some_and(|e| Arc::ptr_eq(e, &state.events));
    if state.review.stale || events_changed {
        state.review.stale = false;
        state.review.built.clear();
        state.review.built_from = Some(state.events.clone());
        refilter(state);
    }
    build_visible(state);
}

/// Reviews of the rows on screen and the selected one, each built once per data change.
fn build_visible(state: &mut State) {
    let Some(since) = state.review.since else {
        return;
    };
    let view = &state.review;
    let start = view.cursor.offset.min(view.rows.len());
    let end = (start + page(state)).min(view.rows.len());
    let mut wanted: Vec<usize> = view.rows[start..end].to_vec();
    wanted.extend(view.rows.get(view.cursor.selected).copied());
    for i in wanted {
        let Some(entry) = state.inventory.entries.get(i) else {
            continue;
        };
        if state.review.built.contains_key(&entry.secret.arn) {
            continue;
        }
        let built = crate::review::review_secret(
            entry,
            state.review.policies.get(&entry.secret.arn),
            &state.events,
            since,
        );
        state.review.built.insert(entry.secret.arn.clone(), built);
    }
    let n = state
        .review
        .selected(&state.inventory)
        .map_or(0, |r| r.rows.len());
    state.review.principal = state.review.principal.min(n.saturating_sub(1));
}

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    if state.review.pane == ReviewPane::Principals && move_principal(state, action) {
        return Vec::new();
    }
    let page = page(state);
    let n = state.review.rows.len();
    if state.review.cursor.step(action, n, page) {
        state.review.principal = 0;
        remember_focus(state);
        return Vec::new();
    }
    match action {
        Action::Left => state.review.pane = ReviewPane::Secrets,
        Action::Right | Action::Open => state.review.pane = ReviewPane::Principals,
        Action::NextPane => {
            state.review.pane = match state.review.pane {
                ReviewPane::Secrets => ReviewPane::Principals,
                ReviewPane::Principals => ReviewPane::Secrets,
            }
        }
        Action::Filter => {
            state.mode = Mode::Filter;
            state.prompt = state.review.filter.clone();
        }
        Action::ClearFilter => {
            state.review.filter.clear();
            refilter(state);
        }
        Action::Keep | Action::Revoke | Action::ChangeOwner | Action::FollowUp => {
            return review_decide::begin(state, action);
        }
        _ => {}
    }
    Vec::new()
}

/// Up and down in the selected secret's principals; false if the action is not a movement.
fn move_principal(state: &mut State, action: Action) -> bool {
    let n = state
        .review
        .selected(&state.inventory)
        .map_or(0, |r| r.rows.len());
    let last = n.saturating_sub(1);
    let p = &mut state.review.principal;
    *p = match action {
        Action::Down => (*p + 1).min(last),
        Action::Up => p.saturating_sub(1),
        Action::PageDown => (*p + 10).min(last),
        Action::PageUp => p.saturating_sub(10),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return false,
    };
    true
}

/// Rows of the secrets list on screen (see `app::review::list_height`).
pub fn page(state: &State) -> usize {
    usize::from(crate::app::review::list_height(state.width, state.height))
        .saturating_sub(1)
        .max(1)
}

pub fn keep_visible(state: &mut State) {
    let page = page(state);
    let n = state.review.rows.len();
    state.review.cursor.keep_visible(n, page);
}

/// The secrets whose name or owner contains the filter, by name, account and region; the
/// secret under the cursor stays under it.
pub fn refilter(state: &mut State) {
    let needle = state.review.filter.trim().to_lowercase();
    let entries = &state.inventory.entries;
    let mut rows: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            needle.is_empty()
                || e.secret.name.to_lowercase().contains(&needle)
                || e.secret
                    .tag("Owner")
                    .is_some_and(|o| o.to_lowercase().contains(&needle))
        })
        .map(|(i, _)| i)
        .collect();
    rows.sort_by(|&a, &b| {
        let key = |i: usize| {
            let s = &entries[i].secret;
            (&s.name, &s.account, &s.region)
        };
        key(a).cmp(&key(b))
    });
    state.review.rows = rows;
    let focus = state.review.focus.clone();
    let found = focus.and_then(|arn| {
        state
            .review
            .rows
            .iter()
            .position(|&i| state.inventory.entries[i].secret.arn == arn)
    });
    if let Some(pos) = found {
        state.review.cursor.selected = pos;
    }
    keep_visible(state);
    remember_focus(state);
}

fn remember_focus(state: &mut State) {
    let arn = state
        .review
        .rows
        .get(state.review.cursor.selected)
        .and_then(|&i| state.inventory.entries.get(i))
        .map(|e| e.secret.arn.clone());
    if arn.is_some() {
        state.review.focus = arn;
    }
}
