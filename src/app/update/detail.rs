//! Detail of one secret: scrolling, and back to the inventory.

use crate::app::state::State;
use crate::app::{Action, Effect};

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Down => state.detail_scroll = state.detail_scroll.saturating_add(1),
        Action::Up => state.detail_scroll = state.detail_scroll.saturating_sub(1),
        Action::PageDown => state.detail_scroll = state.detail_scroll.saturating_add(10),
        Action::PageUp => state.detail_scroll = state.detail_scroll.saturating_sub(10),
        Action::Top => state.detail_scroll = 0,
        _ => {}
    }
    Vec::new()
}
