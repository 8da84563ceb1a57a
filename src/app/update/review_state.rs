//! What the review's files share: who reviews, marking the reviews stale, the notice line.

use crate::app::state::{Notice, NoticeLevel, State};

pub fn reviewer(state: &State) -> String {
    let r = state.review.reviewer.trim();
    if r.is_empty() { "unknown" } else { r }.to_string()
}

/// The inventory or the policies changed: rows and reviews are computed again, and what the
/// review observed is kept again once everything is in.
pub fn data_changed(state: &mut State) {
    state.review.stale = true;
    state.review.observed = None;
}

pub fn notice(state: &mut State, level: NoticeLevel, text: String) {
    state.notice = Some(Notice { level, text });
}
