//! The top line: product, source badge (DEMO stands out), view, and what the view holds.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::State;
use crate::source::SourceKind;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &State, view_title: &str, theme: &Theme) {
    let mut spans = vec![Span::styled(" Strongroom ", theme.title())];
    if state.source.kind == SourceKind::Demo {
        spans.push(Span::styled(" DEMO ", theme.badge()));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::raw(view_title.to_string()));
    frame.render_widget(Line::from(spans), area);
}
