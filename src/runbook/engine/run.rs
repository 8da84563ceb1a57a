//! Starting, replaying and moving a run: the engine's entry points, each journaling what happened.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::resolve::check_params;
use super::state::{Active, Engine, Phase};
use super::types::{
    Command, EngineError, Entry, EntryKind, Event, Mode, Outcome, RunStatus, StepError,
};
use crate::runbook::spec::{Decision, Runbook, Step, StepBody};

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
    pub(super) fn record(
        &mut self,
        at: DateTime<Utc>,
        kind: EntryKind,
        commands: &mut Vec<Command>,
    ) {
        let entry = Entry { at, kind };
        self.apply(&entry);
        commands.push(Command::Journal(entry));
    }
}
