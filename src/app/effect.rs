//! Work the core asks the runtime to do. Each result comes back as a `Msg` carrying the same id.

use chrono::{DateTime, Utc};

use std::collections::BTreeMap;

use super::observation::ObservationInput;
pub use super::request::RequestId;
use crate::domain::{Cell, Secret};
use crate::review::{Decision, ReviewInfo};
use crate::runbook::engine::{Event, Mode as RunMode};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadCell {
        request: RequestId,
        cell: Cell,
    },
    DescribeReplication {
        request: RequestId,
        secret: std::sync::Arc<Secret>,
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
    /// The resource policies of these secrets, from the source (the access review).
    FetchPolicies {
        request: RequestId,
        secrets: Vec<Secret>,
    },
    /// Work for the review worker, which owns the review store.
    Review(ReviewRequest),
    /// Leak triage: read the plan's versions, compare them with the suspect, journal who read
    /// and why (`source` names where the reads went).
    LeakCheck {
        suspect: std::sync::Arc<crate::leak::Suspect>,
        plan: crate::leak::Plan,
        reason: String,
        source: String,
    },
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

/// What the review worker is asked to do with `<state dir>/review.sqlite`.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewRequest {
    /// Opens the quarter's review with the same window, scope and source (`reuse` is the
    /// quarter's id prefix) or starts `wanted`; answers with its decisions and the cached
    /// policies of `cached_for`.
    Open {
        request: RequestId,
        wanted: ReviewInfo,
        reuse: String,
        cached_for: Vec<String>,
    },
    /// Appends a decision to the review's log; answers with the log.
    Decide { review: String, decision: Decision },
    /// Caches policies fetched now: (ARN, text or None for no policy, when).
    SavePolicies {
        policies: Vec<(String, Option<String>, DateTime<Utc>)>,
    },
    /// Reviews every secret and keeps it as the review's observation (what `review export`
    /// reports the decisions were made on).
    Observe(Box<ObservationInput>),
}
