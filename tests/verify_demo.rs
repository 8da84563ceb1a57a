//! `strongroom verify` on the bundled demo with the example registry in `assets/`, as the
//! README shows it: what holds in prod, what does not, and the exit code a CI job sees.

use assert_cmd::Command;
use serde_json::Value;

fn verify(env: &str) -> (i32, Value) {
    let state = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("strongroom")
        .unwrap()
        .args(["--demo", "--registry", "assets/registry.example.toml"])
        .arg("--state-dir")
        .arg(state.path())
        .args(["verify", "--env", env, "--format", "json"])
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), doc)
}

fn check<'a>(doc: &'a Value, key: &str, kind: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key && c["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} check of {key}"))
}

#[test]
fn the_demo_fleet_against_the_example_registry() {
    let (code, prod) = verify("prod");
    assert_eq!(code, 1, "prod misses a required secret");
    assert_eq!(
        check(&prod, "payments/adyen-hmac-key", "exists")["status"],
        "fail"
    );
    let jwt = check(&prod, "identity/jwt-signing-key", "replicated");
    assert_eq!(jwt["status"], "fail");
    assert!(
        jwt["detail"]
            .as_str()
            .unwrap()
            .contains("ap-southeast-2 Failed"),
        "{jwt}"
    );
    assert_eq!(
        check(&prod, "identity/jwt-signing-key", "dual-publish")["status"],
        "pass"
    );
    assert_eq!(
        check(&prod, "identity/saml-signing-key", "rotation")["status"],
        "fail"
    );
    // Retired and scheduled for deletion: forbidden, and absent for the registry's purpose.
    assert_eq!(
        check(&prod, "billing/braintree-private-key", "forbidden")["status"],
        "pass"
    );
    for kind in [
        "exists",
        "not-deleted",
        "current-version",
        "tags",
        "rotation",
        "replicated",
    ] {
        assert_eq!(
            check(&prod, "payments/stripe-api-key", kind)["status"],
            "pass",
            "{kind}"
        );
    }
    assert_eq!(
        check(&prod, "db/app-primary", "exists")["name"],
        "prod/db/app-primary",
        "the key's own name template"
    );
    // DR regions are declared for prod only: stage is not held to them.
    let (_, stage) = verify("stage");
    assert!(
        !stage["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "replicated"),
        "{stage:#}"
    );
}

/// `events --alerts` on the demo (a 10-day window: the demo moves by whole days, so a 7-day one
/// can start in the middle of the intruder's first calls): the unknown IAM user that read the
/// Stripe key in prod is both outside deployment and never seen before; the apps that read their
/// own secrets are not flagged. One JSON line per alert, exit 1.
#[test]
fn alerts_on_the_demo_name_the_reader_outside_deployment() {
    let state = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("strongroom")
        .unwrap()
        .args(["--demo", "--registry", "assets/registry.example.toml"])
        .arg("--state-dir")
        .arg(state.path())
        .args(["events", "--alerts", "--since", "10d"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alerts: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap(),
                a["principal_label"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("read-outside-deployment", "svc-legacy-backup"),
            ("new-principal", "svc-legacy-backup")
        ]
    );
    assert_eq!(alerts[0]["key"], "payments/stripe-api-key");
    assert_eq!(alerts[0]["env"], "prod");
}

/// `registry init` on the demo drafts a registry that reads back, keys the Stripe key in every
/// environment with its readers as consumers, and that `verify` then finds complete: every
/// required secret exists.
#[test]
fn registry_init_drafts_a_registry_verify_can_use() {
    let state = tempfile::tempdir().unwrap();
    let draft = state.path().join("registry.toml");
    let run = |args: &[&str]| {
        Command::cargo_bin("strongroom")
            .unwrap()
            .arg("--demo")
            .arg("--state-dir")
            .arg(state.path())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["registry", "init", "--output", draft.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&draft).unwrap();
    assert!(
        text.contains("name_template = \"/clarivum/{env}/{key}\""),
        "{text}"
    );
    assert!(
        text.contains("environments = [\"dev\", \"stage\", \"prod\"]"),
        "{text}"
    );
    let stripe = text
        .split("\n[keys.")
        .find(|k| k.starts_with("\"payments/stripe-api-key\"]"))
        .expect("the Stripe key is drafted");
    assert!(
        stripe.contains("required = [\"dev\", \"stage\", \"prod\"]"),
        "{stripe}"
    );
    assert!(
        stripe.contains("dr_regions = { \"prod\" = [\"ap-southeast-2\"] }"),
        "{stripe}"
    );
    assert!(
        stripe.contains("arn:aws:iam::210987654321:role/clarivum-prod-payments-api"),
        "{stripe}"
    );
    let db = text
        .split("\n[keys.")
        .find(|k| k.starts_with("\"db/app-primary\"]"))
        .expect("db/app-primary is drafted");
    assert!(db.contains("name_template = \"{env}/{key}\""), "{db}");

    // Never over an existing file.
    let again = run(&["registry", "init", "--output", draft.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));

    let out = run(&[
        "--registry",
        draft.to_str().unwrap(),
        "verify",
        "--env",
        "prod",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing: Vec<&Value> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "exists" && c["status"] != "pass")
        .collect();
    assert!(missing.is_empty(), "{missing:#?}");
    assert!(
        !doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "unregistered"),
        "every keyed secret is registered"
    );
}
