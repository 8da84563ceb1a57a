//! The selected secret in `:review`: who owns it, its resource policy in a line and the
//! policy's findings, then one row per principal the policy allows or the window's events show
//! (allowed by policy, reads in the window, last read, the highlight), the standing decisions,
//! and what the principal under the cursor is granted by.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row as TableRow, Table, Wrap};

use crate::app::State;
use crate::app::review::ReviewPane;
use crate::domain::untrusted::neutralise;
use crate::review::table::policy_line;
use crate::review::{AccessRow, Allowed, FindingKind, Highlight, SecretReview, Verdict, decision};
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let Some(r) = state.review.selected(&state.inventory) else {
        return;
    };
    let wide = area.width >= 100;
    let mut head: Vec<Line> = vec![title(r, area.width, theme), policy(state, r, theme)];
    if state.ev.fetch.is_some() {
        head.push(Line::from(Span::styled(
            "reads: CloudTrail is still being read (Esc stops it): counts and highlights are not final",
            theme.warn(),
        )));
    }
    let findings: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind != FindingKind::NoPolicy)
        .collect();
    let room = usize::from(area.height / 4).max(1);
    for f in findings.iter().take(room) {
        let at = f
            .statement
            .as_deref()
            .map(|s| format!(" [{s}]"))
            .unwrap_or_default();
        head.push(Line::from(vec![
            Span::styled(format!("{:<8} ", f.severity.label()), severity(theme, f)),
            Span::raw(neutralise(&format!("{}: {}{at}", f.kind.label(), f.detail)).into_owned()),
        ]));
    }
    if findings.len() > room {
        head.push(Line::from(Span::styled(
            format!("… and {} more finding(s)", findings.len() - room),
            theme.dim(),
        )));
    }
    let standing = decision::effective(&state.review.log, &r.secret.arn);
    let mut tail: Vec<Line> = Vec::new();
    if let Some(row) = r.rows.get(state.review.principal) {
        tail.push(principal_line(row, state.ev.fetch.is_some(), theme));
    }
    let room = usize::from(area.height / 5).max(1);
    if standing.is_empty() {
        tail.push(Line::from(Span::styled("decision: none yet", theme.dim())));
    }
    for d in standing.iter().take(room) {
        tail.push(Line::from(vec![
            Span::styled(
                "decision: ",
                super::review::decision_style(theme, std::slice::from_ref(d)),
            ),
            Span::raw(
                neutralise(&format!(
                    "{} — {} ({}, {})",
                    verdict_label(r, &d.verdict),
                    d.note,
                    d.reviewer,
                    d.at.format("%Y-%m-%d %H:%M UTC")
                ))
                .into_owned(),
            ),
        ]));
    }
    if standing.len() > room {
        tail.push(Line::from(Span::styled(
            format!("… and {} more decision(s)", standing.len() - room),
            theme.dim(),
        )));
    }
    let head_h = u16::try_from(head.len()).unwrap_or(u16::MAX);
    let tail_h = u16::try_from(tail.len()).unwrap_or(u16::MAX);
    let room = area.height.saturating_sub(head_h + tail_h);
    let rows = u16::try_from(r.rows.len()).unwrap_or(u16::MAX);
    // The table as tall as its rows (at least a line for "nobody"), the rest for statements.
    let table_h = (rows + 1).min(room).max(room.min(1));
    let [top, table, bottom, rest] = ratatui::layout::Layout::vertical([
        Constraint::Length(head_h),
        Constraint::Length(table_h),
        Constraint::Length(tail_h),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(head), top);
    frame.render_widget(Paragraph::new(tail), bottom);
    if rest.height > 2 && !r.policy.statements.is_empty() {
        frame.render_widget(
            Paragraph::new(statements(r, theme)).wrap(Wrap { trim: false }),
            rest,
        );
    }
    if r.rows.is_empty() {
        frame.render_widget(
            Paragraph::new("Nobody read it in the window and the policy names no reader.")
                .style(theme.dim()),
            table,
        );
        return;
    }
    principals(frame, table, state, r, &standing, wide, theme);
}

/// The policy's statements, one a line, under an empty line.
fn statements(r: &SecretReview, theme: &Theme) -> Vec<Line<'static>> {
    use crate::review::policy::Effect;
    let mut lines = vec![
        Line::default(),
        Line::from(Span::styled("Policy statements", theme.header())),
    ];
    for s in &r.policy.statements {
        let principals = s
            .principals
            .list
            .iter()
            .map(|p| p.text())
            .collect::<Vec<_>>()
            .join(", ");
        let mut text = format!(
            "{}: {} {}{} · {}{}",
            s.label(),
            if s.effect == Effect::Allow {
                "Allow"
            } else {
                "Deny"
            },
            if s.principals.not { "all but " } else { "" },
            principals,
            if s.actions.not { "all but " } else { "" },
            s.actions.list.join(", ")
        );
        let conditions = s.condition_summary();
        if !conditions.is_empty() {
            text.push_str(&format!(" · when {}", conditions.join("; ")));
        }
        let style = if s.effect == Effect::Deny {
            theme.warn()
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(
            neutralise(&text).into_owned(),
            style,
        )));
    }
    lines
}

/// A revoke names the principal as its row does (`role/app`), other verdicts as they are.
fn verdict_label(r: &SecretReview, v: &Verdict) -> String {
    match v {
        Verdict::Revoke { principal } => {
            let label = r
                .rows
                .iter()
                .find(|row| &row.principal == principal)
                .map_or(principal.as_str(), |row| row.label.as_str());
            format!("revoke {label}")
        }
        other => other.label(),
    }
}

fn title(r: &SecretReview, width: u16, theme: &Theme) -> Line<'static> {
    let m = &r.secret;
    let mut text = format!("── {} · {} {}", m.name, m.account, m.region);
    if !m.replica_regions.is_empty() {
        text.push_str(&format!(" (+ {})", m.replica_regions.join(", ")));
    }
    text.push_str(&format!(" · owner {}", m.owner.as_deref().unwrap_or("-")));
    if let Some(c) = &m.classification {
        text.push_str(&format!(" · {c}"));
    }
    let text = neutralise(&text).into_owned();
    let pad = usize::from(width).saturating_sub(text.chars().count() + 1);
    Line::from(Span::styled(
        format!("{text} {}", "─".repeat(pad)),
        theme.title(),
    ))
}

fn policy(state: &State, r: &SecretReview, theme: &Theme) -> Line<'static> {
    use crate::review::PolicyStatus;
    if state.review.fetching(&r.secret.arn) {
        return Line::from(Span::styled(
            "policy: fetching (GetResourcePolicy)…",
            theme.dim(),
        ));
    }
    let style = match r.policy.status {
        PolicyStatus::Attached => Style::new(),
        PolicyStatus::None | PolicyStatus::Unavailable => theme.dim(),
        PolicyStatus::Unreadable => theme.bad(),
    };
    Line::from(Span::styled(
        neutralise(&format!("policy: {}", policy_line(r))).into_owned(),
        style,
    ))
}

fn severity(theme: &Theme, f: &crate::review::PolicyFinding) -> Style {
    use crate::audit::Severity;
    match f.severity {
        Severity::Critical | Severity::High => theme.bad(),
        Severity::Medium => theme.warn(),
        Severity::Low | Severity::Info => theme.dim(),
    }
}

/// The principal under the cursor: its full name, what grants it, under which conditions.
fn principal_line(row: &AccessRow, reading: bool, theme: &Theme) -> Line<'static> {
    let mut text = format!("› {}", row.principal);
    if !row.statements.is_empty() {
        text.push_str(&format!(" · granted by {}", row.statements.join(", ")));
    }
    if !row.conditions.is_empty() {
        text.push_str(&format!(" · when {}", row.conditions.join("; ")));
    }
    if !row.denied_by.is_empty() {
        text.push_str(&format!(" · denied by {}", row.denied_by.join(", ")));
    }
    if row.readers > 1 {
        text.push_str(&format!(" · {} principals' reads", row.readers));
    }
    if let Some(h) = row.highlight.filter(|_| !reading) {
        text.push_str(&format!(" · {}", h.label()));
    }
    Line::from(Span::styled(neutralise(&text).into_owned(), theme.dim()))
}

fn principals(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    r: &SecretReview,
    standing: &[&crate::review::Decision],
    wide: bool,
    theme: &Theme,
) {
    let height = usize::from(area.height.saturating_sub(1));
    if height == 0 {
        return;
    }
    let selected = state.review.principal.min(r.rows.len().saturating_sub(1));
    // The cursor's row stays on screen; the table scrolls under it.
    let start = selected.saturating_sub(height - 1);
    let end = (start + height).min(r.rows.len());
    let focused = state.review.pane == ReviewPane::Principals;
    let reading = state.ev.fetch.is_some();
    let (allowed_w, last_w, flag_w): (u16, u16, u16) = if wide { (26, 16, 7) } else { (24, 10, 7) };
    let name_w = area
        .width
        .saturating_sub(1 + allowed_w + 5 + last_w + flag_w + 5)
        .max(8);
    let revoked = |p: &str| {
        standing
            .iter()
            .any(|d| matches!(&d.verdict, Verdict::Revoke { principal } if principal == p))
    };
    let rows = r.rows[start..end].iter().enumerate().map(|(i, row)| {
        let name_style = match (start + i == selected, focused) {
            (true, true) => theme.selected(),
            (true, false) => theme.header(),
            _ => Style::new(),
        };
        // Reads still arriving: "unused" and "via IAM" would be guesses.
        let highlight = row.highlight.filter(|_| !reading);
        let (mark, mark_style) = match highlight {
            Some(h) => (h.mark().to_string(), highlight_style(theme, h)),
            None => (" ".to_string(), Style::new()),
        };
        let last = row.last_read.map_or("-".to_string(), |t| {
            if wide {
                t.format("%Y-%m-%d %H:%M").to_string()
            } else {
                t.format("%Y-%m-%d").to_string()
            }
        });
        let (flag, flag_style) = if revoked(&row.principal) {
            ("REVOKE".to_string(), theme.bad())
        } else {
            match highlight {
                Some(h) => (h.short().to_string(), highlight_style(theme, h)),
                None => (String::new(), Style::new()),
            }
        };
        TableRow::new(vec![
            Line::from(Span::styled(mark, mark_style)),
            Line::from(Span::styled(
                super::review::clip_left(&neutralise(&row.label), usize::from(name_w)),
                name_style,
            )),
            Line::from(allowed(row)),
            Line::from(reads(row)),
            Line::from(last),
            Line::from(Span::styled(flag, flag_style)),
        ])
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Length(name_w),
        Constraint::Length(allowed_w),
        Constraint::Length(5),
        Constraint::Length(last_w),
        Constraint::Length(flag_w),
    ];
    let header = TableRow::new(
        [
            " ",
            "PRINCIPAL",
            "ALLOWED BY POLICY",
            "READS",
            "LAST READ",
            "",
        ]
        .map(|t| Line::from(Span::styled(t, theme.header()))),
    );
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

/// How the policy allows the row, in a column; the line under the table names the conditions.
fn allowed(row: &AccessRow) -> String {
    let label = match row.allowed {
        Allowed::ViaEveryone => "via *",
        other => other.label(),
    };
    if row.conditional && !row.conditions.is_empty() {
        format!("{label} (cond.)")
    } else {
        label.to_string()
    }
}

/// Reads in the window, with denied attempts when there were any (`3+2x`).
fn reads(row: &AccessRow) -> String {
    if row.denied > 0 {
        format!("{:>5}", format!("{}+{}x", row.reads, row.denied))
    } else {
        format!("{:>5}", row.reads)
    }
}

fn highlight_style(theme: &Theme, h: Highlight) -> Style {
    match h {
        Highlight::Unused | Highlight::ThroughIam => theme.warn(),
        Highlight::Public | Highlight::DeniedAttempts => theme.bad(),
    }
}
