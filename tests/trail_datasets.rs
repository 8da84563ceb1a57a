//! CloudTrail parsing over real published records (../shared/datasets/cloudtrail, when present)
//! and over the project's own log-file fixtures (tests/fixtures/cloudtrail).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use strongroom::trail::{AccessEvent, EventKind, Loaded, PrincipalKind, SecretRef, read_paths};

fn datasets() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/cloudtrail");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: ../shared/datasets/cloudtrail not present");
        None
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cloudtrail")
}

/// Every event of one dataset file, in file order (parsed record by record, so that files which
/// reuse placeholder eventIDs still yield one event per record).
fn dataset(file: &str) -> Option<Vec<AccessEvent>> {
    let path = datasets()?.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let records = json["Records"].as_array().unwrap();
    Some(
        records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                strongroom::trail::parse_record(r)
                    .unwrap_or_else(|e| panic!("{file} record {i}: {e}"))
            })
            .collect(),
    )
}

fn named<'a>(events: &'a [AccessEvent], name: &str) -> Vec<&'a AccessEvent> {
    events.iter().filter(|e| e.name == name).collect()
}

#[test]
fn every_record_of_every_dataset_file_loads() {
    let Some(dir) = datasets() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 9, "dataset files: {files:?}");
    for file in files {
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let records = json["Records"].as_array().unwrap();
        let loaded = read_paths(std::slice::from_ref(&file));
        assert!(
            loaded.problems.is_empty(),
            "{}: {:?}",
            file.display(),
            loaded.problems
        );
        assert_eq!(
            (loaded.files, loaded.records),
            (1, records.len()),
            "{}",
            file.display()
        );
        let ids: HashSet<&str> = records
            .iter()
            .filter_map(|r| r["eventID"].as_str())
            .collect();
        assert_eq!(loaded.events.len(), ids.len(), "{}", file.display());
    }
}

#[test]
fn stratus_reads_name_full_arns_in_fake_regions() {
    let Some(events) = dataset("stratus-red-team-secretsmanager.json") else {
        return;
    };
    assert_eq!(events.len(), 26);
    let reads = named(&events, "GetSecretValue");
    assert_eq!(reads.len(), 20);
    for e in &reads {
        assert_eq!(e.region, "cn-centraleast-1r");
        assert!(e.is_read() && !e.failed());
        assert_eq!(e.principal.kind, PrincipalKind::IamUser);
        assert_eq!(e.principal_label(), "christophe");
        let [SecretRef::Arn(arn)] = e.secrets.as_slice() else {
            panic!("{:?}", e.secrets)
        };
        assert!(arn.starts_with("arn:aws:secretsmanager:cn-centraleast-1r:903144391865:secret:stratus-red-team-retrieve-secret-"));
    }
    let tag_filter = SecretRef::Filter {
        key: "tag-key".into(),
        values: vec!["StratusRedTeam".into()],
    };
    let batches = named(&events, "BatchGetSecretValue");
    assert_eq!(batches.len(), 5);
    assert!(
        batches.iter().all(|e| e.is_read()
            && e.secrets == [tag_filter.clone()]
            && e.region == "eu-westwest-1r")
    );
    let [list] = named(&events, "ListSecrets")[..] else {
        panic!("one ListSecrets")
    };
    assert_eq!(list.secrets, [tag_filter]);
    assert!(!list.is_read() && !list.is_write());
}

#[test]
fn flaws_sweep_is_mostly_other_services_and_denied_secrets_calls() {
    let Some(events) = dataset("flaws-cloud-via-umccr-cloudtrail-parquet-lambda.json") else {
        return;
    };
    assert_eq!(events.len(), 94);
    let secrets: Vec<_> = events.iter().filter(|e| e.is_secrets_manager()).collect();
    let names: Vec<&str> = secrets.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["ListSecrets", "GetRandomPassword"]);
    for e in secrets {
        assert_eq!(e.error_code.as_deref(), Some("AccessDenied"));
        assert!(e.failed() && e.secrets.is_empty());
        assert_eq!(e.principal_label(), "Level6");
    }
    assert!(
        events
            .iter()
            .all(|e| e.secrets.is_empty() && e.account.as_deref() == Some("811596193553"))
    );
}

#[test]
fn elastic_batch_read_lists_secret_ids_and_keeps_a_nine_digit_account() {
    let Some(events) = dataset("elastic-integrations-secretsmanager.json") else {
        return;
    };
    assert!(
        events
            .iter()
            .all(|e| e.account.as_deref() == Some("000000000"))
    );
    let [batch] = named(&events, "BatchGetSecretValue")[..] else {
        panic!("one batch")
    };
    assert_eq!(
        batch.secrets,
        [
            SecretRef::Arn("arn:aws:secretsmanager:us-east-1:000000000:secret:MyTestSecret-nxYStj".into()),
            SecretRef::Arn("arn:aws:secretsmanager:us-east-1:000000000:secret:DdApiKeySecret-aUFEgO4SmSGN-xqgqXR".into()),
        ]
    );
    assert_eq!(batch.principal.name.as_deref(), Some("test@elastic.co"));
}

#[test]
fn panther_times_and_sso_sessions() {
    let Some(events) = dataset("panther-analysis-secretsmanager.json") else {
        return;
    };
    assert_eq!(events[0].time.to_rfc3339(), "2024-10-17T21:48:45+00:00");
    assert_eq!(
        events[0].principal_label(),
        "AWSReservedSSO_DevAdmin_635426549a280cc6/evil.genius"
    );
    assert_eq!(
        events[0].principal.key(),
        "arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/us-west-2/AWSReservedSSO_DevAdmin_635426549a280cc6"
    );
    let put = &events[1];
    assert_eq!(
        (put.name.as_str(), put.is_write()),
        ("PutResourcePolicy", true)
    );
    // secretId and responseElements.arn name the same secret: one reference.
    assert_eq!(
        put.secrets,
        [SecretRef::Arn(
            "arn:aws:secretsmanager:us-west-2:123456789012:secret:paloma/example-secret-xxxxxx"
                .into()
        )]
    );
}

#[test]
fn service_events_have_no_type_only_invoked_by() {
    let Some(umccr) = dataset("umccr-infrastructure-secretsmanager.json") else {
        return;
    };
    let Some(blogs) = dataset("aws-blogs-secretsmanager.json") else {
        return;
    };
    for e in [&umccr[0], &blogs[0]] {
        assert_eq!(e.kind, EventKind::AwsServiceEvent);
        assert_eq!(e.principal.kind, PrincipalKind::AwsService);
        assert_eq!(e.principal_label(), "secretsmanager.amazonaws.com");
        assert!(matches!(e.secrets.as_slice(), [SecretRef::Arn(_)]));
        assert!(!e.is_read() && !e.is_write());
    }
    assert_eq!(umccr[0].name, "RotationFailed");
    assert!(umccr[0].failed());
    assert_eq!(
        umccr[0].secrets,
        [SecretRef::Arn(
            "arn:aws:secretsmanager:ap-southeast-2:843407916570:secret:IcaSecretsWorkflow-yUaicA"
                .into()
        )]
    );
    assert_eq!(
        (blogs[0].name.as_str(), blogs[0].failed()),
        ("RotationSucceeded", false)
    );
    assert_eq!(blogs[0].account.as_deref(), Some("accountid"));
}

#[test]
fn blog_instance_role_read_names_the_role_and_the_resource() {
    let Some(events) = dataset("aws-blogs-secretsmanager.json") else {
        return;
    };
    let read = &events[1];
    assert!(read.is_read());
    assert_eq!(
        read.principal.role_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/YOUR-EC2-INSTANCE-PROFILE")
    );
    assert_eq!(
        read.principal_label(),
        "YOUR-EC2-INSTANCE-PROFILE/i-0c1a23fc456b7ab89"
    );
    // ".../secret:your-secret" ends in "-" + six letters, so it reads as a full ARN; resolve()
    // also tries such ARNs as partial ones. secretId and resources[] give the same reference.
    assert_eq!(
        read.secrets,
        [SecretRef::Arn(
            "arn:aws:secretsmanager:eu-west-2:111122223333:secret:your-secret".into()
        )]
    );
}

#[test]
fn docs_examples_root_legacy_arn_and_vpc_endpoint() {
    let Some(events) = dataset("aws-secrets-manager-docs-secretsmanager.json") else {
        return;
    };
    assert_eq!(events.len(), 7);
    assert!(events[0].failed() && events[0].principal.kind == PrincipalKind::AwsService);
    let create = &events[1];
    assert_eq!(
        (create.principal.kind.clone(), create.principal_label()),
        (PrincipalKind::Root, "root".to_string())
    );
    assert_eq!(create.secrets, [SecretRef::Name("MyDatabaseSecret".into())]);
    assert!(create.is_write() && create.source_ip.is_none() && create.user_agent.is_none());
    let delete = &events[2];
    assert_eq!(
        delete.secrets,
        [
            SecretRef::Name("MyDatabaseSecret".into()),
            SecretRef::Arn(
                "arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret-a1b2c3"
                    .into()
            ),
        ]
    );
    let read = &events[3];
    assert_eq!(read.vpc_endpoint.as_deref(), Some("vpce-1234a5678b9012c"));
    assert!(
        read.is_read() && read.secrets.is_empty(),
        "the docs example omits requestParameters"
    );
    assert!(
        matches!(&events[6].secrets[1], SecretRef::Arn(a) if a.ends_with("MyDatabaseSecret-p5mycT"))
    );
}

#[test]
fn kms_calls_by_secrets_manager_are_generic_events() {
    let Some(events) = dataset("aws-secrets-manager-docs-kms-invokedby-secretsmanager.json") else {
        return;
    };
    assert_eq!(events.len(), 4);
    for e in &events {
        assert_eq!(e.source, "kms.amazonaws.com");
        assert!(!e.is_secrets_manager() && !e.is_read() && e.secrets.is_empty());
        assert_eq!(
            e.principal.invoked_by.as_deref(),
            Some("secretsmanager.amazonaws.com")
        );
        // Labelled IAMUser in the docs although the ARN is an assumed-role session.
        assert_eq!(e.principal.kind, PrincipalKind::IamUser);
    }
}

#[test]
fn nextwork_console_reads_with_string_flags() {
    let Some(events) = dataset("nextwork-security-monitoring-blog-secretsmanager.json") else {
        return;
    };
    let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "GetSecretValue",
            "GetResourcePolicy",
            "ListSecretVersionIds"
        ]
    );
    assert_eq!(events.iter().filter(|e| e.is_read()).count(), 1);
    assert!(
        events
            .iter()
            .all(|e| !e.is_write() && e.account.as_deref() == Some("00000000000"))
    );
    assert!(events.iter().all(|e| e.secrets
        == [SecretRef::Arn(
            "arn:aws:secretsmanager:us-west-2:00000000000:secret:TopSecretInfo-lvRO68".into()
        )]));
}

// ---- the project's own fixtures -------------------------------------------------------------

fn ids(loaded: &Loaded) -> Vec<&str> {
    loaded.events.iter().map(|e| e.event_id.as_str()).collect()
}

fn fixture_id(n: u8) -> String {
    format!("aaaaaaaa-0000-4000-8000-00000000000{n}")
}

#[test]
fn gz_tree_loads_and_skips_digests_and_other_files() {
    let loaded = read_paths(&[fixtures().join("AWSLogs")]);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    assert_eq!((loaded.files, loaded.records), (2, 5));
    let expected: Vec<String> = [5, 4, 3, 2, 1].map(fixture_id).into();
    assert_eq!(ids(&loaded), expected, "newest first");
    let replica_read = &loaded.events[1];
    assert_eq!(replica_read.region, "eu-west-1");
    assert!(replica_read.is_read() && replica_read.failed());
    assert_eq!(
        replica_read.principal.key(),
        "arn:aws:iam::111122223333:role/app-reader"
    );
    assert!(matches!(
        &replica_read.secrets[..],
        [SecretRef::PartialArn(_)]
    ));
    assert_eq!(
        loaded.events[0].vpc_endpoint.as_deref(),
        Some("vpce-0fedcba9876543210")
    );
}

#[test]
fn a_broken_record_is_reported_with_file_and_index_and_the_rest_load() {
    let file = fixtures().join("loose/broken-record.json");
    let loaded = read_paths(std::slice::from_ref(&file));
    assert_eq!(
        (loaded.files, loaded.records, loaded.events.len()),
        (1, 4, 3)
    );
    let [problem] = &loaded.problems[..] else {
        panic!("{:?}", loaded.problems)
    };
    assert_eq!((&problem.file, problem.index), (&file, Some(1)));
    assert!(problem.reason.contains("eventTime"), "{}", problem.reason);
    assert!(
        problem
            .to_string()
            .contains("broken-record.json record 1: eventTime")
    );
    let synthetic = loaded
        .events
        .iter()
        .find(|e| e.event_id.starts_with("sha256:"))
        .unwrap();
    assert_eq!(
        (synthetic.read_only, synthetic.time.to_rfc3339().as_str()),
        (Some(true), "2026-11-20T09:12:00+00:00")
    );
}

#[test]
fn files_that_are_not_log_files_are_one_problem_each() {
    for name in [
        "loose/not-json.json",
        "loose/not-gzip.json.gz",
        "loose/missing.json",
    ] {
        let file = fixtures().join(name);
        let loaded = read_paths(std::slice::from_ref(&file));
        assert!(loaded.events.is_empty() && loaded.records == 0);
        let [problem] = &loaded.problems[..] else {
            panic!("{name}: {:?}", loaded.problems)
        };
        assert_eq!((&problem.file, problem.index), (&file, None), "{name}");
    }
    let not_json = read_paths(&[fixtures().join("loose/not-json.json")]);
    assert!(
        not_json.problems[0]
            .reason
            .starts_with("not a CloudTrail log file")
    );
}

#[test]
fn duplicates_across_files_are_merged() {
    let loaded = read_paths(&[fixtures()]);
    assert_eq!((loaded.files, loaded.records), (5, 9));
    assert_eq!(loaded.problems.len(), 3, "{:?}", loaded.problems);
    // 9 records - 1 broken - 1 repeated eventID.
    assert_eq!(loaded.events.len(), 7);
    let first = fixture_id(1);
    let copies: Vec<_> = loaded
        .events
        .iter()
        .filter(|e| e.event_id == first)
        .collect();
    assert_eq!(copies.len(), 1);
    assert!(loaded.events.windows(2).all(|w| w[0].time >= w[1].time));
}
