//! Runs a session's automatic steps (queries, approved writes, checks) through an executor until
//! the run needs the operator or is over. Each outcome is journaled by the session before the
//! next call is made.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::executor::Executor;
use super::session::{Session, SessionError};
use crate::runbook::calls;
use crate::runbook::engine::{Command, Entry, Event, RunStatus, StepError};
use crate::runbook::spec::{ActionKind, QueryKind, StepBody};

/// Why [`advance`] returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Pause {
    /// A manual step, a decision or a typed confirmation: the operator's turn.
    Operator,
    /// On resume, an approved write whose outcome was never recorded: the operator must say
    /// whether to send it again.
    InterruptedWrite {
        step: String,
    },
    Finished(RunStatus),
}

/// What the driver is about to do, for progress lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    pub step: String,
    pub title: String,
    /// e.g. `query describe_secret`, `check replicas_in_sync`, `secretsmanager:RotateSecret`.
    pub what: String,
    pub attempt: u32,
}

/// What the driver reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress<'a> {
    /// An entry is in the journal.
    Journaled(u64, &'a Entry),
    /// A call is about to be made.
    Running(&'a Running),
}

/// The clock the driver stamps events with.
pub type Clock = fn() -> DateTime<Utc>;

/// Carries out automatic commands until the operator is needed or the run ends.
pub async fn advance<F: FnMut(Progress<'_>)>(
    session: &mut Session,
    executor: &dyn Executor,
    clock: Clock,
    report: &mut F,
) -> Result<Pause, SessionError> {
    let mut attempts: (String, u32) = (String::new(), 0);
    loop {
        for (seq, entry) in session.take_fresh() {
            report(Progress::Journaled(seq, &entry));
        }
        if let Some(step) = session.interrupted_write() {
            return Ok(Pause::InterruptedWrite {
                step: step.to_string(),
            });
        }
        let Some(command) = session.waiting().cloned() else {
            let status = session.status().cloned().unwrap_or(RunStatus::Aborted {
                reason: "the run has nothing to wait on".to_string(),
            });
            return Ok(Pause::Finished(status));
        };
        let step_id = match &command {
            Command::RunQuery { step, .. }
            | Command::RunAction { step, .. }
            | Command::EvaluateCheck { step, .. } => step.clone(),
            _ => return Ok(Pause::Operator),
        };
        // A step issued again right after a transient failure waits a little first.
        if attempts.0 == step_id {
            attempts.1 += 1;
            let backoff = Duration::from_millis(500 * (1 << attempts.1.min(4)) / 2);
            tokio::time::sleep(backoff).await;
        } else {
            attempts = (step_id.clone(), 1);
        }
        let title = session
            .runbook()
            .step(&step_id)
            .map(|s| s.title.clone())
            .unwrap_or_default();
        let event = match command {
            Command::RunQuery { step, query, args } => {
                report(Progress::Running(&Running {
                    step: step.clone(),
                    title,
                    what: format!("query {query}"),
                    attempt: attempts.1,
                }));
                let output = output_name(session, &step);
                let result = match QueryKind::from_name(&query) {
                    Some(QueryKind::LeakMatch) => {
                        super::leak_match::answer(session.journal(), &args).map(|out| {
                            let mut outputs = BTreeMap::new();
                            outputs.insert(output, out.value);
                            outputs.insert("summary".to_string(), out.summary);
                            outputs
                        })
                    }
                    Some(kind) => executor.query(kind, &args).await.map(|out| {
                        let mut outputs = BTreeMap::new();
                        outputs.insert(output, out.value);
                        outputs.insert("summary".to_string(), out.summary);
                        if let Some(first) = out.request_ids.first() {
                            outputs.insert("request_id".to_string(), first.clone());
                        }
                        outputs
                    }),
                    None => Err(StepError {
                        transient: false,
                        message: format!("unknown query `{query}`"),
                    }),
                };
                Event::QueryDone {
                    step,
                    at: clock(),
                    result,
                }
            }
            Command::RunAction {
                step, action, args, ..
            } => {
                let planned = ActionKind::from_name(&action)
                    .ok_or_else(|| format!("unknown action `{action}`"))
                    .and_then(|kind| calls::plan(kind, &args).map(|call| (kind, call)));
                let result = match planned {
                    Ok((kind, call)) => {
                        report(Progress::Running(&Running {
                            step: step.clone(),
                            title,
                            what: format!("secretsmanager:{}", call.operation),
                            attempt: attempts.1,
                        }));
                        executor.action(kind, &call).await.map(|out| {
                            let mut outputs = out.outputs;
                            outputs.insert("operation".to_string(), call.operation.to_string());
                            outputs.insert("request".to_string(), call.body_json());
                            if let Some(id) = out.request_id {
                                outputs.insert("request_id".to_string(), id);
                            }
                            outputs
                        })
                    }
                    Err(message) => Err(StepError {
                        transient: false,
                        message,
                    }),
                };
                Event::ActionDone {
                    step,
                    at: clock(),
                    result,
                }
            }
            Command::EvaluateCheck {
                step,
                assertion,
                args,
            } => {
                report(Progress::Running(&Running {
                    step: step.clone(),
                    title,
                    what: format!("check {assertion}"),
                    attempt: attempts.1,
                }));
                let outcome = executor.check(&assertion, &args).await;
                Event::CheckDone {
                    step,
                    at: clock(),
                    passed: outcome.passed,
                    detail: outcome.detail,
                }
            }
            _ => return Ok(Pause::Operator),
        };
        session.handle(event)?;
    }
}

/// The name a query step's evidence is kept under (`output = "..."`).
fn output_name(session: &Session, step: &str) -> String {
    match session.runbook().step(step).map(|s| &s.body) {
        Some(StepBody::Query { output, .. }) => output.clone(),
        _ => "value".to_string(),
    }
}

/// Lets an executor that simulates writes rebuild them on resume.
pub fn replay_writes(session: &Session, executor: &dyn Executor) {
    for (action, call, outputs) in session.writes() {
        executor.replay_write(action, &call, &outputs);
    }
}
