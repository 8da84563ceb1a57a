//! Shared by the drill's emulator tests: the seeded fleet and how to run `strongroom drill`.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::Emulator;

pub const ACCOUNT: &str = "123456789012";
pub const KEY: &str = "AKIADRILLTESTKEY0001";
pub const PRIMARY: &str = "us-east-1";
pub const DR: &str = "us-west-2";
pub const CMK_DR: &str = "arn:aws:kms:us-west-2:123456789012:key/dr-key";

pub fn spec(name: &str, value: &str, class: &str, replicated: bool, fixture: bool) -> Value {
    let mut tags = vec![
        json!({"Key": "Classification", "Value": class}),
        json!({"Key": "Owner", "Value": "team-dr"}),
    ];
    if fixture {
        tags.push(json!({"Key": "DrillFixture", "Value": "true"}));
    }
    let mut s = json!({"name": name, "secret_string": value, "tags": tags});
    if replicated {
        s["replica_regions"] = json!([{"Region": DR, "KmsKeyId": CMK_DR}]);
    }
    s
}

/// us-east-1: five critical secrets (four replicated to us-west-2) and one that is not critical;
/// `prod/pay/drift` is then left behind, `prod/pay/failed` Failed (its replica never created).
pub async fn seed(emu: &Emulator) {
    emu.seed(json!({"account": ACCOUNT, "region": PRIMARY, "secrets": [
        spec("prod/pay/db", "db-value", "critical", true, false),
        spec("prod/pay/drift", "old-value", "critical", true, false),
        spec("prod/pay/failed", "f-value", "critical", true, false),
        spec("prod/pay/missing", "m-value", "critical", false, false),
        spec("drill/fixture", "fixture-value", "internal", true, true),
        spec("dev/cache/token", "c-value", "internal", false, false),
    ]}));
    emu.admin(
        "POST",
        "replicas",
        Some(&json!({"region": PRIMARY, "secret": "prod/pay/drift",
        "replica_region": DR, "drift": true})),
    );
    emu.admin("POST", "replicas", Some(&json!({"region": PRIMARY, "secret": "prod/pay/failed",
        "replica_region": DR, "status": "Failed", "listed": false,
        "message": "Replication failed: KMS key arn:aws:kms:us-west-2:123456789012:key/gone is disabled"})));
    let sm = emu.sm_client(KEY, PRIMARY);
    sm.put_secret_value()
        .secret_id("prod/pay/drift")
        .secret_string("new-value")
        .send()
        .await
        .unwrap();
    emu.clear_calls();
}

pub fn strongroom(emu: &Emulator, state: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("strongroom").unwrap();
    cmd.env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env("AWS_CONFIG_FILE", state.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", state.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["--endpoint-url", emu.url(), "--state-dir"])
        .arg(state)
        .args(["--region", PRIMARY]);
    cmd
}

pub fn drill(
    emu: &Emulator,
    dir: &std::path::Path,
    extra: &[&str],
) -> (Option<i32>, Value, String) {
    let out = strongroom(emu, dir)
        .args(extra)
        .args(["drill", "--dr-region", DR, "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code(), report, stderr)
}

pub fn row<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {report}"))
}

pub fn codes(row: &Value) -> Vec<&str> {
    row["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

pub fn dr_cell(row: &Value) -> &Value {
    row["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["region"] == DR)
        .unwrap()
}

pub fn count(calls: &[Value], op: &str, region: Option<&str>) -> usize {
    calls
        .iter()
        .filter(|c| c["operation"] == op)
        .filter(|c| region.is_none_or(|r| c["region"] == r))
        .count()
}

pub fn sha_prefix(value: &str) -> String {
    Sha256::digest(value.as_bytes())[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
