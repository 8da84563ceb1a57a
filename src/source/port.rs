//! The inventory port: what a source is, what it lists, how a cell fails, and the trait the
//! core's effects run against.

use futures::future::BoxFuture;

use crate::domain::{Account, Cell, CellHealth, ReplicaStatus, Secret};

/// What kind of source feeds the console, as the status bar names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    Demo,
    Snapshot(String),
    /// CloudTrail log files alone (`--cloudtrail` with no AWS flag): events, no inventory.
    LogFiles(String),
    Live,
}

impl SourceKind {
    /// One word for reports and records: live, demo, snapshot, cloudtrail files.
    pub fn short_name(&self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Demo => "demo",
            Self::Snapshot(_) => "snapshot",
            Self::LogFiles(_) => "cloudtrail files",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    pub kind: SourceKind,
    pub label: String,
    pub accounts: Vec<Account>,
    pub cells: Vec<Cell>,
    /// Said once when the source opens, not failures (accounts left out, regions skipped).
    pub notes: Vec<String>,
}

/// Why a cell could not be loaded, sorted into what the operator can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub health: CellHealth,
}

impl CellError {
    pub fn throttled(m: impl Into<String>) -> Self {
        Self {
            health: CellHealth::Throttled(m.into()),
        }
    }
    pub fn down(m: impl Into<String>) -> Self {
        Self {
            health: CellHealth::Down(m.into()),
        }
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self {
            health: CellHealth::Forbidden(m.into()),
        }
    }
    pub fn failed(m: impl Into<String>) -> Self {
        Self {
            health: CellHealth::Failed(m.into()),
        }
    }
    pub fn message(&self) -> &str {
        self.health.detail().unwrap_or("")
    }
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.health.label(), self.message())
    }
}

pub type CellResult = Result<Vec<Secret>, CellError>;

/// Called with each page as it arrives, so the core can act before the whole cell is listed.
pub type OnPage = Box<dyn Fn(&[Secret]) + Send + Sync>;

/// How a live event fetch is going, as the events view shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchProgress {
    pub events: usize,
    pub pages: usize,
    pub calls: usize,
    pub throttled: usize,
    pub calls_per_sec: f64,
    pub oldest: Option<chrono::DateTime<chrono::Utc>>,
    pub newest: Option<chrono::DateTime<chrono::Utc>>,
    /// Set when the organization trail (Athena or S3) answered this page rather than
    /// LookupEvents.
    pub trail: Option<TrailPart>,
}

/// The part of a window the organization trail answered: which trail, up to when.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailPart {
    /// `database.table` for Athena, `s3://bucket/prefix` for the files.
    pub source: String,
    pub until: chrono::DateTime<chrono::Utc>,
}

/// Called with each page of events and the progress so far.
pub type OnEvents = Box<dyn Fn(Vec<crate::trail::AccessEvent>, FetchProgress) + Send + Sync>;

/// What a source can say of secrets' resource policies, for the access review.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourcePolicies {
    /// GetResourcePolicy answered (or failed) for each secret asked, in that order.
    Fetched {
        policies: Vec<FetchedPolicy>,
        stats: PolicyFetchStats,
    },
    /// The source's secrets carry no resource policies (the demo), and why.
    NoneInSource(String),
    /// The source cannot tell (a snapshot), and why.
    Unknown(String),
}

/// One secret's answer: the policy text (None: none attached) or why it could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedPolicy {
    pub arn: String,
    pub result: Result<Option<String>, CellError>,
    pub fetched_at: chrono::DateTime<chrono::Utc>,
}

/// How the fetch went, for the report's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyFetchStats {
    /// GetResourcePolicy calls sent, retries included.
    pub calls: usize,
    pub throttled: usize,
    pub seconds: f64,
}

impl PolicyFetchStats {
    pub fn calls_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.calls as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// The port the core's effects run against. Futures are `'static` so the runtime can spawn them.
pub trait InventorySource: Send + Sync {
    fn info(&self) -> SourceInfo;
    /// Lists one (account, region) cell, page by page. Never reads secret values.
    fn load_cell(&self, cell: Cell, on_page: OnPage) -> BoxFuture<'static, CellResult>;
    /// Replication status of a primary (DescribeSecret), only where the inventory needs it.
    fn describe_replication(
        &self,
        secret: &Secret,
    ) -> BoxFuture<'static, Result<Vec<ReplicaStatus>, CellError>>;
    /// CloudTrail records the source already holds (snapshots and the demo carry them).
    fn events(&self) -> Vec<serde_json::Value> {
        Vec::new()
    }

    /// Access events the source holds already normalised (snapshots of live fetches).
    fn access_events(&self) -> Vec<crate::trail::AccessEvent> {
        Vec::new()
    }

    /// What runbook steps run against: live AWS, or the data this source holds (the demo
    /// simulates writes; a snapshot refuses them).
    fn runbook_executor(&self) -> std::sync::Arc<dyn crate::incident::Executor>;

    /// The resource policy of each secret (GetResourcePolicy on the primary; never a value).
    fn resource_policies(&self, _secrets: Vec<Secret>) -> BoxFuture<'static, ResourcePolicies> {
        Box::pin(async {
            ResourcePolicies::Unknown("this source cannot read resource policies".to_string())
        })
    }

    /// Leak triage: reads the versions `plan` names and says which of them hold the suspected
    /// value. Values are hashed in memory and zeroed; only the matches come back. A source
    /// that holds no values (a snapshot) refuses.
    fn leak_check(
        &self,
        _suspect: std::sync::Arc<crate::leak::Suspect>,
        _plan: crate::leak::Plan,
    ) -> BoxFuture<'static, Result<crate::leak::Outcome, String>> {
        Box::pin(async {
            Err(
                "this source holds no secret values (a snapshot or log files): run leak-check \
                 against AWS, or rehearse it on --demo"
                    .to_string(),
            )
        })
    }

    /// The organization trail's Athena table (`database.table`), when the source has one.
    fn trail_table(&self) -> Option<String> {
        None
    }

    /// Access history from the organization trail over a long window (Athena), cached in the
    /// evidence store with the window it covers.
    fn trail_history(
        &self,
        _ask: super::history::HistoryAsk,
    ) -> BoxFuture<'static, Result<super::history::HistoryAnswer, String>> {
        Box::pin(async { Err("no organization trail table: pass --athena TABLE".to_string()) })
    }

    /// Whether `fetch_events` asks a live CloudTrail.
    fn live_events(&self) -> bool {
        false
    }

    /// Fetches access events of one cell in [start, end) from CloudTrail (cached locally);
    /// `cancel` stops it between calls with what it has.
    fn fetch_events(
        &self,
        _cell: Cell,
        _start: chrono::DateTime<chrono::Utc>,
        _end: chrono::DateTime<chrono::Utc>,
        _on_page: OnEvents,
        _cancel: tokio_util::sync::CancellationToken,
    ) -> BoxFuture<'static, Result<(), CellError>> {
        Box::pin(async { Ok(()) })
    }
}
