use aws_sdk_cloudtrail::types::Event;
use serde_json::{Value, json};

use super::*;

fn record(id: &str, name: &str, source: &str, agent: &str) -> Value {
    json!({
        "eventID": id,
        "eventTime": "2026-11-20T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "eventType": "AwsApiCall",
        "userAgent": agent,
        "recipientAccountId": "123456789012",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
        "requestParameters": {"secretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"},
    })
}

fn sm(id: &str, name: &str, agent: &str) -> Value {
    record(id, name, "secretsmanager.amazonaws.com", agent)
}

fn answer(records: &[Value], raw: &[&str]) -> LookupEventsOutput {
    let mut events: Vec<Event> = records
        .iter()
        .map(|r| {
            Event::builder()
                .event_id(r["eventID"].as_str().unwrap_or_default())
                .cloud_trail_event(r.to_string())
                .build()
        })
        .collect();
    events.extend(raw.iter().map(|text| {
        Event::builder()
            .event_id("raw")
            .cloud_trail_event(*text)
            .build()
    }));
    LookupEventsOutput::builder()
        .set_events(Some(events))
        .build()
}

fn offline_client() -> aws_sdk_cloudtrail::Client {
    let conf = aws_sdk_cloudtrail::Config::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .build();
    aws_sdk_cloudtrail::Client::from_conf(conf)
}

#[test]
fn default_queries_name_every_event_once_and_never_describe_secret() {
    let queries = default_queries();
    assert_eq!(queries.len(), 22);
    let keys: HashSet<String> = queries.iter().map(Query::key).collect();
    assert_eq!(keys.len(), 22);
    assert!(keys.contains("EventName=GetSecretValue"));
    assert!(keys.contains("EventName=RotationAbandoned"));
    assert!(!keys.contains("EventName=DescribeSecret"));
    assert!(queries.iter().all(|q| matches!(q, Query::EventName(_))));
}

#[test]
fn queries_match_stored_events_by_name_or_secret() {
    let event = parse_record(&sm("1", "GetSecretValue", "aws-cli/2")).unwrap();
    assert!(Query::EventName("GetSecretValue".into()).matches(&event));
    assert!(!Query::EventName("PutSecretValue".into()).matches(&event));
    assert!(Query::ResourceName("prod/db".into()).matches(&event));
    assert!(
        Query::ResourceName(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf".into()
        )
        .matches(&event)
    );
    assert!(!Query::ResourceName("prod/other".into()).matches(&event));
}

#[tokio::test]
async fn a_page_keeps_secrets_manager_events_and_counts_the_rest() {
    let client = offline_client();
    let limiter = RateLimiter::new(100.0, 1);
    let cell = Cell::new("123456789012", "us-east-1");
    let cancel = CancellationToken::new();
    let mut fetcher = Fetcher::new(&client, &limiter, &cell, &cancel);
    let ours = "aws-sdk-rust/1.3 os/linux lang/rust/1.90 app/strongroom";
    let out = answer(
        &[
            sm("a", "GetSecretValue", "aws-cli/2"),
            sm("b", "ListSecrets", ours),
            // A value read that claims to be us is still evidence: Strongroom never reads values.
            sm("c", "GetSecretValue", ours),
            record("d", "TagResource", "lambda.amazonaws.com", "console"),
            sm("a", "GetSecretValue", "aws-cli/2"),
            json!({"eventID": "e", "eventName": "GetSecretValue"}),
        ],
        &["{not json"],
    );
    let page = fetcher.page(&out, true);
    let ids: Vec<&str> = page.events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, ["a", "c"]);
    assert!(page.more);
    assert!(page.oldest_seen.is_some());
    let p = &fetcher.progress;
    assert_eq!((p.events, p.own, p.other_services, p.skipped), (2, 1, 1, 2));
    assert_eq!(p.problems.len(), 2);
    assert!(
        p.problems[0].contains("eventTime is missing"),
        "{:?}",
        p.problems
    );
    assert_eq!(p.oldest, p.newest);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_fetch_returns_at_once_with_nothing() {
    let client = offline_client();
    let limiter = RateLimiter::new(2.0, 1);
    let cell = Cell::new("123456789012", "us-east-1");
    let cancel = CancellationToken::new();
    cancel.cancel();
    let now = Utc::now();
    let progress = fetch(
        &client,
        &limiter,
        &cell,
        &default_queries(),
        now - TimeDelta::days(1),
        now,
        &|_, _| panic!("no page expected"),
        &cancel,
    )
    .await
    .unwrap();
    assert!(progress.cancelled);
    assert_eq!(progress.calls, 0);
}

#[test]
fn times_keep_their_sub_second_part() {
    let t = DateTime::parse_from_rfc3339("2026-11-20T10:00:00.250Z")
        .unwrap()
        .with_timezone(&Utc);
    let s = smithy_time(t);
    assert_eq!(s.secs(), t.timestamp());
    assert_eq!(s.subsec_nanos(), 250_000_000);
}

#[test]
fn a_refresh_of_a_few_minutes_asks_once_by_event_source() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    let mut store = EvidenceStore::open(dir.path(), "123456789012").unwrap();
    let cell = Cell::new("123456789012", "us-east-1");
    let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let t1 = Utc.with_ymd_and_hms(2026, 11, 8, 0, 0, 0).unwrap();
    let names = default_queries();
    // A first fetch of a short window: by source.
    let hour = t0 + TimeDelta::hours(1);
    let (short, _, window) = plan(&store, &cell, &names, t0, hour).unwrap();
    assert_eq!(short.len(), 1);
    assert_eq!(window, (t0, hour));
    // A first fetch of a week: by name, over the whole window.
    let (first, also, window) = plan(&store, &cell, &names, t0, t1).unwrap();
    assert_eq!(first, names);
    assert!(also.is_empty());
    assert_eq!(window, (t0, t1));
    for q in &names {
        store.record_window("us-east-1", &q.key(), t0, t1).unwrap();
    }
    // Thirty minutes later: one lookup by source over what is missing, recorded for every name.
    let later = t1 + TimeDelta::minutes(30);
    let (refresh, also, window) = plan(&store, &cell, &names, t0, later).unwrap();
    assert_eq!(
        refresh,
        vec![Query::EventSource("secretsmanager.amazonaws.com".into())]
    );
    assert_eq!(also.len(), names.len());
    assert_eq!(window, (t1, later));
    // A day later: by name again, where skipping the console's own noise pays off.
    let (long, _, _) = plan(&store, &cell, &names, t0, t1 + TimeDelta::days(1)).unwrap();
    assert_eq!(long, names);
}
