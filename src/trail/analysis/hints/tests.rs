//! Each hint fires on its pattern and stays quiet on normal traffic.

use super::super::testing::*;
use super::*;

const WINDOW: (&str, &str) = ("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z");

fn hints(events: Vec<crate::trail::AccessEvent>) -> Vec<Hint> {
    EventIndex::build(events, &inventory()).hints(at(WINDOW.0), at(WINDOW.1))
}

/// Bob reads prod/db from 192.0.2.10 every hour from 09:00 to 17:00 on the ten days before
/// the window.
fn routine() -> Vec<crate::trail::AccessEvent> {
    (10..20)
        .flat_map(|day| {
            (9..=17).map(move |hour| {
                Rec::read(&format!("2026-11-{day:02}T{hour:02}:05:00Z"))
                    .secret("prod/db")
                    .event()
            })
        })
        .collect()
}

fn with(
    mut events: Vec<crate::trail::AccessEvent>,
    more: Vec<Rec>,
) -> Vec<crate::trail::AccessEvent> {
    events.extend(more.into_iter().map(Rec::event));
    events
}

#[test]
fn routine_traffic_gives_no_hints() {
    let today = (9..=17)
        .map(|h| Rec::read(&format!("2026-11-20T{h:02}:05:00Z")).secret("prod/db"))
        .collect();
    assert_eq!(hints(with(routine(), today)), []);
}

#[test]
fn new_principal_and_ip_need_a_baseline() {
    let newcomer = || {
        vec![
            Rec::read("2026-11-20T10:00:00Z")
                .secret("prod/db")
                .user("mallory")
                .ip("203.0.113.9"),
            Rec::read("2026-11-20T10:01:00Z")
                .secret("prod/db")
                .user("mallory")
                .ip("203.0.113.9"),
            Rec::read("2026-11-20T11:00:00Z")
                .secret("prod/db")
                .ip("secretsmanager.amazonaws.com"),
        ]
    };
    let found = hints(with(routine(), newcomer()));
    assert_eq!(
        found,
        [
            Hint::NewPrincipal {
                key: "arn:aws:iam::111122223333:user/mallory".into(),
                label: "mallory".into(),
                first_seen: at("2026-11-20T10:00:00Z"),
            },
            Hint::NewIp {
                ip: "203.0.113.9".into(),
                principal_key: "arn:aws:iam::111122223333:user/mallory".into(),
                first_seen: at("2026-11-20T10:00:00Z"),
            },
        ]
    );
    assert!(found[0].message().contains("new principal mallory"));
    assert_eq!(hints(with(Vec::new(), newcomer())), [], "no baseline");
}

#[test]
fn access_denied_burst() {
    let denied = |minute: u32| {
        Rec::read(&format!("2026-11-20T10:{minute:02}:00Z"))
            .secret("prod/api")
            .error("AccessDenied")
    };
    let burst = hints(with(routine(), (0..6).map(|m| denied(m * 2)).collect()));
    assert_eq!(
        burst,
        [Hint::AccessDeniedBurst {
            principal_key: BOB_ARN.into(),
            label: "bob".into(),
            count: 6,
            from: at("2026-11-20T10:00:00Z"),
            to: at("2026-11-20T10:10:00Z"),
        }]
    );
    let spread = hints(with(routine(), (0..6).map(|m| denied(m * 11)).collect()));
    assert_eq!(spread, [], "one denial every eleven minutes");
    let few = hints(with(routine(), (0..4).map(denied).collect()));
    assert_eq!(few, []);
}

#[test]
fn enumeration_by_list_and_filtered_batch() {
    let found = hints(with(
        routine(),
        vec![
            Rec::new("ListSecrets", "2026-11-20T10:00:00Z"),
            Rec::read("2026-11-20T10:03:00Z").filters(),
        ],
    ));
    assert_eq!(
        found,
        [Hint::Enumeration {
            principal_key: BOB_ARN.into(),
            label: "bob".into(),
            list_calls: 1,
            batch_calls: 1,
            secrets_touched: 0,
            from: at("2026-11-20T10:00:00Z"),
            to: at("2026-11-20T10:03:00Z"),
        }]
    );
    let list_only = hints(with(
        routine(),
        vec![Rec::new("ListSecrets", "2026-11-20T10:00:00Z")],
    ));
    assert_eq!(list_only, []);
}

#[test]
fn enumeration_by_reading_many_new_secrets() {
    let sweep = |count: u32, step: u32| -> Vec<Rec> {
        (0..count)
            .map(|n| {
                Rec::read(&format!("2026-11-20T10:{:02}:00Z", n * step)).secret(&format!("svc/{n}"))
            })
            .collect()
    };
    let found = hints(with(routine(), sweep(6, 1)));
    assert!(
        matches!(
            &found[..],
            [Hint::Enumeration {
                secrets_touched: 6,
                list_calls: 0,
                ..
            }]
        ),
        "{found:?}"
    );
    assert_eq!(hints(with(routine(), sweep(4, 1))), []);
    assert_eq!(
        hints(with(routine(), sweep(6, 5))),
        [],
        "spread over 25 minutes"
    );
    // Five secrets it reads every day are routine, not enumeration.
    let daily: Vec<Rec> = (10..20)
        .flat_map(|day| (0..5).map(move |n| (day, n)))
        .map(|(day, n)| {
            Rec::read(&format!("2026-11-{day}T10:0{n}:00Z")).secret(&format!("svc/{n}"))
        })
        .chain(sweep(5, 1))
        .collect();
    assert_eq!(hints(with(routine(), daily)), []);
}

#[test]
fn off_hours_against_a_nine_to_five_reader() {
    let found = hints(with(
        routine(),
        vec![
            Rec::read("2026-11-20T14:00:00Z").secret("prod/db"),
            Rec::read("2026-11-20T18:30:00Z").secret("prod/db"),
            Rec::read("2026-11-20T03:00:00Z").secret("prod/db"),
            Rec::read("2026-11-20T03:40:00Z").secret("prod/db"),
        ],
    ));
    assert_eq!(
        found,
        [Hint::OffHours {
            principal_key: BOB_ARN.into(),
            label: "bob".into(),
            time: at("2026-11-20T03:00:00Z"),
            reads: 2,
            usual: "09-18 UTC".into(),
        }]
    );
    assert_eq!(
        found[0].message(),
        "bob: 2 reads from 2026-11-20 03:00 UTC, outside its usual 09-18 UTC"
    );
}

#[test]
fn off_hours_needs_twenty_baseline_reads() {
    let thin: Vec<Rec> = (0..19)
        .map(|n| Rec::read(&format!("2026-11-{:02}T10:00:00Z", n + 1)).secret("prod/db"))
        .chain([Rec::read("2026-11-20T03:00:00Z").secret("prod/db")])
        .collect();
    assert_eq!(hints(with(Vec::new(), thin)), []);
}

#[test]
fn usual_hours_wrap_midnight_and_round_the_clock_readers_are_not_judged() {
    let mut night = [0; 24];
    for h in [22, 23, 0, 1, 2] {
        night[h] = 10;
    }
    let usual = UsualHours::learn(&night).unwrap();
    assert_eq!(usual.to_string(), "22-03 UTC");
    assert!(usual.covers(0) && usual.covers(21) && usual.covers(3) && !usual.covers(12));
    assert_eq!(UsualHours::learn(&[5; 24]), None);
}

#[test]
fn hints_for_a_secret_look_only_at_that_secret() {
    let events = with(
        routine(),
        vec![
            Rec::read("2026-11-20T10:00:00Z")
                .secret("prod/api")
                .user("mallory"),
            Rec::read("2026-11-20T10:05:00Z")
                .secret("prod/db")
                .region("eu-west-1")
                .role("dr-runner", "drill"),
        ],
    );
    let index = EventIndex::build(events, &inventory());
    let db = [DB.to_string(), DB_REPLICA.to_string()];
    let found = index.hints_for_secret(&db, at(WINDOW.0), at(WINDOW.1));
    let keys: Vec<&str> = found.iter().map(Hint::principal_key).collect();
    assert_eq!(keys, ["arn:aws:iam::111122223333:role/dr-runner"]);
    let api = index.hints_for_secret(&[API.to_string()], at(WINDOW.0), at(WINDOW.1));
    assert_eq!(api, [], "prod/api has no baseline");
    assert_eq!(index.hints(at(WINDOW.0), at(WINDOW.1)).len(), 2);
}

#[test]
fn severity_orders_hints() {
    let t = at(WINDOW.0);
    let burst = Hint::AccessDeniedBurst {
        principal_key: "p".into(),
        label: "p".into(),
        count: 5,
        from: t,
        to: t,
    };
    let ip = Hint::NewIp {
        ip: "192.0.2.1".into(),
        principal_key: "p".into(),
        first_seen: t,
    };
    assert!(burst.severity() > ip.severity());
}
