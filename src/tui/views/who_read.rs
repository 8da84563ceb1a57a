//! "Who read this": the principals that read a secret in the window, across its primary and
//! replica regions, and below them the selected principal's reads one by one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use crate::app::State;
use crate::app::update::who_read::{MAX_HINTS, banner_lines, reader_rows};
use crate::domain::untrusted::neutralise;
use crate::trail::AccessEvent;
use crate::trail::analysis::Reader;
use crate::tui::theme::Theme;

pub const HINT: &str = "↑↓ principal  w or 1-7 window  Enter/p its secrets  Esc back  ? help";

pub fn heading(state: &State) -> String {
    let name = state
        .ev
        .who_read
        .as_deref()
        .map(super::events::short_name)
        .unwrap_or("?");
    format!("Who read {} · window {}", neutralise(name), window(state))
}

fn window(state: &State) -> &'static str {
    state.ev.preset.map_or("all", |p| p.label())
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let banner = banner_lines(state).min(area.height);
    let [top, area] =
        Layout::vertical([Constraint::Length(banner), Constraint::Min(0)]).areas(area);
    render_banner(frame, top, state, theme);
    let readers = &state.ev.readers;
    if readers.is_empty() {
        let text = format!(
            "Nobody read this secret in window {} in the events loaded{}.",
            window(state),
            if state.ev.fetch.is_some() {
                " so far"
            } else {
                ""
            }
        );
        frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
        return;
    }
    let shown = reader_rows(area.height, 0, readers.len());
    let [list, _, reads] = Layout::vertical([
        Constraint::Length(shown + 1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    render_readers(frame, list, state, theme);
    if let Some(reader) = readers.get(state.ev.reader_cursor.selected) {
        render_reads(frame, reads, state, reader, theme);
    }
}

/// Investigator hints about the secret in the window, and a running fetch's progress.
fn render_banner(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let progress = super::events::progress_line(state)
        .map(|line| Line::from(Span::styled(line, theme.warn())));
    let hints = state
        .ev
        .hints
        .iter()
        .take(MAX_HINTS)
        .map(|h| Line::from(Span::styled(neutralise(h).into_owned(), theme.bad())));
    let lines: Vec<Line> = progress.into_iter().chain(hints).collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_readers(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let readers = &state.ev.readers;
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

/// The selected principal's reads of the secret in the window, newest first, as many as fit.
fn render_reads(frame: &mut Frame, area: Rect, state: &State, reader: &Reader, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let reads = &state.ev.reader_reads;
    let [title, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let fit = usize::from(table.height.saturating_sub(1)).min(reads.len());
    let count = match (reads.len(), fit < reads.len()) {
        (n, true) => format!("Newest {fit} of {n} reads"),
        (1, false) => "1 read".to_string(),
        (n, false) => format!("{n} reads"),
    };
    let since = match state.ev.preset {
        Some(p) => format!("in the last {}", p.label()),
        None => "in all events loaded".to_string(),
    };
    let text = format!("{count} {since} by {}", neutralise(&reader.label));
    frame.render_widget(Paragraph::new(text).style(theme.header()), title);
    let wide = area.width >= 120;
    let widths = if wide {
        vec![
            Constraint::Length(19),
            Constraint::Length(14),
            Constraint::Length(16),
            Constraint::Length(20),
            Constraint::Length(19),
            Constraint::Fill(1),
        ]
    } else {
        vec![
            Constraint::Length(14),
            Constraint::Length(14),
            Constraint::Length(15),
            Constraint::Length(12),
            Constraint::Fill(1),
        ]
    };
    let header: Vec<&str> = if wide {
        vec![
            "TIME (UTC)",
            "REGION",
            "SOURCE IP",
            "OUTCOME",
            "CALL",
            "USER AGENT",
        ]
    } else {
        vec!["TIME (UTC)", "REGION", "SOURCE IP", "OUTCOME", "USER AGENT"]
    };
    let time_format = if wide {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%m-%d %H:%M:%S"
    };
    let rows = reads[..fit].iter().filter_map(|&i| {
        let e = state.events.events.get(i)?;
        let mut cells = vec![
            Line::from(e.time.format(time_format).to_string()),
            Line::from(neutralise(&e.region).into_owned()),
            Line::from(neutralise(e.source_ip.as_deref().unwrap_or("-")).into_owned()),
            outcome(e, theme),
        ];
        if wide {
            cells.push(Line::from(neutralise(&e.name).into_owned()));
        }
        cells.push(Line::from(
            neutralise(e.user_agent.as_deref().unwrap_or("-")).into_owned(),
        ));
        Some(Row::new(cells))
    });
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.header()))
            .column_spacing(1),
        table,
    );
}

/// `read`, or the error CloudTrail recorded, in the colour of trouble.
fn outcome(event: &AccessEvent, theme: &Theme) -> Line<'static> {
    match event.error_code.as_deref() {
        None => Line::from("read"),
        Some(code) => Line::from(Span::styled(neutralise(code).into_owned(), theme.bad())),
    }
}
