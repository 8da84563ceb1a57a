//! The engine's public data: run mode, journal entries, commands, events, outcomes and errors.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    /// Writes are allowed from here on (the run resumed with `--allow-write`).
    WritesAllowed,
    /// Who carries the run on from here, and against what: written when a run starts or
    /// resumes, so every later entry is attributed.
    Operator {
        name: String,
        via: String,
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
    /// An action step is next but writes are not allowed: the run waits, with the call it
    /// would make, until it is resumed with `--allow-write`.
    NeedsWriteAccess {
        step: String,
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
