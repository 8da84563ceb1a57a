//! Synthetic fleets for tests and benchmarks: deterministic, varied enough to exercise every
//! status, and free of any real data.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::app::msg::Msg;
use crate::app::state::State;
use crate::app::{Effect, update};
use crate::domain::{Account, Cell, Rotation, Secret, Tag, Version};
use crate::source::{SourceInfo, SourceKind};

pub const ACCOUNT: &str = "111122223333";

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// `n` secrets in one region: names `/clarivum/<env>/svc-NN/<kind>`, every rotation posture.
pub fn secrets(n: usize, region: &str) -> Vec<Secret> {
    let envs = ["prod", "stage", "dev"];
    let kinds = ["db-password", "api-key", "jwt-signing-key", "oauth-client"];
    (0..n)
        .map(|i| {
            let name = format!(
                "/clarivum/{}/svc-{:02}/{}",
                envs[i % 3],
                i % 50,
                kinds[i % 4]
            );
            let days = [30, 60, 90][i % 3];
            let age = (i as i64 * 7) % 200;
            let enabled = i % 5 != 0;
            let mut versions = vec![Version {
                id: format!("v{i:04}-current"),
                stages: vec!["AWSCURRENT".into()],
                created: None,
                last_accessed: None,
            }];
            if i % 17 == 3 {
                versions.push(Version {
                    id: format!("v{i:04}-pending"),
                    stages: vec!["AWSPENDING".into()],
                    created: None,
                    last_accessed: None,
                });
            }
            let mut tags = vec![Tag {
                key: "Owner".into(),
                value: format!("team-{}", ["payments", "identity", "search"][i % 3]),
            }];
            if i % 4 != 1 {
                tags.push(Tag {
                    key: "Classification".into(),
                    value: ["critical", "confidential", "internal"][i % 3].into(),
                });
            }
            Secret {
                arn: format!(
                    "arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-{:06}",
                    i
                ),
                name,
                account: ACCOUNT.into(),
                region: region.into(),
                description: Some(format!("Credential {i} for svc-{:02}", i % 50)),
                kms_key_id: None,
                owning_service: None,
                primary_region: None,
                created: Some(epoch() - Duration::days(400)),
                last_changed: Some(epoch() - Duration::days(age)),
                last_accessed: (i % 9 != 0).then(|| epoch() - Duration::days(age / 2)),
                last_rotated: (enabled && i % 11 != 2).then(|| epoch() - Duration::days(age)),
                next_rotation: None,
                deleted: (i % 23 == 5).then(|| epoch() - Duration::days(2)),
                rotation: Rotation {
                    enabled,
                    lambda_arn: enabled
                        .then(|| format!("arn:aws:lambda:{region}:{ACCOUNT}:function:rotate")),
                    every_days: enabled.then_some(days),
                    schedule_expression: None,
                    window: None,
                },
                tags,
                versions,
                replication: None,
            }
        })
        .collect()
}

/// The listing a replica region would show for `primary`.
pub fn replica_of(primary: &Secret, region: &str) -> Secret {
    let mut r = primary.clone();
    r.arn = primary.arn.replace(&primary.region, region);
    r.region = region.into();
    r.primary_region = Some(primary.region.clone());
    r
}

/// A state with two cells (us-east-1, eu-west-1), nothing loaded yet.
pub fn empty_state(now: DateTime<Utc>) -> State {
    let info = SourceInfo {
        kind: SourceKind::Snapshot("fixture.json".into()),
        label: "snapshot fixture.json".into(),
        accounts: vec![Account {
            id: ACCOUNT.into(),
            alias: None,
            profile: None,
        }],
        cells: vec![
            Cell::new(ACCOUNT, "eu-west-1"),
            Cell::new(ACCOUNT, "us-east-1"),
        ],
        notes: Vec::new(),
    };
    let mut state = State::new(info, true, now);
    update(&mut state, Msg::Tick(now));
    state
}

/// A state with `n` secrets loaded in us-east-1 and an empty eu-west-1.
pub fn loaded_state(n: usize, now: DateTime<Utc>) -> State {
    let mut state = empty_state(now);
    for effect in crate::app::update::start(&mut state) {
        if let Effect::LoadCell { request, cell } = effect {
            let result = Ok(if cell.region == "us-east-1" {
                secrets(n, "us-east-1")
            } else {
                Vec::new()
            });
            update(
                &mut state,
                Msg::CellLoaded {
                    request,
                    cell,
                    at: now,
                    result,
                },
            );
        }
    }
    state
}

/// The bundled demo, loaded as the TUI loads it (inventory and its events) at `now`.
pub fn demo_state(now: DateTime<Utc>) -> Option<State> {
    use crate::source::{InventorySource, demo, snapshot_source::SnapshotSource};
    let snap = demo::load(now).ok()?;
    let events = snap
        .events
        .iter()
        .filter_map(|r| crate::trail::parse_record(r).ok())
        .collect();
    let source = SnapshotSource::new(snap, SourceKind::Demo);
    let mut state = State::new(source.info(), true, now);
    update(&mut state, Msg::Tick(now));
    crate::app::update::events::index(&mut state, events);
    let effects = crate::app::update::start(&mut state);
    answer_loads(&mut state, &source, effects, now);
    Some(state)
}

/// Answers every `LoadCell` in `effects` from `source` at once, as the runtime would, in order.
pub fn answer_loads(
    state: &mut State,
    source: &dyn crate::source::InventorySource,
    effects: Vec<Effect>,
    now: DateTime<Utc>,
) {
    for effect in effects {
        if let Effect::LoadCell { request, cell } = effect {
            let result =
                futures::executor::block_on(source.load_cell(cell.clone(), Box::new(|_| {})));
            update(
                state,
                Msg::CellLoaded {
                    request,
                    cell,
                    at: now,
                    result,
                },
            );
        }
    }
}

/// The run id every fixture run carries.
pub const RUN_ID: &str = "compromised-secret-20261120T090000Z";

/// The built-in compromised-secret runbook driven by the pure engine on a fixed clock, with
/// canned evidence and every earlier question answered (ticks, first options, the expected
/// confirmation), stopped when the operator is asked about `stop_at`. None if it never is.
pub fn run_snapshot(
    stop_at: &str,
    allow_write: bool,
    now: DateTime<Utc>,
) -> Option<crate::incident::snapshot::RunSnapshot> {
    use crate::app::runbooks::{is_operator, step_of};
    use crate::runbook::engine::{Command, Engine, Event, Mode};
    use crate::runbook::spec::StepBody;
    let runbook = crate::incident::Catalog::load(&[])
        .entries
        .into_iter()
        .find(|e| e.id() == "compromised-secret")?
        .runbook
        .ok()?;
    let params = [
        ("secret", "/clarivum/prod/payments/stripe-api-key"),
        ("incident", "INC-7"),
        ("incident_start", "2026-11-19T22:00:00Z"),
        (
            "suspect",
            "arn:aws:iam::210987654321:user/svc-legacy-backup",
        ),
        ("break_glass", "arn:aws:iam::210987654321:role/break-glass"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mode = Mode {
        dry_run: false,
        allow_write,
    };
    let mut at = now;
    let (mut engine, mut commands) = Engine::new(runbook, params, at, mode).ok()?;
    let mut entries = Vec::new();
    for _ in 0..200 {
        let mut waiting = None;
        for command in commands.drain(..) {
            match command {
                Command::Journal(entry) => entries.push((entries.len() as u64 + 1, entry)),
                Command::Finished { .. } => waiting = None,
                other => waiting = Some(other),
            }
        }
        let command = waiting?;
        let step = step_of(&command)?.to_string();
        if is_operator(&command) && step == stop_at {
            return Some(crate::incident::snapshot::RunSnapshot::build(
                RUN_ID,
                &engine,
                &entries,
                Some(command),
                None,
                true,
            ));
        }
        at += Duration::seconds(7);
        let event = match command {
            Command::RunQuery { query, .. } => {
                let output = match engine.runbook().step(&step).map(|s| &s.body) {
                    Some(StepBody::Query { output, .. }) => output.clone(),
                    _ => "value".to_string(),
                };
                let (summary, value) = evidence(&query);
                let outputs = [(output, value), ("summary".to_string(), summary)];
                Event::QueryDone {
                    step,
                    at,
                    result: Ok(outputs.into_iter().collect()),
                }
            }
            Command::EvaluateCheck { .. } => Event::CheckDone {
                step,
                at,
                passed: true,
                detail: "as expected".to_string(),
            },
            Command::RunAction { .. } => Event::ActionDone {
                step,
                at,
                result: Ok(Default::default()),
            },
            Command::ShowManual { checklist, .. } => Event::ManualDone {
                step,
                at,
                ticked: vec![true; checklist.len()],
                note: None,
            },
            Command::AskDecision { .. } => Event::Decided {
                step,
                at,
                option: 0,
            },
            Command::AskConfirmation { expected, .. } => Event::Confirmed {
                step,
                at,
                typed: expected,
            },
            _ => return None,
        };
        commands = engine.handle(event);
    }
    None
}

/// Canned evidence for a query: (summary, value).
fn evidence(query: &str) -> (String, String) {
    let (summary, value) = match query {
        "describe_secret" => (
            "prod · rotation every 30 days · last rotated 2026-10-21",
            r#"{"Name": "/clarivum/prod/payments/stripe-api-key", "RotationEnabled": true}"#,
        ),
        "resource_policy" => ("no resource policy", ""),
        "versions" => (
            "2 versions; AWSCURRENT 7f1c2a created 2026-10-21",
            r#"[{"VersionId": "7f1c2a", "Stages": ["AWSCURRENT"]}]"#,
        ),
        "who_read" => (
            "14 reads by 3 principals in 90d; svc-legacy-backup 9 (5 denied)",
            r#"[{"principal": "svc-legacy-backup", "reads": 9, "denied": 5}]"#,
        ),
        _ => (
            "1 replica: eu-west-1 InSync",
            r#"[{"Region": "eu-west-1", "Status": "InSync"}]"#,
        ),
    };
    (summary.to_string(), value.to_string())
}

/// An organization of four named accounts in two regions, half loaded: two accounts answered,
/// one account's role refused, one account still loading its second region.
pub fn organization_state(now: DateTime<Utc>) -> State {
    let accounts = [
        ("111111111111", "management"),
        ("210987654321", "payments-prod"),
        ("210987654322", "payments-stage"),
        ("333333333333", "security-tooling"),
    ];
    let regions = ["eu-west-1", "us-east-1"];
    let info = organization_info(
        accounts
            .iter()
            .map(|(id, name)| Account {
                id: (*id).into(),
                alias: Some((*name).into()),
                profile: None,
            })
            .collect(),
        &regions,
    );
    let mut state = State::new(info, true, now);
    let effects = crate::app::update::start(&mut state);
    for effect in effects {
        let Effect::LoadCell { request, cell } = effect else {
            continue;
        };
        let result = match (cell.account.as_str(), cell.region.as_str()) {
            ("333333333333", _) => Err(crate::source::CellError::forbidden(
                "Cannot assume arn:aws:iam::333333333333:role/StrongroomAudit (AccessDenied): \
                 the role must exist in account 333333333333 and trust 111111111111; the other \
                 accounts still load.",
            )),
            ("210987654322", "us-east-1") => continue, // still loading
            _ => Ok(listing(&cell, 3)),
        };
        update(
            &mut state,
            Msg::CellLoaded {
                request,
                cell,
                at: now,
                result,
            },
        );
    }
    state
}

/// A live source over named accounts, one cell per account and region, as `--org` opens it.
pub fn organization_info(accounts: Vec<Account>, regions: &[&str]) -> SourceInfo {
    SourceInfo {
        kind: SourceKind::Live,
        label: format!(
            "AWS organization ({} accounts) via role StrongroomAudit",
            accounts.len()
        ),
        cells: accounts
            .iter()
            .flat_map(|a| regions.iter().map(|r| Cell::new(a.id.as_str(), *r)))
            .collect(),
        accounts,
        notes: Vec::new(),
    }
}

/// `n` fixture secrets listed by `cell`: the fleet of [`secrets`], moved to the cell's account.
pub fn listing(cell: &Cell, n: usize) -> Vec<Secret> {
    let mut listed = secrets(n, &cell.region);
    for s in &mut listed {
        s.arn = s.arn.replace(ACCOUNT, &cell.account);
        s.account = cell.account.clone();
    }
    listed
}
