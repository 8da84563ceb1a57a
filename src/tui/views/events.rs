//! The event list: newest first, filtered; only the visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use crate::app::State;
use crate::domain::untrusted::neutralise;
use crate::trail::{AccessEvent, SecretRef};
use crate::tui::theme::Theme;

pub const HINT: &str =
    "↑↓ move  Enter record  / filter  w window  e errors  W writes  p principal  x clear  Esc back";

pub fn heading(state: &State) -> String {
    let f = &state.ev.filter;
    let mut h = format!(
        "Events · {} of {}",
        state.ev.rows.len(),
        state.events.events.len()
    );
    h.push_str(&format!(
        " · window {}",
        state.ev.preset.map_or("all", |p| p.label())
    ));
    if !f.text.is_empty() {
        h.push_str(&format!(" · filter \"{}\"", neutralise(&f.text)));
    }
    if f.errors_only {
        h.push_str(" · errors only");
    }
    if f.writes_only {
        h.push_str(" · writes only");
    }
    h
}

/// One line of fetch progress, when a live fetch runs.
pub fn progress_line(state: &State) -> Option<String> {
    let f = state.ev.fetch.as_ref()?;
    let span = match (f.oldest, f.newest) {
        (Some(o), Some(n)) => format!("{} → {}", o.format("%m-%d %H:%M"), n.format("%m-%d %H:%M")),
        _ => "…".into(),
    };
    // The rate means something only once a few calls have gone out.
    let rate = if f.pages >= 3 {
        format!("{:.1} calls/s", f.calls_per_sec)
    } else {
        "starting".into()
    };
    Some(format!(
        "Fetching CloudTrail: {} events, {} pages, {rate}, covering {span} UTC · Esc cancels",
        f.events, f.pages
    ))
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let area = match progress_line(state) {
        Some(line) => {
            let [top, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
            frame.render_widget(Paragraph::new(line).style(theme.warn()), top);
            rest
        }
        None => area,
    };
    if state.ev.rows.is_empty() {
        let text = if state.events.events.is_empty() {
            if state.live_events {
                "No events loaded yet."
            } else {
                "No events: this source carries none. Open a snapshot with events, pass --cloudtrail PATH, or connect to AWS."
            }
        } else {
            "No event matches. Press x to clear the filters and the window."
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
        return;
    }
    let wide = area.width >= 120;
    let (time_fmt, time_w) = if wide {
        ("%Y-%m-%d %H:%M:%S", 19)
    } else {
        ("%m-%d %H:%M:%S", 14)
    };
    let mut widths = vec![
        Constraint::Length(time_w),
        Constraint::Length(14),
        Constraint::Length(if wide { 22 } else { 16 }),
        Constraint::Length(if wide { 28 } else { 16 }),
    ];
    let mut titles = vec!["TIME (UTC)", "REGION", "EVENT", "PRINCIPAL"];
    if wide {
        widths.push(Constraint::Length(16));
        titles.push("SOURCE IP");
    }
    widths.push(Constraint::Fill(1));
    titles.push("SECRET / ERROR");
    let height = usize::from(area.height.saturating_sub(1));
    let start = state.ev.cursor.offset.min(state.ev.rows.len());
    let end = (start + height).min(state.ev.rows.len());
    let rows = state.ev.rows[start..end]
        .iter()
        .enumerate()
        .map(|(i, &idx)| {
            let e = &state.events.events[idx];
            let mut cells = vec![
                Line::from(e.time.format(time_fmt).to_string()),
                Line::from(neutralise(&e.region).into_owned()),
                Line::from(Span::styled(
                    neutralise(&e.name).into_owned(),
                    if e.failed() {
                        theme.bad()
                    } else if e.is_write() {
                        theme.warn()
                    } else {
                        ratatui::style::Style::new()
                    },
                )),
                Line::from(neutralise(&e.principal_label()).into_owned()),
            ];
            if wide {
                cells.push(Line::from(
                    neutralise(e.source_ip.as_deref().unwrap_or("-")).into_owned(),
                ));
            }
            cells.push(Line::from(
                neutralise(&last_column(e, &state.events.arns[idx])).into_owned(),
            ));
            let row = Row::new(cells);
            if start + i == state.ev.cursor.selected {
                row.style(theme.selected())
            } else {
                row
            }
        });
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(titles).style(theme.header()))
            .column_spacing(1),
        area,
    );
}

/// The secret(s) an event touched (by name), then its error if it failed.
fn last_column(e: &AccessEvent, arns: &[String]) -> String {
    let mut text = arns
        .iter()
        .map(|a| short_name(a))
        .collect::<Vec<_>>()
        .join(", ");
    if text.is_empty() {
        text = e
            .secrets
            .iter()
            .map(|r| match r {
                SecretRef::Filter { key, values } => format!("filter {key}={}", values.join("|")),
                SecretRef::Arn(a) | SecretRef::PartialArn(a) => short_name(a).to_string(),
                SecretRef::Name(n) => n.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ");
    }
    if let Some(code) = &e.error_code {
        text = format!("{code}  {text}");
    }
    text
}

/// `arn:aws:secretsmanager:r:a:secret:/x/y-AbCdEf` → `/x/y`.
pub fn short_name(arn: &str) -> &str {
    let name = arn.split_once(":secret:").map_or(arn, |(_, n)| n);
    match name.rsplit_once('-') {
        Some((base, suffix)) if suffix.len() == 6 => base,
        _ => name,
    }
}
