//! The operator's turn on a plain terminal (or a pipe): shows a manual step, a decision or a
//! write to approve, reads the answer line by line, and turns it into an engine event. An empty
//! answer or the end of input pauses the run; the journal keeps everything so far.

use std::io::{BufRead, Write};

use chrono::{DateTime, Utc};

use crate::domain::untrusted::neutralise;
use crate::runbook::engine::{Command, Event};

/// What the operator answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Event(Event),
    /// Stop here for now; `incident resume` continues.
    Pause,
}

/// Asks for the operator's answer to `command`. `at` stamps the event.
/// `echo`: the input is not a terminal, so each answer is written out after its question.
pub fn ask(
    command: &Command,
    input: &mut dyn BufRead,
    echo: bool,
    out: &mut dyn Write,
    at: DateTime<Utc>,
) -> std::io::Result<Answer> {
    let mut read_line = |out: &mut dyn Write| read_answer(input, echo, out);
    match command {
        Command::ShowManual {
            step,
            instructions,
            checklist,
            note,
            message,
        } => {
            if let Some(message) = message {
                writeln!(out, "  ! {}", neutralise(message))?;
            }
            writeln!(out, "{}", indent(instructions))?;
            let mut ticked = Vec::new();
            for item in checklist {
                write!(out, "  [ ] {} -- done? [y/N] ", neutralise(item))?;
                out.flush()?;
                match read_line(out)? {
                    None => return Ok(Answer::Pause),
                    Some(line) => ticked.push(matches!(line.as_str(), "y" | "Y" | "yes")),
                }
            }
            if ticked.iter().any(|t| !t) {
                writeln!(
                    out,
                    "  Not every item is done: pausing here. Resume when they are."
                )?;
                return Ok(Answer::Pause);
            }
            let note = if *note {
                write!(out, "  Note for the record (one line, empty for none): ")?;
                out.flush()?;
                read_line(out)?.filter(|n| !n.is_empty())
            } else {
                None
            };
            Ok(Answer::Event(Event::ManualDone {
                step: step.clone(),
                at,
                ticked,
                note,
            }))
        }
        Command::AskDecision {
            step,
            question,
            options,
            message,
        } => {
            if let Some(message) = message {
                writeln!(out, "  ! {}", neutralise(message))?;
            }
            writeln!(out, "{}", indent(question))?;
            for (i, option) in options.iter().enumerate() {
                writeln!(out, "  {}. {}", i + 1, neutralise(option))?;
            }
            loop {
                write!(out, "  Choose 1-{} (empty to pause): ", options.len())?;
                out.flush()?;
                let Some(line) = read_line(out)? else {
                    return Ok(Answer::Pause);
                };
                if line.is_empty() {
                    return Ok(Answer::Pause);
                }
                match line.parse::<usize>() {
                    Ok(n) if (1..=options.len()).contains(&n) => {
                        return Ok(Answer::Event(Event::Decided {
                            step: step.clone(),
                            at,
                            option: n - 1,
                        }));
                    }
                    _ => writeln!(out, "  `{}` is not one of the options.", neutralise(&line))?,
                }
            }
        }
        Command::AskConfirmation {
            step,
            preview,
            expected,
            message,
        } => {
            if let Some(message) = message {
                writeln!(out, "  ! {}", neutralise(message))?;
            }
            writeln!(out, "  This step makes the AWS call below:")?;
            writeln!(out, "{}", indent(preview))?;
            write!(
                out,
                "  Type `{}` to approve it (empty to pause): ",
                neutralise(expected)
            )?;
            out.flush()?;
            match read_line(out)? {
                None => Ok(Answer::Pause),
                Some(line) if line.is_empty() => Ok(Answer::Pause),
                Some(typed) => Ok(Answer::Event(Event::Confirmed {
                    step: step.clone(),
                    at,
                    typed,
                })),
            }
        }
        _ => Ok(Answer::Pause),
    }
}

/// Asks whether to send again a write whose outcome was never recorded.
pub fn ask_resend(
    step: &str,
    input: &mut dyn BufRead,
    echo: bool,
    out: &mut dyn Write,
) -> std::io::Result<bool> {
    writeln!(
        out,
        "  Step `{step}` was approved and its AWS call may have been sent, but the process \
         stopped before its outcome was recorded. Check the secret (or CloudTrail) first."
    )?;
    write!(out, "  Type `resend` to send it again (empty to pause): ")?;
    out.flush()?;
    Ok(read_answer(input, echo, out)?.is_some_and(|l| l == "resend"))
}

fn read_answer(
    input: &mut dyn BufRead,
    echo: bool,
    out: &mut dyn Write,
) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        if echo {
            writeln!(out, "(end of input)")?;
        }
        return Ok(None);
    }
    let line = line.trim().to_string();
    if echo {
        writeln!(out, "{}", neutralise(&line))?;
    }
    Ok(Some(line))
}

fn indent(text: &str) -> String {
    neutralise_lines(text)
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Neutralises each line, keeping the line breaks of Markdown instructions.
fn neutralise_lines(text: &str) -> String {
    text.trim()
        .lines()
        .map(|l| neutralise(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
    }

    fn manual() -> Command {
        Command::ShowManual {
            step: "triage".into(),
            instructions: "Do **this**.\x1b[31m".into(),
            checklist: vec!["one".into(), "two".into()],
            note: true,
            message: None,
        }
    }

    #[test]
    fn a_fully_ticked_checklist_with_a_note_completes_the_manual_step() {
        let mut out = Vec::new();
        let answer = ask(
            &manual(),
            &mut "y\nyes\nleaked in a gist\n".as_bytes(),
            false,
            &mut out,
            at(),
        )
        .unwrap();
        assert_eq!(
            answer,
            Answer::Event(Event::ManualDone {
                step: "triage".into(),
                at: at(),
                ticked: vec![true, true],
                note: Some("leaked in a gist".into()),
            })
        );
        let shown = String::from_utf8(out).unwrap();
        assert!(
            !shown.contains('\x1b'),
            "escape reached the terminal: {shown:?}"
        );
    }

    #[test]
    fn an_unticked_item_or_end_of_input_pauses() {
        let mut out = Vec::new();
        assert_eq!(
            ask(&manual(), &mut "y\nn\n".as_bytes(), false, &mut out, at()).unwrap(),
            Answer::Pause
        );
        assert_eq!(
            ask(&manual(), &mut "y\n".as_bytes(), false, &mut out, at()).unwrap(),
            Answer::Pause
        );
    }

    #[test]
    fn decisions_reject_what_is_not_an_option_and_ask_again() {
        let command = Command::AskDecision {
            step: "sev".into(),
            question: "Which?".into(),
            options: vec!["Sev1".into(), "Sev2".into()],
            message: None,
        };
        let mut out = Vec::new();
        let answer = ask(&command, &mut "7\nx\n2\n".as_bytes(), false, &mut out, at()).unwrap();
        assert_eq!(
            answer,
            Answer::Event(Event::Decided {
                step: "sev".into(),
                at: at(),
                option: 1
            })
        );
        assert_eq!(
            String::from_utf8(out)
                .unwrap()
                .matches("is not one of the options")
                .count(),
            2
        );
    }

    #[test]
    fn a_confirmation_shows_the_call_and_passes_on_what_was_typed() {
        let command = Command::AskConfirmation {
            step: "rotate".into(),
            preview: "secretsmanager:RotateSecret\n{\"SecretId\": \"prod/db\"}".into(),
            expected: "prod/db".into(),
            message: None,
        };
        let mut out = Vec::new();
        let answer = ask(&command, &mut "prod/db\n".as_bytes(), false, &mut out, at()).unwrap();
        assert!(
            matches!(answer, Answer::Event(Event::Confirmed { ref typed, .. }) if typed == "prod/db")
        );
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains("secretsmanager:RotateSecret")
        );
        assert_eq!(
            ask(&command, &mut "\n".as_bytes(), false, &mut Vec::new(), at()).unwrap(),
            Answer::Pause
        );
    }
}
