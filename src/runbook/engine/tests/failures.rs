//! Retries, failure policies, gotos, decisions and failed checks.

use super::*;

fn transient(step: &str, at: DateTime<Utc>, action: bool) -> Event {
    let result = Err(StepError {
        transient: true,
        message: "ThrottlingException".into(),
    });
    if action {
        Event::ActionDone {
            step: step.into(),
            at,
            result,
        }
    } else {
        Event::QueryDone {
            step: step.into(),
            at,
            result,
        }
    }
}

#[test]
fn transient_errors_are_retried_then_stop_by_default() {
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::RunQuery { step, .. } if step == "evidence-secret" => {
                Some(transient(step, at, false))
            }
            _ => None,
        },
    );
    assert_journal_first(&batches);
    let attempts = entries(&batches)
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::AttemptFailed { .. }))
        .count();
    assert_eq!(attempts, 4, "one attempt and three retries");
    let queries = commands(&batches)
        .iter()
        .filter(|c| matches!(c, Command::RunQuery { step, .. } if step == "evidence-secret"))
        .count();
    assert_eq!(queries, 4);
    assert!(matches!(
        last_status(&batches),
        RunStatus::Stopped { step, reason } if step == "evidence-secret"
            && reason.contains("ThrottlingException") && reason.contains("4 attempts")
    ));
    assert_replay_matches(&compromised(), &batches);
}

#[test]
fn retries_then_continue_and_denials_are_not_retried() {
    let mut reads = 0;
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::RunQuery { step, .. } if step == "evidence-reads" => {
                reads += 1;
                Some(transient(step, at, false))
            }
            Command::RunQuery { step, .. } if step == "evidence-replicas" => {
                Some(Event::QueryDone {
                    step: step.clone(),
                    at,
                    result: Err(StepError {
                        transient: false,
                        message: "AccessDenied".into(),
                    }),
                })
            }
            Command::RunAction { step, .. } if step == "tag" => Some(transient(step, at, true)),
            _ => None,
        },
    );
    assert_eq!(reads, 4);
    assert_eq!(last_status(&batches), RunStatus::Completed);
    let journal = entries(&batches);
    let failed = |id: &str| {
        journal.iter().any(|e| {
            matches!(&e.kind, EntryKind::StepOutcome { step, outcome: Outcome::Failed { .. }, .. } if step == id)
        })
    };
    assert!(failed("evidence-reads") && failed("evidence-replicas") && failed("tag"));
    let replica_attempts = journal
        .iter()
        .filter(|e| matches!(&e.kind, EntryKind::AttemptFailed { step, .. } if step == "evidence-replicas"))
        .count();
    assert_eq!(replica_attempts, 1);
    // A retried action is not confirmed again.
    let tag_asks = commands(&batches)
        .iter()
        .filter(|c| matches!(c, Command::AskConfirmation { step, .. } if step == "tag"))
        .count();
    assert_eq!(tag_asks, 1);
    assert_replay_matches(&compromised(), &batches);
}

#[test]
fn on_failure_goto_jumps_to_the_named_step() {
    let runbook = small(GOTO);
    let (_, batches) = run(
        runbook.clone(),
        secret_param(),
        WRITE,
        |command, at| match command {
            Command::RunQuery { step, .. } => Some(Event::QueryDone {
                step: step.clone(),
                at,
                result: Err(StepError {
                    transient: false,
                    message: "ResourceNotFound".into(),
                }),
            }),
            _ => None,
        },
    );
    assert_eq!(started(&batches), vec!["look", "recover"]);
    assert_eq!(last_status(&batches), RunStatus::Completed);
    // An output that never arrived stays visible as written in text for the operator.
    assert!(commands(&batches).iter().any(|c| matches!(
        c,
        Command::ShowManual { instructions, .. } if instructions == "Recover: {{steps.look.output.secret}}"
    )));
    assert_replay_matches(&runbook, &batches);
}

#[test]
fn an_unresolved_reference_in_args_fails_the_step() {
    let runbook = small(
        r#"
[[step]]
id = "maybe"
title = "Maybe"
kind = "query"
query = "describe_secret"
args = { secret_id = "{{param.secret}}" }
output = "secret"
on_failure = "continue"

[[step]]
id = "later"
title = "Later"
kind = "query"
query = "versions"
args = { secret_id = "{{steps.maybe.output.secret}}" }
output = "versions"
"#,
    );
    let (_, batches) = run(
        runbook,
        secret_param(),
        WRITE,
        |command, at| match command {
            Command::RunQuery { step, .. } if step == "maybe" => Some(Event::QueryDone {
                step: step.clone(),
                at,
                result: Err(StepError {
                    transient: false,
                    message: "denied".into(),
                }),
            }),
            _ => None,
        },
    );
    assert!(matches!(
        last_status(&batches),
        RunStatus::Stopped { step, reason }
            if step == "later" && reason.contains("{{steps.maybe.output.secret}}")
    ));
}

#[test]
fn a_question_decision_branches_on_the_option() {
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::AskDecision { step, options, .. } if step == "triage-real" => {
                assert_eq!(options.len(), 2);
                Some(Event::Decided {
                    step: step.clone(),
                    at,
                    option: 1,
                })
            }
            _ => None,
        },
    );
    assert_eq!(
        started(&batches),
        vec![
            "triage",
            "leak-check",
            "leak-match",
            "leak-branch",
            "triage-real"
        ]
    );
    assert_eq!(last_status(&batches), RunStatus::Completed);
    assert!(entries(&batches).iter().any(|e| matches!(
        &e.kind,
        EntryKind::Decision { step, goto, .. } if step == "triage-real" && goto == "end"
    )));
    assert_replay_matches(&compromised(), &batches);
}

/// The compromised-secret runbook with `leak-match` answering `answer`: the steps it starts.
fn after_leak_match(answer: &str) -> Vec<String> {
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::RunQuery { step, .. } if step == "leak-match" => Some(Event::QueryDone {
                step: step.clone(),
                at,
                result: Ok(BTreeMap::from([("match".to_string(), answer.to_string())])),
            }),
            _ => None,
        },
    );
    assert_replay_matches(&compromised(), &batches);
    started(&batches)
}

#[test]
fn the_leak_checks_answer_picks_the_branch() {
    // Still current: no "is it real?" question, straight to severity and containment.
    let current = after_leak_match("current");
    assert_eq!(
        current[3..6],
        ["leak-branch", "severity", "evidence-secret"]
    );
    assert!(current.contains(&"rotate".to_string()));
    // Previous: revoke the old credential, look at the reads, then (first option) respond.
    let previous = after_leak_match("previous");
    assert_eq!(
        previous[3..7],
        [
            "leak-branch",
            "revoke-previous",
            "reads-since-exposure",
            "previous-decision"
        ]
    );
    // No match: stop and re-triage; the first option ends the run.
    let none = after_leak_match("none");
    assert_eq!(
        none[3..],
        ["leak-branch", "retriage", "retriage-decision"].map(String::from)
    );
    // No check made (or an answer the cases do not name): the question as before.
    assert_eq!(after_leak_match("unknown")[4], "triage-real");
}

#[test]
fn a_check_decision_branches_on_the_recorded_outcome() {
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::EvaluateCheck { step, .. } if step == "watch-suspect" => {
                Some(Event::CheckDone {
                    step: step.clone(),
                    at,
                    passed: false,
                    detail: "2 reads by mallory after containment".into(),
                })
            }
            _ => None,
        },
    );
    let steps = started(&batches);
    let position = steps.iter().position(|s| s == "suspect-decision").unwrap();
    assert_eq!(steps[position + 1], "escalate");
    assert_eq!(steps[position + 2], "watch-old-credentials");
    assert_eq!(last_status(&batches), RunStatus::Completed);
    assert_replay_matches(&compromised(), &batches);
}

#[test]
fn a_failed_check_stops_with_its_on_fail_instructions() {
    let (_, batches) = run(
        compromised(),
        params(),
        WRITE,
        |command, at| match command {
            Command::EvaluateCheck { step, .. } if step == "verify-replicas" => {
                Some(Event::CheckDone {
                    step: step.clone(),
                    at,
                    passed: false,
                    detail: "eu-west-1 is Failed".into(),
                })
            }
            _ => None,
        },
    );
    let RunStatus::Stopped { step, reason } = last_status(&batches) else {
        panic!()
    };
    assert_eq!(step, "verify-replicas");
    assert!(reason.starts_with("eu-west-1 is Failed"), "{reason}");
    assert!(reason.contains("resync before going on"), "{reason}");
    assert!(entries(&batches).iter().any(|e| e.kind
        == EntryKind::CheckResult {
            step: "verify-replicas".into(),
            passed: false,
            detail: "eu-west-1 is Failed".into(),
        }));
    assert_replay_matches(&compromised(), &batches);
}

#[test]
fn a_run_without_a_suspect_asks_at_triage_and_checks_the_reads_by_hand() {
    let mut params = params();
    params.remove("suspect");
    let (_, batches) = run(compromised(), params, WRITE, |_, _| None);
    // Triage asks who it is instead of showing an unresolved template.
    let triage = commands(&batches)
        .into_iter()
        .find_map(|c| match c {
            Command::ShowManual {
                step, instructions, ..
            } if step == "triage" => Some(instructions),
            _ => None,
        })
        .unwrap();
    assert!(
        triage.contains("Who is the suspect, and is it still active?** Named at the start: `none`"),
        "{triage}"
    );
    assert!(!triage.contains("{{"), "{triage}");
    // The suspect check cannot run; a person reviews the reads, and the run completes.
    let steps = started(&batches);
    let position = steps.iter().position(|s| s == "suspect-decision").unwrap();
    assert_eq!(steps[position - 1], "watch-suspect");
    assert_eq!(steps[position + 1], "escalate");
    assert_eq!(steps[position + 2], "watch-old-credentials");
    assert_eq!(last_status(&batches), RunStatus::Completed);
    assert_replay_matches(&compromised(), &batches);
}
