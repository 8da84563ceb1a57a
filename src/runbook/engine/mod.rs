//! The runbook engine: a pure state machine (no I/O, no clock reads, no async).
//!
//! [`Engine::new`] starts a run and [`Engine::handle`] turns each [`Event`] (what happened, with its
//! time) into the [`Command`]s the driver must carry out. Every state change is an [`Entry`] that is
//! returned as [`Command::Journal`] *before* the command that moves on, and the state is a fold of
//! those entries: [`Engine::replay`] rebuilds it from a journal and returns the commands that
//! continue the run (re-issuing the pending step's command without re-journaling anything).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::spec::{Decision, ParamValue, Runbook, Step, StepBody};

mod drive;
mod resolve;
#[cfg(test)]
mod tests;
mod transitions;
mod types;

pub use resolve::{action_name, assertion_name, check_params, preview, query_name};
pub use types::{
    Command, EngineError, Entry, EntryKind, Event, Mode, Outcome, RunStatus, StepError, StepRecord,
};

// Only the tests use these through `super::*`.
#[cfg(test)]
use super::refs::ValueRef;
#[cfg(test)]
use chrono::SecondsFormat;

#[derive(Debug, Clone, PartialEq)]
enum Then {
    Start(usize),
    End,
    Stop { step: String, reason: String },
}

#[derive(Debug, Clone, PartialEq)]
struct Active {
    step: usize,
    confirmed: bool,
    failures: u32,
    last_error: Option<StepError>,
    resolved: Option<(Outcome, BTreeMap<String, String>)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// A step finished (or the run started); `api_call` is still to be journaled.
    Between {
        then: Then,
        api_call: Option<(String, Option<String>, Option<String>)>,
    },
    Active(Active),
    Finished(RunStatus),
}

/// The pure runbook state machine.
#[derive(Debug, Clone)]
pub struct Engine {
    runbook: Runbook,
    params: BTreeMap<String, ParamValue>,
    mode: Mode,
    records: BTreeMap<String, StepRecord>,
    phase: Phase,
}

impl Engine {
    /// Starts a run: checks the parameters against their types, fills defaults, journals
    /// `RunStarted` and returns the commands for the first step.
    pub fn new(
        runbook: Runbook,
        params: BTreeMap<String, String>,
        started_at: DateTime<Utc>,
        mode: Mode,
    ) -> Result<(Engine, Vec<Command>), EngineError> {
        let (typed, normalised) = check_params(&runbook, &params)?;
        let kind = EntryKind::RunStarted {
            runbook: runbook.meta.id.clone(),
            version: runbook.meta.version,
            params: normalised,
            mode,
        };
        let mut engine = Engine::blank(runbook, typed, mode);
        let mut commands = Vec::new();
        engine.record(started_at, kind, &mut commands);
        engine.drive(started_at, &mut commands);
        Ok((engine, commands))
    }

    /// Rebuilds a run from its journal and returns the commands that continue it.
    pub fn replay(
        runbook: Runbook,
        entries: &[Entry],
    ) -> Result<(Engine, Vec<Command>), EngineError> {
        let Some((first, rest)) = entries.split_first() else {
            return Err(EngineError::Journal("the journal is empty".to_string()));
        };
        let EntryKind::RunStarted {
            runbook: id,
            params,
            mode,
            ..
        } = &first.kind
        else {
            return Err(EngineError::Journal(
                "the journal does not start with RunStarted".to_string(),
            ));
        };
        if *id != runbook.meta.id {
            return Err(EngineError::Journal(format!(
                "the journal is for runbook `{id}`, not `{}`",
                runbook.meta.id
            )));
        }
        let (typed, _) = check_params(&runbook, params)?;
        let mut engine = Engine::blank(runbook, typed, *mode);
        engine.apply(first);
        for entry in rest {
            engine.check_entry(entry)?;
            engine.apply(entry);
        }
        let at = entries.last().map_or(first.at, |entry| entry.at);
        let mut commands = Vec::new();
        engine.drive(at, &mut commands);
        Ok((engine, commands))
    }

    /// Applies one event; stale or out-of-order events return no commands.
    pub fn handle(&mut self, event: Event) -> Vec<Command> {
        let mut commands = Vec::new();
        if let Event::Abort { at, reason } = event {
            if !matches!(self.phase, Phase::Finished(_)) {
                let status = RunStatus::Aborted { reason };
                self.record(at, EntryKind::RunFinished { status }, &mut commands);
                self.drive(at, &mut commands);
            }
            return commands;
        }
        let Phase::Active(active) = &self.phase else {
            return commands;
        };
        let active = active.clone();
        let Some(step) = self.runbook.steps.get(active.step).cloned() else {
            return commands;
        };
        if active.resolved.is_some() {
            return commands;
        }
        let at = match event {
            Event::QueryDone {
                step: id,
                at,
                result,
            } if id == step.id && matches!(step.body, StepBody::Query { .. }) => {
                self.step_result(&step, &active, at, result, &mut commands);
                at
            }
            Event::ActionDone {
                step: id,
                at,
                result,
            } if id == step.id
                && active.confirmed
                && !self.mode.dry_run
                && matches!(step.body, StepBody::Action { .. }) =>
            {
                self.step_result(&step, &active, at, result, &mut commands);
                at
            }
            Event::Confirmed {
                step: id,
                at,
                typed,
            } if id == step.id && !active.confirmed && !self.mode.dry_run => {
                let StepBody::Action { confirm, .. } = &step.body else {
                    return commands;
                };
                let expected = self.resolve_text(confirm);
                if typed != expected {
                    let preview = self.action_preview(&step).unwrap_or_default();
                    commands.push(Command::AskConfirmation {
                        step: step.id.clone(),
                        preview,
                        expected: expected.clone(),
                        message: Some(format!(
                            "the text typed does not match; type `{expected}` exactly to approve"
                        )),
                    });
                    return commands;
                }
                self.record(
                    at,
                    EntryKind::Confirmed {
                        step: step.id.clone(),
                    },
                    &mut commands,
                );
                at
            }
            Event::CheckDone {
                step: id,
                at,
                passed,
                detail,
            } if id == step.id && matches!(step.body, StepBody::Check { .. }) => {
                let kind = EntryKind::CheckResult {
                    step: step.id.clone(),
                    passed,
                    detail,
                };
                self.record(at, kind, &mut commands);
                at
            }
            Event::ManualDone {
                step: id,
                at,
                ticked,
                note,
            } if id == step.id => {
                let StepBody::Manual {
                    instructions,
                    checklist,
                    note: allows_note,
                } = &step.body
                else {
                    return commands;
                };
                if ticked.len() != checklist.len() || ticked.iter().any(|tick| !tick) {
                    let done = ticked.iter().filter(|tick| **tick).count();
                    commands.push(Command::ShowManual {
                        step: step.id.clone(),
                        instructions: self.resolve_text(instructions),
                        checklist: checklist
                            .iter()
                            .map(|item| self.resolve_text(item))
                            .collect(),
                        note: *allows_note,
                        message: Some(format!(
                            "every checklist item must be ticked ({done} of {} are)",
                            checklist.len()
                        )),
                    });
                    return commands;
                }
                match note.filter(|text| !text.trim().is_empty()) {
                    Some(text) => {
                        let kind = EntryKind::Note {
                            step: step.id.clone(),
                            text,
                        };
                        self.record(at, kind, &mut commands);
                    }
                    None => {
                        let kind = EntryKind::StepOutcome {
                            step: step.id.clone(),
                            outcome: Outcome::Succeeded,
                            outputs: BTreeMap::new(),
                        };
                        self.record(at, kind, &mut commands);
                    }
                }
                at
            }
            Event::Decided {
                step: id,
                at,
                option,
            } if id == step.id => {
                let StepBody::Decision(Decision::Question { question, options }) = &step.body
                else {
                    return commands;
                };
                let Some(chosen) = options.get(option) else {
                    commands.push(Command::AskDecision {
                        step: step.id.clone(),
                        question: self.resolve_text(question),
                        options: options
                            .iter()
                            .map(|o| self.resolve_text(&o.label))
                            .collect(),
                        message: Some(format!("there is no option {option}")),
                    });
                    return commands;
                };
                let kind = EntryKind::Decision {
                    step: step.id.clone(),
                    choice: chosen.label.clone(),
                    goto: chosen.goto.clone(),
                };
                self.record(at, kind, &mut commands);
                at
            }
            _ => return commands,
        };
        self.drive(at, &mut commands);
        commands
    }

    /// Journals who carries the run on from here; changes nothing else.
    pub fn operator(&mut self, at: DateTime<Utc>, name: String, via: String) -> Vec<Command> {
        let mut commands = Vec::new();
        self.record(at, EntryKind::Operator { name, via }, &mut commands);
        commands
    }

    /// Allows writes from here on (a resume with `--allow-write`), journaled; a run waiting on
    /// [`Command::NeedsWriteAccess`] moves on to the typed confirmation.
    pub fn allow_writes(&mut self, at: DateTime<Utc>) -> Vec<Command> {
        let mut commands = Vec::new();
        if self.mode.allow_write || self.mode.dry_run || matches!(self.phase, Phase::Finished(_)) {
            return commands;
        }
        self.record(at, EntryKind::WritesAllowed, &mut commands);
        self.drive(at, &mut commands);
        commands
    }

    /// Every step's record so far, by step id.
    pub fn records(&self) -> &BTreeMap<String, StepRecord> {
        &self.records
    }

    pub fn runbook(&self) -> &Runbook {
        &self.runbook
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// What is known about a step of this run (started, finished, outputs...).
    pub fn record_of(&self, step: &str) -> Option<&StepRecord> {
        self.records.get(step)
    }

    /// The step waiting for an event, if any.
    pub fn current_step(&self) -> Option<&Step> {
        match &self.phase {
            Phase::Active(active) => self.runbook.steps.get(active.step),
            _ => None,
        }
    }

    /// The final status once the run is over.
    pub fn status(&self) -> Option<&RunStatus> {
        match &self.phase {
            Phase::Finished(status) => Some(status),
            _ => None,
        }
    }

    fn blank(runbook: Runbook, params: BTreeMap<String, ParamValue>, mode: Mode) -> Self {
        let then = if runbook.steps.is_empty() {
            Then::End
        } else {
            Then::Start(0)
        };
        Engine {
            runbook,
            params,
            mode,
            records: BTreeMap::new(),
            phase: Phase::Between {
                then,
                api_call: None,
            },
        }
    }

    fn step_result(
        &mut self,
        step: &Step,
        active: &Active,
        at: DateTime<Utc>,
        result: Result<BTreeMap<String, String>, StepError>,
        commands: &mut Vec<Command>,
    ) {
        let kind = match result {
            Ok(outputs) => EntryKind::StepOutcome {
                step: step.id.clone(),
                outcome: Outcome::Succeeded,
                outputs,
            },
            Err(error) => EntryKind::AttemptFailed {
                step: step.id.clone(),
                attempt: active.failures + 1,
                transient: error.transient,
                message: error.message,
            },
        };
        self.record(at, kind, commands);
    }

    /// Journals an entry and applies it to the state.
    fn record(&mut self, at: DateTime<Utc>, kind: EntryKind, commands: &mut Vec<Command>) {
        let entry = Entry { at, kind };
        self.apply(&entry);
        commands.push(Command::Journal(entry));
    }
}
