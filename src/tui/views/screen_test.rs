//! What the snapshot tests share: draw the whole screen of a state on ratatui's `TestBackend` at
//! a size, and read it back as text.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::render;
use crate::app::{Msg, State, update};
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

/// Resizes the state to the terminal, then draws one frame with the default keymap.
pub fn draw(state: &mut State, width: u16, height: u16, theme: Theme) -> Buffer {
    update(state, Msg::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let keymap = Keymap::defaults();
    terminal
        .draw(|f| render(f, state, &keymap, &theme))
        .unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer's symbols, a line per row.
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        for x in 0..area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The screen as text, without colour.
pub fn screen(state: &mut State, width: u16, height: u16) -> String {
    text(&draw(state, width, height, Theme::new(false)))
}
