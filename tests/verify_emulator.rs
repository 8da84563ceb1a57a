//! `strongroom verify` against the emulator: a registry for prod, secrets that hold it and
//! secrets that do not, in every output format; no value read, DescribeSecret only where a
//! replication check needs it; a bad registry or an unreadable region is exit 2.

mod support;

use std::path::Path;

use aws_sdk_secretsmanager::types::{ReplicaRegionType, RotationRulesType, Tag};
use serde_json::{Value, json};
use support::Emulator;

const KEY: &str = "AKIAVERIFYTEST000001";
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const DR: &str = "us-west-2";

const REGISTRY: &str = r#"name_template = "/acme/{env}/{key}"
environments = ["stage", "prod"]
required_tags = ["Owner"]

[keys."db/main"]
rotation_days = 30
required = ["prod"]
dr_regions = ["us-west-2"]

[keys."api/token"]
required = ["prod"]

[keys."jwt/signing"]
required = ["prod"]

[keys."legacy/key"]
forbidden = ["prod"]

[keys."stage/only"]
required = ["stage"]
"#;

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

async fn fleet(emu: &Emulator) {
    let sm = emu.sm_client(KEY, REGION);
    sm.create_secret()
        .name("/acme/prod/db/main")
        .secret_string("never-shown")
        .tags(tag("Owner", "team-db"))
        .add_replica_regions(ReplicaRegionType::builder().region(DR).build())
        .send()
        .await
        .unwrap();
    sm.rotate_secret()
        .secret_id("/acme/prod/db/main")
        .rotation_rules(
            RotationRulesType::builder()
                .automatically_after_days(30)
                .build(),
        )
        .send()
        .await
        .unwrap();
    for (name, tags) in [
        ("/acme/prod/jwt/signing", vec![]),
        ("/acme/prod/legacy/key", vec![tag("Owner", "nobody")]),
        ("/acme/prod/other/thing", vec![tag("Owner", "team-x")]),
    ] {
        sm.create_secret()
            .name(name)
            .secret_string("never-shown")
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .unwrap();
    }
}

fn verify(emu: &Emulator, dir: &Path, registry: &Path, args: &[&str]) -> (i32, String, String) {
    let out = emu
        .strongroom(KEY, dir)
        .args(["--region", REGION, "--registry"])
        .arg(registry)
        .arg("verify")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn status<'a>(doc: &'a Value, key: &str, kind: &str) -> &'a str {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key && c["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} check of {key}: {doc:#}"))["status"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn verify_holds_prod_to_the_registry_in_every_format() {
    let emu = Emulator::start();
    fleet(&emu).await;
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("registry.toml");
    std::fs::write(&registry, REGISTRY).unwrap();
    emu.clear_calls();

    let (code, out, err) = verify(
        &emu,
        dir.path(),
        &registry,
        &["--env", "prod", "--format", "json"],
    );
    assert_eq!(code, 1, "something is missing: {out}{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    for kind in [
        "exists",
        "not-deleted",
        "current-version",
        "tags",
        "rotation",
        "replicated",
    ] {
        assert_eq!(status(&doc, "db/main", kind), "pass", "{kind}: {doc:#}");
    }
    assert_eq!(status(&doc, "api/token", "exists"), "fail");
    assert_eq!(status(&doc, "jwt/signing", "tags"), "fail");
    assert_eq!(status(&doc, "legacy/key", "forbidden"), "fail");
    assert_eq!(status(&doc, "other/thing", "unregistered"), "warn");
    assert!(
        !doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["key"] == "stage/only"),
        "a stage-only key is not checked in prod"
    );
    assert_eq!(doc["summary"]["failed"], 3, "{doc:#}");
    let calls = emu.calls();
    let count = |op: &str| calls.iter().filter(|c| c["operation"] == op).count();
    assert_eq!(count("GetSecretValue"), 0, "verify never reads a value");
    assert_eq!(count("BatchGetSecretValue"), 0);
    assert_eq!(
        count("DescribeSecret"),
        1,
        "only db/main has a DR region: {calls:#?}"
    );
    assert!(err.contains("no value read"), "{err}");

    // The replica breaks: the replication check fails and says how.
    emu.admin(
        "POST",
        "replicas",
        Some(
            &json!({"account": ACCOUNT, "region": REGION, "secret": "/acme/prod/db/main",
            "replica_region": DR, "status": "Failed", "message": "KMS key disabled"}),
        ),
    );
    let (code, out, _) = verify(
        &emu,
        dir.path(),
        &registry,
        &["--env", "prod", "--format", "json"],
    );
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status(&doc, "db/main", "replicated"), "fail");
    assert!(out.contains("KMS key disabled"), "{out}");

    let (_, junit, _) = verify(
        &emu,
        dir.path(),
        &registry,
        &["--env", "prod", "--format", "junit"],
    );
    assert!(junit.starts_with("<?xml"), "{junit}");
    assert!(
        junit.contains("<testsuite name=\"strongroom verify prod\""),
        "{junit}"
    );
    assert!(
        junit.contains("<testcase classname=\"api/token\" name=\"exists /acme/prod/api/token\"><failure type=\"exists\""),
        "{junit}"
    );
    assert!(junit.contains("failures=\"4\""), "{junit}");

    let (_, sarif, _) = verify(
        &emu,
        dir.path(),
        &registry,
        &["--env", "prod", "--format", "sarif"],
    );
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let missing = results
        .iter()
        .find(|r| r["ruleId"] == "exists")
        .expect("the missing secret is a result");
    let physical = &missing["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["region"]["startLine"], 10,
        "the line of [keys.\"api/token\"]"
    );
    assert!(
        physical["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("registry.toml")
    );

    let (code, table, _) = verify(&emu, dir.path(), &registry, &["--env", "prod"]);
    assert_eq!(code, 1);
    let first = table.lines().nth(1).unwrap_or_default();
    assert!(first.starts_with("FAIL"), "failures come first:\n{table}");
    assert!(
        table.contains("MISSING: no secret named /acme/prod/api/token"),
        "{table}"
    );
    assert!(
        table.lines().last().unwrap().starts_with("prod: "),
        "{table}"
    );

    // Stage holds: its one required secret is missing too, so create it and it passes.
    emu.sm_client(KEY, REGION)
        .create_secret()
        .name("/acme/stage/stage/only")
        .secret_string("never-shown")
        .tags(tag("Owner", "team-s"))
        .send()
        .await
        .unwrap();
    let (code, out, err) = verify(&emu, dir.path(), &registry, &["--env", "stage"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_bad_registry_or_an_unreadable_region_is_exit_2() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("registry.toml");
    std::fs::write(
        &registry,
        REGISTRY.replace("rotation_days = 30", "rotation_days = \"often\""),
    )
    .unwrap();
    emu.clear_calls();
    let (code, _, err) = verify(&emu, dir.path(), &registry, &["--env", "prod"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("registry.toml:6: key `db/main`:"), "{err}");
    assert_eq!(emu.calls().len(), 0, "a bad registry costs no call");

    std::fs::write(&registry, REGISTRY).unwrap();
    let (code, _, err) = verify(&emu, dir.path(), &registry, &["--env", "qa"]);
    assert_eq!(code, 2);
    assert!(err.contains("environment `qa` is not in"), "{err}");

    emu.set_fault(json!({"region": REGION, "service": "secretsmanager", "down": true}));
    let (code, out, err) = verify(&emu, dir.path(), &registry, &["--env", "prod"]);
    assert_eq!(code, 2, "absence cannot be told: {out}{err}");
    assert!(out.contains("could not be read"), "{out}");
}

/// `events --alerts` against the emulator's CloudTrail: the deployed app's read is fine, an
/// intruder's read of the same prod secret is an alert (one JSON line), exit 1.
#[tokio::test]
async fn alerts_flag_a_read_by_a_principal_that_is_not_a_consumer() {
    let emu = Emulator::start();
    let app_key = "AKIAVERIFYAPP0000001";
    let intruder_key = "AKIAVERIFYINTRUDER01";
    let role = |name: &str| {
        json!({"type": "AssumedRole",
            "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{name}/s1"),
            "accountId": ACCOUNT, "principalId": format!("AROA{}:s1", name.to_uppercase()),
            "sessionIssuer": {"type": "Role", "principalId": format!("AROA{}", name.to_uppercase()),
                "arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
                "accountId": ACCOUNT, "userName": name}})
    };
    emu.set_identities(json!({app_key: role("app-api"), intruder_key: role("intruder")}));
    fleet(&emu).await;
    for key in [app_key, intruder_key] {
        emu.sm_client(key, REGION)
            .get_secret_value()
            .secret_id("/acme/prod/jwt/signing")
            .send()
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("registry.toml");
    std::fs::write(
        &registry,
        REGISTRY.replace(
            "[keys.\"jwt/signing\"]\n",
            &format!(
                "[keys.\"jwt/signing\"]\nconsumers = {{ prod = [\"arn:aws:iam::{ACCOUNT}:role/app-*\"] }}\n"
            ),
        ),
    )
    .unwrap();
    let out = emu
        .strongroom(KEY, dir.path())
        .args(["--region", REGION, "--registry"])
        .arg(&registry)
        .args(["events", "--alerts", "--since", "1h", "--baseline", "1h"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let alerts: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(alerts.len(), 1, "{stdout}");
    assert_eq!(alerts[0]["kind"], "read-outside-deployment");
    assert_eq!(
        alerts[0]["principal"],
        format!("arn:aws:iam::{ACCOUNT}:role/intruder")
    );
    assert_eq!(alerts[0]["secret"], "/acme/prod/jwt/signing");
    assert_eq!(
        emu.calls()
            .iter()
            .filter(|c| c["operation"] == "GetSecretValue")
            .count(),
        2,
        "only the two reads the test made"
    );
}
