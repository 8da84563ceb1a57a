//! One event in full, every field, neutralised.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use crate::app::State;
use crate::domain::untrusted::neutralise;
use crate::tui::theme::Theme;

pub const HINT: &str = "↑↓ scroll  p principal  Esc back  ? help  q quit";

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(event) = state.ev.record.and_then(|i| state.events.events.get(i)) else {
        frame.render_widget(
            Paragraph::new("No event selected.").style(theme.dim()),
            area,
        );
        return;
    };
    let text = serde_json::to_string_pretty(event).unwrap_or_default();
    let lines: Vec<String> = text.lines().map(|l| neutralise(l).into_owned()).collect();
    let max = (lines.len() as u16).saturating_sub(area.height);
    frame.render_widget(
        Paragraph::new(lines.join("\n")).scroll((state.ev.record_scroll.min(max), 0)),
        area,
    );
}
