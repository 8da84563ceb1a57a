//! The live AWS source: the resolved profiles and one Secrets Manager and CloudTrail client
//! (with its LookupEvents rate limiter) per (account, region) cell.

use std::collections::HashMap;
use std::sync::Arc;

use super::cloudtrail;
use super::rate_limit;
use super::secrets_client::secrets_client;
use crate::domain::{Account, Cell};
use crate::source::CellError;
use crate::store::EvidenceStore;

/// How one profile resolved: its account and SDK config, or why it could not be reached.
#[derive(Clone)]
pub(crate) struct Profile {
    pub account: Account,
    pub config: aws_config::SdkConfig,
    pub failure: Option<CellError>,
    /// This account's own regions (`--all-regions`); None: the source's regions.
    pub regions: Option<Vec<String>>,
}

impl Profile {
    /// The regions read in this account.
    pub fn regions_or<'a>(&'a self, all: &'a [String]) -> &'a [String] {
        self.regions.as_deref().unwrap_or(all)
    }
}

// Fields are pub(super): the policy, drill and runbook files build and read sources too.
/// Each account's evidence store, opened once.
pub(super) type StoreMap = std::sync::Mutex<HashMap<String, Arc<std::sync::Mutex<EvidenceStore>>>>;

/// The account's evidence store from `stores`, opened in `state_dir` the first time.
pub(super) fn open_store(
    stores: &StoreMap,
    state_dir: &std::path::Path,
    account: &str,
) -> Result<Arc<std::sync::Mutex<EvidenceStore>>, CellError> {
    let mut stores = stores
        .lock()
        .map_err(|_| CellError::failed("evidence store lock poisoned"))?;
    if let Some(s) = stores.get(account) {
        return Ok(s.clone());
    }
    let store =
        EvidenceStore::open(state_dir, account).map_err(|e| CellError::failed(e.to_string()))?;
    let store = Arc::new(std::sync::Mutex::new(store));
    stores.insert(account.to_string(), store.clone());
    Ok(store)
}

/// A cell's Secrets Manager client and its CloudTrail client with LookupEvents' rate limiter.
type CellClients = (
    Cell,
    aws_sdk_secretsmanager::Client,
    (aws_sdk_cloudtrail::Client, rate_limit::RateLimiter),
);

fn cell_clients((config, cell): &(&aws_config::SdkConfig, Cell)) -> CellClients {
    (
        cell.clone(),
        secrets_client(config, cell),
        (
            cloudtrail::cloudtrail_client(config, cell),
            rate_limit::RateLimiter::lookup_events(),
        ),
    )
}

pub struct AwsSource {
    pub(super) label: String,
    pub(super) profiles: Vec<Profile>,
    pub(super) regions: Vec<String>,
    pub(super) clients: HashMap<Cell, aws_sdk_secretsmanager::Client>,
    pub(super) trails: HashMap<Cell, (aws_sdk_cloudtrail::Client, rate_limit::RateLimiter)>,
    pub(super) state_dir: std::path::PathBuf,
    pub(super) stores: Arc<StoreMap>,
    /// Cells listing at once (the fan-out bound).
    pub(super) permits: Arc<tokio::sync::Semaphore>,
    /// Said once when the source opens (accounts left out, regions skipped).
    pub(crate) notes: Vec<String>,
    /// What could not be done as asked (an `--accounts` pattern that matches nothing).
    pub(crate) problems: Vec<String>,
    /// The organization trail in Athena (`--athena`).
    pub(crate) trail: Option<super::athena::Trail>,
    /// The trail's files in S3, read directly (`--cloudtrail s3://`).
    pub(crate) s3_trail: Option<super::s3_trail::S3Trail>,
}

impl AwsSource {
    pub(crate) fn new(
        label: String,
        profiles: Vec<Profile>,
        regions: Vec<String>,
        state_dir: std::path::PathBuf,
    ) -> Self {
        let cells: Vec<(&aws_config::SdkConfig, Cell)> = profiles
            .iter()
            .flat_map(|p| {
                p.regions_or(&regions)
                    .iter()
                    .map(|region| (&p.config, Cell::new(&p.account.id, region)))
            })
            .collect();
        // Two SDK clients a cell take a tenth of a millisecond each: an organization's 200
        // cells are built a slice per core.
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let per = cells.len().div_ceil(threads).max(16);
        let built: Vec<Vec<CellClients>> = std::thread::scope(|scope| {
            let workers: Vec<_> = cells
                .chunks(per)
                .map(|slice| scope.spawn(move || slice.iter().map(cell_clients).collect()))
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_default())
                .collect()
        });
        let mut clients = HashMap::new();
        let mut trails = HashMap::new();
        for (cell, secrets, trail) in built.into_iter().flatten() {
            clients.insert(cell.clone(), secrets);
            trails.insert(cell, trail);
        }
        Self {
            label,
            profiles,
            regions,
            clients,
            trails,
            state_dir,
            stores: Arc::default(),
            permits: Arc::new(tokio::sync::Semaphore::new(super::options::DEFAULT_CELLS)),
            notes: Vec::new(),
            problems: Vec::new(),
            trail: None,
            s3_trail: None,
        }
    }

    /// At most `n` cells listing at once.
    pub(crate) fn with_max_cells(mut self, n: usize) -> Self {
        self.permits = Arc::new(tokio::sync::Semaphore::new(n.max(1)));
        self
    }

    /// Every (account, region) cell this source reads.
    pub(super) fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::new();
        for p in &self.profiles {
            for r in p.regions_or(&self.regions) {
                cells.push(Cell::new(&p.account.id, r));
            }
        }
        cells
    }

    /// Problems met while reaching the accounts, for the command to report.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The evidence store of an account, opened once.
    pub(super) fn store(
        &self,
        account: &str,
    ) -> Result<Arc<std::sync::Mutex<EvidenceStore>>, CellError> {
        open_store(&self.stores, &self.state_dir, account)
    }

    pub fn client(&self, cell: &Cell) -> Option<&aws_sdk_secretsmanager::Client> {
        self.clients.get(cell)
    }

    pub(super) fn failure_of(&self, account: &str) -> Option<CellError> {
        self.profiles
            .iter()
            .find(|p| p.account.id == account)
            .and_then(|p| p.failure.clone())
    }
}
