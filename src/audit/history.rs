//! Rotation outcomes from CloudTrail: the latest RotationFailed and RotationSucceeded per secret.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::Secret;
use crate::trail::{AccessEvent, resolve};

/// What CloudTrail says about rotations: the latest failure and success per secret ARN.
#[derive(Debug, Clone, Default)]
pub struct RotationHistory {
    pub last_failed: HashMap<String, DateTime<Utc>>,
    pub last_succeeded: HashMap<String, DateTime<Utc>>,
}

pub fn rotation_history<S: std::borrow::Borrow<Secret>>(
    events: &[AccessEvent],
    secrets: &[S],
) -> RotationHistory {
    let mut h = RotationHistory::default();
    for e in events {
        let map = match e.name.as_str() {
            "RotationFailed" => &mut h.last_failed,
            "RotationSucceeded" => &mut h.last_succeeded,
            _ => continue,
        };
        for r in &e.secrets {
            for arn in resolve(r, secrets, e.account.as_deref(), &e.region) {
                let slot = map.entry(arn).or_insert(e.time);
                if *slot < e.time {
                    *slot = e.time;
                }
            }
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trail::parse_record;
    use serde_json::json;

    fn service_event(name: &str, arn: &str, time: &str) -> AccessEvent {
        parse_record(&json!({
            "eventVersion": "1.08",
            "userIdentity": {"accountId": "111122223333", "invokedBy": "secretsmanager.amazonaws.com"},
            "eventTime": time,
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": name,
            "awsRegion": "us-east-1",
            "eventID": format!("{name}-{time}"),
            "eventType": "AwsServiceEvent",
            "additionalEventData": {"SecretId": arn},
            "recipientAccountId": "111122223333"
        }))
        .unwrap()
    }

    #[test]
    fn the_latest_outcome_of_each_kind_is_kept_per_secret() {
        let s = crate::testing::fixtures::secrets(1, "us-east-1").remove(0);
        let events = vec![
            service_event("RotationSucceeded", &s.arn, "2026-10-01T00:00:00Z"),
            service_event("RotationFailed", &s.arn, "2026-11-01T00:00:00Z"),
            service_event("RotationFailed", &s.arn, "2026-10-15T00:00:00Z"),
        ];
        let h = rotation_history(&events, std::slice::from_ref(&s));
        assert_eq!(
            h.last_failed[&s.arn].to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert_eq!(
            h.last_succeeded[&s.arn].to_rfc3339(),
            "2026-10-01T00:00:00+00:00"
        );
    }
}
