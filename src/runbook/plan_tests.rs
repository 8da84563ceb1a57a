use std::collections::BTreeMap;

use super::*;
use crate::runbook::validate;

const COMPROMISED: &str = include_str!("../../runbooks/compromised-secret.toml");
const SECRET: &str = "prod/payments/stripe";
const BREAK_GLASS: &str = "arn:aws:iam::123456789012:role/BreakGlass";

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
        ("dr_regions", "eu-west-1,us-west-2"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn step<'a>(plan: &'a Plan, id: &str) -> &'a PlannedStep {
    plan.steps
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id} in the plan"))
}

#[test]
fn every_step_appears_in_file_order_past_the_first_manual_step() {
    let runbook = compromised();
    let plan = plan(&runbook, &params()).unwrap();
    let planned: Vec<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
    let declared: Vec<&str> = runbook.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(planned, declared);
    assert_eq!(planned.first(), Some(&"triage"));
    assert_eq!(planned.last(), Some(&"followups"));
    assert_eq!(step(&plan, "followups").next, END);
    assert_eq!(step(&plan, "contain").kind, StepKind::Action);
    let Detail::Manual { checklist, .. } = &step(&plan, "triage").detail else {
        panic!("triage is a manual step");
    };
    assert_eq!(
        checklist[0],
        "Incident commander named and incident INC-2041 opened"
    );
    assert_eq!(checklist[2], format!("Owner of {SECRET} paged"));
}

#[test]
fn decisions_list_every_branch() {
    let plan = plan(&compromised(), &params()).unwrap();
    let Detail::Decision { question, branches } = &step(&plan, "triage-real").detail else {
        panic!("triage-real is a decision");
    };
    assert!(question.as_deref().unwrap().contains(SECRET));
    let gotos: Vec<&str> = branches.iter().map(|b| b.goto.as_str()).collect();
    assert_eq!(gotos, ["severity", END]);
    assert!(branches[1].when.starts_with("No, false alarm"));

    let Detail::Decision { question, branches } = &step(&plan, "suspect-decision").detail else {
        panic!("suspect-decision is a decision");
    };
    assert_eq!(question, &None);
    assert_eq!(
        branches,
        &[
            Branch {
                when: "`watch-suspect` passed".into(),
                goto: "watch-old-credentials".into()
            },
            Branch {
                when: "`watch-suspect` failed".into(),
                goto: "escalate".into()
            },
        ]
    );
}

#[test]
fn a_write_shows_the_exact_request_it_sends() {
    let plan = plan(&compromised(), &params()).unwrap();
    let Detail::Action { write, confirm } = &step(&plan, "tag").detail else {
        panic!("tag is an action");
    };
    assert_eq!(confirm, SECRET);
    assert_eq!(
        write.text(),
        r#"secretsmanager:TagResource
{
  "SecretId": "prod/payments/stripe",
  "Tags": [
    {
      "Key": "Incident",
      "Value": "INC-2041"
    },
    {
      "Key": "Compromised",
      "Value": "true"
    }
  ]
}"#
    );
    let Detail::Action { write, .. } = &step(&plan, "contain").detail else {
        panic!("contain is an action");
    };
    let Write::Request { call, .. } = write else {
        panic!("contain makes a complete request: {write:?}");
    };
    assert_eq!(call.operation, "PutResourcePolicy");
    let policy = call.text("ResourcePolicy").unwrap();
    assert!(
        calls::denies_all_except(policy, BREAK_GLASS).is_ok(),
        "{policy}"
    );
}

#[test]
fn values_from_earlier_steps_are_placeholders() {
    let plan = plan(&compromised(), &params()).unwrap();
    let Detail::Action { write, .. } = &step(&plan, "restore-policy").detail else {
        panic!("restore-policy is an action");
    };
    let Write::Request { call, otherwise } = write else {
        panic!("restore-policy shows its request: {write:?}");
    };
    assert_eq!(call.operation, "PutResourcePolicy");
    assert_eq!(
        call.text("ResourcePolicy"),
        Some("<steps.contain.output.previous_policy>")
    );
    let (_, delete) = otherwise.as_ref().unwrap();
    assert_eq!(delete.operation, "DeleteResourcePolicy");

    let Detail::Check {
        assertion, calls, ..
    } = &step(&plan, "watch-suspect").detail
    else {
        panic!("watch-suspect is a check");
    };
    assert_eq!(
        assertion,
        "no_reads_by(arn:aws:iam::123456789012:user/mallory, since=<steps.contain.finished_at>)"
    );
    let lookup = calls
        .iter()
        .find(|c| c.operation == "LookupEvents")
        .unwrap();
    assert_eq!(
        lookup.body["StartTime"], "<steps.contain.finished_at>",
        "{lookup}"
    );
}

#[test]
fn queries_show_their_requests_with_parameters_filled_in() {
    let plan = plan(&compromised(), &params()).unwrap();
    let Detail::Query { calls, output } = &step(&plan, "evidence-versions").detail else {
        panic!("evidence-versions is a query");
    };
    assert_eq!(output, "versions");
    assert_eq!(
        calls[0].to_string(),
        r#"secretsmanager:ListSecretVersionIds {"IncludeDeprecated":true,"SecretId":"prod/payments/stripe"} (every page)"#
    );
    let Detail::Query { calls, .. } = &step(&plan, "evidence-reads").detail else {
        panic!("evidence-reads is a query");
    };
    assert_eq!(calls[1].operation, "LookupEvents");
    assert_eq!(calls[1].body["StartTime"], "<now - 90d>");
    assert!(
        calls
            .iter()
            .all(|c| c.operation != "GetSecretValue" && c.operation != "BatchGetSecretValue")
    );
    let Detail::Check { assertion, .. } = &step(&plan, "verify-dr-regions").detail else {
        panic!("verify-dr-regions is a check");
    };
    assert_eq!(assertion, "replicated_to(eu-west-1,us-west-2)");
}

#[test]
fn bad_parameters_fail_as_a_run_would() {
    let mut missing = params();
    missing.remove("secret");
    assert_eq!(
        plan(&compromised(), &missing).unwrap_err(),
        EngineError::MissingParam("secret".into())
    );
}
