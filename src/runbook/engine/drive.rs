//! What follows from the state: the entries to journal and the command the run waits on.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::resolve::{action_name, assertion_name, preview, query_name};
use super::state::{Active, Engine, Phase, Then};
use super::types::{Command, EntryKind, Outcome, RunStatus};
use crate::runbook::spec::{Decision, Step, StepBody};

impl Engine {
    /// Moves on from the current state until the run waits for an event or finishes: journals
    /// what follows from the state, then emits the command the run is waiting on.
    pub(super) fn drive(&mut self, at: DateTime<Utc>, commands: &mut Vec<Command>) {
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
            StepBody::Query { query, args, .. } if self.mode.dry_run => {
                Next::Journal(EntryKind::Note {
                    step: step.id.clone(),
                    text: format!(
                        "dry run: would query {}({})",
                        query_name(*query),
                        listed(&self.resolve_args(args, true).unwrap_or_default())
                    ),
                })
            }
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
                // A dry run has no outputs from earlier writes: show those references as written.
                let args = match self.resolve_args(args, self.mode.dry_run) {
                    Ok(args) => args,
                    Err(message) => return fail(message),
                };
                if !self.mode.dry_run && !self.mode.allow_write {
                    return Next::Wait(Command::NeedsWriteAccess {
                        step: step.id.clone(),
                        preview: preview(*action, &args),
                    });
                }
                if !self.mode.dry_run
                    && let Err(message) = crate::runbook::calls::plan(*action, &args)
                {
                    return fail(message);
                }
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
            StepBody::Check { assert, .. } if self.mode.dry_run => Next::Journal(EntryKind::Note {
                step: step.id.clone(),
                text: format!(
                    "dry run: would check {} (assumed to pass)",
                    assertion_name(assert)
                ),
            }),
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
            StepBody::Decision(Decision::OnAnswer {
                query,
                cases,
                otherwise,
            }) => {
                let output = match self.runbook.step(query).map(|s| &s.body) {
                    Some(StepBody::Query { output, .. }) => output.clone(),
                    _ => String::new(),
                };
                let answer = self
                    .records
                    .get(query)
                    .and_then(|record| record.outputs.get(&output))
                    .map(|a| a.trim().to_string());
                let goto = answer
                    .as_deref()
                    .and_then(|a| cases.iter().find(|(case, _)| case == a))
                    .map_or(otherwise, |(_, goto)| goto);
                Next::Journal(EntryKind::Decision {
                    step: step.id.clone(),
                    choice: answer.unwrap_or_else(|| "no answer".to_string()),
                    goto: goto.clone(),
                })
            }
            StepBody::Decision(Decision::OnCheck {
                check,
                if_true,
                if_false,
            }) => match self
                .records
                .get(check)
                .and_then(|record| record.passed)
                .or(self.mode.dry_run.then_some(true))
            {
                Some(passed) => Next::Journal(EntryKind::Decision {
                    step: step.id.clone(),
                    choice: if passed { "passed" } else { "failed" }.to_string(),
                    goto: if passed { if_true } else { if_false }.clone(),
                }),
                None => fail(format!("check `{check}` has no outcome to branch on")),
            },
        }
    }
}

/// `key="value", ...` for a dry run's notes.
fn listed(args: &BTreeMap<String, String>) -> String {
    args.iter()
        .map(|(key, value)| format!("{key}={value:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

enum Next {
    Journal(EntryKind),
    Wait(Command),
}
