//! The principal pivot: which secrets one principal read, and how often.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Table};

use crate::app::State;
use crate::domain::untrusted::neutralise;
use crate::tui::theme::Theme;

pub const HINT: &str = "↑↓ move  Enter open secret  Esc back  : command  ? help";

pub fn heading(state: &State) -> String {
    format!(
        "Secrets read by {} · window {}",
        neutralise(state.ev.principal.as_deref().unwrap_or("?")),
        state.ev.preset.map_or("all", |p| p.label())
    )
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let rows = &state.ev.pivot;
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new("This principal read no secret in the events loaded.")
                .style(theme.dim()),
            area,
        );
        return;
    }
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(17),
    ];
    let header = Row::new(["SECRET", "READS", "DENIED", "LAST SEEN"]).style(theme.header());
    let height = usize::from(area.height.saturating_sub(1));
    let c = state.ev.pivot_cursor;
    let start = c.offset.min(rows.len());
    let end = (start + height).min(rows.len());
    let table_rows = rows[start..end].iter().enumerate().map(|(i, s)| {
        let row = Row::new(vec![
            Line::from(neutralise(&s.arn).into_owned()),
            Line::from(s.reads.to_string()),
            Line::from(s.denied.to_string()),
            Line::from(s.last_seen.format("%Y-%m-%d %H:%M").to_string()),
        ]);
        if start + i == c.selected {
            row.style(theme.selected())
        } else {
            row
        }
    });
    frame.render_widget(
        Table::new(table_rows, widths)
            .header(header)
            .column_spacing(1),
        area,
    );
}
