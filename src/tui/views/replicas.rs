//! The replication matrix: one row per secret the drill checks, one column per region, the DR
//! region starred; under it the cell under the cursor, the drill's notes and a drill run's
//! stopwatch. Only the visible rows and columns are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row as TableRow, Table, Wrap};

use super::replicas_text::failover_brief;
// `replica.rs` takes the outcome colours from here.
pub use super::replicas_text::outcome_style;
use crate::app::State;
use crate::domain::untrusted::neutralise;
use crate::domain::{Cell, ReplicationState};
use crate::drill::{Drill, Parity, Presence, Primary, RegionCell, Row};
use crate::tui::theme::Theme;

const HINT_WIDE: &str = "↑↓←→ cell  Enter replica  / filter  a all  d DR region  D drill  b runbook  values and promotion: strongroom drill ... --verify-values / --rehearse-promotion";
const HINT: &str =
    "↑↓←→ cell  Enter replica  / filter  a all  d DR region  D drill  b runbook  ? help";

pub fn hint(state: &State) -> &'static str {
    if state.width >= 160 { HINT_WIDE } else { HINT }
}

pub fn heading(state: &State) -> String {
    let Some(drill) = state.replicas.drill.as_ref() else {
        return "Replicas".to_string();
    };
    let c = drill.counts;
    let mut h = if state.width >= 120 {
        format!(
            "Replicas · DR {} · {} secrets · {} pass {} warn {} fail",
            drill.dr_region,
            drill.rows.len(),
            c.pass,
            c.warn,
            c.fail
        )
    } else {
        format!(
            "Replicas → {} · {} pass {} warn {} fail",
            drill.dr_region, c.pass, c.warn, c.fail
        )
    };
    if state.replicas.all {
        h.push_str(" · every secret");
    }
    if !state.replicas.filter.is_empty() {
        h.push_str(&format!(
            " · {} shown, filter \"{}\"",
            state.replicas.rows.len(),
            neutralise(&state.replicas.filter)
        ));
    }
    for (region, health) in primaries_down(drill) {
        if state.width >= 120 {
            h.push_str(&format!(" · {region} {health}: failover view"));
        } else {
            h.push_str(&format!(" · {region} {health}"));
        }
    }
    h
}

/// Primary regions that could not be read, with their health.
fn primaries_down(drill: &Drill) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for row in &drill.rows {
        if let Primary::Unreachable { health } = &row.primary {
            let item = (
                row.key.primary_region.clone(),
                health.label().to_uppercase(),
            );
            if !out.contains(&item) {
                out.push(item);
            }
        }
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let view = &state.replicas;
    let footer = u16::try_from(view.footer_lines()).unwrap_or(u16::MAX);
    let [table, below] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(footer)]).areas(area);
    let Some(drill) = view.drill.as_ref() else {
        let text = if state.loading() {
            "Loading the regions…"
        } else {
            "No region loaded: nothing to check."
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
        return;
    };
    if view.rows.is_empty() {
        frame.render_widget(
            Paragraph::new(empty_message(state, drill))
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            table,
        );
    } else {
        matrix(frame, table, state, drill, theme);
    }
    frame.render_widget(
        Paragraph::new(super::replicas_footer::lines(state, drill, theme)),
        below,
    );
}

fn empty_message(state: &State, drill: &Drill) -> String {
    if !state.replicas.filter.is_empty() {
        "No secret matches the filter. Press x or Esc to clear it.".to_string()
    } else if state.loading() {
        "Loading the regions…".to_string()
    } else {
        format!(
            "No secret to check in {}: the policy requires none there and none is replicated there. Press a to show every secret, d for another DR region.",
            drill.dr_region
        )
    }
}

fn matrix(frame: &mut Frame, area: Rect, state: &State, drill: &Drill, theme: &Theme) {
    let view = &state.replicas;
    if drill.regions.is_empty() {
        return;
    }
    let wide = area.width >= 120;
    let height = usize::from(area.height.saturating_sub(1));
    let start = view.cursor.offset.min(view.rows.len());
    let end = (start + height).min(view.rows.len());
    let visible: Vec<&Row> = view.rows[start..end]
        .iter()
        .filter_map(|&i| drill.rows.get(i))
        .collect();
    // The account column earns its place when the rows come from several accounts.
    let multi = wide
        && state.multi_account()
        && visible
            .iter()
            .any(|r| r.key.account != visible[0].key.account);
    // Each region as wide as its title or its widest cell on screen.
    let region_widths: Vec<u16> = drill
        .regions
        .iter()
        .enumerate()
        .map(|(col, region)| {
            let title = region.chars().count() + usize::from(*region == drill.dr_region);
            let cells = visible
                .iter()
                .filter_map(|row| {
                    let cell = row.cells.get(col)?;
                    Some(cell_label(state, row, cell, theme).0.chars().count())
                })
                .max()
                .unwrap_or(0);
            u16::try_from(title.max(cells)).unwrap_or(u16::MAX)
        })
        .collect();
    // The regions that fit beside the name, verdict (and why), around the cursor's column.
    let fixed: u16 = 20 + 8 + if wide { 31 } else { 0 } + if multi { 13 } else { 0 };
    let mut room = area.width.saturating_sub(fixed);
    let mut first = view.column.min(drill.regions.len() - 1);
    let mut last = first;
    room = room.saturating_sub(region_widths[first] + 1);
    while last + 1 < drill.regions.len() && region_widths[last + 1] < room {
        last += 1;
        room -= region_widths[last] + 1;
    }
    while first > 0 && region_widths[first - 1] < room {
        first -= 1;
        room -= region_widths[first] + 1;
    }
    let shown = first..=last;

    let others: u16 =
        8 + if multi { 13 } else { 0 } + shown.clone().map(|i| region_widths[i] + 1).sum::<u16>();
    let longest = visible
        .iter()
        .map(|r| r.key.name.chars().count())
        .max()
        .unwrap_or(0);
    let longest = u16::try_from(longest).unwrap_or(u16::MAX).max(6);
    let name_width = if wide {
        longest.min(area.width.saturating_sub(others + 30)).max(20)
    } else {
        area.width.saturating_sub(others).max(12)
    };
    let mut widths = vec![Constraint::Length(name_width)];
    let mut titles: Vec<String> = vec!["SECRET".into()];
    if multi {
        widths.push(Constraint::Length(12));
        titles.push("ACCOUNT".into());
    }
    for i in shown.clone() {
        let r = &drill.regions[i];
        widths.push(Constraint::Length(region_widths[i]));
        titles.push(if *r == drill.dr_region {
            format!("{r}*")
        } else {
            r.clone()
        });
    }
    widths.push(Constraint::Length(7));
    titles.push("VERDICT".into());
    if wide {
        widths.push(Constraint::Fill(1));
        titles.push("WHY".into());
    }

    let rows = visible.iter().enumerate().map(|(i, row)| {
        let selected = start + i == view.cursor.selected;
        let mark = |style: Style, col: usize| {
            if selected && col == view.column {
                style.patch(theme.selected())
            } else {
                style
            }
        };
        let name_style = if selected {
            theme.selected()
        } else {
            Style::new()
        };
        let mut cells = vec![Line::from(Span::styled(
            clip_left(&neutralise(&row.key.name), usize::from(name_width)),
            name_style,
        ))];
        if multi {
            cells.push(Line::from(row.key.account.clone()));
        }
        for (col, cell) in row.cells.iter().enumerate() {
            if shown.contains(&col) {
                let (text, style) = cell_label(state, row, cell, theme);
                cells.push(Line::from(Span::styled(text, mark(style, col))));
            }
        }
        cells.push(Line::from(Span::styled(
            row.verdict.label(),
            outcome_style(theme, row.verdict),
        )));
        if wide {
            let (text, style) = why(row, &drill.dr_region, theme);
            cells.push(Line::from(Span::styled(text, style)));
        }
        TableRow::new(cells)
    });
    let mut header_style = vec![theme.header(); titles.len()];
    // The column under the cursor is the one Enter opens.
    let offset = 1 + usize::from(multi);
    if let Some(slot) = view
        .column
        .checked_sub(first)
        .filter(|_| shown.contains(&view.column))
        .and_then(|c| header_style.get_mut(offset + c))
    {
        *slot = slot.patch(theme.title());
    }
    let header = TableRow::new(
        titles
            .into_iter()
            .zip(header_style)
            .map(|(t, s)| Line::from(Span::styled(t, s))),
    );
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

/// The end of a name is what tells secrets apart: a long one loses its start.
fn clip_left(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width || width < 2 {
        return text.to_string();
    }
    let tail: String = text.chars().skip(n - (width - 1)).collect();
    format!("…{tail}")
}

/// A cell in a few characters: the replica's state with drift and key problems marked.
pub fn cell_label(state: &State, row: &Row, cell: &RegionCell, theme: &Theme) -> (String, Style) {
    match &cell.presence {
        Presence::Primary => match &row.primary {
            Primary::Listed { .. } => ("primary".into(), theme.dim()),
            Primary::Unreachable { health } => {
                (health.label().to_uppercase(), theme.health(health))
            }
            Primary::NotLoaded => ("not read".into(), theme.warn()),
            Primary::NotListed => ("gone".into(), theme.bad()),
        },
        Presence::Absent { required: true } => ("MISSING".into(), theme.bad()),
        Presence::Absent { required: false } => ("-".into(), theme.dim()),
        Presence::Unknown { .. } => {
            match state.cells.get(&Cell::new(&row.key.account, &cell.region)) {
                Some(c) => (format!("{}?", c.health.label()), theme.warn()),
                None => ("not read".into(), theme.warn()),
            }
        }
        Presence::Replica(r) => {
            let (base, mut style) = match (r.status, &r.parity) {
                (ReplicationState::Failed, _) => ("Failed", theme.bad()),
                (_, Parity::Behind { .. }) => ("DRIFT", theme.bad()),
                (ReplicationState::InSync, Parity::NotListed) => ("unlisted", theme.bad()),
                (ReplicationState::Unknown, _) => ("listed", theme.warn()),
                (ReplicationState::InProgress, _) => ("InProgress", theme.warn()),
                (ReplicationState::InSync, _) => ("InSync", theme.good()),
            };
            let key_problem =
                (r.key.aws_managed && r.key.customer_key_required) || r.key.key_region.is_some();
            let mut text = base.to_string();
            if key_problem {
                text.push_str(" !key");
                style = theme.bad();
            }
            (text, style)
        }
    }
}

/// The WHY column: the failover when the primary cannot be read, else the worst reason.
fn why(row: &Row, dr: &str, theme: &Theme) -> (String, Style) {
    if !row.primary_listed() {
        return (failover_brief(row, dr), theme.warn());
    }
    match row.reasons.iter().max_by_key(|r| r.level) {
        Some(r) => {
            let more = row.reasons.len() - 1;
            let text = if more > 0 {
                format!("{} (+{more})", r.text)
            } else {
                r.text.clone()
            };
            (
                neutralise(&text).into_owned(),
                outcome_style(theme, r.level),
            )
        }
        None => (
            row.required_because
                .as_ref()
                .map_or_else(String::new, |w| format!("required: {}", neutralise(w))),
            theme.dim(),
        ),
    }
}
