//! The quarterly access review: who *can* read each secret (its resource policy) against who
//! *did* (CloudTrail reads in the window, primary and replica regions), a decision per secret,
//! and an evidence pack an auditor can check.
//!
//! The core is pure, data in and data out, for the headless command and a TUI view alike:
//! [`build`] takes the inventory, what is known of each secret's resource policy
//! ([`PolicyInput`], by primary ARN), the event index and the window's start, and returns one
//! [`SecretReview`] per selected secret: metadata, the parsed policy, its findings and one
//! [`AccessRow`] per principal, highlighted when allowed but unused or read through IAM.
//! [`decision::effective`] folds a secret's decision log; [`pack`] assembles, seals and
//! verifies the evidence pack. Nothing here does I/O or reads the clock.
//!
//! - `policy`: resource policy documents parsed into statements, and whom they reach.
//! - `findings`: public, cross-account, wildcard and deleted principals; no policy.
//! - `access`: the rows of one secret.
//! - `decision`: keep / revoke / change-owner / follow-up, and which still stand.
//! - `pack`: the evidence pack, its canonical JSON and SHA-256.
//! - `table`: the review as the terminal shows it.
//! - `command`: `strongroom review start` (the edge: source, GetResourcePolicy, store).
//! - `records`: `review decide|show|list|export|verify` (the store and files).

pub mod access;
pub mod decision;
pub mod findings;
pub mod model;
pub mod pack;
pub mod policy;
pub mod table;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

pub use decision::{Decision, Verdict};
pub use findings::{FindingKind, PolicyFinding};
pub use model::{
    AccessRow, Allowed, Highlight, PolicyInput, PolicyStatus, PolicyView, SecretMeta, SecretReview,
};
pub use policy::{PolicyDocument, PolicyError};

use crate::domain::Inventory;
use crate::domain::inventory::Entry;
use crate::trail::analysis::EventIndex;

/// Everything [`build`] needs; borrowed, so a TUI view can call it on its state.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub inventory: &'a Inventory,
    /// By the ARN of the secret the policy is attached to (the primary: replicas share it).
    /// A secret missing here is reviewed as "policy unavailable".
    pub policies: &'a HashMap<String, PolicyInput>,
    pub events: &'a EventIndex,
    /// The start of the review window; reads at or after it count.
    pub since: DateTime<Utc>,
    /// A `*` glob on secret names; None for every secret.
    pub selection: Option<&'a str>,
}

/// One review per selected secret, ordered by name, account and region.
pub fn build(input: &Input<'_>) -> Vec<SecretReview> {
    let mut out: Vec<SecretReview> = input
        .inventory
        .entries
        .iter()
        .filter(|e| selected(e, input.selection))
        .map(|e| {
            review_secret(
                e,
                input.policies.get(&e.secret.arn),
                input.events,
                input.since,
            )
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |r: &SecretReview| {
            (
                r.secret.name.clone(),
                r.secret.account.clone(),
                r.secret.region.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    out
}

/// Whether a secret is in the selection (`*` matches any run of characters, slashes too).
pub fn selected(entry: &Entry, glob: Option<&str>) -> bool {
    glob.is_none_or(|g| crate::audit::naming::glob(g, &entry.secret.name) || entry.secret.arn == g)
}

/// The review of one secret.
pub fn review_secret(
    entry: &Entry,
    policy: Option<&PolicyInput>,
    events: &EventIndex,
    since: DateTime<Utc>,
) -> SecretReview {
    let secret = SecretMeta::of(entry);
    let (view, doc, findings) = policy_view(policy, &secret.arn, &secret.account);
    let readers = events.readers(&secret.all_arns(), Some(since));
    let rows = access::rows(doc.as_ref(), view.status, &secret.arn, &readers);
    SecretReview {
        secret,
        policy: view,
        findings,
        rows,
    }
}

/// The policy as the review shows it, its parsed document, and its findings.
pub fn policy_view(
    input: Option<&PolicyInput>,
    secret_arn: &str,
    account: &str,
) -> (PolicyView, Option<PolicyDocument>, Vec<PolicyFinding>) {
    let view = |status, detail: Option<String>| PolicyView {
        status,
        detail,
        fetched_at: None,
        cached: false,
        document: None,
        statements: Vec::new(),
    };
    match input {
        None => {
            let why = "not fetched for this secret";
            let v = view(PolicyStatus::Unavailable, Some(why.into()));
            (v, None, vec![findings::unavailable(why)])
        }
        Some(PolicyInput::Unavailable(why)) => (
            view(PolicyStatus::Unavailable, Some(why.clone())),
            None,
            vec![findings::unavailable(why)],
        ),
        Some(PolicyInput::Failed(why)) => (
            view(PolicyStatus::Unreadable, Some(why.clone())),
            None,
            vec![findings::unreadable(why)],
        ),
        Some(PolicyInput::NoneInSource(why)) => (
            view(PolicyStatus::None, Some(why.clone())),
            None,
            vec![findings::no_policy()],
        ),
        Some(PolicyInput::Fetched {
            text,
            fetched_at,
            cached,
        }) => {
            let mut v = view(PolicyStatus::None, None);
            v.fetched_at = Some(*fetched_at);
            v.cached = *cached;
            let Some(text) = text.as_deref().filter(|t| !t.trim().is_empty()) else {
                return (v, None, vec![findings::no_policy()]);
            };
            v.document = Some(text.to_string());
            match policy::parse(text) {
                Ok(doc) => {
                    v.status = PolicyStatus::Attached;
                    v.statements = doc.statements.clone();
                    let found = findings::of_document(&doc, secret_arn, account);
                    (v, Some(doc), found)
                }
                Err(e) => {
                    let why = format!("the policy is not a document Strongroom can read: {e}");
                    v.status = PolicyStatus::Unreadable;
                    v.detail = Some(why.clone());
                    (v, None, vec![findings::unreadable(&why)])
                }
            }
        }
    }
}

/// A review as the store keeps it: who started it, when, over which window and secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInfo {
    /// `review-2026Q4-20261120` (with `-2`, `-3`... when that day has several).
    pub id: String,
    pub started_at: DateTime<Utc>,
    /// As typed, e.g. `90d`.
    pub window: String,
    pub reviewer: String,
    /// The `--secrets` glob it was started with, if any.
    pub scope: Option<String>,
    /// The source's label (`AWS profiles prod`, `DEMO`...), and its kind.
    pub source: String,
    pub source_kind: String,
}

/// `review-<year>Q<quarter>-<YYYYMMDD>`.
pub fn review_id(started: DateTime<Utc>) -> String {
    format!("{}{}", quarter_prefix(started), started.format("%Y%m%d"))
}

/// `review-<year>Q<quarter>-`: the ids of one quarter's reviews start with it.
pub fn quarter_prefix(at: DateTime<Utc>) -> String {
    format!("review-{}Q{}-", at.year(), (at.month() - 1) / 3 + 1)
}

/// What the last `review start` saw: kept with the review so `show`, `decide` and `export`
/// need no AWS call and the pack says exactly what the decisions were made on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub observed_at: DateTime<Utc>,
    pub since: DateTime<Utc>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// Sentences the report must carry (the demo has no policies, the window is past 90 days).
    pub notes: Vec<String>,
    /// Regions or secrets that could not be read.
    pub problems: Vec<String>,
    pub secrets: Vec<SecretReview>,
}

/// Counts for the report's head.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub secrets: usize,
    pub with_policy: usize,
    pub without_policy: usize,
    pub policy_unreadable: usize,
    pub public_read: usize,
    pub cross_account_read: usize,
    pub allowed_unused: usize,
    pub read_through_iam: usize,
    pub decided: usize,
    pub undecided: usize,
}

pub fn summary(secrets: &[SecretReview], log: &[Decision]) -> Summary {
    let mut s = Summary {
        secrets: secrets.len(),
        ..Summary::default()
    };
    for r in secrets {
        match r.policy.status {
            PolicyStatus::Attached => s.with_policy += 1,
            PolicyStatus::None => s.without_policy += 1,
            PolicyStatus::Unreadable | PolicyStatus::Unavailable => s.policy_unreadable += 1,
        }
        let has = |k: FindingKind| r.findings.iter().any(|f| f.kind == k);
        s.public_read += usize::from(has(FindingKind::PublicRead));
        s.cross_account_read += usize::from(has(FindingKind::CrossAccountRead));
        s.allowed_unused += r.with_highlight(Highlight::Unused).count();
        s.read_through_iam += r.with_highlight(Highlight::ThroughIam).count();
        if decision::effective(log, &r.secret.arn).is_empty() {
            s.undecided += 1;
        } else {
            s.decided += 1;
        }
    }
    s
}
