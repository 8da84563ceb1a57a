//! A secret as one region of one account lists it, without its value (never fetched).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One secret as ListSecrets (and, where needed, DescribeSecret) reports it in one region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Secret {
    pub arn: String,
    pub name: String,
    pub account: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// None means the AWS managed key `aws/secretsmanager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owning_service: Option<String>,
    /// Set on replicas (to the primary's region) and, by AWS, on replicated primaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_rotation: Option<DateTime<Utc>>,
    /// Set when the secret is scheduled for deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<DateTime<Utc>>,
    #[serde(default)]
    pub rotation: Rotation,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub versions: Vec<Version>,
    /// Replication status per replica region; only known after DescribeSecret on the primary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<Vec<ReplicaStatus>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rotation {
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    pub id: String,
    #[serde(default)]
    pub stages: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaStatus {
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    pub status: ReplicationState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplicationState {
    InSync,
    InProgress,
    Failed,
    Unknown,
}

impl ReplicationState {
    pub fn parse(s: &str) -> Self {
        match s {
            "InSync" => Self::InSync,
            "InProgress" => Self::InProgress,
            "Failed" => Self::Failed,
            _ => Self::Unknown,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::InSync => "InSync",
            Self::InProgress => "InProgress",
            Self::Failed => "Failed",
            Self::Unknown => "Unknown",
        }
    }
}

/// An AWS account the inventory reads, with the profile it was reached through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// One (account, region) pair: the unit that loads, fails and is throttled on its own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cell {
    pub account: String,
    pub region: String,
}

impl Cell {
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            account: account.into(),
            region: region.into(),
        }
    }

    /// The cell of a secret's ARN (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME`).
    pub fn of_arn(arn: &str) -> Option<Self> {
        let mut parts = arn.split(':').skip(3);
        match (parts.next(), parts.next()) {
            (Some(region), Some(account)) if !region.is_empty() && !account.is_empty() => {
                Some(Self::new(account, region))
            }
            _ => None,
        }
    }
}

/// How a cell's last load went, as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum CellHealth {
    Loading,
    Ok,
    Throttled(String),
    Down(String),
    Forbidden(String),
    Failed(String),
}

impl CellHealth {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Loading => "loading",
            Self::Ok => "ok",
            Self::Throttled(_) => "throttled",
            Self::Down(_) => "down",
            Self::Forbidden(_) => "forbidden",
            Self::Failed(_) => "error",
        }
    }

    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Loading | Self::Ok => None,
            Self::Throttled(d) | Self::Down(d) | Self::Forbidden(d) | Self::Failed(d) => Some(d),
        }
    }
}

impl Secret {
    /// A replica is listed in a region other than its primary's.
    pub fn is_replica(&self) -> bool {
        self.primary_region
            .as_deref()
            .is_some_and(|primary| primary != self.region)
    }

    /// Tag value by key, ignoring the key's case (teams write `owner` and `Owner`).
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key.eq_ignore_ascii_case(key))
            .map(|t| t.value.as_str())
    }

    pub fn current_version(&self) -> Option<&Version> {
        self.versions.iter().find(|v| v.has_stage("AWSCURRENT"))
    }

    /// A version labelled AWSPENDING that is not also AWSCURRENT: a rotation that did not finish.
    pub fn stuck_pending(&self) -> Option<&Version> {
        self.versions
            .iter()
            .find(|v| v.has_stage("AWSPENDING") && !v.has_stage("AWSCURRENT"))
    }

    pub fn cell(&self) -> Cell {
        Cell::new(&self.account, &self.region)
    }
}

impl Version {
    pub fn has_stage(&self, stage: &str) -> bool {
        self.stages.iter().any(|s| s == stage)
    }
}

#[cfg(test)]
mod tests {
    use super::Cell;

    #[test]
    fn a_cell_is_read_from_an_arn() {
        let arn = "arn:aws:secretsmanager:eu-west-1:210987654321:secret:prod/db-AbCdEf";
        assert_eq!(
            Cell::of_arn(arn),
            Some(Cell::new("210987654321", "eu-west-1"))
        );
        assert_eq!(Cell::of_arn("prod/db"), None);
    }
}
