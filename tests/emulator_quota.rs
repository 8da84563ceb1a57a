//! LookupEvents quota: 2 calls per second per account and region, on by default.

mod support;

use std::time::{Duration, Instant};

use aws_sdk_cloudtrail::error::ProvideErrorMetadata;
use serde_json::json;
use support::Emulator;

const KEY: &str = "AKIAQUOTATEST0000001";

#[tokio::test]
async fn a_burst_past_two_calls_per_second_is_throttled() {
    let emu = Emulator::start();
    let ct = emu.ct_client(KEY, "us-east-1"); // SDK retries off
    let began = Instant::now();
    // Sent at once, so the burst lands inside one second even on a loaded machine.
    let outcomes = futures::future::join_all((0..6).map(|_| ct.lookup_events().send())).await;
    assert!(
        began.elapsed() < Duration::from_millis(900),
        "burst too slow to test"
    );
    let (ok, throttled): (Vec<_>, Vec<_>) = outcomes.iter().partition(|o| o.is_ok());
    assert_eq!(ok.len(), 2);
    for out in throttled {
        let err = out.as_ref().unwrap_err();
        assert_eq!(err.code(), Some("ThrottlingException"));
        assert_eq!(err.message(), Some("Rate exceeded"));
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    }

    // Other regions and other accounts have their own quota.
    assert!(
        emu.ct_client(KEY, "us-west-2")
            .lookup_events()
            .send()
            .await
            .is_ok()
    );
    emu.set_identities(json!({"AKIAQUOTAOTHERACCT01": {"accountId": "999999999999"}}));
    assert!(
        emu.ct_client("AKIAQUOTAOTHERACCT01", "us-east-1")
            .lookup_events()
            .send()
            .await
            .is_ok()
    );

    // The window slides: calls are allowed again about a second after the burst.
    let mut allowed_after = None;
    while began.elapsed() < Duration::from_secs(3) {
        if ct.lookup_events().send().await.is_ok() {
            allowed_after = Some(began.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let allowed_after = allowed_after.expect("quota never recovered");
    assert!(
        allowed_after >= Duration::from_millis(900),
        "{allowed_after:?}"
    );

    let mut statuses: Vec<_> = emu
        .calls()
        .iter()
        .take(6)
        .map(|c| c["status"].as_u64().unwrap())
        .collect();
    statuses.sort();
    assert_eq!(statuses, [200, 200, 400, 400, 400, 400]);
}

#[tokio::test]
async fn raising_or_removing_the_quota_lets_bursts_through() {
    let emu = Emulator::start();
    let ct = emu.ct_client(KEY, "eu-west-1");
    assert_eq!(
        emu.set_config(json!({"lookup_events_tps": 20}))["lookup_events_tps"],
        20
    );
    for i in 0..15 {
        ct.lookup_events()
            .send()
            .await
            .unwrap_or_else(|e| panic!("call {i}: {e:?}"));
    }
    emu.set_config(json!({"lookup_events_tps": 0}));
    let ct = emu.ct_client(KEY, "eu-west-2");
    for _ in 0..40 {
        ct.lookup_events().send().await.unwrap();
    }
    emu.set_config(json!({"lookup_events_tps": null}));
    let ct = emu.ct_client(KEY, "eu-west-3");
    for _ in 0..10 {
        ct.lookup_events().send().await.unwrap();
    }
    // Back to the default: throttled again.
    emu.set_config(json!({"lookup_events_tps": 2}));
    let ct = emu.ct_client(KEY, "eu-north-1");
    let results: Vec<bool> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(ct.lookup_events().send().await.is_ok());
        }
        v
    };
    assert_eq!(results, [true, true, false, false]);
}
