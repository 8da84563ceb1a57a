//! Who-read pane tests: the window keys change who is listed, and the selected principal's
//! reads follow the cursor. Pure, no terminal.

use chrono::{Duration, TimeZone, Utc};

use crate::app::state::{State, View};
use crate::app::window::Preset;
use crate::app::{Action, Effect, Msg, update};
use crate::testing::fixtures;
use crate::trail::AccessEvent;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

/// A GetSecretValue of `arn` by IAM user `user`, `ago` before now.
fn read(id: &str, user: &str, arn: &str, ago: Duration, error: Option<&str>) -> AccessEvent {
    let mut record = serde_json::json!({
        "eventVersion": "1.11",
        "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{}:user/{user}", fixtures::ACCOUNT),
                         "accountId": fixtures::ACCOUNT, "userName": user},
        "eventTime": (now() - ago).to_rfc3339(),
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": "GetSecretValue",
        "awsRegion": "us-east-1",
        "sourceIPAddress": format!("198.51.100.{}", id.len()),
        "userAgent": format!("agent-of-{user}"),
        "requestParameters": {"secretId": arn},
        "eventID": id,
        "eventType": "AwsApiCall",
        "recipientAccountId": fixtures::ACCOUNT
    });
    if let Some(code) = error {
        record["errorCode"] = serde_json::json!(code);
    }
    crate::trail::parse_record(&record).unwrap()
}

/// The selected secret read by `ops` two hours ago (and denied twenty hours ago), and by `old-batch`
/// three days ago; the who-read pane open on it, window all.
fn pane() -> State {
    let mut state = fixtures::loaded_state(3, now());
    let arn = state.selected_entry().unwrap().secret.arn.clone();
    let entries = state.inventory.entries.iter();
    let other = entries
        .map(|e| e.secret.arn.clone())
        .find(|a| *a != arn)
        .unwrap();
    let events = vec![
        read("a", "ops", &arn, Duration::hours(2), None),
        read("bb", "ops", &arn, Duration::hours(20), Some("AccessDenied")),
        read("ccc", "ops", &other, Duration::hours(3), None),
        read("dddd", "old-batch", &arn, Duration::days(3), None),
    ];
    super::events::index(&mut state, events);
    update(&mut state, Msg::Action(Action::WhoRead));
    assert_eq!(state.view, View::WhoRead);
    state
}

fn labels(state: &State) -> Vec<&str> {
    state.ev.readers.iter().map(|r| r.label.as_str()).collect()
}

fn reads(state: &State) -> Vec<(chrono::DateTime<Utc>, &str, Option<&str>)> {
    state
        .ev
        .reader_reads
        .iter()
        .map(|&i| {
            let e = &state.events.events[i];
            (
                e.time,
                state.events.principal_label(i),
                e.error_code.as_deref(),
            )
        })
        .collect()
}

#[test]
fn w_narrows_the_readers_to_the_window_and_a_three_day_old_read_drops_out_at_24h() {
    let mut state = pane();
    assert_eq!(state.ev.preset, None);
    assert_eq!(labels(&state), ["ops", "old-batch"]);
    update(&mut state, Msg::Action(Action::WindowNext));
    assert_eq!(state.ev.preset, Some(Preset::Hour));
    assert!(labels(&state).is_empty(), "nobody read it in the last hour");
    update(&mut state, Msg::Action(Action::WindowNext));
    assert_eq!(state.ev.preset, Some(Preset::Day));
    assert_eq!(labels(&state), ["ops"], "old-batch read it 3 days ago");
    assert_eq!(
        (state.ev.readers[0].reads, state.ev.readers[0].denied),
        (1, 1)
    );
    // The number keys choose a window directly: 3 is 7d, 6 365d, 7 everything loaded.
    update(&mut state, Msg::Action(Action::Pick(3)));
    assert_eq!(labels(&state), ["ops", "old-batch"]);
    update(&mut state, Msg::Action(Action::Pick(2)));
    assert_eq!(labels(&state), ["ops"]);
    update(&mut state, Msg::Action(Action::Pick(6)));
    assert_eq!(state.ev.preset, Some(Preset::Year));
    update(&mut state, Msg::Action(Action::Pick(7)));
    assert_eq!(state.ev.preset, None);
    assert_eq!(state.view, View::WhoRead, "the keys never leave the pane");
}

#[test]
fn the_selected_principals_reads_are_listed_and_follow_the_cursor_and_window() {
    let mut state = pane();
    let bad = Some("AccessDenied");
    assert_eq!(
        reads(&state),
        [
            (now() - Duration::hours(2), "ops", None),
            (now() - Duration::hours(20), "ops", bad)
        ],
        "only ops's reads of this secret, newest first"
    );
    update(&mut state, Msg::Action(Action::Down));
    assert_eq!(
        reads(&state),
        [(now() - Duration::days(3), "old-batch", None)]
    );
    // The cursor stays on old-batch while it is still a reader in the window.
    update(&mut state, Msg::Action(Action::Pick(3)));
    assert_eq!(labels(&state)[state.ev.reader_cursor.selected], "old-batch");
    assert_eq!(reads(&state).len(), 1);
    // At 24h it is gone: the cursor falls on ops and lists its reads in the window.
    update(&mut state, Msg::Action(Action::Pick(2)));
    assert_eq!(state.ev.reader_cursor.selected, 0);
    assert_eq!(reads(&state).len(), 2);
    update(&mut state, Msg::Action(Action::Pick(1)));
    assert!(reads(&state).is_empty());
}

#[test]
fn widening_past_what_a_live_source_fetched_asks_cloudtrail_without_waiting() {
    let mut state = fixtures::loaded_state(3, now());
    state.live_events = true;
    let opened = update(&mut state, Msg::Action(Action::WhoRead));
    let starts = |effects: &[Effect]| -> Vec<chrono::DateTime<Utc>> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::FetchEvents { start, .. } => Some(*start),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        starts(&opened),
        [now() - Duration::days(7); 2],
        "first look: 7 days"
    );
    // 24h is inside what is being fetched: nothing new to ask.
    let day = update(&mut state, Msg::Action(Action::Pick(2)));
    assert!(starts(&day).is_empty(), "{day:?}");
    // 30d is wider: the running fetch is replaced by one for the whole window, as effects
    // the runtime spawns; the pane stays responsive meanwhile.
    let month = update(&mut state, Msg::Action(Action::Pick(4)));
    assert!(matches!(month[0], Effect::CancelFetch { .. }), "{month:?}");
    assert_eq!(starts(&month), [now() - Duration::days(30); 2]);
    assert!(state.ev.fetch.is_some());
    assert_eq!(state.view, View::WhoRead);
}
