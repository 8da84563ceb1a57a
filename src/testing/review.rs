//! A small fleet for the access review's tests: a live source whose resource policies name a
//! role, an account principal, a partner role under a condition, `*` under an organisation
//! condition and `*` with none; reads through the policy, through the account root and
//! through IAM (primary and replica regions), and a denied attempt. Helpers answer the
//! review's effects the way the worker and the source would.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::fixtures::ACCOUNT;
use crate::app::effect::ReviewRequest;
use crate::app::msg::{DecisionLog, Msg, OpenedReview};
use crate::app::state::State;
use crate::app::{Action, Effect, update};
use crate::domain::{Cell, Secret};
use crate::review::{Decision, ReviewInfo};
use crate::source::aws::policies::{FetchedPolicy, PolicyFetchStats};
use crate::source::{ResourcePolicies, SourceKind};
use crate::trail::{AccessEvent, parse_record};

pub const PARTNER: &str = "444455556666";
pub const DB: &str = "prod/payments/db";
pub const BILLING: &str = "prod/billing/api-key";
pub const SHARED: &str = "prod/shared/config";
pub const BANNER: &str = "prod/public/banner";
pub const LEGACY: &str = "prod/legacy/token";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

pub fn arn(name: &str, region: &str) -> String {
    format!("arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-AbCdEf")
}

pub fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn secret(name: &str, region: &str, primary: Option<&str>, owner: &str) -> Secret {
    serde_json::from_value(json!({
        "arn": arn(name, region), "name": name, "account": ACCOUNT, "region": region,
        "primary_region": primary,
        "tags": [{"key": "Owner", "value": owner}, {"key": "Classification", "value": "critical"}],
    }))
    .unwrap()
}

/// What each cell lists: prod/payments/db is replicated to eu-west-1.
pub fn listings() -> Vec<(Cell, Vec<Secret>)> {
    vec![
        (
            Cell::new(ACCOUNT, "eu-west-1"),
            vec![secret(DB, "eu-west-1", Some("us-east-1"), "team-payments")],
        ),
        (
            Cell::new(ACCOUNT, "us-east-1"),
            vec![
                secret(DB, "us-east-1", Some("us-east-1"), "team-payments"),
                secret(BILLING, "us-east-1", None, "team-billing"),
                secret(SHARED, "us-east-1", None, "team-platform"),
                secret(BANNER, "us-east-1", None, "team-web"),
                secret(LEGACY, "us-east-1", None, "team-legacy"),
            ],
        ),
    ]
}

fn policy(statements: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// The policies GetResourcePolicy answers with, by secret name (none for prod/legacy/token).
pub fn policies() -> Vec<(&'static str, Option<String>)> {
    let read = "secretsmanager:GetSecretValue";
    vec![
        (
            DB,
            Some(policy(json!([{"Sid": "App", "Effect": "Allow",
                "Principal": {"AWS": [role("payments-api"), role("reporting")]},
                "Action": read, "Resource": "*"}]))),
        ),
        (
            BILLING,
            Some(policy(json!([
                {"Sid": "Account", "Effect": "Allow",
                 "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                 "Action": "secretsmanager:*", "Resource": "*"},
                {"Sid": "Partner", "Effect": "Allow",
                 "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:role/partner-reader")},
                 "Action": read, "Resource": "*",
                 "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c"}}}]))),
        ),
        (
            SHARED,
            Some(policy(
                json!([{"Sid": "Org", "Effect": "Allow", "Principal": "*",
                "Action": read, "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]),
            )),
        ),
        (
            BANNER,
            Some(policy(
                json!([{"Sid": "Anyone", "Effect": "Allow", "Principal": "*",
                "Action": read, "Resource": "*"}]),
            )),
        ),
        (LEGACY, None),
    ]
}

fn session(name: &str) -> Value {
    json!({"type": "AssumedRole", "accountId": ACCOUNT,
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{name}/s-1"),
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role(name)}}})
}

fn user(name: &str) -> Value {
    json!({"type": "IAMUser", "accountId": ACCOUNT, "userName": name,
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}")})
}

fn read(identity: Value, name: &str, region: &str, days: i64, error: Option<&str>) -> AccessEvent {
    let mut record = json!({
        "eventTime": (now() - Duration::days(days)).to_rfc3339(),
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": "GetSecretValue",
        "awsRegion": region,
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
        "sourceIPAddress": "10.0.0.7",
        "userIdentity": identity,
        "requestParameters": {"secretId": arn(name, region)},
    });
    if let Some(code) = error {
        record["errorCode"] = json!(code);
    }
    parse_record(&record).unwrap()
}

/// Reads in the last 90 days: payments-api in both regions, alice through IAM, batch through
/// the account root, mallory denied; and one read too old for the window.
pub fn events() -> Vec<AccessEvent> {
    vec![
        read(session("payments-api"), DB, "us-east-1", 2, None),
        read(session("payments-api"), DB, "eu-west-1", 5, None),
        read(user("alice"), DB, "us-east-1", 12, None),
        read(session("batch"), BILLING, "us-east-1", 3, None),
        read(user("alice"), LEGACY, "us-east-1", 40, None),
        read(user("alice"), SHARED, "us-east-1", 1, None),
        read(
            user("mallory"),
            BANNER,
            "us-east-1",
            4,
            Some("AccessDenied"),
        ),
        read(session("reporting"), DB, "us-east-1", 120, None),
    ]
}

/// The fleet loaded, its events indexed, the reviewer alice; no review opened yet.
pub fn state() -> State {
    let mut state = super::fixtures::empty_state(now());
    state.source.kind = SourceKind::Live;
    state.source.label = "AWS profiles prod".into();
    state.review.reviewer = "alice".into();
    let listings: HashMap<Cell, Vec<Secret>> = listings().into_iter().collect();
    for effect in crate::app::update::start(&mut state) {
        if let Effect::LoadCell { request, cell } = effect {
            let result = Ok(listings.get(&cell).cloned().unwrap_or_default());
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
    }
    crate::app::update::events::index(&mut state, events());
    state
}

/// Opens `:review` and answers the worker and the source until the review is complete.
/// Returns every effect the answers produced (policies to cache, the observation).
pub fn opened(state: &mut State, log: &mut Vec<Decision>) -> Vec<Effect> {
    let mut effects = update(state, Msg::Action(Action::Command));
    for c in "review".chars() {
        effects.extend(update(
            state,
            Msg::Prompt(crate::app::msg::PromptKey::Char(c)),
        ));
    }
    effects.extend(update(
        state,
        Msg::Prompt(crate::app::msg::PromptKey::Submit),
    ));
    answer(state, effects, log)
}

/// Answers Open, FetchPolicies and Decide as the worker and the source would; other effects
/// are returned, with those the answers produced.
pub fn answer(state: &mut State, effects: Vec<Effect>, log: &mut Vec<Decision>) -> Vec<Effect> {
    let mut pending: VecDeque<Effect> = effects.into();
    let mut rest = Vec::new();
    while let Some(effect) = pending.pop_front() {
        let msg = match effect {
            Effect::Review(ReviewRequest::Open {
                request, wanted, ..
            }) => Msg::ReviewOpened {
                request,
                result: Ok(Box::new(OpenedReview {
                    info: ReviewInfo { ..wanted },
                    created: log.is_empty(),
                    log: log.clone(),
                    broken: None,
                    cached: HashMap::new(),
                })),
            },
            Effect::FetchPolicies { request, secrets } => Msg::PoliciesFetched {
                request,
                answer: fetched(&secrets),
            },
            Effect::Review(ReviewRequest::Decide {
                review,
                mut decision,
            }) => {
                decision.seq = log.len() as u64 + 1;
                decision.hash = format!("hash-{}", decision.seq);
                log.push(decision.clone());
                Msg::ReviewDecided {
                    review,
                    result: Ok(Box::new(DecisionLog {
                        recorded: decision,
                        log: log.clone(),
                        broken: None,
                    })),
                }
            }
            other => {
                rest.push(other);
                continue;
            }
        };
        pending.extend(update(state, msg));
    }
    rest
}

fn fetched(secrets: &[Secret]) -> ResourcePolicies {
    let known = policies();
    let policies = secrets
        .iter()
        .map(|s| FetchedPolicy {
            arn: s.arn.clone(),
            result: Ok(known
                .iter()
                .find(|(name, _)| *name == s.name)
                .and_then(|(_, text)| text.clone())),
            fetched_at: now(),
        })
        .collect();
    ResourcePolicies::Fetched {
        policies,
        stats: PolicyFetchStats {
            calls: secrets.len(),
            throttled: 0,
            seconds: 0.1,
        },
    }
}
