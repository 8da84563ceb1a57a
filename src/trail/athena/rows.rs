//! Athena result rows back into CloudTrail records, so they become the same [`AccessEvent`]s as
//! LookupEvents pages and log files do.

use serde_json::{Map, Value, json};

use super::sql::SELECTED;
use crate::trail::{AccessEvent, parse_record};

/// The header row names the columns; a column Strongroom needs that the table lacks is named.
pub fn check_header(header: &[String]) -> Result<(), String> {
    let missing: Vec<&str> = SELECTED
        .iter()
        .map(|(_, alias)| *alias)
        .filter(|alias| !header.iter().any(|h| h.eq_ignore_ascii_case(alias)))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the Athena answer lacks the column(s) {}",
            missing.join(", ")
        ))
    }
}

/// One row (values in `header` order, None for NULL) as an access event.
pub fn event(header: &[String], row: &[Option<String>]) -> Result<AccessEvent, String> {
    let get = |name: &str| -> Option<&str> {
        let i = header.iter().position(|h| h.eq_ignore_ascii_case(name))?;
        row.get(i)?.as_deref().filter(|v| !v.is_empty())
    };
    let text = |name: &str| get(name).map_or(Value::Null, |v| Value::String(v.to_string()));
    let embedded = |name: &str| {
        get(name).map_or(Value::Null, |v| {
            serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string()))
        })
    };
    let mut identity = Map::new();
    for (key, column) in [
        ("type", "identity_type"),
        ("arn", "identity_arn"),
        ("accountId", "identity_account"),
        ("principalId", "identity_principal"),
        ("invokedBy", "identity_invoked_by"),
    ] {
        if let Some(v) = get(column) {
            identity.insert(key.into(), Value::String(v.into()));
        }
    }
    if let Some(issuer_arn) = get("issuer_arn") {
        identity.insert(
            "sessionContext".into(),
            json!({"sessionIssuer": {
                "type": get("issuer_type"),
                "arn": issuer_arn,
                "accountId": get("issuer_account"),
                "userName": get("issuer_name"),
            }}),
        );
    }
    let record = json!({
        "eventID": text("eventid"),
        "eventTime": text("eventtime"),
        "eventSource": text("eventsource"),
        "eventName": text("eventname"),
        "awsRegion": text("awsregion"),
        "recipientAccountId": text("recipientaccountid"),
        "sourceIPAddress": text("sourceipaddress"),
        "userAgent": text("useragent"),
        "errorCode": text("errorcode"),
        "errorMessage": text("errormessage"),
        "readOnly": text("readonly"),
        "eventType": text("eventtype"),
        "requestID": text("requestid"),
        "requestParameters": embedded("requestparameters"),
        "responseElements": embedded("responseelements"),
        "userIdentity": Value::Object(identity),
    });
    parse_record(&record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Vec<String> {
        SELECTED.iter().map(|(_, a)| (*a).to_string()).collect()
    }

    fn row(pairs: &[(&str, &str)]) -> Vec<Option<String>> {
        header()
            .iter()
            .map(|h| {
                pairs
                    .iter()
                    .find(|(k, _)| k == h)
                    .map(|(_, v)| (*v).to_string())
            })
            .collect()
    }

    #[test]
    fn a_row_becomes_the_same_event_as_its_record() {
        let r = row(&[
            ("eventid", "e-1"),
            ("eventtime", "2026-11-20T08:00:00Z"),
            ("eventsource", "secretsmanager.amazonaws.com"),
            ("eventname", "GetSecretValue"),
            ("awsregion", "us-east-1"),
            ("recipientaccountid", "210987654321"),
            ("readonly", "true"),
            ("eventtype", "AwsApiCall"),
            ("requestparameters", r#"{"secretId":"prod/db"}"#),
            ("identity_type", "AssumedRole"),
            (
                "identity_arn",
                "arn:aws:sts::210987654321:assumed-role/app/i-123",
            ),
            ("issuer_type", "Role"),
            ("issuer_arn", "arn:aws:iam::210987654321:role/app"),
            ("issuer_name", "app"),
        ]);
        let e = event(&header(), &r).unwrap();
        assert_eq!(e.event_id, "e-1");
        assert_eq!(e.account.as_deref(), Some("210987654321"));
        assert_eq!(e.read_only, Some(true));
        assert_eq!(e.secrets.len(), 1);
        assert!(
            e.principal.label().contains("app"),
            "{}",
            e.principal.label()
        );
        assert!(check_header(&header()).is_ok());
    }

    #[test]
    fn a_missing_column_is_named_and_a_bad_row_says_why() {
        let mut h = header();
        h.retain(|c| c != "requestparameters");
        let err = check_header(&h).unwrap_err();
        assert!(err.contains("requestparameters"), "{err}");
        let bad = row(&[("eventid", "e-2")]);
        assert!(event(&header(), &bad).unwrap_err().contains("eventTime"));
    }
}
