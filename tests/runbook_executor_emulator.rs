//! The live-AWS runbook executor against the local emulator, through the real SDK and the same
//! `connect` the binary uses: evidence queries, approved writes sent exactly as previewed,
//! checks that pass and fail for the right reason, and regions that are down.

mod runbook_common;
mod support;

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use strongroom::incident::Executor;
use strongroom::runbook::QueryKind;
use strongroom::runbook::calls::{deny_all_policy, plan};
use strongroom::runbook::spec::ActionKind;

use runbook_common::*;

#[tokio::test]
async fn evidence_queries_describe_policy_versions_and_replicas() {
    let emu = start();
    let state = tempfile::tempdir().unwrap();
    let arn = create_replicated(&emu, "prod/db").await;
    let exec = executor(&emu, state.path()).await;
    assert_eq!(
        exec.target(),
        format!("AWS account {ACCOUNT}, default region {PRIMARY}")
    );
    let by_name = args(&[("secret_id", "prod/db")]);

    let describe = exec
        .query(QueryKind::DescribeSecret, &by_name)
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(&describe.value).unwrap();
    assert_eq!(doc["Name"], "prod/db");
    assert_eq!(doc["ARN"], arn.as_str());
    assert_eq!(doc["Description"], "payments database");
    assert_eq!(doc["RotationEnabled"], false);
    assert_eq!(
        doc["Tags"],
        json!([{"Key": "Owner", "Value": "team-payments"}])
    );
    assert_eq!(doc["ReplicationStatus"][0]["Region"], REPLICA);
    assert_eq!(doc["ReplicationStatus"][0]["Status"], "InSync");
    let stages = doc["VersionIdsToStages"].as_object().unwrap();
    assert_eq!(stages.len(), 1);
    assert!(
        doc["LastChangedDate"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')),
        "{doc}"
    );
    assert_eq!(
        describe.summary,
        "prod/db: rotation off, 1 version, 1 replica (us-west-2 InSync)"
    );
    assert_eq!(describe.request_ids.len(), 1, "{describe:?}");

    let policy = exec
        .query(QueryKind::ResourcePolicy, &by_name)
        .await
        .unwrap();
    assert_eq!(policy.value, "");
    assert_eq!(
        policy.summary,
        "no resource policy (access decided by IAM alone)"
    );

    let versions = exec.query(QueryKind::Versions, &by_name).await.unwrap();
    let list: Vec<Value> = serde_json::from_str(&versions.value).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["Stages"], json!(["AWSCURRENT"]));
    assert_eq!(
        list[0]["VersionId"].as_str(),
        stages.keys().next().map(String::as_str)
    );
    assert!(
        versions.summary.starts_with("1 version; AWSCURRENT "),
        "{}",
        versions.summary
    );

    // Asked through the replica's ARN, replica_status follows PrimaryRegion to the primary.
    let replica_arn = arn.replace(PRIMARY, REPLICA);
    let replicas = exec
        .query(
            QueryKind::ReplicaStatus,
            &args(&[("secret_id", &replica_arn)]),
        )
        .await
        .unwrap();
    let list: Vec<Value> = serde_json::from_str(&replicas.value).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["Region"], REPLICA);
    assert_eq!(list[0]["Status"], "InSync");
    assert_eq!(replicas.summary, "1 replica: us-west-2 InSync");
    assert_eq!(replicas.request_ids.len(), 2, "replica, then primary");
    let calls = emu.calls();
    assert_eq!(count(&calls, "DescribeSecret", REPLICA), 1);

    let missing = exec
        .query(
            QueryKind::DescribeSecret,
            &args(&[("secret_id", "prod/nope")]),
        )
        .await
        .unwrap_err();
    assert!(!missing.transient);
    assert!(
        missing.message.starts_with(
            "ResourceNotFoundException: Secrets Manager can't find the specified secret."
        ),
        "{}",
        missing.message
    );
    assert!(missing.message.contains("(DescribeSecret in us-east-1"));
    assert_no_value_read(&emu, &[&describe.value, &versions.value, &replicas.value]);
}

#[tokio::test]
async fn containment_attaches_deny_all_returns_the_previous_policy_and_restores_it() {
    let emu = start();
    let state = tempfile::tempdir().unwrap();
    let arn = create_replicated(&emu, "prod/api").await;
    let before = json!({"Version": "2012-10-17", "Statement": [{"Sid": "App", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    .to_string();
    emu.sm_client(SETUP_KEY, PRIMARY)
        .put_resource_policy()
        .secret_id(&arn)
        .resource_policy(&before)
        .send()
        .await
        .unwrap();
    let exec = executor(&emu, state.path()).await;
    emu.clear_calls();

    let contain = plan(
        ActionKind::PutDenyAllPolicy,
        &args(&[
            ("secret_id", &arn),
            ("except_principals", &format!("[\"{BREAK_GLASS}\"]")),
        ]),
    )
    .unwrap();
    let out = exec
        .action(ActionKind::PutDenyAllPolicy, &contain)
        .await
        .unwrap();
    assert_eq!(out.outputs.get("previous_policy"), Some(&before));
    assert!(out.request_id.is_some());
    let calls = emu.calls();
    let ops: Vec<&str> = calls
        .iter()
        .map(|c| c["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["GetResourcePolicy", "PutResourcePolicy"]);

    let attached = exec
        .query(QueryKind::ResourcePolicy, &args(&[("secret_id", &arn)]))
        .await
        .unwrap();
    assert_eq!(attached.value, contain.text("ResourcePolicy").unwrap());
    assert_eq!(attached.summary, "1 statement");
    let check = |principal: &str| {
        exec.check(
            "policy_denies_all_except",
            &args(&[("secret_id", &arn), ("principal", principal)]),
        )
    };
    let passed = check(BREAK_GLASS).await;
    assert!(passed.passed, "{}", passed.detail);
    let other = check("arn:aws:iam::123456789012:role/app").await;
    assert!(!other.passed);
    assert!(
        other
            .detail
            .contains("but not arn:aws:iam::123456789012:role/app")
    );

    // A retry after our own put went through: the policy from before is gone from AWS.
    let again = exec
        .action(ActionKind::PutDenyAllPolicy, &contain)
        .await
        .unwrap();
    assert!(!again.outputs.contains_key("previous_policy"));
    assert!(again.outputs["note"].contains("already attached"));

    let restore = plan(
        ActionKind::RestorePolicy,
        &args(&[("secret_id", &arn), ("policy", &before)]),
    )
    .unwrap();
    exec.action(ActionKind::RestorePolicy, &restore)
        .await
        .unwrap();
    let restored = exec
        .query(QueryKind::ResourcePolicy, &args(&[("secret_id", &arn)]))
        .await
        .unwrap();
    assert_eq!(restored.value, before);
    assert!(!check(BREAK_GLASS).await.passed);

    // No policy before containment: restoring deletes ours.
    let remove = plan(
        ActionKind::RestorePolicy,
        &args(&[("secret_id", &arn), ("policy", "")]),
    )
    .unwrap();
    assert_eq!(remove.operation, "DeleteResourcePolicy");
    exec.action(ActionKind::RestorePolicy, &remove)
        .await
        .unwrap();
    let none = exec
        .query(QueryKind::ResourcePolicy, &args(&[("secret_id", &arn)]))
        .await
        .unwrap();
    assert_eq!(none.value, "");
    let unattached = check(BREAK_GLASS).await;
    assert!(!unattached.passed);
    assert!(unattached.detail.contains("no resource policy"));

    // Tags: sent exactly, visible in DescribeSecret.
    let tag = plan(
        ActionKind::Tag,
        &args(&[
            ("secret_id", &arn),
            ("tags", "[\"Incident=INC-2041\",\"Compromised=true\"]"),
        ]),
    )
    .unwrap();
    exec.action(ActionKind::Tag, &tag).await.unwrap();
    let described = exec
        .query(QueryKind::DescribeSecret, &args(&[("secret_id", &arn)]))
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(&described.value).unwrap();
    let tags = doc["Tags"].as_array().unwrap();
    assert!(tags.contains(&json!({"Key": "Incident", "Value": "INC-2041"})));
    assert!(tags.contains(&json!({"Key": "Compromised", "Value": "true"})));

    // Exactly what was approved: a body key the executor would not send stops it before AWS.
    let mut extended = tag.clone();
    extended
        .body
        .insert("ForceOverwriteReplicaSecret".to_string(), json!(true));
    emu.clear_calls();
    let refused = exec.action(ActionKind::Tag, &extended).await.unwrap_err();
    assert!(!refused.transient);
    assert!(refused.message.contains("ForceOverwriteReplicaSecret"));
    let unknown = strongroom::runbook::calls::ApiCall {
        operation: "DeleteSecret",
        body: tag.body.clone(),
    };
    assert!(
        !exec
            .action(ActionKind::Tag, &unknown)
            .await
            .unwrap_err()
            .transient
    );
    assert!(emu.calls().is_empty(), "nothing was sent");
    assert_eq!(
        deny_all_policy(&[BREAK_GLASS.to_string()]).to_string(),
        contain.text("ResourcePolicy").unwrap()
    );
}

#[tokio::test]
async fn rotate_now_makes_a_new_awscurrent_and_the_check_sees_it() {
    let emu = start();
    let state = tempfile::tempdir().unwrap();
    let arn = create_replicated(&emu, "prod/rotating").await;
    let exec = executor(&emu, state.path()).await;
    // The emulator's dates have whole seconds. Moto's ListSecretVersionIds also reports every
    // version's CreatedDate as the time of the listing, so only the failing case below (a
    // `since` after the listing) tells the check apart from one that always passes.
    let before = Utc::now() - TimeDelta::seconds(2);
    let rotate = plan(
        ActionKind::RotateNow,
        &args(&[("secret_id", "prod/rotating")]),
    )
    .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&rotate.body_json()).unwrap(),
        json!({"SecretId": "prod/rotating", "RotateImmediately": true})
    );
    let out = exec.action(ActionKind::RotateNow, &rotate).await.unwrap();
    let new_version = out.outputs["new_version"].clone();
    assert!(out.request_id.is_some());

    let versions = exec
        .query(QueryKind::Versions, &args(&[("secret_id", &arn)]))
        .await
        .unwrap();
    let list: Vec<Value> = serde_json::from_str(&versions.value).unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    let current: Vec<&Value> = list
        .iter()
        .filter(|v| {
            v["Stages"]
                .as_array()
                .unwrap()
                .contains(&json!("AWSCURRENT"))
        })
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["VersionId"], new_version.as_str());

    let changed = |since: String| {
        exec.check(
            "current_version_changed_since",
            &args(&[("secret_id", "prod/rotating"), ("since", &since)]),
        )
    };
    let passed = changed(before.to_rfc3339()).await;
    assert!(passed.passed, "{}", passed.detail);
    assert!(passed.detail.contains(&new_version), "{}", passed.detail);
    let later = changed((Utc::now() + TimeDelta::hours(1)).to_rfc3339()).await;
    assert!(!later.passed);
    assert!(
        later.detail.contains("has not been rotated since then"),
        "{}",
        later.detail
    );
    let garbled = changed("yesterday".to_string()).await;
    assert!(!garbled.passed && garbled.detail.contains("RFC 3339"));

    // The replica follows the primary's new version.
    let in_sync = exec
        .check("replicas_in_sync", &args(&[("secret_id", "prod/rotating")]))
        .await;
    assert!(in_sync.passed, "{}", in_sync.detail);
    assert!(in_sync.detail.contains(&new_version));

    // Moto answers CancelRotateSecret on a secret without a rotation Lambda as AWS documents.
    let cancel = plan(
        ActionKind::CancelRotation,
        &args(&[("secret_id", "prod/rotating")]),
    )
    .unwrap();
    let refused = exec
        .action(ActionKind::CancelRotation, &cancel)
        .await
        .unwrap_err();
    assert!(!refused.transient);
    assert!(
        refused.message.starts_with("InvalidRequestException")
            && refused.message.contains("(CancelRotateSecret in us-east-1"),
        "{}",
        refused.message
    );

    // A secret scheduled for deletion shows it, and restore_secret brings it back.
    emu.sm_client(SETUP_KEY, PRIMARY)
        .create_secret()
        .name("prod/deleted")
        .secret_string(VALUE)
        .send()
        .await
        .unwrap();
    emu.sm_client(SETUP_KEY, PRIMARY)
        .delete_secret()
        .secret_id("prod/deleted")
        .recovery_window_in_days(7)
        .send()
        .await
        .unwrap();
    let deleted = args(&[("secret_id", "prod/deleted")]);
    let pending = exec
        .query(QueryKind::DescribeSecret, &deleted)
        .await
        .unwrap();
    assert!(
        pending.summary.contains("SCHEDULED FOR DELETION on "),
        "{}",
        pending.summary
    );
    let restore = plan(ActionKind::RestoreSecret, &deleted).unwrap();
    let restored = exec
        .action(ActionKind::RestoreSecret, &restore)
        .await
        .unwrap();
    assert!(restored.request_id.is_some() && restored.outputs.is_empty());
    let back = exec
        .query(QueryKind::DescribeSecret, &deleted)
        .await
        .unwrap();
    assert_eq!(
        back.summary,
        "prod/deleted: rotation off, 1 version, no replicas"
    );

    let unknown = exec
        .check("values_match", &args(&[("secret_id", "x")]))
        .await;
    assert!(!unknown.passed && unknown.detail.contains("unknown check `values_match`"));
    assert_no_value_read(&emu, &[&versions.value]);
}
