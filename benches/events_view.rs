//! One frame of the events view with 100,000 events at 200x50 (target < 1 ms).

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use strongroom::app::{Action, Msg, State, update};
use strongroom::testing::fixtures;
use strongroom::tui::keymap::Keymap;
use strongroom::tui::theme::Theme;
use strongroom::tui::views::render;

fn events(n: usize) -> Vec<strongroom::trail::AccessEvent> {
    let secrets = fixtures::secrets(500, "us-east-1");
    (0..n)
        .filter_map(|i| {
            let s = &secrets[i % secrets.len()];
            let t = Utc.with_ymd_and_hms(2026, 8, 22, 0, 0, 0).unwrap()
                + chrono::Duration::seconds((i as i64) * 77);
            strongroom::trail::parse_record(&json!({
                "eventVersion": "1.11",
                "userIdentity": {"type": "AssumedRole",
                    "arn": format!("arn:aws:sts::111122223333:assumed-role/app-{}/i-{i:08x}", i % 40),
                    "accountId": "111122223333",
                    "sessionContext": {"sessionIssuer": {"type": "Role",
                        "arn": format!("arn:aws:iam::111122223333:role/app-{}", i % 40)}}},
                "eventTime": t.to_rfc3339(),
                "eventSource": "secretsmanager.amazonaws.com",
                "eventName": if i % 10 == 0 { "DescribeSecret" } else { "GetSecretValue" },
                "awsRegion": "us-east-1",
                "sourceIPAddress": format!("10.0.{}.{}", i % 200, i % 250),
                "userAgent": "aws-sdk-go-v2/1.30.3",
                "requestParameters": {"secretId": s.arn},
                "eventID": format!("ev-{i}"),
                "eventType": "AwsApiCall",
                "recipientAccountId": "111122223333"
            }))
            .ok()
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    let mut state: State = fixtures::loaded_state(500, now);
    strongroom::app::update::events::index(&mut state, events(100_000));
    update(
        &mut state,
        Msg::Resize {
            width: 200,
            height: 50,
        },
    );
    update(&mut state, Msg::Action(Action::Command));
    for ch in "events".chars() {
        update(
            &mut state,
            Msg::Prompt(strongroom::app::msg::PromptKey::Char(ch)),
        );
    }
    update(
        &mut state,
        Msg::Prompt(strongroom::app::msg::PromptKey::Submit),
    );
    assert_eq!(state.ev.rows.len(), 100_000);
    let keymap = Keymap::defaults();
    let theme = Theme::new(true);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    c.bench_function("render events frame, 100k events, 200x50", |b| {
        b.iter(|| {
            terminal
                .draw(|f| render(f, &state, &keymap, &theme))
                .unwrap();
        })
    });
}

criterion_group!(events_view, benches);
criterion_main!(events_view);
