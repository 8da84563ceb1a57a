//! The inventory table. Only the rows on screen are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use crate::app::State;
use crate::app::columns::{self, Column};
use crate::domain::RotationStatus;
use crate::domain::fit::cut_start;
use crate::domain::untrusted::neutralise;
use crate::source::SourceKind;
use crate::tui::theme::Theme;

pub const HINT: &str =
    "↑↓ move  Enter open  / filter  s sort  S reverse  r refresh  : command  ? help  q quit";

pub fn heading(state: &State) -> String {
    let total = state.inventory.len();
    let mut h = format!("Inventory · {} of {total} secrets", state.rows.len());
    if !state.filter.is_empty() {
        h.push_str(&format!(" · filter \"{}\"", neutralise(&state.filter)));
    }
    let arrow = if state.sort.descending { "↓" } else { "↑" };
    h.push_str(&format!(" · sort {}{arrow}", state.sort.column.title()));
    h
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if state.rows.is_empty() {
        frame.render_widget(
            Paragraph::new(empty_message(state))
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let cols = columns::fit(area.width, state.multi_account());
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| match c {
            Column::Name => Constraint::Min(20),
            other => Constraint::Length(other.spec().width),
        })
        .collect();
    // The name column gets what the others leave; a longer name keeps its tail, where
    // `/clarivum/prod/payments/...` differ.
    let others: u16 = cols
        .iter()
        .filter(|c| **c != Column::Name)
        .map(|c| c.spec().width + 1)
        .sum();
    let name_w = usize::from(area.width.saturating_sub(others).max(20));
    let header = Row::new(cols.iter().map(|c| {
        let mut t = c.title().to_string();
        if *c == state.sort.column {
            t.push(if state.sort.descending { '↓' } else { '↑' });
        }
        t
    }))
    .style(theme.header());
    let height = usize::from(area.height.saturating_sub(1));
    let start = state.cursor.offset.min(state.rows.len());
    let end = (start + height).min(state.rows.len());
    let ctx = state.ctx();
    let rows = state.rows[start..end].iter().enumerate().map(|(i, &idx)| {
        let entry = &state.inventory.entries[idx];
        let cells = cols.iter().map(|c| {
            let text = columns::text(*c, entry, &ctx);
            match c {
                Column::Status => {
                    let status = RotationStatus::of(&entry.secret, state.now);
                    let style = if entry.has_failed_replica() {
                        theme.bad()
                    } else {
                        theme.rotation(&status)
                    };
                    Line::from(Span::styled(text, style))
                }
                Column::Name => Line::from(cut_start(&text, name_w)),
                _ => Line::from(text),
            }
        });
        let row = Row::new(cells);
        if start + i == state.cursor.selected {
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

fn empty_message(state: &State) -> String {
    if !state.filter.is_empty() && !state.inventory.is_empty() {
        format!(
            "No secret matches \"{}\". Press x or Esc to clear the filter.",
            neutralise(&state.filter)
        )
    } else if state.loading() {
        let n = state.cells.len();
        format!(
            "Loading {n} account/region cell{}…",
            if n == 1 { "" } else { "s" }
        )
    } else if state.cells.values().all(|c| c.health.detail().is_some()) && !state.cells.is_empty() {
        // One line per reason (no credentials fails every cell alike), then where.
        let mut reasons: Vec<(String, Vec<String>)> = Vec::new();
        for (cell, cs) in &state.cells {
            let reason = neutralise(cs.health.detail().unwrap_or("")).into_owned();
            let place = format!("{} {}", cell.account, cell.region);
            match reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, places)) => places.push(place),
                None => reasons.push((reason, vec![place])),
            }
        }
        let mut msg = "No region could be read.\n".to_string();
        for (reason, places) in reasons {
            msg.push_str(&format!("\n{reason}\n  ({})\n", places.join(", ")));
        }
        msg.push('\n');
        msg.push_str(
            "Press r to try again once it is fixed; q quits. The full error is in the log \
             (STRONGROOM_LOG=debug).",
        );
        msg
    } else if matches!(state.source.kind, SourceKind::LogFiles(_)) {
        "CloudTrail log files carry events and no inventory: :events lists them. Add --aws \
         (or --profile, --region) to read the inventory from AWS too."
            .into()
    } else {
        "No secrets in the loaded accounts and regions. Press r to refresh.".into()
    }
}
