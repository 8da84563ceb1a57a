//! The live-AWS runbook executor against the local emulator, through the real SDK and the same
//! `connect` the binary uses: evidence queries, approved writes sent exactly as previewed,
//! checks that pass and fail for the right reason, and regions that are down.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Once;

use aws_sdk_secretsmanager::types::ReplicaRegionType;
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use strongroom::incident::Executor;
use strongroom::runbook::QueryKind;
use strongroom::runbook::calls::{deny_all_policy, plan};
use strongroom::runbook::spec::ActionKind;
use strongroom::source::aws::runbook::AwsExecutor;
use strongroom::source::aws::{AwsOptions, connect};
use support::Emulator;

const ACCOUNT: &str = "123456789012";
const PRIMARY: &str = "us-east-1";
const REPLICA: &str = "us-west-2";
/// The executor's credentials (an unmapped key: an IAM user of ACCOUNT).
const EXECUTOR_KEY: &str = "AKIARUNBOOKEXECUTOR1";
/// Test setup (creating secrets, reading them) uses other keys, so its calls are not ours.
const SETUP_KEY: &str = "AKIARUNBOOKSETUP0001";
const BREAK_GLASS: &str = "arn:aws:iam::123456789012:role/break-glass";
const VALUE: &str = "never-shown-value";

/// `connect` reads credentials from the environment like the binary does. Every test calls
/// this first, so the variables are set once, before any test reads the environment.
fn environment() {
    static SET: Once = Once::new();
    SET.call_once(|| {
        let none = std::env::temp_dir().join("strongroom-runbook-executor-no-aws-config");
        // SAFETY: runs once, before any test of this binary has started reading the environment
        // (each test calls it before anything else and waits for it to finish).
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", EXECUTOR_KEY);
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "emulator-secret");
            std::env::set_var("AWS_CONFIG_FILE", &none);
            std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", &none);
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
            for name in [
                "AWS_PROFILE",
                "AWS_SESSION_TOKEN",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "AWS_ENDPOINT_URL",
            ] {
                std::env::remove_var(name);
            }
        }
    });
}

fn start() -> Emulator {
    environment();
    Emulator::start()
}

async fn executor(emu: &Emulator, state: &Path) -> AwsExecutor {
    let source = connect(&AwsOptions {
        profiles: Vec::new(),
        regions: vec![PRIMARY.to_string(), REPLICA.to_string()],
        endpoint_url: Some(emu.url().to_string()),
        max_attempts: 2,
        state_dir: state.to_path_buf(),
    })
    .await
    .unwrap();
    source.executor()
}

/// `prod/db` in us-east-1, replicated to us-west-2, tagged; returns its ARN.
async fn create_replicated(emu: &Emulator, name: &str) -> String {
    let out = emu
        .sm_client(SETUP_KEY, PRIMARY)
        .create_secret()
        .name(name)
        .description("payments database")
        .secret_string(VALUE)
        .tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key("Owner")
                .value("team-payments")
                .build(),
        )
        .add_replica_regions(ReplicaRegionType::builder().region(REPLICA).build())
        .send()
        .await
        .unwrap();
    out.arn().unwrap().to_string()
}

fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn count(calls: &[Value], op: &str, region: &str) -> usize {
    calls
        .iter()
        .filter(|c| c["operation"] == op && c["region"] == region)
        .count()
}

/// The executor never reads a value: no GetSecretValue by its key, and no value in `text`.
fn assert_no_value_read(emu: &Emulator, texts: &[&str]) {
    let ours: Vec<Value> = emu
        .calls()
        .into_iter()
        .filter(|c| c["access_key"] == EXECUTOR_KEY)
        .collect();
    assert!(!ours.is_empty());
    assert!(
        ours.iter()
            .all(|c| c["operation"] != "GetSecretValue" && c["operation"] != "BatchGetSecretValue"),
        "{ours:?}"
    );
    for text in texts {
        assert!(!text.contains(VALUE), "{text}");
    }
}

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

#[tokio::test]
async fn replica_checks_name_the_region_that_fails() {
    let emu = start();
    let state = tempfile::tempdir().unwrap();
    let arn = create_replicated(&emu, "prod/dr").await;
    emu.sm_client(SETUP_KEY, PRIMARY)
        .create_secret()
        .name("prod/alone")
        .secret_string(VALUE)
        .send()
        .await
        .unwrap();
    let exec = executor(&emu, state.path()).await;
    let secret = args(&[("secret_id", "prod/dr")]);

    let in_sync = exec.check("replicas_in_sync", &secret).await;
    assert!(in_sync.passed, "{}", in_sync.detail);
    let lines: Vec<&str> = in_sync.detail.lines().collect();
    assert_eq!(lines.len(), 3, "{}", in_sync.detail);
    assert_eq!(
        lines[0],
        "all 1 replicas InSync with the primary's AWSCURRENT"
    );
    assert!(lines[1].starts_with("us-east-1 (primary): AWSCURRENT "));
    assert!(lines[2].starts_with("us-west-2: InSync, AWSCURRENT "));
    let alone = exec
        .check("replicas_in_sync", &args(&[("secret_id", "prod/alone")]))
        .await;
    assert!(alone.passed);
    assert_eq!(alone.detail, "no replicas");

    let replicated = |regions: &str| {
        exec.check(
            "replicated_to",
            &args(&[("secret_id", &arn), ("regions", regions)]),
        )
    };
    let dr = replicated("us-west-2").await;
    assert!(dr.passed, "{}", dr.detail);
    let missing = replicated("us-west-2,eu-west-1").await;
    assert!(!missing.passed);
    assert!(
        missing.detail.starts_with("not replicated to eu-west-1"),
        "{}",
        missing.detail
    );
    assert!(missing.detail.contains("us-west-2: replica InSync"));
    let none = replicated("").await;
    assert!(none.passed);
    assert_eq!(none.detail, "no DR regions required");

    // Replicating is one approved write; afterwards the DR plan holds.
    let replicate = plan(
        ActionKind::ReplicateToRegion,
        &args(&[("secret_id", &arn), ("region", "eu-west-1")]),
    )
    .unwrap();
    exec.action(ActionKind::ReplicateToRegion, &replicate)
        .await
        .unwrap();
    let now_there = replicated("us-west-2,eu-west-1").await;
    assert!(now_there.passed, "{}", now_there.detail);

    // The replica region goes down: the check fails and says where.
    emu.set_fault(json!({"region": REPLICA, "service": "secretsmanager", "down": true}));
    let down = exec.check("replicas_in_sync", &secret).await;
    assert!(!down.passed);
    assert!(
        down.detail
            .starts_with("1 of 2 replicas not in sync: us-west-2: could not be reached"),
        "the verdict comes first: {}",
        down.detail
    );
    let line = down
        .detail
        .lines()
        .find(|l| l.starts_with("us-west-2:"))
        .unwrap_or_else(|| panic!("{}", down.detail));
    assert!(
        line.starts_with("us-west-2: could not be reached: unreachable (connection closed"),
        "{line}"
    );
    assert!(
        down.detail
            .lines()
            .any(|l| l.starts_with("eu-west-1: InSync")),
        "{}",
        down.detail
    );

    // The primary region down: queries fail as transient and name the region.
    emu.set_fault(json!({"region": PRIMARY, "service": "secretsmanager", "down": true}));
    let error = exec
        .query(QueryKind::DescribeSecret, &secret)
        .await
        .unwrap_err();
    assert!(error.transient);
    assert_eq!(
        error.message,
        "us-east-1: unreachable (connection closed before message completed)"
    );
    let blind = exec
        .check(
            "replicated_to",
            &args(&[("secret_id", "prod/dr"), ("regions", "us-west-2")]),
        )
        .await;
    assert!(!blind.passed);
    assert!(
        blind
            .detail
            .contains("could not be reached: us-east-1: unreachable"),
        "{}",
        blind.detail
    );

    // Answers rather than silence: refusals are final, throttles and 5xx are worth a retry.
    let fault = |error: &str, status: u16| {
        emu.set_fault(
            json!({"region": PRIMARY, "service": "secretsmanager", "error_rate": 1.0,
            "error": error, "status": status}),
        );
    };
    fault("AccessDeniedException", 400);
    let denied = exec
        .query(QueryKind::ResourcePolicy, &secret)
        .await
        .unwrap_err();
    assert!(!denied.transient);
    assert!(
        denied.message.starts_with("AccessDeniedException")
            && denied.message.contains("(GetResourcePolicy in us-east-1"),
        "{}",
        denied.message
    );
    let unread = exec
        .check(
            "policy_denies_all_except",
            &args(&[("secret_id", "prod/dr"), ("principal", BREAK_GLASS)]),
        )
        .await;
    assert!(!unread.passed);
    assert!(
        unread
            .detail
            .starts_with("the resource policy of prod/dr could not be read: AccessDeniedException"),
        "{}",
        unread.detail
    );
    fault("ThrottlingException", 400);
    let throttled = exec.query(QueryKind::Versions, &secret).await.unwrap_err();
    assert!(throttled.transient);
    assert!(
        throttled
            .message
            .starts_with("us-east-1: ListSecretVersionIds throttled (ThrottlingException"),
        "{}",
        throttled.message
    );
    fault("InternalFailure", 500);
    let failing = exec
        .query(QueryKind::DescribeSecret, &secret)
        .await
        .unwrap_err();
    assert!(failing.transient);
    assert!(
        failing
            .message
            .starts_with("us-east-1: unavailable (InternalFailure"),
        "{}",
        failing.message
    );
}

#[tokio::test]
async fn who_read_and_no_reads_by_see_two_identities_across_regions() {
    let emu = start();
    let state = tempfile::tempdir().unwrap();
    let role_key = "AKIARUNBOOKROLE00001";
    let user_key = "AKIARUNBOOKALICE0001";
    let role = "arn:aws:iam::123456789012:role/Deployer";
    let alice = "arn:aws:iam::123456789012:user/alice";
    emu.set_identities(json!({
        role_key: {
            "type": "AssumedRole",
            "arn": "arn:aws:sts::123456789012:assumed-role/Deployer/ci-run",
            "accountId": ACCOUNT,
            "principalId": "AROAEXAMPLEID:ci-run",
            "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEID", "arn": role,
                "accountId": ACCOUNT, "userName": "Deployer"}
        },
        user_key: {"type": "IAMUser", "arn": alice, "accountId": ACCOUNT,
            "principalId": "AIDAALICE", "userName": "alice"}
    }));
    let arn = create_replicated(&emu, "prod/leaked").await;
    let replica_arn = arn.replace(PRIMARY, REPLICA);
    let start_time = Utc::now() - TimeDelta::seconds(2);
    emu.sm_client(role_key, PRIMARY)
        .get_secret_value()
        .secret_id("prod/leaked")
        .send()
        .await
        .unwrap();
    let west = emu.sm_client(user_key, REPLICA);
    for _ in 0..2 {
        west.get_secret_value()
            .secret_id(&replica_arn)
            .send()
            .await
            .unwrap();
    }
    let exec = executor(&emu, state.path()).await;
    let who = |include_replicas: &str| {
        exec.query(
            QueryKind::WhoRead,
            &args(&[
                ("secret_id", "prod/leaked"),
                ("lookback", "1d"),
                ("include_replicas", include_replicas),
            ]),
        )
    };

    let read = who("true").await.unwrap();
    assert_eq!(
        read.summary,
        "3 reads by 2 principals in 1d (primary + 1 replica region)"
    );
    let doc: Value = serde_json::from_str(&read.value).unwrap();
    assert_eq!(doc["regions"], json!([PRIMARY, REPLICA]));
    assert_eq!(doc["unavailable"], json!([]));
    let readers = doc["readers"].as_array().unwrap();
    assert_eq!(readers.len(), 2, "{doc}");
    let by_key = |key: &str| {
        readers
            .iter()
            .find(|r| r["principal_key"] == key)
            .unwrap_or_else(|| panic!("no reader {key} in {doc}"))
    };
    assert_eq!(by_key(alice)["reads"], 2);
    assert_eq!(by_key(alice)["regions"], json!([REPLICA]));
    assert_eq!(by_key(role)["reads"], 1);
    assert_eq!(by_key(role)["label"], "Deployer/ci-run");
    let primary_only = who("false").await.unwrap();
    assert_eq!(
        primary_only.summary,
        "1 read by 1 principal in 1d (primary region only)"
    );

    let no_reads = |principal: &str, since: chrono::DateTime<Utc>| {
        exec.check(
            "no_reads_by",
            &args(&[
                ("secret_id", "prod/leaked"),
                ("principal", principal),
                ("since", &since.to_rfc3339()),
            ]),
        )
    };
    let by_role = no_reads(role, start_time).await;
    assert!(!by_role.passed);
    assert!(
        by_role
            .detail
            .starts_with(&format!("1 successful read by {role} since ")),
        "{}",
        by_role.detail
    );
    assert!(
        by_role.detail.contains("in us-east-1 as Deployer/ci-run"),
        "{}",
        by_role.detail
    );
    let by_alice = no_reads(alice, start_time).await;
    assert!(!by_alice.passed);
    assert!(
        by_alice.detail.starts_with("2 successful reads by "),
        "{}",
        by_alice.detail
    );
    assert!(
        by_alice.detail.contains("in us-west-2 as alice"),
        "{}",
        by_alice.detail
    );
    let by_account = no_reads(ACCOUNT, start_time).await;
    assert!(!by_account.passed, "{}", by_account.detail);
    let stranger = no_reads("arn:aws:iam::123456789012:role/stranger", start_time).await;
    assert!(stranger.passed, "{}", stranger.detail);
    assert!(
        stranger.detail.contains("3 reads by other principals seen"),
        "{}",
        stranger.detail
    );
    assert!(stranger.detail.contains("up to 15 minutes late"));
    let after = no_reads(role, Utc::now()).await;
    assert!(after.passed, "{}", after.detail);

    // CloudTrail in the replica region is down: who_read answers with what it has, and says so;
    // no_reads_by cannot rule reads out.
    emu.set_fault(json!({"region": REPLICA, "service": "cloudtrail", "down": true}));
    let partial = who("true").await.unwrap();
    assert!(
        partial.summary.starts_with("1 read by 1 principal in 1d (primary + 1 replica region); CloudTrail UNAVAILABLE in us-west-2"),
        "{}",
        partial.summary
    );
    let doc: Value = serde_json::from_str(&partial.value).unwrap();
    assert_eq!(doc["regions"], json!([PRIMARY]));
    assert!(
        doc["unavailable"][0]
            .as_str()
            .unwrap()
            .starts_with("us-west-2: down ("),
        "{doc}"
    );
    assert!(!partial.value.contains("DispatchFailure"), "{doc}");
    let blind = no_reads("arn:aws:iam::123456789012:role/stranger", start_time).await;
    assert!(!blind.passed);
    assert!(
        blind
            .detail
            .starts_with("CloudTrail could not be read in us-west-2: down"),
        "{}",
        blind.detail
    );
    assert!(blind.detail.contains("in us-east-1"), "{}", blind.detail);

    emu.set_fault(json!({"region": PRIMARY, "service": "cloudtrail", "down": true}));
    let nothing = who("true").await.unwrap_err();
    assert!(nothing.transient);
    assert!(
        nothing
            .message
            .starts_with("CloudTrail could not be read for prod/leaked: us-east-1: down"),
        "{}",
        nothing.message
    );
    assert_no_value_read(&emu, &[&read.value, &read.summary]);
}

#[tokio::test]
async fn promotion_rehearsal_only_on_fixtures_then_replication_again() {
    let emu = start();
    let state = tempfile::tempdir().unwrap();
    let real = create_replicated(&emu, "prod/real").await;
    let fixture = create_replicated(&emu, "drill/fixture").await;
    emu.sm_client(SETUP_KEY, PRIMARY)
        .tag_resource()
        .secret_id(&fixture)
        .tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key("DrillFixture")
                .value("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let exec = executor(&emu, state.path()).await;
    let promote = |arn: &str| {
        plan(
            ActionKind::PromoteReplica,
            &args(&[("secret_id", arn), ("region", REPLICA)]),
        )
        .unwrap()
    };

    // A real secret is never promoted: refused before any write.
    let refused = exec
        .action(ActionKind::PromoteReplica, &promote(&real))
        .await
        .unwrap_err();
    assert!(
        refused.message.contains("not tagged DrillFixture=true"),
        "{}",
        refused.message
    );
    assert_eq!(count(&emu.calls(), "StopReplicationToReplica", REPLICA), 0);

    let done = exec
        .action(ActionKind::PromoteReplica, &promote(&fixture))
        .await
        .unwrap();
    assert!(done.outputs["promoted_arn"].contains(":us-west-2:"));
    let regions = args(&[("secret_id", &fixture), ("regions", REPLICA)]);
    let gone = exec.check("replicated_to", &regions).await;
    assert!(
        !gone.passed,
        "promoted: no replica any more: {}",
        gone.detail
    );

    let again = plan(
        ActionKind::ReplicateToRegion,
        &args(&[
            ("secret_id", &fixture),
            ("region", REPLICA),
            ("force_overwrite", "true"),
        ]),
    )
    .unwrap();
    exec.action(ActionKind::ReplicateToRegion, &again)
        .await
        .unwrap();
    let back = exec.check("replicated_to", &regions).await;
    assert!(back.passed, "{}", back.detail);
    let synced = exec
        .check("replicas_in_sync", &args(&[("secret_id", &fixture)]))
        .await;
    assert!(synced.passed, "{}", synced.detail);
}
