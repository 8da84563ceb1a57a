//! `strongroom audit` against the emulator seeded with a known set of violations: the audit
//! finds exactly them, and the exit code follows --fail-on.

mod support;

use std::collections::BTreeSet;

use assert_cmd::Command;
use serde_json::{Value, json};
use support::Emulator;

const KEY: &str = "AKIAAUDITTESTKEY0001";

fn tag(k: &str, v: &str) -> Value {
    json!({"Key": k, "Value": v})
}

fn full_tags(class: &str) -> Value {
    json!([
        tag("Owner", "team-a"),
        tag("RotationDays", "30"),
        tag("Classification", class)
    ])
}

/// Seeds the violations through the real SDK where the emulator's seed route cannot.
fn seed(emu: &Emulator) {
    emu.seed(json!({"region": "us-east-1", "secrets": [
        {"name": "/clarivum/prod/payments/replicated", "secret_string": "x",
         "tags": full_tags("critical"), "replica_regions": ["eu-west-1"]},
        {"name": "legacy_password", "secret_string": "x"},
        {"name": "/clarivum/stage/search/lower-case-owner", "secret_string": "x",
         "tags": [tag("owner", "team-b"), tag("RotationDays", "30"), tag("Classification", "internal")]},
        {"name": "/clarivum/prod/ledger/unreplicated", "secret_string": "x", "tags": full_tags("critical")},
        {"name": "/clarivum/prod/ledger/pending", "secret_string": "x", "tags": full_tags("internal")},
        {"name": "/clarivum/prod/ledger/retired", "secret_string": "x", "tags": full_tags("internal")},
    ]}));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sm = emu.sm_client(KEY, "us-east-1");
    rt.block_on(async {
        sm.put_secret_value()
            .secret_id("/clarivum/prod/ledger/pending")
            .secret_string("y")
            .version_stages("AWSPENDING")
            .send()
            .await
            .unwrap();
        sm.delete_secret()
            .secret_id("/clarivum/prod/ledger/retired")
            .recovery_window_in_days(7)
            .send()
            .await
            .unwrap();
    });
}

fn audit(emu: &Emulator, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("strongroom")
        .unwrap()
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_CONFIG_FILE", dir.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"))
        .env("XDG_CONFIG_HOME", dir)
        .env_remove("AWS_PROFILE")
        .args([
            "--endpoint-url",
            emu.url(),
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
        ])
        .args(["--state-dir"])
        .arg(dir)
        .arg("audit")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_audit_finds_exactly_the_seeded_violations() {
    let emu = Emulator::start();
    seed(&emu);
    let dir = tempfile::tempdir().unwrap();
    let out = audit(&emu, dir.path(), &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: BTreeSet<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["secret"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("/clarivum/prod/payments/replicated", "rotation-enabled"),
        ("legacy_password", "rotation-enabled"),
        ("legacy_password", "required-tags"),
        ("legacy_password", "naming-convention"),
        (
            "/clarivum/stage/search/lower-case-owner",
            "rotation-enabled",
        ),
        ("/clarivum/stage/search/lower-case-owner", "required-tags"),
        ("/clarivum/prod/ledger/unreplicated", "rotation-enabled"),
        ("/clarivum/prod/ledger/unreplicated", "replication-required"),
        ("/clarivum/prod/ledger/pending", "rotation-enabled"),
        ("/clarivum/prod/ledger/pending", "stuck-rotation"),
        ("/clarivum/prod/ledger/retired", "scheduled-deletion"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(found, expected);
    let wrong_case = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["rule"] == "required-tags" && f["secret"] == "/clarivum/stage/search/lower-case-owner"
        })
        .unwrap();
    assert_eq!(
        wrong_case["evidence"]["wrong_case"],
        "Owner (found \"owner\")"
    );
    assert!(
        wrong_case["controls"]
            .as_array()
            .unwrap()
            .contains(&json!("SecurityHub SecretsManager.5"))
    );
    // The audit read nothing it should not have.
    assert!(
        emu.calls()
            .iter()
            .all(|c| c["operation"] != "GetSecretValue")
    );
}

#[test]
fn fail_on_sets_the_exit_code_and_a_bad_policy_exits_2_with_its_line() {
    let emu = Emulator::start();
    seed(&emu);
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        audit(&emu, dir.path(), &["--fail-on", "critical"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        audit(&emu, dir.path(), &["--fail-on", "high"])
            .status
            .code(),
        Some(1)
    );
    // A policy that disables the high rules brings --fail-on high back to 0.
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[rules.stuck-rotation]\nenabled = false\n[rules.replication-required]\nseverity = \"low\"\n",
    )
    .unwrap();
    let out = audit(
        &emu,
        dir.path(),
        &["--fail-on", "high", "--policy", policy.to_str().unwrap()],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(
        &policy,
        "[thresholds]\nunused_days = 30\nrotaton_max_days = 10\n",
    )
    .unwrap();
    let out = audit(&emu, dir.path(), &["--policy", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("policy.toml:3: rotaton_max_days"),
        "{stderr}"
    );
}

#[test]
fn sarif_and_markdown_carry_every_finding() {
    let emu = Emulator::start();
    seed(&emu);
    let dir = tempfile::tempdir().unwrap();
    let sarif: Value =
        serde_json::from_slice(&audit(&emu, dir.path(), &["--format", "sarif"]).stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 11);
    let md = String::from_utf8(audit(&emu, dir.path(), &["--format", "markdown"]).stdout).unwrap();
    assert!(md.contains("## stuck-rotation (1 findings)"), "{md}");
    assert!(md.contains("11 findings in 6 of 6 secrets"), "{md}");
}
