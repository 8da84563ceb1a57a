//! Readers for CloudTrail's JSON fields and the service names, shared by parsing and the event's parts.

use serde_json::Value;

pub const SECRETS_MANAGER: &str = "secretsmanager.amazonaws.com";

/// A non-empty string field; anything else counts as absent.
pub(super) fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Account ids are strings in CloudTrail; some exporters turn them into numbers.
pub(super) fn account_id(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Number(n) => Some(n.to_string()),
        other => text(Some(other)),
    }
}
