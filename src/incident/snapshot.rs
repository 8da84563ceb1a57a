//! What the TUI shows of a run, as plain data: the runbook worker builds it from the engine and
//! the journal's entries after every change, and the run view only reads it. No I/O here.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::timeline::{describe, summary_of};
use crate::runbook::engine::{Command, Engine, Entry, EntryKind, Mode, Outcome, RunStatus};
use crate::runbook::spec::StepBody;

/// Evidence values are cut here: the screen shows the summary and the first lines.
const EVIDENCE_CHARS: usize = 4000;

/// One run as the run view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSnapshot {
    pub run_id: String,
    pub runbook: String,
    pub title: String,
    pub mode: Mode,
    pub params: BTreeMap<String, String>,
    pub steps: Vec<StepRow>,
    /// What the run waits on: an automatic command the worker is carrying out, or one for the
    /// operator (a manual step, a decision, a confirmation, write access).
    pub waiting: Option<Command>,
    /// On resume: an approved write whose outcome was never recorded.
    pub interrupted_write: Option<String>,
    pub status: Option<RunStatus>,
    /// Every journal entry, oldest first.
    pub journal: Vec<JournalLine>,
    /// What each query step gathered, in step order.
    pub evidence: Vec<EvidenceRow>,
    /// Whether the journal's hash chain holds.
    pub chain_ok: bool,
    /// The worker is still carrying out automatic steps; a later snapshot follows.
    pub busy: bool,
    /// What went wrong in the worker (the journal, the engine), for the operator.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    pub id: String,
    pub title: String,
    /// `manual`, `query`, `action`, `check`, `decision`.
    pub kind: String,
    pub state: StepState,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Done,
    Failed,
    Current,
    NotReached,
}

impl StepState {
    /// The marker in the step list; the words stand in where colour is off.
    pub fn marker(self) -> &'static str {
        match self {
            StepState::Done => "✓",
            StepState::Failed => "✗",
            StepState::Current => "▶",
            StepState::NotReached => "·",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JournalLine {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub step: Option<String>,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    pub step: String,
    pub title: String,
    pub at: Option<DateTime<Utc>>,
    pub summary: String,
    /// The query's output (JSON or a policy document), cut to a few thousand characters.
    pub value: String,
}

/// One run in the journal, for the incidents list.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub run_id: String,
    pub runbook: String,
    pub started_at: DateTime<Utc>,
    pub entries: usize,
    /// `completed`, `stopped at STEP: reason`, `aborted: reason`, `waiting at STEP`.
    pub status: String,
    pub chain_ok: bool,
}

impl RunSnapshot {
    /// The run as `engine` knows it, with its journal `entries` (sequence number, entry).
    pub fn build(
        run_id: &str,
        engine: &Engine,
        entries: &[(u64, Entry)],
        waiting: Option<Command>,
        interrupted_write: Option<String>,
        chain_ok: bool,
    ) -> Self {
        let runbook = engine.runbook();
        let current = engine.current_step().map(|s| s.id.clone());
        let steps = runbook
            .steps
            .iter()
            .map(|step| {
                let record = engine.record_of(&step.id);
                let state = match record.and_then(|r| r.outcome.as_ref()) {
                    _ if current.as_deref() == Some(step.id.as_str()) => StepState::Current,
                    Some(Outcome::Succeeded) => StepState::Done,
                    Some(Outcome::Failed { .. }) => StepState::Failed,
                    None => StepState::NotReached,
                };
                StepRow {
                    id: step.id.clone(),
                    title: step.title.clone(),
                    kind: step.body.kind().name().to_string(),
                    state,
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
                let value = record.outputs.get(output)?;
                Some(EvidenceRow {
                    step: step.id.clone(),
                    title: step.title.clone(),
                    at: record.finished_at,
                    summary: record.outputs.get("summary").cloned().unwrap_or_default(),
                    value: value.chars().take(EVIDENCE_CHARS).collect(),
                })
            })
            .collect();
        let params = entries
            .iter()
            .find_map(|(_, entry)| match &entry.kind {
                EntryKind::RunStarted { params, .. } => Some(params.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let journal = entries
            .iter()
            .map(|(seq, entry)| {
                let (step, what) = describe(&entry.kind);
                JournalLine {
                    seq: *seq,
                    at: entry.at,
                    step,
                    what,
                }
            })
            .collect();
        let status = engine.status().cloned();
        RunSnapshot {
            run_id: run_id.to_string(),
            runbook: runbook.meta.id.clone(),
            title: runbook.meta.title.clone(),
            mode: engine.mode(),
            params,
            steps,
            waiting: waiting.filter(|_| status.is_none()),
            interrupted_write,
            status,
            journal,
            evidence,
            chain_ok,
            busy: false,
            error: None,
        }
    }

    /// The step the operator (or the worker) is on.
    pub fn current(&self) -> Option<&StepRow> {
        self.steps.iter().find(|s| s.state == StepState::Current)
    }
}

/// Where a run stands, in a few words.
pub fn status_line(engine: &Engine) -> String {
    match engine.status() {
        Some(status) => status_text(status),
        None => match engine.current_step() {
            Some(step) => format!("waiting at {}", step.id),
            None => "in progress".to_string(),
        },
    }
}

pub fn status_text(status: &RunStatus) -> String {
    match status {
        RunStatus::Completed => "completed".to_string(),
        RunStatus::Stopped { step, reason } => format!(
            "stopped at {step}: {}",
            reason.trim().lines().next().unwrap_or_default()
        ),
        RunStatus::Aborted { reason } => format!("aborted: {reason}"),
    }
}
