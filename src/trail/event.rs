//! One CloudTrail record, normalised: the fields an operator reads and groups by.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::principal::Principal;
use super::secret_ref::SecretRef;

pub use super::fields::SECRETS_MANAGER;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessEvent {
    /// eventID, or `sha256:<hex>` of the record's canonical JSON when the record has none.
    pub event_id: String,
    pub time: DateTime<Utc>,
    /// recipientAccountId, else userIdentity.accountId; kept as written (sanitised logs have
    /// 9- and 11-digit or even textual ids).
    pub account: Option<String>,
    pub region: String,
    pub source: String,
    pub name: String,
    pub read_only: Option<bool>,
    pub kind: EventKind,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub principal: Principal,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub vpc_endpoint: Option<String>,
    pub request_id: Option<String>,
    /// Everything the record says it touched, de-duplicated, in the order first seen.
    pub secrets: Vec<SecretRef>,
}

/// CloudTrail's eventType.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    AwsApiCall,
    AwsServiceEvent,
    Other(String),
}

impl EventKind {
    pub fn parse(s: &str) -> Self {
        match s {
            "AwsApiCall" => Self::AwsApiCall,
            "AwsServiceEvent" => Self::AwsServiceEvent,
            other => Self::Other(other.to_string()),
        }
    }
}

/// Secrets Manager API calls that change a secret, its value, policy, tags or replication.
pub const WRITES: &[&str] = &[
    "CreateSecret",
    "PutSecretValue",
    "UpdateSecret",
    "UpdateSecretVersionStage",
    "DeleteSecret",
    "RestoreSecret",
    "RotateSecret",
    "CancelRotateSecret",
    "PutResourcePolicy",
    "DeleteResourcePolicy",
    "TagResource",
    "UntagResource",
    "ReplicateSecretToRegions",
    "RemoveRegionsFromReplication",
    "StopReplicationToReplica",
];

impl AccessEvent {
    pub fn is_secrets_manager(&self) -> bool {
        self.source == SECRETS_MANAGER
    }

    /// A read of a secret's value, whether it succeeded or not.
    pub fn is_read(&self) -> bool {
        self.is_secrets_manager()
            && matches!(self.name.as_str(), "GetSecretValue" | "BatchGetSecretValue")
    }

    /// A Secrets Manager API call that changes something, whether it succeeded or not; calls
    /// not in the known list count when CloudTrail marks them readOnly=false.
    pub fn is_write(&self) -> bool {
        self.is_secrets_manager()
            && self.kind == EventKind::AwsApiCall
            && (WRITES.contains(&self.name.as_str()) || self.read_only == Some(false))
    }

    /// Service events such as RotationFailed carry only an errorMessage, so either field counts.
    pub fn failed(&self) -> bool {
        self.error_code.is_some() || self.error_message.is_some()
    }

    pub fn principal_label(&self) -> String {
        self.principal.label()
    }
}
