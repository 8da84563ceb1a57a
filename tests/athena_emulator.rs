//! "Who read this in the last year" from the organization trail, through Athena, against the
//! local emulator (its S3 holds the trail files; its Athena runs the SQL Strongroom sends with
//! sqlglot and DuckDB). The table is made from what `strongroom trail athena-ddl` prints.

mod support;

use std::path::Path;

use assert_cmd::Command;
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use support::Emulator;

const ACCOUNT: &str = "123456789012";
const OTHER: &str = "210987654321";
const KEY: &str = "AKIAATHENATEST000001";
const BUCKET: &str = "org-trail";
const ORG: &str = "o-abc123def4";
const REGION: &str = "us-east-1";

fn arn(account: &str, name: &str) -> String {
    format!("arn:aws:secretsmanager:{REGION}:{account}:secret:{name}-AbC123")
}

/// A CloudTrail record of a Secrets Manager call, `days` ago.
fn record(n: usize, days: i64, account: &str, name: &str, params: Value, reader: &str) -> Value {
    let time = (Utc::now() - Duration::days(days) - Duration::hours(2))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": format!("AROAEXAMPLE:{reader}"),
            "arn": format!("arn:aws:sts::{account}:assumed-role/{reader}/session"),
            "accountId": account,
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "principalId": "AROAEXAMPLE",
                "arn": format!("arn:aws:iam::{account}:role/{reader}"),
                "accountId": account, "userName": reader}}
        },
        "eventTime": time,
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": "10.0.0.7",
        "userAgent": "aws-sdk-go-v2/1.30.0",
        "requestParameters": params,
        "responseElements": null,
        "requestID": format!("req-{n}"),
        "eventID": format!("00000000-0000-4000-8000-{n:012}"),
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": account,
        "eventCategory": "Management"
    })
}

/// The trail: reads of prod/payments-db over the year (by name, by ARN, in a batch), reads
/// of a secret whose name starts the same, of a secret deleted since, and of the same name in
/// another account; plus a write.
fn trail(emu: &Emulator) {
    let db = arn(ACCOUNT, "prod/payments-db");
    let records = vec![
        record(
            1,
            300,
            ACCOUNT,
            "GetSecretValue",
            json!({"secretId": "prod/payments-db"}),
            "billing",
        ),
        record(
            2,
            100,
            ACCOUNT,
            "GetSecretValue",
            json!({"secretId": db}),
            "billing",
        ),
        record(
            3,
            10,
            ACCOUNT,
            "BatchGetSecretValue",
            json!({"secretIdList": [db, arn(ACCOUNT, "prod/other")]}),
            "reporting",
        ),
        record(
            4,
            40,
            ACCOUNT,
            "GetSecretValue",
            json!({"secretId": "prod/payments-db-v2"}),
            "billing",
        ),
        record(
            5,
            200,
            ACCOUNT,
            "GetSecretValue",
            json!({"secretId": "legacy/old-key"}),
            "intruder",
        ),
        record(
            6,
            50,
            OTHER,
            "GetSecretValue",
            json!({"secretId": "prod/payments-db"}),
            "billing",
        ),
        record(
            7,
            20,
            ACCOUNT,
            "PutSecretValue",
            json!({"secretId": "prod/payments-db"}),
            "deployer",
        ),
        record(
            8,
            500,
            ACCOUNT,
            "GetSecretValue",
            json!({"secretId": "prod/payments-db"}),
            "billing",
        ),
    ];
    let out = emu.admin(
        "POST",
        "trail",
        Some(&json!({"bucket": BUCKET, "org_id": ORG, "records": records, "account": ACCOUNT})),
    );
    assert_eq!(out["records"], 8, "{out}");
}

fn strongroom(emu: &Emulator, state: &Path) -> Command {
    let mut cmd = emu.strongroom(KEY, state);
    cmd.arg("--region").arg(REGION);
    cmd
}

fn athena<'a>(cmd: &'a mut Command, table: &str) -> &'a mut Command {
    cmd.args([
        "--athena",
        table,
        "--athena-output",
        "s3://org-trail/athena-results/",
    ])
}

/// Runs each statement `trail athena-ddl` printed, as an operator pastes them into Athena.
fn make_table(emu: &Emulator, state: &Path, database: &str, table: &str) -> String {
    let out = strongroom(emu, state)
        .args(["trail", "athena-ddl", "--bucket", BUCKET, "--org-id", ORG])
        .args([
            "--database",
            database,
            "--table",
            table,
            "--start-day",
            "2024/01/01",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ddl = String::from_utf8(out.stdout).unwrap();
    for statement in statements(&ddl) {
        run_query(emu, &statement);
    }
    ddl
}

fn statements(text: &str) -> Vec<String> {
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    body.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// One statement through the real Athena SDK; panics unless it succeeds.
fn run_query(emu: &Emulator, sql: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conf = emu.sdk_config(KEY, REGION, Default::default());
        let client = aws_sdk_athena::Client::new(&conf);
        let id = client
            .start_query_execution()
            .query_string(sql)
            .result_configuration(
                aws_sdk_athena::types::ResultConfiguration::builder()
                    .output_location("s3://org-trail/athena-results/")
                    .build(),
            )
            .send()
            .await
            .expect("StartQueryExecution")
            .query_execution_id()
            .unwrap()
            .to_string();
        let out = client
            .get_query_execution()
            .query_execution_id(&id)
            .send()
            .await
            .expect("GetQueryExecution");
        let status = out.query_execution().and_then(|q| q.status()).unwrap();
        assert_eq!(
            status.state(),
            Some(&aws_sdk_athena::types::QueryExecutionState::Succeeded),
            "{sql}\n{:?}",
            status.state_change_reason()
        );
    });
}

fn queries(emu: &Emulator) -> Vec<Value> {
    emu.admin("GET", "athena/queries", None)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn events_json(out: &std::process::Output) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    v["events"].as_array().cloned().unwrap_or_default()
}

fn ids(events: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = events
        .iter()
        .map(|e| e["event_id"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

fn id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

#[test]
fn who_read_a_secret_in_the_last_year_through_athena() {
    let emu = Emulator::start();
    emu.set_identities(json!({KEY: {"type": "IAMUser",
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/investigator"),
        "accountId": ACCOUNT, "principalId": "AIDAINVESTIGATOR"}}));
    emu.seed(json!({"account": ACCOUNT, "region": REGION, "secrets": [
        {"name": "prod/payments-db", "secret_string": "never-shown"},
        {"name": "prod/payments-db-v2", "secret_string": "never-shown"}
    ]}));
    trail(&emu);
    let dir = tempfile::tempdir().unwrap();
    let ddl = make_table(&emu, dir.path(), "trails", "org");
    assert!(ddl.contains("'projection.enabled' = 'true'"), "{ddl}");
    assert!(
        ddl.contains("CREATE DATABASE IF NOT EXISTS `trails`"),
        "{ddl}"
    );

    let until = (Utc::now() - Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let since = (Utc::now() - Duration::days(365)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let ask = |secret: &str| {
        let mut cmd = strongroom(&emu, dir.path());
        athena(&mut cmd, "trails.org")
            .args([
                "events", "--secret", secret, "--since", &since, "--until", &until,
            ])
            .args(["--format", "json", "--show-sql"])
            .output()
            .unwrap()
    };
    let out = ask("prod/payments-db");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    let events = events_json(&out);
    // Reads by name, by ARN and in a batch, and the write; not prod/payments-db-v2 (whose name
    // starts the same), not the other account's, not the one older than a year.
    assert_eq!(ids(&events), vec![id(1), id(2), id(3), id(7)], "{stderr}");
    assert!(stderr.contains("Athena trails.org:"), "{stderr}");
    assert!(stderr.contains("scanned (about $"), "{stderr}");
    assert!(stderr.contains("day BETWEEN"), "the SQL is shown: {stderr}");
    let run = queries(&emu);
    let selects: Vec<&Value> = run
        .iter()
        .filter(|q| q["sql"].as_str().unwrap_or("").starts_with("SELECT"))
        .collect();
    assert_eq!(selects.len(), 1, "{run:?}");
    let q = selects[0];
    assert_eq!(q["state"], "SUCCEEDED", "{q}");
    assert!(q["scanned_bytes"].as_u64().unwrap_or(0) > 0, "{q}");
    let sql = q["sql"].as_str().unwrap();
    assert!(sql.contains(&format!("account IN ('{ACCOUNT}')")), "{sql}");
    assert!(sql.contains(&format!("region IN ('{REGION}')")), "{sql}");

    // The same window again: the evidence store answers, Athena is not asked.
    emu.clear_calls();
    let again = ask("prod/payments-db");
    assert!(again.status.success());
    assert_eq!(ids(&events_json(&again)), vec![id(1), id(2), id(3), id(7)]);
    let starts = emu
        .calls()
        .iter()
        .filter(|c| c["operation"] == "StartQueryExecution")
        .count();
    assert_eq!(starts, 0, "a second look makes no query");
    assert!(String::from_utf8_lossy(&again.stderr).contains("answered from the evidence store"));

    // A secret deleted since (not in the inventory) is found by its name.
    let ghost = ask("legacy/old-key");
    let ghost_err = String::from_utf8_lossy(&ghost.stderr).to_string();
    assert!(ghost.status.success(), "{ghost_err}");
    let found = events_json(&ghost);
    assert_eq!(ids(&found), vec![id(5)], "{ghost_err}");
    assert!(
        found[0]["principal"].to_string().contains("intruder"),
        "{}",
        found[0]
    );
}

#[test]
fn a_hand_made_table_without_a_needed_column_is_named() {
    let emu = Emulator::start();
    emu.set_identities(json!({KEY: {"type": "IAMUser",
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/investigator"),
        "accountId": ACCOUNT, "principalId": "AIDAINVESTIGATOR"}}));
    emu.seed(json!({"account": ACCOUNT, "region": REGION, "secrets": [
        {"name": "prod/payments-db", "secret_string": "never-shown"}
    ]}));
    trail(&emu);
    let dir = tempfile::tempdir().unwrap();
    run_query(&emu, "CREATE DATABASE IF NOT EXISTS handmade");
    run_query(
        &emu,
        "CREATE EXTERNAL TABLE handmade.thin (eventid STRING, eventtime STRING, \
         eventsource STRING, eventname STRING, awsregion STRING) \
         PARTITIONED BY (account STRING, region STRING, day STRING) \
         ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe' \
         STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat' \
         OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat' \
         LOCATION 's3://org-trail/AWSLogs/o-abc123def4/' \
         TBLPROPERTIES ('projection.enabled'='true', 'projection.account.type'='injected', \
         'projection.region.type'='enum', 'projection.region.values'='us-east-1', \
         'projection.day.type'='date', 'projection.day.range'='2024/01/01,NOW', \
         'projection.day.format'='yyyy/MM/dd', 'projection.day.interval'='1', \
         'projection.day.interval.unit'='DAYS', \
         'storage.location.template'='s3://org-trail/AWSLogs/o-abc123def4/${account}/CloudTrail/${region}/${day}')",
    );
    let mut cmd = strongroom(&emu, dir.path());
    let out = athena(&mut cmd, "handmade.thin")
        .args(["events", "--secret", "prod/payments-db", "--since", "30d"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("handmade.thin has no column"),
        "the missing column is named: {stderr}"
    );
}

#[test]
fn the_trail_read_straight_from_s3_downloads_each_file_once() {
    let emu = Emulator::start();
    emu.set_identities(json!({KEY: {"type": "IAMUser",
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/investigator"),
        "accountId": ACCOUNT, "principalId": "AIDAINVESTIGATOR"}}));
    emu.seed(json!({"account": ACCOUNT, "region": REGION, "secrets": [
        {"name": "prod/payments-db", "secret_string": "never-shown"},
        {"name": "prod/payments-db-v2", "secret_string": "never-shown"}
    ]}));
    trail(&emu);
    let dir = tempfile::tempdir().unwrap();
    let until = (Utc::now() - Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let since = (Utc::now() - Duration::days(365)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let ask = || {
        emu.clear_calls();
        strongroom(&emu, dir.path())
            .args(["--cloudtrail", &format!("s3://{BUCKET}/AWSLogs/{ORG}/")])
            .args([
                "events",
                "--secret",
                "prod/payments-db",
                "--since",
                &since,
                "--until",
                &until,
            ])
            .args(["--format", "json"])
            .output()
            .unwrap()
    };
    let out = ask();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    // The same answer as through Athena: by name, ARN and batch, and the write.
    assert_eq!(
        ids(&events_json(&out)),
        vec![id(1), id(2), id(3), id(7)],
        "{stderr}"
    );
    let calls = emu.calls();
    let count = |op: &str| calls.iter().filter(|c| c["operation"] == op).count();
    let gets = count("GetObject");
    // Only the secret's own account and region: the other account's file is never fetched.
    assert_eq!(gets, 6, "one object per day with records: {stderr}");
    assert!(stderr.contains("downloaded"), "{stderr}");
    // A second look lists the folders again and downloads nothing.
    let again = ask();
    assert!(again.status.success());
    assert_eq!(ids(&events_json(&again)), vec![id(1), id(2), id(3), id(7)]);
    let calls = emu.calls();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c["operation"] == "GetObject")
            .count(),
        0,
        "cached by key and ETag"
    );
}

/// The access review over a year reads who read each secret from the trail (LookupEvents
/// keeps 90 days): the billing role's read 300 days ago counts.
#[test]
fn the_review_over_a_year_counts_reads_from_the_trail() {
    let emu = Emulator::start();
    emu.set_identities(json!({KEY: {"type": "IAMUser",
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/investigator"),
        "accountId": ACCOUNT, "principalId": "AIDAINVESTIGATOR"}}));
    emu.seed(json!({"account": ACCOUNT, "region": REGION, "secrets": [
        {"name": "prod/payments-db", "secret_string": "never-shown"}
    ]}));
    trail(&emu);
    let dir = tempfile::tempdir().unwrap();
    make_table(&emu, dir.path(), "trails", "org");
    emu.clear_calls();
    let mut cmd = strongroom(&emu, dir.path());
    let out = athena(&mut cmd, "trails.org")
        .args(["review", "start", "--window", "365d", "--reviewer", "rita"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains("organization trail trails.org"),
        "the review says where its reads came from: {stdout}{stderr}"
    );
    let starts = emu
        .calls()
        .iter()
        .filter(|c| c["operation"] == "StartQueryExecution")
        .count();
    assert_eq!(starts, 1, "one query for the cell's year");
    let pack_file = dir.path().join("pack.json");
    let mut cmd = strongroom(&emu, dir.path());
    let out = athena(&mut cmd, "trails.org")
        .args(["review", "export", "--format", "json", "--output"])
        .arg(&pack_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pack: Value = serde_json::from_str(&std::fs::read_to_string(&pack_file).unwrap()).unwrap();
    let db = pack["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["secret"]["name"] == "prod/payments-db")
        .expect("prod/payments-db in the pack");
    let reads = |role: &str| {
        db["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["principal"] == format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
            .map(|r| r["reads"].clone())
            .unwrap_or_else(|| panic!("no row for {role}: {:#}", db["rows"]))
    };
    // The read by name 300 days ago, beyond LookupEvents' 90 days; not the one 500 days ago.
    // (The reads by full ARN name the suffix -AbC123: another secret of the same name.)
    assert_eq!(reads("billing"), 1);
}

/// A runbook's `who_read` over a year, from the trail's files in S3: the reads beyond
/// LookupEvents' 90 days are there, and the summary says the trail answered.
#[test]
fn a_runbooks_who_read_over_a_year_comes_from_the_trail() {
    let emu = Emulator::start();
    emu.set_identities(json!({KEY: {"type": "IAMUser",
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/investigator"),
        "accountId": ACCOUNT, "principalId": "AIDAINVESTIGATOR"}}));
    emu.seed(json!({"account": ACCOUNT, "region": REGION, "secrets": [
        {"name": "prod/payments-db", "secret_string": "never-shown"}
    ]}));
    trail(&emu);
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // SAFETY: set before any other thread of this test reads the environment.
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", KEY);
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        }
        let source = strongroom::source::aws::connect(&strongroom::source::aws::AwsOptions {
            regions: vec![REGION.to_string()],
            endpoint_url: Some(emu.url().to_string()),
            max_attempts: 2,
            state_dir: dir.path().to_path_buf(),
            s3_trail: Some(format!("s3://{BUCKET}/AWSLogs/{ORG}/")),
            ..Default::default()
        })
        .await
        .unwrap();
        use strongroom::incident::Executor;
        let exec = source.executor();
        let mut args = std::collections::BTreeMap::new();
        args.insert("secret_id".to_string(), "prod/payments-db".to_string());
        args.insert("lookback".to_string(), "365d".to_string());
        let out = exec
            .query(strongroom::runbook::QueryKind::WhoRead, &args)
            .await
            .unwrap();
        assert!(
            out.summary
                .starts_with("1 read by 1 principal in 365d (primary region; no replicas)"),
            "{}",
            out.summary
        );
        assert!(
            out.summary
                .contains("from the organization trail s3://org-trail/AWSLogs/o-abc123def4/"),
            "{}",
            out.summary
        );
        assert!(!out.summary.contains("LookupEvents keeps 90 days"));
    });
}
