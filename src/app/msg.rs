//! Everything that can change the state: keys turned into actions, text typed into a prompt,
//! terminal events, and finished effects.

use chrono::{DateTime, Utc};

use super::Action;
use super::request::RequestId;
use crate::domain::{Cell, ReplicaStatus, Secret};
use crate::incident::snapshot::{RunRow, RunSnapshot};
use crate::review::{Decision, PolicyInput, ReviewInfo};
use crate::source::{CellError, CellResult, FetchProgress, ResourcePolicies};
use crate::trail::AccessEvent;

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Action(Action),
    /// A key typed while a prompt (filter or command line) is open.
    Prompt(PromptKey),
    Resize {
        width: u16,
        height: u16,
    },
    /// Mouse wheel: positive scrolls down.
    Scroll(i32),
    /// The runtime's clock, sent before anything that depends on "now".
    Tick(DateTime<Utc>),
    CellLoaded {
        request: RequestId,
        cell: Cell,
        at: DateTime<Utc>,
        result: CellResult,
    },
    /// One page of a cell that is still loading.
    CellPage {
        request: RequestId,
        cell: Cell,
        secrets: Vec<Secret>,
    },
    /// A page of live CloudTrail events.
    EventsPage {
        request: RequestId,
        events: Vec<AccessEvent>,
        progress: FetchProgress,
    },
    EventsDone {
        request: RequestId,
        cell: Cell,
        result: Result<(), CellError>,
    },
    ReplicationLoaded {
        request: RequestId,
        arn: String,
        result: Result<Vec<ReplicaStatus>, CellError>,
    },
    /// A leak check's answer and its journal id, or why it could not be made.
    LeakChecked(Result<(crate::leak::Outcome, Option<i64>), String>),
    /// The open run changed (sent after every step, decision and answer).
    RunUpdated(Box<RunSnapshot>),
    /// What the worker is doing now, e.g. `evidence-reads: query who_read`.
    RunProgress(String),
    /// The journal's runs, newest first.
    RunsListed(Result<Vec<RunRow>, String>),
    /// A run could not be started or resumed (or the journal could not be read).
    RunbookFailed(String),
    /// The source's answer to `Effect::FetchPolicies`.
    PoliciesFetched {
        request: RequestId,
        answer: ResourcePolicies,
    },
    /// The review store opened (or started) the review.
    ReviewOpened {
        request: RequestId,
        result: Result<Box<OpenedReview>, String>,
    },
    /// A decision was committed (or not); the log as the store now holds it.
    ReviewDecided {
        review: String,
        result: Result<Box<DecisionLog>, String>,
    },
    /// Something the review worker could not do (cache policies, keep the observation).
    ReviewFailed(String),
    /// The observation was kept: what `review export` will report.
    ReviewObserved {
        review: String,
        secrets: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKey {
    Char(char),
    Backspace,
    Submit,
    Cancel,
    /// Tab or Down in a form: the next field.
    Next,
    /// BackTab or Up in a form: the previous field.
    Previous,
    /// ← in a form: the previous value the form offers for the field.
    Left,
    /// → in a form: the next value the form offers for the field.
    Right,
}

/// A review as the store opened it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedReview {
    pub info: ReviewInfo,
    pub created: bool,
    pub log: Vec<Decision>,
    /// Why the decision chain does not hold, if it does not.
    pub broken: Option<String>,
    /// Policies from the cache, by ARN.
    pub cached: std::collections::HashMap<String, PolicyInput>,
}

/// The decision just committed and the whole log after it.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionLog {
    pub recorded: Decision,
    pub log: Vec<Decision>,
    pub broken: Option<String>,
}
