//! An incident's record, rebuilt from its journal: the timeline (UTC), who did what, the
//! evidence gathered, time to contain and to rotate, the open follow-ups, and whether the hash
//! chain still holds. Pure: the caller reads the journal.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::runbook::engine::{Engine, Entry, EntryKind, Outcome, RunStatus};
use crate::runbook::spec::{ActionKind, StepBody};
use crate::store::journal::{Row, Run, Tampered};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    pub run_id: String,
    pub runbook: String,
    pub title: String,
    pub version: u32,
    pub params: BTreeMap<String, String>,
    pub dry_run: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `completed`, `stopped at STEP: reason`, `aborted: reason`, or `waiting at STEP`.
    pub status: String,
    pub operators: Vec<String>,
    pub entries: Vec<Line>,
    pub steps: Vec<StepLine>,
    pub evidence: Vec<Evidence>,
    /// Seconds from the run's start (and from `incident_start`, when given) to the deny-all
    /// policy attached and to the rotation done.
    pub time_to_contain: Option<Elapsed>,
    pub time_to_rotate: Option<Elapsed>,
    pub follow_ups: Vec<String>,
    pub integrity: Integrity,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// The operator carrying the run when this was written.
    pub who: String,
    pub step: Option<String>,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepLine {
    pub id: String,
    pub title: String,
    pub kind: String,
    /// `done`, `failed`, `in progress`, `not reached`.
    pub state: String,
    pub finished_at: Option<DateTime<Utc>>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub step: String,
    pub title: String,
    pub at: DateTime<Utc>,
    pub summary: String,
    /// The query's output as gathered (JSON, or the policy document).
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Elapsed {
    pub at: DateTime<Utc>,
    pub from_run_start_secs: i64,
    pub from_incident_start_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Integrity {
    pub verified: bool,
    pub entries: usize,
    /// The hash of the last entry: note it in the ticket to detect entries removed later.
    pub head: Option<String>,
    pub problem: Option<String>,
}

/// Builds the timeline of `run` from its journal rows and the engine replayed from them.
pub fn build(
    run: &Run,
    rows: &[Row],
    engine: &Engine,
    chain: Result<(), Tampered>,
    head: Option<String>,
) -> Timeline {
    let runbook = engine.runbook();
    // Entries before the first Operator entry (RunStarted) belong to whoever started the run.
    let mut who = rows
        .iter()
        .filter_map(|row| serde_json::from_value::<Entry>(row.entry.clone()).ok())
        .find_map(|entry| match entry.kind {
            EntryKind::Operator { name, .. } => Some(name),
            _ => None,
        })
        .unwrap_or_else(|| "unknown".to_string());
    let mut operators = Vec::new();
    let mut entries = Vec::new();
    let mut params = BTreeMap::new();
    let mut dry_run = false;
    let mut finished_at = None;
    for row in rows {
        let Ok(entry) = serde_json::from_value::<Entry>(row.entry.clone()) else {
            entries.push(Line {
                seq: row.seq,
                at: row.at,
                who: who.clone(),
                step: None,
                what: "(an entry this version cannot read)".to_string(),
            });
            continue;
        };
        match &entry.kind {
            EntryKind::Operator { name, via } => {
                who = name.clone();
                let label = format!("{name} via {via}");
                if !operators.contains(&label) {
                    operators.push(label);
                }
            }
            EntryKind::RunStarted {
                params: p, mode, ..
            } => {
                params = p.clone();
                dry_run = mode.dry_run;
            }
            EntryKind::RunFinished { .. } => finished_at = Some(entry.at),
            _ => {}
        }
        let (step, what) = describe(&entry.kind);
        entries.push(Line {
            seq: row.seq,
            at: entry.at,
            who: who.clone(),
            step,
            what,
        });
    }
    let steps = runbook
        .steps
        .iter()
        .map(|step| {
            let record = engine.record_of(&step.id);
            let state = match record.and_then(|r| r.outcome.as_ref()) {
                Some(Outcome::Succeeded) => "done",
                Some(Outcome::Failed { .. }) => "failed",
                None if record.is_some_and(|r| r.started_at.is_some()) => "in progress",
                None => "not reached",
            };
            StepLine {
                id: step.id.clone(),
                title: step.title.clone(),
                kind: step.body.kind().name().to_string(),
                state: state.to_string(),
                finished_at: record.and_then(|r| r.finished_at),
                summary: record.and_then(|r| summary_of(&step.body, &r.outputs, &r.outcome)),
            }
        })
        .collect();
    let evidence = runbook
        .steps
        .iter()
        .filter_map(|step| {
            let StepBody::Query { output, .. } = &step.body else {
                return None;
            };
            let record = engine.record_of(&step.id)?;
            Some(Evidence {
                step: step.id.clone(),
                title: step.title.clone(),
                at: record.finished_at?,
                summary: record.outputs.get("summary").cloned().unwrap_or_default(),
                value: record.outputs.get(output).cloned()?,
            })
        })
        .collect();
    let incident_start = params
        .get("incident_start")
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let done_at = |wanted: ActionKind| {
        runbook
            .steps
            .iter()
            .filter(|s| matches!(&s.body, StepBody::Action { action, .. } if *action == wanted))
            .filter_map(|s| engine.record_of(&s.id))
            .filter(|r| matches!(r.outcome, Some(Outcome::Succeeded)))
            .filter_map(|r| r.finished_at)
            .min()
            .filter(|_| !dry_run)
            .map(|at| Elapsed {
                at,
                from_run_start_secs: (at - run.started_at).num_seconds(),
                from_incident_start_secs: incident_start.map(|s| (at - s).num_seconds()),
            })
    };
    let status = match engine.status() {
        Some(RunStatus::Completed) => "completed".to_string(),
        Some(RunStatus::Stopped { step, reason }) => format!("stopped at {step}: {reason}"),
        Some(RunStatus::Aborted { reason }) => format!("aborted: {reason}"),
        None => match engine.current_step() {
            Some(step) => format!("waiting at {}", step.id),
            None => "in progress".to_string(),
        },
    };
    let time_to_contain = done_at(ActionKind::PutDenyAllPolicy);
    let follow_ups = follow_ups(engine, &status, time_to_contain.is_some());
    Timeline {
        run_id: run.run_id.clone(),
        runbook: runbook.meta.id.clone(),
        title: runbook.meta.title.clone(),
        version: runbook.meta.version,
        params,
        dry_run,
        started_at: run.started_at,
        finished_at,
        status,
        operators,
        entries,
        steps,
        evidence,
        time_to_contain,
        time_to_rotate: done_at(ActionKind::RotateNow),
        follow_ups,
        integrity: Integrity {
            verified: chain.is_ok(),
            entries: rows.len(),
            head,
            problem: chain.err().map(|t| t.reason),
        },
    }
}

/// One line on how a step ended: its evidence summary, the call made, the check's detail...
pub fn summary_of(
    body: &StepBody,
    outputs: &BTreeMap<String, String>,
    outcome: &Option<Outcome>,
) -> Option<String> {
    if let Some(Outcome::Failed { message }) = outcome {
        return Some(first_line(message));
    }
    match body {
        StepBody::Query { .. } => outputs.get("summary").cloned(),
        StepBody::Action { .. } => {
            outputs
                .get("operation")
                .map(|op| match outputs.get("request_id") {
                    Some(id) => format!("secretsmanager:{op} (request {id})"),
                    None => format!("secretsmanager:{op}"),
                })
        }
        StepBody::Check { .. } => outputs.get("detail").map(|d| first_line(d)),
        StepBody::Manual { .. } => outputs.get("note").map(|n| format!("note: {n}")),
        StepBody::Decision(_) => outputs.get("choice").cloned(),
    }
}

fn first_line(text: &str) -> String {
    text.trim().lines().next().unwrap_or_default().to_string()
}

/// One line per journal entry: the step it concerns and what happened.
pub fn describe(kind: &EntryKind) -> (Option<String>, String) {
    match kind {
        EntryKind::RunStarted {
            runbook,
            version,
            mode,
            ..
        } => (
            None,
            format!(
                "run of {runbook} v{version} started{}{}",
                if mode.dry_run { " (dry run)" } else { "" },
                if mode.allow_write && !mode.dry_run {
                    ", writes allowed"
                } else {
                    ""
                }
            ),
        ),
        EntryKind::Operator { name, via } => (None, format!("{name} carries the run, via {via}")),
        EntryKind::WritesAllowed => (None, "writes allowed from here (--allow-write)".to_string()),
        EntryKind::StepStarted { step } => (Some(step.clone()), "started".to_string()),
        EntryKind::AttemptFailed {
            step,
            attempt,
            transient,
            message,
        } => (
            Some(step.clone()),
            format!(
                "attempt {attempt} failed{}: {}",
                if *transient { " (transient)" } else { "" },
                first_line(message)
            ),
        ),
        EntryKind::Confirmed { step } => (
            Some(step.clone()),
            "write approved by typed confirmation".to_string(),
        ),
        EntryKind::StepOutcome {
            step,
            outcome,
            outputs,
        } => {
            let what = match outcome {
                Outcome::Succeeded => match (outputs.get("operation"), outputs.get("summary")) {
                    (Some(op), _) => format!("done: secretsmanager:{op}"),
                    (None, Some(summary)) => format!("done: {summary}"),
                    (None, None) => "done".to_string(),
                },
                Outcome::Failed { message } => format!("FAILED: {}", first_line(message)),
            };
            (Some(step.clone()), what)
        }
        EntryKind::Decision { step, choice, goto } => (
            Some(step.clone()),
            format!("decided: {choice} (next: {goto})"),
        ),
        EntryKind::Note { step, text } => (Some(step.clone()), format!("note: {text}")),
        EntryKind::CheckResult {
            step,
            passed,
            detail,
        } => (
            Some(step.clone()),
            format!(
                "check {}: {}",
                if *passed { "passed" } else { "FAILED" },
                first_line(detail)
            ),
        ),
        EntryKind::ApiCall {
            step,
            request_id,
            event_id,
        } => {
            let mut parts = Vec::new();
            if let Some(id) = request_id {
                parts.push(format!("request id {id}"));
            }
            if let Some(id) = event_id {
                parts.push(format!("CloudTrail event {id}"));
            }
            (Some(step.clone()), format!("AWS {}", parts.join(", ")))
        }
        EntryKind::RunFinished { status } => (
            None,
            match status {
                RunStatus::Completed => "run completed".to_string(),
                RunStatus::Stopped { step, reason } => {
                    format!("run stopped at {step}: {}", first_line(reason))
                }
                RunStatus::Aborted { reason } => format!("run aborted: {reason}"),
            },
        ),
    }
}

/// What is still open: failed steps and checks, a deny-all policy still attached, steps the run
/// has not reached, and the notes of follow-up steps.
fn follow_ups(engine: &Engine, status: &str, contained: bool) -> Vec<String> {
    let runbook = engine.runbook();
    let mut open = Vec::new();
    if status.starts_with("waiting") || status.starts_with("stopped") || status == "in progress" {
        open.push(format!("the run is not finished ({status})"));
    }
    let mut restored = false;
    for step in &runbook.steps {
        let Some(record) = engine.record_of(&step.id) else {
            continue;
        };
        if let Some(Outcome::Failed { message }) = &record.outcome {
            open.push(format!("{}: {}", step.title, first_line(message)));
        }
        if let StepBody::Action {
            action: ActionKind::RestorePolicy,
            ..
        } = step.body
            && matches!(record.outcome, Some(Outcome::Succeeded))
        {
            restored = true;
        }
        if step.title.to_lowercase().contains("follow")
            && let Some(note) = record.outputs.get("note")
        {
            open.push(format!("{}: {note}", step.title));
        }
    }
    if contained && !restored {
        open.push(
            "the deny-all resource policy is still attached; restore the previous policy when \
             the postmortem allows"
                .to_string(),
        );
    }
    open
}
