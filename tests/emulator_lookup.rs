//! CloudTrail LookupEvents as AWS answers it: attributes, pagination, time windows, errors.

mod support;

use aws_sdk_cloudtrail::error::ProvideErrorMetadata;
use aws_sdk_cloudtrail::primitives::DateTime;
use aws_sdk_cloudtrail::types::{EventCategory, LookupAttribute, LookupAttributeKey};
use serde_json::{Value, json};
use support::Emulator;
use support::trail::{lookup_all, names, record};

const KEY_A: &str = "AKIALOOKUPTESTAAAAAA";
const KEY_B: &str = "ASIALOOKUPTESTBBBBBB";

fn emulator() -> Emulator {
    let emu = Emulator::start();
    emu.set_config(json!({"lookup_events_tps": 0}));
    emu
}

fn attr(key: LookupAttributeKey, value: &str) -> LookupAttribute {
    LookupAttribute::builder()
        .attribute_key(key)
        .attribute_value(value)
        .build()
        .unwrap()
}

/// `n` synthetic records one minute apart, oldest first, starting at `start` (epoch s).
fn synthetic(n: usize, start: i64, region: &str, account: &str) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let t = chrono::DateTime::from_timestamp(start + 60 * i as i64, 0).unwrap();
            json!({
                "eventVersion": "1.11",
                "eventTime": t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "eventSource": "secretsmanager.amazonaws.com",
                "eventName": "GetSecretValue",
                "awsRegion": region,
                "recipientAccountId": account,
                "eventID": format!("00000000-0000-0000-0000-{i:012}"),
                "readOnly": true,
                "requestParameters": {"secretId": format!("s{i}")},
            })
        })
        .collect()
}

#[tokio::test]
async fn every_lookup_attribute_filters_events() {
    let emu = emulator();
    emu.set_identities(json!({KEY_B: {
        "type": "AssumedRole", "accountId": "123456789012",
        "arn": "arn:aws:sts::123456789012:assumed-role/Reader/bob",
        "principalId": "AROAREADER:bob"
    }}));
    let sm_a = emu.sm_client(KEY_A, "eu-central-1");
    let sm_b = emu.sm_client(KEY_B, "eu-central-1");
    sm_a.create_secret()
        .name("alpha")
        .secret_string("1")
        .send()
        .await
        .unwrap();
    let beta_arn = sm_a
        .create_secret()
        .name("beta")
        .secret_string("2")
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    sm_b.get_secret_value()
        .secret_id("beta")
        .send()
        .await
        .unwrap();
    sm_b.list_secrets().send().await.unwrap();

    let ct = emu.ct_client(KEY_A, "eu-central-1");
    let all = lookup_all(&ct, None).await;
    assert_eq!(
        names(&all),
        [
            "ListSecrets",
            "GetSecretValue",
            "CreateSecret",
            "CreateSecret"
        ]
    );
    let count = |key: LookupAttributeKey, value: &'static str| {
        let ct = ct.clone();
        async move { names(&lookup_all(&ct, Some((key, value))).await) }
    };
    use LookupAttributeKey as K;
    assert_eq!(
        count(K::EventName, "CreateSecret").await,
        ["CreateSecret", "CreateSecret"]
    );
    assert_eq!(
        count(K::EventSource, "secretsmanager.amazonaws.com")
            .await
            .len(),
        4
    );
    assert!(count(K::EventSource, "kms.amazonaws.com").await.is_empty());
    assert_eq!(
        count(K::ReadOnly, "true").await,
        ["ListSecrets", "GetSecretValue"]
    );
    assert_eq!(
        count(K::ReadOnly, "false").await,
        ["CreateSecret", "CreateSecret"]
    );
    assert_eq!(count(K::Username, KEY_A).await.len(), 2);
    assert_eq!(
        count(K::Username, "bob").await,
        ["ListSecrets", "GetSecretValue"]
    );
    assert_eq!(
        count(K::AccessKeyId, KEY_B).await,
        ["ListSecrets", "GetSecretValue"]
    );
    assert_eq!(
        count(K::ResourceType, "AWS::SecretsManager::Secret")
            .await
            .len(),
        3,
        "ListSecrets names no resource"
    );
    assert_eq!(
        count(K::ResourceName, "beta").await,
        ["GetSecretValue", "CreateSecret"]
    );
    let by_arn = lookup_all(&ct, Some((K::ResourceName, beta_arn.as_str()))).await;
    assert_eq!(names(&by_arn), ["GetSecretValue", "CreateSecret"]);
    assert_eq!(
        by_arn[0].resources()[0].resource_name(),
        Some(beta_arn.as_str())
    );
    assert_eq!(
        by_arn[0].resources()[0].resource_type(),
        Some("AWS::SecretsManager::Secret")
    );

    let id = all[2].event_id().unwrap().to_string();
    let by_id = lookup_all(&ct, Some((K::EventId, id.as_str()))).await;
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0].event_id(), Some(id.as_str()));
    assert_eq!(record(&by_id[0])["eventID"], id.as_str());
}

#[tokio::test]
async fn pagination_follows_next_token_newest_first() {
    let emu = emulator();
    let start = chrono::Utc::now().timestamp() - 3 * 3600;
    let loaded =
        emu.load_events(json!({"Records": synthetic(120, start, "ap-south-1", "123456789012")}));
    assert_eq!(loaded["loaded"], 120);
    let ct = emu.ct_client(KEY_A, "ap-south-1");

    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = ct
            .lookup_events()
            .set_next_token(token.take())
            .send()
            .await
            .unwrap();
        pages.push(out.events().to_vec());
        match out.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [50, 50, 20],
        "default MaxResults is 50"
    );
    let ids: Vec<String> = pages
        .iter()
        .flatten()
        .map(|e| e.event_id().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..120)
        .rev()
        .map(|i| format!("00000000-0000-0000-0000-{i:012}"))
        .collect();
    assert_eq!(ids, expected, "every event once, newest first");
    let times: Vec<i64> = pages
        .iter()
        .flatten()
        .map(|e| e.event_time().unwrap().secs())
        .collect();
    assert!(times.windows(2).all(|w| w[0] > w[1]));

    // Small pages and a filter.
    let mut seen = 0;
    let mut token: Option<String> = None;
    let mut calls = 0;
    loop {
        let out = ct
            .lookup_events()
            .lookup_attributes(attr(LookupAttributeKey::EventName, "GetSecretValue"))
            .max_results(7)
            .set_next_token(token.take())
            .send()
            .await
            .unwrap();
        assert!(out.events().len() <= 7);
        seen += out.events().len();
        calls += 1;
        match out.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!((seen, calls), (120, 18));

    // A token belongs to its query.
    let first = ct.lookup_events().max_results(5).send().await.unwrap();
    let token = first.next_token().unwrap().to_string();
    let err = ct
        .lookup_events()
        .lookup_attributes(attr(LookupAttributeKey::EventName, "CreateSecret"))
        .next_token(&token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidNextTokenException"));
}

#[tokio::test]
async fn time_windows_are_inclusive_and_take_fractional_seconds() {
    let emu = emulator();
    let start = 1_700_000_000; // 2023-11-14T22:13:20Z
    emu.load_events(json!({"Records": synthetic(10, start, "us-east-2", "123456789012")}));
    let ct = emu.ct_client(KEY_A, "us-east-2");
    let window = |from: Option<f64>, to: Option<f64>| {
        let ct = ct.clone();
        async move {
            ct.lookup_events()
                .set_start_time(from.map(DateTime::from_secs_f64))
                .set_end_time(to.map(DateTime::from_secs_f64))
                .send()
                .await
                .unwrap()
                .events()
                .len()
        }
    };
    let s = start as f64;
    assert_eq!(window(None, None).await, 10, "no default 90-day window");
    assert_eq!(
        window(Some(s), Some(s + 120.0)).await,
        3,
        "inclusive bounds"
    );
    assert_eq!(window(Some(s + 0.5), Some(s + 120.0)).await, 2);
    assert_eq!(window(Some(s + 59.999), Some(s + 60.001)).await, 1);
    assert_eq!(window(Some(s + 300.0), None).await, 5);
    assert_eq!(window(None, Some(s + 59.0)).await, 1);
    assert_eq!(window(Some(s + 10_000.0), None).await, 0);

    // Calls served now are found by a window around now.
    let sm = emu.sm_client(KEY_A, "us-east-2");
    let before = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    sm.list_secrets().send().await.unwrap();
    let after = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    let recent = ct
        .lookup_events()
        .start_time(DateTime::from_secs_f64(before - 0.01))
        .end_time(DateTime::from_secs_f64(after + 0.01))
        .send()
        .await
        .unwrap();
    assert_eq!(names(recent.events()), ["ListSecrets"]);
}

#[tokio::test]
async fn invalid_input_gets_aws_error_codes() {
    let emu = emulator();
    let ct = emu.ct_client(KEY_A, "us-east-1");
    let code = |e: &dyn ProvideErrorMetadata| e.code().map(str::to_string);

    let err = ct
        .lookup_events()
        .lookup_attributes(attr(LookupAttributeKey::EventName, "GetSecretValue"))
        .lookup_attributes(attr(LookupAttributeKey::ReadOnly, "true"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&err).as_deref(),
        Some("InvalidLookupAttributesException")
    );
    let err = ct
        .lookup_events()
        .lookup_attributes(attr(LookupAttributeKey::from("Bogus"), "x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&err).as_deref(),
        Some("InvalidLookupAttributesException")
    );
    let err = ct
        .lookup_events()
        .lookup_attributes(attr(LookupAttributeKey::ReadOnly, "maybe"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&err).as_deref(),
        Some("InvalidLookupAttributesException")
    );

    let err = ct
        .lookup_events()
        .start_time(DateTime::from_secs(1_700_000_100))
        .end_time(DateTime::from_secs(1_700_000_000))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err).as_deref(), Some("InvalidTimeRangeException"));
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));

    for bad in [0, 51, -1] {
        let err = ct
            .lookup_events()
            .max_results(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            code(&err).as_deref(),
            Some("InvalidMaxResultsException"),
            "MaxResults {bad}"
        );
    }
    assert!(ct.lookup_events().max_results(50).send().await.is_ok());

    let err = ct
        .lookup_events()
        .next_token("not-a-token")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err).as_deref(), Some("InvalidNextTokenException"));

    let err = ct
        .lookup_events()
        .event_category(EventCategory::from("bogus"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err).as_deref(), Some("InvalidEventCategoryException"));
    let insight = ct
        .lookup_events()
        .event_category(EventCategory::Insight)
        .send()
        .await
        .unwrap();
    assert!(insight.events().is_empty());
}

#[tokio::test]
async fn events_are_kept_per_region_and_account() {
    let emu = emulator();
    let t = chrono::Utc::now().timestamp() - 600;
    let mut records = synthetic(3, t, "eu-west-1", "111111111111");
    records.extend(synthetic(2, t, "eu-west-2", "111111111111"));
    records.extend(synthetic(4, t, "eu-west-1", "222222222222"));
    assert_eq!(emu.load_events(json!({"Records": records}))["loaded"], 9);
    emu.set_identities(json!({
        "AKIAACCOUNTONE000001": {"accountId": "111111111111"},
        "AKIAACCOUNTTWO000002": {"accountId": "222222222222"},
    }));
    let n = |key: &'static str, region: &'static str| {
        let ct = emu.ct_client(key, region);
        async move { lookup_all(&ct, None).await.len() }
    };
    assert_eq!(n("AKIAACCOUNTONE000001", "eu-west-1").await, 3);
    assert_eq!(n("AKIAACCOUNTONE000001", "eu-west-2").await, 2);
    assert_eq!(n("AKIAACCOUNTTWO000002", "eu-west-1").await, 4);
    assert_eq!(n("AKIAACCOUNTTWO000002", "eu-west-2").await, 0);
    assert_eq!(n(KEY_A, "eu-west-1").await, 0, "default account has none");

    emu.clear_events();
    assert_eq!(n("AKIAACCOUNTONE000001", "eu-west-1").await, 0);
}
