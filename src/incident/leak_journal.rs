//! Recording a leak check in the journal: who read values, when, why, for which incident, and
//! which version matched; never a value. The command line and the console record through here.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::leak::{Outcome, Plan, journal_record};
use crate::store::journal::{Journal, JournalError};

/// Who made the reads, and why.
pub struct Reads<'a> {
    pub operator: &'a str,
    pub reason: &'a str,
    pub incident: Option<&'a str>,
    /// Where the reads went (the source's label).
    pub source: &'a str,
}

/// Journals the check in `state_dir`; returns its id.
pub fn record(
    state_dir: &Path,
    reads: &Reads,
    plan: &Plan,
    outcome: &Outcome,
    at: DateTime<Utc>,
) -> Result<i64, JournalError> {
    let record = journal_record(plan, outcome, reads.source);
    Journal::open(state_dir)?.record_leak_check(
        at,
        reads.operator,
        reads.reason,
        reads.incident,
        &record,
    )
}
