//! One CloudTrail record (JSON) -> [`AccessEvent`]. Lenient about what varies between producers
//! (time formats, boolean strings, missing optional fields); strict only about what an event needs.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::event::{AccessEvent, EventKind};
use super::fields::{account_id, text};
use super::principal::Principal;
use super::secret_ref::refs_of;

/// Parses one record. The error names the field that is missing or wrong.
pub fn parse_record(value: &Value) -> Result<AccessEvent, String> {
    if !value.is_object() {
        return Err(format!("record is {} instead of an object", kind_of(value)));
    }
    let required = |key: &str| -> Result<String, String> {
        match value.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            None | Some(Value::Null) => Err(format!("{key} is missing")),
            Some(other) => Err(format!(
                "{key} is {} instead of a non-empty string",
                kind_of(other)
            )),
        }
    };
    let raw_time = required("eventTime")?;
    let time = parse_time(&raw_time)
        .ok_or_else(|| format!("eventTime {raw_time:?} is not a date and time"))?;
    let name = required("eventName")?;
    let source = required("eventSource")?;
    let region = required("awsRegion")?;
    let field = |key: &str| text(value.get(key));
    let identity = value.get("userIdentity").filter(|u| u.is_object());
    let principal = Principal::from_user_identity(identity);
    Ok(AccessEvent {
        event_id: field("eventID").unwrap_or_else(|| synthetic_id(value)),
        time,
        account: account_id(value.get("recipientAccountId")).or_else(|| principal.account.clone()),
        region,
        read_only: flag(value.get("readOnly")),
        kind: field("eventType").map_or(EventKind::Other(String::new()), |t| EventKind::parse(&t)),
        error_code: field("errorCode"),
        error_message: field("errorMessage"),
        source_ip: field("sourceIPAddress"),
        user_agent: field("userAgent"),
        vpc_endpoint: field("vpcEndpointId"),
        request_id: field("requestID"),
        secrets: refs_of(value, &source, &name),
        principal,
        source,
        name,
    })
}

/// ISO-8601 with `Z` or an offset, or Panther's `2024-10-17 21:48:45.000000000` (UTC, no zone).
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(s, format).ok())
        .map(|t| t.and_utc())
}

/// CloudTrail writes booleans; some exporters write "true"/"false".
fn flag(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// `sha256:<hex>` of the record with keys sorted, so the same record always gets the same id.
fn synthetic_id(value: &Value) -> String {
    let digest = Sha256::digest(canonical(value).to_string().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let sorted: Map<String, Value> = keys
                .into_iter()
                .map(|k| (k.clone(), canonical(&map[k])))
                .collect();
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trail::{PrincipalKind, SecretRef};
    use serde_json::json;

    const SM: &str = "secretsmanager.amazonaws.com";
    const ARN: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123";

    fn record(extra: Value) -> Value {
        let mut base = json!({
            "eventVersion": "1.09",
            "eventID": "11111111-2222-3333-4444-555555555555",
            "eventTime": "2026-11-20T09:05:12Z",
            "eventSource": SM,
            "eventName": "GetSecretValue",
            "awsRegion": "us-east-1",
            "eventType": "AwsApiCall",
            "recipientAccountId": "111122223333",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/bob",
                              "accountId": "111122223333", "userName": "bob"},
            "requestParameters": {"secretId": ARN},
            "responseElements": null,
        });
        if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
            base.extend(extra);
        }
        base
    }

    fn parse(extra: Value) -> AccessEvent {
        parse_record(&record(extra)).unwrap()
    }

    #[test]
    fn a_plain_read_parses() {
        let e = parse(json!({}));
        assert_eq!(e.time.to_rfc3339(), "2026-11-20T09:05:12+00:00");
        assert_eq!(e.secrets, vec![SecretRef::Arn(ARN.into())]);
        assert!(e.is_read() && !e.is_write() && !e.failed());
        assert_eq!(e.principal_label(), "bob");
    }

    #[test]
    fn panther_times_offsets_and_fractions_are_utc() {
        let at = |t: &str| parse(json!({"eventTime": t})).time.to_rfc3339();
        assert_eq!(
            at("2024-10-17 21:48:45.000000000"),
            "2024-10-17T21:48:45+00:00"
        );
        assert_eq!(at("2024-10-17T23:48:45+02:00"), "2024-10-17T21:48:45+00:00");
        assert_eq!(
            at("2024-10-17T21:48:45.5Z"),
            "2024-10-17T21:48:45.500+00:00"
        );
        assert_eq!(at("2024-10-17T21:48:45"), "2024-10-17T21:48:45+00:00");
    }

    #[test]
    fn read_only_may_be_a_boolean_or_a_string() {
        let ro = |v: Value| parse(json!({"readOnly": v})).read_only;
        assert_eq!(ro(json!(true)), Some(true));
        assert_eq!(ro(json!("false")), Some(false));
        assert_eq!(ro(json!("TRUE")), Some(true));
        assert_eq!(ro(json!("maybe")), None);
        assert_eq!(parse_record(&record(json!({}))).unwrap().read_only, None);
    }

    #[test]
    fn account_ids_are_kept_as_written() {
        let e = parse(json!({"recipientAccountId": "000000000"}));
        assert_eq!(e.account.as_deref(), Some("000000000"));
        let e = parse(json!({"recipientAccountId": null}));
        assert_eq!(e.account.as_deref(), Some("111122223333"));
    }

    #[test]
    fn service_event_with_invoked_by_only() {
        let e = parse(json!({
            "eventName": "RotationFailed", "eventType": "AwsServiceEvent",
            "userIdentity": {"accountId": "111122223333", "invokedBy": SM},
            "errorMessage": "Error when executing lambda during setSecret step",
            "requestParameters": null,
            "additionalEventData": {"SecretId": ARN},
        }));
        assert_eq!(e.kind, EventKind::AwsServiceEvent);
        assert_eq!(e.principal.kind, PrincipalKind::AwsService);
        assert_eq!(e.secrets, vec![SecretRef::Arn(ARN.into())]);
        assert!(e.failed() && !e.is_write() && !e.is_read());
    }

    #[test]
    fn legacy_arn_key_in_response_elements() {
        let e = parse(json!({
            "eventName": "DeleteSecret",
            "requestParameters": {"secretId": "prod/db", "recoveryWindowInDays": 30},
            "responseElements": {"name": "prod/db", "aRN": ARN, "deletionDate": "May 3, 2018 5:51:02 PM"},
        }));
        assert_eq!(
            e.secrets,
            vec![
                SecretRef::Name("prod/db".into()),
                SecretRef::Arn(ARN.into())
            ]
        );
        assert!(e.is_write());
    }

    #[test]
    fn null_request_parameters_touch_nothing() {
        let e = parse(
            json!({"eventName": "ListSecrets", "requestParameters": null,
                             "errorCode": "AccessDenied"}),
        );
        assert!(e.secrets.is_empty() && e.failed());
    }

    #[test]
    fn secret_id_list_and_filters() {
        let other = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api";
        let e = parse(json!({
            "eventName": "BatchGetSecretValue",
            "requestParameters": {"secretIdList": [ARN, other, ARN],
                                  "filters": [{"key": "tag-key", "values": ["team"]}]},
        }));
        assert_eq!(
            e.secrets,
            vec![
                SecretRef::Arn(ARN.into()),
                SecretRef::PartialArn(other.into()),
                SecretRef::Filter {
                    key: "tag-key".into(),
                    values: vec!["team".into()]
                },
            ]
        );
        assert!(e.is_read());
    }

    #[test]
    fn vpc_endpoint_and_resources() {
        let e = parse(json!({
            "vpcEndpointId": "vpce-0123456789abcdef0",
            "resources": [{"type": "AWS::SecretsManager::Secret", "ARN": ARN},
                          {"type": "AWS::KMS::Key", "ARN": "arn:aws:kms:us-east-1:111122223333:key/k"}],
        }));
        assert_eq!(e.vpc_endpoint.as_deref(), Some("vpce-0123456789abcdef0"));
        assert_eq!(e.secrets, vec![SecretRef::Arn(ARN.into())]);
    }

    #[test]
    fn create_secret_names_the_new_secret() {
        let e = parse(
            json!({"eventName": "CreateSecret", "requestParameters": {"name": "prod/new"},
                             "responseElements": {"arn": ARN}}),
        );
        assert_eq!(
            e.secrets,
            vec![
                SecretRef::Name("prod/new".into()),
                SecretRef::Arn(ARN.into())
            ]
        );
    }

    #[test]
    fn other_services_are_generic_events_without_secret_refs() {
        let e = parse(json!({
            "eventSource": "kms.amazonaws.com", "eventName": "Decrypt",
            "requestParameters": {"encryptionContext": {"SecretARN": ARN}, "secretId": ARN},
        }));
        assert!(e.secrets.is_empty() && !e.is_read() && !e.is_secrets_manager());
    }

    #[test]
    fn missing_event_id_gets_a_stable_synthetic_one() {
        let mut a = record(json!({}));
        a.as_object_mut().unwrap().remove("eventID");
        let id = parse_record(&a).unwrap().event_id;
        assert!(id.starts_with("sha256:") && id.len() == 7 + 64);
        let reordered: Value = serde_json::from_str(&a.to_string()).unwrap();
        assert_eq!(parse_record(&reordered).unwrap().event_id, id);
        a["eventName"] = json!("DescribeSecret");
        assert_ne!(parse_record(&a).unwrap().event_id, id);
    }

    #[test]
    fn errors_name_the_field() {
        let err = |extra: Value| parse_record(&record(extra)).unwrap_err();
        assert_eq!(err(json!({"eventTime": null})), "eventTime is missing");
        assert_eq!(
            err(json!({"eventTime": "yesterday"})),
            "eventTime \"yesterday\" is not a date and time"
        );
        assert_eq!(
            err(json!({"eventName": 7})),
            "eventName is a number instead of a non-empty string"
        );
        assert_eq!(
            parse_record(&json!([1])).unwrap_err(),
            "record is an array instead of an object"
        );
    }
}
