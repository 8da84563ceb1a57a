//! Work the core asks the runtime to do. Each result comes back as a `Msg` carrying the same id.

use chrono::{DateTime, Utc};

use std::collections::BTreeMap;

use crate::domain::{Cell, Secret};
use crate::runbook::engine::{Event, Mode as RunMode};

pub type RequestId = u64;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadCell {
        request: RequestId,
        cell: Cell,
    },
    DescribeReplication {
        request: RequestId,
        secret: Box<Secret>,
    },
    FetchEvents {
        request: RequestId,
        cell: Cell,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    CancelFetch {
        requests: Vec<RequestId>,
    },
    /// Work for the runbook worker, which owns the run and its journal.
    Runbook(RunbookRequest),
    Quit,
}

/// What the runbook worker is asked to do. Answers name their run, so an answer meant for one
/// run never reaches another that replaced it.
#[derive(Debug, Clone, PartialEq)]
pub enum RunbookRequest {
    /// The journal's runs, for the incidents list.
    ListRuns,
    Start {
        runbook: String,
        params: BTreeMap<String, String>,
        mode: RunMode,
    },
    /// Continues a run from the journal (or shows it again when it is the open one).
    Resume {
        run_id: String,
        allow_write: bool,
    },
    Answer {
        run_id: String,
        event: Event,
    },
    /// Sends again a write whose outcome was never recorded, after the operator checked.
    Resend {
        run_id: String,
    },
}
