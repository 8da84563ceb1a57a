//! The runbooks view: the catalog (invalid files with their first error) over the journal's
//! incidents; or, while one is being started, the runbook's parameter form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::State;
use crate::app::runbooks::{ParamForm, RunbooksPane, UNKNOWN_YET};
use crate::domain::untrusted::neutralise;
use crate::tui::theme::Theme;

pub const HINT: &str =
    "↑↓ move  Tab runbooks/incidents  Enter start/resume  r reload  Esc back  ? help";
pub const FORM_HINT: &str =
    "type  ←→ known values  Tab/↑↓ field  Enter next (on the last: start)  Esc cancel";

pub fn heading(state: &State) -> String {
    let view = &state.runbooks;
    let mut h = format!("Runbooks · {}", view.catalog.len());
    if let Some(Ok(runs)) = &view.runs {
        h.push_str(&format!(" · {} incidents", runs.len()));
    }
    if let Some(secret) = &view.secret {
        h.push_str(&format!(
            " · for {}",
            neutralise(super::events::short_name(secret))
        ));
    }
    h
}

pub fn hint(state: &State) -> &'static str {
    if state.runbooks.form.is_some() {
        FORM_HINT
    } else {
        HINT
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if let Some(form) = &state.runbooks.form {
        render_form(frame, area, form, theme);
        return;
    }
    let view = &state.runbooks;
    let wanted = view.catalog.len() as u16 + 3;
    let [top, _, bottom] = Layout::vertical([
        Constraint::Length(wanted.min(area.height / 2).max(3)),
        Constraint::Length(1),
        Constraint::Min(2),
    ])
    .areas(area);
    render_catalog(frame, top, state, theme);
    render_incidents(frame, bottom, state, theme);
}

fn section(title: &str, focused: bool, theme: &Theme) -> Line<'static> {
    let style = if focused { theme.header() } else { theme.dim() };
    Line::from(Span::styled(title.to_string(), style))
}

fn render_catalog(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let view = &state.runbooks;
    let focused = view.pane == RunbooksPane::Runbooks;
    let mut lines = vec![section("Runbooks", focused, theme)];
    // Header, then the rows, then two lines about the selected runbook.
    let rows = usize::from(area.height.saturating_sub(3)).max(1);
    let start = view.cursor.offset.min(view.catalog.len());
    for (i, info) in view.catalog.iter().enumerate().skip(start).take(rows) {
        let selected = focused && i == view.cursor.selected;
        let line = match &info.problem {
            None => Line::from(vec![
                Span::raw(format!("  {:<30} ", neutralise(&info.id))),
                Span::raw(neutralise(&info.title).into_owned()),
            ]),
            Some(problem) => Line::from(vec![
                Span::raw(format!("  {:<30} ", neutralise(&info.id))),
                Span::styled("INVALID ", theme.bad()),
                Span::raw(neutralise(problem).into_owned()),
            ]),
        };
        lines.push(if selected {
            line.style(theme.selected())
        } else {
            line
        });
    }
    if let Some(info) = view.catalog.get(view.cursor.selected) {
        let params: Vec<String> = info
            .params
            .iter()
            .map(|p| {
                if p.required && p.default.is_none() {
                    format!("{}*", p.name)
                } else {
                    format!("[{}]", p.name)
                }
            })
            .collect();
        lines.push(Line::from(Span::styled(
            format!(
                "  params: {} · {}",
                neutralise(&params.join(" ")),
                neutralise(&info.file)
            ),
            theme.dim(),
        )));
        let when = info.when_to_use.split_whitespace().collect::<Vec<_>>();
        lines.push(Line::from(Span::styled(
            format!("  {}", neutralise(&when.join(" "))),
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_incidents(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let view = &state.runbooks;
    let focused = view.pane == RunbooksPane::Incidents;
    let mut lines = vec![section("Incidents (the journal)", focused, theme)];
    match &view.runs {
        None => lines.push(Line::from(Span::styled(
            "  reading the journal…",
            theme.dim(),
        ))),
        Some(Err(error)) => lines.push(Line::from(Span::styled(
            format!("  the journal cannot be read: {}", neutralise(error)),
            theme.bad(),
        ))),
        Some(Ok(runs)) if runs.is_empty() => lines.push(Line::from(Span::styled(
            "  No incidents yet: Enter on a runbook starts one.",
            theme.dim(),
        ))),
        Some(Ok(runs)) => {
            let rows = usize::from(area.height.saturating_sub(1));
            let start = view.run_cursor.offset.min(runs.len());
            let id_width = runs
                .iter()
                .map(|r| r.run_id.chars().count())
                .max()
                .unwrap_or(0);
            let wide = area.width >= 120;
            for (i, run) in runs.iter().enumerate().skip(start).take(rows) {
                let status_style = if !run.chain_ok || run.status.starts_with("stopped") {
                    theme.bad()
                } else if run.status == "completed" {
                    theme.good()
                } else {
                    theme.warn()
                };
                let status = if run.chain_ok {
                    neutralise(&run.status).into_owned()
                } else {
                    format!("TAMPERED · {}", neutralise(&run.status))
                };
                let mut spans = vec![Span::raw(format!(
                    "  {:<id_width$} ",
                    neutralise(&run.run_id)
                ))];
                // The id carries the start time already; the date column is for wide screens.
                if wide {
                    spans.push(Span::raw(format!(
                        "{}  {:>4} entries  ",
                        run.started_at.format("%Y-%m-%d %H:%M UTC"),
                        run.entries
                    )));
                }
                spans.push(Span::styled(status, status_style));
                let line = Line::from(spans);
                lines.push(if focused && i == view.run_cursor.selected {
                    line.style(theme.selected())
                } else {
                    line
                });
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// One field a line, its description under it; the selected field shows the cursor.
fn render_form(frame: &mut Frame, area: Rect, form: &ParamForm, theme: &Theme) {
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("Start {} ", neutralise(&form.runbook)),
                theme.title(),
            ),
            Span::raw(neutralise(&form.title).into_owned()),
        ]),
        Line::default(),
    ];
    if form.fields.is_empty() {
        lines.push(Line::from(
            "  This runbook takes no parameters. Enter starts it.",
        ));
    }
    let name_width = 18usize;
    let value_width = usize::from(area.width)
        .saturating_sub(name_width + 4)
        .max(1);
    let reserved = 4; // title, blank, message, spare
    let per_field = 2;
    let fit = (usize::from(area.height).saturating_sub(reserved) / per_field).max(1);
    let start = (form.selected + 1).saturating_sub(fit);
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate().skip(start).take(fit) {
        let selected = i == form.selected;
        let param = &field.param;
        let name = format!(
            "{} {}{}",
            if selected { "▶" } else { " " },
            param.name,
            if param.required && param.default.is_none() {
                " *"
            } else {
                ""
            }
        );
        // Which of the values the console knows this is, when it offers more than one.
        let known = match (field.choice, field.choices.len()) {
            (_, 0 | 1) => String::new(),
            (Some(i), n) => format!("  ←→ {} of {n}", i + 1),
            (None, n) => format!("  ←→ {n} known"),
        };
        let value = neutralise(&field.value).into_owned();
        let shown = tail(
            &value,
            value_width.saturating_sub(known.chars().count()).max(1),
        );
        let value_style = if selected {
            theme.selected()
        } else {
            Style::new()
        };
        if selected {
            let x = area.x as usize + name_width + 2 + shown.chars().count();
            cursor = Some((x, lines.len()));
        }
        let mut spans = vec![Span::styled(
            format!("{name:<width$}  ", width = name_width),
            theme.title(),
        )];
        if value.is_empty() && field.choice.is_some() {
            spans.push(Span::styled(UNKNOWN_YET, theme.dim()));
        } else {
            spans.push(Span::styled(shown, value_style));
        }
        spans.push(Span::styled(known, theme.dim()));
        lines.push(Line::from(spans));
        let mut about = neutralise(param.description.trim()).into_owned();
        if field.from_secret {
            about.insert_str(0, "(the selected secret) ");
        } else if let Some(from) = &field.prefilled {
            about.insert_str(0, &format!("({}) ", neutralise(from)));
        }
        if let Some(default) = &param.default {
            let default = if default.is_empty() { "none" } else { default };
            about.push_str(&format!(" Default: {}.", neutralise(default)));
        }
        lines.push(Line::from(Span::styled(
            format!("    {about}"),
            theme.dim(),
        )));
    }
    if let Some(message) = &form.message {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            neutralise(message).into_owned(),
            theme.bad(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), area);
    if let Some((x, row)) = cursor {
        let y = area.y + row as u16;
        if y < area.bottom() {
            let x = (x as u16).min(area.right().saturating_sub(1));
            frame.set_cursor_position(Position::new(x, y));
        }
    }
}

/// The end of `text` that fits in `width` columns, so the cursor stays on screen.
fn tail(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n < width {
        return text.to_string();
    }
    let keep = width.saturating_sub(2);
    let rest: String = text.chars().skip(n - keep).collect();
    format!("…{rest}")
}
