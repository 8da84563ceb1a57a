//! The runbook engine: a pure state machine (no I/O, no clock reads, no async).
//!
//! [`Engine::new`] starts a run and [`Engine::handle`] turns each [`Event`] (what happened, with its
//! time) into the [`Command`]s the driver must carry out. Every state change is an [`Entry`] that is
//! returned as [`Command::Journal`] *before* the command that moves on, and the state is a fold of
//! those entries: [`Engine::replay`] rebuilds it from a journal and returns the commands that
//! continue the run (re-issuing the pending step's command without re-journaling anything).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::refs::{ValueRef, templates};
use super::spec::{
    ActionKind, ArgValue, Args, Assertion, Decision, END, OnFailure, ParamValue, QueryKind,
    Runbook, Step, StepBody,
};
use super::values::check_value;

#[cfg(test)]
mod tests;

/// How writes are treated for this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mode {
    /// Show every call that would be made and make none.
    pub dry_run: bool,
    /// Action steps may run (after a typed confirmation).
    pub allow_write: bool,
}

/// One durable journal record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntryKind {
    /// Parameters are stored normalised (defaults filled, lists comma-joined).
    RunStarted {
        runbook: String,
        version: u32,
        params: BTreeMap<String, String>,
        mode: Mode,
    },
    StepStarted {
        step: String,
    },
    /// A failed attempt of a query or action; followed by a retry or by the step's outcome.
    AttemptFailed {
        step: String,
        attempt: u32,
        transient: bool,
        message: String,
    },
    /// The operator typed the expected confirmation for an action step.
    Confirmed {
        step: String,
    },
    StepOutcome {
        step: String,
        outcome: Outcome,
        outputs: BTreeMap<String, String>,
    },
    Decision {
        step: String,
        choice: String,
        goto: String,
    },
    Note {
        step: String,
        text: String,
    },
    CheckResult {
        step: String,
        passed: bool,
        detail: String,
    },
    ApiCall {
        step: String,
        request_id: Option<String>,
        event_id: Option<String>,
    },
    RunFinished {
        status: RunStatus,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    Failed { message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RunStatus {
    Completed,
    Stopped { step: String, reason: String },
    Aborted { reason: String },
}

/// What the driver must do, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Write durably before carrying out any later command.
    Journal(Entry),
    RunQuery {
        step: String,
        /// The query's runbook name, e.g. `describe_secret`.
        query: String,
        args: BTreeMap<String, String>,
    },
    /// Only after a typed confirmation; never in dry run.
    RunAction {
        step: String,
        /// The action's runbook name, e.g. `rotate_now`.
        action: String,
        args: BTreeMap<String, String>,
        preview: String,
    },
    AskConfirmation {
        step: String,
        preview: String,
        expected: String,
        /// Why the operator is asked again, after a mismatch.
        message: Option<String>,
    },
    EvaluateCheck {
        step: String,
        /// The assertion's runbook name, e.g. `replicas_in_sync`.
        assertion: String,
        args: BTreeMap<String, String>,
    },
    ShowManual {
        step: String,
        instructions: String,
        checklist: Vec<String>,
        note: bool,
        message: Option<String>,
    },
    AskDecision {
        step: String,
        question: String,
        options: Vec<String>,
        message: Option<String>,
    },
    Finished {
        status: RunStatus,
    },
}

/// What happened; each event carries its own time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    QueryDone {
        step: String,
        at: DateTime<Utc>,
        result: Result<BTreeMap<String, String>, StepError>,
    },
    ActionDone {
        step: String,
        at: DateTime<Utc>,
        result: Result<BTreeMap<String, String>, StepError>,
    },
    Confirmed {
        step: String,
        at: DateTime<Utc>,
        typed: String,
    },
    CheckDone {
        step: String,
        at: DateTime<Utc>,
        passed: bool,
        detail: String,
    },
    ManualDone {
        step: String,
        at: DateTime<Utc>,
        ticked: Vec<bool>,
        note: Option<String>,
    },
    Decided {
        step: String,
        at: DateTime<Utc>,
        option: usize,
    },
    Abort {
        at: DateTime<Utc>,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepError {
    /// Throttling or a timeout: worth another attempt.
    pub transient: bool,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    UnknownParam(String),
    MissingParam(String),
    InvalidParam {
        name: String,
        message: String,
    },
    /// The journal does not describe a run of this runbook.
    Journal(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownParam(name) => write!(f, "unknown parameter `{name}`"),
            Self::MissingParam(name) => write!(f, "missing required parameter `{name}`"),
            Self::InvalidParam { name, message } => write!(f, "parameter `{name}`: {message}"),
            Self::Journal(message) => write!(f, "journal: {message}"),
        }
    }
}

impl std::error::Error for EngineError {}

/// What the engine knows about one step of this run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepRecord {
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub outputs: BTreeMap<String, String>,
    /// A check step's last result.
    pub passed: Option<bool>,
    /// A decision step's chosen target.
    pub goto: Option<String>,
}

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

    /// Rejects journal entries that name steps this runbook does not have.
    fn check_entry(&self, entry: &Entry) -> Result<(), EngineError> {
        let step = match &entry.kind {
            EntryKind::RunStarted { .. } => {
                return Err(EngineError::Journal("RunStarted appears twice".to_string()));
            }
            EntryKind::RunFinished { .. } => return Ok(()),
            EntryKind::StepStarted { step }
            | EntryKind::AttemptFailed { step, .. }
            | EntryKind::Confirmed { step }
            | EntryKind::StepOutcome { step, .. }
            | EntryKind::Decision { step, .. }
            | EntryKind::Note { step, .. }
            | EntryKind::CheckResult { step, .. }
            | EntryKind::ApiCall { step, .. } => step,
        };
        match self.runbook.step(step) {
            Some(_) => Ok(()),
            None => Err(EngineError::Journal(format!(
                "the journal names step `{step}`, which this runbook does not have"
            ))),
        }
    }

    /// The state transition of one entry; the only place the run's state changes.
    fn apply(&mut self, entry: &Entry) {
        let at = entry.at;
        match &entry.kind {
            EntryKind::RunStarted { .. } => {}
            EntryKind::StepStarted { step } => {
                if let Some(index) = self.index_of(step) {
                    self.records.insert(
                        step.clone(),
                        StepRecord {
                            started_at: Some(at),
                            ..StepRecord::default()
                        },
                    );
                    self.phase = Phase::Active(Active {
                        step: index,
                        confirmed: false,
                        failures: 0,
                        last_error: None,
                        resolved: None,
                    });
                }
            }
            EntryKind::AttemptFailed {
                step,
                attempt,
                transient,
                message,
            } => {
                if let Some(active) = self.active_on(step) {
                    active.failures = *attempt;
                    active.last_error = Some(StepError {
                        transient: *transient,
                        message: message.clone(),
                    });
                }
            }
            EntryKind::Confirmed { step } => {
                if let Some(active) = self.active_on(step) {
                    active.confirmed = true;
                }
            }
            EntryKind::Note { step, text } => {
                let dry_run = self.mode.dry_run;
                let kind = self.runbook.step(step).map(|s| s.body.kind());
                if let Some(active) = self.active_on(step) {
                    match kind {
                        Some(super::spec::StepKind::Manual) => {
                            let outputs = BTreeMap::from([("note".to_string(), text.clone())]);
                            active.resolved = Some((Outcome::Succeeded, outputs));
                        }
                        Some(super::spec::StepKind::Action) if dry_run => {
                            active.resolved = Some((Outcome::Succeeded, BTreeMap::new()));
                        }
                        _ => {}
                    }
                }
            }
            EntryKind::CheckResult {
                step,
                passed,
                detail,
            } => {
                let failure = match self.runbook.step(step).map(|s| &s.body) {
                    Some(StepBody::Check { on_fail, .. }) => {
                        let on_fail = self.resolve_text(on_fail);
                        if detail.trim().is_empty() {
                            on_fail.trim().to_string()
                        } else {
                            format!("{}\n\n{}", detail.trim(), on_fail.trim())
                        }
                    }
                    _ => detail.clone(),
                };
                if let Some(record) = self.records.get_mut(step) {
                    record.passed = Some(*passed);
                }
                let outputs = BTreeMap::from([
                    ("passed".to_string(), passed.to_string()),
                    ("detail".to_string(), detail.clone()),
                ]);
                if let Some(active) = self.active_on(step) {
                    let outcome = if *passed {
                        Outcome::Succeeded
                    } else {
                        Outcome::Failed { message: failure }
                    };
                    active.resolved = Some((outcome, outputs));
                }
            }
            EntryKind::Decision { step, choice, goto } => {
                if let Some(record) = self.records.get_mut(step) {
                    record.goto = Some(goto.clone());
                }
                let outputs = BTreeMap::from([("choice".to_string(), choice.clone())]);
                if let Some(active) = self.active_on(step) {
                    active.resolved = Some((Outcome::Succeeded, outputs));
                }
            }
            EntryKind::StepOutcome {
                step,
                outcome,
                outputs,
            } => self.apply_outcome(at, step, outcome, outputs),
            EntryKind::ApiCall { .. } => {
                if let Phase::Between { api_call, .. } = &mut self.phase {
                    *api_call = None;
                }
            }
            EntryKind::RunFinished { status } => self.phase = Phase::Finished(status.clone()),
        }
    }

    fn apply_outcome(
        &mut self,
        at: DateTime<Utc>,
        step_id: &str,
        outcome: &Outcome,
        outputs: &BTreeMap<String, String>,
    ) {
        let Some(index) = self.index_of(step_id) else {
            return;
        };
        let Some(step) = self.runbook.steps.get(index).cloned() else {
            return;
        };
        let record = self.records.entry(step_id.to_string()).or_default();
        record.finished_at = Some(at);
        record.outcome = Some(outcome.clone());
        record.outputs = outputs.clone();
        let goto = record.goto.clone();
        let next = |target: &str| -> Then {
            if target == END {
                Then::End
            } else {
                self.index_of(target).map_or(Then::End, Then::Start)
            }
        };
        let following = if index + 1 < self.runbook.steps.len() {
            Then::Start(index + 1)
        } else {
            Then::End
        };
        let then = match outcome {
            Outcome::Succeeded => match (&step.body, goto) {
                (StepBody::Decision(_), Some(target)) => next(&target),
                _ => following,
            },
            Outcome::Failed { message } => match &step.on_failure {
                OnFailure::Stop => Then::Stop {
                    step: step_id.to_string(),
                    reason: message.clone(),
                },
                OnFailure::Continue => following,
                OnFailure::Goto(target) => next(target),
            },
        };
        let is_call = matches!(step.body, StepBody::Query { .. } | StepBody::Action { .. });
        let request_id = outputs.get("request_id").cloned();
        let event_id = outputs.get("event_id").cloned();
        let api_call = (matches!(outcome, Outcome::Succeeded)
            && is_call
            && (request_id.is_some() || event_id.is_some()))
        .then(|| (step_id.to_string(), request_id, event_id));
        self.phase = Phase::Between { then, api_call };
    }

    fn index_of(&self, step: &str) -> Option<usize> {
        self.runbook.steps.iter().position(|s| s.id == step)
    }

    fn active_on(&mut self, step: &str) -> Option<&mut Active> {
        let index = self.index_of(step)?;
        match &mut self.phase {
            Phase::Active(active) if active.step == index => Some(active),
            _ => None,
        }
    }

    /// Moves on from the current state until the run waits for an event or finishes: journals
    /// what follows from the state, then emits the command the run is waiting on.
    fn drive(&mut self, at: DateTime<Utc>, commands: &mut Vec<Command>) {
        // Each pass journals one entry; a runbook that cycles without waiting is stopped.
        let limit = 16 + self.runbook.steps.len() * 8;
        for _ in 0..limit {
            match self.phase.clone() {
                Phase::Finished(status) => {
                    commands.push(Command::Finished { status });
                    return;
                }
                Phase::Between {
                    api_call: Some((step, request_id, event_id)),
                    ..
                } => {
                    let kind = EntryKind::ApiCall {
                        step,
                        request_id,
                        event_id,
                    };
                    self.record(at, kind, commands);
                }
                Phase::Between { then, .. } => {
                    let kind = match then {
                        Then::Start(index) => match self.runbook.steps.get(index) {
                            Some(step) => EntryKind::StepStarted {
                                step: step.id.clone(),
                            },
                            None => EntryKind::RunFinished {
                                status: RunStatus::Completed,
                            },
                        },
                        Then::End => EntryKind::RunFinished {
                            status: RunStatus::Completed,
                        },
                        Then::Stop { step, reason } => EntryKind::RunFinished {
                            status: RunStatus::Stopped { step, reason },
                        },
                    };
                    self.record(at, kind, commands);
                }
                Phase::Active(active) => {
                    let Some(step) = self.runbook.steps.get(active.step).cloned() else {
                        return;
                    };
                    match self.step_next(&step, active) {
                        Next::Journal(kind) => self.record(at, kind, commands),
                        Next::Wait(command) => {
                            commands.push(command);
                            return;
                        }
                    }
                }
            }
        }
        let step = self
            .current_step()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let status = RunStatus::Stopped {
            step,
            reason: "the runbook loops without waiting for anything".to_string(),
        };
        self.record(
            at,
            EntryKind::RunFinished {
                status: status.clone(),
            },
            commands,
        );
        commands.push(Command::Finished { status });
    }

    /// What the active step needs next: an entry that follows from the state, or a command to wait on.
    fn step_next(&self, step: &Step, active: Active) -> Next {
        let fail = |message: String| {
            Next::Journal(EntryKind::StepOutcome {
                step: step.id.clone(),
                outcome: Outcome::Failed { message },
                outputs: BTreeMap::new(),
            })
        };
        if let Some((outcome, outputs)) = active.resolved {
            return Next::Journal(EntryKind::StepOutcome {
                step: step.id.clone(),
                outcome,
                outputs,
            });
        }
        if let Some(error) = &active.last_error
            && (!error.transient || active.failures > step.retries)
        {
            let message = if error.transient {
                format!(
                    "{} (gave up after {} attempts)",
                    error.message, active.failures
                )
            } else {
                error.message.clone()
            };
            return fail(message);
        }
        match &step.body {
            StepBody::Manual {
                instructions,
                checklist,
                note,
            } => Next::Wait(Command::ShowManual {
                step: step.id.clone(),
                instructions: self.resolve_text(instructions),
                checklist: checklist
                    .iter()
                    .map(|item| self.resolve_text(item))
                    .collect(),
                note: *note,
                message: None,
            }),
            StepBody::Query { query, args, .. } => match self.resolve_args(args, false) {
                Ok(args) => Next::Wait(Command::RunQuery {
                    step: step.id.clone(),
                    query: query_name(*query).to_string(),
                    args,
                }),
                Err(message) => fail(message),
            },
            StepBody::Action {
                action,
                args,
                confirm,
            } => {
                if !self.mode.dry_run && !self.mode.allow_write {
                    return Next::Journal(EntryKind::RunFinished {
                        status: RunStatus::Stopped {
                            step: step.id.clone(),
                            reason: "writes need --allow-write".to_string(),
                        },
                    });
                }
                // A dry run has no outputs from earlier writes: show those references as written.
                let args = match self.resolve_args(args, self.mode.dry_run) {
                    Ok(args) => args,
                    Err(message) => return fail(message),
                };
                let preview = preview(*action, &args);
                if self.mode.dry_run {
                    return Next::Journal(EntryKind::Note {
                        step: step.id.clone(),
                        text: format!("dry run: would call {preview}"),
                    });
                }
                if active.confirmed {
                    Next::Wait(Command::RunAction {
                        step: step.id.clone(),
                        action: action_name(*action).to_string(),
                        args,
                        preview,
                    })
                } else {
                    Next::Wait(Command::AskConfirmation {
                        step: step.id.clone(),
                        preview,
                        expected: self.resolve_text(confirm),
                        message: None,
                    })
                }
            }
            StepBody::Check { assert, .. } => match self.check_args(assert) {
                Ok(args) => Next::Wait(Command::EvaluateCheck {
                    step: step.id.clone(),
                    assertion: assertion_name(assert).to_string(),
                    args,
                }),
                Err(message) => fail(message),
            },
            StepBody::Decision(Decision::Question { question, options }) => {
                Next::Wait(Command::AskDecision {
                    step: step.id.clone(),
                    question: self.resolve_text(question),
                    options: options
                        .iter()
                        .map(|o| self.resolve_text(&o.label))
                        .collect(),
                    message: None,
                })
            }
            StepBody::Decision(Decision::OnCheck {
                check,
                if_true,
                if_false,
            }) => match self.records.get(check).and_then(|record| record.passed) {
                Some(passed) => Next::Journal(EntryKind::Decision {
                    step: step.id.clone(),
                    choice: if passed { "passed" } else { "failed" }.to_string(),
                    goto: if passed { if_true } else { if_false }.clone(),
                }),
                None => fail(format!("check `{check}` has no outcome to branch on")),
            },
        }
    }

    /// The value of a reference, if it is known at this point of the run.
    pub fn value_of(&self, value: &ValueRef) -> Option<String> {
        let time = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
        match value {
            ValueRef::Param(name) => self.params.get(name).map(|value| match value {
                ParamValue::One(one) => one.clone(),
                ParamValue::Many(many) => many.join(","),
            }),
            ValueRef::StepOutput { step, output } => self
                .records
                .get(step)
                .and_then(|record| record.outputs.get(output).cloned()),
            ValueRef::StepStartedAt(step) => self
                .records
                .get(step)
                .and_then(|record| record.started_at.map(time)),
            ValueRef::StepFinishedAt(step) => self
                .records
                .get(step)
                .and_then(|record| record.finished_at.map(time)),
        }
    }

    /// Substitutes every `{{...}}` template; an unknown one is an error naming it.
    fn resolve(&self, text: &str) -> Result<String, String> {
        let mut resolved = text.to_string();
        let mut missing = Vec::new();
        for template in templates(text) {
            match template {
                Ok(template) => match self.value_of(&template.value) {
                    Some(value) => resolved = resolved.replacen(&template.source, &value, 1),
                    None => missing.push(template.source),
                },
                Err((source, _)) => missing.push(source),
            }
        }
        if missing.is_empty() {
            Ok(resolved)
        } else {
            Err(format!("no value yet for {}", missing.join(", ")))
        }
    }

    /// Text for the operator: unknown templates are left as written.
    fn resolve_text(&self, text: &str) -> String {
        let mut resolved = text.to_string();
        for template in templates(text).into_iter().flatten() {
            if let Some(value) = self.value_of(&template.value) {
                resolved = resolved.replacen(&template.source, &value, 1);
            }
        }
        resolved
    }

    /// Arguments as strings; lists become JSON arrays of strings. `lenient` leaves unknown
    /// references as written instead of failing.
    fn resolve_args(&self, args: &Args, lenient: bool) -> Result<BTreeMap<String, String>, String> {
        let resolve = |text: &str| {
            if lenient {
                Ok(self.resolve_text(text))
            } else {
                self.resolve(text)
            }
        };
        let mut resolved = BTreeMap::new();
        for (key, value) in args {
            let text = match value {
                ArgValue::Text(text) => resolve(text)?,
                ArgValue::List(items) => {
                    let items = items
                        .iter()
                        .map(|item| resolve(item))
                        .collect::<Result<Vec<_>, _>>()?;
                    serde_json::to_string(&items).map_err(|error| error.to_string())?
                }
                ArgValue::Bool(flag) => flag.to_string(),
                ArgValue::Integer(number) => number.to_string(),
            };
            resolved.insert(key.clone(), text);
        }
        Ok(resolved)
    }

    /// The assertion's references by role, plus `secret_id` when the runbook has a `secret` param.
    fn check_args(&self, assertion: &Assertion) -> Result<BTreeMap<String, String>, String> {
        let named: Vec<(&str, &ValueRef)> = match assertion {
            Assertion::CurrentVersionChangedSince(since) => vec![("since", since)],
            Assertion::ReplicasInSync => Vec::new(),
            Assertion::ReplicatedTo(regions) => vec![("regions", regions)],
            Assertion::NoReadsBy { principal, since } => {
                vec![("principal", principal), ("since", since)]
            }
            Assertion::PolicyDeniesAllExcept(principal) => vec![("principal", principal)],
        };
        let mut args = BTreeMap::new();
        if let Some(secret) = self.value_of(&ValueRef::Param("secret".to_string())) {
            args.insert("secret_id".to_string(), secret);
        }
        for (name, value) in named {
            let resolved = self
                .value_of(value)
                .ok_or_else(|| format!("no value yet for {value}"))?;
            args.insert(name.to_string(), resolved);
        }
        Ok(args)
    }

    fn action_preview(&self, step: &Step) -> Option<String> {
        match &step.body {
            StepBody::Action { action, args, .. } => {
                Some(preview(*action, &self.resolve_args(args, false).ok()?))
            }
            _ => None,
        }
    }
}

enum Next {
    Journal(EntryKind),
    Wait(Command),
}

/// Checks the supplied parameters, fills defaults; returns typed and normalised (string) values.
#[allow(clippy::type_complexity)]
fn check_params(
    runbook: &Runbook,
    given: &BTreeMap<String, String>,
) -> Result<(BTreeMap<String, ParamValue>, BTreeMap<String, String>), EngineError> {
    if let Some(name) = given.keys().find(|name| runbook.param(name).is_none()) {
        return Err(EngineError::UnknownParam(name.clone()));
    }
    let mut typed = BTreeMap::new();
    let mut normalised = BTreeMap::new();
    for param in &runbook.params {
        let value = match (given.get(&param.name), &param.default) {
            (Some(text), _) if param.param_type.is_list() => ParamValue::Many(
                text.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            (Some(text), _) => ParamValue::One(text.trim().to_string()),
            (None, Some(default)) => default.clone(),
            (None, None) if param.required => {
                return Err(EngineError::MissingParam(param.name.clone()));
            }
            (None, None) => continue,
        };
        check_value(param.param_type, param.validation.as_ref(), &value).map_err(|message| {
            EngineError::InvalidParam {
                name: param.name.clone(),
                message,
            }
        })?;
        let text = match &value {
            ParamValue::One(one) => one.clone(),
            ParamValue::Many(many) => many.join(","),
        };
        normalised.insert(param.name.clone(), text);
        typed.insert(param.name.clone(), value);
    }
    Ok((typed, normalised))
}

/// The exact API call with its parameters, for the operator to read before approving.
pub fn preview(action: ActionKind, args: &BTreeMap<String, String>) -> String {
    let call = match action {
        ActionKind::RotateNow => "secretsmanager:RotateSecret",
        ActionKind::PutDenyAllPolicy => "secretsmanager:PutResourcePolicy (deny all except)",
        ActionKind::RestorePolicy => "secretsmanager:PutResourcePolicy (restore previous)",
        ActionKind::Tag => "secretsmanager:TagResource",
        ActionKind::CancelRotation => "secretsmanager:CancelRotateSecret",
        ActionKind::RestoreSecret => "secretsmanager:RestoreSecret",
        ActionKind::ReplicateToRegion => "secretsmanager:ReplicateSecretToRegions",
    };
    let params: Vec<String> = args
        .iter()
        .map(|(key, value)| format!("{key}={value:?}"))
        .collect();
    format!("{call}({})", params.join(", "))
}

pub fn query_name(query: QueryKind) -> &'static str {
    match query {
        QueryKind::DescribeSecret => "describe_secret",
        QueryKind::ResourcePolicy => "resource_policy",
        QueryKind::Versions => "versions",
        QueryKind::WhoRead => "who_read",
        QueryKind::ReplicaStatus => "replica_status",
    }
}

pub fn action_name(action: ActionKind) -> &'static str {
    match action {
        ActionKind::RotateNow => "rotate_now",
        ActionKind::PutDenyAllPolicy => "put_deny_all_policy",
        ActionKind::RestorePolicy => "restore_policy",
        ActionKind::Tag => "tag",
        ActionKind::CancelRotation => "cancel_rotation",
        ActionKind::RestoreSecret => "restore_secret",
        ActionKind::ReplicateToRegion => "replicate_to_region",
    }
}

pub fn assertion_name(assertion: &Assertion) -> &'static str {
    match assertion {
        Assertion::CurrentVersionChangedSince(_) => "current_version_changed_since",
        Assertion::ReplicasInSync => "replicas_in_sync",
        Assertion::ReplicatedTo(_) => "replicated_to",
        Assertion::NoReadsBy { .. } => "no_reads_by",
        Assertion::PolicyDeniesAllExcept(_) => "policy_denies_all_except",
    }
}
