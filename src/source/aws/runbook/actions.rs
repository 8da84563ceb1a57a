//! Approved writes: exactly the operation and body of the [`ApiCall`] the operator saw, nothing
//! added. A body key this module cannot send is refused before any call is made.
//!
//! `put_deny_all_policy` first reads the attached policy and returns it as `previous_policy`
//! ("" when none). When that policy already carries our deny-all statement (a retry after an
//! earlier put of ours went through), the policy from before containment is no longer on AWS:
//! `previous_policy` is left out and `note` says so, so nobody restores our own deny-all.

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::operation::RequestId;
use aws_sdk_secretsmanager::types::{ReplicaRegionType, Tag};
use serde_json::Value;

use super::executor::AwsExecutor;
use super::step_error::{fatal, sdk_error};
use crate::incident::ActionOutput;
use crate::runbook::calls::{ApiCall, DENY_ALL_SID, DRILL_FIXTURE_TAG};
use crate::runbook::engine::StepError;
use crate::runbook::spec::ActionKind;

/// The body keys each operation sends; anything else in a body is refused.
fn allowed_keys(operation: &str) -> Option<&'static [&'static str]> {
    Some(match operation {
        "RotateSecret" => &["SecretId", "RotateImmediately"],
        "PutResourcePolicy" => &["SecretId", "ResourcePolicy"],
        "DeleteResourcePolicy" | "CancelRotateSecret" | "RestoreSecret" => &["SecretId"],
        "TagResource" => &["SecretId", "Tags"],
        "ReplicateSecretToRegions" => &[
            "SecretId",
            "AddReplicaRegions",
            "ForceOverwriteReplicaSecret",
        ],
        "StopReplicationToReplica" => &["SecretId"],
        _ => return None,
    })
}

/// The operations each runbook action may make.
fn operations_of(action: ActionKind) -> &'static [&'static str] {
    match action {
        ActionKind::RotateNow => &["RotateSecret"],
        ActionKind::PutDenyAllPolicy => &["PutResourcePolicy"],
        ActionKind::RestorePolicy => &["PutResourcePolicy", "DeleteResourcePolicy"],
        ActionKind::Tag => &["TagResource"],
        ActionKind::CancelRotation => &["CancelRotateSecret"],
        ActionKind::RestoreSecret => &["RestoreSecret"],
        ActionKind::ReplicateToRegion => &["ReplicateSecretToRegions"],
        ActionKind::PromoteReplica => &["StopReplicationToReplica"],
    }
}

pub(super) async fn send(
    exec: &AwsExecutor,
    action: ActionKind,
    call: &ApiCall,
) -> Result<ActionOutput, StepError> {
    let operation = call.operation;
    let Some(keys) = allowed_keys(operation) else {
        return Err(fatal(format!(
            "secretsmanager:{operation} is not an operation runbooks may send"
        )));
    };
    if !operations_of(action).contains(&operation) {
        return Err(fatal(format!(
            "secretsmanager:{operation} is not what this action makes (expected {})",
            operations_of(action).join(" or ")
        )));
    }
    if let Some(key) = call.body.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(fatal(format!(
            "the request body has `{key}`, which {operation} is not sent with here; nothing was sent"
        )));
    }
    let secret_id = call.secret_id().trim();
    if secret_id.is_empty() {
        return Err(fatal(format!("the {operation} request has no SecretId")));
    }
    let cell = exec.locate(secret_id)?;
    let client = exec.secrets(&cell)?;
    let region = cell.region.as_str();
    let mut outputs = BTreeMap::new();
    if action == ActionKind::PromoteReplica {
        // A drill never promotes a real secret: only fixtures tagged for it.
        let (out, _) = exec.describe(&cell, secret_id).await?;
        let fixture = out
            .tags()
            .iter()
            .any(|t| t.key() == Some(DRILL_FIXTURE_TAG) && t.value() == Some("true"));
        if !fixture {
            return Err(fatal(format!(
                "{secret_id} is not tagged {DRILL_FIXTURE_TAG}=true: a drill promotes only its \
                 fixture secrets; nothing was sent"
            )));
        }
        outputs.insert("promoted_arn".to_string(), secret_id.to_string());
    }
    if action == ActionKind::PutDenyAllPolicy {
        let (previous, _) = exec.resource_policy(secret_id).await?;
        if has_deny_all(&previous) {
            outputs.insert(
                "note".to_string(),
                format!(
                    "the deny-all statement {DENY_ALL_SID} was already attached (an earlier \
                     attempt went through), so the policy from before containment is not on AWS \
                     any more: previous_policy is left out; restore from the resource_policy \
                     evidence taken before containment"
                ),
            );
        } else {
            outputs.insert("previous_policy".to_string(), previous);
        }
    }
    let request_id = match operation {
        "RotateSecret" => {
            let mut request = client.rotate_secret().secret_id(secret_id);
            if let Some(value) = call.body.get("RotateImmediately") {
                let immediately = value
                    .as_bool()
                    .ok_or_else(|| fatal("`RotateImmediately` is not true or false"))?;
                request = request.rotate_immediately(immediately);
            }
            let out = request
                .send()
                .await
                .map_err(|e| sdk_error(operation, region, e))?;
            match out.version_id() {
                Some(version) => {
                    outputs.insert("new_version".to_string(), version.to_string());
                }
                None => {
                    outputs.insert(
                        "note".to_string(),
                        "RotateSecret answered without a VersionId".to_string(),
                    );
                }
            }
            out.request_id().map(str::to_string)
        }
        "PutResourcePolicy" => {
            let policy = text(call, "ResourcePolicy")?;
            let out = client
                .put_resource_policy()
                .secret_id(secret_id)
                .resource_policy(policy)
                .send()
                .await
                .map_err(|e| sdk_error(operation, region, e))?;
            out.request_id().map(str::to_string)
        }
        "DeleteResourcePolicy" => {
            let out = client
                .delete_resource_policy()
                .secret_id(secret_id)
                .send()
                .await
                .map_err(|e| sdk_error(operation, region, e))?;
            out.request_id().map(str::to_string)
        }
        "TagResource" => {
            let out = client
                .tag_resource()
                .secret_id(secret_id)
                .set_tags(Some(tags(call)?))
                .send()
                .await
                .map_err(|e| sdk_error(operation, region, e))?;
            out.request_id().map(str::to_string)
        }
        "CancelRotateSecret" => {
            let out = client
                .cancel_rotate_secret()
                .secret_id(secret_id)
                .send()
                .await
                .map_err(|e| sdk_error(operation, region, e))?;
            out.request_id().map(str::to_string)
        }
        "RestoreSecret" => {
            let out = client
                .restore_secret()
                .secret_id(secret_id)
                .send()
                .await
                .map_err(|e| sdk_error(operation, region, e))?;
            out.request_id().map(str::to_string)
        }
        "ReplicateSecretToRegions" => {
            let out = client
                .replicate_secret_to_regions()
                .secret_id(secret_id)
                .set_add_replica_regions(Some(replica_regions(call)?))
                .set_force_overwrite_replica_secret(
                    call.body
                        .get("ForceOverwriteReplicaSecret")
                        .and_then(Value::as_bool),
                )
                .send()
                .await
                .map_err(|e| sdk_error(operation, region, e))?;
            out.request_id().map(str::to_string)
        }
        "StopReplicationToReplica" => {
            let out = client
                .stop_replication_to_replica()
                .secret_id(secret_id)
                .send()
                .await
                .map_err(|e| sdk_error(operation, region, e))?;
            out.request_id().map(str::to_string)
        }
        other => {
            return Err(fatal(format!(
                "secretsmanager:{other} is not an operation runbooks may send"
            )));
        }
    };
    Ok(ActionOutput {
        outputs,
        request_id,
    })
}

/// Whether a policy document has a statement with our deny-all Sid.
fn has_deny_all(policy: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(policy) else {
        return false;
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    statements
        .iter()
        .any(|s| s.get("Sid").and_then(Value::as_str) == Some(DENY_ALL_SID))
}

fn text<'a>(call: &'a ApiCall, key: &str) -> Result<&'a str, StepError> {
    call.text(key)
        .ok_or_else(|| fatal(format!("the {} request has no `{key}`", call.operation)))
}

/// `Tags: [{Key, Value}]`.
fn tags(call: &ApiCall) -> Result<Vec<Tag>, StepError> {
    let items = call
        .body
        .get("Tags")
        .and_then(Value::as_array)
        .ok_or_else(|| fatal("the TagResource request has no `Tags` list"))?;
    items
        .iter()
        .map(|item| {
            let key = item.get("Key").and_then(Value::as_str);
            let value = item.get("Value").and_then(Value::as_str);
            match (key, value) {
                (Some(k), Some(v)) => Ok(Tag::builder().key(k).value(v).build()),
                _ => Err(fatal(format!("tag {item} is not {{\"Key\", \"Value\"}}"))),
            }
        })
        .collect()
}

/// `AddReplicaRegions: [{Region, KmsKeyId?}]`.
fn replica_regions(call: &ApiCall) -> Result<Vec<ReplicaRegionType>, StepError> {
    let items = call
        .body
        .get("AddReplicaRegions")
        .and_then(Value::as_array)
        .ok_or_else(|| fatal("the ReplicateSecretToRegions request has no `AddReplicaRegions`"))?;
    items
        .iter()
        .map(|item| {
            let region = item
                .get("Region")
                .and_then(Value::as_str)
                .ok_or_else(|| fatal(format!("replica {item} has no Region")))?;
            if let Some(key) = item
                .as_object()
                .and_then(|o| o.keys().find(|k| *k != "Region" && *k != "KmsKeyId"))
            {
                return Err(fatal(format!("replica {item}: `{key}` is not sent here")));
            }
            Ok(ReplicaRegionType::builder()
                .region(region)
                .set_kms_key_id(item.get("KmsKeyId").and_then(Value::as_str).map(Into::into))
                .build())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::calls::deny_all_policy;

    #[test]
    fn our_deny_all_is_recognised_and_other_policies_are_not() {
        let ours = deny_all_policy(&["arn:aws:iam::1:role/bg".to_string()]).to_string();
        assert!(has_deny_all(&ours));
        assert!(!has_deny_all(""));
        assert!(!has_deny_all(
            r#"{"Statement":{"Sid":"Other","Effect":"Deny"}}"#
        ));
        assert!(has_deny_all(&format!(
            r#"{{"Statement":{{"Sid":"{DENY_ALL_SID}"}}}}"#
        )));
    }

    #[test]
    fn every_action_maps_to_operations_this_module_sends() {
        for name in crate::runbook::spec::ActionKind::NAMES {
            let action = ActionKind::from_name(name).unwrap();
            for op in operations_of(action) {
                assert!(allowed_keys(op).is_some(), "{op}");
            }
        }
    }
}
