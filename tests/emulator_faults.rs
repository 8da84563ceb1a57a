//! Faults switchable while running: latency, error rate, region down (drop or hang).

mod support;

use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use serde_json::json;
use support::{ClientOptions, Emulator};

const KEY: &str = "AKIAFAULTTEST0000001";

async fn list_time(sm: &aws_sdk_secretsmanager::Client) -> Duration {
    let began = Instant::now();
    sm.list_secrets().send().await.unwrap();
    began.elapsed()
}

#[tokio::test]
async fn latency_is_added_to_the_chosen_region_only() {
    let emu = Emulator::start();
    let east = emu.sm_client(KEY, "us-east-1");
    let west = emu.sm_client(KEY, "us-west-2");
    list_time(&east).await; // warm up
    emu.set_fault(json!({"region": "us-east-1", "service": "secretsmanager", "latency_ms": 400}));
    let slow = list_time(&east).await;
    assert!(slow >= Duration::from_millis(400), "{slow:?}");
    let fast = list_time(&west).await;
    assert!(fast < Duration::from_millis(400), "{fast:?}");
    emu.clear_faults();
    let back = list_time(&east).await;
    assert!(back < Duration::from_millis(400), "{back:?}");
}

#[tokio::test]
async fn error_rate_one_answers_the_chosen_error() {
    let emu = Emulator::start();
    let sm = emu.sm_client(KEY, "eu-west-1");
    let ct = emu.ct_client(KEY, "eu-west-1");
    for (error, status) in [
        ("ThrottlingException", 400),
        ("InternalFailure", 500),
        ("ServiceUnavailable", 503),
    ] {
        emu.set_fault(
            json!({"region": "eu-west-1", "service": "*", "error_rate": 1.0, "error": error}),
        );
        let err = sm.list_secrets().send().await.unwrap_err();
        assert_eq!(err.code(), Some(error));
        let raw = err.raw_response().expect("an HTTP answer");
        assert_eq!(raw.status().as_u16(), status);
        assert_eq!(raw.headers().get("x-amzn-errortype"), Some(error));
        let body: serde_json::Value = serde_json::from_slice(raw.body().bytes().unwrap()).unwrap();
        assert_eq!(body["__type"], error);

        let err = ct.lookup_events().send().await.unwrap_err();
        assert_eq!(
            aws_sdk_cloudtrail::error::ProvideErrorMetadata::code(&err),
            Some(error)
        );
    }
    let calls = emu.calls();
    let statuses: Vec<u64> = calls
        .iter()
        .map(|c| c["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [400, 400, 500, 500, 503, 503]);

    // Injected Secrets Manager errors are recorded in CloudTrail like any failure.
    emu.clear_faults();
    emu.set_config(json!({"lookup_events_tps": 0}));
    let events = support::trail::lookup_all(&ct, None).await;
    let codes: Vec<String> = events
        .iter()
        .map(|e| {
            support::trail::record(e)["errorCode"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        codes,
        [
            "ServiceUnavailable",
            "InternalFailure",
            "ThrottlingException"
        ]
    );
}

#[tokio::test]
async fn a_fractional_error_rate_fails_some_calls() {
    let emu = Emulator::start();
    let sm = emu.sm_client(KEY, "ca-central-1");
    emu.set_fault(
        json!({"region": "ca-central-1", "service": "secretsmanager", "error_rate": 0.5,
                         "error": "InternalFailure"}),
    );
    let mut failed = 0;
    for _ in 0..100 {
        if let Err(e) = sm.list_secrets().send().await {
            assert_eq!(e.code(), Some("InternalFailure"));
            failed += 1;
        }
    }
    assert!((20..=80).contains(&failed), "{failed} of 100 failed");
}

#[tokio::test]
async fn region_down_drops_the_connection() {
    let emu = Emulator::start();
    emu.set_fault(json!({"region": "ap-northeast-1", "service": "secretsmanager", "down": true}));
    let sm = emu.sm_client(KEY, "ap-northeast-1");
    let began = Instant::now();
    let err = sm.list_secrets().send().await.unwrap_err();
    assert!(
        matches!(err, SdkError::DispatchFailure(_)),
        "expected a connection error, got {err:?}"
    );
    assert!(began.elapsed() < Duration::from_secs(5));
    // Other regions, other services and the admin API still work.
    emu.sm_client(KEY, "ap-northeast-2")
        .list_secrets()
        .send()
        .await
        .unwrap();
    emu.sts_client(KEY, "ap-northeast-1")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let calls = emu.calls();
    assert_eq!(calls[0]["status"], 0);
    assert_eq!(calls[0]["fault"], "down");

    emu.set_fault(json!({"region": "*", "service": "*", "down": true}));
    assert_eq!(emu.admin("GET", "health", None), json!({"ok": true}));
    let err = emu
        .ct_client(KEY, "eu-west-1")
        .lookup_events()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::DispatchFailure(_)), "{err:?}");
    emu.clear_faults();
    sm.list_secrets().send().await.unwrap();
}

#[tokio::test]
async fn region_hang_holds_until_the_client_times_out() {
    let emu = Emulator::start();
    emu.set_fault(json!({"region": "sa-east-1", "service": "secretsmanager", "down": "hang"}));
    let sm = emu.sm_client_with(
        KEY,
        "sa-east-1",
        ClientOptions::default().timeout(Duration::from_millis(600)),
    );
    let began = Instant::now();
    let err = sm.list_secrets().send().await.unwrap_err();
    let waited = began.elapsed();
    assert!(
        matches!(err, SdkError::TimeoutError(_)),
        "expected a timeout, got {err:?}"
    );
    assert!(
        waited >= Duration::from_millis(600) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert_eq!(emu.calls()[0]["fault"], "hang");
    emu.clear_faults();
    sm.list_secrets().send().await.unwrap();
}

#[tokio::test]
async fn sts_faults_use_query_protocol_errors() {
    let emu = Emulator::start();
    emu.set_fault(
        json!({"region": "*", "service": "sts", "error_rate": 1.0, "error": "Throttling"}),
    );
    let err = emu
        .sts_client(KEY, "us-east-1")
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::code(&err),
        Some("Throttling")
    );
    emu.sm_client(KEY, "us-east-1")
        .list_secrets()
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn fault_rules_can_be_listed_replaced_and_cleared() {
    let emu = Emulator::start();
    emu.set_fault(json!({"region": "eu-west-1", "service": "secretsmanager", "latency_ms": 30}));
    emu.set_fault(json!({"region": "eu-west-1", "service": "secretsmanager", "error_rate": 0.2}));
    emu.set_fault(json!({"service": "cloudtrail", "down": "hang"}));
    let faults = emu.faults();
    let faults = faults.as_array().unwrap();
    assert_eq!(faults.len(), 2, "same region+service replaces: {faults:?}");
    assert_eq!(faults[0]["error_rate"], 0.2);
    assert!(faults[0].get("latency_ms").is_none());
    assert_eq!(faults[1]["region"], "*");
    let bad = emu.try_admin("POST", "faults", Some(&json!({"down": "sideways"})));
    assert_eq!(bad.unwrap_err().0, 400);
    emu.clear_faults();
    assert_eq!(emu.faults(), json!([]));
}
