//! `strongroom inventory` against the local emulator through the real SDK: three regions,
//! replicated and unreplicated secrets, several pages, faults; the exact API calls are checked
//! in the emulator's call log.

mod support;

use assert_cmd::Command;
use serde_json::{Value, json};
use support::Emulator;

const ACCOUNT: &str = "123456789012";
const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

fn secrets(prefix: &str, n: usize, replicas: &[&str], every: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let mut s = json!({
                "name": format!("/clarivum/prod/{prefix}/secret-{i:03}"),
                "tags": [{"Key": "Owner", "Value": "team-a"}],
                "secret_string": "never-shown",
            });
            if every > 0 && i % every == 0 {
                s["replica_regions"] = json!(replicas);
            }
            s
        })
        .collect()
}

/// us-east-1: 230 secrets (3 pages), every 10th replicated to eu-west-1 and ap-southeast-2;
/// eu-west-1: 40 of its own; ap-southeast-2: only replicas.
fn seed(emu: &Emulator) {
    let r = emu.seed(json!({"account": ACCOUNT, "region": "us-east-1",
        "secrets": secrets("billing", 230, &["eu-west-1", "ap-southeast-2"], 10)}));
    assert_eq!(r["created"], 230);
    emu.seed(json!({"account": ACCOUNT, "region": "eu-west-1",
        "secrets": secrets("search", 40, &[], 0)}));
    emu.clear_calls();
}

fn strongroom(emu: &Emulator, state: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("strongroom").unwrap();
    cmd.env("AWS_ACCESS_KEY_ID", "AKIAINVENTORYTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", state.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", state.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .arg("--endpoint-url")
        .arg(emu.url())
        .arg("--state-dir")
        .arg(state);
    for r in REGIONS {
        cmd.arg("--region").arg(r);
    }
    cmd
}

fn count(calls: &[Value], service: &str, op: &str, region: Option<&str>) -> usize {
    calls
        .iter()
        .filter(|c| c["service"] == service && c["operation"] == op)
        .filter(|c| region.is_none_or(|r| c["region"] == r))
        .count()
}

#[test]
fn inventory_joins_replicas_with_the_minimum_of_api_calls() {
    let emu = Emulator::start();
    seed(&emu);
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args(["inventory", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secrets = report["secrets"].as_array().unwrap();
    // 230 + 40 primaries; the 46 replica listings are joined, not extra rows.
    assert_eq!(secrets.len(), 270);
    let replicated: Vec<&Value> = secrets
        .iter()
        .filter(|s| !s["replicas"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(replicated.len(), 23);
    for s in &replicated {
        let regions: Vec<&str> = s["replicas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["region"].as_str().unwrap())
            .collect();
        assert_eq!(regions, vec!["ap-southeast-2", "eu-west-1"], "{s}");
        assert!(
            s["replicas"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["status"] == "InSync")
        );
    }
    assert!(
        report["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["health"] == "ok")
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("never-shown"));

    let calls = emu.calls();
    assert_eq!(count(&calls, "secretsmanager", "GetSecretValue", None), 0);
    assert_eq!(
        count(&calls, "secretsmanager", "BatchGetSecretValue", None),
        0
    );
    // Pages of 100: 230+23 replicas-free listing in us-east-1 = 3 pages; eu-west-1 holds 40 + 23.
    assert_eq!(
        count(&calls, "secretsmanager", "ListSecrets", Some("us-east-1")),
        3
    );
    assert_eq!(
        count(&calls, "secretsmanager", "ListSecrets", Some("eu-west-1")),
        1
    );
    assert_eq!(
        count(
            &calls,
            "secretsmanager",
            "ListSecrets",
            Some("ap-southeast-2")
        ),
        1
    );
    // DescribeSecret only for the 23 replicated primaries, in their own region.
    assert_eq!(count(&calls, "secretsmanager", "DescribeSecret", None), 23);
    assert_eq!(
        count(
            &calls,
            "secretsmanager",
            "DescribeSecret",
            Some("us-east-1")
        ),
        23
    );
    assert_eq!(count(&calls, "sts", "GetCallerIdentity", None), 1);
    let other: Vec<&Value> = calls
        .iter()
        .filter(|c| {
            !matches!(
                c["operation"].as_str(),
                Some("ListSecrets" | "DescribeSecret" | "GetCallerIdentity")
            )
        })
        .collect();
    assert!(other.is_empty(), "unexpected calls: {other:?}");
}

#[test]
fn a_region_that_is_down_is_reported_and_the_rest_still_prints() {
    let emu = Emulator::start();
    seed(&emu);
    emu.set_fault(json!({"region": "eu-west-1", "service": "secretsmanager", "down": true}));
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args(["inventory", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("account {ACCOUNT} region eu-west-1: down")),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secrets = report["secrets"].as_array().unwrap();
    assert_eq!(
        secrets
            .iter()
            .filter(|s| s["region"] == "us-east-1")
            .count(),
        230
    );
    assert!(secrets.iter().all(|s| s["region"] != "eu-west-1"));
    let eu = report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["region"] == "eu-west-1")
        .unwrap();
    assert_eq!(eu["health"], "down");
}

#[test]
fn throttling_is_retried_with_backoff_and_never_surfaces() {
    let emu = Emulator::start();
    seed(&emu);
    emu.set_fault(json!({"region": "us-east-1", "service": "secretsmanager",
        "error_rate": 0.4, "error": "ThrottlingException"}));
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args(["inventory", "--format", "csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(csv.lines().count(), 1 + 270);
    let throttled = emu
        .calls()
        .iter()
        .filter(|c| c["status"] == 400 && c["region"] == "us-east-1")
        .count();
    assert!(throttled > 0, "the fault never fired");
}

#[test]
fn an_internal_failure_everywhere_exits_2_with_every_cell_named() {
    let emu = Emulator::start();
    seed(&emu);
    emu.set_fault(json!({"region": "*", "service": "secretsmanager",
        "error_rate": 1.0, "error": "InternalFailure"}));
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args(["inventory", "--format", "table"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for r in REGIONS {
        assert!(stderr.contains(&format!("region {r}:")), "{stderr}");
    }
}

#[test]
fn several_profiles_are_several_accounts() {
    let emu = Emulator::start();
    emu.set_identities(json!({
        "AKIAPRODPROFILE0001": {"type": "IAMUser", "arn": "arn:aws:iam::210987654321:user/ops", "accountId": "210987654321"},
        "AKIASTAGEPROFILE001": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/ops", "accountId": "123456789012"}
    }));
    emu.seed(json!({"account": "210987654321", "region": "us-east-1",
        "secrets": [{"name": "prod/db/app-primary", "secret_string": "x"}]}));
    emu.seed(json!({"account": "123456789012", "region": "us-east-1",
        "secrets": [{"name": "stage/db/app-primary", "secret_string": "x"}]}));
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(
        &creds,
        "[prod]\naws_access_key_id = AKIAPRODPROFILE0001\naws_secret_access_key = x\n\
         [stage]\naws_access_key_id = AKIASTAGEPROFILE001\naws_secret_access_key = x\n",
    )
    .unwrap();
    let out = Command::cargo_bin("strongroom")
        .unwrap()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env("AWS_SHARED_CREDENTIALS_FILE", &creds)
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["--endpoint-url", emu.url(), "--region", "us-east-1"])
        .args([
            "--profile",
            "prod",
            "--profile",
            "stage",
            "inventory",
            "--format",
            "table",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    let header = table.lines().next().unwrap();
    assert!(header.contains("ACCOUNT"), "{table}");
    let prod = table
        .lines()
        .find(|l| l.starts_with("prod/db/app-primary"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(prod.contains("210987654321"), "{table}");
    let stage = table
        .lines()
        .find(|l| l.starts_with("stage/db/app-primary"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(stage.contains("123456789012"), "{table}");
}

#[test]
fn a_snapshot_export_reopens_offline_with_the_same_inventory() {
    let emu = Emulator::start();
    seed(&emu);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snap.json");
    let live = strongroom(&emu, dir.path())
        .args(["snapshot", "export", "--output"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        live.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    let snap: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(snap["schema_version"], 1);
    assert_eq!(snap["secrets"].as_array().unwrap().len(), 270 + 46);
    emu.clear_calls();
    let offline = Command::cargo_bin("strongroom")
        .unwrap()
        .arg("--snapshot")
        .arg(&file)
        .args(["inventory", "--format", "csv"])
        .output()
        .unwrap();
    assert!(offline.status.success());
    assert_eq!(
        String::from_utf8_lossy(&offline.stdout).lines().count(),
        1 + 270
    );
    assert!(emu.calls().is_empty(), "offline must not call AWS");
}
