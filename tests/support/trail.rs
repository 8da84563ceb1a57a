//! CloudTrail helpers for tests: page through LookupEvents and read the records.

use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::types::{Event, LookupAttribute, LookupAttributeKey};
use serde_json::Value;

/// Every event LookupEvents returns for one attribute (or none), following NextToken.
/// The emulator's LookupEvents quota must be off (`set_config({"lookup_events_tps": 0})`)
/// or the pages must come slowly enough.
pub async fn lookup_all(ct: &Client, attr: Option<(LookupAttributeKey, &str)>) -> Vec<Event> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..1000 {
        let mut req = ct.lookup_events().max_results(50);
        if let Some((key, value)) = &attr {
            req = req.lookup_attributes(
                LookupAttribute::builder()
                    .attribute_key(key.clone())
                    .attribute_value(*value)
                    .build()
                    .expect("lookup attribute"),
            );
        }
        if let Some(t) = token.take() {
            req = req.next_token(t);
        }
        let out = req.send().await.expect("LookupEvents");
        events.extend(out.events().iter().cloned());
        match out.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => return events,
        }
    }
    panic!("LookupEvents pagination did not end");
}

/// The CloudTrail record of an event (its CloudTrailEvent JSON string, parsed).
pub fn record(event: &Event) -> Value {
    serde_json::from_str(event.cloud_trail_event().expect("CloudTrailEvent")).expect("record JSON")
}

/// Events' names, newest first.
pub fn names(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| e.event_name().unwrap_or_default().to_string())
        .collect()
}
