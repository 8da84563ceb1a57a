//! How journal entries move the state: the fold that both a live run and a replay go through.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::state::{Active, Engine, Phase, Then};
use super::types::{EngineError, Entry, EntryKind, Outcome, StepError, StepRecord};
use crate::runbook::spec::{END, OnFailure, StepBody, StepKind};

impl Engine {
    /// Rejects journal entries that name steps this runbook does not have.
    pub(super) fn check_entry(&self, entry: &Entry) -> Result<(), EngineError> {
        let step = match &entry.kind {
            EntryKind::RunStarted { .. } => {
                return Err(EngineError::Journal("RunStarted appears twice".to_string()));
            }
            EntryKind::RunFinished { .. }
            | EntryKind::Operator { .. }
            | EntryKind::WritesAllowed => {
                return Ok(());
            }
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
    pub(super) fn apply(&mut self, entry: &Entry) {
        let at = entry.at;
        match &entry.kind {
            EntryKind::RunStarted { .. } | EntryKind::Operator { .. } => {}
            EntryKind::WritesAllowed => self.mode.allow_write = true,
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
                        Some(StepKind::Manual) => {
                            let outputs = BTreeMap::from([("note".to_string(), text.clone())]);
                            active.resolved = Some((Outcome::Succeeded, outputs));
                        }
                        Some(StepKind::Action | StepKind::Query | StepKind::Check) if dry_run => {
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

    pub(super) fn active_on(&mut self, step: &str) -> Option<&mut Active> {
        let index = self.index_of(step)?;
        match &mut self.phase {
            Phase::Active(active) if active.step == index => Some(active),
            _ => None,
        }
    }
}
