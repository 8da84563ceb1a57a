//! What comes back to `:review`: the store's review and decisions, the source's policies, and
//! the observation kept once everything is in.

use std::sync::Arc;

use super::review_state::{data_changed, notice};
use crate::app::Effect;
use crate::app::effect::{RequestId, ReviewRequest};
use crate::app::msg::{DecisionLog, OpenedReview};
use crate::app::observation::ObservationInput;
use crate::app::review::{FetchReport, PolicyFetch, StoreState};
use crate::app::state::{NoticeLevel, State};
use crate::domain::CellHealth;
use crate::review::PolicyInput;
use crate::source::{ResourcePolicies, SourceKind};

/// LookupEvents answers for this long; older reads come only from log files.
const CLOUDTRAIL_DAYS: i64 = 90;

pub fn opened(state: &mut State, request: RequestId, result: Result<Box<OpenedReview>, String>) {
    if state.review.store != StoreState::Opening(request) {
        return;
    }
    match result {
        Ok(opened) => {
            let OpenedReview {
                info,
                created,
                log,
                broken,
                cached,
            } = *opened;
            let text = if created {
                format!("Started review {}", info.id)
            } else {
                format!(
                    "Opened review {} (started {} by {}); its {} decision(s) are kept",
                    info.id,
                    info.started_at.format("%Y-%m-%d %H:%M UTC"),
                    info.reviewer,
                    log.len()
                )
            };
            let review = &mut state.review;
            review.log = log;
            for (arn, policy) in cached {
                review.policies.entry(arn).or_insert(policy);
            }
            review.store = StoreState::Open { info, created };
            review.broken = broken.clone();
            match broken {
                Some(why) => notice(
                    state,
                    NoticeLevel::Error,
                    format!("The decision log was changed outside Strongroom: {why}"),
                ),
                None => notice(state, NoticeLevel::Info, text),
            }
        }
        Err(why) => {
            notice(
                state,
                NoticeLevel::Error,
                format!("The review store cannot be opened, decisions cannot be recorded: {why}"),
            );
            state.review.store = StoreState::Failed(why);
        }
    }
    data_changed(state);
}

pub fn policies_fetched(
    state: &mut State,
    request: RequestId,
    answer: ResourcePolicies,
) -> Vec<Effect> {
    let arns = match &state.review.fetch {
        PolicyFetch::Loading { request: r, arns } if *r == request => arns.clone(),
        _ => return Vec::new(),
    };
    state.review.fetch = PolicyFetch::Idle;
    let policies = &mut state.review.policies;
    let mut save = Vec::new();
    match answer {
        ResourcePolicies::NoneInSource(why) => {
            for arn in arns {
                policies.insert(arn, PolicyInput::NoneInSource(why.clone()));
            }
        }
        ResourcePolicies::Unknown(why) => {
            for arn in arns {
                policies.insert(arn, PolicyInput::Unavailable(why.clone()));
            }
        }
        ResourcePolicies::Fetched {
            policies: fetched,
            stats,
        } => {
            let mut failed = 0;
            for f in fetched {
                let input = match f.result {
                    Ok(text) => {
                        save.push((f.arn.clone(), text.clone(), f.fetched_at));
                        PolicyInput::Fetched {
                            text,
                            fetched_at: f.fetched_at,
                            cached: false,
                        }
                    }
                    Err(e) => {
                        failed += 1;
                        let hint = match e.health {
                            CellHealth::Forbidden(_) => {
                                "; the reviewer needs secretsmanager:GetResourcePolicy on it"
                            }
                            _ => "; open the review again (:review) to retry it",
                        };
                        PolicyInput::Failed(format!(
                            "GetResourcePolicy in {} failed: {e}{hint}",
                            region_of(&f.arn)
                        ))
                    }
                };
                policies.insert(f.arn, input);
            }
            for arn in arns {
                policies.entry(arn).or_insert_with(|| {
                    failed += 1;
                    PolicyInput::Failed("GetResourcePolicy gave no answer for it".into())
                });
            }
            let cached = policies
                .values()
                .filter(|p| matches!(p, PolicyInput::Fetched { cached: true, .. }))
                .count();
            state.review.fetched = Some(FetchReport {
                calls: stats.calls,
                throttled: stats.throttled,
                seconds: stats.seconds,
                cached,
                failed,
            });
        }
    }
    data_changed(state);
    if save.is_empty() {
        return Vec::new();
    }
    vec![Effect::Review(ReviewRequest::SavePolicies {
        policies: save,
    })]
}

/// `arn:aws:secretsmanager:REGION:...`.
fn region_of(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or("its region")
}

pub fn decided(state: &mut State, review: &str, result: Result<Box<DecisionLog>, String>) {
    state.review.recording = false;
    if state.review.info().is_none_or(|i| i.id != review) {
        return;
    }
    match result {
        Ok(answer) => {
            let DecisionLog {
                recorded,
                log,
                broken,
            } = *answer;
            state.review.log = log;
            state.review.broken = broken;
            notice(
                state,
                NoticeLevel::Info,
                format!(
                    "Recorded decision {} on {}: {} — {}",
                    recorded.seq,
                    recorded.secret_name,
                    recorded.verdict.label(),
                    recorded.note
                ),
            );
        }
        Err(why) => notice(
            state,
            NoticeLevel::Error,
            format!("The decision was not recorded: {why}"),
        ),
    }
}

pub fn failed(state: &mut State, why: String) {
    notice(state, NoticeLevel::Warning, why);
}

pub fn observed(state: &mut State, review: &str, secrets: usize) {
    if state.review.info().is_some_and(|i| i.id == review) {
        state.review.observed_secrets = Some(secrets);
    }
}

/// Once the inventory, every policy and the window's reads are in, what the review shows is
/// kept with it in the store, so `review export` reports what the decisions were made on.
pub fn observe_if_complete(state: &mut State) -> Vec<Effect> {
    let review = &state.review;
    let Some(info) = review.info() else {
        return Vec::new();
    };
    let Some(since) = review.since else {
        return Vec::new();
    };
    let current = review
        .observed
        .as_ref()
        .is_some_and(|e| Arc::ptr_eq(e, &state.events));
    if current || review.loading_policies() || state.ev.fetch.is_some() {
        return Vec::new();
    }
    let all_known = state
        .inventory
        .entries
        .iter()
        .all(|e| review.policies.contains_key(&e.secret.arn));
    if !all_known {
        return Vec::new();
    }
    let mut regions: Vec<String> = state.cells.keys().map(|c| c.region.clone()).collect();
    regions.sort();
    regions.dedup();
    let input = ObservationInput {
        review: info.id.clone(),
        observed_at: state.now,
        since,
        accounts: state.source.accounts.iter().map(|a| a.id.clone()).collect(),
        regions,
        notes: notes(state),
        problems: problems(state),
        inventory: state.inventory.clone(),
        policies: review.policies.clone(),
        events: state.events.clone(),
    };
    state.review.observed = Some(state.events.clone());
    vec![Effect::Review(ReviewRequest::Observe(Box::new(input)))]
}

/// The sentences `review start` writes into the report, for the same situations.
pub fn notes(state: &State) -> Vec<String> {
    let mut notes = Vec::new();
    match state.source.kind {
        SourceKind::Demo => notes.push(
            "The demo has no resource policies: every secret's access is decided by IAM alone; \
             its readers come from the demo's CloudTrail events."
                .to_string(),
        ),
        SourceKind::Snapshot(_) => notes.push(
            "A snapshot does not record resource policies: who may read is not known here. Run \
             the review against AWS to read them."
                .to_string(),
        ),
        SourceKind::LogFiles(_) => notes.push(
            "CloudTrail log files hold no inventory and no resource policies: only who read \
             is known here. Run the review against AWS to read who may."
                .to_string(),
        ),
        SourceKind::Live => {}
    }
    if state.review.span.num_days() > CLOUDTRAIL_DAYS && state.live_events {
        notes.push(format!(
            "CloudTrail LookupEvents keeps {CLOUDTRAIL_DAYS} days: reads before {} appear only \
             from --cloudtrail log files.",
            (state.now - chrono::Duration::days(CLOUDTRAIL_DAYS)).format("%Y-%m-%d")
        ));
    }
    if state.review.reads_stopped {
        notes.push(
            "The CloudTrail fetch was stopped before it covered the window: reads in the \
             window are incomplete."
                .to_string(),
        );
    }
    if state.events.is_empty() {
        notes.push(
            "No CloudTrail events were available: the \"read in window\" column is empty for \
             every secret."
                .to_string(),
        );
    }
    notes.push("Observed in the console (:review).".to_string());
    notes
}

/// Regions that could not be read and policies that could not be fetched or parsed.
fn problems(state: &State) -> Vec<String> {
    let mut out = Vec::new();
    for (cell, s) in &state.cells {
        if !matches!(s.health, CellHealth::Ok | CellHealth::Loading) {
            out.push(format!(
                "account {} region {}: {} ({})",
                cell.account,
                cell.region,
                s.health.label(),
                s.health.detail().unwrap_or("")
            ));
        }
    }
    for e in &state.inventory.entries {
        match state.review.policies.get(&e.secret.arn) {
            Some(PolicyInput::Failed(why)) => out.push(format!("{}: {why}", e.secret.name)),
            Some(PolicyInput::Fetched {
                text: Some(text), ..
            }) => {
                if let Err(why) = crate::review::policy::parse(text) {
                    out.push(format!(
                        "{}: the policy is not a document Strongroom can read: {why}",
                        e.secret.name
                    ));
                }
            }
            _ => {}
        }
    }
    out
}
