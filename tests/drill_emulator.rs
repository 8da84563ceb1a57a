//! `strongroom drill` against the local emulator through the binary: drift, a Failed replica, a
//! missing one, the DR region down, the primary region down (the failover view), the demo, exit
//! codes and the exact API calls. Value reads and the promotion rehearsal: drill_rehearsal_emulator.rs.

mod drill_common;
mod support;

use assert_cmd::Command;
use drill_common::*;
use serde_json::{Value, json};
use support::Emulator;

#[tokio::test(flavor = "multi_thread")]
async fn drift_failed_and_missing_are_found_with_the_minimum_of_calls() {
    let emu = Emulator::start();
    seed(&emu).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, report, stderr) = drill(&emu, dir.path(), &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(report["verdict"], "fail");
    assert_eq!(
        report["regions_read"],
        json!([PRIMARY, DR]),
        "the DR region is added"
    );
    let names: Vec<&str> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    // The non-critical, unreplicated secret is not selected; the fixture is (it is replicated).
    assert_eq!(
        names,
        vec![
            "drill/fixture",
            "prod/pay/db",
            "prod/pay/drift",
            "prod/pay/failed",
            "prod/pay/missing"
        ]
    );
    let db = row(&report, "prod/pay/db");
    assert_eq!(db["verdict"], "pass", "{db}");
    assert_eq!(dr_cell(db)["status"], "InSync");
    assert_eq!(dr_cell(db)["kms_key_id"], CMK_DR);
    assert_eq!(dr_cell(db)["parity"]["state"], "same");
    let drift = row(&report, "prod/pay/drift");
    assert_eq!(codes(drift), vec!["drift"]);
    assert_eq!(dr_cell(drift)["status"], "InSync");
    assert_eq!(dr_cell(drift)["parity"]["state"], "behind");
    assert_ne!(
        dr_cell(drift)["parity"]["primary"],
        dr_cell(drift)["parity"]["replica"]
    );
    let failed = row(&report, "prod/pay/failed");
    assert_eq!(codes(failed), vec!["replica-failed"]);
    assert!(
        failed["reasons"][0]["text"]
            .as_str()
            .unwrap()
            .contains("is disabled")
    );
    assert_eq!(
        codes(row(&report, "prod/pay/missing")),
        vec!["missing-replica"]
    );
    assert_eq!(report["counts"], json!({"pass": 2, "warn": 0, "fail": 3}));
    assert_eq!(report["value_verification"]["requested"], false);
    assert_eq!(
        report["calls"],
        json!({"DescribeSecret": 4, "ListSecrets": 2})
    );

    let calls = emu.calls();
    assert_eq!(count(&calls, "ListSecrets", Some(PRIMARY)), 1);
    assert_eq!(count(&calls, "ListSecrets", Some(DR)), 1);
    assert_eq!(count(&calls, "DescribeSecret", Some(PRIMARY)), 4);
    assert_eq!(count(&calls, "DescribeSecret", None), 4);
    assert_eq!(count(&calls, "GetCallerIdentity", None), 1);
    assert_eq!(calls.len(), 7, "nothing else: {calls:?}");
    let text = report.to_string();
    for v in ["db-value", "old-value", "new-value", "fixture-value"] {
        assert!(!text.contains(v));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dr_region_down_is_an_error_and_nothing_is_claimed_verified() {
    let emu = Emulator::start();
    seed(&emu).await;
    emu.set_fault(json!({"region": DR, "service": "secretsmanager", "down": true}));
    let dir = tempfile::tempdir().unwrap();
    let (code, report, stderr) = drill(&emu, dir.path(), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&format!("region {DR}: down")), "{stderr}");
    let db = row(&report, "prod/pay/db");
    assert_eq!(codes(db), vec!["parity-unverified"]);
    assert_eq!(
        dr_cell(db)["status"],
        "InSync",
        "the primary's status is still shown"
    );
    assert!(db["failover"].is_null());
    // Still a fail: the primary's own status says so, whatever the DR region.
    assert_eq!(
        codes(row(&report, "prod/pay/failed")),
        vec!["replica-failed"]
    );
    // Never described (no replica seen anywhere) and its DR region unreadable: unknown, not pass.
    assert_eq!(
        codes(row(&report, "prod/pay/missing")),
        vec!["dr-region-unreachable"]
    );
    assert!(report["notes"][0].as_str().unwrap().contains("down"));
}

#[tokio::test(flavor = "multi_thread")]
async fn primary_region_down_shows_what_a_failover_would_serve() {
    let emu = Emulator::start();
    seed(&emu).await;
    let west = emu.sm_client(KEY, DR);
    let listed = west.list_secrets().send().await.unwrap();
    let version_of = |name: &str| {
        listed
            .secret_list()
            .iter()
            .find(|s| s.name() == Some(name))
            .and_then(|s| s.secret_versions_to_stages())
            .and_then(|m| {
                m.iter()
                    .find(|(_, st)| st.iter().any(|s| s == "AWSCURRENT"))
            })
            .map(|(id, _)| id.clone())
            .unwrap()
    };
    let drift_version = version_of("prod/pay/drift");
    emu.set_fault(json!({"region": PRIMARY, "service": "secretsmanager", "down": true}));
    emu.clear_calls();
    let dir = tempfile::tempdir().unwrap();
    let (code, report, stderr) = drill(&emu, dir.path(), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    let drift = row(&report, "prod/pay/drift");
    assert_eq!(drift["primary"]["state"], "unreachable");
    assert_eq!(drift["primary_region"], PRIMARY);
    assert_eq!(
        codes(drift),
        vec!["primary-unreachable", "parity-unverified"]
    );
    let f = &drift["failover"];
    assert_eq!(f["version_id"], drift_version.as_str());
    assert_eq!(f["parity_verified"], false);
    assert!(
        f["caveat"]
            .as_str()
            .unwrap()
            .contains("could not be verified")
    );
    assert_eq!(count(&emu.calls(), "DescribeSecret", None), 0);

    let out = strongroom(&emu, dir.path())
        .args(["drill", "--dr-region", DR, "--format", "table"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("FAILOVER"), "{table}");
    assert!(table.contains(&drift_version), "{table}");
    assert!(table.contains("us-east-1 DOWN"), "{table}");
}

#[test]
fn demo_drill_finds_the_failed_replica_and_refuses_value_reads() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("strongroom")
        .unwrap()
        .args(["--state-dir"])
        .arg(dir.path())
        .args([
            "--demo",
            "drill",
            "--dr-region",
            "ap-southeast-2",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["source_kind"], "demo");
    let jwt = row(&report, "/clarivum/prod/identity/jwt-signing-key");
    assert_eq!(codes(jwt), vec!["replica-failed"]);
    assert!(report["calls"].as_object().unwrap().is_empty());

    let md = Command::cargo_bin("strongroom")
        .unwrap()
        .args(["--state-dir"])
        .arg(dir.path())
        .args([
            "--demo",
            "drill",
            "--dr-region",
            "ap-southeast-2",
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    for heading in [
        "# DR drill: ap-southeast-2",
        "## Phases",
        "## Failover summary",
        "## What was done",
    ] {
        assert!(md.contains(heading), "{heading} missing:\n{md}");
    }
    assert!(md.contains("Value verification: not requested"));

    for flag in ["--verify-values", "--rehearse-promotion"] {
        let out = Command::cargo_bin("strongroom")
            .unwrap()
            .args(["--state-dir"])
            .arg(dir.path())
            .args(["--demo", "drill", "--dr-region", "ap-southeast-2", flag])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(flag) && stderr.contains("live AWS"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}
