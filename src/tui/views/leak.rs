//! The leak check's prompt (`L`), drawn over the inventory or a secret's detail: the candidates
//! and the reads they take, the masked value (never drawn: only whether something was typed),
//! the reason, the count to type above 50 reads; then the answer, the verdict first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::State;
use crate::app::leak_prompt::{LeakField, LeakPrompt, LeakStage, MAX_READS};
use crate::domain::untrusted::neutralise;
use crate::leak::{Outcome, Verdict};
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(prompt) = &state.leak else {
        return;
    };
    let width = area.width.saturating_sub(4).min(100);
    let height = area.height.saturating_sub(2).min(20);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    let footer = match prompt.stage {
        LeakStage::Typing => {
            " Enter read · Tab next field · ←→ this secret / the listed ones · Esc cancel "
        }
        LeakStage::Checking => " reading… ",
        _ => " Enter or Esc close ",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Leak check ", theme.title()))
        .title_bottom(Span::styled(footer, theme.dim()));
    let lines = match &prompt.stage {
        LeakStage::Typing => typing(prompt, theme),
        LeakStage::Checking => vec![Line::from(format!(
            "Reading {} version(s); each value is hashed in memory and zeroed…",
            prompt.plan.reads()
        ))],
        LeakStage::Done { outcome, journal } => answer(outcome, *journal, theme),
        LeakStage::Failed(why) => vec![
            Line::styled("The check could not be made.", theme.bad()),
            Line::from(neutralise(why).into_owned()),
        ],
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}

fn typing(prompt: &LeakPrompt, theme: &Theme) -> Vec<Line<'static>> {
    let plan = &prompt.plan;
    let scope = if prompt.all_listed {
        format!("the {} listed secret(s)", prompt.listed.len())
    } else {
        neutralise(&prompt.selected.name).into_owned()
    };
    let field = |f: LeakField, label: &str, value: String| {
        let marker = if prompt.field == f { "› " } else { "  " };
        let style = if prompt.field == f {
            theme.selected()
        } else {
            Style::default()
        };
        Line::from(vec![
            Span::raw(marker.to_string()),
            Span::styled(format!("{label:<10}"), theme.header()),
            Span::styled(value, style),
        ])
    };
    let mut lines = vec![
        Line::from(
            "Which secret and version is a leaked value? What is typed here is never shown,",
        ),
        Line::from("logged or kept: Enter hashes it, reads the versions below and compares them."),
        Line::from(""),
        Line::from(vec![
            Span::styled("  Candidates ", theme.header()),
            Span::raw(scope),
        ]),
        Line::styled(format!("             {}", plan.brief()), theme.dim()),
        Line::from(""),
        field(
            LeakField::Value,
            "Value",
            if prompt.value.is_empty() {
                "(type or paste it)".to_string()
            } else {
                "(typed, hidden)".to_string()
            },
        ),
        field(
            LeakField::Reason,
            "Reason",
            neutralise(&prompt.reason).into_owned(),
        ),
    ];
    let reads = plan.reads();
    if prompt.needs_count(reads) {
        lines.push(field(
            LeakField::Confirm,
            "Count",
            if prompt.confirm.is_empty() {
                format!("(type {reads}: more than {MAX_READS} reads)")
            } else {
                prompt.confirm.clone()
            },
        ));
    }
    lines.push(Line::from(""));
    if let Some(m) = &prompt.message {
        lines.push(Line::styled(neutralise(m).into_owned(), theme.warn()));
    }
    lines.push(Line::styled(
        "Each read is a GetSecretValue in CloudTrail and moves LastAccessedDate; the check is journaled.",
        theme.dim(),
    ));
    lines
}

fn answer(outcome: &Outcome, journal: Option<i64>, theme: &Theme) -> Vec<Line<'static>> {
    let verdict = outcome.verdict();
    let style = match verdict {
        Verdict::Current | Verdict::Pending => theme.bad(),
        Verdict::Previous | Verdict::Incomplete => theme.warn(),
        Verdict::None => theme.good(),
    };
    let mut lines = vec![
        Line::styled(verdict.headline().to_string(), style),
        Line::from(""),
    ];
    for m in &outcome.matches {
        lines.push(Line::from(format!(
            "{}  {} {}",
            neutralise(&m.secret),
            neutralise(&m.account),
            neutralise(&m.region),
        )));
        lines.push(Line::from(format!(
            "  version {}  [{}]  {}  created {}",
            neutralise(&m.version_id),
            neutralise(&m.stages.join(",")),
            neutralise(&m.part.describe()),
            m.created
                .map(|c| c.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "-".into())
        )));
    }
    for f in outcome.failures.iter().take(5) {
        lines.push(Line::styled(
            format!(
                "not read: {} {}: {}",
                neutralise(&f.secret),
                neutralise(&f.version),
                neutralise(&f.why)
            ),
            theme.warn(),
        ));
    }
    if outcome.failures.len() > 5 {
        lines.push(Line::styled(
            format!("… and {} more failed reads", outcome.failures.len() - 5),
            theme.warn(),
        ));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        format!(
            "{} candidate(s), {} version(s) read in {} call(s). Values were hashed in memory and zeroed.{}",
            outcome.candidates,
            outcome.reads,
            outcome.total_calls(),
            journal
                .map(|id| format!(" Journaled as leak check {id}."))
                .unwrap_or_default()
        ),
        theme.dim(),
    ));
    lines
}
