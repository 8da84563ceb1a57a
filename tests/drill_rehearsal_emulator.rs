//! `strongroom drill` with its opt-in live steps against the local emulator: `--verify-values`
//! (fingerprints, reads only where asked) and `--rehearse-promotion` (a fixture promoted and
//! replicated again; refused without --allow-write, for non-fixtures, and unconfirmed).

mod drill_common;
mod support;

use drill_common::*;
use serde_json::{Value, json};
use support::Emulator;

#[tokio::test(flavor = "multi_thread")]
async fn verify_values_compares_fingerprints_and_reads_only_where_asked() {
    let emu = Emulator::start();
    seed(&emu).await;
    // Same version id in both regions, another value in the replica: only the values tell.
    emu.admin(
        "POST",
        "replicas",
        Some(&json!({"region": PRIMARY, "secret": "prod/pay/db",
        "replica_region": DR, "drift": true, "replica_secret_string": "tampered"})),
    );
    emu.clear_calls();
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args([
            "drill",
            "--dr-region",
            DR,
            "--verify-values",
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
    let db = row(&report, "prod/pay/db");
    assert_eq!(dr_cell(db)["parity"]["state"], "same");
    assert_eq!(
        db["value_check"],
        json!({"state": "compared", "primary": sha_prefix("db-value"),
               "replica": sha_prefix("tampered"), "matches": false})
    );
    assert_eq!(codes(db), vec!["value-mismatch"]);
    let fixture = row(&report, "drill/fixture");
    assert_eq!(fixture["value_check"]["matches"], true);
    assert_eq!(
        fixture["value_check"]["primary"],
        sha_prefix("fixture-value")
    );
    // drift: the replica serves the old value.
    let drift = row(&report, "prod/pay/drift");
    assert_eq!(drift["value_check"]["replica"], sha_prefix("old-value"));
    let v = &report["value_verification"];
    assert_eq!(v["requested"], true);
    assert_eq!(v["compared"], 3);
    assert_eq!(v["reads"], 6);
    assert_eq!(
        v["not_verifiable"], 2,
        "failed and missing have no replica to read"
    );
    assert!(v["note"].as_str().unwrap().contains("CloudTrail"));
    let calls = emu.calls();
    assert_eq!(count(&calls, "GetSecretValue", Some(PRIMARY)), 3);
    assert_eq!(count(&calls, "GetSecretValue", Some(DR)), 3);
    let text = String::from_utf8_lossy(&out.stdout);
    for v in [
        "db-value",
        "tampered",
        "old-value",
        "new-value",
        "fixture-value",
    ] {
        assert!(!text.contains(v), "a value leaked: {v}");
    }
    // An environment that would make the SDK log the values it reads is refused.
    emu.clear_calls();
    let out = strongroom(&emu, dir.path())
        .env("LOG_SENSITIVE_BODIES", "true")
        .args(["drill", "--dr-region", DR, "--verify-values"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("LOG_SENSITIVE_BODIES"));
    assert!(emu.calls().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn promotion_rehearsal_promotes_the_fixture_and_replicates_it_again() {
    let emu = Emulator::start();
    seed(&emu).await;
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args([
            "--allow-write",
            "drill",
            "--dr-region",
            DR,
            "--secrets",
            "drill/*",
        ])
        .args(["--rehearse-promotion", "--format", "json"])
        .write_stdin(format!("promote 1 in {DR}\n"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("secretsmanager:StopReplicationToReplica"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &report["promotion_rehearsal"];
    assert_eq!(r["status"], "done");
    assert_eq!(r["confirmation"], format!("promote 1 in {DR}"));
    let planned = &r["planned"][0]["requests"];
    assert_eq!(planned[0]["operation"], "StopReplicationToReplica");
    assert_eq!(planned[0]["region"], DR);
    assert!(
        planned[0]["body"]["SecretId"]
            .as_str()
            .unwrap()
            .contains(":us-west-2:")
    );
    assert_eq!(planned[1]["body"]["ForceOverwriteReplicaSecret"], true);
    assert_eq!(
        planned[1]["body"]["AddReplicaRegions"][0]["KmsKeyId"],
        CMK_DR
    );
    let fixture = row(&report, "drill/fixture");
    assert_eq!(fixture["promotion"]["succeeded"], true, "{fixture}");
    let steps: Vec<&str> = fixture["promotion"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        vec![
            "StopReplicationToReplica",
            "check promoted (DescribeSecret)",
            "ReplicateSecretToRegions",
            "wait InSync (DescribeSecret)",
            "check replica (DescribeSecret)"
        ]
    );
    let phases: Vec<&str> = report["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        phases.iter().any(|p| p.starts_with("promotion")),
        "{phases:?}"
    );
    assert!(
        phases.iter().any(|p| p.starts_with("re-replication")),
        "{phases:?}"
    );
    let calls = emu.calls();
    assert_eq!(count(&calls, "StopReplicationToReplica", Some(DR)), 1);
    assert_eq!(count(&calls, "ReplicateSecretToRegions", Some(PRIMARY)), 1);
    assert_eq!(count(&calls, "GetSecretValue", None), 0);
    // Afterwards the DR copy is a replica again, InSync.
    let west = emu.sm_client(KEY, DR);
    let d = west
        .describe_secret()
        .secret_id(planned[0]["body"]["SecretId"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(d.primary_region(), Some(PRIMARY));
}

#[tokio::test(flavor = "multi_thread")]
async fn promotion_is_refused_without_allow_write_for_non_fixtures_and_unconfirmed() {
    let emu = Emulator::start();
    seed(&emu).await;
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &[&str], &str); 3] = [
        (
            &[],
            &[
                "--secrets",
                "drill/*",
                "--confirm",
                "promote 1 in us-west-2",
            ],
            "--allow-write",
        ),
        (
            &["--allow-write"],
            &["--secrets", "prod/*"],
            "nothing to promote",
        ),
        (
            &["--allow-write"],
            &["--secrets", "drill/*", "--confirm", "yes"],
            "not confirmed",
        ),
    ];
    for (global, args, why) in cases {
        emu.clear_calls();
        let out = strongroom(&emu, dir.path())
            .args(global)
            .args([
                "drill",
                "--dr-region",
                DR,
                "--rehearse-promotion",
                "--format",
                "json",
            ])
            .args(args)
            .write_stdin("")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{why}: {stderr}");
        assert!(stderr.contains(why), "{why}: {stderr}");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            report["promotion_rehearsal"]["status"]
                .as_str()
                .unwrap()
                .contains(why)
        );
        let calls = emu.calls();
        for op in ["StopReplicationToReplica", "ReplicateSecretToRegions"] {
            assert_eq!(count(&calls, op, None), 0, "{why}: {op} was sent");
        }
        if why == "nothing to promote" {
            let skipped = report["promotion_rehearsal"]["skipped"].as_array().unwrap();
            assert!(
                skipped
                    .iter()
                    .all(|s| s["why"].as_str().unwrap().contains("DrillFixture"))
            );
            assert_eq!(skipped.len(), 4);
        }
    }
}
