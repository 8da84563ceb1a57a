//! The review's data: one [`SecretReview`] per secret, with its metadata, its resource policy,
//! the policy's findings and one [`AccessRow`] per principal that may or did read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::findings::PolicyFinding;
use super::policy::Statement;
use crate::domain::inventory::Entry;

/// What the source knows of a secret's resource policy, before parsing.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyInput {
    /// GetResourcePolicy answered; `text` is None when no policy is attached.
    Fetched {
        text: Option<String>,
        fetched_at: DateTime<Utc>,
        /// From the local store rather than a call made now.
        cached: bool,
    },
    /// The source holds secrets without resource policies (the demo), and says why.
    NoneInSource(String),
    /// The source cannot tell (a snapshot), and says why.
    Unavailable(String),
    /// The call failed: the error, with what to do.
    Failed(String),
}

/// A secret's metadata as the inventory lists it; never its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretMeta {
    pub arn: String,
    pub name: String,
    pub account: String,
    pub region: String,
    pub replica_regions: Vec<String>,
    /// The replicas' ARNs: reads there count too.
    pub replica_arns: Vec<String>,
    pub owner: Option<String>,
    pub classification: Option<String>,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub rotation_enabled: bool,
    pub rotation_every_days: Option<i64>,
    pub last_rotated: Option<DateTime<Utc>>,
    pub last_accessed: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
    /// Set when the secret is scheduled for deletion.
    pub deleted: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyStatus {
    Attached,
    /// No resource policy: IAM alone decides.
    None,
    /// Fetched but not a policy Strongroom can read, or the call failed.
    Unreadable,
    /// The source cannot tell.
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyView {
    pub status: PolicyStatus,
    /// Why it is unreadable or unavailable, or where "none" comes from.
    pub detail: Option<String>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub cached: bool,
    /// The document exactly as fetched (untrusted text).
    pub document: Option<String>,
    pub statements: Vec<Statement>,
}

/// Whether (and how) the resource policy lets a row's principal read the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Allowed {
    /// Named in an Allow that covers GetSecretValue.
    Explicitly,
    /// Its account (`arn:aws:iam::A:root` or `A`) is named: the account's IAM decides who.
    ViaAccountRoot,
    /// `*`, or an Allow with NotPrincipal that does not name it.
    ViaEveryone,
    /// The policy does not grant it: it reads through its IAM policies.
    NotByResourcePolicy,
    /// There is no resource policy: IAM alone decides.
    NoPolicy,
    /// The policy could not be read (or the source has none to give), so nobody can tell.
    Unknown,
    /// An unconditional Deny for reading applies to it.
    Denied,
}

impl Allowed {
    pub fn label(self) -> &'static str {
        match self {
            Self::Explicitly => "explicitly",
            Self::ViaAccountRoot => "via account root",
            Self::ViaEveryone => "via * (everyone)",
            Self::NotByResourcePolicy => "not by resource policy",
            Self::NoPolicy => "no policy: IAM decides",
            Self::Unknown => "unknown: policy not read",
            Self::Denied => "denied by policy",
        }
    }
}

/// What a reviewer must look at in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Highlight {
    /// Allowed by the policy, not one read in the window.
    Unused,
    /// Read in the window, not explained by the resource policy: access through IAM.
    ThroughIam,
    /// The policy lets anyone read, with no condition narrowing who.
    Public,
    /// Tried to read and was refused, never succeeded.
    DeniedAttempts,
}

impl Highlight {
    pub fn label(self) -> &'static str {
        match self {
            Self::Unused => "allowed, unused in the window",
            Self::ThroughIam => "read through IAM, not the resource policy",
            Self::Public => "anyone may read",
            Self::DeniedAttempts => "tried and was denied",
        }
    }

    /// A word for the end of a table row.
    pub fn short(self) -> &'static str {
        match self {
            Self::Unused => "unused",
            Self::ThroughIam => "via IAM",
            Self::Public => "PUBLIC",
            Self::DeniedAttempts => "denied",
        }
    }

    /// One character for narrow columns.
    pub fn mark(self) -> char {
        match self {
            Self::Unused => '-',
            Self::ThroughIam => '+',
            Self::Public => '!',
            Self::DeniedAttempts => 'x',
        }
    }
}

/// One principal that may read the secret (the policy names it) or did (the events show it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessRow {
    /// An ARN (a role for all its sessions), an account id, a service, or `*`.
    pub principal: String,
    pub label: String,
    pub kind: String,
    /// Named by an Allow statement that covers reading.
    pub in_policy: bool,
    pub allowed: Allowed,
    /// Every statement that grants it is conditional: allowed only under its conditions.
    pub conditional: bool,
    pub conditions: Vec<String>,
    /// The statements that grant it (Sid or `statement N`).
    pub statements: Vec<String>,
    /// Deny statements that reach it, `(conditional)` when they have conditions.
    pub denied_by: Vec<String>,
    /// Successful reads in the window; for an account or `*` row, by every principal it
    /// explains.
    pub reads: usize,
    /// Distinct principals whose reads are counted.
    pub readers: usize,
    /// Reads refused with AccessDenied.
    pub denied: usize,
    /// Reads that failed otherwise.
    pub failed: usize,
    pub last_read: Option<DateTime<Utc>>,
    pub highlight: Option<Highlight>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretReview {
    pub secret: SecretMeta,
    pub policy: PolicyView,
    pub findings: Vec<PolicyFinding>,
    pub rows: Vec<AccessRow>,
}

impl SecretReview {
    pub fn with_highlight(&self, h: Highlight) -> impl Iterator<Item = &AccessRow> {
        self.rows.iter().filter(move |r| r.highlight == Some(h))
    }

    /// Whether `id` names this secret: its name, ARN (or an ARN prefix without the random
    /// suffix), or a replica's ARN.
    pub fn is_named(&self, id: &str) -> bool {
        let s = &self.secret;
        s.name == id
            || s.arn == id
            || s.arn.starts_with(&format!("{id}-"))
            || s.replica_arns.iter().any(|a| a == id)
    }
}

impl SecretMeta {
    pub fn of(entry: &Entry) -> Self {
        let s = &entry.secret;
        let tag = |key: &str| {
            s.tag(key)
                .or_else(|| {
                    s.tags
                        .iter()
                        .find(|t| t.key.eq_ignore_ascii_case(key))
                        .map(|t| t.value.as_str())
                })
                .map(str::to_string)
        };
        SecretMeta {
            arn: s.arn.clone(),
            name: s.name.clone(),
            account: s.account.clone(),
            region: s.region.clone(),
            replica_regions: entry
                .replica_regions()
                .into_iter()
                .map(str::to_string)
                .collect(),
            replica_arns: entry.replicas.iter().map(|r| r.arn.clone()).collect(),
            owner: tag("Owner"),
            classification: tag("Classification"),
            description: s.description.clone(),
            kms_key_id: s.kms_key_id.clone(),
            rotation_enabled: s.rotation.enabled,
            rotation_every_days: s.rotation.every_days,
            last_rotated: s.last_rotated,
            last_accessed: entry.last_accessed(),
            created: s.created,
            deleted: s.deleted,
        }
    }

    /// The primary's and the replicas' ARNs: where reads are counted.
    pub fn all_arns(&self) -> Vec<String> {
        std::iter::once(self.arn.clone())
            .chain(self.replica_arns.iter().cloned())
            .collect()
    }
}
