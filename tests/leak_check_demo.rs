//! `strongroom leak-check` on the bundled demo, with the invented values the README gives for
//! rehearsal: the leaked Stripe key is AWSPREVIOUS, the app database password is still
//! AWSCURRENT, the ledger password is AWSPENDING; a snapshot refuses (it holds no values).

use assert_cmd::Command;
use serde_json::Value;

fn leak_check(value: &str, args: &[&str]) -> (i32, String, String) {
    let state = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("strongroom")
        .unwrap()
        .arg("--demo")
        .arg("--state-dir")
        .arg(state.path())
        .arg("leak-check")
        .args(args)
        .write_stdin(value.to_string())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn verdict(value: &str, secrets: &str) -> (i32, Value) {
    let (code, out, err) = leak_check(
        value,
        &[
            "--read-values",
            "--reason",
            "rehearsal",
            "--secrets",
            secrets,
            "--format",
            "json",
        ],
    );
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, doc)
}

#[test]
fn the_readmes_rehearsal_values_give_each_answer() {
    let (code, doc) = verdict("sk_live_51DemoQx7LeakedPrevious0000\n", "*stripe*");
    assert_eq!(code, 0);
    assert_eq!(doc["verdict"], "previous", "{doc:#}");
    assert_eq!(
        doc["matches"][0]["secret"],
        "/clarivum/prod/payments/stripe-api-key"
    );
    assert_eq!(doc["matches"][0]["field"], "apiKey");

    let (code, doc) = verdict("demo-Pr1mary-pw-current", "prod/db/*");
    assert_eq!(code, 0);
    assert_eq!(doc["verdict"], "current", "{doc:#}");
    assert_eq!(doc["still_current"], true);

    let (_, doc) = verdict("demo-ledger-pending-pw", "*ledger*");
    assert_eq!(doc["verdict"], "pending", "{doc:#}");

    let (code, doc) = verdict("not-a-demo-value", "/clarivum/prod/payments/*");
    assert_eq!(code, 1);
    assert_eq!(doc["verdict"], "none");
}

#[test]
fn reading_needs_a_reason_and_a_big_check_a_confirmation() {
    let (code, _, err) = leak_check("x", &["--read-values"]);
    assert_eq!(code, 2);
    assert!(err.contains("--incident ID or --reason TEXT"), "{err}");

    // Every demo secret is more reads than --max-reads: the count must be confirmed.
    let (code, out, err) = leak_check("x", &["--read-values", "--reason", "r"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("pass --confirm-reads"), "{err}");
}

#[test]
fn a_snapshot_holds_no_values_and_says_so() {
    let state = tempfile::tempdir().unwrap();
    let snap = state.path().join("snap.json");
    let export = Command::cargo_bin("strongroom")
        .unwrap()
        .args(["--demo", "--state-dir"])
        .arg(state.path())
        .args(["snapshot", "export", "--output"])
        .arg(&snap)
        .output()
        .unwrap();
    assert!(export.status.success());
    let out = Command::cargo_bin("strongroom")
        .unwrap()
        .arg("--snapshot")
        .arg(&snap)
        .arg("--state-dir")
        .arg(state.path())
        .args([
            "leak-check",
            "--read-values",
            "--reason",
            "r",
            "--secrets",
            "prod/db/*",
        ])
        .write_stdin("x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds no secret values"), "{err}");
}
