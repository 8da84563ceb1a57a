//! Transition tests: no terminal, no network, no clock.

use chrono::TimeZone;

use super::*;
use crate::runbook::validate;

mod failures;
mod flow;
mod steps_and_replay;

const COMPROMISED: &str = include_str!("../../../../runbooks/compromised-secret.toml");
const SECRET: &str = "prod/payments/stripe";
const BREAK_GLASS: &str = "arn:aws:iam::123456789012:role/BreakGlass";

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_740_000_000 + seconds, 0)
        .single()
        .unwrap()
}

fn compromised() -> Runbook {
    validate(COMPROMISED, "compromised-secret.toml").unwrap()
}

fn params() -> BTreeMap<String, String> {
    [
        ("secret", SECRET),
        ("incident", "INC-2041"),
        ("incident_start", "2025-03-01T09:30:00Z"),
        ("suspect", "arn:aws:iam::123456789012:user/mallory"),
        ("break_glass", BREAK_GLASS),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

const WRITE: Mode = Mode {
    dry_run: false,
    allow_write: true,
};

fn small(body: &str) -> Runbook {
    let text = format!(
        r#"[runbook]
id = "t"
title = "Test"
when_to_use = "Tests."
roles = ["tester"]
version = 1

[[param]]
name = "secret"
type = "secret"
required = true
{body}"#
    );
    validate(&text, "t.toml").unwrap()
}

fn secret_param() -> BTreeMap<String, String> {
    BTreeMap::from([("secret".to_string(), "db/main".to_string())])
}

/// The default answer to each waiting command; `None` for `Finished`.
fn answer(command: &Command, at: DateTime<Utc>) -> Option<Event> {
    Some(match command {
        Command::RunQuery { step, .. } => Event::QueryDone {
            step: step.clone(),
            at,
            result: Ok([
                "secret",
                "policy",
                "versions",
                "reads",
                "replicas",
                "request_id",
            ]
            .into_iter()
            .map(|key| (key.to_string(), format!("{step}-{key}")))
            .collect()),
        },
        Command::RunAction { step, .. } => Event::ActionDone {
            step: step.clone(),
            at,
            result: Ok(BTreeMap::from([
                ("previous_policy".to_string(), "{\"old\":true}".to_string()),
                ("new_version".to_string(), "v2".to_string()),
                ("request_id".to_string(), format!("req-{step}")),
            ])),
        },
        Command::AskConfirmation { step, expected, .. } => Event::Confirmed {
            step: step.clone(),
            at,
            typed: expected.clone(),
        },
        Command::EvaluateCheck { step, .. } => Event::CheckDone {
            step: step.clone(),
            at,
            passed: true,
            detail: "ok".to_string(),
        },
        Command::ShowManual {
            step, checklist, ..
        } => Event::ManualDone {
            step: step.clone(),
            at,
            ticked: vec![true; checklist.len()],
            note: Some(format!("note for {step}")),
        },
        Command::AskDecision { step, .. } => Event::Decided {
            step: step.clone(),
            at,
            option: 0,
        },
        Command::Finished { .. } | Command::Journal(_) | Command::NeedsWriteAccess { .. } => {
            return None;
        }
    })
}

/// Runs to the end, letting `script` override the default answer; returns every batch.
fn run(
    runbook: Runbook,
    params: BTreeMap<String, String>,
    mode: Mode,
    mut script: impl FnMut(&Command, DateTime<Utc>) -> Option<Event>,
) -> (Engine, Vec<Vec<Command>>) {
    let (mut engine, first) = Engine::new(runbook, params, t(0), mode).unwrap();
    let mut batches = vec![first];
    for tick in 1..500 {
        let last = batches.last().unwrap();
        let Some(waiting) = last
            .iter()
            .rev()
            .find(|c| !matches!(c, Command::Journal(_)))
        else {
            panic!("a batch without a command: {last:?}");
        };
        let at = t(tick * 60);
        let Some(event) = script(waiting, at).or_else(|| answer(waiting, at)) else {
            break;
        };
        batches.push(engine.handle(event));
    }
    (engine, batches)
}

fn entries(batches: &[Vec<Command>]) -> Vec<Entry> {
    batches
        .iter()
        .flatten()
        .filter_map(|c| match c {
            Command::Journal(entry) => Some(entry.clone()),
            _ => None,
        })
        .collect()
}

fn started(batches: &[Vec<Command>]) -> Vec<String> {
    entries(batches)
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::StepStarted { step } => Some(step),
            _ => None,
        })
        .collect()
}

fn last_status(batches: &[Vec<Command>]) -> RunStatus {
    match batches.last().and_then(|b| b.last()) {
        Some(Command::Finished { status }) => status.clone(),
        other => panic!("not finished: {other:?}"),
    }
}

fn commands(batches: &[Vec<Command>]) -> Vec<Command> {
    batches
        .iter()
        .flatten()
        .filter(|c| !matches!(c, Command::Journal(_)))
        .cloned()
        .collect()
}

/// Every batch: journal entries first, then exactly one command to wait on.
fn assert_journal_first(batches: &[Vec<Command>]) {
    for batch in batches {
        let (last, before) = batch.split_last().unwrap();
        assert!(!matches!(last, Command::Journal(_)), "{batch:?}");
        assert!(
            before.iter().all(|c| matches!(c, Command::Journal(_))),
            "{batch:?}"
        );
    }
}

/// Replaying each prefix of the journal gives the commands the live engine emitted after it.
fn assert_replay_matches(runbook: &Runbook, batches: &[Vec<Command>]) {
    let stream: Vec<Command> = batches.iter().flatten().cloned().collect();
    let mut journal = Vec::new();
    for (index, command) in stream.iter().enumerate() {
        let Command::Journal(entry) = command else {
            continue;
        };
        journal.push(entry.clone());
        let end = stream[index + 1..]
            .iter()
            .position(|c| !matches!(c, Command::Journal(_)))
            .unwrap();
        let expected = &stream[index + 1..=index + 1 + end];
        let (_, replayed) = Engine::replay(runbook.clone(), &journal).unwrap();
        assert_eq!(replayed, expected, "after {} entries", journal.len());
    }
}

/// A runbook whose failing step jumps elsewhere (shared by the failure and replay tests).
const GOTO: &str = r#"
[[step]]
id = "look"
title = "Look"
kind = "query"
query = "describe_secret"
args = { secret_id = "{{param.secret}}" }
output = "secret"
on_failure = "goto:recover"

[[step]]
id = "skipped"
title = "Skipped on failure"
kind = "manual"
instructions = "Only after a good look."

[[step]]
id = "recover"
title = "Recover"
kind = "manual"
instructions = "Recover: {{steps.look.output.secret}}"
"#;
