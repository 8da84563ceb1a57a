//! Update tests: pure, no terminal, no async.

use chrono::{TimeZone, Utc};

use crate::app::msg::PromptKey;
use crate::app::state::View;
use crate::app::{Action, Effect, Mode, Msg, update};
use crate::domain::{Cell, CellHealth};
use crate::source::CellError;
use crate::testing::fixtures;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

#[test]
fn start_loads_every_cell_and_a_stale_result_is_dropped() {
    let mut state = fixtures::empty_state(now());
    let effects = super::start(&mut state);
    assert_eq!(effects.len(), 2);
    let Effect::LoadCell { request, cell } = effects[0].clone() else {
        panic!("{effects:?}")
    };
    // A refresh replaces the request; the old answer must not land.
    super::load::refresh(&mut state);
    update(
        &mut state,
        Msg::CellLoaded {
            request,
            cell: cell.clone(),
            at: now(),
            result: Ok(fixtures::secrets(3, &cell.region)),
        },
    );
    assert!(state.inventory.is_empty());
    assert_eq!(state.cells[&cell].health, CellHealth::Loading);
}

#[test]
fn a_failed_region_keeps_the_others_and_shows_why() {
    let mut state = fixtures::empty_state(now());
    let effects = super::start(&mut state);
    for e in effects {
        let Effect::LoadCell { request, cell } = e else {
            continue;
        };
        let result = if cell.region == "us-east-1" {
            Ok(fixtures::secrets(5, "us-east-1"))
        } else {
            Err(CellError::down("connection refused"))
        };
        update(
            &mut state,
            Msg::CellLoaded {
                request,
                cell,
                at: now(),
                result,
            },
        );
    }
    assert_eq!(state.inventory.len(), 5);
    assert_eq!(state.rows.len(), 5);
    let down = Cell::new(fixtures::ACCOUNT, "eu-west-1");
    assert_eq!(
        state.cells[&down].health,
        CellHealth::Down("connection refused".into())
    );
    assert_eq!(state.last_refresh, Some(now()));
}

#[test]
fn replicas_seen_in_another_region_trigger_one_describe() {
    let mut state = fixtures::empty_state(now());
    let effects = super::start(&mut state);
    let mut describes = Vec::new();
    for e in effects {
        let Effect::LoadCell { request, cell } = e else {
            continue;
        };
        let secrets = if cell.region == "us-east-1" {
            fixtures::secrets(2, "us-east-1")
        } else {
            vec![fixtures::replica_of(
                &fixtures::secrets(1, "us-east-1")[0],
                "eu-west-1",
            )]
        };
        describes.extend(update(
            &mut state,
            Msg::CellLoaded {
                request,
                cell,
                at: now(),
                result: Ok(secrets),
            },
        ));
    }
    assert_eq!(describes.len(), 1, "{describes:?}");
    assert_eq!(state.inventory.len(), 2);
    let Effect::DescribeReplication { secret, .. } = &describes[0] else {
        panic!()
    };
    assert_eq!(secret.region, "us-east-1");
}

#[test]
fn filter_narrows_as_you_type_and_esc_restores() {
    let mut state = fixtures::loaded_state(40, now());
    update(&mut state, Msg::Action(Action::Filter));
    assert_eq!(state.mode, Mode::Filter);
    for c in "svc-07".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    assert!(
        !state.rows.is_empty() && state.rows.len() < 40,
        "{}",
        state.rows.len()
    );
    let first = &state.inventory.entries[state.rows[0]].secret.name;
    assert!(first.contains("svc-07"), "{first}");
    update(&mut state, Msg::Prompt(PromptKey::Cancel));
    assert_eq!(state.rows.len(), 40);
    assert_eq!(state.mode, Mode::Normal);
}

#[test]
fn moving_past_the_screen_scrolls_and_stays_in_bounds() {
    let mut state = fixtures::loaded_state(100, now());
    update(
        &mut state,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    for _ in 0..30 {
        update(&mut state, Msg::Action(Action::Down));
    }
    assert_eq!(state.cursor.selected, 30);
    assert_eq!(state.cursor.offset, 30 + 1 - state.table_height());
    update(&mut state, Msg::Action(Action::Bottom));
    assert_eq!(state.cursor.selected, 99);
    update(&mut state, Msg::Action(Action::PageDown));
    assert_eq!(state.cursor.selected, 99);
    update(&mut state, Msg::Action(Action::Top));
    assert_eq!((state.cursor.selected, state.cursor.offset), (0, 0));
}

#[test]
fn sorting_by_status_puts_the_worst_first_and_keeps_the_selection() {
    let mut state = fixtures::loaded_state(30, now());
    update(&mut state, Msg::Action(Action::Down));
    let chosen = state.selected_entry().unwrap().secret.arn.clone();
    update(&mut state, Msg::Action(Action::Command));
    for c in "sort status".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    let first = &state.inventory.entries[state.rows[0]].secret;
    let status = crate::domain::RotationStatus::of(first, now());
    assert!(status.severity() >= 5, "{status:?}");
    assert_eq!(state.selected_entry().unwrap().secret.arn, chosen);
}

#[test]
fn enter_opens_detail_and_esc_goes_back() {
    let mut state = fixtures::loaded_state(5, now());
    let effects = update(&mut state, Msg::Action(Action::Open));
    assert!(effects.is_empty(), "snapshot sources need no describe");
    assert_eq!(state.view, View::Detail);
    assert!(state.detail_entry().is_some());
    update(&mut state, Msg::Action(Action::Back));
    assert_eq!(state.view, View::Inventory);
}

#[test]
fn unknown_command_says_what_exists() {
    let mut state = fixtures::loaded_state(5, now());
    update(&mut state, Msg::Action(Action::Command));
    for c in "frobnicate".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(&mut state, Msg::Prompt(PromptKey::Submit));
    let notice = state.notice.clone().unwrap().text;
    assert!(
        notice.contains(":frobnicate") && notice.contains(":inventory"),
        "{notice}"
    );
}

#[test]
fn quit_returns_the_quit_effect() {
    let mut state = fixtures::loaded_state(1, now());
    assert_eq!(
        update(&mut state, Msg::Action(Action::Quit)),
        vec![Effect::Quit]
    );
}

#[test]
fn a_second_region_arriving_keeps_the_same_secret_selected() {
    let mut state = fixtures::empty_state(now());
    let effects = super::start(&mut state);
    let mut loads: Vec<_> = effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::LoadCell { request, cell } => Some((request, cell)),
            _ => None,
        })
        .collect();
    loads.sort_by(|a, b| b.1.region.cmp(&a.1.region)); // us-east-1 first
    let (request, cell) = loads.remove(0);
    let result = Ok(fixtures::secrets(10, &cell.region));
    update(
        &mut state,
        Msg::CellLoaded {
            request,
            cell,
            at: now(),
            result,
        },
    );
    update(&mut state, Msg::Action(Action::Down));
    let first = state.selected_entry().unwrap().secret.arn.clone();
    let (request, cell) = loads.remove(0);
    let result = Ok(fixtures::secrets(10, &cell.region));
    update(
        &mut state,
        Msg::CellLoaded {
            request,
            cell,
            at: now(),
            result,
        },
    );
    assert_eq!(state.selected_entry().unwrap().secret.arn, first);
    assert_eq!(state.cursor.offset, 0);
}

#[test]
fn opening_the_demo_shows_the_top_of_the_list_whatever_order_cells_arrive_in() {
    use crate::source::{InventorySource, SourceKind, demo, snapshot_source::SnapshotSource};
    let source = SnapshotSource::new(demo::load(now()).unwrap(), SourceKind::Demo);
    for reverse in [false, true] {
        let mut state = crate::app::State::new(source.info(), true, now());
        update(
            &mut state,
            Msg::Resize {
                width: 160,
                height: 45,
            },
        );
        let mut effects = super::start(&mut state);
        if reverse {
            effects.reverse();
        }
        fixtures::answer_loads(&mut state, &source, effects, now());
        assert_eq!(
            (state.cursor.selected, state.cursor.offset),
            (0, 0),
            "reverse={reverse}"
        );
    }
}

#[test]
fn replication_status_lands_on_its_secret_and_survives_a_refresh() {
    use crate::domain::{ReplicaStatus, ReplicationState};
    let mut state = fixtures::empty_state(now());
    let mut describe = None;
    for e in super::start(&mut state) {
        let Effect::LoadCell { request, cell } = e else {
            continue;
        };
        let secrets = if cell.region == "us-east-1" {
            fixtures::secrets(3, "us-east-1")
        } else {
            vec![fixtures::replica_of(
                &fixtures::secrets(1, "us-east-1")[0],
                "eu-west-1",
            )]
        };
        let out = update(
            &mut state,
            Msg::CellLoaded {
                request,
                cell,
                at: now(),
                result: Ok(secrets),
            },
        );
        describe = describe.or(out.into_iter().next());
    }
    let Some(Effect::DescribeReplication { request, secret }) = describe else {
        panic!()
    };
    let failed = vec![ReplicaStatus {
        region: "eu-west-1".into(),
        kms_key_id: None,
        status: ReplicationState::Failed,
        message: Some("KMS key disabled".into()),
        last_accessed: None,
    }];
    update(
        &mut state,
        Msg::ReplicationLoaded {
            request,
            arn: secret.arn.clone(),
            result: Ok(failed),
        },
    );
    let find = |state: &crate::app::State| {
        state
            .inventory
            .entries
            .iter()
            .find(|e| e.secret.arn == secret.arn)
            .unwrap()
            .has_failed_replica()
    };
    assert!(find(&state));
    // A refresh re-lists every cell and asks again; the status learned stays meanwhile.
    let mut asked = 0;
    for e in super::load::refresh(&mut state) {
        let Effect::LoadCell { request, cell } = e else {
            continue;
        };
        let secrets = if cell.region == "us-east-1" {
            fixtures::secrets(3, "us-east-1")
        } else {
            vec![fixtures::replica_of(
                &fixtures::secrets(1, "us-east-1")[0],
                "eu-west-1",
            )]
        };
        let out = update(
            &mut state,
            Msg::CellLoaded {
                request,
                cell,
                at: now(),
                result: Ok(secrets),
            },
        );
        asked += out
            .iter()
            .filter(|e| matches!(e, Effect::DescribeReplication { .. }))
            .count();
        assert!(find(&state));
    }
    assert_eq!(asked, 1);
}

#[test]
fn describe_starts_from_pages_before_any_cell_finishes_and_only_once() {
    let mut state = fixtures::empty_state(now());
    let effects = super::start(&mut state);
    let loads: Vec<_> = effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::LoadCell { request, cell } => Some((request, cell)),
            _ => None,
        })
        .collect();
    let primary = fixtures::secrets(1, "us-east-1").remove(0);
    let replica = fixtures::replica_of(&primary, "eu-west-1");
    let (eu, us) = if loads[0].1.region == "eu-west-1" {
        (loads[0].clone(), loads[1].clone())
    } else {
        (loads[1].clone(), loads[0].clone())
    };
    let first = update(
        &mut state,
        Msg::CellPage {
            request: eu.0,
            cell: eu.1.clone(),
            secrets: vec![replica.clone()],
        },
    );
    assert!(first.is_empty());
    let second = update(
        &mut state,
        Msg::CellPage {
            request: us.0,
            cell: us.1.clone(),
            secrets: vec![primary.clone()],
        },
    );
    assert_eq!(second.len(), 1, "{second:?}");
    // When the cells complete, the join finds nothing left to ask.
    let a = update(
        &mut state,
        Msg::CellLoaded {
            request: eu.0,
            cell: eu.1,
            at: now(),
            result: Ok(vec![replica]),
        },
    );
    let b = update(
        &mut state,
        Msg::CellLoaded {
            request: us.0,
            cell: us.1,
            at: now(),
            result: Ok(vec![primary]),
        },
    );
    assert!(a.is_empty() && b.is_empty(), "{a:?} {b:?}");
}

#[test]
fn log_files_alone_open_on_the_events_they_hold() {
    let info = crate::source::SourceInfo {
        kind: crate::source::SourceKind::LogFiles("./AWSLogs".into()),
        label: "CloudTrail files ./AWSLogs".into(),
        accounts: Vec::new(),
        cells: Vec::new(),
        notes: Vec::new(),
    };
    let state = crate::app::State::new(info, true, now());
    assert_eq!(state.view, View::Events);
}

#[test]
fn a_cell_that_fails_says_why_on_the_bottom_line() {
    let mut state = fixtures::empty_state(now());
    let effects = super::start(&mut state);
    let Effect::LoadCell { request, cell } = effects[0].clone() else {
        panic!("{effects:?}")
    };
    let why = "No AWS credentials found: run `aws configure`";
    update(
        &mut state,
        Msg::CellLoaded {
            request,
            cell: cell.clone(),
            at: now(),
            result: Err(CellError::forbidden(why)),
        },
    );
    let notice = state
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.ends_with(why), "{notice}");
    assert!(notice.contains(&cell.region), "{notice}");
}
