//! AWS calls only the DR drill makes, each opt-in: GetSecretValue for `--verify-values`
//! (the value is hashed in memory and overwritten; only the SHA-256 leaves this module), and the
//! promotion rehearsal's StopReplicationToReplica, ReplicateSecretToRegions and DescribeSecret.
//! Writes send exactly the previewed [`ApiCall`], nothing added.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::operation::RequestId;
use aws_sdk_secretsmanager::types::ReplicaRegionType;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::source::AwsSource;
use super::{convert, errors};
use crate::domain::{Cell, ReplicaStatus};
use crate::runbook::calls::ApiCall;
use crate::source::CellError;

impl AwsSource {
    /// The same accounts, with `region` read too (the drill's DR region).
    pub fn with_region(self, region: &str) -> Self {
        let everywhere = self.regions.iter().any(|r| r == region)
            && self
                .profiles
                .iter()
                .all(|p| p.regions_or(&self.regions).iter().any(|r| r == region));
        if everywhere {
            return self;
        }
        let mut regions = self.regions;
        if !regions.iter().any(|r| r == region) {
            regions.push(region.to_string());
        }
        let mut profiles = self.profiles;
        for p in &mut profiles {
            if let Some(own) = &mut p.regions
                && !own.iter().any(|r| r == region)
            {
                own.push(region.to_string());
            }
        }
        let permits = self.permits.clone();
        let mut source = AwsSource::new(self.label, profiles, regions, self.state_dir);
        source.permits = permits;
        source.notes = self.notes;
        source.problems = self.problems;
        source.trail = self.trail;
        source.s3_trail = self.s3_trail;
        source
    }

    /// The Secrets Manager client of one (account, region) the source reads.
    pub fn drill_client(&self, account: &str, region: &str) -> Result<Client, CellError> {
        if let Some(failure) = self.failure_of(account) {
            return Err(failure);
        }
        self.clients
            .get(&Cell::new(account, region))
            .cloned()
            .ok_or_else(|| {
                CellError::failed(format!(
                    "account {account} region {region} is not among the regions read"
                ))
            })
    }
}

/// The SHA-256 of a secret's AWSCURRENT value (its bytes, as `sha256sum` would hash them), and
/// which version was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub version_id: Option<String>,
    pub sha256: [u8; 32],
}

impl Fingerprint {
    /// The first 8 hex characters: enough to compare by eye, useless to guess a value from.
    pub fn short(&self) -> String {
        self.sha256[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// GetSecretValue of AWSCURRENT; the value is hashed and overwritten at once, never returned.
/// This is a read: it appears in CloudTrail and moves LastAccessedDate.
pub async fn fingerprint_current(
    client: &Client,
    secret_id: &str,
) -> Result<Fingerprint, CellError> {
    let mut out = client
        .get_secret_value()
        .secret_id(secret_id)
        .version_stage("AWSCURRENT")
        .send()
        .await
        .map_err(errors::classify)?;
    let mut hasher = Sha256::new();
    let mut found = false;
    if let Some(text) = out.secret_string.take() {
        let mut bytes = text.into_bytes();
        hasher.update(&bytes);
        wipe(&mut bytes);
        found = true;
    }
    if let Some(blob) = out.secret_binary.take() {
        let mut bytes = blob.into_inner();
        hasher.update(&bytes);
        wipe(&mut bytes);
        found = true;
    }
    if !found {
        return Err(CellError::failed("AWSCURRENT has no value"));
    }
    Ok(Fingerprint {
        version_id: out.version_id.take(),
        sha256: hasher.finalize().into(),
    })
}

/// Overwrites our copy of a value before it is freed (the SDK's response buffer is only dropped).
fn wipe(bytes: &mut Vec<u8>) {
    bytes.fill(0);
    std::hint::black_box(&bytes);
    bytes.clear();
}

/// What DescribeSecret says of a secret: whether it is a replica, and its replicas' status.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    pub arn: String,
    pub primary_region: Option<String>,
    pub replication: Vec<ReplicaStatus>,
    pub request_id: Option<String>,
}

pub async fn describe(client: &Client, secret_id: &str) -> Result<Described, CellError> {
    let out = client
        .describe_secret()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(errors::classify)?;
    Ok(Described {
        arn: out.arn().unwrap_or_default().to_string(),
        primary_region: out.primary_region().map(str::to_string),
        replication: convert::replication(out.replication_status()),
        request_id: out.request_id().map(str::to_string),
    })
}

/// Sends the previewed StopReplicationToReplica; answers the request id.
pub async fn stop_replication(
    client: &Client,
    call: &ApiCall,
) -> Result<Option<String>, CellError> {
    check_request(call, "StopReplicationToReplica", &["SecretId"])?;
    let out = client
        .stop_replication_to_replica()
        .secret_id(call.secret_id())
        .send()
        .await
        .map_err(errors::classify)?;
    Ok(out.request_id().map(str::to_string))
}

/// Sends the previewed ReplicateSecretToRegions; answers the replication status and request id.
pub async fn replicate(
    client: &Client,
    call: &ApiCall,
) -> Result<(Vec<ReplicaStatus>, Option<String>), CellError> {
    check_request(
        call,
        "ReplicateSecretToRegions",
        &[
            "SecretId",
            "AddReplicaRegions",
            "ForceOverwriteReplicaSecret",
        ],
    )?;
    let regions = call
        .body
        .get("AddReplicaRegions")
        .and_then(Value::as_array)
        .ok_or_else(|| CellError::failed("the request has no AddReplicaRegions"))?
        .iter()
        .map(|r| {
            ReplicaRegionType::builder()
                .set_region(r.get("Region").and_then(Value::as_str).map(str::to_string))
                .set_kms_key_id(
                    r.get("KmsKeyId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                )
                .build()
        })
        .collect();
    let force = call
        .body
        .get("ForceOverwriteReplicaSecret")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let out = client
        .replicate_secret_to_regions()
        .secret_id(call.secret_id())
        .set_add_replica_regions(Some(regions))
        .force_overwrite_replica_secret(force)
        .send()
        .await
        .map_err(errors::classify)?;
    Ok((
        convert::replication(out.replication_status()),
        out.request_id().map(str::to_string),
    ))
}

/// Refuses a request that is not the operation, or has a key, this module sends.
fn check_request(call: &ApiCall, operation: &str, keys: &[&str]) -> Result<(), CellError> {
    if call.operation != operation {
        return Err(CellError::failed(format!(
            "expected a {operation} request, got {}; nothing was sent",
            call.operation
        )));
    }
    if let Some(key) = call.body.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(CellError::failed(format!(
            "the {operation} request has `{key}`, which is not sent here; nothing was sent"
        )));
    }
    if call.secret_id().trim().is_empty() {
        return Err(CellError::failed(format!(
            "the {operation} request has no SecretId"
        )));
    }
    Ok(())
}
