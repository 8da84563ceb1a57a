//! The live-AWS runbook executor's checks against the local emulator: replicas in sync or not
//! (and the region that fails), DR regions, who read a secret across regions, and the promotion
//! rehearsal on drill fixtures only.

mod runbook_common;
mod support;

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use strongroom::incident::Executor;
use strongroom::runbook::QueryKind;
use strongroom::runbook::calls::plan;
use strongroom::runbook::spec::ActionKind;

use runbook_common::*;

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
