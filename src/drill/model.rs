//! The drill's data: the replication matrix (secrets by region), what each cell shows, the
//! evidence the drill gathered beyond listings, and the verdicts. Pure data, serialisable as the
//! JSON report shows it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{CellHealth, ReplicationState};

/// One secret across regions: the account, its primary's region and its name. Replicas share it,
/// so a replica whose primary region is down still finds its row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SecretKey {
    pub account: String,
    pub primary_region: String,
    pub name: String,
}

/// Which secrets a drill looks at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Selection {
    /// Every primary the policy requires in the DR region, plus every one already replicated there.
    #[default]
    Default,
    /// Names matching a `*` glob (`prod/*`), required or not.
    Glob(String),
}

/// The whole drill: the matrix with a verdict per row, and the overall verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drill {
    pub dr_region: String,
    /// The matrix's columns: every region loaded, the DR region included.
    pub regions: Vec<String>,
    pub rows: Vec<Row>,
    pub overall: Outcome,
    pub counts: Counts,
    /// Things about the drill as a whole (e.g. the DR region is not one the policy names).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
}

/// One row of the matrix: a secret, its primary, one cell per region, and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub key: SecretKey,
    /// The primary's ARN (derived from a replica's when the primary could not be listed).
    pub arn: String,
    pub primary: Primary,
    /// Why the policy requires a replica in the DR region (None: not required).
    pub required_because: Option<String>,
    /// Tagged `DrillFixture=true`: promotion may be rehearsed on it.
    pub fixture: bool,
    /// One per column of [`Drill::regions`], in the same order.
    pub cells: Vec<RegionCell>,
    /// What the DR region would serve after a failover (None: nothing there to serve).
    pub failover: Option<Failover>,
    pub value_check: Option<ValueCheck>,
    pub promotion: Option<PromotionRecord>,
    pub verdict: Outcome,
    pub reasons: Vec<Reason>,
}

/// What is known of the primary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Primary {
    Listed {
        current_version: Option<String>,
        last_changed: Option<DateTime<Utc>>,
        last_accessed: Option<DateTime<Utc>>,
        kms_key_id: Option<String>,
        scheduled_for_deletion: bool,
    },
    /// Its region could not be read (down, throttled, forbidden...).
    Unreachable { health: CellHealth },
    /// Its region was not among the regions read.
    NotLoaded,
    /// Its region was read and does not list it.
    NotListed,
}

/// One (secret, region) cell of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionCell {
    pub region: String,
    #[serde(flatten)]
    pub presence: Presence,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Presence {
    /// The primary lives here.
    Primary,
    Replica(Box<Replica>),
    /// No replica here; `required` when the policy wants one (the DR region only).
    Absent {
        required: bool,
    },
    /// Cannot be told: the region could not be read and the primary's status does not say.
    Unknown {
        why: String,
    },
}

/// A replica as the primary's ReplicationStatus and the replica region's own listing show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replica {
    /// From the primary's DescribeSecret; `Unknown` when only the listing was seen.
    pub status: ReplicationState,
    pub message: Option<String>,
    /// None: the AWS managed key `aws/secretsmanager`.
    pub kms_key_id: Option<String>,
    pub last_accessed: Option<DateTime<Utc>>,
    /// The replica's own listing in its region, when that region listed it.
    pub listing: Option<ReplicaListing>,
    pub parity: Parity,
    pub key: KeyCheck,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplicaListing {
    pub arn: String,
    pub current_version: Option<String>,
    /// When the AWSCURRENT version was created, where the source says.
    pub current_created: Option<DateTime<Utc>>,
    pub last_changed: Option<DateTime<Utc>>,
}

/// The replica's AWSCURRENT version id against the primary's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Parity {
    Same {
        version: String,
    },
    /// Different AWSCURRENT: if the status says InSync, this is drift.
    Behind {
        primary: String,
        replica: String,
    },
    /// The replica's region was read and does not list it.
    NotListed,
    Unverified {
        why: String,
    },
}

/// What can be told of the replica's KMS key without reading a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyCheck {
    /// `aws/secretsmanager` (or no key named at all).
    pub aws_managed: bool,
    /// The policy's `customer-managed-key` rule applies to this secret.
    pub customer_key_required: bool,
    /// The key's ARN names another region than the replica's: suspect.
    pub key_region: Option<String>,
}

/// What a failover to the DR region would serve for this secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failover {
    pub region: String,
    pub arn: String,
    pub version_id: Option<String>,
    pub version_created: Option<DateTime<Utc>>,
    pub last_changed: Option<DateTime<Utc>>,
    pub last_accessed: Option<DateTime<Utc>>,
    /// Whether that version was checked against the primary's AWSCURRENT.
    pub parity_verified: bool,
    pub caveat: Option<String>,
}

/// `--verify-values`: SHA-256 of AWSCURRENT in both regions, compared in memory.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ValueCheck {
    Compared {
        /// The first 8 hex characters of each fingerprint.
        primary: String,
        replica: String,
        matches: bool,
    },
    Failed {
        why: String,
    },
}

/// One promotion rehearsal: each step as it went, with its duration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromotionRecord {
    pub steps: Vec<PromotionStep>,
    pub succeeded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromotionStep {
    /// e.g. `StopReplicationToReplica`, `check promoted`, `ReplicateSecretToRegions`, `wait InSync`.
    pub step: String,
    pub region: String,
    pub ok: bool,
    pub detail: String,
    pub seconds: f64,
    pub request_id: Option<String>,
}

/// Evidence gathered after the listings: value fingerprints and promotion rehearsals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    pub values: BTreeMap<SecretKey, ValueCheck>,
    pub promotions: BTreeMap<SecretKey, PromotionRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Warn,
    Fail,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "FAIL",
        }
    }
}

/// Why a row is not a plain pass; `code` is stable for scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub level: Outcome,
    pub code: &'static str,
    pub text: String,
}

impl Row {
    /// The cell of a region, if it is a column.
    pub fn cell(&self, region: &str) -> Option<&RegionCell> {
        self.cells.iter().find(|c| c.region == region)
    }

    /// The replica in a region, if there is one.
    pub fn replica(&self, region: &str) -> Option<&Replica> {
        match self.cell(region).map(|c| &c.presence) {
            Some(Presence::Replica(r)) => Some(r),
            _ => None,
        }
    }

    pub fn primary_listed(&self) -> bool {
        matches!(self.primary, Primary::Listed { .. })
    }

    pub fn primary_version(&self) -> Option<&str> {
        match &self.primary {
            Primary::Listed {
                current_version, ..
            } => current_version.as_deref(),
            _ => None,
        }
    }
}

impl std::fmt::Display for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} {})",
            self.name, self.account, self.primary_region
        )
    }
}
