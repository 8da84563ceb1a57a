//! The emulator records every Secrets Manager request as a CloudTrail record shaped like AWS's.

mod support;

use aws_sdk_cloudtrail::types::LookupAttributeKey;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use serde_json::{Value, json};
use support::Emulator;
use support::trail::{lookup_all, names, record};

const KEY: &str = "AKIARECORDTEST000001";

fn emulator() -> Emulator {
    let emu = Emulator::start();
    emu.set_config(json!({"lookup_events_tps": 0}));
    emu
}

fn find<'a>(records: &'a [Value], name: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["eventName"] == name)
        .unwrap_or_else(|| panic!("no {name} record in {records:#?}"))
}

#[tokio::test]
async fn successful_calls_become_aws_shaped_records() {
    let emu = emulator();
    let sm = emu.sm_client(KEY, "eu-west-1");
    let created = sm
        .create_secret()
        .name("app/db")
        .secret_string("create-value-Zq1")
        .description("db password")
        .send()
        .await
        .unwrap();
    let arn = created.arn().unwrap().to_string();
    sm.put_secret_value()
        .secret_id("app/db")
        .secret_string("put-value-Zq2")
        .send()
        .await
        .unwrap();
    let got = sm.get_secret_value().secret_id(&arn).send().await.unwrap();
    assert_eq!(got.secret_string(), Some("put-value-Zq2"));

    let ct = emu.ct_client(KEY, "eu-west-1");
    let events = lookup_all(&ct, None).await;
    assert_eq!(
        names(&events),
        ["GetSecretValue", "PutSecretValue", "CreateSecret"],
        "newest first"
    );
    let records: Vec<Value> = events.iter().map(record).collect();
    for (event, rec) in events.iter().zip(&records) {
        let text = rec.to_string();
        assert!(
            !text.contains("create-value-Zq1") && !text.contains("put-value-Zq2"),
            "secret value leaked into {text}"
        );
        assert_eq!(rec["eventVersion"], "1.11");
        assert_eq!(rec["eventSource"], "secretsmanager.amazonaws.com");
        assert_eq!(rec["awsRegion"], "eu-west-1");
        assert_eq!(rec["sourceIPAddress"], "127.0.0.1");
        assert!(rec["userAgent"].as_str().unwrap().contains("aws-sdk-rust"));
        let time = rec["eventTime"].as_str().unwrap();
        assert!(time.ends_with('Z'), "{time}");
        chrono::DateTime::parse_from_rfc3339(time).expect("ISO eventTime");
        assert_eq!(rec["eventType"], "AwsApiCall");
        assert_eq!(rec["managementEvent"], true);
        assert_eq!(rec["eventCategory"], "Management");
        assert_eq!(rec["recipientAccountId"], "123456789012");
        assert_eq!(rec["eventID"].as_str().unwrap().len(), 36);
        assert!(!rec["requestID"].as_str().unwrap().is_empty());
        assert!(rec.get("errorCode").is_none());
        assert_eq!(
            rec["resources"],
            json!([{"accountId": "123456789012", "type": "AWS::SecretsManager::Secret", "ARN": arn}])
        );
        // unknown access key -> IAM user named after the key
        assert_eq!(
            rec["userIdentity"]["arn"],
            format!("arn:aws:iam::123456789012:user/{KEY}")
        );
        assert_eq!(rec["userIdentity"]["type"], "IAMUser");
        assert_eq!(rec["userIdentity"]["accountId"], "123456789012");
        assert_eq!(rec["userIdentity"]["accessKeyId"], KEY);
        assert_eq!(rec["userIdentity"]["userName"], KEY);
        assert!(rec["userIdentity"]["principalId"].is_string());
        // the LookupEvents summary agrees with the record
        assert_eq!(event.event_id(), rec["eventID"].as_str());
        assert_eq!(event.access_key_id(), Some(KEY));
        assert_eq!(event.username(), Some(KEY));
        assert_eq!(event.event_source(), Some("secretsmanager.amazonaws.com"));
        assert_eq!(event.resources()[0].resource_name(), Some(arn.as_str()));
    }

    let create = find(&records, "CreateSecret");
    assert_eq!(create["readOnly"], false);
    assert_eq!(create["requestParameters"]["name"], "app/db");
    assert_eq!(create["requestParameters"]["description"], "db password");
    assert!(create["requestParameters"].get("secretString").is_none());
    assert_eq!(create["responseElements"]["arn"], arn.as_str());
    assert_eq!(create["responseElements"]["name"], "app/db");
    assert_eq!(
        create["responseElements"]["versionId"],
        created.version_id().unwrap()
    );
    let put = find(&records, "PutSecretValue");
    assert_eq!(put["requestParameters"]["secretId"], "app/db");
    assert!(put["requestParameters"].get("secretString").is_none());
    assert_eq!(put["responseElements"]["arn"], arn.as_str());
    let get = find(&records, "GetSecretValue");
    assert_eq!(get["readOnly"], true);
    assert_eq!(
        get["requestParameters"]["secretId"],
        arn.as_str(),
        "as sent"
    );
    assert_eq!(get["responseElements"], Value::Null);
    assert_eq!(events[0].read_only(), Some("true"));
    assert_eq!(events[1].read_only(), Some("false"));
}

#[tokio::test]
async fn failed_calls_are_recorded_with_error_code_and_message() {
    let emu = emulator();
    let sm = emu.sm_client(KEY, "us-east-1");
    let err = sm
        .get_secret_value()
        .secret_id("missing/secret")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope";
    sm.describe_secret()
        .secret_id(partial)
        .send()
        .await
        .unwrap_err();

    let events = lookup_all(&emu.ct_client(KEY, "us-east-1"), None).await;
    assert_eq!(names(&events), ["DescribeSecret", "GetSecretValue"]);
    let get = record(&events[1]);
    assert_eq!(get["errorCode"], "ResourceNotFoundException");
    assert!(!get["errorMessage"].as_str().unwrap().is_empty());
    assert_eq!(get["requestParameters"]["secretId"], "missing/secret");
    assert_eq!(get["responseElements"], Value::Null);
    let describe = record(&events[0]);
    assert_eq!(describe["errorCode"], "ResourceNotFoundException");
    assert_eq!(describe["requestParameters"]["secretId"], partial);
}

#[tokio::test]
async fn identity_map_shapes_user_identity_and_selects_the_account() {
    let emu = emulator();
    let key = "ASIAROLESESSION00001";
    let role_arn = "arn:aws:sts::210987654321:assumed-role/Deployer/alice";
    emu.set_identities(json!({key: {
        "type": "AssumedRole",
        "arn": role_arn,
        "accountId": "210987654321",
        "principalId": "AROAEXAMPLEID:alice",
        "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEID",
            "arn": "arn:aws:iam::210987654321:role/Deployer", "accountId": "210987654321",
            "userName": "Deployer"}
    }}));
    let sm = emu.sm_client(key, "us-east-1");
    let created = sm
        .create_secret()
        .name("role/secret")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    assert!(
        created.arn().unwrap().contains(":210987654321:"),
        "the mapped account owns the secret: {:?}",
        created.arn()
    );

    let events = lookup_all(&emu.ct_client(key, "us-east-1"), None).await;
    assert_eq!(names(&events), ["CreateSecret"]);
    let rec = record(&events[0]);
    let ident = &rec["userIdentity"];
    assert_eq!(ident["type"], "AssumedRole");
    assert_eq!(ident["arn"], role_arn);
    assert_eq!(ident["accountId"], "210987654321");
    assert_eq!(ident["principalId"], "AROAEXAMPLEID:alice");
    assert_eq!(ident["accessKeyId"], key);
    assert_eq!(
        ident["sessionContext"]["sessionIssuer"]["userName"],
        "Deployer"
    );
    assert_eq!(rec["recipientAccountId"], "210987654321");
    assert_eq!(events[0].username(), Some("alice"), "session name");

    // Another account sees none of it.
    let other = lookup_all(&emu.ct_client(KEY, "us-east-1"), None).await;
    assert!(other.is_empty(), "{:?}", names(&other));
}

#[tokio::test]
async fn rotation_emits_service_events() {
    let emu = emulator();
    let sm = emu.sm_client(KEY, "us-west-2");
    let arn = sm
        .create_secret()
        .name("rotating")
        .secret_string("v1")
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    sm.rotate_secret()
        .secret_id("rotating")
        .send()
        .await
        .unwrap();

    let events = lookup_all(&emu.ct_client(KEY, "us-west-2"), None).await;
    assert_eq!(
        names(&events),
        [
            "RotationSucceeded",
            "RotationStarted",
            "RotateSecret",
            "CreateSecret"
        ]
    );
    for event in &events[..2] {
        let rec = record(event);
        assert_eq!(rec["eventType"], "AwsServiceEvent");
        assert_eq!(rec["eventSource"], "secretsmanager.amazonaws.com");
        assert_eq!(rec["additionalEventData"]["SecretId"], arn.as_str());
        assert_eq!(
            rec["userIdentity"],
            json!({"accountId": "123456789012", "invokedBy": "secretsmanager.amazonaws.com"})
        );
        assert_eq!(rec["recipientAccountId"], "123456789012");
    }
    let by_name = lookup_all(
        &emu.ct_client(KEY, "us-west-2"),
        Some((LookupAttributeKey::ResourceName, "rotating")),
    )
    .await;
    assert_eq!(by_name.len(), 4);
}

#[tokio::test]
async fn lookups_are_logged_as_calls_but_not_recorded_as_events() {
    let emu = emulator();
    let sm = emu.sm_client(KEY, "us-east-1");
    sm.list_secrets().send().await.unwrap();
    let ct = emu.ct_client(KEY, "us-east-1");
    for _ in 0..3 {
        let events = lookup_all(&ct, None).await;
        assert_eq!(names(&events), ["ListSecrets"]);
    }
    let west = lookup_all(&emu.ct_client(KEY, "us-west-2"), None).await;
    assert!(west.is_empty(), "events are per region");

    let calls = emu.calls();
    assert_eq!(calls.len(), 5, "{calls:#?}");
    assert_eq!(
        calls[0],
        json!({"service": "secretsmanager", "operation": "ListSecrets", "region": "us-east-1",
               "status": 200, "account": "123456789012", "access_key": KEY})
    );
    assert!(
        calls[1..]
            .iter()
            .all(|c| c["service"] == "cloudtrail" && c["operation"] == "LookupEvents")
    );
    assert_eq!(calls[4]["region"], "us-west-2");
    emu.clear_calls();
    assert!(emu.calls().is_empty());
}
