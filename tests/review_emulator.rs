//! The access review through the `strongroom` binary against the emulator: resource policies
//! on several secrets, reads by several identities (primary and replica region), the unused
//! and the unexplained principals; one GetResourcePolicy per primary, none with the cache;
//! decisions recorded by separate processes; a sealed pack that verifies until it is changed.

mod support;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};
use support::Emulator;

const ACCOUNT: &str = "123456789012";
const PARTNER: &str = "444455556666";
const PRIMARY: &str = "us-east-1";
const DR: &str = "us-west-2";
const REVIEWER_KEY: &str = "AKIAREVIEWERKEY00001";
const APP_KEY: &str = "AKIAREVIEWAPPROLE001";
const BATCH_KEY: &str = "AKIAREVIEWBATCHROLE1";
const ALICE_KEY: &str = "AKIAREVIEWALICE00001";

const DB: &str = "prod/payments/db";
const BILLING: &str = "prod/billing/api-key";
const BANNER: &str = "prod/public/banner";
const LEGACY: &str = "prod/legacy/token";
const BROKEN: &str = "prod/broken/policy";

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn alice() -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/alice")
}

fn assumed(name: &str) -> Value {
    json!({"type": "AssumedRole", "accountId": ACCOUNT,
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{name}/session-1"),
        "principalId": format!("AROA{}:session-1", name.to_uppercase()),
        "sessionIssuer": {"type": "Role", "arn": role(name), "accountId": ACCOUNT,
            "principalId": format!("AROA{}", name.to_uppercase()), "userName": name}})
}

fn policy(statements: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// Five secrets (one replicated), four policies (one not JSON), reads by three identities.
fn setup() -> (Emulator, tempfile::TempDir) {
    let emu = Emulator::start();
    emu.set_identities(json!({
        REVIEWER_KEY: {"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/reviewer"),
            "accountId": ACCOUNT, "principalId": "AIDAREVIEWER", "userName": "reviewer"},
        APP_KEY: assumed("payments-api"),
        BATCH_KEY: assumed("batch"),
        ALICE_KEY: {"type": "IAMUser", "arn": alice(), "accountId": ACCOUNT,
            "principalId": "AIDAALICE", "userName": "alice"}
    }));
    emu.seed(json!({"region": PRIMARY, "secrets": [
        {"name": DB, "secret_string": "v", "replica_regions": [DR],
         "tags": [{"Key": "Owner", "Value": "team-payments"}]},
        {"name": BILLING, "secret_string": "v"},
        {"name": BANNER, "secret_string": "v"},
        {"name": LEGACY, "secret_string": "v"},
        {"name": BROKEN, "secret_string": "v"},
    ]}));
    let policies = [
        (
            DB,
            policy(json!([{"Sid": "App", "Effect": "Allow",
                "Principal": {"AWS": [role("payments-api"), role("reporting")]},
                "Action": "secretsmanager:GetSecretValue", "Resource": "*"}])),
        ),
        (
            BILLING,
            policy(json!([
                {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                 "Action": "secretsmanager:*", "Resource": "*"},
                {"Sid": "Partner", "Effect": "Allow",
                 "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:role/partner-reader")},
                 "Action": "secretsmanager:GetSecretValue", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c"}}}
            ])),
        ),
        (
            BANNER,
            policy(json!({"Effect": "Allow", "Principal": "*",
                "Action": "secretsmanager:GetSecretValue", "Resource": "*"})),
        ),
        // moto stores any text; AWS would refuse it, a cache or a proxy might not.
        (BROKEN, "{\"Statement\": [".to_string()),
    ];
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let admin = emu.sm_client(REVIEWER_KEY, PRIMARY);
        for (name, text) in &policies {
            admin
                .put_resource_policy()
                .secret_id(*name)
                .resource_policy(text)
                .send()
                .await
                .unwrap();
        }
        let reads = [
            (APP_KEY, PRIMARY, DB),
            (APP_KEY, PRIMARY, DB),
            (APP_KEY, DR, DB),
            (ALICE_KEY, PRIMARY, DB),
            (BATCH_KEY, PRIMARY, BILLING),
            (ALICE_KEY, PRIMARY, LEGACY),
            (ALICE_KEY, PRIMARY, BANNER),
        ];
        for (key, region, name) in reads {
            emu.sm_client(key, region)
                .get_secret_value()
                .secret_id(name)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{key} reads {name} in {region}: {e:?}"));
        }
    });
    (emu, tempfile::tempdir().unwrap())
}

fn strongroom(emu: &Emulator, dir: &Path) -> Command {
    let mut command = Command::cargo_bin("strongroom").unwrap();
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", REVIEWER_KEY)
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_CONFIG_FILE", dir.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"))
        .env("XDG_CONFIG_HOME", dir)
        .env("USER", "rita")
        .args([
            "--endpoint-url",
            emu.url(),
            "--region",
            PRIMARY,
            "--region",
            DR,
        ])
        .arg("--state-dir")
        .arg(dir)
        .timeout(Duration::from_secs(240));
    command
}

/// Runs a `review` subcommand: (exit code, stdout, stderr).
fn review(emu: &Emulator, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = strongroom(emu, dir)
        .arg("review")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn policy_calls(emu: &Emulator) -> Vec<Value> {
    emu.calls()
        .into_iter()
        .filter(|c| c["operation"] == "GetResourcePolicy")
        .collect()
}

fn secret<'a>(pack: &'a Value, name: &str) -> &'a Value {
    pack["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["secret"]["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the pack"))
}

fn row<'a>(secret: &'a Value, principal: &str) -> &'a Value {
    secret["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["principal"] == principal)
        .unwrap_or_else(|| panic!("no row {principal}: {:#}", secret["rows"]))
}

#[test]
fn the_review_finds_unused_and_unexplained_principals_and_its_pack_verifies() {
    let (emu, dir) = setup();
    let dir = dir.path();
    emu.clear_calls();

    // First start: one GetResourcePolicy per primary (the replica shares its primary's).
    let (code, out, err) = review(&emu, dir, &["start", "--window", "1d"]);
    assert_eq!(
        code, 2,
        "the unreadable policy makes the run incomplete\n{out}{err}"
    );
    assert!(
        err.contains(&format!("{BROKEN}: the policy is not a document")),
        "{err}"
    );
    assert!(err.contains("not valid JSON"), "{err}");
    assert!(err.contains("GetResourcePolicy: 5 call(s)"), "{err}");
    let calls = policy_calls(&emu);
    assert_eq!(calls.len(), 5, "{calls:#?}");
    assert!(
        calls
            .iter()
            .all(|c| c["region"] == PRIMARY && c["status"] == 200)
    );
    assert_eq!(
        emu.calls()
            .iter()
            .filter(|c| c["operation"] == "GetSecretValue")
            .count(),
        0,
        "the review never reads a value"
    );
    assert!(out.contains("allowed but unused"), "{out}");
    assert!(out.contains("role/reporting"), "{out}");

    let pack_file = dir.join("pack.json");
    let pack_path = pack_file.to_str().unwrap();
    let (code, _, err) = review(
        &emu,
        dir,
        &["export", "--format", "json", "--output", pack_path],
    );
    assert_eq!(code, 0, "{err}");
    let pack: Value = serde_json::from_str(&std::fs::read_to_string(&pack_file).unwrap()).unwrap();
    assert_eq!(pack["review"]["reviewer"], "rita");
    assert_eq!(pack["summary"]["secrets"], 5);

    let db = secret(&pack, DB);
    assert_eq!(db["secret"]["replica_regions"], json!([DR]));
    assert_eq!(db["secret"]["owner"], "team-payments");
    let app = row(db, &role("payments-api"));
    assert_eq!(app["allowed"], "explicitly");
    assert_eq!(
        app["reads"], 3,
        "two reads in {PRIMARY}, one of the replica in {DR}"
    );
    assert_eq!(app["highlight"], Value::Null);
    assert_eq!(row(db, &role("reporting"))["highlight"], "unused");
    let by_alice = row(db, &alice());
    assert_eq!(by_alice["allowed"], "not-by-resource-policy");
    assert_eq!(by_alice["highlight"], "through-iam");

    let billing = secret(&pack, BILLING);
    let batch = row(billing, &role("batch"));
    assert_eq!(
        (&batch["allowed"], &batch["highlight"]),
        (&json!("via-account-root"), &Value::Null)
    );
    assert_eq!(row(billing, ACCOUNT)["reads"], 1);
    let partner = row(
        billing,
        &format!("arn:aws:iam::{PARTNER}:role/partner-reader"),
    );
    assert_eq!(partner["highlight"], "unused");
    assert_eq!(
        partner["conditions"],
        json!(["StringEquals aws:SourceVpce = vpce-1a2b3c"])
    );
    let kinds = |s: &Value| -> Vec<Value> {
        s["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].clone())
            .collect()
    };
    assert_eq!(kinds(billing), [json!("cross-account-read")]);

    let banner = secret(&pack, BANNER);
    assert_eq!(kinds(banner), [json!("public-read")]);
    assert_eq!(row(banner, "*")["highlight"], "public");

    let legacy = secret(&pack, LEGACY);
    assert_eq!(legacy["policy"]["status"], "none");
    assert_eq!(kinds(legacy), [json!("no-policy")]);
    assert_eq!(row(legacy, &alice())["highlight"], "through-iam");

    let broken = secret(&pack, BROKEN);
    assert_eq!(broken["policy"]["status"], "unreadable");
    assert_eq!(broken["policy"]["document"], "{\"Statement\": [");

    // Second start: the policies come from the cache, no call at all.
    emu.clear_calls();
    let (_, out, err) = review(&emu, dir, &["start", "--window", "1d"]);
    assert_eq!(policy_calls(&emu).len(), 0, "{err}");
    assert!(
        err.contains("GetResourcePolicy: 0 call(s)") && err.contains("5 from the cache"),
        "{err}"
    );
    assert!(err.contains("opened review"), "{err}");
    assert!(out.contains("(cached)"), "{out}");

    // Decisions, each by its own process; `show` in another one still has them.
    let alice_arn = alice();
    let decided: [&[&str]; 4] = [
        &[DB, "revoke", &alice_arn, "--note", "alice moved teams"],
        &[
            BILLING,
            "follow-up",
            "--note",
            "ask the partner whether they still need it",
        ],
        &[
            BANNER,
            "change-owner",
            "team-web",
            "--note",
            "marketing owns the banner",
        ],
        &[
            LEGACY,
            "keep",
            "--note",
            "read once a day by the legacy job",
        ],
    ];
    for args in decided {
        let mut all = vec!["decide"];
        all.extend_from_slice(args);
        let (code, out, err) = review(&emu, dir, &all);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.starts_with("Recorded decision"), "{out}");
    }
    let (code, out, _) = review(&emu, dir, &["decide", "prod/nope", "keep", "--note", "x"]);
    assert_eq!(code, 2, "{out}");
    let (code, shown, err) = review(&emu, dir, &["show"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        shown.contains(&format!(
            "decision: revoke {} — alice moved teams (rita",
            alice()
        )),
        "{shown}"
    );
    assert!(
        shown.contains("decision: change owner to team-web"),
        "{shown}"
    );
    assert!(shown.contains("Decided 4 of 5 secret(s)."), "{shown}");

    // The sealed packs verify; a changed one does not.
    for (format, name) in [
        ("json", "final.json"),
        ("markdown", "final.md"),
        ("csv", "final.csv"),
    ] {
        let file = dir.join(name);
        let (code, _, err) = review(
            &emu,
            dir,
            &[
                "export",
                "--format",
                format,
                "--output",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{err}");
        let (code, out, err) = review(&emu, dir, &["verify", file.to_str().unwrap()]);
        assert_eq!(code, 0, "{format}: {out}{err}");
        assert!(out.contains("intact"), "{out}");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("alice moved teams"), "{format}");
        std::fs::write(&file, text.replace("alice moved teams", "alice stayed")).unwrap();
        let (code, out, _) = review(&emu, dir, &["verify", file.to_str().unwrap()]);
        assert_eq!(code, 1, "{format}: {out}");
        assert!(out.contains("CHANGED"), "{out}");
    }
    let pack: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("final.json")).unwrap()).unwrap();
    assert_eq!(pack["decision_chain"]["verified"], true);
    assert_eq!(pack["decision_log"].as_array().unwrap().len(), 4);
    assert_eq!(
        secret(&pack, DB)["decisions"][0]["verdict"]["principal"],
        alice()
    );

    // --refresh-policies asks AWS again.
    emu.clear_calls();
    let (_, _, err) = review(
        &emu,
        dir,
        &["start", "--window", "1d", "--refresh-policies"],
    );
    assert_eq!(policy_calls(&emu).len(), 5, "{err}");
}

#[test]
fn get_resource_policy_holds_its_quota_of_50_calls_a_second() {
    let emu = Emulator::start();
    let n = 150;
    let secrets: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("bulk/{i:04}")}))
        .collect();
    emu.seed(json!({"region": PRIMARY, "secrets": secrets}));
    let dir = tempfile::tempdir().unwrap();
    let out = strongroom(&emu, dir.path())
        .args(["review", "start", "--window", "1d"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("GetResourcePolicy:"))
        .unwrap_or_else(|| panic!("{err}"));
    eprintln!("{line}");
    let seconds: f64 = line
        .split(" s (")
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(line.contains(&format!("{n} call(s)")), "{line}");
    assert_eq!(policy_calls(&emu).len(), n);
    // 150 calls at 50/s with the first at once: at least 149 intervals of 20 ms.
    assert!(seconds >= 2.9, "faster than the quota allows: {line}");
    assert!(seconds < 20.0, "far slower than the quota: {line}");
}
