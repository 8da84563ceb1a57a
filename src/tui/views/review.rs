//! `:review`: the secrets with a summary of who may and who did read each, and the standing
//! decision; beside them (or under them on narrow terminals) the selected secret's policy,
//! findings and principals (see `review_secret`); under both, what the review is doing and how
//! to export it. Only the visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row as TableRow, Table, Wrap};

use crate::app::State;
use crate::app::review::{
    DecisionField, ReviewPane, SIDE_BY_SIDE, StoreState, counts, decision_state, list_height,
};
use crate::domain::untrusted::neutralise;
use crate::review::{PolicyStatus, SecretReview, Verdict, decision};
use crate::tui::theme::Theme;

const HINT: &str = "↑↓ move  Tab pane  K keep  X revoke  O owner  F follow-up  / filter  ? help";
const HINT_WIDE: &str = "↑↓ move  Tab/←→ pane  K keep  X revoke principal  O change owner  F follow up  / filter  x clear  Esc back  ? help";
const HINT_NOTE: &str = "type the note (an auditor reads it)  Enter record  Esc cancel";
const HINT_OWNER: &str = "type the new owner  Enter then the note  Tab switch field  Esc cancel";
const EXPORT: &str = "export: strongroom review export --format markdown";

const NOTE_REQUIRED: &str =
    "A note is required: say why, an auditor reads it  Enter record  Esc cancel";
const OWNER_REQUIRED: &str = "Who owns it now? e.g. team-payments  Enter then the note  Esc cancel";

pub fn hint(state: &State) -> &'static str {
    let input = state.review.input.as_ref();
    match input.map(|i| (i.field, i.problem.is_some())) {
        Some((DecisionField::Note, false)) => HINT_NOTE,
        Some((DecisionField::Note, true)) => NOTE_REQUIRED,
        Some((DecisionField::Owner, false)) => HINT_OWNER,
        Some((DecisionField::Owner, true)) => OWNER_REQUIRED,
        None if state.width >= 160 => HINT_WIDE,
        None => HINT,
    }
}

pub fn heading(state: &State) -> String {
    let view = &state.review;
    let decided = decided(state);
    let total = state.inventory.entries.len();
    let since = view
        .since
        .map(|s| s.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let id = match &view.store {
        StoreState::Open { info, .. } => info.id.clone(),
        StoreState::Failed(_) => "not stored".to_string(),
        StoreState::Closed | StoreState::Opening(_) => "opening…".to_string(),
    };
    let mut h = if state.width >= SIDE_BY_SIDE {
        format!(
            "Access review {id} · window {} (reads since {since}) · reviewer {} · decided {decided} of {total}",
            view.window,
            neutralise(&crate::app::update::review::reviewer(state))
        )
    } else {
        format!("Review {} · decided {decided}/{total}", view.window)
    };
    if !view.filter.is_empty() {
        h.push_str(&format!(
            " · {} shown, filter \"{}\"",
            view.rows.len(),
            neutralise(&view.filter)
        ));
    }
    h
}

/// Secrets with at least one standing decision.
fn decided(state: &State) -> usize {
    let mut arns: Vec<&str> = state
        .review
        .log
        .iter()
        .map(|d| d.secret_arn.as_str())
        .collect();
    arns.sort_unstable();
    arns.dedup();
    arns.into_iter()
        .filter(|arn| state.inventory.entries.iter().any(|e| e.secret.arn == *arn))
        .filter(|arn| !decision::effective(&state.review.log, arn).is_empty())
        .count()
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let [main, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    footer_line(frame, footer, state, theme);
    if state.inventory.entries.is_empty() {
        let text = if state.loading() {
            "Loading the inventory: the review opens once every region has answered."
        } else {
            "No secret in the inventory: nothing to review."
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            main,
        );
        return;
    }
    let (list, detail) = if area.width >= SIDE_BY_SIDE {
        let left = (main.width * 9 / 20).max(40);
        let [list, gap, detail] = Layout::horizontal([
            Constraint::Length(left),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(main);
        frame.render_widget(
            Paragraph::new(vec![Line::from("│"); usize::from(gap.height)]).style(theme.dim()),
            gap,
        );
        (list, detail)
    } else {
        let height = list_height(state.width, state.height).min(main.height);
        let [list, detail] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(main);
        (list, detail)
    };
    secrets(frame, list, state, theme);
    super::review_secret::render(frame, detail, state, theme);
}

fn secrets(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let view = &state.review;
    if view.rows.is_empty() {
        frame.render_widget(
            Paragraph::new("No secret matches the filter. Press x or Esc to clear it.")
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let height = usize::from(area.height.saturating_sub(1));
    let start = view.cursor.offset.min(view.rows.len());
    let end = (start + height).min(view.rows.len());
    let decision_w: u16 = if area.width >= 64 { 16 } else { 10 };
    let fixed: u16 = 5 + 4 + 2 + 2 + 1 + decision_w + 6;
    let name_width = area.width.saturating_sub(fixed).max(8);
    let focused = view.pane == ReviewPane::Secrets;
    let rows = view.rows[start..end].iter().enumerate().map(|(i, &entry)| {
        let selected = start + i == view.cursor.selected;
        let Some(e) = state.inventory.entries.get(entry) else {
            return TableRow::new(Vec::<Line>::new());
        };
        let name_style = match (selected, focused) {
            (true, true) => theme.selected(),
            (true, false) => theme.header(),
            _ => Style::new(),
        };
        let mut cells = vec![Line::from(Span::styled(
            clip_left(&neutralise(&e.secret.name), usize::from(name_width)),
            name_style,
        ))];
        cells.extend(summary_cells(state, view.built.get(&e.secret.arn), theme));
        let standing = decision::effective(&view.log, &e.secret.arn);
        cells.push(Line::from(Span::styled(
            decision_state(&standing),
            decision_style(theme, &standing),
        )));
        TableRow::new(cells)
    });
    let widths = [
        Constraint::Length(name_width),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Length(2),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(decision_w),
    ];
    let header = TableRow::new(
        ["SECRET", "ALLOW", "READ", " -", " +", "!", "DECISION"]
            .map(|t| Line::from(Span::styled(t, theme.header()))),
    );
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

/// ALLOW, READ, unused, through IAM, and `!` (anyone may read) or `x` (denied attempts).
fn summary_cells(
    state: &State,
    review: Option<&SecretReview>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let Some(r) = review else {
        return vec![Line::from(Span::styled("…", theme.dim()))];
    };
    let c = counts(r);
    let reading = state.ev.fetch.is_some();
    let allow = match r.policy.status {
        PolicyStatus::Attached => Span::raw(format!("{:>5}", c.allowed)),
        PolicyStatus::None => Span::styled(" none", theme.dim()),
        PolicyStatus::Unreadable => Span::styled("  bad", theme.bad()),
        PolicyStatus::Unavailable if state.review.fetching(&r.secret.arn) => {
            Span::styled("    …", theme.dim())
        }
        PolicyStatus::Unavailable => Span::styled("    ?", theme.dim()),
    };
    let number = |n: usize, style: Style| {
        if n == 0 {
            Line::from(Span::styled(format!("{:>2}", "·"), theme.dim()))
        } else {
            Line::from(Span::styled(format!("{n:>2}"), style))
        }
    };
    let flag = if c.public {
        Span::styled("!", theme.bad())
    } else if c.denied > 0 {
        Span::styled("x", theme.bad())
    } else {
        Span::raw(" ")
    };
    // Counts from a CloudTrail fetch still running are not final.
    if reading {
        let pending = || Line::from(Span::styled(format!("{:>2}", "…"), theme.dim()));
        return vec![
            Line::from(allow),
            Line::from(Span::styled("   …", theme.dim())),
            pending(),
            pending(),
            Line::from(flag),
        ];
    }
    vec![
        Line::from(allow),
        Line::from(format!("{:>4}", c.readers)),
        number(c.unused, theme.warn()),
        number(c.through_iam, theme.warn()),
        Line::from(flag),
    ]
}

pub fn decision_style(theme: &Theme, standing: &[&crate::review::Decision]) -> Style {
    if standing.is_empty() {
        return theme.dim();
    }
    if standing
        .iter()
        .any(|d| matches!(d.verdict, Verdict::Revoke { .. }))
    {
        theme.bad()
    } else if standing.iter().all(|d| d.verdict == Verdict::Keep) {
        theme.good()
    } else {
        theme.warn()
    }
}

/// The line under both panes: the decision being typed, else what is loading, else the
/// review's state and how to export it.
fn footer_line(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let view = &state.review;
    if let Some(input) = &view.input {
        let what = match input.kind {
            crate::app::review::DecisionKind::Revoke => format!(
                "revoke {} on {}",
                input.principal.as_deref().unwrap_or("?"),
                input.secret_name
            ),
            kind => format!("{} {}", kind.label(), input.secret_name),
        };
        let mut spans = vec![Span::styled(
            format!(" {} · ", neutralise(&what)),
            theme.title(),
        )];
        let mut cursor = 0;
        if input.kind == crate::app::review::DecisionKind::ChangeOwner {
            spans.push(Span::raw("owner: "));
            spans.push(Span::raw(neutralise(&input.owner).into_owned()));
            if input.field == DecisionField::Owner {
                cursor = width(&spans);
            }
            spans.push(Span::raw(" · "));
        }
        spans.push(Span::raw("note: "));
        spans.push(Span::raw(neutralise(&input.note).into_owned()));
        if input.field == DecisionField::Note {
            cursor = width(&spans);
        }
        if input.problem.is_some() {
            spans.push(Span::styled("  ← required", theme.warn()));
        }
        let x = area.x + u16::try_from(cursor).unwrap_or(u16::MAX);
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        frame.render_widget(Line::from(spans), area);
        return;
    }
    let mut parts: Vec<Span> = Vec::new();
    if let Some(line) = super::events::progress_line(state) {
        parts.push(Span::styled(line, theme.warn()));
    } else if let crate::app::review::PolicyFetch::Loading { arns, .. } = &view.fetch {
        parts.push(Span::styled(
            format!(
                "Fetching {} resource policies (GetResourcePolicy, 50/s)…",
                arns.len()
            ),
            theme.warn(),
        ));
    } else if view.recording {
        parts.push(Span::styled("Recording the decision…", theme.warn()));
    } else {
        match &view.store {
            StoreState::Open { info, .. } if state.width >= SIDE_BY_SIDE => {
                parts.push(Span::raw(format!(" {}", info.id)));
                if let Some(f) = &view.fetched {
                    parts.push(Span::styled(
                        format!(
                            " · GetResourcePolicy {} call(s) in {:.1} s, {} cached{}",
                            f.calls,
                            f.seconds,
                            f.cached,
                            if f.failed > 0 {
                                format!(", {} failed", f.failed)
                            } else {
                                String::new()
                            }
                        ),
                        theme.dim(),
                    ));
                }
                if let Some(n) = view.observed_secrets {
                    parts.push(Span::styled(
                        format!(" · {n} secrets observed"),
                        theme.dim(),
                    ));
                }
            }
            StoreState::Open { .. } => {}
            StoreState::Failed(why) => {
                parts.push(Span::styled(
                    format!(" not stored: {}", neutralise(why)),
                    theme.bad(),
                ));
            }
            StoreState::Closed | StoreState::Opening(_) => {
                parts.push(Span::styled(" Opening the review…", theme.dim()));
            }
        }
        if let Some(why) = &view.broken {
            parts.push(Span::styled(
                format!(" · LOG CHANGED: {}", neutralise(why)),
                theme.bad(),
            ));
        }
        let lead = if parts.is_empty() { " " } else { " · " };
        parts.push(Span::styled(format!("{lead}{EXPORT}"), theme.dim()));
    }
    frame.render_widget(Line::from(parts), area);
}

fn width(spans: &[Span]) -> usize {
    spans.iter().map(|s| s.content.chars().count()).sum()
}

/// The end of a name is what tells secrets apart: a long one loses its start.
pub fn clip_left(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width || width < 2 {
        return text.to_string();
    }
    let tail: String = text.chars().skip(n - (width - 1)).collect();
    format!("…{tail}")
}
