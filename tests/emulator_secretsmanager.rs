//! Secrets Manager pieces the emulator adds to moto: StopReplicationToReplica,
//! LastAccessedDate, accounts per access key (and STS), bulk seeding.

mod support;

use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use aws_sdk_secretsmanager::types::ReplicaRegionType;
use serde_json::{Value, json};
use support::Emulator;
use support::trail::{lookup_all, names, record};

const KEY: &str = "AKIASMEXTRASTEST0001";

fn replica(region: &str) -> ReplicaRegionType {
    ReplicaRegionType::builder().region(region).build()
}

fn midnight_utc() -> i64 {
    chrono::Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
}

#[tokio::test]
async fn stop_replication_to_replica_promotes_the_replica() {
    let emu = Emulator::start();
    emu.set_config(json!({"lookup_events_tps": 0}));
    let primary = emu.sm_client(KEY, "us-east-1");
    let west = emu.sm_client(KEY, "us-west-2");
    primary
        .create_secret()
        .name("shared/api")
        .secret_string("v1")
        .add_replica_regions(replica("us-west-2"))
        .add_replica_regions(replica("eu-west-1"))
        .send()
        .await
        .unwrap();
    let before = west
        .describe_secret()
        .secret_id("shared/api")
        .send()
        .await
        .unwrap();
    assert_eq!(before.primary_region(), Some("us-east-1"));
    let replica_arn = before.arn().unwrap().to_string();
    assert!(replica_arn.contains(":us-west-2:"));
    let err = west
        .put_secret_value()
        .secret_id("shared/api")
        .secret_string("nope")
        .send()
        .await
        .unwrap_err();
    assert!(err.code().is_some(), "a replica is read-only: {err:?}");

    // Not on the primary.
    let err = primary
        .stop_replication_to_replica()
        .secret_id("shared/api")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidRequestException"));

    let out = west
        .stop_replication_to_replica()
        .secret_id("shared/api")
        .send()
        .await
        .unwrap();
    assert_eq!(out.arn(), Some(replica_arn.as_str()));

    let promoted = west
        .describe_secret()
        .secret_id("shared/api")
        .send()
        .await
        .unwrap();
    assert_eq!(promoted.arn(), Some(replica_arn.as_str()));
    assert_eq!(promoted.primary_region(), None, "now a standalone primary");
    assert!(promoted.replication_status().is_empty());
    let status = primary
        .describe_secret()
        .secret_id("shared/api")
        .send()
        .await
        .unwrap();
    let regions: Vec<_> = status
        .replication_status()
        .iter()
        .filter_map(|r| r.region())
        .collect();
    assert_eq!(
        regions,
        ["eu-west-1"],
        "removed from the primary's ReplicationStatus"
    );

    // The promoted secret has its own value history from here on.
    let value = |c: aws_sdk_secretsmanager::Client| async move {
        c.get_secret_value()
            .secret_id("shared/api")
            .send()
            .await
            .unwrap()
            .secret_string()
            .unwrap()
            .to_string()
    };
    assert_eq!(value(west.clone()).await, "v1");
    west.put_secret_value()
        .secret_id("shared/api")
        .secret_string("west-v2")
        .send()
        .await
        .unwrap();
    assert_eq!(value(west.clone()).await, "west-v2");
    assert_eq!(value(primary.clone()).await, "v1");

    let events = lookup_all(&emu.ct_client(KEY, "us-west-2"), None).await;
    let stop = events
        .iter()
        .find(|e| e.event_name() == Some("StopReplicationToReplica"))
        .expect("recorded");
    assert_eq!(
        record(stop)["responseElements"]["arn"],
        replica_arn.as_str()
    );
}

#[tokio::test]
async fn last_accessed_date_is_per_region_and_truncated_to_the_day() {
    let emu = Emulator::start();
    let east = emu.sm_client(KEY, "us-east-1");
    let west = emu.sm_client(KEY, "us-west-2");
    for name in ["read-me", "never-read"] {
        east.create_secret()
            .name(name)
            .secret_string("v")
            .add_replica_regions(replica("us-west-2"))
            .send()
            .await
            .unwrap();
    }
    let accessed = |c: aws_sdk_secretsmanager::Client, name: &'static str| async move {
        c.describe_secret()
            .secret_id(name)
            .send()
            .await
            .unwrap()
            .last_accessed_date()
            .map(|d| d.secs())
    };
    assert_eq!(accessed(east.clone(), "read-me").await, None);

    let day_before = midnight_utc();
    east.get_secret_value()
        .secret_id("read-me")
        .send()
        .await
        .unwrap();
    let day_after = midnight_utc();
    let east_date = accessed(east.clone(), "read-me")
        .await
        .expect("set by GetSecretValue");
    assert!(east_date == day_before || east_date == day_after);
    assert_eq!(east_date % 86_400, 0, "UTC midnight");
    assert_eq!(
        accessed(west.clone(), "read-me").await,
        None,
        "the replica was not read"
    );
    assert_eq!(accessed(east.clone(), "never-read").await, None);

    // ListSecrets shows it too.
    let listed = east.list_secrets().send().await.unwrap();
    let by_name = |n: &str| {
        listed
            .secret_list()
            .iter()
            .find(|s| s.name() == Some(n))
            .and_then(|s| s.last_accessed_date())
            .map(|d| d.secs())
    };
    assert_eq!(by_name("read-me"), Some(east_date));
    assert_eq!(by_name("never-read"), None);

    // BatchGetSecretValue in the replica region sets the replica's date only.
    let batch = west
        .batch_get_secret_value()
        .secret_id_list("read-me")
        .send()
        .await
        .unwrap();
    assert_eq!(batch.secret_values().len(), 1);
    assert_eq!(accessed(west.clone(), "read-me").await, Some(east_date));
    assert_eq!(accessed(west.clone(), "never-read").await, None);
}

#[tokio::test]
async fn access_keys_map_to_accounts_and_sts_identities() {
    let emu = Emulator::start();
    emu.set_identities(json!({
        "AKIAACCOUNTONE000001": {"type": "IAMUser", "accountId": "111111111111",
            "arn": "arn:aws:iam::111111111111:user/one", "principalId": "AIDAONE"},
        "ASIAACCOUNTTWO000002": {"type": "AssumedRole", "accountId": "222222222222",
            "arn": "arn:aws:sts::222222222222:assumed-role/Admin/two", "principalId": "AROATWO:two"},
    }));
    let one = emu.sm_client("AKIAACCOUNTONE000001", "us-east-1");
    let two = emu.sm_client("ASIAACCOUNTTWO000002", "us-east-1");
    let arn_one = one
        .create_secret()
        .name("same-name")
        .secret_string("1")
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    let arn_two = two
        .create_secret()
        .name("same-name")
        .secret_string("2")
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    assert!(arn_one.contains(":111111111111:secret:same-name-"));
    assert!(arn_two.contains(":222222222222:secret:same-name-"));
    two.create_secret()
        .name("only-two")
        .secret_string("x")
        .send()
        .await
        .unwrap();
    let count = |c: aws_sdk_secretsmanager::Client| async move {
        c.list_secrets().send().await.unwrap().secret_list().len()
    };
    assert_eq!(count(one.clone()).await, 1);
    assert_eq!(count(two.clone()).await, 2);
    let v = two
        .get_secret_value()
        .secret_id("same-name")
        .send()
        .await
        .unwrap();
    assert_eq!(v.secret_string(), Some("2"));

    let who = |key: &'static str| {
        let sts = emu.sts_client(key, "us-east-1");
        async move { sts.get_caller_identity().send().await.unwrap() }
    };
    let id = who("AKIAACCOUNTONE000001").await;
    assert_eq!(id.account(), Some("111111111111"));
    assert_eq!(id.arn(), Some("arn:aws:iam::111111111111:user/one"));
    assert_eq!(id.user_id(), Some("AIDAONE"));
    let id = who("ASIAACCOUNTTWO000002").await;
    assert_eq!(id.account(), Some("222222222222"));
    assert_eq!(
        id.arn(),
        Some("arn:aws:sts::222222222222:assumed-role/Admin/two")
    );
    let id = who("AKIAUNMAPPEDKEY00009").await;
    assert_eq!(id.account(), Some("123456789012"));
    assert_eq!(
        id.arn(),
        Some("arn:aws:iam::123456789012:user/AKIAUNMAPPEDKEY00009")
    );

    let accounts: Vec<Value> = emu.calls().iter().map(|c| c["account"].clone()).collect();
    assert_eq!(
        accounts[..3],
        [
            json!("111111111111"),
            json!("222222222222"),
            json!("222222222222")
        ]
    );
}

#[tokio::test]
async fn seed_creates_thousands_of_secrets_quickly_without_events() {
    let emu = Emulator::start();
    emu.set_config(json!({"lookup_events_tps": 0}));
    let secrets: Vec<Value> = (0..5000)
        .map(|i| {
            let mut s = json!({
                "name": format!("bench/app-{i:04}"),
                "description": format!("secret {i}"),
                "tags": [{"Key": "team", "Value": if i % 2 == 0 { "red" } else { "blue" }}],
                "kms_key_id": "alias/bench",
                "secret_string": format!("value-{i}"),
            });
            if i < 10 {
                s["replica_regions"] = json!(["us-west-2"]);
            }
            s
        })
        .collect();
    let began = Instant::now();
    let out =
        emu.seed(json!({"account": "123456789012", "region": "us-east-1", "secrets": secrets}));
    let took = began.elapsed();
    assert_eq!(out["created"], 5000);
    assert!(took < Duration::from_secs(5), "seeding took {took:?}");
    eprintln!("seeded 5000 secrets in {took:?}");

    let sm = emu.sm_client(KEY, "us-east-1");
    let got = sm
        .get_secret_value()
        .secret_id("bench/app-4321")
        .send()
        .await
        .unwrap();
    assert_eq!(got.secret_string(), Some("value-4321"));
    assert_eq!(got.arn(), out["arns"][4321].as_str());
    let d = sm
        .describe_secret()
        .secret_id("bench/app-0003")
        .send()
        .await
        .unwrap();
    assert_eq!(d.description(), Some("secret 3"));
    assert_eq!(d.kms_key_id(), Some("alias/bench"));
    assert_eq!(d.tags()[0].value(), Some("blue"));
    assert_eq!(d.replication_status().len(), 1);
    let page = sm.list_secrets().max_results(100).send().await.unwrap();
    assert_eq!(page.secret_list().len(), 100);
    assert!(page.next_token().is_some());

    let west = emu.sm_client(KEY, "us-west-2");
    let replicas = west.list_secrets().send().await.unwrap();
    assert_eq!(replicas.secret_list().len(), 10);
    assert_eq!(
        replicas.secret_list()[0].primary_region(),
        Some("us-east-1")
    );

    // Seeding went straight to the backend: only the SDK calls above were served/recorded.
    let events = lookup_all(&emu.ct_client(KEY, "us-east-1"), None).await;
    assert_eq!(
        names(&events),
        ["ListSecrets", "DescribeSecret", "GetSecretValue"]
    );
}

/// Keys that are not 20 characters long (moto's own key regex wants exactly 20) still act
/// in their mapped account: seeded secrets are listed there, CreateSecret lands there and
/// STS answers with it; the default account sees none of it.
#[tokio::test]
async fn seeded_secrets_in_another_account_are_listed_for_its_keys() {
    let emu = Emulator::start();
    let prod = "AKIAPRODPROFILE0001"; // 19 characters
    emu.set_identities(json!({
        prod: {"type": "IAMUser", "arn": "arn:aws:iam::210987654321:user/ops",
            "accountId": "210987654321"},
    }));
    let out = emu.seed(json!({"account": "210987654321", "region": "us-east-1",
        "secrets": [{"name": "prod/db/app-primary", "secret_string": "x"}]}));
    assert_eq!(out["created"], 1);

    let sm = emu.sm_client(prod, "us-east-1");
    let names = |c: aws_sdk_secretsmanager::Client| async move {
        let out = c.list_secrets().send().await.unwrap();
        let mut names: Vec<String> = out
            .secret_list()
            .iter()
            .map(|s| s.name().unwrap_or_default().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(sm.clone()).await, ["prod/db/app-primary"]);

    let created = sm
        .create_secret()
        .name("prod/api/token")
        .secret_string("y")
        .send()
        .await
        .unwrap();
    assert!(
        created
            .arn()
            .unwrap()
            .contains(":210987654321:secret:prod/api/token-")
    );
    assert_eq!(
        names(sm.clone()).await,
        ["prod/api/token", "prod/db/app-primary"]
    );
    let default = emu.sm_client(KEY, "us-east-1");
    assert!(names(default).await.is_empty());

    let id = emu
        .sts_client(prod, "us-east-1")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(id.account(), Some("210987654321"));
    assert!(
        emu.calls()
            .iter()
            .filter(|c| c["access_key"] == prod)
            .all(|c| c["account"] == "210987654321")
    );
}
