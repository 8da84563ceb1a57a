//! Findings: one row per finding, grouped by rule, owner or severity. Only visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use crate::app::State;
use crate::app::state::AuditGroup;
use crate::app::update::audit::owner_of;
use crate::audit::Severity;
use crate::domain::untrusted::neutralise;
use crate::tui::theme::Theme;

pub const HINT: &str =
    "↑↓ move  Enter open secret  / filter  o group  Esc back  : command  ? help  q quit";

pub fn heading(state: &State) -> String {
    let mut counts = [0usize; 5];
    for f in state.findings.values().flatten() {
        counts[f.severity as usize] += 1;
    }
    let group = match state.audit_group {
        AuditGroup::Rule => "rule",
        AuditGroup::Owner => "owner",
        AuditGroup::Severity => "severity",
    };
    let mut h = format!(
        "Audit · {} findings · {} high · {} medium · {} low · by {group}",
        state.audit_rows.len(),
        counts[Severity::High as usize] + counts[Severity::Critical as usize],
        counts[Severity::Medium as usize],
        counts[Severity::Low as usize],
    );
    if !state.audit_filter.is_empty() {
        h.push_str(&format!(
            " · filter \"{}\"",
            neutralise(&state.audit_filter)
        ));
    }
    h
}

pub fn style(theme: &Theme, s: Severity) -> ratatui::style::Style {
    match s {
        Severity::Critical | Severity::High => theme.bad(),
        Severity::Medium => theme.warn(),
        Severity::Low => theme.title(),
        Severity::Info => theme.dim(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if state.audit_rows.is_empty() {
        let text = if state.audit_filter.is_empty() {
            "No findings: every loaded secret meets the policy."
        } else {
            "No finding matches the filter. Press x or Esc to clear it."
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
        return;
    }
    let wide = area.width >= 120;
    let mut widths = vec![Constraint::Length(8), Constraint::Length(20)];
    let mut titles = vec!["SEVERITY", "RULE"];
    if wide {
        widths.push(Constraint::Length(18));
        titles.push("OWNER");
    }
    widths.push(Constraint::Percentage(40));
    titles.push("SECRET");
    widths.push(Constraint::Fill(1));
    titles.push("WHY");
    let height = usize::from(area.height.saturating_sub(1));
    let start = state.audit_cursor.offset.min(state.audit_rows.len());
    let end = (start + height).min(state.audit_rows.len());
    let rows = state.audit_rows[start..end]
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let f = state.audit_finding(row)?;
            let mut cells = vec![
                Line::from(Span::styled(f.severity.label(), style(theme, f.severity))),
                Line::from(f.rule.name()),
            ];
            if wide {
                cells.push(Line::from(
                    neutralise(&owner_of(state, &row.arn)).into_owned(),
                ));
            }
            cells.push(Line::from(format!(
                "{} ({})",
                neutralise(&f.name),
                neutralise(&f.region)
            )));
            cells.push(Line::from(neutralise(&f.message).into_owned()));
            let r = Row::new(cells);
            Some(if start + i == state.audit_cursor.selected {
                r.style(theme.selected())
            } else {
                r
            })
        });
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(titles).style(theme.header()))
            .column_spacing(1),
        area,
    );
}
