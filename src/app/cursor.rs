//! A scrolling list's position: the selected row and the first row on screen.

use super::action::Action;

/// A scrolling list: the selected row and the first row on screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves for a movement action over `n` rows with `page` rows on screen; false if the
    /// action is not a movement.
    pub fn step(&mut self, action: Action, n: usize, page: usize) -> bool {
        let last = n.saturating_sub(1);
        self.selected = match action {
            Action::Down => (self.selected + 1).min(last),
            Action::Up => self.selected.saturating_sub(1),
            Action::PageDown => (self.selected + page).min(last),
            Action::PageUp => self.selected.saturating_sub(page),
            Action::Top => 0,
            Action::Bottom => last,
            _ => return false,
        };
        self.keep_visible(n, page);
        true
    }

    /// Keeps the selection inside `n` rows and on a screen of `height` rows.
    pub fn keep_visible(&mut self, n: usize, height: usize) {
        self.selected = self.selected.min(n.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(n.saturating_sub(height));
    }
}
