//! The organization read from one starting identity against the local emulator, through the
//! real SDK: Organizations ListAccounts and ListChildren, STS AssumeRole into each member
//! account (one refuses), the Account API's ListRegions, and Secrets Manager in each account
//! with the assumed credentials. The calls are checked in the emulator's call log.

mod support;

use std::path::Path;

use assert_cmd::Command;
use serde_json::{Value, json};
use support::Emulator;

const MANAGEMENT: &str = "111111111111";
const PROD: &str = "210987654321";
const STAGE: &str = "210987654322";
const SECURITY: &str = "333333333333";
const SANDBOX: &str = "444444444444";
const KEY: &str = "AKIAMANAGEMENT000001";
const ROLE: &str = "StrongroomAudit";

/// Four members and the management account; the security account has no role for us, the
/// sandbox is suspended. Each account holds secrets of its own in us-east-1 and eu-west-1.
fn organization(emu: &Emulator) -> Value {
    emu.set_identities(json!({
        KEY: {"type": "IAMUser", "arn": format!("arn:aws:iam::{MANAGEMENT}:user/auditor"),
              "accountId": MANAGEMENT, "principalId": "AIDAAUDITOR"}
    }));
    let org = emu.set_org(json!({
        "management_account": MANAGEMENT,
        "ous": ["Workloads", "Workloads/Prod", "Workloads/Stage", "Security"],
        "accounts": [
            {"id": PROD, "name": "payments-prod", "ou": "Workloads/Prod"},
            {"id": STAGE, "name": "payments-stage", "ou": "Workloads/Stage"},
            {"id": SECURITY, "name": "security-tooling", "ou": "Security"},
            {"id": SANDBOX, "name": "old-sandbox", "state": "SUSPENDED"}
        ]
    }));
    let roles: Vec<Value> = [PROD, STAGE, SANDBOX]
        .iter()
        .map(|a| json!({"account": a, "name": ROLE, "trusted_accounts": [MANAGEMENT]}))
        .collect();
    emu.set_roles(json!({ "roles": roles }));
    for (account, prefix) in [
        (MANAGEMENT, "org"),
        (PROD, "prod"),
        (STAGE, "stage"),
        (SECURITY, "sec"),
    ] {
        for region in ["us-east-1", "eu-west-1"] {
            let secrets: Vec<Value> = (0..3)
                .map(|i| json!({"name": format!("{prefix}/{region}/secret-{i}"), "secret_string": "never-shown"}))
                .collect();
            emu.seed(json!({"account": account, "region": region, "secrets": secrets}));
        }
    }
    emu.clear_calls();
    org
}

fn strongroom(emu: &Emulator, state: &Path) -> Command {
    let mut cmd = emu.strongroom(KEY, state);
    cmd.env("USER", "alice");
    cmd
}

fn inventory(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn accounts_of(report: &Value) -> Vec<String> {
    let mut accounts: Vec<String> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["account"].as_str().unwrap().to_string())
        .collect();
    accounts.sort();
    accounts.dedup();
    accounts
}

fn calls(emu: &Emulator, service: &str, operation: &str) -> Vec<Value> {
    emu.calls()
        .into_iter()
        .filter(|c| c["service"] == service && c["operation"] == operation)
        .collect()
}

#[test]
fn the_organization_is_read_through_one_role_per_member_account() {
    let emu = Emulator::start();
    organization(&emu);
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args(["--org", "--assume-role", ROLE])
        .args(["--region", "us-east-1", "--region", "eu-west-1"])
        .args(["inventory", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The refused account is a failure: exit 2, with the reason, while the rest loaded.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Cannot assume arn:aws:iam::{SECURITY}:role/{ROLE} (AccessDenied)"
        )) && stderr.contains(&format!("trust {MANAGEMENT}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("not ACTIVE") && stderr.contains("old-sandbox (444444444444)"),
        "the suspended account is said, not read: {stderr}"
    );
    let report = inventory(&out);
    assert_eq!(accounts_of(&report), [MANAGEMENT, PROD, STAGE]);
    let secrets = report["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 18, "3 accounts x 2 regions x 3 secrets");
    for s in secrets {
        let (account, name) = (s["account"].as_str().unwrap(), s["name"].as_str().unwrap());
        let arn = s["arn"].as_str().unwrap();
        assert!(arn.contains(&format!(":{account}:secret:")), "{arn}");
        let prefix = match account {
            MANAGEMENT => "org/",
            PROD => "prod/",
            _ => "stage/",
        };
        assert!(
            name.starts_with(prefix),
            "{account} lists only its own: {name}"
        );
    }
    let prod = secrets.iter().find(|s| s["account"] == PROD).unwrap();
    assert_eq!(prod["account_name"], "payments-prod");
    // One AssumeRole per member (the refusal included), none for the caller's own account;
    // the session name says who and why.
    let assumed = calls(&emu, "sts", "AssumeRole");
    assert_eq!(assumed.len(), 3, "{assumed:?}");
    // ListSecrets per cell, no value read, no DescribeSecret without replicas.
    let lists = calls(&emu, "secretsmanager", "ListSecrets");
    let mut listed: Vec<(String, String)> = lists
        .iter()
        .map(|c| {
            (
                c["account"].as_str().unwrap().to_string(),
                c["region"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), 6, "{listed:?}");
    assert!(listed.iter().all(|(a, _)| a != SECURITY && a != SANDBOX));
    assert!(calls(&emu, "secretsmanager", "GetSecretValue").is_empty());
    assert!(calls(&emu, "secretsmanager", "BatchGetSecretValue").is_empty());
    assert!(!calls(&emu, "organizations", "ListAccounts").is_empty());
    // In the member's CloudTrail the reads are the role's, under a session that says who
    // (USER=alice) and why (inventory).
    let trail = session_of_list_secrets(&emu, PROD);
    assert_eq!(
        trail,
        format!("arn:aws:sts::{PROD}:assumed-role/{ROLE}/strongroom-alice-inventory")
    );
}

/// The identity of the newest ListSecrets record in `account`'s us-east-1 trail.
fn session_of_list_secrets(emu: &Emulator, account: &str) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let assumed = emu
            .sts_client(KEY, "us-east-1")
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account}:role/{ROLE}"))
            .role_session_name("test-reader")
            .send()
            .await
            .unwrap();
        let key = assumed.credentials().unwrap().access_key_id().to_string();
        let out = emu
            .ct_client(&key, "us-east-1")
            .lookup_events()
            .lookup_attributes(
                aws_sdk_cloudtrail::types::LookupAttribute::builder()
                    .attribute_key(aws_sdk_cloudtrail::types::LookupAttributeKey::EventName)
                    .attribute_value("ListSecrets")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let event = out.events().first().expect("a ListSecrets record");
        let record: Value = serde_json::from_str(event.cloud_trail_event().unwrap()).unwrap();
        record["userIdentity"]["arn"].as_str().unwrap().to_string()
    })
}

#[test]
fn units_and_account_patterns_narrow_the_organization() {
    let emu = Emulator::start();
    let org = organization(&emu);
    let workloads = org["ous"]["Workloads"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args(["--org-ou", &workloads, "--accounts", "!*-stage"])
        .args(["--assume-role", ROLE, "--region", "us-east-1"])
        .args(["inventory", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(accounts_of(&inventory(&out)), [PROD], "{stderr}");
    assert!(
        !calls(&emu, "organizations", "ListChildren").is_empty(),
        "the unit is walked"
    );
    // Only the chosen account is assumed into.
    assert_eq!(calls(&emu, "sts", "AssumeRole").len(), 1);

    // A pattern that matches nothing is said and fails the run (a typo must not pass for "no
    // secrets there").
    let out = strongroom(&emu, dir.path())
        .args(["--org", "--accounts", "payments-prd", "--assume-role", ROLE])
        .args(["--region", "us-east-1", "inventory"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--accounts payments-prd matches no ACTIVE account"),
        "{stderr}"
    );
}

#[test]
fn plain_account_ids_need_no_organization_and_a_plain_member_cannot_list_it() {
    let emu = Emulator::start();
    organization(&emu);
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args([
            "--accounts",
            &format!("{PROD},{STAGE}"),
            "--assume-role",
            ROLE,
        ])
        .args(["--region", "eu-west-1", "inventory", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(accounts_of(&inventory(&out)), [PROD, STAGE]);
    assert!(calls(&emu, "organizations", "ListAccounts").is_empty());

    // A member account's own identity cannot list the organization: one sentence, exit 2.
    emu.set_identities(json!({
        "AKIAPLAINMEMBER00001": {"type": "IAMUser", "arn": format!("arn:aws:iam::{STAGE}:user/dev"),
                                 "accountId": STAGE}
    }));
    let out = strongroom(&emu, dir.path())
        .env("AWS_ACCESS_KEY_ID", "AKIAPLAINMEMBER00001")
        .args([
            "--org",
            "--assume-role",
            ROLE,
            "--region",
            "eu-west-1",
            "inventory",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Organizations refused to list the accounts")
            && stderr.contains("delegated administrator"),
        "{stderr}"
    );
    assert!(stderr.lines().count() <= 3, "no SDK dump: {stderr}");
}

#[test]
fn all_regions_reads_what_each_account_enabled() {
    let emu = Emulator::start();
    organization(&emu);
    emu.set_regions(json!({"account": MANAGEMENT, "only": ["us-east-1"]}));
    emu.set_regions(json!({"account": PROD, "only": ["us-east-1", "eu-west-1"]}));
    emu.set_regions(json!({"account": STAGE, "only": ["eu-west-1", "af-south-1"]}));
    emu.seed(json!({"account": STAGE, "region": "af-south-1",
        "secrets": [{"name": "stage/af-south-1/opt-in", "secret_string": "x"}]}));
    emu.clear_calls();
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args([
            "--org",
            "--accounts",
            "management,payments-*",
            "--assume-role",
            ROLE,
        ])
        .args(["--all-regions", "inventory", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report = inventory(&out);
    let mut cells: Vec<String> = report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}",
                c["account"].as_str().unwrap(),
                c["region"].as_str().unwrap()
            )
        })
        .collect();
    cells.sort();
    assert_eq!(
        cells,
        [
            format!("{MANAGEMENT}:us-east-1"),
            format!("{PROD}:eu-west-1"),
            format!("{PROD}:us-east-1"),
            format!("{STAGE}:af-south-1"),
            format!("{STAGE}:eu-west-1"),
        ]
    );
    let names: Vec<&str> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"stage/af-south-1/opt-in"), "{names:?}");
    assert!(stderr.contains("regions not enabled, skipped"), "{stderr}");
    // No call to a region an account has not enabled.
    for c in calls(&emu, "secretsmanager", "ListSecrets") {
        let cell = format!(
            "{}:{}",
            c["account"].as_str().unwrap(),
            c["region"].as_str().unwrap()
        );
        assert!(cells.contains(&cell), "{cell} was not enabled");
    }
    assert_eq!(calls(&emu, "account", "ListRegions").len(), 3);
}

#[test]
fn a_throttled_account_slows_nobody_else() {
    let emu = Emulator::start();
    organization(&emu);
    emu.set_fault(
        json!({"account": PROD, "region": "*", "service": "secretsmanager",
        "error_rate": 1.0, "error": "ThrottlingException", "status": 400}),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args(["--org", "--accounts", "!security-*", "--assume-role", ROLE])
        .args(["--region", "us-east-1", "inventory", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("throttled"), "{stderr}");
    let report = inventory(&out);
    assert_eq!(accounts_of(&report), [MANAGEMENT, STAGE]);
    let prod_cell = report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["account"] == PROD)
        .unwrap();
    assert_eq!(prod_cell["health"], "throttled");
    assert_eq!(prod_cell["account_name"], "payments-prod");
}

#[test]
fn an_organization_snapshot_reopens_offline_with_its_account_names() {
    let emu = Emulator::start();
    organization(&emu);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("org.json");
    let out = strongroom(&emu, dir.path())
        .args(["--org", "--accounts", "payments-*", "--assume-role", ROLE])
        .args(["--region", "us-east-1", "snapshot", "export", "--output"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let offline = Command::cargo_bin("strongroom")
        .unwrap()
        .arg("--snapshot")
        .arg(&file)
        .args(["inventory", "--format", "table"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&offline.stdout);
    assert!(offline.status.success(), "{table}");
    assert_eq!(table.lines().count(), 1 + 6, "{table}");
    assert!(
        table
            .lines()
            .skip(1)
            .all(|l| l.contains("payments-prod") || l.contains("payments-stage")),
        "{table}"
    );
}
