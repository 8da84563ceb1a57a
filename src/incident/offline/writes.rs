//! The demo's simulated writes: the same requests a live run sends, applied to the in-memory
//! fleet (and replayed from the journal on resume).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

use super::{OfflineExecutor, find, same_secret, text};
use crate::domain::{ReplicaStatus, ReplicationState, Secret, Tag, Version};
use crate::incident::executor::ActionOutput;
use crate::runbook::calls::{self, ApiCall};

impl OfflineExecutor {
    pub(super) fn apply(
        &self,
        call: &ApiCall,
        new_version: Option<&str>,
        at: DateTime<Utc>,
    ) -> ActionOutput {
        let mut fleet = self.fleet();
        let mut outputs = BTreeMap::new();
        let Some(primary) = find(&fleet.secrets, call.secret_id()).cloned() else {
            return ActionOutput::default();
        };
        match call.operation {
            "RotateSecret" => {
                let id = new_version
                    .map(str::to_string)
                    .unwrap_or_else(|| version_id(&primary.arn, at));
                for secret in fleet
                    .secrets
                    .iter_mut()
                    .filter(|s| same_secret(s, &primary))
                {
                    rotate(secret, &id, at);
                }
                outputs.insert("new_version".to_string(), id);
            }
            "PutResourcePolicy" => {
                let previous = fleet
                    .policies
                    .get(&primary.arn)
                    .cloned()
                    .unwrap_or_default();
                if !previous.contains(calls::DENY_ALL_SID) {
                    outputs.insert("previous_policy".to_string(), previous);
                }
                let policy = call.text("ResourcePolicy").unwrap_or_default().to_string();
                fleet.policies.insert(primary.arn.clone(), policy);
            }
            "DeleteResourcePolicy" => {
                fleet.policies.remove(&primary.arn);
            }
            "TagResource" => {
                let tags: Vec<Tag> = call
                    .body
                    .get("Tags")
                    .and_then(Value::as_array)
                    .map(|tags| {
                        tags.iter()
                            .map(|t| Tag {
                                key: text(t, "Key"),
                                value: text(t, "Value"),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                for secret in fleet
                    .secrets
                    .iter_mut()
                    .filter(|s| same_secret(s, &primary))
                {
                    for tag in &tags {
                        secret.tags.retain(|t| t.key != tag.key);
                        secret.tags.push(tag.clone());
                    }
                }
            }
            "CancelRotateSecret" => {
                for secret in fleet
                    .secrets
                    .iter_mut()
                    .filter(|s| same_secret(s, &primary))
                {
                    secret.rotation.enabled = false;
                    for version in &mut secret.versions {
                        version.stages.retain(|s| s != "AWSPENDING");
                    }
                }
            }
            "RestoreSecret" => {
                for secret in fleet
                    .secrets
                    .iter_mut()
                    .filter(|s| same_secret(s, &primary))
                {
                    secret.deleted = None;
                }
            }
            "StopReplicationToReplica" => {
                // The replica (named by its ARN) becomes a standalone secret in its region.
                let replica_arn = call.secret_id().to_string();
                outputs.insert("promoted_arn".to_string(), replica_arn.clone());
                if let Some(replica) = fleet.secrets.iter_mut().find(|s| s.arn == replica_arn) {
                    let region = replica.region.clone();
                    replica.primary_region = None;
                    let name = replica.name.clone();
                    let account = replica.account.clone();
                    for p in fleet
                        .secrets
                        .iter_mut()
                        .filter(|s| s.name == name && s.account == account && s.region != region)
                    {
                        if let Some(statuses) = &mut p.replication {
                            statuses.retain(|r| r.region != region);
                        }
                    }
                }
            }
            "ReplicateSecretToRegions" => {
                let regions: Vec<String> = call
                    .body
                    .get("AddReplicaRegions")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().map(|r| text(r, "Region")).collect())
                    .unwrap_or_default();
                for region in regions {
                    add_replica(&mut fleet.secrets, &primary, &region);
                }
            }
            _ => {}
        }
        ActionOutput {
            outputs,
            request_id: Some(format!(
                "simulated-{}",
                &version_id(&call.body_json(), at)[..8]
            )),
        }
    }
}

fn version_id(seed: &str, at: DateTime<Utc>) -> String {
    let digest = Sha256::digest(format!("{seed}{}", at.timestamp_nanos_opt().unwrap_or(0)));
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn rotate(secret: &mut Secret, id: &str, at: DateTime<Utc>) {
    for version in &mut secret.versions {
        let was_current = version.stages.iter().any(|s| s == "AWSCURRENT");
        version
            .stages
            .retain(|s| s != "AWSCURRENT" && s != "AWSPREVIOUS" && s != "AWSPENDING");
        if was_current {
            version.stages.push("AWSPREVIOUS".to_string());
        }
    }
    // Versions left without a stage are deprecated: ListSecretVersionIds hides them.
    secret.versions.retain(|v| !v.stages.is_empty());
    secret.versions.insert(
        0,
        Version {
            id: id.to_string(),
            stages: vec!["AWSCURRENT".to_string()],
            created: Some(at),
            last_accessed: None,
        },
    );
    secret.last_rotated = Some(at);
    secret.last_changed = Some(at);
}

fn add_replica(secrets: &mut Vec<Secret>, primary: &Secret, region: &str) {
    if let Some(p) = secrets.iter_mut().find(|s| s.arn == primary.arn) {
        let statuses = p.replication.get_or_insert_with(Vec::new);
        if !statuses.iter().any(|r| r.region == region) {
            statuses.push(ReplicaStatus {
                region: region.to_string(),
                kms_key_id: None,
                status: ReplicationState::InSync,
                message: Some("Replication succeeded".to_string()),
                last_accessed: None,
            });
        }
    }
    // A standalone copy left by a promotion is overwritten (ForceOverwriteReplicaSecret).
    if let Some(copy) = secrets
        .iter_mut()
        .find(|s| same_secret(s, primary) && s.region == region)
    {
        copy.primary_region = Some(primary.region.clone());
        copy.replication = None;
        copy.versions = primary.versions.clone();
    } else {
        let mut replica = primary.clone();
        replica.arn = primary
            .arn
            .replace(&format!(":{}:", primary.region), &format!(":{region}:"));
        replica.region = region.to_string();
        replica.primary_region = Some(primary.region.clone());
        replica.replication = None;
        secrets.push(replica);
    }
}
