//! Live CloudTrail fetches in the update loop: pages land when a fetch ends, stale pages are
//! dropped, Esc keeps what arrived, and the sources that answered (trail, LookupEvents) are said.

use chrono::{TimeZone, Utc};

use crate::app::{Action, Effect, Msg, State, update};
use crate::domain::Cell;
use crate::testing::fixtures;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

/// A loaded fixture fleet with a live fetch of the last `days` started: the state, the first
/// secret's ARN and the fetch's request ids (one per cell).
fn live_fetch(days: i64) -> (State, String, Vec<u64>) {
    let mut state = fixtures::loaded_state(3, now());
    state.live_events = true;
    let arn = state.inventory.entries[0].secret.arn.clone();
    let effects =
        super::events::start_fetch(&mut state, now() - chrono::Duration::days(days), now());
    let requests = effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchEvents { request, .. } => Some(*request),
            _ => None,
        })
        .collect();
    (state, arn, requests)
}

fn read_event(id: &str, secret_arn: &str) -> crate::trail::AccessEvent {
    crate::trail::parse_record(&serde_json::json!({
        "eventVersion": "1.11",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ops",
                         "accountId": "111122223333", "userName": "ops"},
        "eventTime": "2026-11-20T08:00:00Z",
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": "GetSecretValue",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "requestParameters": {"secretId": secret_arn},
        "eventID": id,
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    }))
    .unwrap()
}

#[test]
fn live_fetch_pages_land_when_it_ends_and_esc_keeps_what_arrived() {
    let (mut state, arn, requests) = live_fetch(1);
    assert_eq!(requests.len(), 2, "one fetch per cell");
    let progress = crate::source::FetchProgress::default();
    update(
        &mut state,
        Msg::EventsPage {
            request: requests[0],
            events: vec![read_event("a", &arn)],
            progress: progress.clone(),
        },
    );
    // A page from a request nobody is waiting for is dropped.
    update(
        &mut state,
        Msg::EventsPage {
            request: 999,
            events: vec![read_event("x", &arn)],
            progress: progress.clone(),
        },
    );
    assert_eq!(state.ev.fetch.as_ref().unwrap().events, 1);
    assert!(state.events.events.is_empty(), "indexed only at the end");
    update(
        &mut state,
        Msg::EventsDone {
            request: requests[0],
            cell: Cell::new(fixtures::ACCOUNT, "us-east-1"),
            result: Ok(()),
        },
    );
    assert!(state.ev.fetch.is_some(), "the other cell still runs");
    update(
        &mut state,
        Msg::EventsPage {
            request: requests[1],
            events: vec![read_event("b", &arn), read_event("a", &arn)],
            progress,
        },
    );
    let cancel = update(&mut state, Msg::Action(Action::Back));
    assert_eq!(
        cancel,
        vec![Effect::CancelFetch {
            requests: vec![requests[1]]
        }]
    );
    assert!(state.ev.fetch.is_none());
    let ids: Vec<&str> = state
        .events
        .events
        .iter()
        .map(|e| e.event_id.as_str())
        .collect();
    assert_eq!(ids.len(), 2, "de-duplicated by event id: {ids:?}");
    assert_eq!(state.events.arns[0], vec![arn]);
}

#[test]
fn a_fetch_the_trail_answered_says_which_source_covered_what() {
    let (mut state, arn, requests) = live_fetch(90);
    let until = now() - chrono::Duration::minutes(20);
    let from_trail = crate::source::FetchProgress {
        trail: Some(crate::source::TrailPart {
            source: "trails.org".into(),
            until,
        }),
        ..Default::default()
    };
    for (i, request) in requests.iter().enumerate() {
        let id = format!("t{i}");
        let page = |events, progress| Msg::EventsPage {
            request: *request,
            events,
            progress,
        };
        update(
            &mut state,
            page(vec![read_event(&id, &arn)], from_trail.clone()),
        );
        let f = state.ev.fetch.as_ref().unwrap();
        assert_eq!(
            (f.trail_events, f.pages),
            (i + 1, i),
            "trail pages are not LookupEvents'"
        );
        assert_eq!(
            f.trail.as_ref().map(|t| t.source.as_str()),
            Some("trails.org")
        );
        update(
            &mut state,
            page(
                vec![read_event(&format!("l{i}"), &arn)],
                crate::source::FetchProgress::default(),
            ),
        );
        update(
            &mut state,
            Msg::EventsDone {
                request: *request,
                cell: Cell::new(fixtures::ACCOUNT, "us-east-1"),
                result: Ok(()),
            },
        );
    }
    let notice = state.notice.clone().expect("the sources are said");
    assert_eq!(
        notice.text,
        format!(
            "Events: 2 from the organization trail trails.org up to {} UTC, 2 from \
             LookupEvents after (the trail delivers with a lag)",
            until.format("%m-%d %H:%M")
        )
    );
    assert_eq!(state.events.events.len(), 4);
}
