//! Loading CloudTrail records from files: the shared datasets in ../shared/datasets/cloudtrail
//! (every file, every record, found again in its own region), odd records, shift-to-now, --load.

mod support;

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::types::LookupAttributeKey;
use serde_json::{Value, json};
use support::Emulator;
use support::trail::{lookup_all, record};

const SM: &str = "secretsmanager.amazonaws.com";

fn account_of(r: &Value) -> String {
    r["recipientAccountId"]
        .as_str()
        .or(r["userIdentity"]["accountId"].as_str())
        .unwrap_or("")
        .to_string()
}

/// An access key mapped to `account` (so LookupEvents looks at that account's events).
fn key_for(emu: &Emulator, account: &str) -> String {
    let key = format!(
        "AKIA{:0>16}",
        account
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_uppercase()
    );
    let key: String = key.chars().take(20).collect();
    emu.set_identities(json!({ key.clone(): {"accountId": account} }));
    key
}

fn sorted_ids(events: &[aws_sdk_cloudtrail::types::Event]) -> Vec<String> {
    let mut ids: Vec<String> = events
        .iter()
        .map(|e| e.event_id().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn every_shared_dataset_loads_whole_and_is_found_in_its_region() {
    let Some(dir) = support::shared_cloudtrail_dir() else {
        println!("skipped: ../shared not present (no ../shared/datasets/cloudtrail)");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no datasets in {}", dir.display());
    let emu = Emulator::start();
    emu.set_config(json!({"lookup_events_tps": 0}));
    let mut checked_sm = 0;
    for file in &files {
        let label = file.file_name().unwrap().to_string_lossy().to_string();
        let content: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let records = content["Records"].as_array().expect("Records").clone();
        emu.clear_events();
        let out = emu.load_events_file(file, false);
        assert_eq!(out["loaded"], records.len(), "{label}: {out}");
        assert_eq!(out["rejected"], json!([]), "{label}");

        // Expected: per (account, region), all records and the Secrets Manager ones.
        // Event ids may repeat (documentation examples reuse them): compare sorted lists.
        let mut all: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        let mut sm: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for r in &records {
            let place = (account_of(r), r["awsRegion"].as_str().unwrap().to_string());
            let id = r["eventID"].as_str().unwrap().to_string();
            all.entry(place.clone()).or_default().push(id.clone());
            if r["eventSource"] == SM {
                sm.entry(place).or_default().push(id);
            }
        }
        all.values_mut().for_each(|v| v.sort());
        sm.values_mut().for_each(|v| v.sort());
        for ((account, region), ids) in &all {
            let ct = emu.ct_client(&key_for(&emu, account), region);
            let found = lookup_all(&ct, None).await;
            assert_eq!(
                &sorted_ids(&found),
                ids,
                "{label}: all records of {account}/{region}"
            );
            // Kept as given.
            for event in &found {
                let rec = record(event);
                assert!(
                    records.contains(&rec),
                    "{label}: record changed on the way: {rec}"
                );
                assert_eq!(rec["awsRegion"].as_str(), Some(region.as_str()));
            }

            let by_source = lookup_all(&ct, Some((LookupAttributeKey::EventSource, SM))).await;
            let want = sm
                .get(&(account.clone(), region.clone()))
                .cloned()
                .unwrap_or_default();
            let got = sorted_ids(&by_source);
            assert_eq!(
                got, want,
                "{label}: Secrets Manager records of {account}/{region}"
            );
            checked_sm += got.len();

            // Each Secrets Manager record is found by the secret it names (name or ARN).
            for r in records.iter().filter(|r| {
                r["eventSource"] == SM
                    && account_of(r) == *account
                    && r["awsRegion"].as_str() == Some(region.as_str())
            }) {
                let Some(secret) = r["requestParameters"]["secretId"].as_str() else {
                    continue;
                };
                let hits = lookup_all(&ct, Some((LookupAttributeKey::ResourceName, secret))).await;
                assert!(
                    hits.iter().any(|e| e.event_id() == r["eventID"].as_str()),
                    "{label}: ResourceName {secret}"
                );
            }
        }
        let file_sm = records.iter().filter(|r| r["eventSource"] == SM).count();
        println!(
            "{label}: {} records loaded, {file_sm} Secrets Manager records found in {} account/region(s)",
            records.len(),
            all.len()
        );
    }
    assert!(checked_sm > 0);
}

#[tokio::test]
async fn odd_records_load_and_nothing_is_lost() {
    let emu = Emulator::start();
    emu.set_config(json!({"lookup_events_tps": 0}));
    let records = json!([
        {"eventTime": "2024-10-17 21:48:45.000000000", "eventSource": SM, "eventName": "GetSecretValue",
         "awsRegion": "us-west-2", "recipientAccountId": "123456789012", "eventID": "odd-1",
         "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/R/evil.genius"},
         "requestParameters": {"secretId": "arn:aws:secretsmanager:us-west-2:123456789012:secret:db-AbC123"}},
        {"eventSource": SM, "eventName": "ListSecrets", "awsRegion": "us-west-2",
         "recipientAccountId": "123456789012", "eventID": "odd-2-no-time"},
        {"eventTime": "2024-07-31T12:36:52Z", "eventSource": SM, "eventName": "GetSecretValue",
         "awsRegion": "cn-centraleast-1r", "userIdentity": {"accountId": "000000000"}, "eventID": "odd-3"},
        {"eventTime": "2024-07-31T12:36:53Z", "eventName": "Mystery", "awsRegion": "us-west-2",
         "eventID": "odd-4-no-account"},
        "not a record",
        {"eventTime": "2020-01-01T00:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets",
         "awsRegion": "us-west-2", "recipientAccountId": "123456789012"},
    ]);
    let out = emu.load_events(json!({"Records": records}));
    assert_eq!(out["loaded"], 5);
    assert_eq!(out["rejected"][0]["index"], 4);
    assert!(
        out["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("not an object")
    );

    let ct = emu.ct_client("AKIAODDRECORDS000001", "us-west-2");
    let found = lookup_all(&ct, None).await;
    let ids: Vec<&str> = found.iter().map(|e| e.event_id().unwrap()).collect();
    assert_eq!(found.len(), 4, "{ids:?}");
    assert_eq!(ids[0], "odd-2-no-time", "no eventTime: filed as now");
    assert!(ids.contains(&"odd-1") && ids.contains(&"odd-4-no-account"));
    let panther = found
        .iter()
        .find(|e| e.event_id() == Some("odd-1"))
        .unwrap();
    assert_eq!(
        panther.event_time().unwrap().secs(),
        chrono::DateTime::parse_from_rfc3339("2024-10-17T21:48:45Z")
            .unwrap()
            .timestamp()
    );
    assert_eq!(panther.username(), Some("evil.genius"));
    assert_eq!(
        record(panther)["eventTime"],
        "2024-10-17 21:48:45.000000000",
        "kept as given"
    );
    let by_name = lookup_all(&ct, Some((LookupAttributeKey::ResourceName, "db"))).await;
    assert_eq!(
        by_name.len(),
        1,
        "ResourceName matches the secret name inside the ARN"
    );
    let no_id = found
        .iter()
        .find(|e| e.event_name() == Some("ListBuckets"))
        .unwrap();
    assert_eq!(
        no_id.event_id().unwrap().len(),
        36,
        "a missing eventID gets one"
    );

    let ct = emu.ct_client(&key_for(&emu, "000000000"), "cn-centraleast-1r");
    let found = lookup_all(&ct, Some((LookupAttributeKey::EventSource, SM))).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].event_id(), Some("odd-3"));
}

#[tokio::test]
async fn shift_to_now_moves_the_newest_record_to_now_keeping_gaps() {
    let emu = Emulator::start();
    emu.set_config(json!({"lookup_events_tps": 0}));
    let records = json!([
        {"eventTime": "2021-03-01T10:00:00Z", "eventSource": SM, "eventName": "CreateSecret",
         "awsRegion": "eu-west-1", "recipientAccountId": "123456789012", "eventID": "old"},
        {"eventTime": "2021-03-01T12:30:00Z", "eventSource": SM, "eventName": "GetSecretValue",
         "awsRegion": "eu-west-1", "recipientAccountId": "123456789012", "eventID": "new"},
    ]);
    let now = chrono::Utc::now().timestamp();
    let out = emu
        .try_admin(
            "POST",
            "events?shift_to_now=true",
            Some(&json!({"Records": records})),
        )
        .unwrap();
    assert_eq!(out["loaded"], 2);
    let found = lookup_all(&emu.ct_client("AKIASHIFTTEST0000001", "eu-west-1"), None).await;
    let newest = found[0].event_time().unwrap().secs();
    let oldest = found[1].event_time().unwrap().secs();
    assert_eq!(found[0].event_id(), Some("new"));
    assert!((newest - now).abs() <= 5, "newest {newest} vs now {now}");
    assert_eq!(newest - oldest, 9000, "gaps kept");
    let rec = record(&found[0]);
    let shifted = chrono::DateTime::parse_from_rfc3339(rec["eventTime"].as_str().unwrap()).unwrap();
    assert!(
        (shifted.timestamp() - now).abs() <= 5,
        "record's eventTime shifted too"
    );
}

#[tokio::test]
async fn load_flag_loads_files_at_startup() {
    let path = std::env::temp_dir().join(format!(
        "strongroom-emulator-load-{}.json",
        std::process::id()
    ));
    let records = json!({"Records": [
        {"eventTime": "2022-05-05T05:05:05Z", "eventSource": SM, "eventName": "DeleteSecret",
         "awsRegion": "ap-southeast-2", "recipientAccountId": "123456789012", "eventID": "from-cli"}
    ]});
    std::fs::write(&path, records.to_string()).unwrap();
    let emu = Emulator::start_with_args(&["--load", path.to_str().unwrap(), "--shift-to-now"]);
    std::fs::remove_file(&path).ok();
    let found = emu
        .ct_client("AKIALOADFLAGTEST0001", "ap-southeast-2")
        .lookup_events()
        .start_time(aws_sdk_cloudtrail::primitives::DateTime::from_secs(
            chrono::Utc::now().timestamp() - 60,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(found.events().len(), 1);
    assert_eq!(found.events()[0].event_id(), Some("from-cli"));
}
