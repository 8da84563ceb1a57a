//! Long-window access history from the organization trail (Athena): what is asked of it and
//! what answered, so the events views can say which source covered which part of a window.

use chrono::{DateTime, Utc};

use crate::trail::AccessEvent;
use crate::trail::athena::Question;

/// Trail delivery lags: CloudTrail writes a log file about 5 to 15 minutes after the calls in
/// it. The trail answers up to this long ago; LookupEvents answers the rest.
pub const TRAIL_LAG_MINUTES: i64 = 20;

/// Windows that reach further back than this go to the trail (then LookupEvents for the lag);
/// shorter ones, refreshes included, go to LookupEvents alone, which answers them in a call or
/// two where a query would take seconds.
pub const TRAIL_FROM_HOURS: i64 = 6;

/// One question over accounts, regions and a window.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryAsk {
    pub question: Question,
    /// Account ids; empty: every account the source reads.
    pub accounts: Vec<String>,
    /// Regions; empty: every region the source reads.
    pub regions: Vec<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub errors_only: bool,
    /// The clock (the trail answers up to `now - TRAIL_LAG_MINUTES`).
    pub now: DateTime<Utc>,
}

/// One query the trail ran.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryStat {
    pub id: String,
    pub sql: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub scanned_bytes: u64,
    pub cost_usd: f64,
    pub engine_ms: u64,
    pub rows: usize,
    /// Athena calls: StartQueryExecution, the polls, the result pages.
    pub calls: usize,
}

/// What reading the trail's files from S3 directly did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct S3Stats {
    /// ListObjectsV2 calls (one per account, region and day, and per further page).
    pub lists: usize,
    /// Log files in those folders.
    pub objects: usize,
    /// Of those, downloaded now (the rest from the local cache, by key and ETag).
    pub downloaded: usize,
    pub downloaded_bytes: u64,
    /// Files or records that could not be read.
    pub problems: Vec<String>,
}

/// What the trail answered.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryAnswer {
    /// `database.table`.
    pub table: String,
    /// Every event of the asked cells in `[start, covered_end]`: the queries' and the ones the
    /// evidence store already held.
    pub events: Vec<AccessEvent>,
    /// Queries run for the parts the store did not hold (none: the store answered it all).
    pub queries: Vec<QueryStat>,
    pub start: DateTime<Utc>,
    /// The trail answers up to here; later is LookupEvents' part.
    pub covered_end: DateTime<Utc>,
    /// Set when the files were read from S3 directly (`--cloudtrail s3://`), not through Athena.
    pub s3: Option<S3Stats>,
}

impl HistoryAnswer {
    pub fn scanned_bytes(&self) -> u64 {
        self.queries.iter().map(|q| q.scanned_bytes).sum()
    }
}
