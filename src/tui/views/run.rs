//! One run: the steps with their state on the left; on the right the current step (its
//! instructions, checklist, note, options or the write to approve) over the selected step's
//! evidence and the journal, newest last.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::run_step::{self, Drawn};
use crate::app::State;
use crate::app::runbooks::{RunInput, RunPane};
use crate::domain::untrusted::neutralise;
use crate::incident::snapshot::{RunSnapshot, StepState, status_text};
use crate::runbook::engine::Command;
use crate::tui::theme::Theme;

pub fn heading(state: &State) -> String {
    let Some(snapshot) = &state.run.snapshot else {
        return "Incident".to_string();
    };
    let mut h = format!(
        "Incident {} · {}",
        neutralise(&snapshot.run_id),
        status(state, snapshot)
    );
    if snapshot.mode.dry_run {
        h.push_str(" · DRY RUN");
    }
    if !snapshot.chain_ok {
        h.push_str(" · journal TAMPERED");
    }
    h
}

fn status(state: &State, snapshot: &RunSnapshot) -> String {
    if let Some(status) = &snapshot.status {
        return neutralise(&status_text(status)).into_owned();
    }
    if state.run.busy || snapshot.busy {
        return "running".to_string();
    }
    match snapshot.current() {
        Some(step) => format!("waiting at {}", neutralise(&step.id)),
        None => "in progress".to_string(),
    }
}

pub fn hint(state: &State) -> &'static str {
    let run = &state.run;
    match run.input {
        Some(RunInput::Note) => return "type the note  Enter keep it  Esc leave it as typed",
        Some(RunInput::Confirm) => {
            return "type the confirmation exactly  Enter approve the write  Esc cancel";
        }
        Some(RunInput::Resend) => return "type resend  Enter send the write again  Esc cancel",
        None => {}
    }
    match run.operator_command() {
        Some(Command::ShowManual { .. }) => {
            "Space/1-9 tick  n note  Enter done  Tab pane  Esc back (the run stays open)"
        }
        Some(Command::AskDecision { .. }) => "↑↓/1-9 select  Enter decide  Tab pane  Esc back",
        Some(Command::AskConfirmation { .. }) if !state.read_only => {
            "Enter type the confirmation  Tab pane  :abort REASON  Esc back"
        }
        _ if run.snapshot.as_ref().is_some_and(|s| s.status.is_some()) => {
            "Tab pane  ↑↓ move  Esc back  ? help"
        }
        _ if run
            .snapshot
            .as_ref()
            .is_some_and(|s| s.interrupted_write.is_some())
            && !state.read_only =>
        {
            "Enter type resend  Tab pane  :abort REASON  Esc back"
        }
        _ => "Tab pane  ↑↓ move  :abort REASON  Esc back  ? help",
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(snapshot) = &state.run.snapshot else {
        let text = match (&state.run.error, &state.run.progress) {
            (Some(error), _) => {
                Line::from(Span::styled(neutralise(error).into_owned(), theme.bad()))
            }
            (None, Some(progress)) => {
                Line::from(Span::styled(neutralise(progress).into_owned(), theme.dim()))
            }
            (None, None) => Line::from(Span::styled(
                "No run open. Start one from :runbooks, or resume one from :incidents.",
                theme.dim(),
            )),
        };
        frame.render_widget(Paragraph::new(text), area);
        return;
    };
    let left_width = (area.width * 3 / 10).clamp(16, 44);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_width), Constraint::Min(1)]).areas(area);
    render_steps(frame, left, state, snapshot, theme);
    let bottom_height = (area.height * 35 / 100).clamp(4, 16).min(area.height / 2);
    let [top, bottom] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(bottom_height)]).areas(right);
    let drawn = run_step::lines(state, snapshot, usize::from(top.width), theme);
    render_step(frame, top, state, drawn, theme);
    render_journal(frame, bottom, state, snapshot, theme);
}

fn render_steps(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    snapshot: &RunSnapshot,
    theme: &Theme,
) {
    let block = Block::default()
        .borders(Borders::RIGHT)
        .border_style(theme.dim());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let focused = state.run.pane == RunPane::Steps;
    let title_style = if focused { theme.header() } else { theme.dim() };
    let done = snapshot
        .steps
        .iter()
        .filter(|s| s.state == StepState::Done)
        .count();
    let mut lines = vec![Line::from(Span::styled(
        format!("Steps {done}/{}", snapshot.steps.len()),
        title_style,
    ))];
    let height = usize::from(inner.height.saturating_sub(1));
    let cursor = state.run.steps;
    let start = cursor.offset.min(snapshot.steps.len());
    for (i, step) in snapshot.steps.iter().enumerate().skip(start).take(height) {
        let style = match step.state {
            StepState::Done => theme.good(),
            StepState::Failed => theme.bad(),
            StepState::Current => theme.title(),
            StepState::NotReached => theme.dim(),
        };
        let line = Line::from(vec![
            Span::styled(format!("{} ", step.state.marker()), style),
            Span::raw(neutralise(&step.title).into_owned()),
        ]);
        lines.push(if i == cursor.selected && focused {
            line.style(theme.selected())
        } else if i == cursor.selected {
            line.style(theme.title())
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The step's text scrolls; its checklist, options and fields stay at the bottom.
fn render_step(frame: &mut Frame, area: Rect, state: &State, drawn: Drawn, theme: &Theme) {
    let area = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(1),
        ..area
    };
    let tail_height = (drawn.tail.len() as u16).min(area.height.saturating_sub(1));
    let room = area.height.saturating_sub(1 + tail_height);
    let body_height = (drawn.body.len() as u16).min(room);
    // A short text is followed by its checklist; a long one pushes it to the bottom.
    let gap = u16::from(room > body_height);
    let [head, body, _, tail, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(body_height),
        Constraint::Length(gap),
        Constraint::Length(tail_height),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(drawn.header), head);
    let total = drawn.body.len() as u16;
    let scroll = state
        .run
        .instructions_scroll
        .min(total.saturating_sub(body.height));
    let mut body_lines: Vec<Line> = drawn.body;
    if total > scroll + body.height && body.height > 0 {
        // Say there is more rather than cut the text silently.
        let last = usize::from(scroll + body.height - 1);
        if let Some(line) = body_lines.get_mut(last) {
            *line = Line::from(Span::styled("  … more: PgDn", theme.dim()));
        }
    }
    frame.render_widget(Paragraph::new(body_lines).scroll((scroll, 0)), body);
    let skip = drawn.tail.len().saturating_sub(usize::from(tail_height));
    let tail_lines: Vec<Line> = drawn.tail.into_iter().skip(skip).collect();
    frame.render_widget(Paragraph::new(tail_lines), tail);
    if let Some((row, col)) = drawn.cursor {
        let row = row.checked_sub(skip);
        if let Some(row) = row.filter(|r| *r < usize::from(tail.height)) {
            let x = (tail.x + col as u16).min(tail.right().saturating_sub(1));
            frame.set_cursor_position(Position::new(x, tail.y + row as u16));
        }
    }
}

/// The selected step's outcome and evidence, then the journal.
fn render_journal(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    snapshot: &RunSnapshot,
    theme: &Theme,
) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.dim());
    let inner = block.inner(area);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(1),
        ..inner
    };
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if let Some(step) = snapshot.steps.get(state.run.steps.selected) {
        let mut spans = vec![Span::styled(
            format!("{} {}", step.state.marker(), neutralise(&step.id)),
            theme.title(),
        )];
        if let Some(summary) = &step.summary {
            spans.push(Span::raw(format!(": {}", neutralise(summary))));
        }
        lines.push(Line::from(spans));
        let evidence = snapshot.evidence.iter().find(|e| e.step == step.id);
        let room = if inner.height >= 10 { 3 } else { 1 };
        if let Some(evidence) = evidence.filter(|e| !e.value.is_empty()) {
            let compact: String = evidence
                .value
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let width = usize::from(inner.width).max(1);
            let chars: Vec<char> = neutralise(&compact).chars().collect();
            for chunk in chars.chunks(width).take(room) {
                lines.push(Line::from(Span::styled(
                    chunk.iter().collect::<String>(),
                    theme.dim(),
                )));
            }
        }
    }
    let focused = state.run.pane == RunPane::Journal;
    let title_style = if focused { theme.header() } else { theme.dim() };
    lines.push(Line::from(Span::styled(
        format!(
            "Journal · {} entries{}",
            snapshot.journal.len(),
            if state.run.journal_back > 0 {
                format!(" · {} back", state.run.journal_back)
            } else {
                String::new()
            }
        ),
        title_style,
    )));
    let room = usize::from(inner.height).saturating_sub(lines.len());
    let end = snapshot
        .journal
        .len()
        .saturating_sub(state.run.journal_back);
    let start = end.saturating_sub(room);
    for line in &snapshot.journal[start..end] {
        let step = line
            .step
            .as_deref()
            .map(|s| format!("{}: ", neutralise(s)))
            .unwrap_or_default();
        let style = if line.what.contains("FAILED") {
            theme.bad()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", line.at.format("%H:%M:%S")), theme.dim()),
            Span::styled(format!("{step}{}", neutralise(&line.what)), style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
