//! The registry's environment matrix: a row per key, a column per environment; secrets no key
//! declares after the keys. Under it, the cell under the cursor: its secret and what failed.
//! Only the visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use crate::app::State;
use crate::app::registry_view::{Mark, MatrixRow};
use crate::domain::fit::cut_end;
use crate::domain::untrusted::neutralise;
use crate::tui::theme::Theme;

pub const HINT: &str = "↑↓←→ cell  Enter its secret  Esc back  ? help";

pub fn heading(state: &State) -> String {
    let view = &state.registry;
    let Some(reg) = view.registry.as_ref() else {
        return "Registry".to_string();
    };
    let keys = view.rows.iter().filter(|r| r.registered).count();
    let unregistered = view.rows.len() - keys;
    let problems = view
        .rows
        .iter()
        .flat_map(|r| &r.cells)
        .filter(|c| c.mark.is_problem())
        .count();
    if state.width >= 120 {
        format!(
            "Registry {} · {keys} keys × {} environments · {problems} problems · {unregistered} unregistered",
            neutralise(&reg.file),
            reg.environments.len()
        )
    } else {
        format!("Registry · {keys} keys · {problems} problems · {unregistered} unregistered")
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let view = &state.registry;
    let Some(reg) = view.registry.as_ref() else {
        let text = match &view.error {
            Some(e) => format!("The registry could not be read: {}", neutralise(e)),
            None => "No registry: start with --registry FILE, or keep one at <config dir>/registry.toml. assets/registry.example.toml shows the shape; strongroom --demo --registry assets/registry.example.toml shows it here.".to_string(),
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let [table, below] = Layout::vertical([Constraint::Min(1), Constraint::Length(3)]).areas(area);
    let envs = reg.environments.len().max(1);
    // "not replicated", the longest mark, fits an environment's column.
    let env_w: u16 = if area.width >= 120 { 16 } else { 14 };
    let key_w = area
        .width
        .saturating_sub(env_w.saturating_mul(envs as u16) + envs as u16)
        .clamp(12, 48);
    let height = usize::from(table.height.saturating_sub(1));
    let start = view.cursor.offset.min(view.rows.len());
    let end = (start + height).min(view.rows.len());
    let rows: Vec<Row> = view.rows[start..end]
        .iter()
        .enumerate()
        .map(|(i, row)| matrix_row(row, start + i, state, key_w, theme))
        .collect();
    let mut header = vec!["KEY".to_string()];
    header.extend(reg.environments.iter().map(|e| neutralise(e).into_owned()));
    let mut widths = vec![Constraint::Length(key_w)];
    widths.extend(std::iter::repeat_n(Constraint::Length(env_w), envs));
    frame.render_widget(
        Table::new(rows, widths).header(Row::new(header).style(theme.header())),
        table,
    );
    frame.render_widget(
        Paragraph::new(footer(state, theme)).wrap(Wrap { trim: true }),
        below,
    );
}

fn matrix_row<'a>(
    row: &'a MatrixRow,
    index: usize,
    state: &State,
    key_w: u16,
    theme: &Theme,
) -> Row<'a> {
    let selected = index == state.registry.cursor.selected;
    let key = if row.registered {
        neutralise(&row.key).into_owned()
    } else {
        format!("? {}", neutralise(&row.key))
    };
    let mut cells = vec![
        ratatui::widgets::Cell::from(cut_end(&key, usize::from(key_w))).style(if row.registered {
            Style::default()
        } else {
            theme.dim()
        }),
    ];
    for (col, c) in row.cells.iter().enumerate() {
        let mut style = match c.mark {
            Mark::Present => theme.good(),
            Mark::Missing | Mark::ForbiddenPresent | Mark::Deleting | Mark::NoCurrent => {
                theme.bad()
            }
            Mark::NotReplicated
            | Mark::RotationOff
            | Mark::Overdue
            | Mark::NoPrevious
            | Mark::Tags
            | Mark::Unregistered => theme.warn(),
            Mark::Absent | Mark::OptionalAbsent | Mark::NotDeclared => theme.dim(),
        };
        if selected && col == state.registry.column {
            style = theme.selected();
        }
        cells.push(ratatui::widgets::Cell::from(c.mark.label()).style(style));
    }
    let row = Row::new(cells);
    if selected {
        row.style(theme.header())
    } else {
        row
    }
}

/// The cell under the cursor: its secret's name, and what failed there.
fn footer<'a>(state: &State, theme: &Theme) -> Vec<Line<'a>> {
    let view = &state.registry;
    let (Some(row), Some(reg)) = (view.rows.get(view.cursor.selected), view.registry.as_ref())
    else {
        return Vec::new();
    };
    let Some(cell) = row.cells.get(view.column) else {
        return Vec::new();
    };
    let env = reg.environments.get(view.column).map_or("", String::as_str);
    let mut lines = vec![Line::styled(
        format!(
            "{} in {}: {} {}",
            neutralise(&row.key),
            neutralise(env),
            match cell.mark {
                Mark::NotDeclared => "not declared there",
                Mark::OptionalAbsent => "optional, absent",
                Mark::Absent => "forbidden, absent",
                other => other.label(),
            },
            if cell.name.is_empty() {
                String::new()
            } else {
                format!("· {}", neutralise(&cell.name))
            }
        ),
        theme.header(),
    )];
    if !cell.detail.is_empty() {
        lines.push(Line::styled(
            neutralise(&cell.detail).into_owned(),
            theme.warn(),
        ));
    }
    lines
}
