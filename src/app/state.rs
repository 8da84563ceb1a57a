//! Everything the screen shows, and nothing it does not need.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::columns::{Column, Ctx, Findings};
pub use super::cursor::Cursor;
use super::filter::SearchIndex;
use super::request::RequestId;
use crate::domain::{Cell, CellHealth, Inventory, ReplicaStatus, Secret};
use crate::source::SourceInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Inventory,
    Detail,
    Audit,
    Events,
    WhoRead,
    Principal,
    Record,
    Help,
    /// The runbook catalog and the journal's incidents.
    Runbooks,
    /// One run: its steps, the operator's turn, the journal.
    Run,
    /// The replication matrix: secrets by region, checked against a DR region.
    Replicas,
    /// One replica of the matrix: status, key, parity, failover, verdict.
    Replica,
    /// The quarterly access review: who may read each secret against who did, and decisions.
    Review,
    /// The registry's environment matrix: each key in each environment against the inventory.
    Registry,
}

impl View {
    pub const NAMES: &'static [(&'static str, View)] = &[
        ("inventory", View::Inventory),
        ("secrets", View::Inventory),
        ("detail", View::Detail),
        ("audit", View::Audit),
        ("findings", View::Audit),
        ("events", View::Events),
        ("trail", View::Events),
        ("principals", View::Principal),
        ("runbooks", View::Runbooks),
        ("incidents", View::Runbooks),
        ("run", View::Run),
        ("replicas", View::Replicas),
        ("replication", View::Replicas),
        ("review", View::Review),
        ("registry", View::Registry),
        ("matrix", View::Registry),
        ("help", View::Help),
    ];
}

/// Which prompt, if any, receives typed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Command,
    /// Typing into a view's own field: a runbook's parameters, a note, a confirmation.
    Input,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CellState {
    pub health: CellHealth,
    pub request: Option<RequestId>,
    pub loaded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: Column,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: NoticeLevel,
    pub text: String,
}

/// How the findings view groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditGroup {
    Rule,
    Owner,
    Severity,
}

/// One row of the findings view: a secret's finding, by ARN and index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub arn: String,
    pub index: usize,
}

/// The events views' state: filters, rows, cursors, the pivots, and live fetching.
#[derive(Debug, Clone, Default)]
pub struct EventsView {
    pub filter: crate::trail::analysis::EventFilter,
    /// Window preset; None shows everything loaded.
    pub preset: Option<crate::app::window::Preset>,
    pub rows: Vec<usize>,
    pub cursor: Cursor,
    /// The secret whose readers the who-read pane shows (primary ARN).
    pub who_read: Option<String>,
    pub reader_cursor: Cursor,
    /// The principal the pivot shows (Principal::key()).
    pub principal: Option<String>,
    pub pivot_cursor: Cursor,
    /// The event the record view shows (index into the event index).
    pub record: Option<usize>,
    pub record_scroll: u16,
    pub fetch: Option<Fetching>,
    pub fetched_once: bool,
    /// Computed in update when the focus, window or events change; views only read them.
    pub readers: Vec<crate::trail::analysis::Reader>,
    pub hints: Vec<String>,
    pub pivot: Vec<crate::trail::analysis::SecretReads>,
    /// The who-read pane's selected principal: its reads of the secret in the window, as
    /// indices into the event index, newest first.
    pub reader_reads: Vec<usize>,
    /// With the team's registry: one line on the alerts of the window, above the list.
    pub registry_line: Option<String>,
}

/// What a join builds beyond the inventory and its sorted rows: the console wants the search
/// index and the audit; a headless command asks only for what its output shows (an
/// organization's audit and index take a third of a second at 40,000 secrets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Derive {
    pub search: bool,
    pub audit: bool,
    /// Joins while cells load, so the table grows on screen; a headless command joins once.
    pub progress: bool,
}

impl Default for Derive {
    fn default() -> Self {
        Derive {
            search: true,
            audit: true,
            progress: true,
        }
    }
}

/// A live LookupEvents fetch in progress, across cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetching {
    pub requests: Vec<RequestId>,
    pub events: usize,
    pub pages: usize,
    pub calls_per_sec: f64,
    pub oldest: Option<DateTime<Utc>>,
    pub newest: Option<DateTime<Utc>>,
    pub throttled: usize,
    /// Events the organization trail answered, which trail, and up to when (the earliest
    /// across cells); LookupEvents answered the rest.
    pub trail_events: usize,
    pub trail: Option<crate::source::TrailPart>,
}

/// A hash of (account, region of the primary, name): how a replica finds its primary while
/// cells load. A hash, not the three strings: an organization lists tens of thousands of
/// primaries, and a collision only costs an early DescribeSecret (the join checks again).
pub type JoinKey = u64;

pub fn join_key(account: &str, primary_region: &str, name: &str) -> JoinKey {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (account, primary_region, name).hash(&mut h);
    h.finish()
}

/// Primaries and replicas seen in pages of cells still loading.
#[derive(Debug, Clone, Default)]
pub struct EarlyJoin {
    /// Primaries not yet known to be replicated: their ARN.
    pub primaries: HashMap<JoinKey, String>,
    pub replicas: HashSet<JoinKey>,
}

#[derive(Debug, Clone)]
pub struct State {
    pub source: SourceInfo,
    /// Account names by id (an organization's), shown in the ACCOUNT column and searched.
    pub account_names: HashMap<String, String>,
    pub read_only: bool,
    pub now: DateTime<Utc>,
    pub cells: BTreeMap<Cell, CellState>,
    /// What each cell listed last time it loaded; kept when a later refresh fails.
    pub listings: BTreeMap<Cell, Vec<std::sync::Arc<Secret>>>,
    pub inventory: Inventory,
    pub search: SearchIndex,
    /// Indices into `inventory.entries`, filtered and sorted: the rows on screen, in order.
    pub rows: Vec<usize>,
    pub cursor: Cursor,
    pub sort: Sort,
    pub filter: String,
    pub mode: Mode,
    pub prompt: String,
    pub view: View,
    pub back: Vec<View>,
    /// The secret the detail view shows, by ARN (rows move when data refreshes).
    pub detail: Option<String>,
    pub detail_scroll: u16,
    pub help_scroll: u16,
    pub notice: Option<Notice>,
    pub problems: Vec<String>,
    pub last_refresh: Option<DateTime<Utc>>,
    /// Cells answered since the inventory was last joined (joins are batched while loading).
    pub unjoined_cells: usize,
    /// When the inventory was last joined while cells were loading.
    pub last_join: Option<DateTime<Utc>>,
    /// ARNs with a DescribeSecret in flight.
    pub describing: HashSet<String>,
    /// Replication status by primary ARN, from DescribeSecret; survives re-joins and refreshes.
    pub replication: HashMap<String, Vec<ReplicaStatus>>,
    /// Replication status shown from before the last refresh, to be asked for again.
    pub stale_replication: HashSet<String>,
    /// Pages seen during the current load, to ask for replication status before cells finish.
    pub early: EarlyJoin,
    pub next_request: RequestId,
    /// Terminal size; the table height follows from it.
    pub width: u16,
    pub height: u16,
    pub quitting: bool,
    /// What each join derives beyond the inventory and its rows.
    pub derive: Derive,
    pub policy: std::sync::Arc<crate::audit::Policy>,
    pub history: crate::audit::RotationHistory,
    pub findings: Findings,
    /// Access events (source, log files, live CloudTrail), indexed for filtering and pivots.
    pub events: std::sync::Arc<crate::trail::analysis::EventIndex>,
    pub ev: EventsView,
    /// Events of a running fetch not yet in the index.
    pub pending_events: Vec<crate::trail::AccessEvent>,
    /// Whether the source can fetch CloudTrail live.
    pub live_events: bool,
    pub audit_group: AuditGroup,
    pub audit_filter: String,
    pub audit_rows: Vec<AuditRow>,
    pub audit_cursor: Cursor,
    pub runbooks: super::runbooks::RunbooksView,
    pub run: super::runbooks::RunView,
    pub replicas: super::replicas::ReplicasView,
    pub review: super::review::ReviewView,
    pub registry: super::registry_view::RegistryView,
    /// The leak check's masked prompt (`L`), over the inventory or a secret's detail.
    pub leak: Option<super::leak_prompt::LeakPrompt>,
}

impl State {
    pub fn new(source: SourceInfo, read_only: bool, now: DateTime<Utc>) -> Self {
        let log_files_only = matches!(source.kind, crate::source::SourceKind::LogFiles(_));
        let cells = source
            .cells
            .iter()
            .map(|c| {
                (
                    c.clone(),
                    CellState {
                        health: CellHealth::Loading,
                        request: None,
                        loaded_at: None,
                    },
                )
            })
            .collect();
        let account_names = source
            .accounts
            .iter()
            .filter_map(|a| Some((a.id.clone(), a.alias.clone()?)))
            .collect();
        Self {
            account_names,
            source,
            read_only,
            now,
            cells,
            listings: BTreeMap::new(),
            inventory: Inventory::default(),
            search: SearchIndex::default(),
            rows: Vec::new(),
            cursor: Cursor::default(),
            sort: Sort {
                column: Column::Name,
                descending: false,
            },
            filter: String::new(),
            mode: Mode::Normal,
            prompt: String::new(),
            // Log files alone carry events and no inventory: they open where their data is.
            view: if log_files_only {
                View::Events
            } else {
                View::Inventory
            },
            back: Vec::new(),
            detail: None,
            detail_scroll: 0,
            help_scroll: 0,
            notice: None,
            problems: Vec::new(),
            last_refresh: None,
            unjoined_cells: 0,
            last_join: None,
            describing: HashSet::new(),
            replication: HashMap::new(),
            stale_replication: HashSet::new(),
            early: EarlyJoin::default(),
            next_request: 1,
            width: 80,
            height: 24,
            quitting: false,
            derive: Derive::default(),
            policy: std::sync::Arc::new(crate::audit::Policy::default()),
            history: crate::audit::RotationHistory::default(),
            findings: Findings::new(),
            events: std::sync::Arc::new(crate::trail::analysis::EventIndex::build::<Secret>(
                Vec::new(),
                &[],
            )),
            ev: EventsView::default(),
            pending_events: Vec::new(),
            live_events: false,
            audit_group: AuditGroup::Rule,
            audit_filter: String::new(),
            audit_rows: Vec::new(),
            audit_cursor: Cursor::default(),
            runbooks: super::runbooks::RunbooksView::default(),
            run: super::runbooks::RunView::default(),
            replicas: super::replicas::ReplicasView::default(),
            review: super::review::ReviewView::default(),
            registry: Default::default(),
            leak: None,
        }
    }

    /// Several accounts mean the account column earns its place.
    pub fn multi_account(&self) -> bool {
        self.source.accounts.len() > 1
    }

    /// Rows the inventory table shows at once: screen minus title, header, status and prompt lines.
    pub fn table_height(&self) -> usize {
        usize::from(self.height.saturating_sub(4)).max(1)
    }

    pub fn selected_entry(&self) -> Option<&crate::domain::Entry> {
        self.rows
            .get(self.cursor.selected)
            .and_then(|&i| self.inventory.entries.get(i))
    }

    pub fn detail_entry(&self) -> Option<&crate::domain::Entry> {
        let arn = self.detail.as_deref()?;
        self.inventory.entries.iter().find(|e| e.secret.arn == arn)
    }

    pub fn audit_finding(&self, row: &AuditRow) -> Option<&crate::audit::Finding> {
        self.findings.get(&row.arn).and_then(|f| f.get(row.index))
    }

    /// An account in a sentence, with its name when the source knows one.
    pub fn account_label(&self, id: &str) -> String {
        crate::domain::accounts::label(id, self.account_names.get(id).map(String::as_str))
    }

    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            now: self.now,
            findings: &self.findings,
            accounts: &self.account_names,
        }
    }

    /// Something on screen moves with the clock (a drill's stopwatch): the runtime ticks.
    pub fn animating(&self) -> bool {
        self.replicas.run.as_ref().is_some_and(|r| r.running())
    }

    pub fn loading(&self) -> bool {
        self.cells.values().any(|c| c.health == CellHealth::Loading)
    }

    pub fn alloc_request(&mut self) -> RequestId {
        let id = self.next_request;
        self.next_request += 1;
        id
    }
}
