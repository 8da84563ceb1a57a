//! The last line: the open prompt, else a notice, else a hint of the main keys.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};

use crate::app::state::NoticeLevel;
use crate::app::{Mode, State};
use crate::domain::untrusted::neutralise;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &State, hint: &str, theme: &Theme) {
    let line = match state.mode {
        Mode::Filter | Mode::Command => {
            let lead = if state.mode == Mode::Filter { "/" } else { ":" };
            let text = neutralise(&state.prompt).into_owned();
            let x = area.x + 1 + text.chars().count() as u16;
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
            Line::from(vec![Span::raw(lead), Span::raw(text)])
        }
        Mode::Input => Line::from(Span::styled(hint.to_string(), theme.dim())),
        Mode::Normal => match &state.notice {
            Some(n) => {
                let style = match n.level {
                    NoticeLevel::Info => theme.good(),
                    NoticeLevel::Warning => theme.warn(),
                    NoticeLevel::Error => theme.bad(),
                };
                Line::from(Span::styled(neutralise(&n.text).into_owned(), style))
            }
            None => Line::from(Span::styled(hint.to_string(), theme.dim())),
        },
    };
    frame.render_widget(line, area);
}
