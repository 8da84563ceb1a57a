//! What the replication views hold: the drill computed from the loaded data (never per frame),
//! the rows the filter keeps, the cell under the cursor, the replica whose detail is open, and
//! a drill run started from the console with its stopwatch.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use super::cursor::Cursor;
use crate::domain::Cell;
use crate::drill::{Counts, Drill, Outcome, Row, SecretKey};

/// Where the DR region the matrix checks came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrChoice {
    /// Chosen with `:replicas REGION` or the DR-region key.
    Operator,
    /// The audit policy's first `dr_regions` entry.
    Policy,
    /// The policy names none: the region holding the most replicas.
    MostReplicas,
    /// Nothing is replicated yet: the first region read.
    FirstRegion,
}

impl DrChoice {
    pub fn label(self) -> &'static str {
        match self {
            Self::Operator => "chosen",
            Self::Policy => "policy",
            Self::MostReplicas => "most replicas; the policy names no DR region",
            Self::FirstRegion => "first region; the policy names no DR region",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ReplicasView {
    /// The region chosen by the operator; None follows the policy (see `DrChoice`).
    pub chosen: Option<String>,
    pub choice: Option<DrChoice>,
    /// Every secret, not only those the drill selects (policy-required or replicated to DR).
    pub all: bool,
    /// Case-insensitive substring of the secret's name.
    pub filter: String,
    /// Computed in update when data, cells or the DR region change.
    pub drill: Option<Drill>,
    /// Data changed since `drill` was computed.
    pub stale: bool,
    /// Indices into `drill.rows` that pass the filter, in order.
    pub rows: Vec<usize>,
    pub cursor: Cursor,
    /// Index into `drill.regions` of the column under the cursor.
    pub column: usize,
    /// The secret last under the cursor: found again when a DR region that hides it is left.
    pub focus: Option<SecretKey>,
    /// The replica whose detail is open: (secret, region).
    pub open: Option<(SecretKey, String)>,
    pub detail_scroll: u16,
    pub run: Option<DrillRun>,
}

impl ReplicasView {
    pub fn dr_region(&self) -> Option<&str> {
        self.drill.as_ref().map(|d| d.dr_region.as_str())
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let drill = self.drill.as_ref()?;
        self.rows
            .get(self.cursor.selected)
            .and_then(|&i| drill.rows.get(i))
    }

    pub fn selected_region(&self) -> Option<&str> {
        let drill = self.drill.as_ref()?;
        drill.regions.get(self.column).map(String::as_str)
    }

    /// The row of the open replica detail, found by key (rows move when data refreshes).
    pub fn open_row(&self) -> Option<(&Row, &str)> {
        let (key, region) = self.open.as_ref()?;
        let row = self.drill.as_ref()?.rows.iter().find(|r| &r.key == key)?;
        Some((row, region.as_str()))
    }

    /// Lines under the matrix: the cell under the cursor, the drill's notes, the run.
    pub fn footer_lines(&self) -> usize {
        let notes = self.drill.as_ref().map_or(0, |d| d.notes.len().min(2));
        let run = if self.run.is_some() { 2 } else { 1 };
        1 + notes + run
    }
}

/// A drill started from the console: the cells it refreshed, when each region's listing and
/// the DescribeSecret calls finished, and the verdicts once everything is in.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillRun {
    pub dr_region: String,
    pub started: DateTime<Utc>,
    /// Listing per region, by region name.
    pub listing: BTreeMap<String, RegionListing>,
    /// Cells whose refresh has not answered yet.
    pub pending: BTreeSet<Cell>,
    pub describes: Describes,
    pub finished: Option<DateTime<Utc>>,
    pub result: Option<RunResult>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegionListing {
    pub cells: usize,
    pub done: usize,
    /// Cells that answered with an error, with its label (down, throttled...).
    pub failed: Vec<&'static str>,
    pub finished: Option<DateTime<Utc>>,
}

/// DescribeSecret calls the refresh started (ReplicationStatus of replicated primaries).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Describes {
    pub pending: HashSet<String>,
    pub started: usize,
    pub done: usize,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunResult {
    pub rows: usize,
    pub counts: Counts,
    pub overall: Outcome,
}

impl DrillRun {
    pub fn running(&self) -> bool {
        self.finished.is_none()
    }

    /// Seconds since the start, up to `now` while running.
    pub fn seconds(&self, now: DateTime<Utc>) -> f64 {
        seconds(self.started, self.finished.unwrap_or(now))
    }
}

/// Seconds from `a` to `b`, never negative.
pub fn seconds(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_milliseconds().max(0) as f64 / 1000.0
}
