//! `strongroom leak-check` against the emulator: secrets with several versions (AWSCURRENT,
//! AWSPREVIOUS, AWSPENDING; JSON and plain), each answer and its exit code, the calls it makes
//! (AWSCURRENT batched 20 a call, one GetSecretValue per older version, none without
//! --read-values), a failed read that makes "no match" incomplete, and every output, log and
//! state file searched for the value and its full hash.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::Emulator;

const KEY: &str = "AKIALEAKCHECKTEST001";
const REGION: &str = "us-east-1";

const OLD: &str = "sk_live_leaked_OLD_7Qp2";
const NEW: &str = "sk_live_current_NEW_9Zr4";
const PENDING: &str = "sk_live_pending_PND_3Kx8";
const PLAIN: &str = "plain-db-password-Vb61";

/// Returns the version ids of the Stripe secret: (current, previous, pending).
async fn fleet(emu: &Emulator) -> (String, String, String) {
    let sm = emu.sm_client(KEY, REGION);
    let first = sm
        .create_secret()
        .name("/acme/prod/payments/stripe")
        .secret_string(json!({"apiKey": OLD, "account": "acct_1"}).to_string())
        .send()
        .await
        .unwrap();
    let second = sm
        .put_secret_value()
        .secret_id("/acme/prod/payments/stripe")
        .secret_string(json!({"apiKey": NEW, "account": "acct_1"}).to_string())
        .send()
        .await
        .unwrap();
    let pending = sm
        .put_secret_value()
        .secret_id("/acme/prod/payments/stripe")
        .secret_string(json!({"apiKey": PENDING, "account": "acct_1"}).to_string())
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    sm.create_secret()
        .name("/acme/prod/db/main")
        .secret_string(PLAIN)
        .send()
        .await
        .unwrap();
    // Enough secrets for AWSCURRENT to take two BatchGetSecretValue calls (20 a call).
    for i in 0..21 {
        sm.create_secret()
            .name(format!("/acme/stage/filler-{i:02}"))
            .secret_string(format!("filler-{i}"))
            .send()
            .await
            .unwrap();
    }
    (
        second.version_id.unwrap(),
        first.version_id.unwrap(),
        pending.version_id.unwrap(),
    )
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn leak_check(emu: &Emulator, dir: &Path, value: &str, args: &[&str]) -> Run {
    let out = emu
        .strongroom(KEY, dir)
        .env("STRONGROOM_LOG", "debug")
        .args(["--region", REGION, "leak-check"])
        .args(args)
        .write_stdin(format!("{value}\n"))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn count(emu: &Emulator, op: &str) -> usize {
    emu.calls()
        .iter()
        .filter(|c| c["operation"] == op && c["service"] == "secretsmanager")
        .count()
}

#[tokio::test]
async fn each_stage_is_found_with_the_fewest_reads_and_nothing_of_the_value_is_kept() {
    let emu = Emulator::start();
    let (current, previous, pending) = fleet(&emu).await;
    let dir = tempfile::tempdir().unwrap();
    let read = ["--read-values", "--incident", "INC-7", "--format", "json"];
    let mut seen = String::new();

    // Without --read-values: the plan, and not one read.
    emu.clear_calls();
    let plan = leak_check(&emu, dir.path(), NEW, &[]);
    assert_eq!(plan.code, 2, "{}", plan.err);
    assert!(
        plan.err.contains(
            "23 candidate secret(s): 25 version(s) to read, AWSCURRENT in 2 \
             BatchGetSecretValue call(s) and 2 older version(s)"
        ),
        "{}",
        plan.err
    );
    assert!(plan.err.contains("nothing was read"), "{}", plan.err);
    assert_eq!(
        count(&emu, "GetSecretValue") + count(&emu, "BatchGetSecretValue"),
        0
    );

    // The current key: STILL AWSCURRENT, its field and version; AWSCURRENT batched.
    emu.clear_calls();
    let r = leak_check(&emu, dir.path(), NEW, &read);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["verdict"], "current");
    assert_eq!(doc["still_current"], true);
    assert_eq!(doc["matches"].as_array().unwrap().len(), 1, "{doc:#}");
    let m = &doc["matches"][0];
    assert_eq!(m["secret"], "/acme/prod/payments/stripe");
    assert_eq!(m["version_id"], current.as_str());
    assert_eq!(m["field"], "apiKey");
    assert_eq!(m["account"], "123456789012");
    assert!(m["created"].is_string(), "{m}");
    assert_eq!(doc["reads"], 25);
    assert_eq!(
        count(&emu, "BatchGetSecretValue"),
        2,
        "23 secrets, 20 a call"
    );
    assert_eq!(
        count(&emu, "GetSecretValue"),
        2,
        "AWSPREVIOUS and AWSPENDING"
    );
    assert_eq!(doc["calls"]["BatchGetSecretValue"], 2);
    seen.push_str(&r.out);
    seen.push_str(&r.err);

    // The old key: AWSPREVIOUS, not current.
    let r = leak_check(&emu, dir.path(), OLD, &read);
    assert_eq!(r.code, 0, "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["verdict"], "previous");
    assert_eq!(doc["still_current"], false);
    assert_eq!(doc["matches"][0]["version_id"], previous.as_str());
    assert_eq!(doc["matches"][0]["stages"], json!(["AWSPREVIOUS"]));
    seen.push_str(&r.out);
    seen.push_str(&r.err);

    // The pending key, narrowed to one secret: one batch call and the two older reads.
    emu.clear_calls();
    let r = leak_check(
        &emu,
        dir.path(),
        PENDING,
        &[&read[..], &["--secrets", "/acme/prod/payments/*"]].concat(),
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["verdict"], "pending");
    assert_eq!(doc["matches"][0]["version_id"], pending.as_str());
    assert_eq!(doc["candidates"], 1);
    assert_eq!(count(&emu, "BatchGetSecretValue"), 1);
    assert_eq!(count(&emu, "GetSecretValue"), 2);
    seen.push_str(&r.out);

    // A plain string secret matches as a whole, in the table too, in capitals.
    let r = leak_check(
        &emu,
        dir.path(),
        PLAIN,
        &[
            "--read-values",
            "--reason",
            "found in CI logs",
            "--env",
            "prod",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.starts_with("STILL AWSCURRENT"), "{}", r.out);
    assert!(r.out.contains("/acme/prod/db/main"), "{}", r.out);
    assert!(r.out.contains("whole value"), "{}", r.out);
    assert!(r.out.contains("found in CI logs"), "{}", r.out);
    seen.push_str(&r.out);
    seen.push_str(&r.err);

    // Not ours: exit 1.
    let r = leak_check(&emu, dir.path(), "sk_live_someone_else", &read);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert_eq!(
        serde_json::from_str::<Value>(&r.out).unwrap()["verdict"],
        "none"
    );

    // A read that fails: no match is not an answer (exit 2), and the failure is named.
    emu.set_fault(json!({"region": REGION, "service": "secretsmanager",
        "operation": "BatchGetSecretValue", "error_rate": 1.0, "error": "AccessDeniedException"}));
    let r = leak_check(&emu, dir.path(), "sk_live_someone_else", &read);
    emu.clear_faults();
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["verdict"], "incomplete");
    assert_eq!(doc["failures"].as_array().unwrap().len(), 23, "{doc:#}");

    // The journal lists who read, why, and what matched.
    let list = emu
        .strongroom(KEY, dir.path())
        .args(["incident", "leak-checks", "--incident", "INC-7"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("verdict previous"), "{listed}");
    assert!(listed.contains(&previous), "{listed}");

    // Neither the values nor their full hashes are anywhere: outputs, logs, state files.
    let mut haystack = seen.into_bytes();
    collect(dir.path(), &mut haystack);
    assert!(
        haystack.len() > 10_000,
        "the state holds the journal and logs"
    );
    for value in [NEW, OLD, PENDING, PLAIN] {
        let hex: String = Sha256::digest(value.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        for needle in [value.to_string(), hex.clone(), hex.to_uppercase()] {
            assert!(
                !contains(&haystack, needle.as_bytes()),
                "{needle} was found in an output or a state file"
            );
        }
    }
}

fn collect(dir: &Path, into: &mut Vec<u8>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, into);
        } else if let Ok(bytes) = std::fs::read(&path) {
            into.extend_from_slice(&bytes);
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
