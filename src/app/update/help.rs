//! Help: a scrolling page generated from the keymap.

use crate::app::state::State;
use crate::app::{Action, Effect};

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Down => state.help_scroll = state.help_scroll.saturating_add(1),
        Action::Up => state.help_scroll = state.help_scroll.saturating_sub(1),
        Action::PageDown => state.help_scroll = state.help_scroll.saturating_add(10),
        Action::PageUp => state.help_scroll = state.help_scroll.saturating_sub(10),
        Action::Top => state.help_scroll = 0,
        Action::Help | Action::Open => {
            if let Some(previous) = state.back.pop() {
                state.view = previous;
            }
        }
        _ => {}
    }
    Vec::new()
}
