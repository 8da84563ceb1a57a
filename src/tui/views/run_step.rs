//! The current step of the run view as lines: a header, the text that scrolls (instructions,
//! question, the write's preview), and what stays at the bottom (checklist, note, options, the
//! confirmation field, messages). Every text from the runbook, AWS or the journal is neutralised.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::app::State;
use crate::app::runbooks::{RunInput, RunPane};
use crate::app::update::run::WRITES_NEED_ALLOW_WRITE;
use crate::domain::untrusted::neutralise;
use crate::incident::snapshot::{RunSnapshot, status_text};
use crate::runbook::engine::Command;
use crate::tui::theme::Theme;

pub struct Drawn {
    pub header: Line<'static>,
    pub body: Vec<Line<'static>>,
    pub tail: Vec<Line<'static>>,
    /// Where the typing cursor goes: (row of `tail`, column).
    pub cursor: Option<(usize, usize)>,
}

pub fn lines(state: &State, snapshot: &RunSnapshot, width: usize, theme: &Theme) -> Drawn {
    let width = width.saturating_sub(2).max(10);
    let run = &state.run;
    let mut drawn = Drawn {
        header: header(snapshot, theme),
        body: Vec::new(),
        tail: Vec::new(),
        cursor: None,
    };
    let text = |drawn: &mut Drawn, text: &str| {
        for line in wrap(text, width) {
            drawn.body.push(Line::from(line));
        }
    };
    if let Some(status) = &snapshot.status {
        text(
            &mut drawn,
            &format!("The run is over: {}.", status_text(status)),
        );
        drawn.body.push(Line::default());
        text(
            &mut drawn,
            &format!(
                "Its timeline: strongroom incident export {} --format markdown",
                snapshot.run_id
            ),
        );
    } else if let Some(step) = snapshot
        .interrupted_write
        .as_deref()
        .filter(|_| !snapshot.busy)
    {
        text(
            &mut drawn,
            &format!(
                "Step `{step}` was approved and its AWS call may have been sent, but the process \
                 stopped before its outcome was recorded. Check the secret (or CloudTrail) first."
            ),
        );
        if state.read_only {
            bad(&mut drawn.tail, WRITES_NEED_ALLOW_WRITE, width, theme);
        } else {
            drawn
                .tail
                .push(Line::from("Type `resend` to send it again:"));
            field(&mut drawn, state, RunInput::Resend, "resend", theme);
        }
    } else if let Some(command) = run.operator_command() {
        operator(&mut drawn, state, command, width, theme);
    } else {
        let doing = run.progress.as_deref().unwrap_or("working…");
        drawn.body.push(Line::from(Span::styled(
            format!("Working: {}", neutralise(doing)),
            theme.dim(),
        )));
    }
    // The READ-ONLY reason is on screen already when the step needs a write.
    let said = drawn.tail.len();
    let repeated = |m: &&String| m.as_str() == WRITES_NEED_ALLOW_WRITE && said > 0;
    for message in [&snapshot.error, &run.message].into_iter().flatten() {
        if !repeated(&message) {
            bad(&mut drawn.tail, message, width, theme);
        }
    }
    drawn
}

fn header(snapshot: &RunSnapshot, theme: &Theme) -> Line<'static> {
    if snapshot.status.is_some() {
        return Line::from(Span::styled("Finished", theme.title()));
    }
    match snapshot.current() {
        Some(step) => Line::from(vec![
            Span::styled(format!("▶ {} ", neutralise(&step.id)), theme.title()),
            Span::raw(format!("{} ({})", neutralise(&step.title), step.kind)),
        ]),
        None => Line::from(Span::styled("Between steps", theme.dim())),
    }
}

fn operator(drawn: &mut Drawn, state: &State, command: &Command, width: usize, theme: &Theme) {
    let run = &state.run;
    let pointer = |i: usize| {
        if run.pane == RunPane::Step && run.item == i {
            "›"
        } else {
            " "
        }
    };
    match command {
        Command::ShowManual {
            instructions,
            checklist,
            note,
            message,
            ..
        } => {
            for line in wrap(&prose(instructions), width) {
                drawn.body.push(Line::from(line));
            }
            for (i, item) in checklist.iter().enumerate() {
                let ticked = run.answer.ticked.get(i).copied().unwrap_or(false);
                let lead = format!(
                    "{}[{}] {}. ",
                    pointer(i),
                    if ticked { "x" } else { " " },
                    i + 1
                );
                let style = if ticked {
                    theme.good()
                } else {
                    ratatui::style::Style::new()
                };
                hanging(&mut drawn.tail, &lead, item, width, style);
            }
            if *note {
                if run.input == Some(RunInput::Note) {
                    let shown = neutralise(&run.answer.note).into_owned();
                    drawn.cursor = Some((drawn.tail.len(), 6 + shown.chars().count()));
                    drawn.tail.push(Line::from(vec![
                        Span::styled("Note: ", theme.title()),
                        Span::styled(shown, theme.selected()),
                    ]));
                } else if run.answer.note.is_empty() {
                    drawn.tail.push(Line::from(Span::styled(
                        "Note: (n to write one for the record)",
                        theme.dim(),
                    )));
                } else {
                    drawn.tail.push(Line::from(vec![
                        Span::styled("Note: ", theme.title()),
                        Span::raw(neutralise(&run.answer.note).into_owned()),
                    ]));
                }
            }
            if let Some(message) = message {
                warn(&mut drawn.tail, message, width, theme);
            }
        }
        Command::AskDecision {
            question,
            options,
            message,
            ..
        } => {
            for line in wrap(&prose(question), width) {
                drawn.body.push(Line::from(line));
            }
            for (i, option) in options.iter().enumerate() {
                let lead = format!("{} {}. ", pointer(i), i + 1);
                let style = if run.item == i {
                    theme.title()
                } else {
                    ratatui::style::Style::new()
                };
                hanging(&mut drawn.tail, &lead, option, width, style);
            }
            if let Some(message) = message {
                warn(&mut drawn.tail, message, width, theme);
            }
        }
        Command::AskConfirmation {
            preview,
            expected,
            message,
            ..
        } => {
            preview_lines(drawn, preview, width, theme);
            if state.read_only {
                bad(&mut drawn.tail, WRITES_NEED_ALLOW_WRITE, width, theme);
            } else {
                drawn
                    .tail
                    .push(Line::from("To approve this write, type exactly:"));
                for line in wrap(expected, width.saturating_sub(2)) {
                    drawn
                        .tail
                        .push(Line::from(Span::styled(format!("  {line}"), theme.title())));
                }
                field(drawn, state, RunInput::Confirm, "Enter, then type", theme);
            }
            if let Some(message) = message {
                warn(&mut drawn.tail, message, width, theme);
            }
        }
        Command::NeedsWriteAccess { preview, .. } => {
            preview_lines(drawn, preview, width, theme);
            bad(&mut drawn.tail, WRITES_NEED_ALLOW_WRITE, width, theme);
        }
        _ => {}
    }
}

fn preview_lines(drawn: &mut Drawn, preview: &str, width: usize, theme: &Theme) {
    drawn
        .body
        .push(Line::from("This step makes the AWS call below:"));
    for line in wrap(preview, width.saturating_sub(2)) {
        drawn
            .body
            .push(Line::from(Span::styled(format!("  {line}"), theme.warn())));
    }
}

/// The text field for a confirmation or `resend`, with the cursor when it is being typed in.
fn field(drawn: &mut Drawn, state: &State, input: RunInput, idle: &str, theme: &Theme) {
    let run = &state.run;
    if run.input == Some(input) {
        let shown = neutralise(&run.answer.typed).into_owned();
        drawn.cursor = Some((drawn.tail.len(), 2 + shown.chars().count()));
        drawn.tail.push(Line::from(vec![
            Span::styled("> ", theme.title()),
            Span::styled(shown, theme.selected()),
        ]));
    } else {
        drawn
            .tail
            .push(Line::from(Span::styled(format!("> ({idle})"), theme.dim())));
    }
}

fn hanging(
    out: &mut Vec<Line<'static>>,
    lead: &str,
    text: &str,
    width: usize,
    style: ratatui::style::Style,
) {
    let indent = lead.chars().count();
    for (i, line) in wrap(text, width.saturating_sub(indent))
        .into_iter()
        .enumerate()
    {
        let first = if i == 0 {
            lead.to_string()
        } else {
            " ".repeat(indent)
        };
        out.push(Line::from(vec![
            Span::raw(first),
            Span::styled(line, style),
        ]));
    }
}

fn warn(out: &mut Vec<Line<'static>>, text: &str, width: usize, theme: &Theme) {
    for line in wrap(text, width) {
        out.push(Line::from(Span::styled(format!("! {line}"), theme.warn())));
    }
}

fn bad(out: &mut Vec<Line<'static>>, text: &str, width: usize, theme: &Theme) {
    for line in wrap(text, width) {
        out.push(Line::from(Span::styled(line, theme.bad())));
    }
}

/// Markdown as plain text: a paragraph's lines joined (list items keep their own line),
/// emphasis markers dropped.
fn prose(markdown: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut open = false;
    for line in markdown.trim().lines() {
        let text = line.trim();
        let item = text.starts_with("- ")
            || text.starts_with("* ")
            || text
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        match lines.last_mut() {
            _ if text.is_empty() => {
                lines.push(String::new());
                open = false;
            }
            Some(last) if open && !item => {
                last.push(' ');
                last.push_str(text);
            }
            _ => {
                lines.push(text.to_string());
                open = true;
            }
        }
    }
    lines.join("\n").replace("**", "")
}

/// Wraps each line of `text` (neutralised) at word boundaries to `width` columns; a word
/// longer than the width is cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for raw in text.trim_end().lines() {
        let line = neutralise(raw).into_owned();
        if line.trim().is_empty() {
            out.push(String::new());
            continue;
        }
        let indent: String = line
            .chars()
            .take_while(|c| *c == ' ')
            .take(width / 2)
            .collect();
        let mut current = indent.clone();
        for word in line.split_whitespace() {
            let mut word = word.to_string();
            loop {
                let has_text = current.len() > indent.len();
                if current.width() + usize::from(has_text) + word.width() <= width {
                    if has_text {
                        current.push(' ');
                    }
                    current.push_str(&word);
                    break;
                }
                if has_text {
                    out.push(std::mem::replace(&mut current, indent.clone()));
                    continue;
                }
                // A word wider than the line is cut.
                let room = width.saturating_sub(current.width()).max(1);
                let head: String = word.chars().take(room).collect();
                current.push_str(&head);
                out.push(std::mem::replace(&mut current, indent.clone()));
                word = word.chars().skip(room).collect();
                if word.is_empty() {
                    break;
                }
            }
        }
        if current.len() > indent.len() {
            out.push(current);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_keeps_words_whole_and_cuts_only_what_cannot_fit() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("a\n\nb", 5), ["a", "", "b"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("red\u{1b}[31m", 20), ["red\\e[31m"]);
        assert_eq!(
            wrap("  1. first item here", 12),
            ["  1. first", "  item here"]
        );
    }

    #[test]
    fn prose_joins_paragraph_lines_and_keeps_list_items_apart() {
        assert_eq!(
            super::prose(
                "Restart every\nworkload, then\nconfirm.\n\n1. **One**\ncontinued\n2. Two\n- dash"
            ),
            "Restart every workload, then confirm.\n\n1. One continued\n2. Two\n- dash"
        );
    }
}
