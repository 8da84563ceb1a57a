//! The run view: the operator's turn. Ticks, the note, the decision and the typed confirmation
//! are kept here until they make a complete answer; only then does an event go to the worker.
//! READ-ONLY never approves a write: it says that writes need `--allow-write` and sends nothing.

use crate::app::effect::RunbookRequest;
use crate::app::msg::PromptKey;
use crate::app::runbooks::{Answer, RunInput, RunPane, step_of};
use crate::app::state::{Mode, State, View};
use crate::app::{Action, Effect};
use crate::incident::snapshot::{RunSnapshot, status_text};
use crate::runbook::engine::{Command, Event};

pub const WRITES_NEED_ALLOW_WRITE: &str = "writes need --allow-write: quit, start Strongroom again with --allow-write, and reopen this incident from :incidents";

/// A new picture of the run: a new command on screen starts a new answer.
pub fn updated(state: &mut State, snapshot: RunSnapshot) {
    let run = &mut state.run;
    let key = answer_key(&snapshot);
    if key != run.answer.key {
        let items = match &snapshot.waiting {
            Some(Command::ShowManual { checklist, .. }) => checklist.len(),
            _ => 0,
        };
        run.answer = Answer {
            key,
            ticked: vec![false; items],
            ..Answer::default()
        };
        run.item = 0;
        run.instructions_scroll = 0;
        run.message = None;
        if run.input.take().is_some() && state.view == View::Run {
            state.mode = Mode::Normal;
        }
    }
    run.busy = snapshot.busy;
    run.error = snapshot.error.clone();
    if !snapshot.busy {
        run.progress = None;
    }
    if run.pane != RunPane::Steps {
        let current = snapshot
            .steps
            .iter()
            .rposition(|s| s.state != crate::incident::snapshot::StepState::NotReached)
            .unwrap_or(0);
        run.steps.selected = current;
    }
    // The incidents list shows where this run stands without asking the journal again.
    if let Some(Ok(runs)) = &mut state.runbooks.runs
        && let Some(row) = runs.iter_mut().find(|r| r.run_id == snapshot.run_id)
    {
        row.status = match (&snapshot.status, snapshot.current()) {
            (Some(status), _) => status_text(status),
            (None, Some(step)) => format!("waiting at {}", step.id),
            (None, None) => "in progress".to_string(),
        };
        row.entries = snapshot.journal.len();
        row.chain_ok = snapshot.chain_ok;
    }
    run.snapshot = Some(snapshot);
    keep_visible(state);
}

pub fn progress(state: &mut State, text: String) {
    state.run.progress = Some(text);
}

/// The worker could not start or resume a run.
pub fn failed(state: &mut State, text: String) {
    state.run.busy = false;
    state.run.progress = None;
    if state.run.snapshot.is_none() {
        state.run.error = Some(text.clone());
    }
    state.notice = Some(crate::app::state::Notice {
        level: crate::app::state::NoticeLevel::Error,
        text,
    });
}

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    if step_pane_moves(state, action) {
        return Vec::new();
    }
    let run = &mut state.run;
    run.message = None;
    match action {
        Action::NextPane => {
            run.pane = match run.pane {
                RunPane::Step => RunPane::Steps,
                RunPane::Steps => RunPane::Journal,
                RunPane::Journal => RunPane::Step,
            };
        }
        Action::Toggle => {
            let item = run.item;
            toggle(state, item);
        }
        Action::Pick(n) => {
            let index = usize::from(n).saturating_sub(1);
            match run.operator_command() {
                Some(Command::ShowManual { .. }) => toggle(state, index),
                Some(Command::AskDecision { options, .. }) if index < options.len() => {
                    run.item = index;
                }
                _ => {}
            }
        }
        Action::Note => match run.operator_command() {
            Some(Command::ShowManual { note: true, .. }) => {
                run.input = Some(RunInput::Note);
                state.mode = Mode::Input;
            }
            Some(Command::ShowManual { .. }) => {
                run.message = Some("this step takes no note".to_string());
            }
            _ => {}
        },
        Action::Open => return submit(state),
        _ => {}
    }
    Vec::new()
}

/// Movement keys act on the pane that has the focus.
fn step_pane_moves(state: &mut State, action: Action) -> bool {
    let page = usize::from(state.height.saturating_sub(4)).max(1);
    let run = &mut state.run;
    let Some(snapshot) = &run.snapshot else {
        return false;
    };
    match run.pane {
        RunPane::Steps => run.steps.step(action, snapshot.steps.len(), page),
        RunPane::Journal => {
            let last = snapshot.journal.len().saturating_sub(1);
            run.journal_back = match action {
                Action::Up => run.journal_back + 1,
                Action::PageUp => run.journal_back + 10,
                Action::Down => run.journal_back.saturating_sub(1),
                Action::PageDown => run.journal_back.saturating_sub(10),
                Action::Top => last,
                Action::Bottom => 0,
                _ => return false,
            }
            .min(last);
            true
        }
        RunPane::Step => {
            let items = match &snapshot.waiting {
                Some(Command::ShowManual { checklist, .. }) => checklist.len(),
                Some(Command::AskDecision { options, .. }) => options.len(),
                _ => 0,
            };
            match action {
                Action::Up => run.item = run.item.saturating_sub(1),
                Action::Down => run.item = (run.item + 1).min(items.saturating_sub(1)),
                Action::PageUp => {
                    run.instructions_scroll = run.instructions_scroll.saturating_sub(5);
                }
                Action::PageDown => {
                    run.instructions_scroll = run.instructions_scroll.saturating_add(5);
                }
                Action::Top => run.instructions_scroll = 0,
                _ => return false,
            }
            true
        }
    }
}

fn toggle(state: &mut State, index: usize) {
    let run = &mut state.run;
    if !matches!(run.operator_command(), Some(Command::ShowManual { .. })) {
        return;
    }
    if let Some(tick) = run.answer.ticked.get_mut(index) {
        *tick = !*tick;
        run.item = index;
    }
}

/// Enter: completes the manual step, makes the decision, or opens the confirmation field.
fn submit(state: &mut State) -> Vec<Effect> {
    let read_only = state.read_only;
    let at = state.now;
    let run = &mut state.run;
    let interrupted = run
        .snapshot
        .as_ref()
        .is_some_and(|s| !s.busy && s.interrupted_write.is_some());
    if interrupted && !run.busy {
        if read_only {
            run.message = Some(WRITES_NEED_ALLOW_WRITE.to_string());
        } else {
            run.answer.typed.clear();
            run.input = Some(RunInput::Resend);
            state.mode = Mode::Input;
        }
        return Vec::new();
    }
    let Some(command) = run.operator_command().cloned() else {
        if run.busy {
            run.message = Some("the worker is still on it; wait for its answer".to_string());
        }
        return Vec::new();
    };
    match command {
        Command::ShowManual {
            step, checklist, ..
        } => {
            let ticked = run.answer.ticked.clone();
            let done = ticked.iter().filter(|t| **t).count();
            if ticked.len() != checklist.len() || done < checklist.len() {
                run.message = Some(format!(
                    "tick every item first ({done} of {} are): Space or its number",
                    checklist.len()
                ));
                return Vec::new();
            }
            let note = Some(run.answer.note.trim().to_string()).filter(|n| !n.is_empty());
            send(
                state,
                Event::ManualDone {
                    step,
                    at,
                    ticked,
                    note,
                },
            )
        }
        Command::AskDecision { step, options, .. } => {
            if run.item >= options.len() {
                return Vec::new();
            }
            let option = run.item;
            send(state, Event::Decided { step, at, option })
        }
        Command::AskConfirmation { .. } if read_only => {
            run.message = Some(WRITES_NEED_ALLOW_WRITE.to_string());
            Vec::new()
        }
        Command::AskConfirmation { .. } => {
            run.answer.typed.clear();
            run.input = Some(RunInput::Confirm);
            state.mode = Mode::Input;
            Vec::new()
        }
        Command::NeedsWriteAccess { .. } => {
            run.message = Some(WRITES_NEED_ALLOW_WRITE.to_string());
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// A key typed into the note or the confirmation.
pub fn input(state: &mut State, key: PromptKey) -> Vec<Effect> {
    let run = &mut state.run;
    let Some(input) = run.input else {
        state.mode = Mode::Normal;
        return Vec::new();
    };
    let text = match input {
        RunInput::Note => &mut run.answer.note,
        RunInput::Confirm | RunInput::Resend => &mut run.answer.typed,
    };
    match key {
        PromptKey::Char(c) => text.push(c),
        PromptKey::Backspace => {
            text.pop();
        }
        PromptKey::Next | PromptKey::Previous | PromptKey::Left | PromptKey::Right => {}
        PromptKey::Cancel => {
            if input != RunInput::Note {
                text.clear();
            }
            run.input = None;
            state.mode = Mode::Normal;
        }
        PromptKey::Submit => match input {
            RunInput::Note => {
                run.input = None;
                state.mode = Mode::Normal;
            }
            RunInput::Confirm => return confirm(state),
            RunInput::Resend => return resend(state),
        },
    }
    Vec::new()
}

/// Sends the confirmation only when it is exactly the expected text, and never in READ-ONLY.
fn confirm(state: &mut State) -> Vec<Effect> {
    let at = state.now;
    let run = &mut state.run;
    let Some(Command::AskConfirmation { step, expected, .. }) = run.operator_command().cloned()
    else {
        run.input = None;
        state.mode = Mode::Normal;
        return Vec::new();
    };
    if state.read_only {
        run.message = Some(WRITES_NEED_ALLOW_WRITE.to_string());
        run.input = None;
        state.mode = Mode::Normal;
        return Vec::new();
    }
    if run.answer.typed != expected {
        run.message = Some(format!(
            "that does not match: type `{expected}` exactly to approve (Esc to leave it)"
        ));
        run.answer.typed.clear();
        return Vec::new();
    }
    let typed = std::mem::take(&mut run.answer.typed);
    run.input = None;
    state.mode = Mode::Normal;
    send(state, Event::Confirmed { step, at, typed })
}

fn resend(state: &mut State) -> Vec<Effect> {
    let run = &mut state.run;
    let typed = std::mem::take(&mut run.answer.typed);
    if typed != "resend" {
        run.message = Some("type `resend` to send the write again (Esc to leave it)".to_string());
        return Vec::new();
    }
    run.input = None;
    state.mode = Mode::Normal;
    if state.read_only {
        run.message = Some(WRITES_NEED_ALLOW_WRITE.to_string());
        return Vec::new();
    }
    let Some(run_id) = run.run_id().map(str::to_string) else {
        return Vec::new();
    };
    run.busy = true;
    vec![Effect::Runbook(RunbookRequest::Resend { run_id })]
}

/// `:abort REASON`: ends the open run for good, journaled.
pub fn abort(state: &mut State, reason: &str) -> Result<Vec<Effect>, String> {
    let open = state
        .run
        .snapshot
        .as_ref()
        .filter(|s| s.status.is_none())
        .is_some();
    if !open {
        return Err("no run in progress to abort: open one from :incidents".to_string());
    }
    if reason.trim().is_empty() {
        return Err("usage: :abort REASON (the reason is journaled)".to_string());
    }
    let at = state.now;
    Ok(send(
        state,
        Event::Abort {
            at,
            reason: reason.trim().to_string(),
        },
    ))
}

fn send(state: &mut State, event: Event) -> Vec<Effect> {
    let run = &mut state.run;
    let Some(run_id) = run.run_id().map(str::to_string) else {
        return Vec::new();
    };
    run.busy = true;
    run.message = None;
    vec![Effect::Runbook(RunbookRequest::Answer { run_id, event })]
}

/// Which answer a snapshot asks for: the run, the step and the kind of command.
fn answer_key(snapshot: &RunSnapshot) -> String {
    let kind = match &snapshot.waiting {
        Some(Command::ShowManual { .. }) => "manual",
        Some(Command::AskDecision { .. }) => "decision",
        Some(Command::AskConfirmation { .. }) => "confirm",
        Some(Command::NeedsWriteAccess { .. }) => "write-access",
        Some(_) => "automatic",
        None => "none",
    };
    let step = snapshot
        .waiting
        .as_ref()
        .and_then(step_of)
        .unwrap_or_default();
    let interrupted = snapshot.interrupted_write.as_deref().unwrap_or_default();
    format!("{}/{step}/{kind}/{interrupted}", snapshot.run_id)
}

fn keep_visible(state: &mut State) {
    let page = usize::from(state.height.saturating_sub(4)).max(1);
    let n = state.run.snapshot.as_ref().map_or(0, |s| s.steps.len());
    state.run.steps.keep_visible(n, page);
}
