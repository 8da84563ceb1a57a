//! "Who read this": the principals that read a secret, across its primary and replica regions.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use crate::app::State;
use crate::domain::untrusted::neutralise;
use crate::tui::theme::Theme;

pub const HINT: &str = "↑↓ move  Enter/p principal's reads  Esc back  : command  ? help";

pub fn heading(state: &State) -> String {
    let name = state
        .ev
        .who_read
        .as_deref()
        .map(super::events::short_name)
        .unwrap_or("?");
    format!(
        "Who read {} · window {}",
        neutralise(name),
        state.ev.preset.map_or("all", |p| p.label())
    )
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let hints = &state.ev.hints;
    let area = if hints.is_empty() {
        area
    } else {
        let shown = hints.len().min(6) as u16;
        let [top, rest] =
            ratatui::layout::Layout::vertical([Constraint::Length(shown + 1), Constraint::Min(1)])
                .areas(area);
        let lines: Vec<Line> = hints
            .iter()
            .take(6)
            .map(|h| Line::from(Span::styled(neutralise(h).into_owned(), theme.bad())))
            .collect();
        frame.render_widget(Paragraph::new(lines), top);
        rest
    };
    let readers = &state.ev.readers;
    if readers.is_empty() {
        let text = if let Some(line) = super::events::progress_line(state) {
            line
        } else {
            "Nobody read this secret in the events loaded.".into()
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
        return;
    }
    // Narrow terminals keep who, how often and when; IPs and agents need the width.
    let wide = area.width >= 120;
    let widths = if wide {
        vec![
            Constraint::Length(34),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(16),
            Constraint::Length(16),
            Constraint::Length(20),
            Constraint::Fill(1),
        ]
    } else {
        vec![
            Constraint::Fill(1),
            Constraint::Length(5),
            Constraint::Length(6),
            Constraint::Length(16),
            Constraint::Length(16),
        ]
    };
    let titles = [
        "PRINCIPAL",
        "READS",
        "DENIED",
        "FIRST SEEN",
        "LAST SEEN",
        "IPS",
        "REGIONS / USER AGENTS",
    ];
    let columns = widths.len();
    let header = Row::new(titles.into_iter().take(columns)).style(theme.header());
    let height = usize::from(area.height.saturating_sub(1));
    let c = state.ev.reader_cursor;
    let start = c.offset.min(readers.len());
    let end = (start + height).min(readers.len());
    let rows = readers[start..end].iter().enumerate().map(|(i, r)| {
        let denied = if r.denied > 0 {
            Span::styled(r.denied.to_string(), theme.bad())
        } else {
            Span::raw("0")
        };
        let row = Row::new(
            vec![
                Line::from(neutralise(&r.label).into_owned()),
                Line::from(r.reads.to_string()),
                Line::from(denied),
                Line::from(r.first_seen.format("%Y-%m-%d %H:%M").to_string()),
                Line::from(r.last_seen.format("%Y-%m-%d %H:%M").to_string()),
                Line::from(neutralise(&r.ips.join(",")).into_owned()),
                Line::from(
                    neutralise(&format!(
                        "{} · {}",
                        r.regions.join(","),
                        r.user_agents.join(" | ")
                    ))
                    .into_owned(),
                ),
            ]
            .into_iter()
            .take(columns),
        );
        if start + i == c.selected {
            row.style(theme.selected())
        } else {
            row
        }
    });
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}
