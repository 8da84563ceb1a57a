//! The replication views on the drill fixture: no terminal, no async.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::app::msg::PromptKey;
use crate::app::replicas::DrChoice;
use crate::app::{Action, Effect, Msg, State, View, update};
use crate::domain::{CellHealth, ReplicationState};
use crate::drill::{Outcome, Parity, Presence, Primary, Row};
use crate::testing::drill::{self as fixtures_drill, DOWN, DR, PRIMARY};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

fn command(state: &mut State, text: &str) -> Vec<Effect> {
    update(state, Msg::Action(Action::Command));
    for c in text.chars() {
        update(state, Msg::Prompt(PromptKey::Char(c)));
    }
    update(state, Msg::Prompt(PromptKey::Submit))
}

fn act(state: &mut State, action: Action) -> Vec<Effect> {
    update(state, Msg::Action(action))
}

fn opened() -> State {
    let mut state = fixtures_drill::state(now());
    command(&mut state, "replicas");
    state
}

fn row<'a>(state: &'a State, name: &str) -> &'a Row {
    let drill = state.replicas.drill.as_ref().unwrap();
    drill
        .rows
        .iter()
        .find(|r| r.key.name.ends_with(name))
        .unwrap_or_else(|| panic!("no row {name}"))
}

fn codes(row: &Row) -> Vec<&str> {
    row.reasons.iter().map(|r| r.code).collect()
}

/// Moves the cursor to the row whose name ends with `name`.
fn select(state: &mut State, name: &str) {
    act(state, Action::Top);
    let drill = state.replicas.drill.clone().unwrap();
    let pos = state
        .replicas
        .rows
        .iter()
        .position(|&i| drill.rows[i].key.name.ends_with(name))
        .unwrap();
    for _ in 0..pos {
        act(state, Action::Down);
    }
}

#[test]
fn the_matrix_shows_each_case_from_the_loaded_data() {
    let state = opened();
    assert_eq!(state.view, View::Replicas);
    let drill = state.replicas.drill.as_ref().unwrap();
    assert_eq!(drill.dr_region, DR);
    assert_eq!(state.replicas.choice, Some(DrChoice::Policy));
    assert_eq!(drill.regions, vec![DOWN, PRIMARY, DR]);
    // The drill's selection: every critical secret; the dev one is not required anywhere.
    assert_eq!(drill.rows.len(), 7, "{:#?}", drill.rows);
    assert!(drill.rows.iter().all(|r| !r.key.name.contains("/dev/")));
    assert_eq!(
        state.replicas.column, 2,
        "the cursor starts on the DR column"
    );

    let insync = row(&state, "stripe-api-key");
    assert_eq!(insync.verdict, Outcome::Pass);
    assert!(matches!(
        insync.replica(DR).unwrap().parity,
        Parity::Same { .. }
    ));

    let failed = row(&state, "jwt-signing-key");
    let r = failed.replica(DR).unwrap();
    assert_eq!(r.status, ReplicationState::Failed);
    assert!(
        r.message
            .as_deref()
            .unwrap()
            .contains("is disabled or not found")
    );
    assert_eq!(
        (failed.verdict, codes(failed)),
        (Outcome::Fail, vec!["replica-failed"])
    );

    let drift = row(&state, "ledger/db-password");
    assert!(matches!(
        drift.replica(DR).unwrap().parity,
        Parity::Behind { .. }
    ));
    assert_eq!(codes(drift), vec!["drift"]);

    let missing = row(&state, "session-secret");
    assert_eq!(
        missing.cell(DR).unwrap().presence,
        Presence::Absent { required: true }
    );
    assert_eq!(codes(missing), vec!["missing-replica"]);

    assert_eq!(
        codes(row(&state, "webhook-secret")),
        vec!["customer-key-required"]
    );

    let progress = row(&state, "search/api-key");
    assert_eq!(progress.verdict, Outcome::Warn);
    // eu-west-1 is down: the primary's status still says InSync, parity cannot be verified.
    let other = progress.replica(DOWN).unwrap();
    assert!(matches!(other.parity, Parity::Unverified { .. }));

    // The primary's region is down: the row is what the DR region would serve.
    let orphan = row(&state, "gdpr/export-key");
    assert!(matches!(
        orphan.primary,
        Primary::Unreachable {
            health: CellHealth::Down(_)
        }
    ));
    let failover = orphan.failover.as_ref().unwrap();
    assert_eq!(failover.version_id.as_deref(), Some("5e2b7d10-88"));
    assert!(!failover.parity_verified);
    assert_eq!(drill.counts.fail, 4);
}

#[test]
fn every_secret_shows_with_the_toggle_and_rows_keep_their_selection() {
    let mut state = opened();
    select(&mut state, "session-secret");
    act(&mut state, Action::Toggle);
    assert_eq!(state.replicas.drill.as_ref().unwrap().rows.len(), 8);
    assert!(
        state
            .replicas
            .selected_row()
            .unwrap()
            .key
            .name
            .ends_with("session-secret")
    );
    act(&mut state, Action::Toggle);
    assert_eq!(state.replicas.rows.len(), 7);
}

#[test]
fn the_dr_region_is_switched_by_key_and_by_command() {
    let mut state = opened();
    act(&mut state, Action::DrRegionNext);
    let drill = state.replicas.drill.as_ref().unwrap();
    assert_eq!(drill.dr_region, DOWN, "wraps around to the first region");
    assert_eq!(state.replicas.choice, Some(DrChoice::Operator));
    assert_eq!(state.replicas.column, 0);
    assert!(
        drill.notes.iter().any(|n| n.contains("is down")),
        "{:?}",
        drill.notes
    );
    command(&mut state, "replicas us-west-2");
    assert_eq!(state.replicas.dr_region(), Some(DR));
    assert_eq!(state.replicas.column, 2);
    // A region no cell reads is allowed, with a warning that says how to read it.
    command(&mut state, "replicas ap-southeast-2");
    assert_eq!(state.replicas.dr_region(), Some("ap-southeast-2"));
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("--region ap-southeast-2")
    );
    command(&mut state, "replicas Not_A;Region");
    assert_eq!(state.replicas.dr_region(), Some("ap-southeast-2"));
}

#[test]
fn the_filter_narrows_rows_by_name() {
    let mut state = opened();
    act(&mut state, Action::Filter);
    for c in "LEDGER".chars() {
        update(&mut state, Msg::Prompt(PromptKey::Char(c)));
    }
    assert_eq!(state.view, View::Replicas, "filtering stays in the matrix");
    assert_eq!(state.replicas.rows.len(), 1);
    assert!(
        state
            .replicas
            .selected_row()
            .unwrap()
            .key
            .name
            .contains("ledger")
    );
    update(&mut state, Msg::Prompt(PromptKey::Cancel));
    assert_eq!(state.replicas.rows.len(), 7);
    assert!(state.replicas.filter.is_empty());
}

#[test]
fn enter_opens_the_replica_under_the_cursor_and_esc_comes_back() {
    let mut state = opened();
    select(&mut state, "jwt-signing-key");
    act(&mut state, Action::Open);
    assert_eq!(state.view, View::Replica);
    let (row, region) = state.replicas.open_row().unwrap();
    assert!(row.key.name.ends_with("jwt-signing-key"));
    assert_eq!(region, DR);
    // Left walks to the neighbouring region's cell: the primary.
    act(&mut state, Action::Left);
    assert_eq!(state.replicas.open_row().unwrap().1, PRIMARY);
    act(&mut state, Action::Back);
    assert_eq!(state.view, View::Replicas);
    assert_eq!(state.replicas.selected_region(), Some(PRIMARY));
}

#[test]
fn the_inventory_opens_the_matrix_on_its_selected_secret() {
    let mut state = fixtures_drill::state(now());
    let pos = state
        .rows
        .iter()
        .position(|&i| {
            state.inventory.entries[i]
                .secret
                .name
                .ends_with("webhook-secret")
        })
        .unwrap();
    for _ in 0..pos {
        act(&mut state, Action::Down);
    }
    act(&mut state, Action::Replicas);
    assert_eq!(state.view, View::Replicas);
    assert!(
        state
            .replicas
            .selected_row()
            .unwrap()
            .key
            .name
            .ends_with("webhook-secret")
    );
}

#[test]
fn a_drill_refreshes_the_cells_involved_times_them_and_sums_up() {
    let mut state = opened();
    let later = now() + Duration::seconds(2);
    update(&mut state, Msg::Tick(now()));
    let effects = act(&mut state, Action::Drill);
    let mut cells: Vec<String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::LoadCell { cell, .. } => Some(cell.region.clone()),
            _ => None,
        })
        .collect();
    cells.sort();
    // The primaries' regions (us-east-1, and eu-west-1 for the orphan) and the DR region.
    assert_eq!(cells, vec![DOWN, PRIMARY, DR]);
    assert!(state.animating());
    let run = state.replicas.run.as_ref().unwrap();
    assert_eq!((run.dr_region.as_str(), run.pending.len()), (DR, 3));

    // The primary's listing now lacks its status: a DescribeSecret is asked for.
    let mut listings = fixtures_drill::listings();
    if let Some(Ok(primaries)) = listings.get_mut(&crate::domain::Cell::new(
        crate::testing::fixtures::ACCOUNT,
        PRIMARY,
    )) {
        primaries[0].replication = None;
    }
    let more = fixtures_drill::answer(&mut state, effects, &listings, later);
    let describe: Vec<_> = more
        .iter()
        .filter_map(|e| match e {
            Effect::DescribeReplication { secret, .. } => Some(secret.arn.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(describe.len(), 1, "{more:?}");
    let run = state.replicas.run.as_ref().unwrap();
    assert!(run.running(), "waits for DescribeSecret");
    assert!(run.pending.is_empty());
    assert_eq!(run.listing[DOWN].failed, vec!["down"]);
    assert_eq!(run.listing[PRIMARY].finished, Some(later));

    let done = later + Duration::milliseconds(250);
    update(&mut state, Msg::Tick(done));
    let status = fixtures_drill::listings()
        [&crate::domain::Cell::new(crate::testing::fixtures::ACCOUNT, PRIMARY)]
        .as_ref()
        .unwrap()[0]
        .replication
        .clone()
        .unwrap();
    update(
        &mut state,
        Msg::ReplicationLoaded {
            request: 999,
            arn: describe[0].clone(),
            result: Ok(status),
        },
    );
    let run = state.replicas.run.as_ref().unwrap();
    assert_eq!(run.finished, Some(done));
    assert_eq!((run.describes.started, run.describes.done), (1, 1));
    let result = run.result.unwrap();
    assert_eq!(result.rows, 7);
    assert_eq!(
        (result.counts.pass, result.counts.warn, result.counts.fail),
        (1, 2, 4)
    );
    assert_eq!(result.overall, Outcome::Fail);
    assert!((run.seconds(done) - 2.25).abs() < 1e-9);
    assert!(!state.animating());
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("1 pass, 2 warn, 4 fail")
    );
}

#[test]
fn status_answers_in_a_burst_are_checked_once_the_batch_settles() {
    let mut state = opened();
    let arn = row(&state, "stripe-api-key").arn.clone();
    let mut status = row(&state, "stripe-api-key").replica(DR).unwrap().clone();
    status.status = ReplicationState::Failed;
    let failed = crate::domain::ReplicaStatus {
        region: DR.into(),
        kms_key_id: status.kms_key_id.clone(),
        status: ReplicationState::Failed,
        message: Some("boom".into()),
        last_accessed: None,
    };
    update(
        &mut state,
        Msg::ReplicationLoaded {
            request: 1,
            arn,
            result: Ok(vec![failed]),
        },
    );
    assert!(state.replicas.stale);
    assert_eq!(row(&state, "stripe-api-key").verdict, Outcome::Pass);
    crate::app::update::settle(&mut state);
    assert_eq!(row(&state, "stripe-api-key").verdict, Outcome::Fail);
}

#[test]
fn b_opens_the_dr_drill_runbook_with_the_secret_and_the_dr_region() {
    let mut state = opened();
    crate::app::update::runbooks::set_catalog(&mut state, &crate::incident::Catalog::load(&[]));
    select(&mut state, "stripe-api-key");
    let arn = state.replicas.selected_row().unwrap().arn.clone();
    act(&mut state, Action::Runbooks);
    assert_eq!(state.view, View::Runbooks);
    let selected = &state.runbooks.catalog[state.runbooks.cursor.selected];
    assert_eq!(selected.id, "dr-drill");
    act(&mut state, Action::Open);
    let form = state.runbooks.form.as_ref().unwrap();
    let value = |name: &str| {
        form.fields
            .iter()
            .find(|f| f.param.name == name)
            .unwrap()
            .value
            .clone()
    };
    assert_eq!(value("secret"), arn);
    assert_eq!(value("dr_region"), DR);
    assert_eq!(form.fields[form.selected].param.name, "drill");
}
